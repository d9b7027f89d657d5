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
