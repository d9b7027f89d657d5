//! Activity records entered by a base (or staff) on a page or through the
//! API, and their review: 待审核, 已审核 (then written to activity_records),
//! 退回 with a reason.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::submitted_records as t;
use super::{with_conn, Db};
use crate::domain::{Indicator, Review};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = t)]
pub struct Submission {
    pub id: i64,
    pub base_id: i64,
    pub indicator: Indicator,
    pub occurred_on: NaiveDate,
    pub quantity: i64,
    pub title: String,
    pub evidence_url: String,
    /// 协同单位 (for 百会链千企: the partner society or city association).
    pub partner: String,
    pub review: Review,
    pub entered_by: String,
    pub entered_at: NaiveDateTime,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    /// Why it was returned.
    pub review_reason: String,
    /// The activity record it became once approved.
    pub record_id: Option<i64>,
}

/// What a base enters.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub indicator: Indicator,
    pub occurred_on: NaiveDate,
    pub quantity: i64,
    pub title: String,
    pub evidence_url: String,
    pub partner: String,
}

pub fn insert(db: &mut Db, base_id: i64, e: &Entry, by: &str) -> AppResult<Submission> {
    let id: i64 = with_conn!(db, c => diesel::insert_into(t::table)
        .values((
            t::base_id.eq(base_id),
            t::indicator.eq(e.indicator),
            t::occurred_on.eq(e.occurred_on),
            t::quantity.eq(e.quantity),
            t::title.eq(&e.title),
            t::evidence_url.eq(&e.evidence_url),
            t::partner.eq(&e.partner),
            t::review.eq(Review::Pending),
            t::entered_by.eq(by),
            t::entered_at.eq(super::now()),
            t::review_reason.eq(""),
        ))
        .returning(t::id)
        .get_result(c))?;
    find(db, id)?
        .ok_or_else(|| crate::error::AppError::Compute("the entry just made is gone".into()))
}

pub fn find(db: &mut Db, id: i64) -> AppResult<Option<Submission>> {
    Ok(with_conn!(db, c => t::table
        .find(id)
        .select(Submission::as_select())
        .first(c)
        .optional())?)
}

/// A base's entries dated in `year`, newest first.
pub fn for_base(db: &mut Db, base_id: i64, year: i32) -> AppResult<Vec<Submission>> {
    let (from, to) = (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
    );
    Ok(with_conn!(db, c => t::table
        .filter(t::base_id.eq(base_id))
        .filter(t::occurred_on.between(from, to))
        .order((t::occurred_on.desc(), t::id.desc()))
        .select(Submission::as_select())
        .load(c))?)
}

/// How many of a base's entries dated in `year` wait for review.
pub fn pending_count(db: &mut Db, base_id: i64, year: i32) -> AppResult<i64> {
    let (from, to) = (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
    );
    Ok(with_conn!(db, c => t::table
        .filter(t::base_id.eq(base_id))
        .filter(t::review.eq(Review::Pending))
        .filter(t::occurred_on.between(from, to))
        .count()
        .get_result(c))?)
}

/// Record a review: approved (with the activity record it became) or returned with a reason.
pub fn review(
    db: &mut Db,
    id: i64,
    review: Review,
    reason: &str,
    by: &str,
    record_id: Option<i64>,
) -> AppResult<()> {
    with_conn!(db, c => diesel::update(t::table.find(id))
        .set((
            t::review.eq(review),
            t::review_reason.eq(reason),
            t::reviewed_by.eq(Some(by)),
            t::reviewed_at.eq(Some(super::now())),
            t::record_id.eq(record_id),
        ))
        .execute(c))?;
    Ok(())
}

/// A returned entry, corrected by the base: 待审核 again.
pub fn resubmit(db: &mut Db, id: i64, e: &Entry, by: &str) -> AppResult<()> {
    with_conn!(db, c => diesel::update(t::table.find(id))
        .set((
            t::indicator.eq(e.indicator),
            t::occurred_on.eq(e.occurred_on),
            t::quantity.eq(e.quantity),
            t::title.eq(&e.title),
            t::evidence_url.eq(&e.evidence_url),
            t::partner.eq(&e.partner),
            t::review.eq(Review::Pending),
            t::entered_by.eq(by),
            t::entered_at.eq(super::now()),
        ))
        .execute(c))?;
    Ok(())
}

/// (newest entry, entries waiting): part of the data version.
pub fn version(db: &mut Db) -> AppResult<(i64, i64)> {
    let newest: Option<i64> =
        with_conn!(db, c => t::table.select(diesel::dsl::max(t::id)).first(c))?;
    let waiting: i64 = with_conn!(db, c => t::table
        .filter(t::review.eq(Review::Pending))
        .count()
        .get_result(c))?;
    Ok((newest.unwrap_or(0), waiting))
}

/// Entries waiting for review, of the bases `visible` keeps, oldest first (at most `limit`).
pub fn pending(db: &mut Db, base_ids: Option<&[i64]>, limit: i64) -> AppResult<Vec<Submission>> {
    Ok(match base_ids {
        Some(ids) => with_conn!(db, c => t::table
            .filter(t::review.eq(Review::Pending))
            .filter(t::base_id.eq_any(ids))
            .order(t::id)
            .limit(limit)
            .select(Submission::as_select())
            .load(c))?,
        None => with_conn!(db, c => t::table
            .filter(t::review.eq(Review::Pending))
            .order(t::id)
            .limit(limit)
            .select(Submission::as_select())
            .load(c))?,
    })
}

/// base id → entries waiting for review, for the bases that have any.
pub fn pending_by_base(db: &mut Db) -> AppResult<Vec<(i64, i64)>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::review.eq(Review::Pending))
        .group_by(t::base_id)
        .select((t::base_id, diesel::dsl::count_star()))
        .load(c))?)
}

/// The file attached to an entered record as its evidence.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = super::schema::record_attachments)]
pub struct Attachment {
    pub submission_id: i64,
    #[serde(skip)]
    pub digest: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
}

/// Attach a stored file to an entry (replacing the one before).
pub fn attach(db: &mut Db, a: &Attachment) -> AppResult<()> {
    use super::schema::record_attachments as ra;
    with_conn!(db, c => diesel::delete(ra::table.find(a.submission_id)).execute(c))?;
    with_conn!(db, c => diesel::insert_into(ra::table)
        .values((
            ra::submission_id.eq(a.submission_id),
            ra::digest.eq(&a.digest),
            ra::filename.eq(&a.filename),
            ra::content_type.eq(&a.content_type),
            ra::size.eq(a.size),
        ))
        .execute(c))?;
    Ok(())
}

pub fn attachment(db: &mut Db, submission_id: i64) -> AppResult<Option<Attachment>> {
    use super::schema::record_attachments as ra;
    Ok(with_conn!(db, c => ra::table
        .find(submission_id)
        .select(Attachment::as_select())
        .first(c)
        .optional())?)
}

/// The attachments of the entries `ids` (at most a page of them).
pub fn attachments_of(
    db: &mut Db,
    ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, Attachment>> {
    use super::schema::record_attachments as ra;
    let found: Vec<Attachment> = with_conn!(db, c => ra::table
        .filter(ra::submission_id.eq_any(ids))
        .select(Attachment::as_select())
        .load(c))?;
    Ok(found.into_iter().map(|a| (a.submission_id, a)).collect())
}
