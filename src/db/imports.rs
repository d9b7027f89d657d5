//! The import ledger: every file that was offered, who offered it, its
//! digest, outcome and full report.

use diesel::prelude::*;

use super::schema::imports as t;
use super::{with_conn, Db};
use crate::domain::ImportOutcome;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct ImportRow {
    pub id: i64,
    pub file_name: String,
    pub digest: String,
    pub templates: String,
    pub imported_by: String,
    pub imported_at: chrono::NaiveDateTime,
    pub outcome: ImportOutcome,
    pub row_count: i64,
    pub problem_count: i64,
    pub report: String,
    pub stored_path: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = t)]
pub struct NewImport<'a> {
    pub file_name: &'a str,
    pub digest: &'a str,
    pub templates: &'a str,
    pub imported_by: &'a str,
    pub imported_at: chrono::NaiveDateTime,
    pub outcome: ImportOutcome,
    pub row_count: i64,
    pub problem_count: i64,
    pub report: &'a str,
    pub stored_path: &'a str,
}

/// Insert a ledger row and return its id.
pub fn record(db: &mut Db, row: &NewImport) -> AppResult<i64> {
    Ok(with_conn!(db, c => diesel::insert_into(t::table)
        .values(row)
        .returning(t::id)
        .get_result(c))?)
}

/// Fill in the outcome of an import once it is known.
pub fn finish(
    db: &mut Db,
    id: i64,
    outcome: ImportOutcome,
    templates: &str,
    row_count: i64,
    report: &str,
    stored_path: &str,
) -> AppResult<()> {
    with_conn!(db, c => diesel::update(t::table.find(id))
        .set((
            t::outcome.eq(outcome),
            t::templates.eq(templates),
            t::row_count.eq(row_count),
            t::report.eq(report),
            t::stored_path.eq(stored_path),
        ))
        .execute(c))?;
    Ok(())
}

/// The earlier accepted import of a file with this digest, if any.
pub fn find_accepted_by_digest(db: &mut Db, digest: &str) -> AppResult<Option<ImportRow>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::digest.eq(digest))
        .filter(t::outcome.eq(ImportOutcome::Accepted))
        .order(t::id)
        .first::<ImportRow>(c)
        .optional())?)
}

/// The most recent imports, newest first.
pub fn recent(db: &mut Db, limit: i64) -> AppResult<Vec<ImportRow>> {
    Ok(with_conn!(db, c => t::table.order(t::id.desc()).limit(limit).load::<ImportRow>(c))?)
}

/// The imports with these ids, newest first.
pub fn by_ids(db: &mut Db, ids: &[i64]) -> AppResult<Vec<ImportRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(with_conn!(db, c => t::table
        .filter(t::id.eq_any(ids))
        .order(t::id.desc())
        .load::<ImportRow>(c))?)
}

/// One page of the ledger (newest first unless `oldest_first`), optionally
/// of one outcome, and the number of imports that match.
pub fn page(
    db: &mut Db,
    outcome: Option<ImportOutcome>,
    oldest_first: bool,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<ImportRow>, i64)> {
    Ok(with_conn!(db, c => {
        let mut q = t::table.into_boxed();
        let mut n = t::table.count().into_boxed();
        if let Some(o) = outcome {
            q = q.filter(t::outcome.eq(o));
            n = n.filter(t::outcome.eq(o));
        }
        q = if oldest_first { q.order(t::id) } else { q.order(t::id.desc()) };
        let rows = q.offset(offset).limit(limit).load::<ImportRow>(c)?;
        n.get_result::<i64>(c).map(|n| (rows, n))
    })?)
}
