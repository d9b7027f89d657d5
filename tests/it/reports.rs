//! A base reports its own activities and its unit reviews them (第十三条(四),
//! 第十四条(三)), through the API, on both backends: scoping, counting only
//! once approved, returning and resubmitting.

use crate::helpers::{
    call_as as call, json_of as json, on_both_backends, spawn_app, Browser, TestApp, TestDb,
    PASSWORD,
};

/// SAMPLE-001 (郑州市科协, the unit account's) and SAMPLE-002 (the base account's).
const UPLOAD: &str = r#"{"indicator":"platform_uploads","date":"2024-06-01","title":"补报：专家信息上传","evidence_url":"https://kczg.example.org/new/1"}"#;

fn uploads(app: &TestApp, code: &str) -> i64 {
    let r = call(
        app,
        "province",
        "GET",
        &format!("/api/v1/bases/{code}/scorecard?year=2024"),
        None,
    );
    json(&r)["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "platform_uploads")
        .and_then(|r| r["actual"].as_i64())
        .unwrap_or(-1)
}

/// SAMPLE-002's stored activity records of 2024 (what the engine sums).
fn stored(t: &TestDb) -> usize {
    let mut db = t.db();
    let b = basewatch::db::bases::find_by_code(&mut db, "SAMPLE-002")
        .unwrap()
        .unwrap();
    basewatch::db::records::for_base(&mut db, b.id, 2024)
        .unwrap()
        .len()
}

fn a_base_reports_its_own_records_and_nobody_elses(t: &TestDb) {
    let app = spawn_app(t);
    // Not another base's, not by its unit (which reviews), not unauthenticated.
    assert_eq!(
        call(
            &app,
            "base",
            "POST",
            "/api/v1/bases/SAMPLE-001/records",
            Some(UPLOAD)
        )
        .status,
        404
    );
    assert_eq!(
        call(
            &app,
            "base",
            "GET",
            "/api/v1/bases/SAMPLE-001/records?year=2024",
            None
        )
        .status,
        404
    );
    assert_eq!(
        call(
            &app,
            "unit",
            "POST",
            "/api/v1/bases/SAMPLE-001/records",
            Some(UPLOAD)
        )
        .status,
        403
    );
    assert_eq!(
        crate::helpers::api(
            &app,
            "POST",
            "/api/v1/bases/SAMPLE-002/records",
            None,
            Some(UPLOAD.as_bytes())
        )
        .status,
        401
    );
    // Bad input is a 400 that says why.
    for bad in [
        r#"{"indicator":"incubated_projects","date":"2024-06-01","title":"x"}"#,
        r#"{"indicator":"platform_uploads","date":"2099-06-01","title":"x"}"#,
        r#"{"indicator":"platform_uploads","date":"2024-06-01","title":"x","quantity":0}"#,
        r#"{"indicator":"platform_uploads","date":"2024-06-01","title":"x","evidence_url":"javascript:alert(1)"}"#,
        r#"{"indicator":"platform_uploads","date":"2024-06-01","title":""}"#,
        "not json",
    ] {
        let r = call(
            &app,
            "base",
            "POST",
            "/api/v1/bases/SAMPLE-002/records",
            Some(bad),
        );
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
    }
    let before = stored(t);
    let r = call(
        &app,
        "base",
        "POST",
        "/api/v1/bases/SAMPLE-002/records",
        Some(UPLOAD),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let entry = json(&r);
    assert_eq!(entry["review"], "pending");
    assert_eq!(entry["entered_by"], "base");
    let id = entry["id"].as_i64().unwrap();
    assert_eq!(stored(t), before, "a pending record does not count");
    let list = json(&call(
        &app,
        "base",
        "GET",
        "/api/v1/bases/SAMPLE-002/records?year=2024",
        None,
    ));
    let items = list["items"].as_array().unwrap();
    assert!(items
        .iter()
        .any(|i| i["id"] == id && i["review"] == "pending"));
    assert!(items
        .iter()
        .all(|i| i["id"].is_i64() && i["review"].is_string()));
    // The scorecard says what waits.
    let mut b = Browser::new(&app);
    assert_eq!(b.login("base", PASSWORD).status, 303);
    assert!(b
        .get("/bases/SAMPLE-002?year=2024")
        .text()
        .contains("另有 1 条待审核"));

    // SAMPLE-002's unit has no account: the `unit` account cannot review it; staff can.
    let review = |who: &str, body: &str| {
        call(
            &app,
            who,
            "POST",
            &format!("/api/v1/records/{id}/review"),
            Some(body),
        )
    };
    assert_eq!(
        review("unit", r#"{"decision":"approved"}"#).status,
        404,
        "not the unit's base"
    );
    assert_eq!(
        review("base", r#"{"decision":"approved"}"#).status,
        403,
        "a base does not review itself"
    );
    assert_eq!(
        review("province", r#"{"decision":"returned"}"#).status,
        400,
        "a return needs a reason"
    );
    let r = review(
        "province",
        r#"{"decision":"returned","reason":"佐证链接打不开"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["review"], "returned");
    assert_eq!(
        review("province", r#"{"decision":"approved"}"#).status,
        409,
        "only a pending record is reviewed"
    );
    // The base sees why, corrects it and submits again.
    let list = json(&call(
        &app,
        "base",
        "GET",
        "/api/v1/bases/SAMPLE-002/records?year=2024",
        None,
    ));
    let mine = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(
        (mine["review"].as_str(), mine["review_reason"].as_str()),
        (Some("returned"), Some("佐证链接打不开"))
    );
    let fixed = UPLOAD.replace("new/1", "new/1-fixed");
    let r = call(
        &app,
        "base",
        "POST",
        &format!("/api/v1/records/{id}"),
        Some(&fixed),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["review"], "pending");
    assert_eq!(
        call(
            &app,
            "base",
            "POST",
            &format!("/api/v1/records/{id}"),
            Some(&fixed)
        )
        .status,
        409,
        "pending again"
    );
    // Approved, it counts.
    let r = review("province", r#"{"decision":"approved"}"#);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["review"], "approved");
    assert_eq!(stored(t), before + 1, "an approved record counts");
    let list = json(&call(
        &app,
        "base",
        "GET",
        "/api/v1/bases/SAMPLE-002/records?year=2024",
        None,
    ));
    let items = list["items"].as_array().unwrap();
    let mine = items.iter().find(|i| i["id"] == id).unwrap();
    assert!(mine["record_id"].is_i64(), "{mine}");
    assert_eq!(items.len(), 1, "listed once, not again as a stored record");
    // The base was told of the return.
    let mut db = t.db();
    let mails = basewatch::db::outbox::recent(&mut db, 50).unwrap();
    assert!(mails
        .iter()
        .any(|m| m.subject.contains("活动记录被退回") && m.body_text.contains("佐证链接打不开")));
}

fn a_unit_reviews_only_its_own_bases_and_staff_entries_count_at_once(t: &TestDb) {
    let app = spawn_app(t);
    // SAMPLE-003 reports by records alone (nothing declared for 2024).
    let before = uploads(&app, "SAMPLE-003");
    // Staff enter a record for it: approved and counted at once.
    let r = call(
        &app,
        "province",
        "POST",
        "/api/v1/bases/SAMPLE-003/records",
        Some(UPLOAD),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(json(&r)["review"], "approved");
    assert_eq!(uploads(&app, "SAMPLE-003"), before + 1);
    // A base's record for SAMPLE-002, and the unit tries it: 404 (not its base).
    let r = call(
        &app,
        "base",
        "POST",
        "/api/v1/bases/SAMPLE-002/records",
        Some(UPLOAD),
    );
    let id = json(&r)["id"].as_i64().unwrap();
    assert_eq!(
        call(
            &app,
            "unit",
            "POST",
            &format!("/api/v1/records/{id}/review"),
            Some(r#"{"decision":"approved"}"#)
        )
        .status,
        404
    );
    // Its own base's record the unit reviews: an account for SAMPLE-001 enters one.
    let mut db = t.db();
    use basewatch::access::{add_user, issue_token, NewAccount, Role};
    add_user(
        &mut db,
        &NewAccount {
            username: "base1",
            password: PASSWORD,
            role: Role::Base,
            unit: None,
            base: Some("SAMPLE-001"),
            email: "b1@example.org",
        },
    )
    .unwrap();
    let token = issue_token(&mut db, "base1", "t", Some(1)).unwrap().1;
    let r = crate::helpers::api(
        &app,
        "POST",
        "/api/v1/bases/SAMPLE-001/records",
        Some(&token),
        Some(UPLOAD.as_bytes()),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let own = json(&r)["id"].as_i64().unwrap();
    // The unit hears of it once a day (the `reviews` job), and only the unit
    // whose base has records waiting (SAMPLE-002's unit has no account).
    let settings = t.settings();
    let jobs = basewatch::jobs::load(std::path::Path::new("/nonexistent")).unwrap();
    let job = jobs
        .iter()
        .find(|j| j.name == "reviews")
        .expect("the reviews job");
    let day = crate::helpers::date("2026-11-28");
    for second in 0..2 {
        let when = day.and_hms_opt(0, 30, second).unwrap();
        basewatch::jobs::run(&mut db, &settings, job, day, when, "t")
            .unwrap()
            .unwrap();
    }
    let told: Vec<_> = basewatch::db::outbox::recent(&mut db, 50)
        .unwrap()
        .into_iter()
        .filter(|m| m.dedupe_key.starts_with("reviews|"))
        .collect();
    assert_eq!(told.len(), 1, "once a day, one unit");
    assert!(
        told[0].subject.contains("1 条活动记录待审核"),
        "{}",
        told[0].subject
    );
    assert!(told[0].body_text.contains("SAMPLE-001") && !told[0].body_text.contains("SAMPLE-002"));
    let r = call(
        &app,
        "unit",
        "POST",
        &format!("/api/v1/records/{own}/review"),
        Some(r#"{"decision":"approved"}"#),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["reviewed_by"], "unit");
    // A confirmed year takes no more records.
    assert_eq!(
        call(&app, "province", "POST", "/api/v1/years/2024/confirm", None).status,
        200
    );
    let late = call(
        &app,
        "base",
        "POST",
        "/api/v1/bases/SAMPLE-002/records",
        Some(UPLOAD),
    );
    assert_eq!(late.status, 409, "{}", late.text());
    assert!(late.text().contains("已定稿"));
    assert_eq!(
        call(
            &app,
            "province",
            "POST",
            &format!("/api/v1/records/{id}/review"),
            Some(r#"{"decision":"approved"}"#)
        )
        .status,
        409,
        "nor approvals into it"
    );
}

on_both_backends!(
    a_base_reports_its_own_records_and_nobody_elses,
    a_unit_reviews_only_its_own_bases_and_staff_entries_count_at_once,
);
