use super::*;
use serde_json::json;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn run(ty: BaseType, figures: serde_json::Value, registered: &str, on: &str) -> Vec<Checked> {
    let map = figures.as_object().unwrap().clone();
    check(
        &Rulebook::henan(),
        ty,
        &Given {
            figures: &map,
            registered_on: Some(d(registered)),
        },
        d(on),
    )
}

fn result(list: &[Checked], id: &str) -> Verdict {
    list.iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no condition {id}: {list:?}"))
        .result
}

#[test]
fn staff_of_fifty_with_eighty_per_cent_scientists_meet_and_one_less_does_not() {
    let at = run(
        BaseType::Iar,
        json!({"staff": 50, "st_worker_share": 0.8}),
        "2020-01-01",
        "2026-12-03",
    );
    assert_eq!(result(&at, "staff"), Verdict::Met);
    assert_eq!(result(&at, "st_worker_share"), Verdict::Met);
    let below = run(
        BaseType::Iar,
        json!({"staff": 49, "st_worker_share": 0.799}),
        "2020-01-01",
        "2026-12-03",
    );
    assert_eq!(result(&below, "staff"), Verdict::NotMet);
    assert_eq!(result(&below, "st_worker_share"), Verdict::NotMet);
    let s = below.iter().find(|c| c.id == "staff").unwrap();
    assert_eq!((s.required.as_str(), s.given.as_str()), ("不少于 50", "49"));
}

#[test]
fn more_than_half_of_the_firms_is_more_than_fifty_per_cent_not_fifty() {
    let half = run(
        BaseType::Incubation,
        json!({"qualified_firm_share": 0.5, "incubation_area_m2": 5000}),
        "2020-01-01",
        "2026-12-03",
    );
    assert_eq!(result(&half, "qualified_firm_share"), Verdict::NotMet);
    assert_eq!(result(&half, "incubation_area_m2"), Verdict::Met);
    let over = run(
        BaseType::Incubation,
        json!({"qualified_firm_share": 0.51, "incubation_area_m2": 4999.5}),
        "2020-01-01",
        "2026-12-03",
    );
    assert_eq!(result(&over, "qualified_firm_share"), Verdict::Met);
    assert_eq!(result(&over, "incubation_area_m2"), Verdict::NotMet);
}

#[test]
fn ten_foreign_experts_count_only_with_three_months_each() {
    let ten: Vec<_> = (0..10)
        .map(|i| json!({"name": format!("Expert {i}"), "months": 3}))
        .collect();
    let met = run(
        BaseType::International,
        json!({ "foreign_experts": ten }),
        "2020-01-01",
        "2026-12-03",
    );
    assert_eq!(result(&met, "foreign_experts"), Verdict::Met);
    let mut short = ten.clone();
    short[9] = json!({"name": "Expert 9", "months": 2.9});
    let not = run(
        BaseType::International,
        json!({ "foreign_experts": short }),
        "2020-01-01",
        "2026-12-03",
    );
    assert_eq!(result(&not, "foreign_experts"), Verdict::NotMet);
    assert_eq!(
        not.iter()
            .find(|c| c.id == "foreign_experts")
            .unwrap()
            .given,
        "9"
    );
    // A plain count is taken as given.
    let count = run(
        BaseType::International,
        json!({"foreign_experts": 10}),
        "2020-01-01",
        "2026-12-03",
    );
    assert_eq!(result(&count, "foreign_experts"), Verdict::Met);
}

#[test]
fn registered_for_one_year_is_checked_as_dates() {
    let on_the_day = run(BaseType::Iar, json!({}), "2025-12-03", "2026-12-03");
    assert_eq!(result(&on_the_day, "registered_on"), Verdict::Met);
    let a_day_short = run(BaseType::Iar, json!({}), "2025-12-04", "2026-12-03");
    assert_eq!(result(&a_day_short, "registered_on"), Verdict::NotMet);
    let leap = run(BaseType::Iar, json!({}), "2024-02-29", "2025-02-28");
    assert_eq!(result(&leap, "registered_on"), Verdict::Met);
}

#[test]
fn a_condition_that_needs_a_judgement_is_never_decided() {
    for (ty, ids) in [
        (BaseType::Iar, &["iar_outcomes", "iar_self_development"][..]),
        (BaseType::Incubation, &["incubation_services"][..]),
        (
            BaseType::International,
            &["international_record", "international_services"][..],
        ),
    ] {
        let claims: serde_json::Map<_, _> =
            ids.iter().map(|i| (i.to_string(), json!(true))).collect();
        let list = run(
            ty,
            serde_json::Value::Object(claims),
            "2020-01-01",
            "2026-12-03",
        );
        for id in ids {
            assert_eq!(result(&list, id), Verdict::Judgement, "{id}");
        }
    }
}

#[test]
fn every_condition_of_each_type_is_listed_and_a_missing_figure_is_not_met() {
    let want: [(BaseType, &[&str]); 3] = [
        (
            BaseType::Iar,
            &[
                "iar_outcomes",
                "iar_self_development",
                "cooperation_kczg",
                "lead_experts",
                "staff",
                "st_worker_share",
                "tech_transfer_team",
                "local_support",
                "legal_person",
                "registered_on",
                "no_major_incident",
            ],
        ),
        (
            BaseType::Incubation,
            &[
                "incubation_services",
                "typical_incubation_cases",
                "cooperation_kczg",
                "qualified_firm_share",
                "incubation_area_m2",
                "incubation_operator",
                "incubation_service_staff",
                "investment_fund",
                "legal_person",
                "registered_on",
                "no_major_incident",
            ],
        ),
        (
            BaseType::International,
            &[
                "international_record",
                "international_services",
                "cooperation_kczg",
                "international_partners",
                "foreign_experts",
                "staff",
                "st_worker_share",
                "tech_transfer_team",
                "local_support",
                "legal_person",
                "registered_on",
                "no_major_incident",
            ],
        ),
    ];
    for (ty, ids) in want {
        let list = run(ty, json!({}), "2020-01-01", "2026-12-03");
        let mut got: Vec<&str> = list.iter().map(|c| c.id.as_str()).collect();
        let mut ids = ids.to_vec();
        got.sort_unstable();
        ids.sort_unstable();
        assert_eq!(got, ids, "{ty:?}");
        for c in &list {
            if c.id != "registered_on" && c.result != Verdict::Judgement {
                assert_eq!(c.result, Verdict::NotMet, "{}", c.id);
                assert_eq!(c.given, "未填报");
            }
        }
    }
}

#[test]
fn declarations_are_met_only_when_declared_yes() {
    let yes = run(
        BaseType::Iar,
        json!({"local_support": true, "no_major_incident": true, "legal_person": false}),
        "2020-01-01",
        "2026-12-03",
    );
    assert_eq!(result(&yes, "local_support"), Verdict::Met);
    assert_eq!(result(&yes, "no_major_incident"), Verdict::Met);
    assert_eq!(result(&yes, "legal_person"), Verdict::NotMet);
}
