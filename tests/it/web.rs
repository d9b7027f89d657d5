//! The web app over real HTTP on a free port: login and sessions, and every
//! route for every role — a base sees only itself, a recommending unit only
//! the bases it recommended, anything else is 404.

use crate::helpers::{api, on_both_backends, spawn_app, Browser, TestApp, TestDb, PASSWORD};

const OWN_UNIT: &str = "SAMPLE-001"; // 郑州市科协
const OWN_BASE: &str = "SAMPLE-002"; // the base account's own
const ROLES: [&str; 3] = ["province", "unit", "base"];

/// May `role` see base `code`?
fn sees(role: &str, code: &str) -> bool {
    match role {
        "province" => true,
        "unit" => code == OWN_UNIT || code == "SAMPLE-005",
        _ => code == OWN_BASE,
    }
}

fn logged_in(app: &TestApp, role: &str) -> Browser {
    let mut b = Browser::new(app);
    let r = b.login(role, PASSWORD);
    assert_eq!(r.status, 303, "login as {role}: {}", r.text());
    assert!(b.cookie.is_some(), "session cookie for {role}");
    b
}

fn every_page_route_is_scoped_by_role(t: &TestDb) {
    let app = spawn_app(t);
    // Anonymous: every page sends you to the login form.
    let anon = Browser::new(&app);
    for path in [
        "/",
        "/overview",
        "/bases",
        "/at-risk",
        "/bases/SAMPLE-001",
        "/bases/SAMPLE-001/chart.svg",
        "/imports",
        "/outbox",
        "/jobs",
        "/templates/register.xlsx",
        "/exports/scorecards.csv?year=2024",
    ] {
        let r = anon.get(path);
        assert_eq!(r.status, 303, "{path}");
        assert!(
            r.location.as_deref().unwrap_or("").starts_with("/login"),
            "{path}"
        );
    }
    for role in ROLES {
        let b = logged_in(&app, role);
        let overview = b.get("/overview?year=2024");
        if role == "base" {
            assert_eq!(overview.status, 303);
        } else {
            assert_eq!(overview.status, 200, "{role}");
            let html = overview.text();
            assert!(html.contains("达标率") && html.contains("<svg"), "{role}");
        }
        let list = b.get("/bases?year=2024").text();
        let risks = b.get("/at-risk?year=2024");
        assert_eq!(risks.status, 200, "{role} /at-risk");
        let risks = risks.text();
        for code in ["SAMPLE-001", "SAMPLE-002", "SAMPLE-005", "SAMPLE-009"] {
            assert_eq!(list.contains(code), sees(role, code), "{role} list {code}");
            if !sees(role, code) {
                assert!(!risks.contains(code), "{role} at-risk {code}");
            }
            let want = if sees(role, code) { 200 } else { 404 };
            for path in [
                format!("/bases/{code}?year=2024"),
                format!("/bases/{code}/chart.svg?year=2024"),
                format!("/bases/{code}/chart.png?year=2024"),
            ] {
                assert_eq!(b.get(&path).status, want, "{role} {path}");
            }
        }
        for path in ["/imports", "/outbox", "/jobs", "/rectification"] {
            let r = b.get(path);
            let want = if role == "province" { 200 } else { 404 };
            assert_eq!(r.status, want, "{role} {path}");
        }
        for name in ["register", "yearly_counts", "activity_records"] {
            let r = b.get(&format!("/templates/{name}.xlsx"));
            assert_eq!(r.status, 200);
            assert!(r.body.starts_with(b"PK"), "xlsx");
        }
        let csv = b.get("/exports/scorecards.csv?year=2024");
        assert_eq!(csv.status, 200);
        let text = csv.text();
        assert!(text.starts_with(
            "base_code,base_name,base_type,city,year,indicator,actual,target,gap,met,base_pass"
        ));
        for code in ["SAMPLE-001", "SAMPLE-002", "SAMPLE-009"] {
            assert_eq!(text.contains(code), sees(role, code), "{role} csv {code}");
        }
        let xlsx = b.get("/exports/scorecards.xlsx?year=2024");
        assert_eq!(xlsx.status, 200);
        assert!(xlsx.body.starts_with(b"PK"));
    }
}

fn every_api_route_is_scoped_by_token(t: &TestDb) {
    let app = spawn_app(t);
    let routes = [
        "/api/v1/bases",
        "/api/v1/scorecards?year=2024",
        "/api/v1/bases/SAMPLE-001/scorecard?year=2024",
        "/api/v1/bases/SAMPLE-001/chart.svg?year=2024",
        "/api/v1/bases/SAMPLE-001/chart.png?year=2024",
        "/api/v1/exports/scorecards.xlsx?year=2024",
    ];
    for path in routes {
        assert_eq!(
            api(&app, "GET", path, None, None).status,
            401,
            "{path} without a token"
        );
        assert_eq!(
            api(&app, "GET", path, Some(&"0".repeat(64)), None).status,
            401,
            "{path} bad token"
        );
    }
    assert_eq!(
        api(&app, "POST", "/api/v1/imports", None, Some(b"x")).status,
        401
    );
    assert_eq!(
        api(&app, "GET", "/api/v1/openapi.json", None, None).status,
        200
    );
    for role in ROLES {
        let token = app.tokens[role].clone();
        let get = |p: &str| api(&app, "GET", p, Some(&token), None);
        let j = |p: &str| -> Vec<serde_json::Value> {
            let v: serde_json::Value = serde_json::from_slice(&get(p).body).unwrap();
            assert!(
                v["next"].is_null(),
                "{role} {p}: the sample fits on one page"
            );
            v["items"].as_array().cloned().unwrap_or_default()
        };
        let bases = j("/api/v1/bases");
        let rows = j("/api/v1/scorecards?year=2024");
        for code in ["SAMPLE-001", "SAMPLE-002", "SAMPLE-005", "SAMPLE-009"] {
            assert_eq!(
                bases.iter().any(|b| b["code"] == code),
                sees(role, code),
                "{role} bases {code}"
            );
            assert_eq!(
                rows.iter().any(|r| r["base_code"] == code),
                sees(role, code),
                "{role} rows {code}"
            );
            let want = if sees(role, code) { 200 } else { 404 };
            for suffix in [
                "scorecard?year=2024",
                "chart.svg?year=2024",
                "chart.png?year=2024",
            ] {
                let r = get(&format!("/api/v1/bases/{code}/{suffix}"));
                assert_eq!(r.status, want, "{role} {code} {suffix}");
            }
        }
        assert_eq!(get("/api/v1/exports/scorecards.xlsx?year=2024").status, 200);
        let bad = b"\xef\xbb\xbf\xe5\x9f\xba\xe5\x9c\xb0\xe7\xbc\x96\xe5\x8f\xb7,x\n";
        let r = api(
            &app,
            "POST",
            "/api/v1/imports?filename=x.csv",
            Some(&token),
            Some(bad),
        );
        assert_eq!(
            r.status,
            // A base imports a 活动明细 of its own (refused here for its bad
            // header); a unit its own 认定申请表 (refused here too).
            422,
            "{role} import"
        );
    }
}

fn the_scorecard_page_says_what_is_missing_with_a_chinese_chart(t: &TestDb) {
    let app = spawn_app(t);
    let b = logged_in(&app, "base");
    let html = b.get("/bases/SAMPLE-002?year=2024").text();
    assert!(html.contains("平台上传还差 1 条"), "{html}");
    assert!(html.contains("<svg"));
    assert!(html.contains("建设周期") && html.contains("导入与更正记录"));
    let svg = b.get("/bases/SAMPLE-002/chart.svg?year=2024");
    assert_eq!(svg.content_type, "image/svg+xml");
    assert!(svg.text().contains("平台上传"));
    let png = b.get("/bases/SAMPLE-002/chart.png?year=2024");
    assert_eq!(png.content_type, "image/png");
    assert!(png.body.starts_with(b"\x89PNG"));
    let token = &app.tokens["base"];
    let j: serde_json::Value = serde_json::from_slice(
        &api(
            &app,
            "GET",
            "/api/v1/bases/SAMPLE-002/scorecard?year=2024",
            Some(token),
            None,
        )
        .body,
    )
    .unwrap();
    assert_eq!(j["base_pass"], false);
    assert!(j["explanations"].to_string().contains("平台上传还差 1 条"));
}

fn sessions_are_safe_cookies_with_csrf_and_logout(t: &TestDb) {
    let app = spawn_app(t);
    let mut b = Browser::new(&app);
    let r = b.login("province", PASSWORD);
    let cookie = r
        .set_cookies
        .iter()
        .find(|c| c.starts_with("bw_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // An upload without the page's CSRF token is refused; with it, it runs.
    let bad = b.post("/imports/upload?filename=x.csv", &[], b"x");
    assert_eq!(bad.status, 400);
    let csrf = b.csrf();
    let ok = b.post(
        "/imports/upload?filename=x.csv",
        &[("X-CSRF-Token", &csrf)],
        "基地编号,x\n".as_bytes(),
    );
    assert_eq!(ok.status, 422, "{}", ok.text());
    assert!(ok.text().contains("表头无法识别"));
    // Logout needs the token too, and ends the session.
    let r = b.post(
        "/logout",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("csrf={csrf}").as_bytes(),
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        b.get("/bases").status,
        303,
        "the old cookie no longer works"
    );
}

fn wrong_passwords_are_refused_and_then_rate_limited(t: &TestDb) {
    let app = spawn_app(t);
    let mut b = Browser::new(&app);
    for _ in 0..5 {
        assert_eq!(b.login("unit", "wrong-password").status, 401);
    }
    let r = b.login("unit", PASSWORD);
    assert_eq!(
        r.status, 429,
        "even the right password waits after 5 failures"
    );
    assert!(r.text().contains("15 分钟"));
    assert!(b.cookie.is_none());
}

fn healthz_answers_when_the_database_is_reachable(t: &TestDb) {
    let app = spawn_app(t);
    let r = api(&app, "GET", "/healthz", None, None);
    assert_eq!((r.status, r.text().as_str()), (200, "ok"));
}

fn staff_record_acceptance_and_only_staff_can(t: &TestDb) {
    // SAMPLE-011 was recognised on 2023-12-31: its cycle ends 2026-12-31.
    let app = crate::helpers::spawn_app_on(t, t.settings(), crate::helpers::date("2027-01-05"));
    let form = |b: &Browser, step: &str, opinion: &str| {
        let csrf = b.csrf();
        b.post(
            "/bases/SAMPLE-011/acceptance",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            format!("csrf={csrf}&step={step}&opinion={opinion}").as_bytes(),
        )
    };
    let unit = logged_in(&app, "unit");
    assert_eq!(form(&unit, "lapsed", "").status, 404);
    let staff = logged_in(&app, "province");
    assert!(staff.get("/bases/SAMPLE-011").text().contains("验收合格"));
    assert!(!logged_in(&app, "base")
        .get("/bases/SAMPLE-002")
        .text()
        .contains("验收合格，新周期"));
    // No result before an application.
    assert_eq!(form(&staff, "passed", "ok").status, 409);
    assert_eq!(form(&staff, "applied", "").status, 303);
    let mut db = t.db();
    let b = basewatch::db::bases::find_by_code(&mut db, "SAMPLE-011")
        .unwrap()
        .unwrap();
    assert_eq!(b.status.id(), "accepting");
    // A result needs an opinion.
    assert_eq!(form(&staff, "passed", "").status, 400);
    assert_eq!(form(&staff, "passed", "%E5%90%88%E6%A0%BC").status, 303);
    let b = basewatch::db::bases::find_by_code(&mut db, "SAMPLE-011")
        .unwrap()
        .unwrap();
    assert_eq!(
        (b.status.id(), b.cycle_start.to_string().as_str()),
        ("building", "2026-12-31"),
        "the new cycle starts on the old cycle's end date, not on the day of the button"
    );
    let history = basewatch::db::bases::status_history(&mut db, b.id).unwrap();
    assert_eq!(history.last().unwrap().changed_by, "province");
    assert!(history.last().unwrap().reason.contains("验收合格"));
    let mails = basewatch::db::outbox::recent(&mut db, 50).unwrap();
    assert!(
        mails.iter().any(|m| m
            .dedupe_key
            .starts_with("decision|SAMPLE-011|acceptance-passed")
            && m.recipients.contains("contact011@example.org")),
        "the base is told"
    );
}

on_both_backends!(
    staff_record_acceptance_and_only_staff_can,
    every_page_route_is_scoped_by_role,
    every_api_route_is_scoped_by_token,
    the_scorecard_page_says_what_is_missing_with_a_chinese_chart,
    sessions_are_safe_cookies_with_csrf_and_logout,
    wrong_passwords_are_refused_and_then_rate_limited,
    healthz_answers_when_the_database_is_reachable,
);
