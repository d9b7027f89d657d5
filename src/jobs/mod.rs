//! Scheduled jobs: defined in `jobs/*.toml` (cron expressions in
//! Asia/Shanghai time, validated at start-up), run by one scheduler task
//! inside `basewatch serve` or on demand by `basewatch jobs run`. Every run
//! is a row in `job_runs`; claiming that row (unique per job and scheduled
//! time) makes each scheduled run happen once across instances. Each job is
//! safe to run twice: effects go through keyed rows (outbox, imports).

mod kinds;
pub mod scheduler;

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};

use crate::config::Settings;
use crate::db::{self, Db};
use crate::domain::RunOutcome;
use crate::error::AppResult;

pub use crate::config::jobs::{evaluation_day, load, parse, Job, Kind, WarningParams};

/// What a run did: counts by name and a message for people.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct RunReport {
    pub counts: BTreeMap<String, i64>,
    pub message: String,
}

impl RunReport {
    pub fn add(&mut self, key: &str, n: i64) {
        *self.counts.entry(key.to_string()).or_default() += n;
    }
}

/// Run `job` now as of `as_of`, recording the run under `scheduled_for`
/// (claimed first: `None` if another instance has this run).
pub fn run(
    db: &mut Db,
    settings: &Settings,
    job: &Job,
    as_of: NaiveDate,
    scheduled_for: NaiveDateTime,
    instance: &str,
) -> AppResult<Option<RunReport>> {
    let Some(run_id) = db::jobs::claim(db, &job.name, scheduled_for, instance)? else {
        return Ok(None);
    };
    let result = kinds::run(db, settings, job, as_of);
    let (outcome, report) = match &result {
        Ok(r) => (RunOutcome::Ok, r.clone()),
        Err(e) => (
            RunOutcome::Failed,
            RunReport {
                counts: BTreeMap::new(),
                message: e.to_string(),
            },
        ),
    };
    let counts = serde_json::to_string(&report.counts).unwrap_or_else(|_| "{}".into());
    db::jobs::finish(db, run_id, outcome, &counts, &report.message)?;
    result.map(Some)
}
