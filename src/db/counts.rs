//! Declared yearly counts (年度指标表): one value per base, year and
//! indicator, replaced by a corrected sheet with every change kept.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{declared_count_changes as ch, declared_counts as t};
use super::{now, with_conn, Db};
use crate::domain::Indicator;
use crate::error::AppResult;

/// One sheet row: what a base declared for a year. Indicators absent from
/// `values` were not reported.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub base_id: i64,
    pub year: i32,
    pub as_of: NaiveDate,
    pub values: Vec<(Indicator, i64)>,
}

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Change {
    pub id: i64,
    pub base_id: i64,
    pub year: i32,
    pub indicator: Indicator,
    pub old_value: Option<i64>,
    pub new_value: Option<i64>,
    pub import_id: i64,
    pub changed_by: String,
    pub changed_at: chrono::NaiveDateTime,
}

/// Replace the declared values of each (base, year) in `batch`; returns how
/// many values changed. Unchanged values are left alone, so importing the
/// same sheet twice changes nothing.
pub fn replace(db: &mut Db, batch: &[Declaration], import_id: i64, by: &str) -> AppResult<usize> {
    if batch.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = batch.iter().map(|d| d.base_id).collect();
    let existing: Vec<(i64, i64, i32, Indicator, i64, NaiveDate)> = with_conn!(db, c => t::table
        .filter(t::base_id.eq_any(&ids))
        .select((t::id, t::base_id, t::year, t::indicator, t::value, t::as_of))
        .load(c))?;
    // (base, year) → [(row id, indicator, value, as_of)]
    type Stored = Vec<(i64, Indicator, i64, NaiveDate)>;
    let mut old: HashMap<(i64, i32), Stored> = HashMap::new();
    for (id, base_id, year, ind, value, as_of) in existing {
        old.entry((base_id, year))
            .or_default()
            .push((id, ind, value, as_of));
    }
    let ts = now();
    let mut changes = Vec::new();
    let mut inserts = Vec::new();
    let mut deletes = Vec::new();
    let mut updates = Vec::new();
    for d in batch {
        let before = old.remove(&(d.base_id, d.year)).unwrap_or_default();
        for (id, ind, value, as_of) in &before {
            match d.values.iter().find(|(i, _)| i == ind) {
                None => {
                    deletes.push(*id);
                    changes.push((d.base_id, d.year, *ind, Some(*value), None));
                }
                Some((_, v)) if v != value => {
                    updates.push((*id, *v, d.as_of));
                    changes.push((d.base_id, d.year, *ind, Some(*value), Some(*v)));
                }
                Some(_) if *as_of != d.as_of => updates.push((*id, *value, d.as_of)),
                Some(_) => {}
            }
        }
        for (ind, v) in &d.values {
            if !before.iter().any(|(_, i, _, _)| i == ind) {
                inserts.push((
                    t::base_id.eq(d.base_id),
                    t::year.eq(d.year),
                    t::indicator.eq(*ind),
                    t::value.eq(*v),
                    t::as_of.eq(d.as_of),
                    t::import_id.eq(import_id),
                ));
                changes.push((d.base_id, d.year, *ind, None, Some(*v)));
            }
        }
    }
    if !deletes.is_empty() {
        with_conn!(db, c => diesel::delete(t::table.filter(t::id.eq_any(&deletes))).execute(c))?;
    }
    for (id, v, as_of) in updates {
        with_conn!(db, c => diesel::update(t::table.find(id))
            .set((t::value.eq(v), t::as_of.eq(as_of), t::import_id.eq(import_id)))
            .execute(c))?;
    }
    for chunk in inserts.chunks(super::BATCH_ROWS) {
        with_conn!(db, c => diesel::insert_into(t::table).values(chunk).execute(c))?;
    }
    // The first declaration of a value is history too: it says who reported it.
    let history: Vec<_> = changes
        .iter()
        .map(|(b, y, ind, o, n)| {
            (
                ch::base_id.eq(*b),
                ch::year.eq(*y),
                ch::indicator.eq(*ind),
                ch::old_value.eq(*o),
                ch::new_value.eq(*n),
                ch::import_id.eq(import_id),
                ch::changed_by.eq(by),
                ch::changed_at.eq(ts),
            )
        })
        .collect();
    for chunk in history.chunks(super::BATCH_ROWS) {
        with_conn!(db, c => diesel::insert_into(ch::table).values(chunk).execute(c))?;
    }
    Ok(changes.len())
}

/// (base_id, indicator, value) declared for `year` as of `as_of` or earlier,
/// for the bases `only` names (all bases when `None`).
pub fn for_year(
    db: &mut Db,
    year: i32,
    as_of: NaiveDate,
    only: Option<&[i64]>,
) -> AppResult<Vec<(i64, Indicator, i64)>> {
    Ok(with_conn!(db, c => {
        let mut q = t::table
            .filter(t::year.eq(year))
            .filter(t::as_of.le(as_of))
            .select((t::base_id, t::indicator, t::value))
            .into_boxed();
        if let Some(ids) = only {
            q = q.filter(t::base_id.eq_any(ids));
        }
        q.load(c)
    })?)
}

/// The change history of one base's declared counts, oldest first.
pub fn changes_for_base(db: &mut Db, base_id: i64) -> AppResult<Vec<Change>> {
    Ok(with_conn!(db, c => ch::table
        .filter(ch::base_id.eq(base_id))
        .order(ch::id)
        .load::<Change>(c))?)
}
