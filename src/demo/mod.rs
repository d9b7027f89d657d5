//! `basewatch demo`: a fresh SQLite database holding a realistic demo
//! province (about 150 bases of the three types across the 17 cities and
//! 济源示范区, three years of counts and activity records), loaded through
//! the real import path from template files it writes, then evaluated.
//!
//! The province is generated from a fixed seed, so it is the same every run
//! for a given "today"; some bases pass, some fail, some fall behind pace in
//! the running year and some leave data unreported.

mod generate;

use std::fmt::Write as _;
use std::path::Path;

use chrono::{Datelike, NaiveDate};

use crate::compliance::{self, Pace};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::error::{AppError, AppResult};
use crate::ingest::{self, Outcome};

pub(crate) use generate::{credit_code, Rng};
pub use generate::{Profile, Province};

/// Build the demo at `database` (recreated) with its files under `dir`, as
/// if today were `today`; returns a summary for the terminal.
/// `jobs`: the configured jobs (from `jobs_dir`), whose early warning runs
/// on the demo data.
pub fn run(
    database: &Path,
    dir: &Path,
    today: NaiveDate,
    jobs: Vec<crate::jobs::Job>,
) -> AppResult<String> {
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{}{suffix}", database.display());
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(AppError::io(p, e)),
        }
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| AppError::io(dir, e))?;
    }
    let url = format!("sqlite://{}", database.display());
    let mut settings = Settings::for_database(&url, &dir.join("data"))?;
    settings.jobs = jobs;
    let mut db = Db::connect(&url)?;
    let province = load(&mut db, &settings, dir, today)?;
    let accounts = create_accounts(&mut db, &province)?;
    let mut s = summary(&mut db, &settings, &province, database, today)?;
    // The warnings the province would send today, written to the outbox folder.
    if let Some(job) = settings
        .jobs
        .iter()
        .find(|j| j.kind == crate::jobs::Kind::EarlyWarning)
    {
        if let Some(r) = crate::jobs::run(&mut db, &settings, job, today, db::now(), "demo")? {
            let _ = writeln!(
                s,
                "\n今日预警 (today's early warnings)：{}；邮件见 {}",
                r.message,
                settings.data_dir.join("outbox").display()
            );
        }
    }
    let _ = writeln!(s, "\n演示账号 (demo accounts)，密码均为 {DEMO_PASSWORD}：");
    for (name, role, sees) in accounts {
        let _ = writeln!(s, "  {name:<10} {role:<6} {sees}");
    }
    Ok(s)
}

/// Generate the province, write its template files under `dir`, import them
/// into `db`, and apply the lifecycle events (revocations) of the story.
pub fn load(db: &mut Db, settings: &Settings, dir: &Path, today: NaiveDate) -> AppResult<Province> {
    let mut province = Province::generate(today);
    let files = province.write_files(&dir.join("files"))?;
    let opts = ingest::Options {
        by: "demo".into(),
        today,
        progress: false,
        own: None,
        unit: None,
    };
    for f in &files {
        let report = ingest::import_file(db, settings, f, &opts)?;
        if report.outcome != Outcome::Accepted {
            return Err(AppError::Invalid(format!(
                "演示数据导入失败 (demo import failed):\n{}",
                report.to_text()
            )));
        }
    }
    for (code, on) in province.revoked() {
        if let Some(b) = db::bases::find_by_code(db, &code)? {
            db::bases::set_status(
                db,
                b.id,
                crate::domain::Status::Rectifying,
                on - chrono::Days::new(120),
                "年度考核未达标，责令限期整改 (ordered to rectify)",
                "demo",
            )?;
            db::bases::set_status(
                db,
                b.id,
                crate::domain::Status::Revoked,
                on,
                "整改后仍不符合要求，予以撤销 (revoked after rectification failed)",
                "demo",
            )?;
        }
    }
    Ok(province)
}

/// The password of every demo account (printed by `basewatch demo`).
pub const DEMO_PASSWORD: &str = "kczy-demo-2026";

/// One demo account per role: (username, role, what it sees).
pub fn create_accounts(
    db: &mut Db,
    province: &Province,
) -> AppResult<Vec<(String, String, String)>> {
    use crate::access::{add_user, NewAccount, Role};
    let mut out = Vec::new();
    let unit = province
        .bases
        .iter()
        .find(|b| b.unit == "郑州市科协")
        .or_else(|| province.bases.first())
        .map(|b| b.unit.clone())
        .unwrap_or_default();
    let base = province
        .bases
        .iter()
        .find(|b| b.revoked_on.is_none() && b.unit == unit)
        .or_else(|| province.bases.first())
        .map(|b| (b.code.clone(), b.name.clone()))
        .unwrap_or_default();
    let accounts = [
        ("province", Role::Province, None, None, "全省".to_string()),
        (
            "unit",
            Role::Recommender,
            Some(unit.as_str()),
            None,
            unit.clone(),
        ),
        (
            "base",
            Role::Base,
            None,
            Some(base.0.as_str()),
            format!("{} {}", base.0, base.1),
        ),
    ];
    for (name, role, unit, base, sees) in accounts {
        add_user(
            db,
            &NewAccount {
                username: name,
                password: DEMO_PASSWORD,
                role,
                unit,
                base,
                email: &format!("{name}@example.org"),
            },
        )?;
        out.push((name.to_string(), role.name_zh().to_string(), sees));
    }
    Ok(out)
}

fn summary(
    db: &mut Db,
    settings: &Settings,
    province: &Province,
    database: &Path,
    today: NaiveDate,
) -> AppResult<String> {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "演示省份已生成 (demo province created)：{} 个基地，{} 条活动明细，数据库 {}",
        province.bases.len(),
        db::records::count(db)?,
        database.display()
    );
    let running = today.year();
    for year in province.years() {
        let card = compliance::evaluate(db, &settings.rulebook, year, None, today)?;
        compliance::store(db, &card)?;
        let (bases, pass) = card.totals();
        let _ = write!(
            s,
            "{year} 年度：考核 {bases} 个基地，达标 {pass} 个，未达标 {} 个",
            bases - pass
        );
        if year == running {
            let count = |p: Pace| {
                let mut codes: Vec<&str> = card
                    .rows
                    .iter()
                    .filter(|r| r.pace == Some(p))
                    .map(|r| &*r.base_code)
                    .collect();
                codes.dedup();
                codes.len()
            };
            let _ = write!(
                s,
                "（截至 {}：进度落后 {} 个，难以完成 {} 个，有未填报指标 {} 个）",
                card.as_of,
                count(Pace::Behind),
                count(Pace::Unable),
                count(Pace::NotReported)
            );
        }
        let _ = writeln!(s);
    }
    let db_arg = format!("BASEWATCH_DATABASE_URL=sqlite://{}", database.display());
    let _ = writeln!(s, "\n接下来可以看 (what to look at next)：");
    let _ = writeln!(
        s,
        "  {db_arg} basewatch evaluate --year {running}            # 本年度进度与风险 (this year's pace)"
    );
    let _ = writeln!(
        s,
        "  {db_arg} basewatch evaluate --year {} --format csv   # 上一年度考核结果 (last year's results)",
        running - 1
    );
    let _ = writeln!(
        s,
        "  导入模板示例 (the template files imported): {}",
        province.files_dir.display()
    );
    Ok(s)
}
