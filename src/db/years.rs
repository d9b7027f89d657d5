//! Confirmed years (定稿): which stored evaluation is a year's result, and
//! every confirmation and reopening with who, when and why.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{year_result_changes as h, year_results as t};
use super::{with_conn, Db};
use crate::domain::{YearAction, YearStatus};
use crate::error::AppResult;

/// A year that staff have confirmed or reopened (a year never acted on has no row).
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = t)]
pub struct YearResult {
    pub year: i32,
    pub status: YearStatus,
    pub evaluation_id: Option<i64>,
    pub rulebook: String,
    pub confirmed_at: Option<NaiveDateTime>,
    pub confirmed_by: Option<String>,
}

/// One confirmation or reopening.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = h)]
pub struct YearChange {
    pub id: i64,
    pub year: i32,
    pub action: YearAction,
    pub reason: String,
    pub changed_by: String,
    pub changed_at: NaiveDateTime,
}

pub fn get(db: &mut Db, year: i32) -> AppResult<Option<YearResult>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::year.eq(year))
        .select(YearResult::as_select())
        .first(c)
        .optional())?)
}

/// The years whose result stands, in order.
pub fn confirmed(db: &mut Db) -> AppResult<Vec<YearResult>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::status.eq(YearStatus::Confirmed))
        .order(t::year)
        .select(YearResult::as_select())
        .load(c))?)
}

fn log(db: &mut Db, year: i32, action: YearAction, reason: &str, by: &str) -> AppResult<()> {
    with_conn!(db, c => diesel::insert_into(h::table)
        .values((
            h::year.eq(year),
            h::action.eq(action),
            h::reason.eq(reason),
            h::changed_by.eq(by),
            h::changed_at.eq(super::now()),
        ))
        .execute(c))?;
    Ok(())
}

/// Record `year` as confirmed with `evaluation_id` as its result.
pub fn confirm(
    db: &mut Db,
    year: i32,
    evaluation_id: i64,
    rulebook: &str,
    by: &str,
) -> AppResult<()> {
    let now = super::now();
    let row = (
        t::year.eq(year),
        t::status.eq(YearStatus::Confirmed),
        t::evaluation_id.eq(Some(evaluation_id)),
        t::rulebook.eq(rulebook),
        t::confirmed_at.eq(Some(now)),
        t::confirmed_by.eq(Some(by)),
    );
    with_conn!(db, c => diesel::insert_into(t::table)
        .values(row)
        .on_conflict(t::year)
        .do_update()
        .set((
            t::status.eq(YearStatus::Confirmed),
            t::evaluation_id.eq(Some(evaluation_id)),
            t::rulebook.eq(rulebook),
            t::confirmed_at.eq(Some(now)),
            t::confirmed_by.eq(Some(by)),
        ))
        .execute(c))?;
    log(db, year, YearAction::Confirm, "", by)
}

/// Record `year` as open again, with the reason.
pub fn reopen(db: &mut Db, year: i32, reason: &str, by: &str) -> AppResult<()> {
    with_conn!(db, c => diesel::update(t::table.filter(t::year.eq(year)))
        .set((
            t::status.eq(YearStatus::Open),
            t::evaluation_id.eq(None::<i64>),
        ))
        .execute(c))?;
    log(db, year, YearAction::Reopen, reason, by)
}

/// A year's confirmations and reopenings, oldest first.
pub fn history(db: &mut Db, year: i32) -> AppResult<Vec<YearChange>> {
    Ok(with_conn!(db, c => h::table
        .filter(h::year.eq(year))
        .order(h::id)
        .select(YearChange::as_select())
        .load(c))?)
}

/// The newest change to any year (part of the data version caches follow).
pub fn last_change(db: &mut Db) -> AppResult<i64> {
    let id: Option<i64> = with_conn!(db, c => h::table.select(diesel::dsl::max(h::id)).first(c))?;
    Ok(id.unwrap_or(0))
}
