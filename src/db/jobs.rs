//! Job runs: one row per job and scheduled time. Inserting the row is the
//! claim — the unique (job, scheduled_for) key makes each scheduled run
//! happen once however many instances share the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::job_runs as t;
use super::{now, with_conn, Db};
use crate::domain::RunOutcome;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Run {
    pub id: i64,
    pub job: String,
    pub scheduled_for: NaiveDateTime,
    pub claimed_by: String,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub outcome: RunOutcome,
    pub counts: String,
    pub message: String,
}

/// Claim the run of `job` scheduled for `at`; `None` if someone already has it.
pub fn claim(db: &mut Db, job: &str, at: NaiveDateTime, instance: &str) -> AppResult<Option<i64>> {
    Ok(with_conn!(db, c => diesel::insert_into(t::table)
        .values((
            t::job.eq(job),
            t::scheduled_for.eq(at),
            t::claimed_by.eq(instance),
            t::started_at.eq(now()),
            t::outcome.eq(RunOutcome::Running),
            t::counts.eq("{}"),
            t::message.eq(""),
        ))
        .on_conflict((t::job, t::scheduled_for))
        .do_nothing()
        .returning(t::id)
        .get_result::<i64>(c)
        .optional())?)
}

pub fn finish(
    db: &mut Db,
    id: i64,
    outcome: RunOutcome,
    counts: &str,
    message: &str,
) -> AppResult<()> {
    with_conn!(db, c => diesel::update(t::table.find(id))
        .set((
            t::finished_at.eq(Some(now())),
            t::outcome.eq(outcome),
            t::counts.eq(counts),
            t::message.eq(message),
        ))
        .execute(c))?;
    Ok(())
}

/// The latest scheduled time claimed for `job`.
pub fn last_scheduled(db: &mut Db, job: &str) -> AppResult<Option<NaiveDateTime>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::job.eq(job))
        .select(diesel::dsl::max(t::scheduled_for))
        .first::<Option<NaiveDateTime>>(c))?)
}

/// The most recent runs, newest first.
pub fn recent(db: &mut Db, limit: i64) -> AppResult<Vec<Run>> {
    Ok(with_conn!(db, c => t::table.order(t::id.desc()).limit(limit).load::<Run>(c))?)
}

/// Mark runs still `running` after `hours` as abandoned (their process died);
/// the job's effects are keyed, so its next run picks up what is missing.
pub fn abandon_stale(db: &mut Db, hours: i64) -> AppResult<usize> {
    let cutoff = now() - chrono::Duration::hours(hours);
    Ok(with_conn!(db, c => diesel::update(
        t::table.filter(t::outcome.eq(RunOutcome::Running)).filter(t::started_at.lt(cutoff)),
    )
    .set((
        t::outcome.eq(RunOutcome::Abandoned),
        t::message.eq("运行中断（进程退出），下次运行将补齐 (interrupted; the next run completes it)"),
    ))
    .execute(c))?)
}

/// One page of runs (newest first unless `oldest_first`), optionally of one
/// job and one outcome, and the number of runs that match.
pub fn page(
    db: &mut Db,
    job: Option<&str>,
    outcome: Option<RunOutcome>,
    oldest_first: bool,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<Run>, i64)> {
    Ok(with_conn!(db, c => {
        let mut q = t::table.into_boxed();
        let mut n = t::table.count().into_boxed();
        if let Some(j) = job {
            q = q.filter(t::job.eq(j));
            n = n.filter(t::job.eq(j));
        }
        if let Some(o) = outcome {
            q = q.filter(t::outcome.eq(o));
            n = n.filter(t::outcome.eq(o));
        }
        q = if oldest_first { q.order(t::id) } else { q.order(t::id.desc()) };
        let rows = q.offset(offset).limit(limit).load::<Run>(c)?;
        n.get_result::<i64>(c).map(|n| (rows, n))
    })?)
}
