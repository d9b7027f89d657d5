//! The email outbox: every message is a row first, keyed by why it is sent
//! (reason, base, period, stage), so the same message is never queued twice;
//! delivery claims rows with a lease, retries with backoff and gives up
//! (status `failed`, with the error) after a number of tries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::outbox as t;
use super::{now, with_conn, Db};
use crate::domain::MailStatus;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Mail {
    pub id: i64,
    pub dedupe_key: String,
    pub reason: String,
    pub base_id: Option<i64>,
    /// Comma-separated addresses.
    pub recipients: String,
    pub cc: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    #[serde(skip)]
    pub attachment: Option<Vec<u8>>,
    pub status: MailStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

pub struct NewMail<'a> {
    pub dedupe_key: &'a str,
    pub reason: &'a str,
    pub base_id: Option<i64>,
    pub recipients: &'a str,
    pub cc: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub attachment: Option<&'a [u8]>,
}

/// Queue a message unless one with the same key exists; true if queued now.
pub fn enqueue(db: &mut Db, m: &NewMail) -> AppResult<bool> {
    let ts = now();
    let n = with_conn!(db, c => diesel::insert_into(t::table)
        .values((
            t::dedupe_key.eq(m.dedupe_key),
            t::reason.eq(m.reason),
            t::base_id.eq(m.base_id),
            t::recipients.eq(m.recipients),
            t::cc.eq(m.cc),
            t::subject.eq(m.subject),
            t::body_text.eq(m.body_text),
            t::body_html.eq(m.body_html),
            t::attachment.eq(m.attachment),
            t::status.eq(MailStatus::Queued),
            t::attempts.eq(0),
            t::next_attempt_at.eq(ts),
            t::last_error.eq(""),
            t::created_at.eq(ts),
        ))
        .on_conflict(t::dedupe_key)
        .do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// Messages due for a delivery attempt (queued, or whose sending lease ran out).
pub fn due(db: &mut Db, limit: i64) -> AppResult<Vec<Mail>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::status.eq_any([MailStatus::Queued, MailStatus::Sending]))
        .filter(t::next_attempt_at.le(now()))
        .order(t::id)
        .limit(limit)
        .load::<Mail>(c))?)
}

/// Take a message for sending for `lease_secs`; false if another deliverer has it.
pub fn claim(db: &mut Db, id: i64, lease_secs: i64) -> AppResult<bool> {
    let ts = now();
    let n = with_conn!(db, c => diesel::update(
        t::table
            .filter(t::id.eq(id))
            .filter(t::status.eq_any([MailStatus::Queued, MailStatus::Sending]))
            .filter(t::next_attempt_at.le(ts)),
    )
    .set((
        t::status.eq(MailStatus::Sending),
        t::next_attempt_at.eq(ts + chrono::Duration::seconds(lease_secs)),
    ))
    .execute(c))?;
    Ok(n == 1)
}

pub fn mark_sent(db: &mut Db, id: i64) -> AppResult<()> {
    with_conn!(db, c => diesel::update(t::table.find(id))
        .set((t::status.eq(MailStatus::Sent), t::sent_at.eq(Some(now())), t::last_error.eq("")))
        .execute(c))?;
    Ok(())
}

/// Record a failed attempt: retry after `backoff_secs`, or give up after `max_attempts`.
pub fn mark_failed(
    db: &mut Db,
    id: i64,
    error: &str,
    max_attempts: i32,
    backoff_secs: i64,
) -> AppResult<MailStatus> {
    let before: i32 = with_conn!(db, c => t::table.find(id).select(t::attempts).first::<i32>(c))?;
    let attempts = before + 1;
    let status = if attempts >= max_attempts {
        MailStatus::Failed
    } else {
        MailStatus::Queued
    };
    with_conn!(db, c => diesel::update(t::table.find(id))
        .set((
            t::status.eq(status),
            t::attempts.eq(attempts),
            t::last_error.eq(error),
            t::next_attempt_at.eq(now() + chrono::Duration::seconds(backoff_secs)),
        ))
        .execute(c))?;
    Ok(status)
}

/// Send a message again now (staff's resend): a failed one starts over with
/// fresh attempts; a queued or stuck one stops waiting for its backoff or lease.
pub fn resend(db: &mut Db, id: i64) -> AppResult<bool> {
    let ts = now();
    let n = with_conn!(db, c => diesel::update(t::table.find(id).filter(t::status.eq(MailStatus::Failed)))
        .set((t::status.eq(MailStatus::Queued), t::attempts.eq(0), t::next_attempt_at.eq(ts)))
        .execute(c))?;
    let m = with_conn!(db, c => diesel::update(
        t::table.find(id).filter(t::status.eq_any([MailStatus::Queued, MailStatus::Sending])),
    )
    .set((t::status.eq(MailStatus::Queued), t::next_attempt_at.eq(ts)))
    .execute(c))?;
    Ok(n + m > 0)
}

/// The most recent messages, newest first.
pub fn recent(db: &mut Db, limit: i64) -> AppResult<Vec<Mail>> {
    Ok(with_conn!(db, c => t::table.order(t::id.desc()).limit(limit).load::<Mail>(c))?)
}

/// One page of messages (newest first unless `oldest_first`), with an
/// optional status, and the number of messages that match.
pub fn page(
    db: &mut Db,
    status: Option<MailStatus>,
    oldest_first: bool,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<Mail>, i64)> {
    Ok(with_conn!(db, c => {
        let mut q = t::table.into_boxed();
        let mut n = t::table.count().into_boxed();
        if let Some(s) = status {
            q = q.filter(t::status.eq(s));
            n = n.filter(t::status.eq(s));
        }
        q = if oldest_first { q.order(t::id) } else { q.order(t::id.desc()) };
        let rows = q.offset(offset).limit(limit).load::<Mail>(c)?;
        n.get_result::<i64>(c).map(|n| (rows, n))
    })?)
}
