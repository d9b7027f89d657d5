//! The annual evaluation as an act (定稿, 第十五条): a finished year is
//! confirmed by province staff, stands through later imports and rulebook
//! revisions, and is reopened only with a reason. Through the API, the pages
//! and the library, on both backends.

use std::io::Cursor;

use basewatch::compliance;
use basewatch::lifecycle::year;
use basewatch::rules::Rulebook;
use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

use crate::helpers::{
    api, call_as as call, import_sample, json_of as json, on_both_backends, spawn_app, today,
    unescape, Browser, TestApp, TestDb, PASSWORD,
};

fn scorecards(app: &TestApp, year: i32) -> serde_json::Value {
    let r = call(
        app,
        "province",
        "GET",
        &format!("/api/v1/scorecards?year={year}&per_page=200"),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    json(&r)["items"].clone()
}

/// One more platform upload for SAMPLE-002, dated `on`.
fn one_record(on: &str) -> String {
    format!(
        "基地编号,指标,日期,数量,标题,佐证链接,外部编号\nSAMPLE-002,platform_uploads,{on},1,补充上传,https://kczg.example.org/late,late-{on}\n"
    )
}

fn import(app: &TestApp, name: &str, body: &str) -> crate::helpers::Reply {
    call(
        app,
        "province",
        "POST",
        &format!("/api/v1/imports?filename={name}"),
        Some(body),
    )
}

fn a_year_is_confirmed_only_after_its_counting_period_and_then_stands(t: &TestDb) {
    let app = spawn_app(t);
    let open = json(&call(&app, "province", "GET", "/api/v1/years/2024", None));
    assert_eq!(open["status"], "open");
    assert_eq!(open["year"], 2024);
    assert!(open["confirmed_at"].is_null() && open["confirmed_by"].is_null());
    assert!(open["rulebook"]
        .as_str()
        .unwrap()
        .starts_with("henan-kczy@"));

    // 2026 is still being counted on the tests' today (2026-11-28).
    let running = call(&app, "province", "POST", "/api/v1/years/2026/confirm", None);
    assert_eq!(running.status, 409, "{}", running.text());
    assert!(running.text().contains("尚未结束"), "{}", running.text());
    // Only staff act on a year; without a token nothing happens.
    for who in ["unit", "base"] {
        let r = call(&app, who, "POST", "/api/v1/years/2024/confirm", None);
        assert_eq!(r.status, 403, "{who}: {}", r.text());
    }
    assert_eq!(
        api(&app, "POST", "/api/v1/years/2024/confirm", None, None).status,
        401
    );
    assert_eq!(
        json(&call(&app, "unit", "GET", "/api/v1/years/2024", None))["status"],
        "open"
    );

    let before = scorecards(&app, 2024);
    let done = call(&app, "province", "POST", "/api/v1/years/2024/confirm", None);
    assert_eq!(done.status, 200, "{}", done.text());
    let done = json(&done);
    assert_eq!(done["status"], "confirmed");
    assert_eq!(done["confirmed_by"], "province");
    assert!(done["confirmed_at"].is_string());
    let again = call(&app, "province", "POST", "/api/v1/years/2024/confirm", None);
    assert_eq!(again.status, 409, "{}", again.text());
    assert_eq!(
        scorecards(&app, 2024),
        before,
        "confirming changes no result"
    );

    // An import that would change the confirmed year is refused whole, and
    // says why; the result is as confirmed.
    let refused = import(&app, "late.csv", &one_record("2024-06-01"));
    assert_eq!(refused.status, 422, "{}", refused.text());
    let report = json(&refused);
    let reasons = report.to_string();
    assert!(
        reasons.contains("已定稿") && reasons.contains("2024"),
        "{reasons}"
    );
    assert_eq!(scorecards(&app, 2024), before);
    // Another year is open.
    let other = import(&app, "next.csv", &one_record("2025-06-01"));
    assert_eq!(other.status, 200, "{}", other.text());

    // Reopened only with a reason, which is kept.
    let no_reason = call(
        &app,
        "province",
        "POST",
        "/api/v1/years/2024/reopen",
        Some(r#"{"reason":"  "}"#),
    );
    assert_eq!(no_reason.status, 400, "{}", no_reason.text());
    let not_json = call(
        &app,
        "province",
        "POST",
        "/api/v1/years/2024/reopen",
        Some("reason=x"),
    );
    assert_eq!(not_json.status, 400);
    assert_eq!(
        call(
            &app,
            "unit",
            "POST",
            "/api/v1/years/2024/reopen",
            Some(r#"{"reason":"x"}"#)
        )
        .status,
        403
    );
    let reopened = call(
        &app,
        "province",
        "POST",
        "/api/v1/years/2024/reopen",
        Some(r#"{"reason":"SAMPLE-002 补报 6 月上传记录"}"#),
    );
    assert_eq!(reopened.status, 200, "{}", reopened.text());
    let reopened = json(&reopened);
    assert_eq!(reopened["status"], "open");
    let history = reopened["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["action"], "reopen");
    assert_eq!(history[1]["reason"], "SAMPLE-002 补报 6 月上传记录");
    let again = call(
        &app,
        "province",
        "POST",
        "/api/v1/years/2025/reopen",
        Some(r#"{"reason":"x"}"#),
    );
    assert_eq!(
        again.status, 409,
        "a year never confirmed cannot be reopened"
    );
    let accepted = import(&app, "late.csv", &one_record("2024-06-01"));
    assert_eq!(accepted.status, 200, "{}", accepted.text());
    assert_ne!(
        scorecards(&app, 2024),
        before,
        "the open year counts the new record"
    );
}

fn a_revised_rulebook_never_rescores_a_confirmed_year(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let henan = Rulebook::henan();
    let before = compliance::evaluate(&mut db, &henan, 2024, None, today()).unwrap();
    assert!(!before.confirmed);
    year::confirm(&mut db, &henan, 2024, today(), "staff").unwrap();

    // A revision that asks ten times the uploads, applying from 2025.
    let text = basewatch::rules::HENAN
        .replace(
            "version = \"2023-trial.1\"",
            "version = \"2025.1\"\napplies_from = 2025",
        )
        .replace("platform_uploads = 20", "platform_uploads = 200");
    let revised = Rulebook::parse(&text, "revised.toml").unwrap();
    assert_eq!(revised.applies_from, Some(2025));
    let after = compliance::evaluate(&mut db, &revised, 2024, None, today()).unwrap();
    assert!(after.confirmed);
    assert_eq!(
        after.rulebook, before.rulebook,
        "the confirmed year keeps its rulebook"
    );
    assert_eq!(after.rows, before.rows, "and its result, row for row");
    // 2025 is scored by the revision; 2023 (not confirmed, before it applies) is refused.
    let next = compliance::evaluate(&mut db, &revised, 2025, None, today()).unwrap();
    assert!(next
        .rows
        .iter()
        .filter(|r| r.indicator.id() == "platform_uploads")
        .all(|r| r.target == 200));
    let e = compliance::evaluate(&mut db, &revised, 2023, None, today()).unwrap_err();
    assert!(e.to_string().contains("适用起始年度"), "{e}");
    // An as-of date inside the confirmed year is still a question about the
    // past, answered from the data.
    let mid = compliance::evaluate(
        &mut db,
        &henan,
        2024,
        Some(crate::helpers::date("2024-06-30")),
        today(),
    )
    .unwrap();
    assert!(!mid.confirmed && mid.running);
    // A bad applies_from is refused with its key.
    let bad = basewatch::rules::HENAN.replace(
        "version = \"2023-trial.1\"",
        "version = \"x\"\napplies_from = 1850",
    );
    let e = Rulebook::parse(&bad, "bad.toml").unwrap_err().to_string();
    assert!(e.contains("applies_from") && e.contains("bad.toml"), "{e}");
}

fn sheet_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("xlsx");
    let range = book.worksheet_range(sheet).expect("sheet");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => i.to_string(),
                    _ => String::new(),
                })
                .collect()
        })
        .collect()
}

fn the_publication_list_of_a_confirmed_year_lists_passed_then_failed_by_type(t: &TestDb) {
    let app = spawn_app(t);
    let early = call(
        &app,
        "province",
        "GET",
        "/api/v1/years/2024/publication.xlsx",
        None,
    );
    assert_eq!(
        early.status,
        409,
        "not before the year is confirmed: {}",
        early.text()
    );
    assert_eq!(
        call(&app, "province", "POST", "/api/v1/years/2024/confirm", None).status,
        200
    );
    let r = call(
        &app,
        "province",
        "GET",
        "/api/v1/years/2024/publication.xlsx",
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r
        .header("Content-Disposition")
        .unwrap_or("")
        .contains("attachment"));
    let iar = sheet_rows(&r.body, "产学研协作类");
    assert!(
        iar[0][0].contains("2024 年度产学研协作类考核结果公示名单"),
        "{iar:?}"
    );
    assert_eq!(
        iar[1][..6],
        [
            "序号",
            "基地编号",
            "基地名称",
            "依托单位",
            "地市",
            "考核结果"
        ]
    );
    let results: Vec<&str> = iar[2..].iter().map(|r| r[5].as_str()).collect();
    assert!(!results.is_empty());
    let first_fail = results
        .iter()
        .position(|r| *r == "不合格")
        .unwrap_or(results.len());
    assert!(
        results[first_fail..].iter().all(|r| *r == "不合格"),
        "passed first: {results:?}"
    );
    // SAMPLE-002 (19 uploads) fails, with the shortfall in words.
    let s2 = iar
        .iter()
        .find(|r| r[1] == "SAMPLE-002")
        .expect("SAMPLE-002 listed");
    assert_eq!(s2[5], "不合格");
    assert!(!s2[6].is_empty(), "{s2:?}");
    // A unit's list holds its own bases only; a base gets none.
    let unit = call(
        &app,
        "unit",
        "GET",
        "/api/v1/years/2024/publication.xlsx",
        None,
    );
    assert_eq!(unit.status, 200);
    let codes: Vec<String> = ["产学研协作类", "创新创业孵化类", "国际创新合作类"]
        .iter()
        .flat_map(|s| {
            sheet_rows(&unit.body, s)
                .into_iter()
                .skip(2)
                .map(|r| r[1].clone())
        })
        .collect();
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == "SAMPLE-001" || c == "SAMPLE-005"),
        "{codes:?}"
    );
    assert_eq!(
        call(
            &app,
            "base",
            "GET",
            "/api/v1/years/2024/publication.xlsx",
            None
        )
        .status,
        404
    );
}

fn staff_confirm_and_reopen_a_year_from_the_overview(t: &TestDb) {
    let app = spawn_app(t);
    let mut b = Browser::new(&app);
    assert_eq!(b.login("province", PASSWORD).status, 303);
    let page = unescape(&b.get("/overview?year=2024").text());
    assert!(
        page.contains("未定稿") && page.contains("确认定稿"),
        "{page}"
    );
    let csrf = b.csrf();
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    // Without the CSRF token nothing happens.
    assert_ne!(b.post("/years/2024/confirm", &form, b"").status, 303);
    let r = b.post(
        "/years/2024/confirm",
        &form,
        format!("csrf={csrf}").as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.location.as_deref(), Some("/overview?year=2024"));
    let page = unescape(&b.get("/overview?year=2024").text());
    assert!(
        page.contains("已定稿") && page.contains("province"),
        "{page}"
    );
    assert!(page.contains("/years/2024/publication.xlsx"));
    let list = b.get("/years/2024/publication.xlsx");
    assert_eq!(list.status, 200);
    let r = b.post(
        "/years/2024/reopen",
        &form,
        format!("csrf={csrf}&reason=%E8%A1%A5%E6%8A%A5").as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let page = unescape(&b.get("/overview?year=2024").text());
    assert!(page.contains("重新开放：补报"), "{page}");
    // A unit sees no such form, and cannot post it.
    let mut u = Browser::new(&app);
    assert_eq!(u.login("unit", PASSWORD).status, 303);
    assert!(!u.get("/overview?year=2024").text().contains("确认定稿"));
    let ucsrf = u.csrf();
    assert_eq!(
        u.post(
            "/years/2024/confirm",
            &form,
            format!("csrf={ucsrf}").as_bytes()
        )
        .status,
        404
    );
}

on_both_backends!(
    a_year_is_confirmed_only_after_its_counting_period_and_then_stands,
    a_revised_rulebook_never_rescores_a_confirmed_year,
    the_publication_list_of_a_confirmed_year_lists_passed_then_failed_by_type,
    staff_confirm_and_reopen_a_year_from_the_overview,
);

fn staff_see_every_reading_with_its_article_and_confirm_it(t: &TestDb) {
    let app = spawn_app(t);
    let mut b = Browser::new(&app);
    assert_eq!(b.login("province", PASSWORD).status, 303);
    let page = unescape(&b.get("/readings").text());
    for (topic, article) in [
        ("rectification_makeup", "第十六条"),
        ("acceptance_window", "第十七条"),
    ] {
        assert!(
            page.contains(topic) && page.contains(article),
            "{topic}: {page}"
        );
    }
    assert!(page.contains("待确认") && !page.contains("已确认"));
    let csrf = b.csrf();
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let r = b.post(
        "/readings/rectification_makeup",
        &form,
        format!("csrf={csrf}&status=confirmed").as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let page = unescape(&b.get("/readings").text());
    assert!(page.contains("已确认</span>（province，"), "{page}");
    assert_eq!(
        b.post(
            "/readings/no_such_topic",
            &form,
            format!("csrf={csrf}&status=confirmed").as_bytes()
        )
        .status,
        404
    );
    assert_eq!(
        b.post(
            "/readings/rectification_makeup",
            &form,
            format!("csrf={csrf}&status=maybe").as_bytes()
        )
        .status,
        400
    );
    let mut u = Browser::new(&app);
    assert_eq!(u.login("unit", PASSWORD).status, 303);
    assert_eq!(u.get("/readings").status, 404);
}

mod readings {
    use super::*;
    on_both_backends!(staff_see_every_reading_with_its_article_and_confirm_it);
}
