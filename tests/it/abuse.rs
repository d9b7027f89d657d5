//! Sign-in and requests under abuse, as an attacker would try them on the
//! running server: parallel guesses, guesses from many addresses, redirects
//! off the site, large bodies before sign-in, and the headers every answer
//! must carry.

use crate::helpers::{
    between, spawn_app, spawn_app_with, Browser, Reply, TestApp, TestDb, PASSWORD,
};

/// The login form's CSRF cookie and token, fetched once.
fn login_form(app: &TestApp) -> (String, String) {
    let b = Browser::new(app);
    let form = b.get("/login");
    let csrf = between(&form.text(), r#"name="csrf" value=""#, "\"");
    let cookie = form
        .set_cookies
        .iter()
        .find(|c| c.starts_with("bw_login_csrf="))
        .map(|c| c.split(';').next().unwrap_or("").to_string())
        .expect("login cookie");
    (cookie, csrf)
}

fn try_login(
    app: &TestApp,
    (cookie, csrf): &(String, String),
    user: &str,
    password: &str,
    next: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let mut b = Browser::new(app);
    b.cookie = Some(
        extra
            .iter()
            .find(|(k, _)| *k == "Cookie")
            .map_or(cookie.clone(), |(_, v)| format!("{cookie}; {v}")),
    );
    let headers: Vec<(&str, &str)> = [("Content-Type", "application/x-www-form-urlencoded")]
        .into_iter()
        .chain(extra.iter().copied().filter(|(k, _)| *k != "Cookie"))
        .collect();
    let body = format!("username={user}&password={password}&csrf={csrf}&next={next}");
    b.post("/login", &headers, body.as_bytes())
}

#[test]
fn parallel_wrong_passwords_for_one_account_are_refused_before_they_are_hashed() {
    let t = TestDb::sqlite();
    let app = spawn_app(&t);
    let form = login_form(&app);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..40)
            .map(|k| {
                let (app, form) = (&app, &form);
                s.spawn(move || {
                    try_login(app, form, "province", &format!("wrong-{k}"), "%2F", &[]).status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(
        checked <= 5,
        "{checked} passwords were hashed: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [401, 429, 503].contains(s)),
        "{statuses:?}"
    );
    // The same address can still sign in to another account.
    let ok = try_login(&app, &form, "unit", PASSWORD, "%2F", &[]);
    assert_eq!(ok.status, 303, "{}", ok.text());
}

#[test]
fn guesses_from_many_addresses_slow_an_account_without_locking_out_its_owner() {
    let t = TestDb::sqlite();
    let mut settings = t.settings();
    settings.trusted_proxies = vec![basewatch::web::throttle::Net::parse("127.0.0.1").unwrap()];
    let app = spawn_app_with(&t, settings);
    let form = login_form(&app);
    // The owner signed in once before, from the office: the browser keeps a device cookie.
    let first = try_login(
        &app,
        &form,
        "base",
        PASSWORD,
        "%2F",
        &[("X-Forwarded-For", "192.0.2.10")],
    );
    assert_eq!(first.status, 303);
    let device = first
        .set_cookies
        .iter()
        .find(|c| c.starts_with("bw_device="))
        .map(|c| c.split(';').next().unwrap_or("").to_string())
        .expect("a device cookie");
    // A botnet guesses from 12 addresses, a couple of tries each.
    for k in 0..12 {
        let xff = format!("198.51.100.{k}");
        let r = try_login(
            &app,
            &form,
            "base",
            "guess",
            "%2F",
            &[("X-Forwarded-For", &xff)],
        );
        assert!([401, 429].contains(&r.status), "{}", r.status);
    }
    // Another guess from a new address: slowed, without a hash.
    let r = try_login(
        &app,
        &form,
        "base",
        PASSWORD,
        "%2F",
        &[("X-Forwarded-For", "203.0.113.77")],
    );
    assert_eq!(r.status, 429, "the account is slowed for unknown browsers");
    // The owner's browser still gets in, from home.
    let r = try_login(
        &app,
        &form,
        "base",
        PASSWORD,
        "%2F",
        &[("X-Forwarded-For", "203.0.113.78"), ("Cookie", &device)],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    // Behind the proxy, one address's failures do not lock out the others.
    let r = try_login(
        &app,
        &form,
        "unit",
        PASSWORD,
        "%2F",
        &[("X-Forwarded-For", "192.0.2.99")],
    );
    assert_eq!(r.status, 303);
}

#[test]
fn after_sign_in_only_a_same_site_path_is_followed() {
    let t = TestDb::sqlite();
    let app = spawn_app(&t);
    let form = login_form(&app);
    for (next, want) in [
        ("%2F%09%2Fevil.example", "/overview"),
        ("%2F%0A%2Fevil.example", "/overview"),
        ("%2F%2Fevil.example", "/overview"),
        ("%2F%5Cevil.example", "/overview"),
        ("https%3A%2F%2Fevil.example", "/overview"),
        (
            "%2Fbases%3Fq%3D%E9%83%91%E5%B7%9E",
            "/bases?q=%E9%83%91%E5%B7%9E",
        ),
    ] {
        let r = try_login(&app, &form, "province", PASSWORD, next, &[]);
        assert_eq!(r.status, 303, "{next}: {}", r.text());
        assert_eq!(r.location.as_deref(), Some(want), "{next}");
    }
    // The login form itself only carries a safe next.
    let b = Browser::new(&app);
    let page = b.get("/login?next=%2F%09%2Fevil.example").text();
    assert!(page.contains(r#"name="next" value="/""#), "{page}");
}

#[test]
fn large_bodies_are_refused_before_sign_in_and_within_a_limit_after() {
    let t = TestDb::sqlite();
    let app = spawn_app(&t);
    let big = vec![b'a'; 8 * 1024 * 1024];
    let anon = Browser::new(&app);
    for path in [
        "/rectification/order",
        "/imports/upload",
        "/bases/SAMPLE-001/acceptance",
    ] {
        let r = anon.post(
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            &big,
        );
        assert!(
            [303, 401, 404, 413].contains(&r.status),
            "{path}: {}",
            r.status
        );
    }
    let login = Browser::new(&app).post(
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &big,
    );
    assert!([400, 413].contains(&login.status), "{}", login.status);

    let mut staff = Browser::new(&app);
    staff.login("province", PASSWORD);
    let huge = vec![b'a'; 5 * 1024 * 1024];
    let r = staff.post(
        "/rectification/order",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &huge,
    );
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.text().contains("不能超过"), "{}", r.text());
    assert_eq!(Browser::new(&app).get("/healthz").status, 200);
}

#[test]
fn every_answer_carries_the_security_headers_and_signed_in_pages_are_not_stored() {
    let t = TestDb::sqlite();
    let app = spawn_app(&t);
    let anon = Browser::new(&app).get("/login");
    let csp = anon.header("Content-Security-Policy").unwrap_or_default();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(anon.header("X-Content-Type-Options"), Some("nosniff"));
    assert!(anon.header("Referrer-Policy").is_some());
    assert!(!anon.text().contains("<script>"), "no inline script");

    let mut staff = Browser::new(&app);
    staff.login("province", PASSWORD);
    for path in ["/bases", "/overview", "/exports/scorecards.csv?year=2024"] {
        let r = staff.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("Cache-Control"), Some("no-store"), "{path}");
    }
    let page = staff.get("/bases").text();
    let css = between(&page, r#"<link rel="stylesheet" href=""#, "\"");
    let r = staff.get(&css);
    assert_eq!(r.status, 200, "{css}");
    assert!(r.content_type.starts_with("text/css"));
    assert!(
        Browser::new(&app)
            .get(&css)
            .header("Cache-Control")
            .is_some_and(|c| c.contains("max-age")),
        "static files are cached"
    );
}

#[test]
fn api_tokens_can_be_listed_revoked_and_expire() {
    use crate::helpers::api;
    let t = TestDb::sqlite();
    let app = spawn_app(&t);
    let province = app.tokens["province"].clone();
    let list = api(&app, "GET", "/api/v1/tokens", Some(&province), None);
    assert_eq!(list.status, 200, "{}", list.text());
    let v: serde_json::Value = serde_json::from_slice(&list.body).unwrap();
    let items = v["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "only its own: {v}");
    assert_eq!(items[0]["label"], "tests");
    assert!(items[0]["expires_at"].is_string(), "{v}");
    assert!(
        !list.text().contains(&province),
        "the token itself is never shown"
    );
    let id = items[0]["id"].as_i64().unwrap();

    // Another account's token is not found; the base cannot revoke it.
    let base = app.tokens["base"].clone();
    let r = api(
        &app,
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        Some(&base),
        None,
    );
    assert_eq!(r.status, 404);
    assert_eq!(
        api(&app, "GET", "/api/v1/bases", Some(&province), None).status,
        200
    );

    let r = api(
        &app,
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        Some(&province),
        None,
    );
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(
        api(&app, "GET", "/api/v1/bases", Some(&province), None).status,
        401
    );

    // A token past its expiry no longer works.
    let mut db = t.db();
    let (_, old) = basewatch::access::issue_token(&mut db, "unit", "old", Some(0)).unwrap();
    assert_eq!(
        api(&app, "GET", "/api/v1/bases", Some(&old), None).status,
        401
    );
}

#[test]
fn a_session_unused_for_longer_than_the_idle_time_ends() {
    use diesel::connection::SimpleConnection;
    let t = TestDb::sqlite();
    let app = spawn_app(&t);
    let mut b = Browser::new(&app);
    b.login("unit", PASSWORD);
    let mut db = t.db();
    if let basewatch::db::Db::Sqlite(c) = &mut db {
        c.batch_execute("UPDATE sessions SET last_seen_at = '2000-01-01 00:00:00'")
            .unwrap();
    }
    let r = b.get("/bases");
    assert_eq!(
        r.status, 303,
        "an idle session sends the browser to sign in"
    );
    assert!(r.location.unwrap_or_default().starts_with("/login"));
}

#[test]
fn a_browser_gets_an_html_error_page_and_the_api_keeps_json() {
    use crate::helpers::api;
    let t = TestDb::sqlite();
    let app = spawn_app(&t);
    let mut b = Browser::new(&app);
    b.login("base", PASSWORD);
    let page = b
        .agent
        .get(&format!("{}/bases/SAMPLE-001", app.addr))
        .set("Cookie", b.cookie.as_deref().unwrap_or(""))
        .set("Accept", "text/html,application/xhtml+xml")
        .call();
    let r = match page {
        Err(ureq::Error::Status(s, r)) => {
            (s, r.content_type().to_string(), r.into_string().unwrap())
        }
        other => panic!("expected a 404: {other:?}"),
    };
    assert_eq!(r.0, 404, "another base is out of scope");
    assert!(r.1.starts_with("text/html"), "{}", r.1);
    assert!(r.2.contains("未找到") && r.2.contains("<html"), "{}", r.2);
    let j = api(
        &app,
        "GET",
        "/api/v1/bases/SAMPLE-001/scorecard",
        Some(&app.tokens["base"]),
        None,
    );
    assert_eq!(j.status, 404);
    assert!(
        j.content_type.starts_with("application/json"),
        "{}",
        j.content_type
    );
}
