//! Stored evaluations: each run of the compliance engine, with the rulebook
//! version it used, and its scorecard rows.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{evaluation_rows as r, evaluations as t};
use super::{with_conn, Db};
use crate::domain::{Indicator, Pace, Source};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Evaluation {
    pub id: i64,
    pub year: i32,
    pub as_of: NaiveDate,
    pub rulebook: String,
    pub computed_at: chrono::NaiveDateTime,
    pub base_count: i64,
    pub pass_count: i64,
    /// SHA-256 of the scorecard's rows: the same result is stored once.
    pub digest: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = r)]
pub struct NewRow {
    pub evaluation_id: i64,
    pub base_id: i64,
    pub indicator: Indicator,
    pub actual: Option<i64>,
    pub target: i64,
    pub gap: i64,
    pub met: bool,
    pub pace: Option<Pace>,
    pub source: Source,
    pub disagreement: bool,
    pub base_pass: bool,
}

/// What an evaluation says of itself.
pub struct Summary<'a> {
    pub year: i32,
    pub as_of: NaiveDate,
    pub rulebook: &'a str,
    pub base_count: i64,
    pub pass_count: i64,
    pub digest: &'a str,
}

/// The newest stored evaluation of `year` with this rulebook and as-of date.
pub fn latest(
    db: &mut Db,
    year: i32,
    as_of: NaiveDate,
    rulebook: &str,
) -> AppResult<Option<Evaluation>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::year.eq(year))
        .filter(t::as_of.eq(as_of))
        .filter(t::rulebook.eq(rulebook))
        .order(t::id.desc())
        .first::<Evaluation>(c)
        .optional())?)
}

/// Store one evaluation and its rows; returns its id.
pub fn store(db: &mut Db, s: &Summary, rows: impl Iterator<Item = NewRow>) -> AppResult<i64> {
    let Summary {
        year,
        as_of,
        rulebook,
        base_count,
        pass_count,
        digest,
    } = *s;
    let id: i64 = with_conn!(db, c => diesel::insert_into(t::table)
        .values((
            t::year.eq(year),
            t::as_of.eq(as_of),
            t::rulebook.eq(rulebook),
            t::computed_at.eq(super::now()),
            t::base_count.eq(base_count),
            t::pass_count.eq(pass_count),
            t::digest.eq(digest),
        ))
        .returning(t::id)
        .get_result(c))?;
    // Eleven binds a row: 2,900 rows stay under SQLite's 32,766.
    const ROWS: usize = 2900;
    let mut batch = Vec::with_capacity(ROWS);
    for mut row in rows {
        row.evaluation_id = id;
        batch.push(row);
        if batch.len() == ROWS {
            with_conn!(db, c => diesel::insert_into(r::table).values(&batch).execute(c))?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        with_conn!(db, c => diesel::insert_into(r::table).values(&batch).execute(c))?;
    }
    Ok(id)
}

/// The evaluations of a year, newest first.
pub fn for_year(db: &mut Db, year: i32) -> AppResult<Vec<Evaluation>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::year.eq(year))
        .order(t::id.desc())
        .load::<Evaluation>(c))?)
}

/// How many rows an evaluation stored.
pub fn row_count(db: &mut Db, evaluation_id: i64) -> AppResult<i64> {
    Ok(with_conn!(db, c => r::table
        .filter(r::evaluation_id.eq(evaluation_id))
        .count()
        .get_result(c))?)
}

/// One stored scorecard row.
#[derive(Debug, Clone, Queryable)]
pub struct StoredRow {
    pub base_id: i64,
    pub indicator: Indicator,
    pub actual: Option<i64>,
    pub target: i64,
    pub gap: i64,
    pub met: bool,
    pub pace: Option<Pace>,
    pub source: Source,
    pub disagreement: bool,
    pub base_pass: bool,
}

/// An evaluation's rows in the order they were stored (the scorecard's),
/// for `only` these bases when given.
pub fn rows(db: &mut Db, evaluation_id: i64, only: Option<&[i64]>) -> AppResult<Vec<StoredRow>> {
    let cols = (
        r::base_id,
        r::indicator,
        r::actual,
        r::target,
        r::gap,
        r::met,
        r::pace,
        r::source,
        r::disagreement,
        r::base_pass,
    );
    Ok(match only {
        Some(ids) => with_conn!(db, c => r::table
            .filter(r::evaluation_id.eq(evaluation_id))
            .filter(r::base_id.eq_any(ids))
            .order(r::id)
            .select(cols)
            .load::<StoredRow>(c))?,
        None => with_conn!(db, c => r::table
            .filter(r::evaluation_id.eq(evaluation_id))
            .order(r::id)
            .select(cols)
            .load::<StoredRow>(c))?,
    })
}

pub fn get(db: &mut Db, id: i64) -> AppResult<Option<Evaluation>> {
    Ok(with_conn!(db, c => t::table.find(id).first::<Evaluation>(c).optional())?)
}
