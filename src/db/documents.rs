//! Documents bases submit (年度计划, 工作总结, 整改报告) and the files kept
//! for them and for entered records: one `stored_files` row per digest
//! (the bytes live under `files_dir`), one `documents` row per upload.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{documents as t, stored_files as f};
use super::{with_conn, Db};
use crate::domain::{DocumentKind, DocumentStatus};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = t)]
pub struct Document {
    pub id: i64,
    pub base_id: i64,
    pub year: i32,
    pub kind: DocumentKind,
    pub digest: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub status: DocumentStatus,
    pub submitted_by: String,
    pub submitted_at: NaiveDateTime,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    /// Why it was returned.
    pub review_reason: String,
}

/// What one upload of a document is.
pub struct NewDocument<'a> {
    pub base_id: i64,
    pub year: i32,
    pub kind: DocumentKind,
    pub digest: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub by: &'a str,
}

/// Note that the file with `digest` is stored (once: a second upload of the
/// same bytes finds it there).
pub fn file_stored(db: &mut Db, digest: &str, size: i64) -> AppResult<()> {
    with_conn!(db, c => diesel::insert_into(f::table)
        .values((
            f::digest.eq(digest),
            f::size.eq(size),
            f::stored_at.eq(super::now()),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

pub fn insert(db: &mut Db, d: &NewDocument) -> AppResult<Document> {
    let id: i64 = with_conn!(db, c => diesel::insert_into(t::table)
        .values((
            t::base_id.eq(d.base_id),
            t::year.eq(d.year),
            t::kind.eq(d.kind),
            t::digest.eq(d.digest),
            t::filename.eq(d.filename),
            t::content_type.eq(d.content_type),
            t::size.eq(d.size),
            t::status.eq(DocumentStatus::Submitted),
            t::submitted_by.eq(d.by),
            t::submitted_at.eq(super::now()),
            t::review_reason.eq(""),
        ))
        .returning(t::id)
        .get_result(c))?;
    find(db, id)?
        .ok_or_else(|| crate::error::AppError::Compute("the document just stored is gone".into()))
}

pub fn find(db: &mut Db, id: i64) -> AppResult<Option<Document>> {
    Ok(with_conn!(db, c => t::table
        .find(id)
        .select(Document::as_select())
        .first(c)
        .optional())?)
}

/// The document that stands for each base of `base_ids` (all when `None`)
/// for `year` and `kind`: the newest upload of each.
pub fn current(
    db: &mut Db,
    year: i32,
    kind: DocumentKind,
    base_ids: Option<&[i64]>,
) -> AppResult<Vec<Document>> {
    let q = t::table
        .filter(t::year.eq(year))
        .filter(t::kind.eq(kind))
        .order((t::base_id, t::id.desc()));
    let all: Vec<Document> = match base_ids {
        Some(ids) => with_conn!(db, c => q
            .filter(t::base_id.eq_any(ids))
            .select(Document::as_select())
            .load(c))?,
        None => with_conn!(db, c => q.select(Document::as_select()).load(c))?,
    };
    let mut out: Vec<Document> = Vec::new();
    for d in all {
        if out.last().is_none_or(|l| l.base_id != d.base_id) {
            out.push(d);
        }
    }
    Ok(out)
}

/// Every upload of one base's document for `year` and `kind`, newest first.
pub fn history(
    db: &mut Db,
    base_id: i64,
    year: i32,
    kind: DocumentKind,
) -> AppResult<Vec<Document>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::base_id.eq(base_id))
        .filter(t::year.eq(year))
        .filter(t::kind.eq(kind))
        .order(t::id.desc())
        .select(Document::as_select())
        .load(c))?)
}

/// Record a review of a document: approved, or returned with a reason.
pub fn review(
    db: &mut Db,
    id: i64,
    status: DocumentStatus,
    reason: &str,
    by: &str,
) -> AppResult<()> {
    with_conn!(db, c => diesel::update(t::table.find(id))
        .set((
            t::status.eq(status),
            t::review_reason.eq(reason),
            t::reviewed_by.eq(Some(by)),
            t::reviewed_at.eq(Some(super::now())),
        ))
        .execute(c))?;
    Ok(())
}

/// (newest document id): part of the data version.
pub fn version(db: &mut Db) -> AppResult<i64> {
    let newest: Option<i64> =
        with_conn!(db, c => t::table.select(diesel::dsl::max(t::id)).first(c))?;
    Ok(newest.unwrap_or(0))
}
