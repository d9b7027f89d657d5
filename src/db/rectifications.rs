//! Rectification orders (责令限期整改): which base, for which year's
//! failure, by when, and how it ended (`open`, `passed`, `proposed`
//! for revocation, `revoked`).

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::rectifications as t;
use super::{with_conn, Db};
use crate::domain::{Proposal, RectificationOutcome as Outcome};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Rectification {
    pub id: i64,
    pub base_id: i64,
    pub year: i32,
    pub ordered_on: NaiveDate,
    pub deadline: NaiveDate,
    pub ordered_by: String,
    pub outcome: Outcome,
    pub decided_on: Option<NaiveDate>,
    pub decided_by: String,
    /// What the order named as missing, one item per line (第十条's words).
    pub shortfalls: String,
    /// Why staff ordered it (the API's `reason`; empty from the page's list).
    pub reason: String,
    /// What the re-check at the deadline proposed (staff decide).
    pub proposal: Option<Proposal>,
    /// The deadline before the one extension, if it was extended.
    pub extended_from: Option<NaiveDate>,
    /// Staff's reason for the decision or the extension.
    pub decision_reason: String,
    /// For an order on documents not submitted (第十四条(四)): their kinds,
    /// comma-separated; empty for a failed year's indicators.
    pub missing_documents: String,
}

impl Rectification {
    /// Waiting for staff: open, or re-checked with a proposal.
    pub fn is_pending(&self) -> bool {
        matches!(self.outcome, Outcome::Open | Outcome::Proposed)
    }
}

/// An order as staff give it.
pub struct NewOrder<'a> {
    pub base_id: i64,
    pub year: i32,
    pub ordered_on: NaiveDate,
    pub deadline: NaiveDate,
    pub by: &'a str,
    pub shortfalls: &'a str,
    pub reason: &'a str,
    pub missing_documents: &'a str,
}

/// Record an order; false if this base was already ordered for this year.
pub fn create(db: &mut Db, o: &NewOrder) -> AppResult<bool> {
    let n = with_conn!(db, c => diesel::insert_into(t::table)
        .values((
            t::base_id.eq(o.base_id),
            t::year.eq(o.year),
            t::ordered_on.eq(o.ordered_on),
            t::deadline.eq(o.deadline),
            t::ordered_by.eq(o.by),
            t::outcome.eq(Outcome::Open),
            t::decided_by.eq(""),
            t::shortfalls.eq(o.shortfalls),
            t::reason.eq(o.reason),
            t::missing_documents.eq(o.missing_documents),
        ))
        .on_conflict((t::base_id, t::year))
        .do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// base id → deadline of its open order.
pub fn open_deadlines(db: &mut Db) -> AppResult<std::collections::HashMap<i64, NaiveDate>> {
    Ok(with_outcome(db, Outcome::Open)?
        .into_iter()
        .map(|o| (o.base_id, o.deadline))
        .collect())
}

/// Orders with this outcome.
pub fn with_outcome(db: &mut Db, outcome: Outcome) -> AppResult<Vec<Rectification>> {
    Ok(
        with_conn!(db, c => t::table.filter(t::outcome.eq(outcome)).order(t::deadline).load::<Rectification>(c))?,
    )
}

/// The orders a year's report lists: those for the year's result, and
/// older ones still pending or decided since the year began; by year, then
/// order date.
pub fn for_report(db: &mut Db, year: i32) -> AppResult<Vec<Rectification>> {
    let since = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    Ok(with_conn!(db, c => t::table
        .filter(
            t::year
                .eq(year)
                .or(t::year.lt(year).and(
                    t::decided_on
                        .ge(since)
                        .or(t::outcome.eq_any([Outcome::Open, Outcome::Proposed])),
                )),
        )
        .order((t::year, t::ordered_on, t::id))
        .load::<Rectification>(c))?)
}

pub fn find(db: &mut Db, id: i64) -> AppResult<Option<Rectification>> {
    Ok(with_conn!(db, c => t::table.find(id).first::<Rectification>(c).optional())?)
}

/// Close an order with an outcome, and staff's reason.
pub fn decide(
    db: &mut Db,
    id: i64,
    outcome: Outcome,
    on: NaiveDate,
    by: &str,
    reason: &str,
) -> AppResult<()> {
    with_conn!(db, c => diesel::update(t::table.find(id))
        .set((
            t::outcome.eq(outcome),
            t::decided_on.eq(Some(on)),
            t::decided_by.eq(by),
            t::decision_reason.eq(reason),
        ))
        .execute(c))?;
    Ok(())
}

/// The re-check's proposal: the order waits for staff.
pub fn propose(db: &mut Db, id: i64, proposal: Proposal) -> AppResult<()> {
    with_conn!(db, c => diesel::update(t::table.find(id))
        .set((t::outcome.eq(Outcome::Proposed), t::proposal.eq(Some(proposal))))
        .execute(c))?;
    Ok(())
}

/// The one extension: a new deadline, the old one kept, the order open again.
pub fn extend(db: &mut Db, o: &Rectification, deadline: NaiveDate, reason: &str) -> AppResult<()> {
    with_conn!(db, c => diesel::update(t::table.find(o.id))
        .set((
            t::deadline.eq(deadline),
            t::extended_from.eq(Some(o.deadline)),
            t::outcome.eq(Outcome::Open),
            t::proposal.eq(None::<Proposal>),
            t::decision_reason.eq(reason),
        ))
        .execute(c))?;
    Ok(())
}

/// A base's order still waiting for staff (open or proposed), if any.
pub fn pending_for_base(db: &mut Db, base_id: i64) -> AppResult<Option<Rectification>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::base_id.eq(base_id))
        .filter(t::outcome.eq_any([Outcome::Open, Outcome::Proposed]))
        .order(t::id.desc())
        .first::<Rectification>(c)
        .optional())?)
}
