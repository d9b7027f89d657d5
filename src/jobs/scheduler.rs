//! The scheduler: one task beside the web server, on the same runtime. Every
//! 20 seconds it looks for jobs whose cron time has come (Asia/Shanghai),
//! claims each run in the database and runs it on the blocking pool.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Job;
use crate::config::Settings;
use crate::db::Pool;

/// Run due jobs forever (until the runtime stops).
pub async fn run(settings: Settings, pool: Pool, jobs: Vec<Job>, instance: String) {
    let settings = Arc::new(settings);
    // Start from now: a restarted server does not replay missed runs, it
    // takes the next ones (a job can be run by hand with `jobs run`).
    let mut since: HashMap<String, DateTime<Utc>> =
        jobs.iter().map(|j| (j.name.clone(), Utc::now())).collect();
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(20));
    loop {
        ticker.tick().await;
        let now = Utc::now();
        let p = pool.clone();
        let _ = tokio::task::spawn_blocking(move || {
            crate::db::checkout(&p).and_then(|mut db| crate::db::jobs::abandon_stale(&mut db, 2))
        })
        .await;
        for job in &jobs {
            let from = since.get(&job.name).copied().unwrap_or(now);
            // The latest due time only: a long pause runs a job once, not once per missed slot.
            let due = job
                .schedule
                .after(&from.with_timezone(&crate::TZ))
                .take_while(|t| t.with_timezone(&Utc) <= now)
                .last();
            since.insert(job.name.clone(), now);
            let Some(at) = due else { continue };
            let (settings, pool, job, instance) = (
                settings.clone(),
                pool.clone(),
                job.clone(),
                instance.clone(),
            );
            tokio::task::spawn_blocking(move || {
                let at_utc = at.with_timezone(&Utc).naive_utc();
                let as_of = at.date_naive();
                let result = crate::db::checkout(&pool).and_then(|mut db| {
                    super::run(&mut db, &settings, &job, as_of, at_utc, &instance)
                });
                match result {
                    Ok(Some(r)) => tracing::info!("job {} ran: {}", job.name, r.message),
                    Ok(None) => tracing::debug!("job {} at {at} ran elsewhere", job.name),
                    Err(e) => tracing::error!("job {} failed: {e}", job.name),
                }
            });
        }
    }
}
