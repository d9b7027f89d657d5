//! `basewatch bench web`: load-tests the web app at the demo province's size
//! with wrk (a second process on loopback), against a bare actix-web route
//! answering a static string measured in the same run as the reference.
//! Figures are reported as ratios to that reference; no test times anything.
//! `bench import` and `bench evaluate` ([`scale`]) do the same at national
//! scale on a generated dataset ([`data`]).

pub mod data;
pub mod scale;

use std::fmt::Write as _;
use std::net::TcpListener;
use std::process::Command;

use actix_web::{web, App, HttpResponse, HttpServer};
use chrono::NaiveDate;

use crate::access;
use crate::config::Settings;
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// What wrk measured for one URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub name: String,
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
}

/// Parse `wrk --latency` output.
pub fn parse_wrk(name: &str, out: &str) -> Option<Measure> {
    let dur = |v: &str| -> Option<f64> {
        let v = v.trim();
        let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic())?);
        let n: f64 = num.trim().parse().ok()?;
        Some(match unit {
            "us" => n / 1000.0,
            "ms" => n,
            "s" => n * 1000.0,
            "m" => n * 60_000.0,
            _ => return None,
        })
    };
    let mut m = Measure {
        name: name.to_string(),
        requests_per_sec: 0.0,
        p50_ms: 0.0,
        p99_ms: 0.0,
        errors: 0,
    };
    for line in out.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("Requests/sec:") {
            m.requests_per_sec = v.trim().parse().ok()?;
        } else if let Some(v) = line.strip_prefix("50%") {
            m.p50_ms = dur(v)?;
        } else if let Some(v) = line.strip_prefix("99%") {
            m.p99_ms = dur(v)?;
        } else if let Some(v) = line.strip_prefix("Non-2xx or 3xx responses:") {
            m.errors += v.trim().parse::<u64>().unwrap_or(0);
        }
    }
    (m.requests_per_sec > 0.0).then_some(m)
}

fn wrk(
    name: &str,
    url: &str,
    cookie: Option<&str>,
    seconds: u32,
    connections: u32,
) -> AppResult<Measure> {
    let mut c = Command::new("wrk");
    c.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    if let Some(cookie) = cookie {
        c.args(["-H", &format!("Cookie: {cookie}")]);
    }
    let out = c.arg(url).output().map_err(|e| {
        AppError::Invalid(format!(
            "无法运行 wrk（apt-get install wrk）(cannot run wrk): {e}"
        ))
    })?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_wrk(name, &text).ok_or_else(|| {
        AppError::Invalid(format!(
            "wrk 输出无法解析 (cannot read wrk output):\n{text}"
        ))
    })
}

fn spawn<F>(listener: TcpListener, make: F)
where
    F: FnOnce(TcpListener) -> std::io::Result<actix_web::dev::Server> + Send + 'static,
{
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            if let Ok(server) = make(listener) {
                let _ = server.await;
            }
        })
    });
}

/// Run the web benchmark; returns a report for the terminal.
pub fn web(seconds: u32, connections: u32, today: NaiveDate) -> AppResult<String> {
    let dir = tempfile::tempdir().map_err(|e| AppError::io("tempdir", e))?;
    let db_path = dir.path().join("bench.db");
    let url = format!("sqlite://{}", db_path.display());
    let settings = Settings::for_database(&url, &dir.path().join("data"))?;
    let mut db = Db::connect(&url)?;
    let province = crate::demo::load(&mut db, &settings, dir.path(), today)?;
    crate::demo::create_accounts(&mut db, &province)?;
    let (caller, _) = access::sign_in(&mut db, "province", crate::demo::DEMO_PASSWORD)?
        .ok_or_else(|| AppError::Invalid("demo account".into()))?;
    let (token, _) = access::start_session(&mut db, &caller, 12)?;
    let cookie = format!("bw_session={token}");
    let code = province
        .bases
        .iter()
        .find(|b| b.revoked_on.is_none())
        .map(|b| b.code.clone())
        .unwrap_or_default();
    drop(db);

    let state = crate::web::AppState::new(settings, Some(today))?;
    let app = TcpListener::bind("127.0.0.1:0").map_err(|e| AppError::io("bind", e))?;
    let app_addr = app.local_addr().map_err(|e| AppError::io("bind", e))?;
    spawn(app, move |l| crate::web::run(l, state));
    let bare = TcpListener::bind("127.0.0.1:0").map_err(|e| AppError::io("bind", e))?;
    let bare_addr = bare.local_addr().map_err(|e| AppError::io("bind", e))?;
    spawn(bare, |l| {
        Ok(HttpServer::new(|| {
            App::new().route(
                "/",
                web::get().to(|| async { HttpResponse::Ok().body("ok") }),
            )
        })
        .listen(l)?
        .run())
    });
    // Wait (bounded) until both servers accept connections.
    for addr in [app_addr, bare_addr] {
        for _ in 0..100 {
            if std::net::TcpStream::connect(addr).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    let year = today.format("%Y").to_string();
    let targets = [
        (
            "参照：静态字符串 (reference: static string)",
            format!("http://{bare_addr}/"),
            None,
        ),
        (
            "全省概览 /overview",
            format!("http://{app_addr}/overview?year={year}"),
            Some(cookie.as_str()),
        ),
        (
            "基地记分卡 /bases/{code}",
            format!("http://{app_addr}/bases/{code}?year={year}"),
            Some(cookie.as_str()),
        ),
        (
            "图表 chart.svg",
            format!("http://{app_addr}/bases/{code}/chart.svg?year={year}"),
            Some(cookie.as_str()),
        ),
        (
            "图表 chart.png",
            format!("http://{app_addr}/bases/{code}/chart.png?year={year}"),
            Some(cookie.as_str()),
        ),
    ];
    // One short warm-up per URL fills the caches, as a running server has them.
    let mut results = Vec::new();
    for (name, url, cookie) in &targets {
        wrk(name, url, *cookie, 1, 4)?;
        results.push(wrk(name, url, *cookie, seconds, connections)?);
    }
    let reference = results[0].requests_per_sec.max(1.0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "web benchmark: {} bases (demo province), wrk -t2 -c{connections} -d{seconds}s on loopback, {} build",
        province.bases.len(),
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    let _ = writeln!(
        s,
        "{:<44} {:>10} {:>9} {:>9} {:>8} {:>7}",
        "target", "req/s", "p50 ms", "p99 ms", "vs ref", "errors"
    );
    for m in &results {
        let _ = writeln!(
            s,
            "{:<44} {:>10.0} {:>9.2} {:>9.2} {:>7.1}% {:>7}",
            m.name,
            m.requests_per_sec,
            m.p50_ms,
            m.p99_ms,
            m.requests_per_sec / reference * 100.0,
            m.errors
        );
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrk_output_is_read_into_figures() {
        let out = "Running 1s test @ http://127.0.0.1:1/\n  Latency Distribution\n     50%  635.91us\n     75%  712.00us\n     90%    1.01ms\n     99%    1.72ms\n  1000 requests in 1.00s, 1 MB read\n  Non-2xx or 3xx responses: 3\nRequests/sec:  92481.85\n";
        let m = super::parse_wrk("x", out).unwrap();
        assert_eq!(m.requests_per_sec, 92481.85);
        assert!((m.p50_ms - 0.63591).abs() < 1e-9);
        assert_eq!(m.p99_ms, 1.72);
        assert_eq!(m.errors, 3);
        assert!(super::parse_wrk("x", "garbage").is_none());
    }
}
