//! Job definitions: `jobs/*.toml` (the built-in files, replaced or added to
//! by `jobs_dir`), each a cron expression in Asia/Shanghai time and a kind,
//! validated at start-up and loaded once, into the settings. How a job runs
//! lives in `src/jobs/`.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::{AppError, AppResult};

/// The job files shipped with the binary (a file of the same name in
/// `jobs_dir` replaces one; other files there add jobs).
const BUILTIN: [(&str, &str); 8] = [
    ("reviews.toml", include_str!("../../jobs/reviews.toml")),
    ("digest.toml", include_str!("../../jobs/digest.toml")),
    (
        "rectification.toml",
        include_str!("../../jobs/rectification.toml"),
    ),
    ("deadlines.toml", include_str!("../../jobs/deadlines.toml")),
    ("deliver.toml", include_str!("../../jobs/deliver.toml")),
    ("evaluate.toml", include_str!("../../jobs/evaluate.toml")),
    (
        "import-inbox.toml",
        include_str!("../../jobs/import-inbox.toml"),
    ),
    (
        "early-warning.toml",
        include_str!("../../jobs/early-warning.toml"),
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Deliver,
    Evaluate,
    ImportInbox,
    EarlyWarning,
    Deadlines,
    Rectification,
    Digest,
    Reviews,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJob {
    name: String,
    kind: Kind,
    cron: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    params: toml::Table,
}

/// Parameters of the deadlines job.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReminderParams {
    lead_days: Vec<u32>,
}

/// Parameters of the early-warning job: the evaluation calendar.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningParams {
    /// Days before the counting period ends; each is a stage.
    pub lead_days: Vec<u32>,
    /// The evaluation day, MM-DD of the year after the counting period.
    pub evaluation_date: String,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    pub kind: Kind,
    pub cron: String,
    pub schedule: cron::Schedule,
    pub description: String,
    pub warning: Option<WarningParams>,
    /// Lead times of the deadlines job.
    pub reminder_days: Vec<u32>,
    pub file: String,
}

impl Job {
    /// The next `n` run times in Asia/Shanghai.
    pub fn next_runs(&self, n: usize) -> Vec<chrono::DateTime<chrono_tz::Tz>> {
        self.schedule.upcoming(crate::TZ).take(n).collect()
    }
}

fn err(file: &str, key: &str, message: String) -> AppError {
    AppError::Config {
        source_name: file.to_string(),
        key: key.to_string(),
        message,
    }
}

/// Parse and validate one job file.
pub fn parse(text: &str, file: &str) -> AppResult<Job> {
    let raw: RawJob = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        err(
            file,
            &format!("第 {line} 行 (line {line})"),
            e.message().trim().replace('\n', " "),
        )
    })?;
    let schedule = cron::Schedule::from_str(&raw.cron).map_err(|e| {
        err(
            file,
            "cron",
            format!(
                "“{}”不是有效的 cron 表达式（秒 分 时 日 月 周）(invalid cron expression: {e})",
                raw.cron
            ),
        )
    })?;
    let mut reminder_days = Vec::new();
    let warning = match raw.kind {
        Kind::Deadlines | Kind::Rectification => {
            let p: ReminderParams =
                toml::Value::Table(raw.params)
                    .try_into()
                    .map_err(|e: toml::de::Error| {
                        err(file, "params", e.message().trim().to_string())
                    })?;
            if p.lead_days.is_empty() || p.lead_days.iter().any(|d| *d == 0 || *d > 366) {
                return Err(err(
                    file,
                    "params.lead_days",
                    "应为 1 到 366 之间的天数列表 (days between 1 and 366)".into(),
                ));
            }
            reminder_days = p.lead_days;
            None
        }
        Kind::EarlyWarning => {
            let p: WarningParams =
                toml::Value::Table(raw.params)
                    .try_into()
                    .map_err(|e: toml::de::Error| {
                        err(file, "params", e.message().trim().to_string())
                    })?;
            if p.lead_days.is_empty() || p.lead_days.iter().any(|d| *d == 0 || *d > 366) {
                return Err(err(
                    file,
                    "params.lead_days",
                    "应为 1 到 366 之间的天数列表 (days between 1 and 366)".into(),
                ));
            }
            if evaluation_day(&p.evaluation_date, 2025).is_none() {
                return Err(err(
                    file,
                    "params.evaluation_date",
                    format!(
                        "“{}”应为 MM-DD，如 01-15 (expected MM-DD)",
                        p.evaluation_date
                    ),
                ));
            }
            Some(p)
        }
        _ if !raw.params.is_empty() => {
            return Err(err(
                file,
                "params",
                "此类任务没有参数 (this job kind takes no parameters)".into(),
            ))
        }
        _ => None,
    };
    if raw.name.trim().is_empty() {
        return Err(err(file, "name", "不能为空 (must not be empty)".into()));
    }
    Ok(Job {
        name: raw.name,
        kind: raw.kind,
        cron: raw.cron,
        schedule,
        description: raw.description,
        warning,
        reminder_days,
        file: file.to_string(),
    })
}

/// The evaluation day of counting year `year` (in the following year).
pub fn evaluation_day(mmdd: &str, year: i32) -> Option<NaiveDate> {
    let (m, d) = mmdd.split_once('-')?;
    NaiveDate::from_ymd_opt(year + 1, m.parse().ok()?, d.parse().ok()?)
}

/// Every job: the built-in files, replaced or added to by `dir`'s `*.toml`.
pub fn load(dir: &Path) -> AppResult<Vec<Job>> {
    let mut files: BTreeMap<String, (String, String)> = BUILTIN
        .iter()
        .map(|(n, t)| (n.to_string(), (format!("<内置> jobs/{n}"), t.to_string())))
        .collect();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().and_then(|x| x.to_str()) == Some("toml") {
                let text = std::fs::read_to_string(&p).map_err(|e| AppError::io(&p, e))?;
                let name = e.file_name().to_string_lossy().to_string();
                files.insert(name, (p.display().to_string(), text));
            }
        }
    }
    let mut jobs: Vec<Job> = Vec::new();
    for (file, text) in files.values() {
        let job = parse(text, file)?;
        if let Some(other) = jobs.iter().find(|j| j.name == job.name) {
            return Err(err(
                file,
                "name",
                format!(
                    "任务名 {} 与 {} 重复 (duplicate job name)",
                    job.name, other.file
                ),
            ));
        }
        jobs.push(job);
    }
    Ok(jobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_jobs_are_valid() {
        let jobs = load(Path::new("/nonexistent")).unwrap();
        let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
        for n in [
            "deliver",
            "evaluate",
            "import-inbox",
            "early-warning",
            "deadlines",
        ] {
            assert!(names.contains(&n), "{n}");
        }
        assert!(jobs.iter().all(|j| !j.next_runs(3).is_empty()));
    }

    #[test]
    fn a_bad_cron_expression_is_refused_with_file_and_key() {
        let e = parse(
            "name = \"x\"\nkind = \"deliver\"\ncron = \"every minute\"\n",
            "jobs/x.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("jobs/x.toml") && e.contains("cron"), "{e}");
    }

    #[test]
    fn an_unknown_kind_and_bad_calendar_are_refused() {
        let e = parse(
            "name = \"x\"\nkind = \"launch\"\ncron = \"0 * * * * *\"\n",
            "j.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("launch"), "{e}");
        let e = parse(
            "name = \"x\"\nkind = \"early_warning\"\ncron = \"0 0 9 * * *\"\n[params]\nlead_days = [30]\nevaluation_date = \"13-40\"\n",
            "j.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("params.evaluation_date"), "{e}");
    }
}
