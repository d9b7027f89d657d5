//! What bases submit besides records (第十四条(四), 第十六条): the annual plan,
//! the work summary and, under rectification, the rectification report; and
//! the files behind them and behind entered records, kept once under
//! `files_dir`, named by their SHA-256, never by the uploader's name.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::config::Settings;
use crate::db::{self, bases::Base, documents::Document, Db};
use crate::domain::{DocumentKind, DocumentStatus};
use crate::error::{AppError, AppResult};

/// The kinds of file a base may upload, told by their first bytes and
/// their name's extension together.
const TYPES: [(&str, &str, &[u8]); 6] = [
    ("pdf", "application/pdf", b"%PDF-"),
    ("png", "image/png", b"\x89PNG\r\n\x1a\n"),
    ("jpg", "image/jpeg", b"\xff\xd8\xff"),
    ("jpeg", "image/jpeg", b"\xff\xd8\xff"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04",
    ),
];

/// An uploader's file name made safe to keep and to send back: no folders,
/// no control characters, at most 120 characters; `fallback` when nothing is left.
pub fn clean_filename(name: &str, fallback: &str) -> String {
    let name: String = name
        .chars()
        .filter(|c| !matches!(c, '/' | '\\' | '\0' | '"') && !c.is_control())
        .take(120)
        .collect();
    let name = name.trim().to_string();
    if name.trim_matches('.').is_empty() {
        fallback.to_string()
    } else {
        name
    }
}

/// The content type of an upload named `filename`: its extension must be one
/// of PDF, PNG, JPEG, DOCX, XLSX and its first bytes must say so too.
pub fn content_type(filename: &str, bytes: &[u8]) -> AppResult<&'static str> {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((_, ty, magic)) = TYPES.iter().find(|(e, _, _)| *e == ext) else {
        return Err(AppError::Invalid(format!(
            "不支持的文件类型“{}”：请上传 PDF、图片（PNG/JPEG）、DOCX 或 XLSX 文件 (PDF, PNG, JPEG, DOCX or XLSX only)",
            if ext.is_empty() { "无扩展名" } else { &ext }
        )));
    };
    if !bytes.starts_with(magic) {
        return Err(AppError::Invalid(format!(
            "文件内容不是 {} 文件（扩展名与内容不符）(the content is not a .{ext} file)",
            ext.to_uppercase()
        )));
    }
    Ok(ty)
}

/// Where the file with `digest` lives.
pub fn path_of(settings: &Settings, digest: &str) -> PathBuf {
    let shard = digest.get(..2).unwrap_or("xx");
    settings.files_dir.join(shard).join(digest)
}

/// Keep `bytes` under their digest (once: the same bytes again are found
/// there); the digest. The file is written beside its place and renamed, so
/// a reader never sees half of it.
pub fn store(db: &mut Db, settings: &Settings, bytes: &[u8]) -> AppResult<String> {
    use sha2::{Digest, Sha256};
    let digest = crate::hex(&Sha256::digest(bytes));
    let path = path_of(settings, &digest);
    let same = std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64);
    if !same {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| AppError::io(dir, e))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| AppError::io(dir, e))?;
        std::io::Write::write_all(&mut tmp, bytes).map_err(|e| AppError::io(&path, e))?;
        tmp.persist(&path)
            .map_err(|e| AppError::io(&path, e.error))?;
    }
    db::documents::file_stored(db, &digest, bytes.len() as i64)?;
    Ok(digest)
}

/// The bytes of a stored file.
pub fn read(settings: &Settings, digest: &str) -> AppResult<Vec<u8>> {
    let path = path_of(settings, digest);
    std::fs::read(&path).map_err(|e| AppError::io(&path, e))
}

/// When a base's document of `kind` for `year` is due: the plan in its
/// year, the summary in the year after (the rulebook's days), the
/// rectification report at the deadline of the year's order.
pub fn due(settings: &Settings, kind: DocumentKind, year: i32) -> Option<NaiveDate> {
    let r = &settings.rulebook.reporting;
    match kind {
        DocumentKind::Plan => crate::rules::month_day(&r.plan_due, year),
        DocumentKind::Summary => crate::rules::month_day(&r.summary_due, year + 1),
        DocumentKind::RectificationReport => None,
    }
}

/// Check a year given by a caller.
fn check_year(year: i32) -> AppResult<()> {
    if (2000..=2100).contains(&year) {
        Ok(())
    } else {
        Err(AppError::Invalid(format!(
            "年度应在 2000 到 2100 之间，而不是 {year} (a year between 2000 and 2100)"
        )))
    }
}

/// A base submits a document (a new upload replaces the one before, which
/// stays in the history). Refused (409) for a base that has ended, for a
/// rectification report without a rectification order for the year, and
/// for a document already approved.
#[allow(clippy::too_many_arguments)]
pub fn submit(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    kind: DocumentKind,
    year: i32,
    filename: &str,
    bytes: &[u8],
    by: &str,
) -> AppResult<Document> {
    check_year(year)?;
    if bytes.is_empty() {
        return Err(AppError::Invalid(
            "上传的文件是空的 (the file is empty)".into(),
        ));
    }
    let filename = clean_filename(filename, &format!("{}.pdf", kind.name_zh()));
    let ty = content_type(&filename, bytes)?;
    if base.status.is_ended() {
        return Err(AppError::Conflict(format!(
            "基地“{}”已{}，不再报送材料 (the base has ended)",
            base.name,
            base.status.name_zh()
        )));
    }
    if kind == DocumentKind::RectificationReport && order_for(db, base.id, year)?.is_none() {
        return Err(AppError::Conflict(format!(
            "基地“{}”没有 {year} 年度的整改通知，无需报送整改报告 (no rectification order for the year)",
            base.name
        )));
    }
    db.transaction(|db| {
        let history = db::documents::history(db, base.id, year, kind)?;
        if history
            .first()
            .is_some_and(|d| d.status == DocumentStatus::Approved)
        {
            return Err(AppError::Conflict(format!(
                "{year} 年度{}已审核通过，不能再替换 (already approved)",
                kind.name_zh()
            )));
        }
        let digest = store(db, settings, bytes)?;
        db::documents::insert(
            db,
            &db::documents::NewDocument {
                base_id: base.id,
                year,
                kind,
                digest: &digest,
                filename: &filename,
                content_type: ty,
                size: bytes.len() as i64,
                by,
            },
        )
    })
}

/// The base's unit (or staff) approves a submitted document or returns it
/// with a reason; only the one that stands, and only while it waits.
pub fn review(
    db: &mut Db,
    settings: &Settings,
    doc: &Document,
    base: &Base,
    approve: bool,
    reason: &str,
    by: &str,
) -> AppResult<Document> {
    let reason = crate::domain::text::tidy(reason);
    if !approve && reason.is_empty() {
        return Err(AppError::Invalid(
            "退回须写明原因 (a reason is required to return a document)".into(),
        ));
    }
    let newest = db::documents::history(db, doc.base_id, doc.year, doc.kind)?;
    if newest.first().map(|d| d.id) != Some(doc.id) {
        return Err(AppError::Conflict(
            "该材料已有新的版本，请审核最新上传的版本 (a newer version was uploaded)".into(),
        ));
    }
    if doc.status != DocumentStatus::Submitted {
        return Err(AppError::Conflict(format!(
            "该材料已是“{}”状态，不能再审核 (already reviewed)",
            doc.status.name_zh()
        )));
    }
    let status = if approve {
        DocumentStatus::Approved
    } else {
        DocumentStatus::Returned
    };
    db::documents::review(db, doc.id, status, &reason, by)?;
    if !approve {
        let notice = crate::mail::Notice::Decision(crate::mail::Decision {
            base_name: base.name.clone(),
            base_code: base.code.clone(),
            headline: format!("{}被退回", doc.kind.name_zh()),
            what: format!(
                "贵基地报送的 {} 年度{}（{}）被退回，请修改后重新报送。",
                doc.year,
                doc.kind.name_zh(),
                doc.filename
            ),
            reason: reason.clone(),
            deadline: None,
            article: "第十四条",
            link: settings.base_link(&base.code),
            copied: false,
        });
        crate::mail::queue(
            db,
            &crate::mail::DedupeKey::Decision {
                base,
                kind: &format!("document-returned-{}", doc.id),
                of: doc.id,
            },
            &crate::mail::Recipients {
                to: vec![base.email.clone()],
                cc: Vec::new(),
            },
            &notice,
        )?;
    }
    db::documents::find(db, doc.id)?.ok_or_else(|| AppError::NotFound(doc.id.to_string()))
}

/// The open (or re-checked) rectification order of a base for `year`.
fn order_for(
    db: &mut Db,
    base_id: i64,
    year: i32,
) -> AppResult<Option<db::rectifications::Rectification>> {
    Ok(db::rectifications::pending_for_base(db, base_id)?.filter(|o| o.year == year))
}

/// Where one base stands on one document (报送情况).
#[derive(Debug, Clone, Serialize)]
pub struct Standing {
    pub base_code: String,
    pub base_name: String,
    pub year: i32,
    pub kind: DocumentKind,
    /// `missing` (未报送), or the status of the document that stands.
    pub status: &'static str,
    pub status_zh: &'static str,
    pub due: Option<NaiveDate>,
    /// Not submitted (or returned and not submitted again) after its due date.
    pub overdue: bool,
    pub document: Option<Document>,
}

/// The bases of `bases` expected to submit `kind` for `year`: not ended,
/// recognised by the end of the year; for the rectification report, those
/// under an order for that year (with its deadline).
fn expected(
    db: &mut Db,
    settings: &Settings,
    bases: &[Base],
    kind: DocumentKind,
    year: i32,
) -> AppResult<Vec<(usize, Option<NaiveDate>)>> {
    if kind == DocumentKind::RectificationReport {
        let orders: std::collections::HashMap<i64, NaiveDate> = [
            crate::domain::RectificationOutcome::Open,
            crate::domain::RectificationOutcome::Proposed,
        ]
        .into_iter()
        .map(|o| db::rectifications::with_outcome(db, o))
        .collect::<AppResult<Vec<_>>>()?
        .into_iter()
        .flatten()
        .filter(|o| o.year == year)
        .map(|o| (o.base_id, o.deadline))
        .collect();
        return Ok(bases
            .iter()
            .enumerate()
            .filter_map(|(i, b)| orders.get(&b.id).map(|d| (i, Some(*d))))
            .collect());
    }
    let due = due(settings, kind, year);
    Ok(bases
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.status.is_ended() && b.recognised_on.year() <= year)
        .map(|(i, _)| (i, due))
        .collect())
}

/// 报送情况: for each base of `bases` expected to submit `kind` for `year`,
/// its document or `missing`; overdue first, then by code.
pub fn standings(
    db: &mut Db,
    settings: &Settings,
    bases: &[Base],
    kind: DocumentKind,
    year: i32,
    today: NaiveDate,
) -> AppResult<Vec<Standing>> {
    check_year(year)?;
    let expected = expected(db, settings, bases, kind, year)?;
    let ids: Vec<i64> = expected.iter().map(|(i, _)| bases[*i].id).collect();
    let few = (ids.len() <= 500).then_some(ids.as_slice());
    let mut docs: std::collections::HashMap<i64, Document> =
        db::documents::current(db, year, kind, few)?
            .into_iter()
            .map(|d| (d.base_id, d))
            .collect();
    let mut out: Vec<Standing> = expected
        .into_iter()
        .map(|(i, due)| {
            let b = &bases[i];
            let document = docs.remove(&b.id);
            let (status, status_zh) = match &document {
                Some(d) => (d.status.id(), d.status.name_zh()),
                None => ("missing", "未报送"),
            };
            let waiting = document
                .as_ref()
                .is_none_or(|d| d.status == DocumentStatus::Returned);
            Standing {
                base_code: b.code.clone(),
                base_name: b.name.clone(),
                year,
                kind,
                status,
                status_zh,
                due,
                overdue: waiting && due.is_some_and(|d| d < today),
                document,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then_with(|| a.base_code.cmp(&b.base_code))
    });
    Ok(out)
}

/// What is overdue among `bases` on `today`: this year's plan, last
/// year's summary, and the rectification reports of open orders.
pub fn overdue(
    db: &mut Db,
    settings: &Settings,
    bases: &[Base],
    today: NaiveDate,
) -> AppResult<Vec<Standing>> {
    let y = today.year();
    let mut out = Vec::new();
    for (kind, year) in [
        (DocumentKind::Plan, y),
        (DocumentKind::Summary, y - 1),
        (DocumentKind::RectificationReport, y - 1),
        (DocumentKind::RectificationReport, y),
    ] {
        out.extend(
            standings(db, settings, bases, kind, year, today)?
                .into_iter()
                .filter(|s| s.overdue),
        );
    }
    Ok(out)
}

impl Standing {
    /// One line for an email: who, what, since when.
    pub fn line(&self) -> String {
        format!(
            "{}（{}）{}（{} 年度）：应于 {} 前报送，{}",
            self.base_name,
            self.base_code,
            self.kind.name_zh(),
            self.year,
            self.due.map(|d| d.to_string()).unwrap_or_default(),
            self.status_zh
        )
    }
}

/// Whether `base` has submitted (or had approved) its `kind` of `year`.
pub fn has_submitted(db: &mut Db, base_id: i64, kind: DocumentKind, year: i32) -> AppResult<bool> {
    Ok(db::documents::history(db, base_id, year, kind)?
        .first()
        .is_some_and(|d| d.status != DocumentStatus::Returned))
}
