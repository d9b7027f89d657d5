//! `basewatch bench import` and `basewatch bench evaluate`: the national
//! scale (by default 20,000 bases × 5 years, about 3.3 million records),
//! each beside a reference measured in the same run on the same data:
//! `sqlite3 .import` and `psql \copy` into a bare table for the import,
//! DuckDB (from PyPI) reading the CSV and computing the same scorecards for
//! the evaluation. Every figure is a child process of its own, timed from
//! spawn to exit, with its peak resident memory from `wait4`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::data::{self, Dataset};
use crate::error::{AppError, AppResult};
use crate::rules::{indicator_position, Rulebook};

/// The DuckDB reference for `bench evaluate`.
const DUCKDB_SCRIPT: &str = include_str!("duckdb_evaluate.py");

/// What one child process cost.
#[derive(Debug, Clone)]
pub struct Run {
    pub what: String,
    pub seconds: f64,
    pub peak_mib: f64,
    pub ok: bool,
}

/// Options shared by both benchmarks.
pub struct Options {
    pub bases: usize,
    pub years: i32,
    /// Where the dataset and databases go (kept between runs: the dataset is
    /// generated once per size).
    pub dir: PathBuf,
    /// A PostgreSQL server to measure too (a throw-away database is made
    /// and dropped on it), or `None`.
    pub postgres: Option<String>,
    pub today: chrono::NaiveDate,
}

/// Run `cmd` to its end; its wall time and peak RSS (Linux `wait4`).
fn measure(what: &str, cmd: &mut Command, stdin: Option<&[u8]>) -> AppResult<Run> {
    // Each step starts with the disk flushed: the last step's writes, still
    // going out, would otherwise stall this one's fsyncs (seen: a 1 s
    // register import taking 8 s right after the SQLite records).
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let started = Instant::now();
    let mut child = cmd
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .spawn()
        .map_err(|e| AppError::Invalid(format!("无法运行 (cannot run) {what}: {e}")))?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input)
            .map_err(|e| AppError::Invalid(format!("{what}: {e}")))?;
    }
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped (std's Child is never
    // waited on), and both out-pointers are valid for the call.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let seconds = started.elapsed().as_secs_f64();
    if r != pid {
        return Err(AppError::Invalid(format!("{what}: wait4 failed")));
    }
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    Ok(Run {
        what: what.to_string(),
        seconds,
        // ru_maxrss is in KiB on Linux.
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
        ok,
    })
}

fn me() -> AppResult<PathBuf> {
    std::env::current_exe().map_err(|e| AppError::Invalid(format!("current_exe: {e}")))
}

/// `basewatch` itself with a database and data folder of its own.
fn basewatch(url: &str, data_dir: &Path, args: &[&str], out: Option<&Path>) -> AppResult<Command> {
    let mut c = Command::new(me()?);
    c.args(args)
        .env("BASEWATCH_DATABASE_URL", url)
        .env("BASEWATCH_DATA_DIR", data_dir)
        .env("BASEWATCH_CONFIG", "/dev/null")
        .stderr(Stdio::inherit());
    match out {
        Some(p) => {
            let f = std::fs::File::create(p).map_err(|e| AppError::io(p, e))?;
            c.stdout(f);
        }
        None => {
            c.stdout(Stdio::null());
        }
    }
    Ok(c)
}

fn fresh_file(p: &Path) -> AppResult<()> {
    for suffix in ["", "-wal", "-shm"] {
        let f = PathBuf::from(format!("{}{suffix}", p.display()));
        if f.exists() {
            std::fs::remove_file(&f).map_err(|e| AppError::io(&f, e))?;
        }
    }
    Ok(())
}

fn dataset(o: &Options) -> AppResult<Dataset> {
    eprintln!(
        "生成数据 (generating) {} 个基地 × {} 年 → {}",
        o.bases,
        o.years,
        o.dir.display()
    );
    let last = o
        .today
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap_or(2026)
        - 2;
    data::generate(&o.dir, o.bases, o.years, last)
}

fn psql(url: &str, sql: &str) -> Command {
    let mut c = Command::new("psql");
    c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql])
        .stdout(Stdio::null());
    c
}

/// A database URL on the same server with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let host = base.find("://").map_or(0, |i| i + 3);
    let path = base[host..].find('/').map_or(base.len(), |i| host + i);
    let root = &base[..path];
    if query.is_empty() {
        format!("{root}/{name}")
    } else {
        format!("{root}/{name}?{query}")
    }
}

/// The 活动明细 columns as a bare table of text, for the references.
const BARE: &str =
    "CREATE TABLE bare (基地编号 TEXT, 指标 TEXT, 日期 TEXT, 数量 TEXT, 标题 TEXT, 佐证链接 TEXT, 外部编号 TEXT)";

/// `bench import`.
pub fn import(o: &Options) -> AppResult<String> {
    let d = dataset(o)?;
    let mut runs: Vec<(Run, Option<usize>)> = Vec::new();
    let records = d.records.display().to_string();

    // SQLite: the reference, then basewatch.
    let ref_db = o.dir.join("reference.sqlite");
    fresh_file(&ref_db)?;
    let script = format!("{BARE};\n.mode csv\n.import --skip 1 '{records}' bare\n");
    let reference = measure(
        "sqlite3 .import (bare table)",
        Command::new("sqlite3").arg(&ref_db).stdout(Stdio::null()),
        Some(script.as_bytes()),
    )?;
    let ref_at = runs.len();
    runs.push((reference, None));
    let db = o.dir.join("basewatch.sqlite");
    fresh_file(&db)?;
    let url = format!("sqlite://{}", db.display());
    let data_dir = o.dir.join("data-sqlite");
    let _ = std::fs::remove_dir_all(&data_dir);
    let reg = d.register.display().to_string();
    runs.push((
        measure(
            "basewatch import: register",
            &mut basewatch(&url, &data_dir, &["import", &reg], None)?,
            None,
        )?,
        None,
    ));
    runs.push((
        measure(
            "basewatch import: records (SQLite)",
            &mut basewatch(&url, &data_dir, &["import", &records], None)?,
            None,
        )?,
        Some(ref_at),
    ));
    let again = d.records_again.display().to_string();
    runs.push((
        measure(
            "basewatch import: same rows again (SQLite)",
            &mut basewatch(&url, &data_dir, &["import", &again], None)?,
            None,
        )?,
        Some(ref_at),
    ));
    let _ = std::fs::remove_dir_all(&data_dir);

    // PostgreSQL, on a throw-away database.
    if let Some(pg) = &o.postgres {
        let name = format!("basewatch_bench_{}", std::process::id());
        let admin = pg.clone();
        let created = psql(&admin, &format!("CREATE DATABASE {name}")).status();
        if created.is_ok_and(|s| s.success()) {
            let bench_url = with_database(pg, &name);
            let result = (|| -> AppResult<()> {
                let bare = psql(&bench_url, BARE).status();
                if !bare.is_ok_and(|s| s.success()) {
                    return Err(AppError::Invalid("psql: CREATE TABLE failed".into()));
                }
                let copy = measure(
                    "psql \\copy (bare table)",
                    &mut psql(
                        &bench_url,
                        &format!("\\copy bare FROM '{records}' WITH (FORMAT csv, HEADER true)"),
                    ),
                    None,
                )?;
                let at = runs.len();
                runs.push((copy, None));
                let data_dir = o.dir.join("data-pg");
                let _ = std::fs::remove_dir_all(&data_dir);
                runs.push((
                    measure(
                        "basewatch import: register (PostgreSQL)",
                        &mut basewatch(&bench_url, &data_dir, &["import", &reg], None)?,
                        None,
                    )?,
                    None,
                ));
                runs.push((
                    measure(
                        "basewatch import: records (PostgreSQL)",
                        &mut basewatch(&bench_url, &data_dir, &["import", &records], None)?,
                        None,
                    )?,
                    Some(at),
                ));
                runs.push((
                    measure(
                        "basewatch import: same rows again (PostgreSQL)",
                        &mut basewatch(&bench_url, &data_dir, &["import", &again], None)?,
                        None,
                    )?,
                    Some(at),
                ));
                let _ = std::fs::remove_dir_all(&data_dir);
                Ok(())
            })();
            let _ = psql(
                &admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .status();
            result?;
        } else {
            eprintln!(
                "PostgreSQL 不可用，跳过 (PostgreSQL not reachable at {}; skipped)",
                crate::db::redact(pg)
            );
        }
    }
    Ok(table(
        &format!(
            "bench import: {} 个基地 × {} 年（{}–{}），{} 条活动明细，{:.0} MB CSV",
            d.bases,
            o.years,
            d.first_year,
            d.last_year,
            d.rows,
            file_mib(&d.records)
        ),
        &runs,
    ))
}

fn file_mib(p: &Path) -> f64 {
    std::fs::metadata(p)
        .map(|m| m.len() as f64 / 1_048_576.0)
        .unwrap_or(0.0)
}

fn table(title: &str, runs: &[(Run, Option<usize>)]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{title}\n");
    let _ = writeln!(
        s,
        "| what | seconds | peak RSS MiB | × reference (time) | × reference (memory) |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|");
    for (k, (r, reference)) in runs.iter().enumerate() {
        let is_reference = runs.iter().any(|(_, of)| *of == Some(k));
        let (t, m) = match reference.and_then(|i| runs.get(i)) {
            Some((base, _)) if base.seconds > 0.0 && base.peak_mib > 0.0 => (
                format!("{:.2}×", r.seconds / base.seconds),
                format!("{:.2}×", r.peak_mib / base.peak_mib),
            ),
            _ if is_reference => ("reference".to_string(), String::new()),
            // A step of the run without a reference (the register import).
            _ => ("—".to_string(), String::new()),
        };
        let _ = writeln!(
            s,
            "| {}{} | {:.2} | {:.0} | {t} | {m} |",
            r.what,
            if r.ok { "" } else { " (FAILED)" },
            r.seconds,
            r.peak_mib
        );
    }
    s
}

/// The sample of median wall time, with the largest peak memory of all;
/// failed if any sample failed.
fn median(mut samples: Vec<Run>) -> Run {
    samples.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    let peak = samples.iter().map(|r| r.peak_mib).fold(0.0, f64::max);
    let ok = samples.iter().all(|r| r.ok);
    let mid = samples.len().saturating_sub(1) / 2;
    let mut m = samples.swap_remove(mid);
    m.peak_mib = peak;
    m.ok = ok;
    m
}

/// `bench evaluate`, each figure the median of `runs`.
pub fn evaluate(o: &Options, runs: usize) -> AppResult<String> {
    let runs_asked = runs;
    let d = dataset(o)?;
    let rulebook = Rulebook::henan();
    // The stored data: imported once per dataset (the import has its own benchmark).
    let db = o
        .dir
        .join(format!("evaluate-{}x{}.sqlite", d.bases, o.years));
    let url = format!("sqlite://{}", db.display());
    let data_dir = o.dir.join("data-evaluate");
    let ready = o
        .dir
        .join(format!("evaluate-{}x{}.ready", d.bases, o.years));
    // The marker is written after both imports finished; without the
    // database beside it (removed by hand) the data is imported again.
    if !(ready.exists() && db.exists()) {
        fresh_file(&db)?;
        let _ = std::fs::remove_dir_all(&data_dir);
        eprintln!("导入数据 (importing the dataset once) → {}", db.display());
        for f in [&d.register, &d.records] {
            let f = f.display().to_string();
            let r = measure(
                "import",
                &mut basewatch(&url, &data_dir, &["import", &f], None)?,
                None,
            )?;
            if !r.ok {
                return Err(AppError::Invalid(format!("bench: import of {f} failed")));
            }
        }
        std::fs::write(&ready, "").map_err(|e| AppError::io(&ready, e))?;
    }
    let range = format!("{}..{}", d.first_year, d.last_year);
    let ours = o.dir.join("basewatch-evaluate.csv");
    let theirs = o.dir.join("duckdb-evaluate.csv");

    // DuckDB gets the register's facts as a CSV of its own (the rule of the
    // first evaluated year is the rulebook's, not DuckDB's to know).
    let bases_csv = o.dir.join("duckdb-bases.csv");
    let targets_csv = o.dir.join("duckdb-targets.csv");
    {
        let mut b = String::from("code,type,first_year\n");
        for n in 0..d.bases {
            let _ = writeln!(
                b,
                "{},{},{}",
                data::code(n),
                data::base_type(n).id(),
                d.first_year
            );
        }
        std::fs::write(&bases_csv, b).map_err(|e| AppError::io(&bases_csv, e))?;
        let mut t = String::from("type,indicator,target,ord\n");
        for ty in crate::domain::BaseType::ALL {
            for (i, n) in rulebook.targets(ty) {
                let _ = writeln!(t, "{},{},{n},{}", ty.id(), i.id(), indicator_position(*i));
            }
        }
        std::fs::write(&targets_csv, t).map_err(|e| AppError::io(&targets_csv, e))?;
    }
    let script = o.dir.join("duckdb_evaluate.py");
    std::fs::write(&script, DUCKDB_SCRIPT).map_err(|e| AppError::io(&script, e))?;

    // Each figure is the median of `runs` samples, taken in turn (DuckDB,
    // the first run, the re-run), so that all three meet the same machine;
    // peak memory is the largest of the samples.
    let args = ["evaluate", "--year", range.as_str(), "--format", "csv"];
    let mut samples: [Vec<Run>; 3] = Default::default();
    for _ in 0..runs.max(1) {
        let duck = measure(
            "DuckDB: CSV → five scorecards",
            Command::new("python3")
                .arg(&script)
                .args([&d.records, &bases_csv, &targets_csv, &theirs])
                .args([d.first_year.to_string(), d.last_year.to_string()])
                .stdout(Stdio::inherit())
                .stderr(Stdio::inherit()),
            None,
        )?;
        if !duck.ok {
            return Err(AppError::Invalid(
                "DuckDB 参照未能运行：请先 pip install duckdb (the DuckDB reference failed; install it with `pip install duckdb`)".into(),
            ));
        }
        samples[0].push(duck);
        // The first run computes and stores: what an earlier run on this
        // dataset stored is forgotten first.
        crate::db::evaluations::delete_unconfirmed(&mut crate::db::Db::connect_only(&url)?)?;
        samples[1].push(measure(
            "basewatch evaluate (computes, stores what changed)",
            &mut basewatch(&url, &data_dir, &args, Some(&ours))?,
            None,
        )?);
        samples[2].push(measure(
            "basewatch evaluate (again: nothing changed)",
            &mut basewatch(&url, &data_dir, &args, Some(&ours))?,
            None,
        )?);
    }
    let [duck, first, again] = samples.map(median);
    let runs = vec![(duck, None), (first, Some(0)), (again, Some(0))];
    let agree = compare(&ours, &theirs)?;
    let mut s = table(
        &format!(
            "bench evaluate: {} 个基地 × {} 年（{range}），{} 条活动明细（SQLite）；\
             各 {n} 次的中位数，内存取最大 (medians of {n} runs each; peak memory: the largest)",
            d.bases,
            o.years,
            d.rows,
            n = runs_asked.max(1)
        ),
        &runs,
    );
    let _ = writeln!(s, "\n{agree}");
    Ok(s)
}

/// Row-by-row comparison of the two scorecard CSVs on the columns both have.
fn compare(ours: &Path, theirs: &Path) -> AppResult<String> {
    let read = |p: &Path| -> AppResult<Vec<Vec<String>>> {
        let mut r = csv::Reader::from_path(p)
            .map_err(|e| AppError::Invalid(format!("{}: {e}", p.display())))?;
        let h = r
            .headers()
            .map_err(|e| AppError::Invalid(e.to_string()))?
            .clone();
        let cols = [
            "base_code",
            "year",
            "indicator",
            "actual",
            "target",
            "gap",
            "met",
            "base_pass",
        ];
        let idx: Vec<usize> = cols
            .iter()
            .map(|c| h.iter().position(|x| x == *c))
            .collect::<Option<_>>()
            .ok_or_else(|| AppError::Invalid(format!("{}: missing columns", p.display())))?;
        let mut rows = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(|e| AppError::Invalid(e.to_string()))?;
            rows.push(
                idx.iter()
                    .map(|i| rec.get(*i).unwrap_or("").to_string())
                    .collect(),
            );
        }
        rows.sort();
        Ok(rows)
    };
    let (a, b) = (read(ours)?, read(theirs)?);
    if a == b {
        return Ok(format!(
            "结果一致 (results agree row for row): {} 行",
            a.len()
        ));
    }
    let first = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    Ok(format!(
        "结果不一致 (results DIFFER): basewatch {} 行, DuckDB {} 行; first difference: {:?} vs {:?}",
        a.len(),
        b.len(),
        a.get(first),
        b.get(first)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_gets_another_database_name() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
