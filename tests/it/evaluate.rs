//! The compliance engine beyond the sample: as-of dates, pace in a running
//! year, and which bases are due in which year.

use crate::helpers::{date, import_sample, on_both_backends, TestDb};
use basewatch::compliance::{self, Pace};
use basewatch::db;
use basewatch::ingest::Outcome;

fn records_2025(t: &TestDb, db: &mut db::Db) {
    let mut body = String::from("基地编号,指标,日期,数量,标题,佐证链接,外部编号\n");
    for k in 1..=12 {
        body.push_str(&format!(
            "SAMPLE-008,platform_uploads,2025-0{}-0{},1,上传{k},https://e.example.org/u{k},\n",
            k % 6 + 1,
            k % 9 + 1
        ));
    }
    body.push_str(
        "SAMPLE-008,incubated_projects,2025-03-01,1,孵化项目一,https://e.example.org/p1,\n",
    );
    body.push_str(
        "SAMPLE-008,incubated_projects,2025-08-01,1,孵化项目二,https://e.example.org/p2,\n",
    );
    let r = t.import(db, &t.write("r2025.csv", body));
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
}

fn pace(card: &compliance::Scorecard, code: &str, ind: &str) -> (Option<i64>, Option<Pace>) {
    let r = card
        .rows
        .iter()
        .find(|r| &*r.base_code == code && r.indicator.id() == ind)
        .unwrap_or_else(|| panic!("{code} {ind} missing"));
    (r.actual, r.pace)
}

fn a_running_year_shows_pace_as_of_a_date(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    records_2025(t, &mut db);
    let mid = t.evaluate(&mut db, 2025, Some(date("2025-07-02")));
    assert!(mid.running);
    assert_eq!(
        pace(&mid, "SAMPLE-008", "platform_uploads"),
        (Some(12), Some(Pace::OnTrack))
    );
    // The August project is not counted on 2 July.
    assert_eq!(
        pace(&mid, "SAMPLE-008", "incubated_projects"),
        (Some(1), Some(Pace::Behind))
    );
    assert_eq!(
        pace(&mid, "SAMPLE-008", "roadshow_events"),
        (None, Some(Pace::NotReported))
    );

    let late = t.evaluate(&mut db, 2025, Some(date("2025-12-01")));
    assert_eq!(
        pace(&late, "SAMPLE-008", "platform_uploads"),
        (Some(12), Some(Pace::Unable))
    );
    assert_eq!(
        pace(&late, "SAMPLE-008", "incubated_projects"),
        (Some(2), Some(Pace::Behind))
    );

    // After the year ends there is no pace, only the result.
    let done = t.evaluate(&mut db, 2025, Some(date("2026-03-01")));
    assert!(!done.running);
    assert_eq!(done.as_of, date("2025-12-31"));
    assert_eq!(
        pace(&done, "SAMPLE-008", "platform_uploads"),
        (Some(12), None)
    );
}

fn a_met_indicator_is_on_track_whatever_the_date(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let body = "基地编号,年度,截至日期,上传专家、成果、难题等信息,孵化科技创新创业项目,项目路演、产学研金融合等活动\nSAMPLE-006,2025,2025-03-31,25,3,1\n";
    let r = t.import(&mut db, &t.write("q1.csv", body));
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    let card = t.evaluate(&mut db, 2025, Some(date("2025-04-01")));
    assert!(card
        .rows
        .iter()
        .filter(|r| &*r.base_code == "SAMPLE-006")
        .all(|r| r.met && r.pace == Some(Pace::OnTrack) && r.base_pass));
    // Declared as of 31 March: not yet known on 30 March.
    let earlier = t.evaluate(&mut db, 2025, Some(date("2025-03-30")));
    assert_eq!(
        pace(&earlier, "SAMPLE-006", "platform_uploads"),
        (None, Some(Pace::NotReported))
    );
}

fn revoked_bases_are_not_evaluated_in_later_years(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let b = db::bases::find_by_code(&mut db, "SAMPLE-001")
        .unwrap()
        .unwrap();
    db::bases::set_status(
        &mut db,
        b.id,
        basewatch::domain::Status::Rectifying,
        date("2024-11-01"),
        "年度考核未达标，责令限期整改",
        "tester",
    )
    .unwrap();
    db::bases::set_status(
        &mut db,
        b.id,
        basewatch::domain::Status::Revoked,
        date("2025-03-01"),
        "整改后仍不符合要求",
        "tester",
    )
    .unwrap();
    let in_2025 = t.evaluate(&mut db, 2025, None);
    let in_2026 = t.evaluate(&mut db, 2026, None);
    assert!(in_2025.rows.iter().any(|r| &*r.base_code == "SAMPLE-001"));
    assert!(!in_2026.rows.iter().any(|r| &*r.base_code == "SAMPLE-001"));
    // Recognised in 2025 (mid-year): due from 2026.
    assert!(!in_2025.rows.iter().any(|r| &*r.base_code == "SAMPLE-012"));
    assert!(in_2026.rows.iter().any(|r| &*r.base_code == "SAMPLE-012"));
    let history = db::bases::status_history(&mut db, b.id).unwrap();
    assert_eq!(
        history.iter().map(|h| h.status.id()).collect::<Vec<_>>(),
        ["building", "rectifying", "revoked"]
    );
}

fn an_as_of_date_before_the_year_is_refused(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let err = compliance::evaluate(
        &mut db,
        &basewatch::rules::Rulebook::henan(),
        2024,
        Some(date("2023-12-31")),
        crate::helpers::today(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("早于"), "{err}");
}

fn an_empty_database_evaluates_to_no_rows(t: &TestDb) {
    let mut db = t.db();
    let card = t.evaluate(&mut db, 2024, None);
    assert!(card.rows.is_empty());
    assert_eq!(card.totals(), (0, 0));
}

on_both_backends!(
    a_running_year_shows_pace_as_of_a_date,
    a_met_indicator_is_on_track_whatever_the_date,
    revoked_bases_are_not_evaluated_in_later_years,
    an_as_of_date_before_the_year_is_refused,
    an_empty_database_evaluates_to_no_rows,
);
