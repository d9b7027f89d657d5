//! Test harness: a fresh database per test on either backend, sample files,
//! and snapshots for "nothing changed" assertions.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Once;

use basewatch::compliance::{self, Scorecard};
use basewatch::config::Settings;
use basewatch::db::{self, Db};
use basewatch::ingest::{self, Report};
use chrono::NaiveDate;
use diesel::{Connection, RunQueryDsl};

pub const POSTGRES_ENV: &str = "BASEWATCH_TEST_POSTGRES_URL";

/// A database of a test's own, removed when the test ends.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg: Option<(String, String)>, // (admin url, database name)
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        TestDb { url, dir, pg: None }
    }

    /// A throw-away PostgreSQL database, or `None` (said loudly) when the
    /// suite is not configured.
    pub fn postgres() -> Option<TestDb> {
        let Ok(admin) = std::env::var(POSTGRES_ENV) else {
            static WARN: Once = Once::new();
            WARN.call_once(|| {
                // Written past the test harness's capture, so it is seen.
                let _ = std::io::stderr().write_all(
                    format!(
                        "\n**********************************************************************\n\
                         *  {POSTGRES_ENV} is not set: the PostgreSQL suite does NOT run.\n\
                         *  Set it, e.g. {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/test\n\
                         *  (.ci/run does).\n\
                         **********************************************************************\n"
                    )
                    .as_bytes(),
                );
            });
            return None;
        };
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "basewatch_t{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            chrono::Utc::now().timestamp_subsec_nanos()
        );
        let mut c = diesel::PgConnection::establish(&admin)
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin}: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut c)
            .expect("create test database");
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        let url = format!("{base}/{name}");
        Some(TestDb {
            url,
            dir: tempfile::tempdir().expect("temp dir"),
            pg: Some((admin, name)),
        })
    }

    pub fn db(&self) -> Db {
        Db::connect(&self.url).expect("connect and migrate")
    }

    pub fn settings(&self) -> Settings {
        Settings::for_database(&self.url, &self.dir.path().join("data")).expect("settings")
    }

    /// A file in this test's folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write test file");
        p
    }

    pub fn import(&self, db: &mut Db, path: &Path) -> Report {
        ingest::import_file(db, &self.settings(), path, &options()).expect("import runs")
    }

    pub fn evaluate(&self, db: &mut Db, year: i32, as_of: Option<NaiveDate>) -> Scorecard {
        compliance::evaluate(
            db,
            &basewatch::rules::Rulebook::henan(),
            year,
            as_of,
            today(),
        )
        .expect("evaluate")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg {
            if let Ok(mut c) = diesel::PgConnection::establish(admin) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c);
            }
        }
    }
}

/// A fixed "today" so that tests do not depend on the calendar.
pub fn today() -> NaiveDate {
    date("2026-11-28")
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

pub fn options() -> ingest::Options {
    ingest::Options {
        by: "tester".into(),
        today: today(),
        progress: false,
        own: None,
        unit: None,
    }
}

pub fn sample(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/samples")
        .join(name);
    assert!(p.exists(), "sample file {} is missing", p.display());
    p
}

/// Import the three sample files in order, asserting each is accepted.
pub fn import_sample(t: &TestDb, db: &mut Db) {
    for f in [
        "bases_register.csv",
        "yearly_counts_2024.csv",
        "activity_records_2024.csv",
    ] {
        let r = t.import(db, &sample(f));
        assert_eq!(r.outcome, ingest::Outcome::Accepted, "{}", r.to_text());
    }
}

/// Everything a bad import must leave untouched: row counts of every data
/// table, the register, and the 2024 scorecard.
pub fn snapshot(t: &TestDb, db: &mut Db) -> String {
    let counts = db::table_counts(db).expect("counts");
    let bases = serde_json::to_string(&db::bases::all(db).expect("bases")).expect("json");
    let card = t.evaluate(db, 2024, None);
    let mut csv = Vec::new();
    compliance::output::write_csv(&card, &mut csv).expect("csv");
    format!("{counts:?}\n{bases}\n{}", String::from_utf8_lossy(&csv))
}

/// Define each listed scenario `fn name(t: &TestDb)` as a test on SQLite and
/// on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(&crate::helpers::TestDb::sqlite());
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                if let Some(t) = crate::helpers::TestDb::postgres() {
                    super::$name(&t);
                }
            })*
        }
    };
}
pub(crate) use on_both_backends;

/// The web app running on a free port over a test database, with the
/// sample imported and one account (and API token) per role:
/// `province`; `unit` for 郑州市科协 (SAMPLE-001, SAMPLE-005); `base` for SAMPLE-002.
pub struct TestApp {
    pub addr: String,
    pub tokens: std::collections::HashMap<&'static str, String>,
}

pub const PASSWORD: &str = "correct-horse-9";

pub fn spawn_app(t: &TestDb) -> TestApp {
    spawn_app_with(t, t.settings())
}

/// As [`spawn_app`], with settings of the test's choosing.
pub fn spawn_app_with(t: &TestDb, settings: basewatch::config::Settings) -> TestApp {
    spawn_app_on(t, settings, today())
}

/// As [`spawn_app_with`], on another day: time moves through the app's
/// `today`, never through edits to rows.
pub fn spawn_app_on(t: &TestDb, settings: basewatch::config::Settings, on: NaiveDate) -> TestApp {
    use basewatch::access::{add_user, issue_token, NewAccount, Role};
    let mut db = t.db();
    import_sample(t, &mut db);
    let mut tokens = std::collections::HashMap::new();
    for (name, role, unit, base) in [
        ("province", Role::Province, None, None),
        ("unit", Role::Recommender, Some("郑州市科协"), None),
        ("base", Role::Base, None, Some("SAMPLE-002")),
    ] {
        add_user(
            &mut db,
            &NewAccount {
                username: name,
                password: PASSWORD,
                role,
                unit,
                base,
                email: "x@example.org",
            },
        )
        .expect("add user");
        tokens.insert(
            name,
            issue_token(&mut db, name, "tests", Some(30))
                .expect("token")
                .1,
        );
    }
    let state = basewatch::web::AppState::new(settings, Some(on)).expect("app state");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let _ = basewatch::web::run(listener, state).expect("run").await;
        })
    });
    TestApp { addr, tokens }
}

/// A browser-like client: keeps the session cookie, follows no redirects.
pub struct Browser {
    pub agent: ureq::Agent,
    pub base: String,
    pub cookie: Option<String>,
}

pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: String,
    pub set_cookies: Vec<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The first value of a header (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
}

fn reply(r: Result<ureq::Response, ureq::Error>) -> Reply {
    let r = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request failed: {e}"),
    };
    let status = r.status();
    let location = r.header("Location").map(str::to_string);
    let content_type = r.header("Content-Type").unwrap_or("").to_string();
    let set_cookies = r
        .all("Set-Cookie")
        .into_iter()
        .map(str::to_string)
        .collect();
    let headers = r
        .headers_names()
        .into_iter()
        .filter_map(|k| r.header(&k).map(|v| (k.clone(), v.to_string())))
        .collect();
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut r.into_reader(), &mut body).expect("body");
    Reply {
        status,
        location,
        content_type,
        set_cookies,
        headers,
        body,
    }
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            agent: ureq::AgentBuilder::new().redirects(0).build(),
            base: app.addr.clone(),
            cookie: None,
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        let mut req = self.agent.get(&format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.set("Cookie", c);
        }
        reply(req.call())
    }

    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut req = self.agent.post(&format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.set("Cookie", c);
        }
        for (k, v) in headers {
            req = req.set(k, v);
        }
        reply(req.send_bytes(body))
    }

    /// Log in through the form, as a person would; returns the login reply.
    pub fn login(&mut self, user: &str, password: &str) -> Reply {
        let form = self.get("/login");
        let html = form.text();
        let csrf = between(&html, r#"name="csrf" value=""#, "\"");
        let login_cookie = form
            .set_cookies
            .iter()
            .find(|c| c.starts_with("bw_login_csrf="))
            .map(|c| c.split(';').next().unwrap_or("").to_string())
            .unwrap_or_default();
        self.cookie = Some(login_cookie);
        let body = format!("username={user}&password={password}&csrf={csrf}&next=%2F");
        let r = self.post(
            "/login",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        );
        self.cookie = r
            .set_cookies
            .iter()
            .find(|c| c.starts_with("bw_session=") && !c.starts_with("bw_session=;"))
            .map(|c| c.split(';').next().unwrap_or("").to_string());
        r
    }

    /// The CSRF token on the current pages (from the logout form).
    pub fn csrf(&self) -> String {
        let html = self.get("/bases").text();
        between(&html, r#"name="csrf" value=""#, "\"")
    }
}

pub fn between(s: &str, start: &str, end: &str) -> String {
    s.split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(v, _)| v.to_string())
        .unwrap_or_default()
}

/// Text of an HTML attribute or element as a browser reads it: the
/// character references a template writes (`&#38;` or `&amp;`) decoded.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(end) = tail.find(';').filter(|e| *e <= 8) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let entity = &tail[1..end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix('#')
                .and_then(|n| n.parse::<u32>().ok())
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// An API request as one of the [`TestApp`]'s accounts (`province`, `unit`, `base`).
pub fn call_as(app: &TestApp, who: &str, method: &str, path: &str, body: Option<&str>) -> Reply {
    api(
        app,
        method,
        path,
        Some(&app.tokens[who]),
        body.map(str::as_bytes),
    )
}

/// A reply's body as JSON (or a panic showing it).
pub fn json_of(r: &Reply) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|_| panic!("JSON: {}", r.text()))
}

/// An API request with a bearer token (or none).
pub fn api(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> Reply {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let mut req = agent.request(method, &format!("{}{path}", app.addr));
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    reply(match body {
        Some(b) => req.send_bytes(b),
        None => req.call(),
    })
}
