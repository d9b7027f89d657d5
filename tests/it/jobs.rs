//! Scheduled jobs end to end: early warnings delivered through a real SMTP
//! server on loopback (Debian's python3-aiosmtpd), delivery after an outage,
//! a run killed midway, two instances racing for one scheduled run, and the
//! import inbox.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Barrier, Once};
use std::time::{Duration, Instant};

use basewatch::access::{add_user, NewAccount, Role};
use basewatch::config::Settings;
use basewatch::db::{self, Db};
use basewatch::ingest::Outcome;
use basewatch::jobs::{self, Job, RunReport};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::helpers::{date, import_sample, on_both_backends, sample, TestDb};

const FROM: &str = "basewatch@example.org";
const UNIT_EMAIL: &str = "zz-unit@example.org";
const SMTP_ENV: &str = "BASEWATCH_REQUIRE_SMTP";

/// With the 2026 counts below, as of 2026-11-28 (33 days left: stage 60).
const AT_RISK: [&str; 8] = [
    "SAMPLE-003", // nothing reported
    "SAMPLE-004", // nothing reported
    "SAMPLE-005", // 12 uploads of 20: unable (郑州市科协: CC to the unit account)
    "SAMPLE-007", // nothing reported
    "SAMPLE-008", // nothing reported
    "SAMPLE-010", // 18 of 20 uploads and 1 of 2 talents: behind
    "SAMPLE-011", // nothing reported
    "SAMPLE-012", // nothing reported
];
/// Every target met (001, 002, 009), or short but on track (006: 19 of 20).
const NO_WARNING: [&str; 4] = ["SAMPLE-001", "SAMPLE-002", "SAMPLE-006", "SAMPLE-009"];

fn as_of() -> NaiveDate {
    date("2026-11-28")
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("test time")
}

fn email(code: &str) -> String {
    format!("contact{}@example.org", &code["SAMPLE-".len()..])
}

// ---------------------------------------------------------------------------
// Data and running jobs

/// The sample, 2026 counts declared up to 2026-11-27, and a recommender
/// account of 郑州市科协 (SAMPLE-001, SAMPLE-005) with its own email.
fn setup(t: &TestDb) -> (Db, Settings) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let header = std::fs::read_to_string(sample("yearly_counts_2024.csv"))
        .expect("sample counts")
        .lines()
        .next()
        .expect("header")
        .to_string();
    // Columns: uploads, volunteer services, key activities, incubated
    // projects, roadshows, overseas talents, international exchanges.
    let rows = [
        "SAMPLE-001,2026,2026-11-27,25,6,2,,,,",
        "SAMPLE-002,2026,2026-11-27,21,5,3,,,,",
        "SAMPLE-005,2026,2026-11-27,12,,,3,1,,",
        "SAMPLE-006,2026,2026-11-27,19,,,3,1,,",
        "SAMPLE-009,2026,2026-11-27,20,,,,,2,1",
        "SAMPLE-010,2026,2026-11-27,18,,,,,1,1",
    ];
    let body = format!("{header}\n{}\n", rows.join("\n"));
    let r = t.import(&mut db, &t.write("counts_2026.csv", body));
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    add_user(
        &mut db,
        &NewAccount {
            username: "zz",
            password: "long-password",
            role: Role::Recommender,
            unit: Some("郑州市科协"),
            base: None,
            email: UNIT_EMAIL,
        },
    )
    .expect("add the unit's account");
    let mut settings =
        Settings::for_database(&t.url, &t.dir.path().join("data")).expect("settings");
    settings.mail_from = FROM.to_string();
    (db, settings)
}

fn job(name: &str) -> Job {
    jobs::load(Path::new("/nonexistent"))
        .expect("built-in jobs")
        .into_iter()
        .find(|j| j.name == name)
        .unwrap_or_else(|| panic!("no built-in job {name}"))
}

/// Run `name` as of `as_of` under the claim key `scheduled`; it must be ours.
fn run(
    db: &mut Db,
    settings: &Settings,
    name: &str,
    as_of: NaiveDate,
    scheduled: &str,
) -> RunReport {
    jobs::run(db, settings, &job(name), as_of, at(scheduled), "test")
        .unwrap_or_else(|e| panic!("{name} failed: {e}"))
        .unwrap_or_else(|| panic!("{name} at {scheduled} was claimed elsewhere"))
}

fn count(r: &RunReport, key: &str) -> i64 {
    r.counts.get(key).copied().unwrap_or(0)
}

/// An SMTP URL nobody answers at (a port that was free a moment ago).
fn closed_port_url() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    format!("smtp://127.0.0.1:{port}")
}

/// Let time pass for the outbox: every retry and sending lease comes due
/// `secs` sooner. (The outbox reads the wall clock and offers no way to make
/// a message due now; see the report of this test module.)
fn let_time_pass(db: &mut Db, secs: i64) {
    use basewatch::db::schema::outbox::dsl as o;
    for m in db::outbox::recent(db, 10_000).expect("outbox") {
        let when = m.next_attempt_at - chrono::Duration::seconds(secs);
        let q = diesel::update(o::outbox.find(m.id)).set(o::next_attempt_at.eq(when));
        match db {
            Db::Sqlite(c) => q.execute(c),
            Db::Pg(c) => q.execute(c),
        }
        .expect("move next_attempt_at");
    }
}

/// Outbox rows by base code.
fn outbox_by_code(db: &mut Db) -> BTreeMap<String, Vec<db::outbox::Mail>> {
    let codes: BTreeMap<i64, String> = db::bases::all(db)
        .expect("bases")
        .into_iter()
        .map(|b| (b.id, b.code))
        .collect();
    let mut out: BTreeMap<String, Vec<db::outbox::Mail>> = BTreeMap::new();
    for m in db::outbox::recent(db, 10_000).expect("outbox") {
        let code = m
            .base_id
            .and_then(|id| codes.get(&id).cloned())
            .unwrap_or_default();
        out.entry(code).or_default().push(m);
    }
    out
}

// ---------------------------------------------------------------------------
// A real SMTP server on loopback

const SMTP_SERVER: &str = r#"
import json, os, sys, time
from aiosmtpd.controller import Controller

out, port = sys.argv[1], int(sys.argv[2])

class Keep:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Keep.n += 1
        base = os.path.join(out, "%04d" % Keep.n)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 OK"

c = Controller(Keep(), hostname="127.0.0.1", port=port)
c.start()
print("READY", flush=True)
while True:
    time.sleep(3600)
"#;

/// Debian's interpreter: the one python3-aiosmtpd installs into.
const PYTHON: &str = "/usr/bin/python3";

/// Whether aiosmtpd can be used; when it cannot, fails under
/// BASEWATCH_REQUIRE_SMTP, and otherwise says so loudly (once) and skips.
fn smtp_available() -> bool {
    let ok = Command::new(PYTHON)
        .args(["-c", "import aiosmtpd.controller"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        return true;
    }
    if std::env::var_os(SMTP_ENV).is_some() {
        panic!(
            "{SMTP_ENV} is set but {PYTHON} cannot import aiosmtpd: \
             apt-get install python3-aiosmtpd; .ci/run does"
        );
    }
    static WARN: Once = Once::new();
    WARN.call_once(|| {
        // Written past the test harness's capture, so it is seen.
        let _ = std::io::stderr().write_all(
            format!(
                "\n**********************************************************************\n\
                 *  {PYTHON} has no aiosmtpd: the jobs/email tests do NOT run.\n\
                 *  apt-get install python3-aiosmtpd (.ci/run does), or set\n\
                 *  {SMTP_ENV}=1 to make this a failure.\n\
                 **********************************************************************\n"
            )
            .as_bytes(),
        );
    });
    false
}

/// aiosmtpd on a free loopback port, keeping every message it receives as
/// `<n>.eml` with the envelope beside it in `<n>.json`; killed on drop.
struct SmtpServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl SmtpServer {
    fn start(dir: &Path) -> SmtpServer {
        std::fs::create_dir_all(dir).expect("mail folder");
        let mut last = String::new();
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("free port")
                .port();
            let log = dir.join(format!("server-{port}.log"));
            let mut child = Command::new(PYTHON)
                .arg("-c")
                .arg(SMTP_SERVER)
                .arg(dir)
                .arg(port.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(std::fs::File::create(&log).expect("server log"))
                .spawn()
                .expect("start the SMTP server");
            let stdout = child.stdout.take().expect("server stdout");
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if line.trim() == "READY" {
                        let _ = tx.send(());
                    }
                }
            });
            let server = SmtpServer {
                child,
                port,
                dir: dir.to_path_buf(),
            };
            if rx.recv_timeout(Duration::from_secs(20)).is_ok() {
                return server;
            }
            drop(server); // kills it
            last = std::fs::read_to_string(&log).unwrap_or_default();
        }
        panic!("the SMTP server did not start:\n{last}");
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in order.
    fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .expect("mail folder")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|p| {
                let raw = std::fs::read(&p).expect("message");
                let env: serde_json::Value = serde_json::from_slice(
                    &std::fs::read(p.with_extension("json")).expect("envelope"),
                )
                .expect("envelope json");
                Received {
                    mail_from: env["mail_from"].as_str().unwrap_or("").to_string(),
                    rcpt_tos: env["rcpt_tos"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                    msg: Part::parse(&raw),
                }
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Received {
    mail_from: String,
    rcpt_tos: Vec<String>,
    msg: Part,
}

impl Received {
    /// The single address in the To header.
    fn to(&self) -> String {
        let to = self.msg.header("To").unwrap_or("");
        address(to)
    }
}

/// `Name <a@b>` or `a@b` → `a@b`.
fn address(s: &str) -> String {
    let s = s.trim();
    match (s.rfind('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => s[a + 1..b].trim().to_string(),
        _ => s.to_string(),
    }
}

/// The base email each message went to, sorted (duplicates kept).
fn recipients(received: &[Received]) -> Vec<String> {
    let mut v: Vec<String> = received.iter().map(Received::to).collect();
    v.sort();
    v
}

fn emails(codes: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = codes.iter().map(|c| email(c)).collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------
// The messages as the SMTP server received them, read with `mailparse` (what
// they say is pinned by the snapshots in src/mail/notice.rs).

struct Part {
    headers: Vec<(String, String)>,
    mime: String,
    /// Decoded content (empty for a multipart).
    body: Vec<u8>,
    parts: Vec<Part>,
}

impl Part {
    fn parse(raw: &[u8]) -> Part {
        Part::from(&mailparse::parse_mail(raw).expect("a MIME message"))
    }

    fn from(m: &mailparse::ParsedMail) -> Part {
        Part {
            headers: m
                .headers
                .iter()
                .map(|h| (h.get_key(), h.get_value()))
                .collect(),
            mime: m.ctype.mimetype.to_ascii_lowercase(),
            body: if m.subparts.is_empty() {
                m.get_body_raw().expect("a decodable body")
            } else {
                Vec::new()
            },
            parts: m.subparts.iter().map(Part::from).collect(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first part (depth first) of this MIME type.
    fn find(&self, mime: &str) -> Option<&Part> {
        if self.parts.is_empty() && self.mime == mime {
            return Some(self);
        }
        self.parts.iter().find_map(|p| p.find(mime))
    }

    fn text(&self, mime: &str) -> String {
        let p = self.find(mime).unwrap_or_else(|| panic!("no {mime} part"));
        String::from_utf8(p.body.clone()).expect("UTF-8 text")
    }

    fn subject(&self) -> String {
        self.header("Subject").expect("a Subject").to_string()
    }
}

/// Decode the PNG; (width, height, distinct pixel values).
fn png_summary(bytes: &[u8]) -> (u32, u32, usize) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    let bpp = (info.line_size / info.width as usize).max(1);
    let colours: HashSet<&[u8]> = buf[..info.buffer_size()].chunks(bpp).collect();
    (info.width, info.height, colours.len())
}

// ---------------------------------------------------------------------------
// Scenarios

fn each_warning_arrives_once_with_its_chinese_text_and_chart(t: &TestDb) {
    if !smtp_available() {
        return;
    }
    let server = SmtpServer::start(&t.path("smtp"));
    let (mut db, mut settings) = setup(t);
    settings.smtp_url = Some(server.url());

    let first = run(
        &mut db,
        &settings,
        "early-warning",
        as_of(),
        "2026-11-28 01:00:00",
    );
    assert_eq!(count(&first, "queued"), AT_RISK.len() as i64, "{first:?}");
    assert_eq!(count(&first, "sent"), AT_RISK.len() as i64, "{first:?}");
    assert!(
        first.message.contains("60 天阶段"),
        "the stage is named: {}",
        first.message
    );
    // The same day again (a second scheduled time): nothing new, nothing resent.
    let second = run(
        &mut db,
        &settings,
        "early-warning",
        as_of(),
        "2026-11-28 13:00:00",
    );
    assert_eq!(count(&second, "queued"), 0, "{second:?}");
    assert_eq!(
        count(&second, "already_queued"),
        AT_RISK.len() as i64,
        "{second:?}"
    );
    assert_eq!(count(&second, "sent"), 0, "{second:?}");

    let got = server.received();
    assert_eq!(
        recipients(&got),
        emails(&AT_RISK),
        "each base at risk gets exactly one message; no other base gets any"
    );
    for code in NO_WARNING {
        assert!(
            got.iter()
                .all(|m| !m.rcpt_tos.iter().any(|r| r == &email(code))),
            "{code} is not at risk"
        );
    }
    let by_to: BTreeMap<String, &Received> = got.iter().map(|m| (m.to(), m)).collect();

    for m in &got {
        assert_eq!(m.mail_from, FROM);
        assert!(m.msg.header("From").unwrap_or("").contains(FROM));
        let subject = m.msg.subject();
        assert!(subject.contains("年度任务预警"), "{subject}");
        assert!(subject.contains("2026"), "{subject}");
        let text = m.msg.text("text/plain");
        for s in [
            "2026 年度任务（《“科创中原”创新基地建设与管理办法（试行）》第十条）尚有",
            "（第十条第（",
            "2026-12-31 结束（还有 33 天）",
            "定稿（计划于 2027-01-15）",
            "定稿前报送或更正的数据均计入考核",
            "统计期结束前 60 天",
        ] {
            assert!(text.contains(s), "{s} missing from:\n{text}");
        }
        assert!(
            !text.contains("不再变更"),
            "corrections are accepted: {text}"
        );
        let html = m.msg.text("text/html");
        assert!(html.contains("<li>"), "{html}");
        let png = m.msg.find("image/png").expect("the chart is attached");
        let disposition = png.header("Content-Disposition").unwrap_or("");
        assert!(
            disposition.contains("attachment") && disposition.contains("scorecard.png"),
            "{disposition}"
        );
        let (w, h, colours) = png_summary(&png.body);
        assert!(w >= 200 && h >= 150, "chart is {w}×{h}");
        assert!(colours >= 4, "chart has only {colours} colours");
    }

    // SAMPLE-005 (郑州市科协): unable to reach its uploads; CC to the unit.
    let m5 = by_to[&email("SAMPLE-005")];
    assert_eq!(
        m5.msg.subject(),
        "【科创中原创新基地】郑州金水科创孵化基地 2026 年度任务预警：尚有 1 项未完成"
    );
    let mut rcpt = m5.rcpt_tos.clone();
    rcpt.sort();
    assert_eq!(rcpt, vec![email("SAMPLE-005"), UNIT_EMAIL.to_string()]);
    assert_eq!(address(m5.msg.header("Cc").unwrap_or("")), UNIT_EMAIL);
    let text = m5.msg.text("text/plain");
    assert!(
        text.starts_with("郑州金水科创孵化基地（SAMPLE-005）："),
        "{text}"
    );
    assert!(
        text.contains("上传专家、成果、难题等信息不少于 20 条（第十条第（二）项）：已完成 12 条，尚差 8 条（难以完成）"),
        "{text}"
    );
    assert!(text.contains("抄送推荐单位"), "a copy was sent: {text}");
    assert!(
        !text.contains("孵化科技创新创业项目") && !text.contains("项目路演"),
        "met indicators are not listed:\n{text}"
    );
    assert!(m5
        .msg
        .text("text/html")
        .contains("<li>上传专家、成果、难题等信息不少于 20 条（第十条第（二）项）：已完成 12 条，尚差 8 条（难以完成）</li>"));

    // SAMPLE-010: behind on two indicators; no unit account, so no CC,
    // and the text claims none.
    let m10 = by_to[&email("SAMPLE-010")];
    assert_eq!(m10.rcpt_tos, vec![email("SAMPLE-010")]);
    assert!(m10.msg.header("Cc").is_none());
    assert!(!m10.msg.text("text/plain").contains("抄送"));
    assert!(m10.msg.subject().contains("尚有 2 项未完成"));
    let text = m10.msg.text("text/plain");
    assert!(
        text.contains("不少于 20 条（第十条第（三）项）：已完成 18 条，尚差 2 条（进度落后）"),
        "{text}"
    );
    assert!(
        text.contains(
            "柔性引进海外人才不少于 2 人（第十条第（三）项）：已完成 1 人，尚差 1 人（进度落后）"
        ),
        "{text}"
    );

    // SAMPLE-003: nothing reported for the year.
    let m3 = by_to[&email("SAMPLE-003")];
    assert_eq!(m3.rcpt_tos, vec![email("SAMPLE-003")]);
    assert!(m3.msg.subject().contains("尚有 3 项未完成"));
    let text = m3.msg.text("text/plain");
    assert!(
        text.contains("上传专家、成果、难题等信息不少于 20 条（第十条第（一）项）：未填报"),
        "{text}"
    );

    // The outbox agrees: one row per base at risk, all sent.
    let outbox = outbox_by_code(&mut db);
    assert_eq!(
        outbox.keys().cloned().collect::<Vec<_>>(),
        AT_RISK.map(String::from).to_vec()
    );
    for (code, rows) in &outbox {
        assert_eq!(rows.len(), 1, "{code}");
        assert_eq!(rows[0].status.id(), "sent", "{code}");
        assert_eq!(rows[0].dedupe_key, format!("early_warning|{code}|2026|60"));
    }
}

fn messages_queued_while_smtp_is_down_go_out_later_without_duplicates(t: &TestDb) {
    if !smtp_available() {
        return;
    }
    let (mut db, mut settings) = setup(t);
    settings.smtp_url = Some(closed_port_url());
    let r = run(
        &mut db,
        &settings,
        "early-warning",
        as_of(),
        "2026-11-28 01:00:00",
    );
    assert_eq!(count(&r, "queued"), AT_RISK.len() as i64, "{r:?}");
    assert_eq!(count(&r, "sent"), 0, "{r:?}");
    let queued = db::outbox::recent(&mut db, 100).expect("outbox");
    assert_eq!(queued.len(), AT_RISK.len());
    let now = db::now();
    for m in &queued {
        assert_eq!(
            (m.status.id(), m.attempts),
            ("queued", 1),
            "{}",
            m.dedupe_key
        );
        assert!(!m.last_error.is_empty(), "{}: no error kept", m.dedupe_key);
        assert!(
            m.next_attempt_at > now,
            "{}: retried only after a backoff",
            m.dedupe_key
        );
    }

    // SMTP is back, but the backoff has not run out: nothing goes yet.
    let server = SmtpServer::start(&t.path("smtp"));
    settings.smtp_url = Some(server.url());
    let r = run(
        &mut db,
        &settings,
        "deliver",
        as_of(),
        "2026-11-28 01:01:00",
    );
    assert_eq!(count(&r, "sent"), 0, "{r:?}");
    assert!(server.received().is_empty());

    // A minute later every message goes, once.
    let_time_pass(&mut db, 61);
    let r = run(
        &mut db,
        &settings,
        "deliver",
        as_of(),
        "2026-11-28 01:02:00",
    );
    assert_eq!(count(&r, "sent"), AT_RISK.len() as i64, "{r:?}");
    assert_eq!(
        (count(&r, "retrying"), count(&r, "failed")),
        (0, 0),
        "{r:?}"
    );
    for m in db::outbox::recent(&mut db, 100).expect("outbox") {
        assert_eq!(m.status.id(), "sent", "{}", m.dedupe_key);
        assert!(m.sent_at.is_some() && m.last_error.is_empty());
    }

    // Later runs of either job send nothing more.
    let_time_pass(&mut db, 3600);
    let r = run(
        &mut db,
        &settings,
        "deliver",
        as_of(),
        "2026-11-28 02:03:00",
    );
    assert_eq!(count(&r, "sent"), 0, "{r:?}");
    let r = run(
        &mut db,
        &settings,
        "early-warning",
        as_of(),
        "2026-11-29 01:00:00",
    );
    assert_eq!((count(&r, "queued"), count(&r, "sent")), (0, 0), "{r:?}");
    assert_eq!(recipients(&server.received()), emails(&AT_RISK));
}

fn a_job_killed_midway_and_run_again_leaves_no_duplicates_and_nothing_missing(t: &TestDb) {
    if !smtp_available() {
        return;
    }
    let (mut db, mut settings) = setup(t);

    // A server that accepts and never answers: the job queues every warning,
    // starts sending the first one and hangs there; then it is killed.
    let tarpit = TcpListener::bind("127.0.0.1:0").expect("bind");
    tarpit.set_nonblocking(true).expect("nonblocking");
    let tarpit_url = format!(
        "smtp://127.0.0.1:{}",
        tarpit.local_addr().expect("addr").port()
    );
    let log = t.path("killed-run.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_basewatch"))
        .args(["jobs", "run", "early-warning", "--as-of", "2026-11-28"])
        .current_dir(t.dir.path())
        .env_remove("BASEWATCH_CONFIG")
        .env_remove("BASEWATCH_RULEBOOK")
        .env_remove("BASEWATCH_JOBS_DIR")
        .env("BASEWATCH_DATABASE_URL", &t.url)
        .env("BASEWATCH_DATA_DIR", t.path("data"))
        .env("BASEWATCH_SMTP_URL", &tarpit_url)
        .env("BASEWATCH_MAIL_FROM", FROM)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).expect("log"))
        .stderr(std::fs::File::create(t.path("killed-run.err")).expect("log"))
        .spawn()
        .expect("run basewatch");
    let deadline = Instant::now() + Duration::from_secs(180);
    let held = loop {
        match tarpit.accept() {
            Ok((stream, _)) => break stream,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("accept: {e}"),
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the job ended ({status}) before it tried to send:\n{}{}",
                std::fs::read_to_string(&log).unwrap_or_default(),
                std::fs::read_to_string(t.path("killed-run.err")).unwrap_or_default()
            );
        }
        assert!(Instant::now() < deadline, "the job never connected to SMTP");
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().expect("kill the job");
    let _ = child.wait();
    drop(held);

    // What the killed run left: its claim unfinished, every warning queued,
    // the one it was sending still under its lease.
    let runs = db::jobs::recent(&mut db, 10).expect("runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome.id(), "running");
    assert!(runs[0].finished_at.is_none());
    let left = db::outbox::recent(&mut db, 100).expect("outbox");
    assert_eq!(left.len(), AT_RISK.len());
    let sending: Vec<&db::outbox::Mail> =
        left.iter().filter(|m| m.status.id() == "sending").collect();
    assert_eq!(sending.len(), 1, "one message was being sent");
    let hung = sending[0].recipients.clone();
    assert!(left
        .iter()
        .all(|m| m.attempts == 0 && m.status.id() != "sent"));

    // Run again (the next scheduled time) with SMTP up.
    let server = SmtpServer::start(&t.path("smtp"));
    settings.smtp_url = Some(server.url());
    let r = run(
        &mut db,
        &settings,
        "early-warning",
        as_of(),
        "2026-11-28 13:00:00",
    );
    assert_eq!(
        (count(&r, "queued"), count(&r, "already_queued")),
        (0, AT_RISK.len() as i64),
        "{r:?}"
    );
    assert_eq!(count(&r, "sent"), AT_RISK.len() as i64 - 1, "{r:?}");
    let got = recipients(&server.received());
    assert!(
        !got.contains(&hung),
        "{hung} is still leased to the killed run"
    );
    assert_eq!(got.len(), AT_RISK.len() - 1);

    // While the lease holds, nobody sends it; once it has run out, it goes.
    let r = run(
        &mut db,
        &settings,
        "deliver",
        as_of(),
        "2026-11-28 13:01:00",
    );
    assert_eq!(count(&r, "sent"), 0, "{r:?}");
    let_time_pass(&mut db, 301);
    let r = run(
        &mut db,
        &settings,
        "deliver",
        as_of(),
        "2026-11-28 13:07:00",
    );
    assert_eq!(count(&r, "sent"), 1, "{r:?}");

    assert_eq!(recipients(&server.received()), emails(&AT_RISK));
    for (code, rows) in outbox_by_code(&mut db) {
        assert_eq!(rows.len(), 1, "{code}");
        assert_eq!(rows[0].status.id(), "sent", "{code}");
    }
}

fn two_instances_claiming_the_same_scheduled_run_run_it_once(t: &TestDb) {
    if !smtp_available() {
        return;
    }
    let server = SmtpServer::start(&t.path("smtp"));
    let (db, mut settings) = setup(t);
    drop(db);
    settings.smtp_url = Some(server.url());
    let warning = job("early-warning");

    // Both instances, each with its own connection, claim 2026-11-28 09:00
    // (Asia/Shanghai) at the same moment.
    let scheduled = at("2026-11-28 01:00:00");
    let barrier = Barrier::new(2);
    let results: Vec<(String, Option<RunReport>)> = std::thread::scope(|s| {
        let handles: Vec<_> = ["instance-a", "instance-b"]
            .into_iter()
            .map(|name| {
                let (settings, warning, barrier) = (&settings, &warning, &barrier);
                s.spawn(move || {
                    let mut db = t.db();
                    barrier.wait();
                    let r = jobs::run(&mut db, settings, warning, as_of(), scheduled, name)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    (name.to_string(), r)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("instance thread"))
            .collect()
    });
    let winners: Vec<&(String, Option<RunReport>)> =
        results.iter().filter(|(_, r)| r.is_some()).collect();
    assert_eq!(winners.len(), 1, "exactly one instance runs it");
    let (winner, report) = winners[0];
    let report = report.as_ref().expect("report");
    assert_eq!(count(report, "sent"), AT_RISK.len() as i64, "{report:?}");

    let mut db = t.db();
    let runs: Vec<db::jobs::Run> = db::jobs::recent(&mut db, 10)
        .expect("runs")
        .into_iter()
        .filter(|r| r.job == "early-warning")
        .collect();
    assert_eq!(runs.len(), 1, "one row for the run");
    assert_eq!(runs[0].scheduled_for, scheduled);
    assert_eq!(&runs[0].claimed_by, winner);
    assert_eq!(runs[0].outcome.id(), "ok");
    assert!(runs[0].finished_at.is_some());
    assert_eq!(recipients(&server.received()), emails(&AT_RISK));

    // Two instances running different scheduled times at once (the 30-day
    // stage, 2026-12-01) both run, and still each warning goes out once.
    let stage30 = date("2026-12-01");
    let reports: Vec<RunReport> = std::thread::scope(|s| {
        let handles: Vec<_> = [
            ("instance-a", "2026-12-01 01:00:00"),
            ("instance-b", "2026-12-01 01:00:01"),
        ]
        .into_iter()
        .map(|(name, when)| {
            let (settings, warning, barrier) = (&settings, &warning, &barrier);
            s.spawn(move || {
                let mut db = t.db();
                barrier.wait();
                jobs::run(&mut db, settings, warning, stage30, at(when), name)
                    .unwrap_or_else(|e| panic!("{name}: {e}"))
                    .unwrap_or_else(|| panic!("{name}: its own run was claimed elsewhere"))
            })
        })
        .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("instance thread"))
            .collect()
    });
    let sum = |k: &str| reports.iter().map(|r| count(r, k)).sum::<i64>();
    let n = AT_RISK.len() as i64;
    assert_eq!(
        (sum("queued"), sum("already_queued")),
        (n, n),
        "{reports:?}"
    );
    assert_eq!(sum("sent"), n, "{reports:?}");
    let got = server.received();
    let mut doubled = emails(&AT_RISK);
    doubled.extend(emails(&AT_RISK));
    doubled.sort();
    assert_eq!(recipients(&got), doubled, "one message per base and stage");
    let stage30_subjects = got
        .iter()
        .filter(|m| m.msg.text("text/plain").contains("统计期结束前 30 天"))
        .count();
    assert_eq!(stage30_subjects, AT_RISK.len());
}

fn import_inbox_does_not_follow_a_symbolic_link(t: &TestDb) {
    let mut db = t.db();
    let mut settings = t.settings();
    let inbox = t.path("inbox-links");
    settings.inbox_dir = inbox.clone();
    std::fs::create_dir_all(&inbox).expect("inbox");
    // A register elsewhere on the server, linked into the inbox.
    let outside = t.write(
        "elsewhere-register.csv",
        std::fs::read(sample("bases_register.csv")).unwrap(),
    );
    std::os::unix::fs::symlink(&outside, inbox.join("link.csv")).expect("symlink");
    let r = run(
        &mut db,
        &settings,
        "import-inbox",
        as_of(),
        "2026-11-28 01:00:00",
    );
    assert_eq!(
        (count(&r, "imported"), count(&r, "rejected")),
        (0, 0),
        "{r:?}"
    );
    assert!(
        db::bases::all(&mut db).unwrap().is_empty(),
        "nothing imported"
    );
    assert!(outside.exists(), "the target is not moved");
    assert!(
        std::fs::symlink_metadata(inbox.join("link.csv")).is_ok(),
        "the link stays"
    );
}

fn import_inbox_moves_files_to_done_and_rejected_with_the_report(t: &TestDb) {
    let mut db = t.db();
    let mut settings = t.settings();
    let inbox = t.path("inbox");
    settings.inbox_dir = inbox.clone();
    std::fs::create_dir_all(&inbox).expect("inbox");
    std::fs::copy(sample("bases_register.csv"), inbox.join("1-register.csv")).expect("copy");
    let header = std::fs::read_to_string(sample("yearly_counts_2024.csv"))
        .expect("sample counts")
        .lines()
        .next()
        .expect("header")
        .to_string();
    std::fs::write(
        inbox.join("2-counts.csv"),
        format!("{header}\nSAMPLE-001,2024,2024-12-31,二十五,6,2,,,,\n"),
    )
    .expect("write");
    // Still being copied in: left alone.
    std::fs::write(inbox.join("3-records.csv.part"), "基地编号,指标\n").expect("write");

    let r = run(
        &mut db,
        &settings,
        "import-inbox",
        as_of(),
        "2026-11-28 01:00:00",
    );
    assert_eq!(
        (count(&r, "imported"), count(&r, "rejected")),
        (1, 1),
        "{r:?}"
    );
    assert_eq!(r.message, "导入 1 个文件，拒绝 1 个");

    let names = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .expect("folder")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(&inbox),
        ["3-records.csv.part", "done", "rejected"].map(String::from)
    );
    assert_eq!(names(&inbox.join("done")), ["1-register.csv"]);
    assert_eq!(
        names(&inbox.join("rejected")),
        ["2-counts.csv", "2-counts.csv.report.txt"].map(String::from)
    );
    let report =
        std::fs::read_to_string(inbox.join("rejected/2-counts.csv.report.txt")).expect("report");
    assert!(report.contains("已拒绝"), "{report}");
    assert!(
        report.contains("二十五"),
        "the bad value is named:\n{report}"
    );

    // The good file's data is in; the bad file changed nothing.
    let bases = db::bases::all(&mut db).expect("bases");
    assert_eq!(bases.len(), 12);
    let card = t.evaluate(&mut db, 2024, None);
    assert!(card.rows.iter().all(|r| r.actual.is_none()), "no counts");

    // The same file dropped again: already imported, kept beside the first.
    std::fs::copy(sample("bases_register.csv"), inbox.join("1-register.csv")).expect("copy");
    let r = run(
        &mut db,
        &settings,
        "import-inbox",
        as_of(),
        "2026-11-28 01:05:00",
    );
    assert_eq!(
        (count(&r, "imported"), count(&r, "rejected")),
        (1, 0),
        "{r:?}"
    );
    let done = names(&inbox.join("done"));
    assert_eq!(done.len(), 2, "{done:?}");
    assert!(done.iter().all(|n| n.ends_with("1-register.csv")));
    assert_eq!(db::bases::all(&mut db).expect("bases").len(), 12);
    assert_eq!(
        names(&inbox),
        ["3-records.csv.part", "done", "rejected"].map(String::from)
    );
}

on_both_backends!(
    each_warning_arrives_once_with_its_chinese_text_and_chart,
    messages_queued_while_smtp_is_down_go_out_later_without_duplicates,
    a_job_killed_midway_and_run_again_leaves_no_duplicates_and_nothing_missing,
    two_instances_claiming_the_same_scheduled_run_run_it_once,
    import_inbox_moves_files_to_done_and_rejected_with_the_report,
    import_inbox_does_not_follow_a_symbolic_link,
);

/// The deadlines job reminds once per lead time, in the outbox folder when no
/// SMTP server is configured.
fn deadline_reminders_are_queued_once_per_stage(t: &TestDb) {
    let mut db = t.db();
    crate::helpers::import_sample(t, &mut db);
    let settings =
        basewatch::config::Settings::for_database(&t.url, &t.dir.path().join("data")).unwrap();
    let jobs = basewatch::jobs::load(std::path::Path::new("/nonexistent")).unwrap();
    let job = jobs.iter().find(|j| j.name == "deadlines").unwrap();
    let at = |d: &str, h: u32| crate::helpers::date(d).and_hms_opt(h, 0, 0).unwrap();
    for h in [1, 2] {
        basewatch::jobs::run(
            &mut db,
            &settings,
            job,
            crate::helpers::date("2026-12-05"),
            at("2026-12-05", h),
            "test",
        )
        .unwrap()
        .expect("claimed");
    }
    let mails = basewatch::db::outbox::recent(&mut db, 100).unwrap();
    let mut keys: Vec<&str> = mails.iter().map(|m| m.dedupe_key.as_str()).collect();
    keys.sort_unstable();
    // Cycles end 2026-12-31 (SAMPLE-011) and 2027-01-01 (SAMPLE-008): both in the 30-day stage.
    assert_eq!(
        keys,
        vec![
            "deadline|CycleEnd|SAMPLE-008|2027-01-01|30",
            "deadline|CycleEnd|SAMPLE-011|2026-12-31|30"
        ]
    );
    assert!(mails
        .iter()
        .all(|m| m.subject.contains("建设周期届满") && m.status.id() == "sent"));
    let eml = std::fs::read_dir(settings.data_dir.join("outbox"))
        .unwrap()
        .count();
    assert_eq!(eml, 2, "each written once to the outbox folder");

    // In late January every running base is reminded of its annual plan and summary.
    basewatch::jobs::run(
        &mut db,
        &settings,
        job,
        crate::helpers::date("2027-01-25"),
        at("2027-01-25", 1),
        "test",
    )
    .unwrap()
    .expect("claimed");
    let mails = basewatch::db::outbox::recent(&mut db, 100).unwrap();
    let annual = mails
        .iter()
        .filter(|m| m.dedupe_key.starts_with("deadline|AnnualReport|"))
        .count();
    assert_eq!(annual, 12);
}

mod deadlines_on_both {
    use super::*;
    crate::helpers::on_both_backends!(deadline_reminders_are_queued_once_per_stage);
}

/// 责令限期整改, end to end: failed → notice → reminder → re-check → back to
/// building, or proposed for revocation → confirmed by a person.
fn the_rectification_path_runs_end_to_end(t: &TestDb) {
    use basewatch::lifecycle;
    let mut db = t.db();
    crate::helpers::import_sample(t, &mut db);
    let settings =
        basewatch::config::Settings::for_database(&t.url, &t.dir.path().join("data")).unwrap();
    let d = crate::helpers::date;
    for code in ["SAMPLE-002", "SAMPLE-003"] {
        let base = db::bases::find_by_code(&mut db, code).unwrap().unwrap();
        assert!(lifecycle::order_rectification(
            &mut db,
            &settings,
            &base,
            2024,
            d("2025-03-01"),
            90,
            "staff"
        )
        .unwrap());
        // Ordering twice does nothing.
        assert!(!lifecycle::order_rectification(
            &mut db,
            &settings,
            &base,
            2024,
            d("2025-03-02"),
            90,
            "staff"
        )
        .unwrap());
        assert_eq!(
            db::bases::find_by_code(&mut db, code)
                .unwrap()
                .unwrap()
                .status
                .id(),
            "rectifying"
        );
    }
    let keys = |db: &mut Db| -> Vec<String> {
        let mut k: Vec<String> = db::outbox::recent(db, 100)
            .unwrap()
            .into_iter()
            .map(|m| m.dedupe_key)
            .collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&mut db),
        [
            "rectification|SAMPLE-002|2024|notice",
            "rectification|SAMPLE-003|2024|notice"
        ]
    );
    let notice = db::outbox::recent(&mut db, 100)
        .unwrap()
        .into_iter()
        .find(|m| m.dedupe_key.contains("SAMPLE-002"))
        .unwrap();
    assert!(
        notice.subject.contains("责令限期整改"),
        "{}",
        notice.subject
    );
    assert!(
        notice.body_text.contains("已完成 19 条，尚差 1 条")
            && notice.body_text.contains("2025-05-30"),
        "{}",
        notice.body_text
    );

    let jobs = basewatch::jobs::load(Path::new("/nonexistent")).unwrap();
    let job = jobs.iter().find(|j| j.name == "rectification").unwrap();
    let at = |s: &str| d(s).and_hms_opt(1, 0, 0).unwrap();
    // 20 days before the deadline: one reminder each (twice run, once sent).
    for second in 0..2 {
        let when = at("2025-05-10") + chrono::Duration::seconds(second);
        basewatch::jobs::run(&mut db, &settings, job, d("2025-05-10"), when, "t")
            .unwrap()
            .unwrap();
    }
    assert_eq!(
        keys(&mut db)
            .iter()
            .filter(|k| k.contains("|reminder|30"))
            .count(),
        2
    );

    // SAMPLE-002 makes up its one missing 2024 upload inside the period
    // (第十六条, as the rulebook reads it); SAMPLE-003 does nothing.
    let fixed = "基地编号,指标,日期,数量,标题,佐证链接,外部编号\nSAMPLE-002,platform_uploads,2025-04-01,1,整改补充上传,https://kczg.example.org/fix,fix-1\n";
    let r = t.import(&mut db, &t.write("fixed.csv", fixed));
    assert_eq!(
        r.outcome,
        basewatch::ingest::Outcome::Accepted,
        "{}",
        r.to_text()
    );
    let out = basewatch::jobs::run(
        &mut db,
        &settings,
        job,
        d("2025-05-30"),
        at("2025-05-30"),
        "t",
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        (
            out.counts["proposed_pass"],
            out.counts["proposed_revocation"]
        ),
        (1, 1)
    );
    let b2 = db::bases::find_by_code(&mut db, "SAMPLE-002")
        .unwrap()
        .unwrap();
    assert_eq!(b2.status.id(), "rectifying", "the re-check only proposes");
    assert_eq!(
        db::bases::find_by_code(&mut db, "SAMPLE-002")
            .unwrap()
            .unwrap()
            .status
            .id(),
        "rectifying"
    );
    use basewatch::lifecycle::decisions::{decide, Decision};
    // Staff decide: SAMPLE-002 passes (the shortfall was made up).
    decide(
        &mut db,
        &settings,
        &b2,
        Decision::Passed,
        "",
        d("2025-06-01"),
        "director",
    )
    .unwrap();
    let b2 = db::bases::find_by_code(&mut db, "SAMPLE-002")
        .unwrap()
        .unwrap();
    assert_eq!(b2.status.id(), "building");
    let b3 = db::bases::find_by_code(&mut db, "SAMPLE-003")
        .unwrap()
        .unwrap();
    assert_eq!(
        b3.status.id(),
        "rectifying",
        "the system never revokes by itself"
    );

    let proposed = db::rectifications::with_outcome(
        &mut db,
        basewatch::domain::RectificationOutcome::Proposed,
    )
    .unwrap();
    assert_eq!(proposed.len(), 1);
    assert_eq!(
        proposed[0].proposal,
        Some(basewatch::domain::Proposal::Revoke)
    );
    assert!(
        proposed[0]
            .shortfalls
            .contains("高端学术交流等活动不少于 2 项（第十条第（一）项）：已完成 1 项，尚差 1 项"),
        "{}",
        proposed[0].shortfalls
    );
    // SAMPLE-003 cannot pass unmade, nor be revoked without a reason.
    assert!(decide(
        &mut db,
        &settings,
        &b3,
        Decision::Passed,
        "",
        d("2025-06-02"),
        "director"
    )
    .is_err());
    assert!(decide(
        &mut db,
        &settings,
        &b3,
        Decision::Revoked,
        " ",
        d("2025-06-02"),
        "director"
    )
    .is_err());
    decide(
        &mut db,
        &settings,
        &b3,
        Decision::Revoked,
        "整改期满仍未达标",
        d("2025-06-02"),
        "director",
    )
    .unwrap();
    let told: Vec<String> = db::outbox::recent(&mut db, 100)
        .unwrap()
        .into_iter()
        .map(|m| m.dedupe_key)
        .filter(|k| k.starts_with("decision|"))
        .collect();
    assert_eq!(told.len(), 2, "{told:?}");
    let b3 = db::bases::find_by_code(&mut db, "SAMPLE-003")
        .unwrap()
        .unwrap();
    assert_eq!(b3.status.id(), "revoked");
    let history: Vec<(String, String)> = db::bases::status_history(&mut db, b3.id)
        .unwrap()
        .into_iter()
        .map(|h| (h.status.id().to_string(), h.changed_by))
        .collect();
    assert_eq!(
        history,
        [
            ("building".into(), "tester".into()),
            ("rectifying".into(), "staff".into()),
            ("revoked".into(), "director".into())
        ]
    );
}

mod rectification_on_both {
    use super::*;
    crate::helpers::on_both_backends!(the_rectification_path_runs_end_to_end);
}

/// The weekly digest goes once a week to province staff (every base) and to
/// each recommending unit (its own bases only).
fn the_weekly_digest_is_scoped_to_each_recipient(t: &TestDb) {
    let mut db = t.db();
    crate::helpers::import_sample(t, &mut db);
    for (name, role, unit, email) in [
        ("staff", Role::Province, None, "staff@example.org"),
        (
            "zz",
            Role::Recommender,
            Some("郑州市科协"),
            "zz-unit@example.org",
        ),
    ] {
        add_user(
            &mut db,
            &NewAccount {
                username: name,
                password: "long-password",
                role,
                unit,
                base: None,
                email,
            },
        )
        .unwrap();
    }
    let settings = Settings::for_database(&t.url, &t.dir.path().join("data")).unwrap();
    let jobs = basewatch::jobs::load(Path::new("/nonexistent")).unwrap();
    let job = jobs.iter().find(|j| j.name == "digest").unwrap();
    let d = crate::helpers::date;
    for h in [8, 9] {
        basewatch::jobs::run(
            &mut db,
            &settings,
            job,
            d("2025-03-03"),
            d("2025-03-03").and_hms_opt(h, 0, 0).unwrap(),
            "t",
        )
        .unwrap()
        .unwrap();
    }
    let mails = db::outbox::recent(&mut db, 100).unwrap();
    assert_eq!(mails.len(), 2, "one digest per recipient group and week");
    let unit = mails
        .iter()
        .find(|m| m.recipients == "zz-unit@example.org")
        .unwrap();
    let staff = mails
        .iter()
        .find(|m| m.recipients == "staff@example.org")
        .unwrap();
    assert!(
        unit.subject.contains("郑州市科协每周摘要"),
        "{}",
        unit.subject
    );
    // 2024's failures: the unit sees only its own (SAMPLE-005), staff see all.
    assert!(
        unit.body_text.contains("SAMPLE-005") && !unit.body_text.contains("SAMPLE-002"),
        "{}",
        unit.body_text
    );
    assert!(staff.body_text.contains("SAMPLE-002") && staff.body_text.contains("SAMPLE-005"));
}

mod digest_on_both {
    use super::*;
    crate::helpers::on_both_backends!(the_weekly_digest_is_scoped_to_each_recipient);
}
