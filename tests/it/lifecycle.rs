//! 第十六–十七条 through the API, as scripts and staff use them: orders,
//! decisions, acceptance and lapse, each refused where the text does not
//! allow it, each told to the base. Time moves through the app's `today`.

use basewatch::db;
use basewatch::lifecycle::decisions;

use crate::helpers::{
    call_as as call, date, import_sample, json_of as json, on_both_backends, spawn_app,
    spawn_app_on, TestApp, TestDb,
};

fn decide(app: &TestApp, who: &str, body: &str) -> crate::helpers::Reply {
    call(
        app,
        who,
        "POST",
        "/api/v1/bases/SAMPLE-002/rectification/decision",
        Some(body),
    )
}

fn a_rectification_is_ordered_extended_once_and_passed_when_made_up(t: &TestDb) {
    let app = spawn_app(t);
    let order = |who: &str, code: &str| {
        call(
            &app,
            who,
            "POST",
            &format!("/api/v1/bases/{code}/rectification"),
            Some(r#"{"reason":"2024 年度考核未达标"}"#),
        )
    };
    // Nothing is confirmed yet: no order.
    let r = order("province", "SAMPLE-002");
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("已定稿"), "{}", r.text());
    assert_eq!(
        call(&app, "province", "POST", "/api/v1/years/2024/confirm", None).status,
        200
    );
    assert_eq!(order("unit", "SAMPLE-001").status, 403);
    assert_eq!(order("base", "SAMPLE-002").status, 403);
    assert_eq!(order("base", "SAMPLE-001").status, 404, "outside its scope");
    assert_eq!(
        order("province", "SAMPLE-001").status,
        409,
        "SAMPLE-001 passed 2024"
    );
    let r = order("province", "SAMPLE-002");
    assert_eq!(r.status, 200, "{}", r.text());
    let o = json(&r);
    assert_eq!(
        (o["year"].as_i64(), o["deadline"].as_str()),
        (Some(2024), Some("2027-02-26"))
    );
    assert!(
        o["shortfalls"]
            .as_str()
            .unwrap()
            .contains("上传专家、成果、难题等信息不少于 20 条（第十条第（一）项）"),
        "{o}"
    );
    assert_eq!(o["reason"], "2024 年度考核未达标");
    let b = json(&call(
        &app,
        "province",
        "GET",
        "/api/v1/bases/SAMPLE-002",
        None,
    ));
    assert_eq!(b["status"], "rectifying");
    assert_eq!(
        (b["cycle_start"].as_str(), b["cycle_end"].as_str()),
        (Some("2023-06-01"), Some("2026-06-01"))
    );
    assert_eq!(order("province", "SAMPLE-002").status, 409, "once");

    // Not revoked before the deadline; an extension needs a later date and a reason, once.
    assert_eq!(
        decide(&app, "province", r#"{"decision":"revoked","reason":"x"}"#).status,
        409
    );
    assert_eq!(
        decide(&app, "unit", r#"{"decision":"passed"}"#).status,
        404,
        "not the unit's base"
    );
    assert_eq!(decide(&app, "base", r#"{"decision":"passed"}"#).status, 403);
    assert_eq!(
        decide(&app, "province", r#"{"decision":"extended","reason":"x"}"#).status,
        400
    );
    assert_eq!(
        decide(
            &app,
            "province",
            r#"{"decision":"extended","reason":"x","deadline":"2027-01-01"}"#
        )
        .status,
        400
    );
    assert_eq!(
        decide(
            &app,
            "province",
            r#"{"decision":"extended","deadline":"2027-05-31"}"#
        )
        .status,
        400
    );
    assert_eq!(
        decide(&app, "province", r#"{"decision":"maybe"}"#).status,
        400
    );
    let r = decide(
        &app,
        "province",
        r#"{"decision":"extended","reason":"活动推迟","deadline":"2027-05-31"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let o = json(&r);
    assert_eq!(
        (o["deadline"].as_str(), o["extended_from"].as_str()),
        (Some("2027-05-31"), Some("2027-02-26"))
    );
    let again = decide(
        &app,
        "province",
        r#"{"decision":"extended","reason":"再推迟","deadline":"2027-08-31"}"#,
    );
    assert_eq!(again.status, 409, "{}", again.text());
    // Not passed before the shortfall is made up; one upload inside the period makes it up.
    let r = decide(&app, "province", r#"{"decision":"passed"}"#);
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("仍差"), "{}", r.text());
    let rec = "基地编号,指标,日期,数量,标题,佐证链接,外部编号\nSAMPLE-002,platform_uploads,2026-11-28,1,整改上传,https://kczg.example.org/fix,fix-1\n";
    let imported = call(
        &app,
        "province",
        "POST",
        "/api/v1/imports?filename=fix.csv",
        Some(rec),
    );
    assert_eq!(imported.status, 200, "{}", imported.text());
    let r = decide(
        &app,
        "province",
        r#"{"decision":"passed","reason":"已补足"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["outcome"], "passed");
    let b = json(&call(
        &app,
        "province",
        "GET",
        "/api/v1/bases/SAMPLE-002",
        None,
    ));
    assert_eq!(b["status"], "building");
    assert_eq!(
        decide(&app, "province", r#"{"decision":"passed"}"#).status,
        409,
        "nothing pending"
    );

    // The base was told of the order, the extension and the decision; its
    // unit has no account, so nothing claims a copy.
    let mut db = t.db();
    let mails = db::outbox::recent(&mut db, 100).unwrap();
    let told: Vec<&db::outbox::Mail> = mails
        .iter()
        .filter(|m| m.dedupe_key.starts_with("decision|SAMPLE-002|"))
        .collect();
    assert_eq!(
        told.len(),
        2,
        "{:?}",
        told.iter().map(|m| &m.dedupe_key).collect::<Vec<_>>()
    );
    for m in &told {
        assert!(m.recipients.contains("contact002@example.org"));
        assert!(
            m.cc.is_empty() && !m.body_text.contains("抄送"),
            "{}",
            m.body_text
        );
    }
    assert!(told
        .iter()
        .any(|m| m.subject.contains("整改期限延长") && m.body_text.contains("2027-05-31")));
    assert!(told.iter().any(|m| m.subject.contains("整改合格")));
}

fn acceptance_needs_the_cycle_ended_and_an_application(t: &TestDb) {
    // SAMPLE-002 (the base account's) was recognised 2023-06-01: its cycle ended 2026-06-01.
    let early = spawn_app_on(t, t.settings(), date("2026-05-01"));
    let r = call(
        &early,
        "base",
        "POST",
        "/api/v1/bases/SAMPLE-002/acceptance/apply",
        None,
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("届满后方可申请"), "{}", r.text());
}

fn acceptance_passed_starts_the_new_cycle_on_the_old_end_date(t: &TestDb) {
    let app = spawn_app_on(t, t.settings(), date("2026-07-01"));
    let apply = |who: &str, code: &str| {
        call(
            &app,
            who,
            "POST",
            &format!("/api/v1/bases/{code}/acceptance/apply"),
            None,
        )
    };
    let result = |who: &str, code: &str, body: &str| {
        call(
            &app,
            who,
            "POST",
            &format!("/api/v1/bases/{code}/acceptance"),
            Some(body),
        )
    };
    assert_eq!(
        result(
            "province",
            "SAMPLE-002",
            r#"{"outcome":"passed","opinion":"好"}"#
        )
        .status,
        409,
        "no application yet"
    );
    assert_eq!(apply("unit", "SAMPLE-001").status, 403);
    let r = apply("base", "SAMPLE-002");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["status"], "accepting");
    assert_eq!(apply("base", "SAMPLE-002").status, 409, "once");
    assert_eq!(
        result(
            "base",
            "SAMPLE-002",
            r#"{"outcome":"passed","opinion":"好"}"#
        )
        .status,
        403
    );
    assert_eq!(
        result("province", "SAMPLE-002", r#"{"outcome":"passed"}"#).status,
        400,
        "an opinion"
    );
    assert_eq!(
        result(
            "province",
            "SAMPLE-002",
            r#"{"outcome":"fine","opinion":"x"}"#
        )
        .status,
        400
    );
    let r = result(
        "province",
        "SAMPLE-002",
        r#"{"outcome":"passed","opinion":"建设成效显著"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let b = json(&r);
    assert_eq!(b["status"], "building");
    assert_eq!(
        (b["cycle_start"].as_str(), b["cycle_end"].as_str()),
        (Some("2026-06-01"), Some("2029-06-01"))
    );
    let mut db = t.db();
    let mails = db::outbox::recent(&mut db, 100).unwrap();
    let m = mails
        .iter()
        .find(|m| {
            m.dedupe_key
                .starts_with("decision|SAMPLE-002|acceptance-passed")
        })
        .expect("told");
    assert!(
        m.body_text.contains("2026-06-01") && m.body_text.contains("建设成效显著"),
        "{}",
        m.body_text
    );
    // No more reminders to apply: the next cycle end is years away.
}

fn a_base_that_never_applies_is_proposed_as_lapsed_and_staff_confirm(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let settings = t.settings();
    let bases = db::bases::all(&mut db).unwrap();
    // 90 days after 2026-06-01 (SAMPLE-002's cycle end): not yet; the day after: proposed.
    let on_time = decisions::lapse_proposals(&bases, &settings, date("2026-08-30"));
    assert!(!on_time.iter().any(|b| b.code == "SAMPLE-002"));
    let late = date("2026-09-01");
    let proposed = decisions::lapse_proposals(&bases, &settings, late);
    assert!(proposed.iter().any(|b| b.code == "SAMPLE-002"));
    let b = bases.iter().find(|b| b.code == "SAMPLE-011").unwrap();
    assert!(
        decisions::confirm_lapse(&mut db, &settings, b, late, "staff").is_err(),
        "SAMPLE-011's cycle has not ended"
    );
    let b = bases.iter().find(|b| b.code == "SAMPLE-002").unwrap();
    decisions::confirm_lapse(&mut db, &settings, b, late, "staff").unwrap();
    let after = db::bases::find_by_code(&mut db, "SAMPLE-002")
        .unwrap()
        .unwrap();
    assert_eq!(after.status.id(), "lapsed");
    // A lapsed base rests: no deadlines; it is evaluated in the year it
    // ended (the rulebook's reading, evaluate_ending_year), never after.
    assert!(basewatch::lifecycle::deadlines(&after, &settings.rulebook, late, None).is_empty());
    let in_2026 = |rb: &basewatch::rules::Rulebook, db: &mut basewatch::db::Db| {
        basewatch::compliance::evaluate(db, rb, 2026, None, date("2026-11-28"))
            .unwrap()
            .rows
            .iter()
            .any(|r| &*r.base_code == "SAMPLE-002")
    };
    assert!(
        in_2026(&settings.rulebook, &mut db),
        "evaluated in the year it ended"
    );
    let mut other = settings.rulebook.clone();
    other.lifecycle.evaluate_ending_year = false;
    assert!(
        !in_2026(&other, &mut db),
        "unless the rulebook reads otherwise"
    );
    let card = basewatch::compliance::evaluate(
        &mut db,
        &settings.rulebook,
        2027,
        None,
        date("2027-03-01"),
    )
    .unwrap();
    assert!(
        !card.rows.iter().any(|r| &*r.base_code == "SAMPLE-002"),
        "never after"
    );
    let card = basewatch::compliance::evaluate(
        &mut db,
        &settings.rulebook,
        2024,
        None,
        date("2026-11-28"),
    )
    .unwrap();
    assert!(
        card.rows.iter().any(|r| &*r.base_code == "SAMPLE-002"),
        "its earlier years stand"
    );
    // And it cannot be brought back by an acceptance.
    assert!(decisions::apply_acceptance(&mut db, &settings, &after, late, "staff").is_err());
}

fn the_pages_offer_the_base_its_application_and_staff_the_lapses(t: &TestDb) {
    use crate::helpers::{unescape, Browser, PASSWORD};
    // SAMPLE-002's cycle ended 2026-06-01; 90 days later it has not applied.
    let app = spawn_app_on(t, t.settings(), date("2026-09-05"));
    let mut staff = Browser::new(&app);
    assert_eq!(staff.login("province", PASSWORD).status, 303);
    let lapses = unescape(&staff.get("/rectification?view=lapse").text());
    assert!(
        lapses.contains("SAMPLE-002") && lapses.contains("确认不再认定"),
        "{lapses}"
    );
    assert!(lapses.contains("/bases/SAMPLE-002/lapse"));
    let mut base = Browser::new(&app);
    assert_eq!(base.login("base", PASSWORD).status, 303);
    let own = unescape(&base.get("/bases/SAMPLE-002").text());
    assert!(own.contains("/bases/SAMPLE-002/acceptance/apply"), "{own}");
    let csrf = base.csrf();
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let r = base.post(
        "/bases/SAMPLE-002/acceptance/apply",
        &form,
        format!("csrf={csrf}").as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let own = unescape(&base.get("/bases/SAMPLE-002").text());
    assert!(!own.contains("/acceptance/apply"), "applied once");
    let lapses = unescape(&staff.get("/rectification?view=lapse").text());
    assert!(
        !lapses.contains("/bases/SAMPLE-002/lapse"),
        "an applicant is no lapse: {lapses}"
    );
    // A unit can neither apply for its base nor confirm a lapse.
    let mut unit = Browser::new(&app);
    assert_eq!(unit.login("unit", PASSWORD).status, 303);
    let ucsrf = unit.csrf();
    assert_eq!(
        unit.post(
            "/bases/SAMPLE-001/acceptance/apply",
            &form,
            format!("csrf={ucsrf}").as_bytes()
        )
        .status,
        404
    );
    assert_eq!(
        unit.post(
            "/bases/SAMPLE-001/lapse",
            &form,
            format!("csrf={ucsrf}").as_bytes()
        )
        .status,
        404
    );
}

on_both_backends!(
    the_pages_offer_the_base_its_application_and_staff_the_lapses,
    a_rectification_is_ordered_extended_once_and_passed_when_made_up,
    acceptance_needs_the_cycle_ended_and_an_application,
    acceptance_passed_starts_the_new_cycle_on_the_old_end_date,
    a_base_that_never_applies_is_proposed_as_lapsed_and_staff_confirm,
);
