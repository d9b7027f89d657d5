//! Activity records (活动明细): one row per activity, the evidence behind a
//! count. Each has a stable key per base (its external id, or a digest of
//! its content), so the same activity is never stored twice.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::schema::activity_records as t;
use super::{with_conn, Db};
use crate::error::AppResult;

#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = t)]
pub struct NewRecord {
    pub base_id: i64,
    pub indicator: String,
    pub occurred_on: NaiveDate,
    pub year: i32,
    pub quantity: i64,
    pub title: String,
    pub evidence_url: String,
    pub external_id: Option<String>,
    pub record_key: String,
    pub import_id: i64,
}

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Record {
    pub id: i64,
    pub base_id: i64,
    pub indicator: String,
    pub occurred_on: NaiveDate,
    pub year: i32,
    pub quantity: i64,
    pub title: String,
    pub evidence_url: String,
    pub external_id: Option<String>,
    pub record_key: String,
    pub import_id: i64,
}

/// What one batch did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// What one batch did, and which of its rows repeat a record that this same
/// import already stored (the file carries the activity twice).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchResult {
    pub written: Written,
    pub repeated: Vec<usize>,
}

/// Store a batch: new keys are inserted in one statement, a known key whose
/// content changed (a corrected record with the same external id) is
/// updated, an identical record is left alone.
pub fn write_batch(db: &mut Db, batch: &[NewRecord]) -> AppResult<BatchResult> {
    let mut w = Written::default();
    let mut repeated = Vec::new();
    if batch.is_empty() {
        return Ok(BatchResult::default());
    }
    let ids: Vec<i64> = batch.iter().map(|r| r.base_id).collect();
    let keys: Vec<&str> = batch.iter().map(|r| r.record_key.as_str()).collect();
    type Existing = (
        i64,
        i64,
        String,
        String,
        NaiveDate,
        i64,
        String,
        String,
        i64,
    );
    let found: Vec<Existing> = with_conn!(db, c => t::table
        .filter(t::base_id.eq_any(&ids))
        .filter(t::record_key.eq_any(&keys))
        .select((
            t::id,
            t::base_id,
            t::record_key,
            t::indicator,
            t::occurred_on,
            t::quantity,
            t::title,
            t::evidence_url,
            t::import_id,
        ))
        .load(c))?;
    let known: HashMap<(i64, &str), &Existing> =
        found.iter().map(|e| ((e.1, e.2.as_str()), e)).collect();
    let mut fresh = Vec::new();
    for (k, r) in batch.iter().enumerate() {
        match known.get(&(r.base_id, r.record_key.as_str())) {
            None => fresh.push(r),
            Some(e) if e.8 == r.import_id => repeated.push(k),
            Some(e) => {
                let same = e.3 == r.indicator
                    && e.4 == r.occurred_on
                    && e.5 == r.quantity
                    && e.6 == r.title
                    && e.7 == r.evidence_url;
                if same {
                    w.unchanged += 1;
                } else {
                    with_conn!(db, c => diesel::update(t::table.find(e.0))
                        .set((
                            t::indicator.eq(&r.indicator),
                            t::occurred_on.eq(r.occurred_on),
                            t::year.eq(r.year),
                            t::quantity.eq(r.quantity),
                            t::title.eq(&r.title),
                            t::evidence_url.eq(&r.evidence_url),
                            t::import_id.eq(r.import_id),
                        ))
                        .execute(c))?;
                    w.updated += 1;
                }
            }
        }
    }
    let fresh: Vec<&NewRecord> = fresh;
    for chunk in fresh.chunks(super::BATCH_ROWS) {
        let rows: Vec<&NewRecord> = chunk.to_vec();
        w.inserted += with_conn!(db, c => diesel::insert_into(t::table)
            .values(rows.iter().map(|r| (*r).clone()).collect::<Vec<_>>())
            .execute(c))?;
    }
    Ok(BatchResult {
        written: w,
        repeated,
    })
}

/// (base_id, indicator, total quantity) for `year` up to `as_of`, summed by
/// the database so that millions of records never leave it.
pub fn totals_for_year(
    db: &mut Db,
    year: i32,
    as_of: NaiveDate,
) -> AppResult<Vec<(i64, String, i64)>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::year.eq(year))
        .filter(t::occurred_on.le(as_of))
        .group_by((t::base_id, t::indicator))
        .select((t::base_id, t::indicator, sql::<BigInt>("CAST(SUM(quantity) AS BIGINT)")))
        .load(c))?)
}

/// One base's records of a year, newest first.
pub fn for_base(db: &mut Db, base_id: i64, year: i32) -> AppResult<Vec<Record>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::base_id.eq(base_id))
        .filter(t::year.eq(year))
        .order((t::occurred_on.desc(), t::id.desc()))
        .load::<Record>(c))?)
}

/// How many records are stored (all years).
pub fn count(db: &mut Db) -> AppResult<i64> {
    Ok(with_conn!(db, c => t::table.count().get_result(c))?)
}
