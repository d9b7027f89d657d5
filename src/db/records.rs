//! Activity records (活动明细): one row per activity, the evidence behind a
//! count. Each has a stable key per base (its external id, or a digest of
//! its content), so the same activity is never stored twice.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl::{max, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};
use diesel::upsert::excluded;

use super::schema::{activity_records as t, record_totals as tt};
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

/// Rows per multi-row INSERT: ten binds a row stays under SQLite's limit
/// of 32,766 bind parameters.
const INSERT_ROWS: usize = 3000;

/// Store a batch: new keys are inserted in one statement, a known key whose
/// content changed (a corrected record with the same external id) is
/// updated, an identical record is left alone. `record_totals` follows in
/// the same transaction.
pub fn write_batch(db: &mut Db, batch: &[NewRecord]) -> AppResult<BatchResult> {
    let mut w = Written::default();
    let mut repeated = Vec::new();
    if batch.is_empty() {
        return Ok(BatchResult::default());
    }
    type Existing = (
        i64,
        i64,
        String,
        String,
        NaiveDate,
        i32,
        i64,
        String,
        String,
        i64,
    );
    // record_key leads the unique index, so this is one probe per key
    // (a key shared by two bases, an external id, comes back twice and is
    // told apart by base below).
    let mut found: Vec<Existing> = Vec::new();
    for chunk in batch.chunks(INSERT_ROWS * 3) {
        let keys: Vec<&str> = chunk.iter().map(|r| r.record_key.as_str()).collect();
        found.extend(with_conn!(db, c => t::table
            .filter(t::record_key.eq_any(&keys))
            .select((
                t::id,
                t::base_id,
                t::record_key,
                t::indicator,
                t::occurred_on,
                t::year,
                t::quantity,
                t::title,
                t::evidence_url,
                t::import_id,
            ))
            .load::<Existing>(c))?);
    }
    let known: HashMap<(i64, &str), &Existing> =
        found.iter().map(|e| ((e.1, e.2.as_str()), e)).collect();
    let mut totals = Totals::default();
    let mut fresh: Vec<&NewRecord> = Vec::new();
    for (k, r) in batch.iter().enumerate() {
        match known.get(&(r.base_id, r.record_key.as_str())) {
            None => {
                totals.add(r.base_id, r.year, &r.indicator, r.quantity, 1, r.occurred_on);
                fresh.push(r);
            }
            Some(e) if e.9 == r.import_id => repeated.push(k),
            Some(e) => {
                let same = e.3 == r.indicator
                    && e.4 == r.occurred_on
                    && e.6 == r.quantity
                    && e.7 == r.title
                    && e.8 == r.evidence_url;
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
                    totals.add(e.1, e.5, &e.3, -e.6, -1, e.4);
                    totals.add(r.base_id, r.year, &r.indicator, r.quantity, 1, r.occurred_on);
                    w.updated += 1;
                }
            }
        }
    }
    for chunk in fresh.chunks(INSERT_ROWS) {
        w.inserted += with_conn!(db, c => diesel::insert_into(t::table)
            .values(chunk.to_vec())
            .execute(c))?;
    }
    totals.write(db)?;
    Ok(BatchResult {
        written: w,
        repeated,
    })
}

/// Changes to `record_totals` gathered over one batch:
/// (year, base, indicator) → (quantity, records, latest date).
#[derive(Default)]
struct Totals<'a>(HashMap<(i32, i64, &'a str), (i64, i64, NaiveDate)>);

impl<'a> Totals<'a> {
    fn add(&mut self, base: i64, year: i32, ind: &'a str, qty: i64, n: i64, on: NaiveDate) {
        let e = self.0.entry((year, base, ind)).or_insert((0, 0, on));
        e.0 += qty;
        e.1 += n;
        e.2 = e.2.max(on);
    }

    fn write(self, db: &mut Db) -> AppResult<()> {
        let rows: Vec<_> = self
            .0
            .into_iter()
            .filter(|(_, v)| v.0 != 0 || v.1 != 0)
            .map(|((year, base, ind), (qty, n, on))| {
                (
                    tt::year.eq(year),
                    tt::base_id.eq(base),
                    tt::indicator.eq(ind),
                    tt::quantity.eq(qty),
                    tt::records.eq(n),
                    tt::last_on.eq(on),
                )
            })
            .collect();
        // The latest date only grows: a corrected record that moves earlier
        // leaves it high, which only sends an as-of evaluation to the records.
        for chunk in rows.chunks(super::BATCH_ROWS) {
            with_conn!(db, c => diesel::insert_into(tt::table)
                .values(chunk)
                .on_conflict((tt::year, tt::base_id, tt::indicator))
                .do_update()
                .set((
                    tt::quantity.eq(tt::quantity + excluded(tt::quantity)),
                    tt::records.eq(tt::records + excluded(tt::records)),
                    tt::last_on.eq(sql::<Date>(
                        "CASE WHEN excluded.last_on > record_totals.last_on \
                         THEN excluded.last_on ELSE record_totals.last_on END",
                    )),
                ))
                .execute(c))?;
        }
        Ok(())
    }
}

/// (base_id, indicator, total quantity) for `year` up to `as_of`, for the
/// bases `only` names (all when `None`). From `record_totals` when no record
/// of the year is dated after `as_of` (always so for a finished year, since
/// future dates are refused); otherwise summed from the records of the year.
pub fn totals_for_year(
    db: &mut Db,
    year: i32,
    as_of: NaiveDate,
    only: Option<&[i64]>,
) -> AppResult<Vec<(i64, String, i64)>> {
    let latest: Option<NaiveDate> = with_conn!(db, c => {
        let mut q = tt::table
            .filter(tt::year.eq(year))
            .select(max(tt::last_on))
            .into_boxed();
        if let Some(ids) = only {
            q = q.filter(tt::base_id.eq_any(ids));
        }
        q.first(c)
    })?;
    if latest.is_none_or(|d| d <= as_of) {
        return Ok(with_conn!(db, c => {
            let mut q = tt::table
                .filter(tt::year.eq(year))
                .filter(tt::records.gt(0))
                .select((tt::base_id, tt::indicator, tt::quantity))
                .into_boxed();
            if let Some(ids) = only {
                q = q.filter(tt::base_id.eq_any(ids));
            }
            q.load(c)
        })?);
    }
    Ok(with_conn!(db, c => {
        let mut q = t::table
            .filter(t::year.eq(year))
            .filter(t::occurred_on.le(as_of))
            .group_by((t::base_id, t::indicator))
            .select((t::base_id, t::indicator, sql::<BigInt>("CAST(SUM(quantity) AS BIGINT)")))
            .into_boxed();
        if let Some(ids) = only {
            q = q.filter(t::base_id.eq_any(ids));
        }
        q.load(c)
    })?)
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
