//! A real browser: headless Chromium driven over the W3C WebDriver protocol
//! (chromedriver, spoken to with plain HTTP). It logs in through the form as
//! province staff and as a base, looks at the overview and the scorecards,
//! clicks a city on the map,
//! pages through the bases list, checks that the charts are drawn and the
//! Chinese text is there, and saves a screenshot of each page under
//! `target/browser-artifacts/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them).
//! Without them the test says so loudly and passes, unless
//! BASEWATCH_REQUIRE_BROWSER is set, when it fails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestDb, PASSWORD};

const REQUIRE_ENV: &str = "BASEWATCH_REQUIRE_BROWSER";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The W3C name of the key that holds an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// 第十四条(三) in a browser: a base adds a record from its scorecard, its
/// unit approves it on /reviews, and the record counts.
#[test]
fn a_base_reports_a_record_and_its_unit_approves_it_in_a_browser() {
    let Some(chromedriver) = browser_installed() else {
        return;
    };
    let t = TestDb::sqlite();
    let app = spawn_app(&t);
    let mut db = t.db();
    // A base account for SAMPLE-001, whose unit is the `unit` account's.
    basewatch::access::add_user(
        &mut db,
        &basewatch::access::NewAccount {
            username: "base1",
            password: PASSWORD,
            role: basewatch::access::Role::Base,
            unit: None,
            base: Some("SAMPLE-001"),
            email: "b1@example.org",
        },
    )
    .unwrap();
    let b = basewatch::db::bases::find_by_code(&mut db, "SAMPLE-001")
        .unwrap()
        .unwrap();
    let stored = |db: &mut basewatch::db::Db| {
        basewatch::db::records::for_base(db, b.id, 2024)
            .unwrap()
            .len()
    };
    let before = stored(&mut db);
    let artifacts = artifacts_dir();
    let driver = Driver::start(&chromedriver, &artifacts);
    let s = driver.session();
    s.login(&app.addr, "base1", "/bases");
    s.go(&format!("{}/bases/SAMPLE-001?year=2024", app.addr));
    s.type_into("#report-record input[name=title]", "补报：高端学术交流会");
    s.type_into(
        "#report-record input[name=evidence_url]",
        "https://kczg.example.org/x/1",
    );
    s.script("document.querySelector('#report-record select[name=indicator]').value='key_activities';document.querySelector('#report-record input[name=date]').value='2024-09-01';return 1");
    s.click("#report-record button[type=submit]");
    s.wait_for_text("body", "另有 1 条待审核");
    s.screenshot(&artifacts, "base1-reported", false);
    assert_eq!(stored(&mut db), before, "pending: not counted");
    // Its 2024 plan, uploaded from the scorecard through the page's script.
    let plan = t.write("2024年度工作计划.pdf", b"%PDF-1.7\n% plan\n%%EOF\n");
    s.choose_file("#own-work form[data-upload] input[type=file]", &plan);
    s.click("#own-work form[data-upload] button[type=submit]");
    s.wait_for_text("#own-work", "2024年度工作计划.pdf");
    s.wait_for_text("#own-work", "已报送");
    s.click("header form button[type=submit]");
    s.wait_for_path("/login");
    s.login(&app.addr, "unit", "/overview");
    s.go(&format!("{}/reviews", app.addr));
    s.wait_for_text("body", "补报：高端学术交流会");
    s.screenshot(&artifacts, "unit-reviews", false);
    s.click("button[name=decision][value=approved]");
    s.wait_for_text("body", "暂无待审核记录");
    assert_eq!(stored(&mut db), before + 1, "approved: counted");
}

#[test]
fn a_browser_logs_in_and_sees_the_charts_and_chinese_text() {
    let Some(chromedriver) = browser_installed() else {
        return;
    };
    let t = TestDb::sqlite();
    let app = spawn_app(&t);
    let artifacts = artifacts_dir();
    let driver = Driver::start(&chromedriver, &artifacts);

    // Province staff: the whole province.
    let s = driver.session();
    s.login(&app.addr, "province", "/overview");
    s.go(&format!("{}/overview?year=2024", app.addr));
    let title = s.title();
    let h1 = s.text_of("h1");
    assert!(
        title.contains("全省创新基地概览") && h1.contains("全省创新基地概览"),
        "overview title {title:?}, h1 {h1:?}"
    );
    let charts = s.charts();
    assert!(charts.len() >= 2, "overview charts: {charts:?}");
    let text = s.text_of("body");
    assert!(text.contains("各地市达标率"), "overview text: {text}");
    s.screenshot(&artifacts, "province-overview", true);

    // The map panel: every city is a link, and 郑州 opens 郑州's bases.
    let links = s.script("return document.querySelectorAll('g.map-links a').length");
    assert_eq!(links.as_u64(), Some(18), "map links: {links}");
    s.click("g.map-links a[href*='%E9%83%91%E5%B7%9E'] polygon");
    s.wait_for_path("/bases");
    let search = s.script("return decodeURIComponent(location.search)");
    assert_eq!(search.as_str(), Some("?year=2024&city=郑州市"), "{search}");
    let text = s.text_of("body");
    assert!(
        text.contains("郑州大学智能制造产学研协作基地") && !text.contains("洛阳轴承产学研协作基地"),
        "郑州's bases: {text}"
    );
    s.screenshot(
        &artifacts,
        "province-bases-of-zhengzhou-from-the-map",
        false,
    );

    s.go(&format!("{}/bases/SAMPLE-001?year=2024", app.addr));
    let charts = s.charts();
    assert!(!charts.is_empty(), "SAMPLE-001 scorecard has no chart");
    assert!(
        charts.iter().any(|c| c.text.contains("平台上传")),
        "SAMPLE-001 chart labels: {charts:?}"
    );
    let text = s.text_of("body");
    assert!(
        text.contains("平台上传") && text.contains("郑州大学智能制造产学研协作基地"),
        "SAMPLE-001 text: {text}"
    );
    s.screenshot(&artifacts, "province-scorecard-SAMPLE-001", true);

    // A long list is paged on the server: the next link, then a column
    // header, keep the page size.
    s.go(&format!("{}/bases?year=2024&per_page=5", app.addr));
    assert!(s.text_of("p.pager").contains("第 1–5 条，共 12 条"));
    s.click("a[rel=next]");
    s.wait_for_text("p.pager", "第 6–10 条，共 12 条");
    s.click("table.paged th:nth-child(2) a");
    s.wait_for_text("p.pager", "第 1–5 条，共 12 条");
    let search = s.script("return location.search");
    assert_eq!(
        search.as_str(),
        Some("?year=2024&sort=name&per_page=5"),
        "{search}"
    );
    s.screenshot(&artifacts, "province-bases-paged", false);

    // Log out with the header's button; the pages then want a login again.
    s.click("header form button[type=submit]");
    s.wait_for_path("/login");
    s.go(&format!("{}/overview?year=2024", app.addr));
    s.wait_for_path("/login");

    // A base: itself only.
    s.login(&app.addr, "base", "/bases");
    s.go(&format!("{}/bases/SAMPLE-002?year=2024", app.addr));
    let charts = s.charts();
    assert!(!charts.is_empty(), "SAMPLE-002 scorecard has no chart");
    let text = s.text_of("body");
    assert!(
        text.contains("平台上传还差 1 条"),
        "SAMPLE-002 text: {text}"
    );
    s.screenshot(&artifacts, "base-scorecard-SAMPLE-002", true);

    s.go(&format!("{}/bases/SAMPLE-001?year=2024", app.addr));
    assert_eq!(s.http_status(), 404, "a base opening another base's page");
    let text = s.text_of("body");
    // A page in Chinese, not the API's JSON.
    assert!(
        text.contains("未找到") && !text.contains('{'),
        "the 404 page: {text}"
    );
    assert!(
        !text.contains("郑州大学") && !text.contains("平台上传"),
        "the other base's data leaked: {text}"
    );
    assert!(s.charts().is_empty(), "a chart on the 404 page");
    s.screenshot(&artifacts, "base-SAMPLE-001-is-404", false);
}

/// chromedriver's path when it and Chromium are installed. Otherwise fail
/// when the browser is required, or say so loudly and skip.
fn browser_installed() -> Option<PathBuf> {
    let driver = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/lib/chromium")])
        .map(|d| d.join("chromedriver"))
        .find(|p| p.is_file());
    match driver {
        Some(d) if Path::new(CHROMIUM).is_file() => Some(d),
        _ => {
            let what = format!(
                "chromedriver {}, {CHROMIUM} {}",
                if driver.is_some() { "found" } else { "missing" },
                if Path::new(CHROMIUM).is_file() {
                    "found"
                } else {
                    "missing"
                }
            );
            if std::env::var_os(REQUIRE_ENV).is_some() {
                panic!(
                    "{REQUIRE_ENV} is set but the browser is not installed ({what}): \
                     install chromium and chromium-driver; .ci/run does"
                );
            }
            // Written past the test harness's capture, so it is seen.
            let _ = std::io::stderr().write_all(
                format!(
                    "\n**********************************************************************\n\
                     *  No browser ({what}): the browser test does NOT run.\n\
                     *  Install chromium and chromium-driver (.ci/run does), or set\n\
                     *  {REQUIRE_ENV}=1 to make this a failure.\n\
                     **********************************************************************\n"
                )
                .as_bytes(),
            );
            None
        }
    }
}

fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    std::fs::create_dir_all(&dir).expect("create target/browser-artifacts");
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A running chromedriver, killed when dropped (also when the test fails).
struct Driver {
    child: Child,
    url: String,
    agent: ureq::Agent,
}

impl Driver {
    fn start(chromedriver: &Path, artifacts: &Path) -> Driver {
        let port = free_port();
        let log = std::fs::File::create(artifacts.join("chromedriver.log")).expect("log file");
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let mut d = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(60))
                .build(),
        };
        for _ in 0..100 {
            if let Ok(Some(status)) = d.child.try_wait() {
                panic!("chromedriver exited at start ({status}); see target/browser-artifacts/chromedriver.log");
            }
            if let Ok((_, v)) = d.call("GET", "/status", None) {
                if v["ready"] == true {
                    return d;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("chromedriver on port {port} was not ready after 10 s");
    }

    /// One WebDriver command: the HTTP status and the reply's `value`.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<(u16, Value), String> {
        let req = self.agent.request(method, &format!("{}{path}", self.url));
        let r = match body {
            Some(b) => req
                .set("Content-Type", "application/json")
                .send_string(&b.to_string()),
            None => req.call(),
        };
        let r = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return Err(format!("{method} {path}: {e}")),
        };
        let status = r.status();
        let text = r
            .into_string()
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{method} {path}: not JSON ({e}): {text}"))?;
        Ok((status, v["value"].clone()))
    }

    /// A fresh browser with a profile of its own.
    fn session(&self) -> Session<'_> {
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--window-size=1400,1800",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }}});
        let (status, v) = self
            .call("POST", "/session", Some(caps))
            .unwrap_or_else(|e| panic!("new session: {e}"));
        let id = match v["sessionId"].as_str() {
            Some(id) if status == 200 => id.to_string(),
            _ => panic!("chromedriver refused a session ({status}): {v}"),
        };
        let s = Session {
            driver: self,
            id,
            _profile: profile,
        };
        s.cmd(
            "POST",
            "/timeouts",
            Some(json!({"pageLoad": 30_000, "script": 10_000, "implicit": 0})),
        );
        s
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser session, deleted when dropped (also when the test fails).
struct Session<'a> {
    driver: &'a Driver,
    id: String,
    _profile: tempfile::TempDir,
}

/// An inline chart as the browser lays it out.
#[derive(Debug)]
struct Chart {
    width: f64,
    height: f64,
    shapes: u64,
    text: String,
}

impl Session<'_> {
    /// A command on this session; panics with WebDriver's message on error.
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let full = format!("/session/{}{path}", self.id);
        match self.driver.call(method, &full, body) {
            Ok((200, v)) => v,
            Ok((status, v)) => panic!(
                "WebDriver {method} {path} failed ({status}): {} {}",
                v["error"], v["message"]
            ),
            Err(e) => panic!("WebDriver {e}"),
        }
    }

    fn go(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    fn path(&self) -> String {
        let url = self.cmd("GET", "/url", None);
        let url = url.as_str().unwrap_or("");
        let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
        let path = rest.find('/').map(|i| &rest[i..]).unwrap_or("/");
        path.split(['?', '#']).next().unwrap_or("/").to_string()
    }

    /// Wait (at most 10 s) until the page's path is `want`.
    fn wait_for_path(&self, want: &str) {
        let start = Instant::now();
        loop {
            let path = self.path();
            if path == want {
                return;
            }
            if start.elapsed() > Duration::from_secs(10) {
                panic!("expected to be on {want}, still on {path}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait (at most 10 s) until the element's text contains `want`.
    fn wait_for_text(&self, css: &str, want: &str) {
        let start = Instant::now();
        // One script call per look: no element reference to go stale while
        // the next page loads.
        let js = format!(
            "var e=document.querySelector({});return e?e.innerText:''",
            Value::from(css)
        );
        loop {
            let text = self.script(&js).as_str().unwrap_or("").to_string();
            if text.contains(want) {
                return;
            }
            if start.elapsed() > Duration::from_secs(10) {
                panic!("expected {want:?} in {css}, it says {text:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no element id for {css}: {v}"))
            .to_string()
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/clear"), Some(json!({})));
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Choose a file in a file input, as a person picking it would.
    fn choose_file(&self, css: &str, path: &Path) {
        let e = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": path.display().to_string() })),
        );
    }

    /// The rendered (visible) text of the first element matching `css`.
    fn text_of(&self, css: &str) -> String {
        let e = self.find(css);
        let v = self.cmd("GET", &format!("/element/{e}/text"), None);
        v.as_str().unwrap_or("").to_string()
    }

    fn title(&self) -> String {
        self.cmd("GET", "/title", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    fn script(&self, js: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
    }

    /// The HTTP status of the page now shown.
    fn http_status(&self) -> u64 {
        let v = self.script(
            "const n = performance.getEntriesByType('navigation'); \
             return n.length ? n[n.length - 1].responseStatus : null;",
        );
        v.as_u64()
            .unwrap_or_else(|| panic!("no navigation status: {v}"))
    }

    /// Log in through the form, as a person would, and land on `lands_on`.
    fn login(&self, addr: &str, user: &str, lands_on: &str) {
        self.go(&format!("{addr}/login"));
        self.type_into("#username", user);
        self.type_into("#password", PASSWORD);
        self.click("form button[type=submit]");
        self.wait_for_path(lands_on);
        let who = self.text_of("header");
        assert!(who.contains(user), "header after login as {user}: {who}");
        assert!(who.contains("退出登录"), "no logout button: {who}");
    }

    /// Every top-level inline chart, with its laid-out size; each must be
    /// drawn: a real size on the page and shapes inside.
    fn charts(&self) -> Vec<Chart> {
        let v = self.script(
            "return Array.from(document.querySelectorAll('svg:not(.bar)'))\
               .filter(s => !s.parentElement.closest('svg'))\
               .map(s => { const r = s.getBoundingClientRect(); \
                 return {w: r.width, h: r.height, \
                   shapes: s.querySelectorAll('rect,path,line,polyline,polygon,circle,text').length, \
                   text: s.textContent}; });",
        );
        let charts: Vec<Chart> = v
            .as_array()
            .unwrap_or_else(|| panic!("svg list: {v}"))
            .iter()
            .map(|c| Chart {
                width: c["w"].as_f64().unwrap_or(0.0),
                height: c["h"].as_f64().unwrap_or(0.0),
                shapes: c["shapes"].as_u64().unwrap_or(0),
                text: c["text"].as_str().unwrap_or("").to_string(),
            })
            .collect();
        for c in &charts {
            assert!(
                c.width >= 200.0 && c.height >= 100.0 && c.shapes >= 5,
                "a chart that is not drawn: {c:?}"
            );
        }
        charts
    }

    /// Save the whole page as `<name>.png` and check it is a real picture:
    /// a decodable PNG of the window's size; a `busy` page (text and charts,
    /// not a bare error) also weighs over 10 KB and has many colours.
    fn screenshot(&self, dir: &Path, name: &str, busy: bool) {
        let (bytes, w, h, colours) = self.save_screenshot(dir, name);
        assert!(w >= 1000 && h >= 1000, "{name}.png is {w}×{h}");
        if busy {
            assert!(bytes > 10 * 1024, "{name}.png is only {bytes} bytes");
            assert!(colours >= 16, "{name}.png has only {colours} colours");
        }
    }

    /// Grow the window to the page's height (bounded), take the screenshot,
    /// save it, decode it; returns its size in bytes, width, height and
    /// distinct colours.
    fn save_screenshot(&self, dir: &Path, name: &str) -> (usize, u32, u32, usize) {
        let height = self
            .script(
                "return document.documentElement.scrollHeight \
                 + (window.outerHeight - window.innerHeight);",
            )
            .as_f64()
            .unwrap_or(1800.0);
        let height = (height as u32).clamp(1800, 6000);
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": 1400, "height": height})),
        );
        let b64 = self.cmd("GET", "/screenshot", None);
        let bytes = base64_decode(b64.as_str().unwrap_or(""))
            .unwrap_or_else(|e| panic!("{name}: screenshot is not base64: {e}"));
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, &bytes).expect("save screenshot");
        let (w, h, colours) =
            png_summary(&bytes).unwrap_or_else(|e| panic!("{} is not a PNG: {e}", path.display()));
        // Back to the usual size for the next page.
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": 1400, "height": 1800})),
        );
        (bytes.len(), w, h, colours)
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self
            .driver
            .call("DELETE", &format!("/session/{}", self.id), None);
    }
}

/// Decode a PNG: its size and how many distinct colours it has (capped).
fn png_summary(bytes: &[u8]) -> Result<(u32, u32, usize), String> {
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let px = info.color_type.samples()
        * if info.bit_depth == png::BitDepth::Sixteen {
            2
        } else {
            1
        };
    let mut colours = std::collections::HashSet::new();
    for p in buf[..info.buffer_size()].chunks(px) {
        colours.insert(p.to_vec());
        if colours.len() >= 1000 {
            break;
        }
    }
    Ok((info.width, info.height, colours.len()))
}

/// Standard base64 (RFC 4648, with padding); whitespace is ignored.
fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some((c - b'A') as u32),
            b'a'..=b'z' => Some((c - b'a') as u32 + 26),
            b'0'..=b'9' => Some((c - b'0') as u32 + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let clean: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    if !clean.len().is_multiple_of(4) {
        return Err(format!("length {} is not a multiple of 4", clean.len()));
    }
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let quads = clean.len() / 4;
    for (i, q) in clean.chunks(4).enumerate() {
        let pad = q.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && i + 1 != quads) {
            return Err("misplaced padding".into());
        }
        let mut n = 0u32;
        for &c in &q[..4 - pad] {
            let v = value(c).ok_or_else(|| format!("bad character {:?}", c as char))?;
            n = (n << 6) | v;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Ok(out)
}

#[test]
fn base64_decodes_what_webdriver_sends() {
    assert_eq!(base64_decode("").unwrap(), b"");
    assert_eq!(base64_decode("Zg==").unwrap(), b"f");
    assert_eq!(base64_decode("Zm8=").unwrap(), b"fo");
    assert_eq!(base64_decode("Zm9v").unwrap(), b"foo");
    assert_eq!(base64_decode("Zm9v\nYmFy").unwrap(), b"foobar");
    assert_eq!(base64_decode("iVBORw0KGgo=").unwrap(), b"\x89PNG\r\n\x1a\n");
    assert_eq!(base64_decode("+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
    assert!(base64_decode("Zg=").is_err());
    assert!(base64_decode("Zg==Zm9v").is_err());
    assert!(base64_decode("Z!==").is_err());
}
