//! The `basewatch` binary: output formats, exit codes and start-up errors.

use std::process::{Command, Output};

use crate::helpers::{sample, TestDb};

fn basewatch(t: &TestDb, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_basewatch"));
    c.args(args)
        .current_dir(t.dir.path())
        .env_remove("BASEWATCH_CONFIG")
        .env_remove("BASEWATCH_RULEBOOK")
        .env("BASEWATCH_DATABASE_URL", &t.url)
        .env("BASEWATCH_DATA_DIR", t.path("data"));
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run basewatch")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

#[test]
fn evaluate_prints_csv_with_exactly_the_documented_columns() {
    let t = TestDb::sqlite();
    let files: Vec<String> = [
        "bases_register.csv",
        "yearly_counts_2024.csv",
        "activity_records_2024.csv",
    ]
    .iter()
    .map(|f| sample(f).display().to_string())
    .collect();
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    let out = basewatch(&t, &args, &[]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    let out = basewatch(&t, &["evaluate", "--year", "2024", "--format", "csv"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some("base_code,base_name,base_type,city,year,indicator,actual,target,gap,met,base_pass")
    );
    assert!(stdout.contains("SAMPLE-005,郑州金水科创孵化基地,incubation,郑州市,2024,roadshow_events,,1,1,false,false"), "{stdout}");
    assert_eq!(lines.count(), 30);

    let out = basewatch(&t, &["evaluate", "--year", "2024", "--format", "json"], &[]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 30);
    assert_eq!(rows[0]["indicator"], "platform_uploads");

    let out = basewatch(&t, &["evaluate", "--year", "2024"], &[]);
    assert!(text(&out.stdout).contains("平台上传还差 1 条"));

    // A range: one process, one header, the years in order.
    let out = basewatch(
        &t,
        &["evaluate", "--year", "2023..2025", "--format", "csv"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.matches("base_code,").count(), 1, "{stdout}");
    let years: Vec<&str> = stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(4))
        .collect();
    assert!(
        years.contains(&"2024") && years.contains(&"2025"),
        "{stdout}"
    );
    assert!(years.windows(2).all(|w| w[0] <= w[1]), "ordered by year");
    // Each year of the range is stored, with as many rows as it printed.
    let mut db = t.db();
    for year in [2023, 2024, 2025] {
        let printed = years.iter().filter(|y| **y == year.to_string()).count();
        let stored = basewatch::db::evaluations::for_year(&mut db, year).unwrap();
        let newest = stored.first().expect("the year is stored");
        let rows = basewatch::db::evaluations::rows(&mut db, newest.id, None).unwrap();
        assert_eq!(rows.len(), printed, "{year}");
    }
    let json = basewatch(
        &t,
        &["evaluate", "--year", "2024..2025", "--format", "json"],
        &[],
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert!(rows.len() > 30);

    for bad in ["2025..2023", "2000..2099", "二〇二四", "2024..", "../etc"] {
        let out = basewatch(&t, &["evaluate", "--year", bad], &[]);
        assert!(!out.status.success(), "{bad} accepted");
        assert!(
            text(&out.stderr).contains("--year"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_refused_import_exits_non_zero_and_prints_where_the_problems_are() {
    let t = TestDb::sqlite();
    let bad = t.write(
        "bad.csv",
        "基地编号,年度,上传专家、成果、难题等信息\nX-1,2024,abc\n",
    );
    let out = basewatch(&t, &["import", bad.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("第 2 行"), "{stdout}");
    assert!(stdout.contains("上传专家、成果、难题等信息"), "{stdout}");
    assert!(stdout.contains("已拒绝"), "{stdout}");
}

#[test]
fn a_bad_database_url_stops_start_up_naming_the_variable_and_key() {
    let t = TestDb::sqlite();
    let out = basewatch(
        &t,
        &["migrate"],
        &[("BASEWATCH_DATABASE_URL", "mysql://localhost/x")],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("BASEWATCH_DATABASE_URL") && err.contains("database_url"),
        "{err}"
    );
}

#[test]
fn a_bad_rulebook_stops_start_up_naming_the_file_and_key() {
    let t = TestDb::sqlite();
    let rb = t.write(
        "rules.toml",
        basewatch::rules::HENAN.replace(
            "platform_uploads = 20\nvolunteer_services",
            "platform_uploads = -1\nvolunteer_services",
        ),
    );
    let out = basewatch(
        &t,
        &["migrate"],
        &[("BASEWATCH_RULEBOOK", rb.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("rules.toml") && err.contains("types.iar.platform_uploads"),
        "{err}"
    );
}

#[test]
fn a_config_file_with_an_unknown_key_stops_start_up() {
    let t = TestDb::sqlite();
    let cfg = t.write("basewatch.toml", "databse_url = \"sqlite://x.db\"\n");
    let out = basewatch(&t, &["--config", cfg.to_str().unwrap(), "migrate"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("basewatch.toml") && err.contains("databse_url"),
        "{err}"
    );
}

#[test]
fn users_add_reads_the_password_from_stdin_and_token_prints_a_usable_token() {
    use std::io::Write;
    let t = TestDb::sqlite();
    let reg = sample("bases_register.csv");
    assert!(basewatch(&t, &["import", reg.to_str().unwrap()], &[])
        .status
        .success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_basewatch"))
        .args([
            "users",
            "add",
            "zz",
            "--role",
            "recommender",
            "--unit",
            "郑州市科协",
            "--email",
            "zz@example.org",
        ])
        .current_dir(t.dir.path())
        .env("BASEWATCH_DATABASE_URL", &t.url)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a-long-password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut db = t.db();
    let (caller, _) = basewatch::access::sign_in(&mut db, "zz", "a-long-password")
        .unwrap()
        .expect("login works");
    assert_eq!(caller.scope_name, "郑州市科协");
    // The hash, not the password, is stored.
    let u = basewatch::db::users::find_by_username(&mut db, "zz")
        .unwrap()
        .unwrap();
    assert!(u.password_hash.starts_with("$argon2") && !u.password_hash.contains("a-long-password"));

    let out = basewatch(&t, &["users", "token", "zz"], &[]);
    let token = text(&out.stdout).trim().to_string();
    assert_eq!(token.len(), 64);
    let c = basewatch::access::caller_for_token(&mut db, &token)
        .unwrap()
        .expect("token works");
    assert_eq!(c.username, "zz");

    let mut child = Command::new(env!("CARGO_BIN_EXE_basewatch"))
        .args([
            "users",
            "add",
            "yy",
            "--role",
            "base",
            "--base",
            "NOPE",
            "--email",
            "y@example.org",
        ])
        .current_dir(t.dir.path())
        .env("BASEWATCH_DATABASE_URL", &t.url)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a-long-password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("NOPE"), "{}", text(&out.stderr));
}

#[test]
fn the_demo_command_serves_the_demo_province() {
    let t = TestDb::sqlite();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_basewatch"))
        .args(["demo", "--today", "2026-11-28"])
        .current_dir(t.dir.path())
        .env("BASEWATCH_BIND", format!("127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _guard = Kill(std::mem::replace(
        &mut child,
        Command::new("true").spawn().unwrap(),
    ));
    let app = crate::helpers::TestApp {
        addr: format!("http://127.0.0.1:{port}"),
        tokens: Default::default(),
    };
    let mut up = false;
    for _ in 0..600 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(up, "the demo server did not start");
    let mut b = crate::helpers::Browser::new(&app);
    assert_eq!(
        b.login("province", basewatch::demo::DEMO_PASSWORD).status,
        303
    );
    let overview = b.get("/overview");
    assert_eq!(overview.status, 200);
    assert!(overview.text().contains("各地市达标率"));
    let list = b.get("/bases").text();
    assert!(list.contains("共 150 个基地"), "all demo bases listed");
    let mut base = crate::helpers::Browser::new(&app);
    assert_eq!(
        base.login("base", basewatch::demo::DEMO_PASSWORD).status,
        303
    );
    assert!(base.get("/bases").text().contains("共 1 个基地"));
}
