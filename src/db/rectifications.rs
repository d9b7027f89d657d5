//! Rectification orders (责令限期整改): which base, for which year's
//! failure, by when, and how it ended (`open`, `passed`, `proposed`
//! for revocation, `revoked`).

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::rectifications as t;
use super::{with_conn, Db};
use crate::domain::RectificationOutcome as Outcome;
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
}

/// Record an order; false if this base was already ordered for this year.
pub fn create(
    db: &mut Db,
    base_id: i64,
    year: i32,
    ordered_on: NaiveDate,
    deadline: NaiveDate,
    by: &str,
) -> AppResult<bool> {
    let n = with_conn!(db, c => diesel::insert_into(t::table)
        .values((
            t::base_id.eq(base_id),
            t::year.eq(year),
            t::ordered_on.eq(ordered_on),
            t::deadline.eq(deadline),
            t::ordered_by.eq(by),
            t::outcome.eq(Outcome::Open),
            t::decided_by.eq(""),
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

pub fn find(db: &mut Db, id: i64) -> AppResult<Option<Rectification>> {
    Ok(with_conn!(db, c => t::table.find(id).first::<Rectification>(c).optional())?)
}

/// Close an order with an outcome.
pub fn decide(db: &mut Db, id: i64, outcome: Outcome, on: NaiveDate, by: &str) -> AppResult<()> {
    with_conn!(db, c => diesel::update(t::table.find(id))
        .set((t::outcome.eq(outcome), t::decided_on.eq(Some(on)), t::decided_by.eq(by)))
        .execute(c))?;
    Ok(())
}
