//! Import: turns a template file (CSV, XLSX, JSON) into validated domain rows
//! and a report. A file is written in one transaction, and only if every row
//! is valid; otherwise it is refused whole with every problem located (file,
//! sheet, row, column, reason), the database unchanged, and the file kept
//! with its report under `data_dir/imports/rejected/`.
//!
//! Rows stream through [`source`] one at a time and are written in batches,
//! so memory stays bounded however large the file. Called by the CLI, and
//! later by the web upload and the inbox job; it never formats for HTTP.

pub mod report;
mod rows;

/// The key of a record without an 外部编号 (the importer's, for records entered on a page).
pub(crate) use rows::content_key;
pub mod source;
pub mod template;
mod zipcheck;

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::db::{self, Db};
use crate::error::{AppError, AppResult};
pub use report::{Outcome, Problem, Report, SkippedSheet};
use rows::Processor;

/// Who imports, and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Recorded with the import and with every change it makes.
    pub by: String,
    /// Today in Asia/Shanghai: dates after it are refused as future dates.
    pub today: NaiveDate,
    /// Show a progress bar on a terminal.
    pub progress: bool,
    /// Set when a base imports its own records (第十四条(三)).
    pub own: Option<OwnRecords>,
    /// Set when a recommending unit imports: only a 认定申请表, only
    /// applications under its own name (第八条).
    pub unit: Option<i64>,
}

/// A base importing its own activity records: only a 活动明细, only rows of
/// its own base; with `pending`, the rows wait for its unit's review as
/// entered records do (the rulebook's `count_only_approved`).
#[derive(Debug, Clone)]
pub struct OwnRecords {
    pub base_id: i64,
    pub code: String,
    pub pending: bool,
}

enum TxError {
    App(AppError),
    Rejected(Box<Report>),
}

impl From<AppError> for TxError {
    fn from(e: AppError) -> Self {
        TxError::App(e)
    }
}

/// Import one file. Returns the report whatever the outcome; an `Err` means
/// the file could not be read or the database failed (nothing was written).
pub fn import_file(
    db: &mut Db,
    settings: &Settings,
    path: &Path,
    opts: &Options,
) -> AppResult<Report> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| path.display().to_string());
    let (digest, size, head) = digest_file(path)?;
    let format = source::sniff(&head, &file_name);
    let mut report = Report::new(&file_name, &digest, format);

    // The same file again changes nothing; a base's upload is the same
    // only if that base (its account) imported it.
    let earlier = db::imports::find_accepted_by_digest(db, &digest)?
        .filter(|e| opts.own.is_none() || e.imported_by == opts.by);
    if let Some(earlier) = earlier {
        report.outcome = Outcome::AlreadyImported;
        report.import_id = Some(earlier.id);
        return Ok(report);
    }

    let archive = settings.data_dir.join("imports");
    // The file is kept whatever the outcome: its copy into the archive
    // runs beside the import (a national file is 350 MB), and is renamed
    // into place with the import's id at the end.
    let mut staging = Staging::start(&archive, path, &digest);
    let result = db.transaction(|db| {
        let import_id = db::imports::record(
            db,
            &db::imports::NewImport {
                file_name: &file_name,
                digest: &digest,
                templates: "",
                imported_by: &opts.by,
                imported_at: db::now(),
                outcome: crate::domain::ImportOutcome::Pending,
                row_count: 0,
                problem_count: 0,
                report: "{}",
                stored_path: "",
            },
        )?;
        // Batches of records are written on a second thread while the next
        // one is parsed; the scope ends with the last of them written.
        let mut rep = std::thread::scope(|s| -> AppResult<Report> {
            let mut p = Processor::new(db, s, settings, import_id, opts, report.clone(), size)?;
            source::read(path, format, &mut p, &rows::classify_header)
                .map_err(|e| AppError::io(path, e))?;
            p.finish()
        })?;
        rep.import_id = Some(import_id);
        if !rep.problems.is_empty() {
            return Err(TxError::Rejected(Box::new(rep)));
        }
        rep.outcome = Outcome::Accepted;
        let stored = keep_file(
            &archive.join("accepted"),
            import_id,
            (path, staging.take()),
            &file_name,
            &mut rep,
        )?;
        db::imports::finish(
            db,
            import_id,
            crate::domain::ImportOutcome::Accepted,
            &rep.templates(),
            rep.rows as i64,
            &rep.to_json(),
            &stored.display().to_string(),
        )?;
        Ok(rep)
    });
    match result {
        Ok(rep) => Ok(rep),
        Err(TxError::App(e)) => Err(e),
        Err(TxError::Rejected(rep)) => {
            let mut rep = *rep;
            rep.outcome = Outcome::Rejected;
            // The transaction rolled back: record the refusal on its own.
            let id = db::imports::record(
                db,
                &db::imports::NewImport {
                    file_name: &file_name,
                    digest: &digest,
                    templates: &rep.templates(),
                    imported_by: &opts.by,
                    imported_at: db::now(),
                    outcome: crate::domain::ImportOutcome::Rejected,
                    row_count: rep.rows as i64,
                    problem_count: rep.problem_total as i64,
                    report: "{}",
                    stored_path: "",
                },
            )?;
            rep.import_id = Some(id);
            let stored = keep_file(
                &archive.join("rejected"),
                id,
                (path, staging.take()),
                &file_name,
                &mut rep,
            )?;
            db::imports::finish(
                db,
                id,
                crate::domain::ImportOutcome::Rejected,
                &rep.templates(),
                rep.rows as i64,
                &rep.to_json(),
                &stored.display().to_string(),
            )?;
            Ok(rep)
        }
    }
}

/// A copy of the file being made in the archive's `.staging` folder on a
/// thread of its own. Taken by [`keep_file`]; a copy nobody took (the
/// database failed) is removed when this is dropped.
struct Staging {
    copying: Option<std::thread::JoinHandle<std::io::Result<PathBuf>>>,
}

impl Staging {
    fn start(archive: &Path, path: &Path, digest: &str) -> Staging {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = archive.join(".staging");
        let to = dir.join(format!(
            "{}-{}-{n}",
            &digest[..digest.len().min(16)],
            std::process::id()
        ));
        let from = path.to_path_buf();
        let copying = std::thread::spawn(move || {
            std::fs::create_dir_all(&dir)?;
            std::fs::copy(&from, &to)?;
            Ok(to)
        });
        Staging {
            copying: Some(copying),
        }
    }

    /// The finished copy, if it could be made.
    fn take(&mut self) -> Option<PathBuf> {
        self.copying.take()?.join().ok()?.ok()
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some(left) = self.take() {
            let _ = std::fs::remove_file(left);
        }
    }
}

/// Put the file into the archive (the staged copy renamed, or a copy made
/// now) with its report beside it.
fn keep_file(
    dir: &Path,
    import_id: i64,
    (path, staged): (&Path, Option<PathBuf>),
    file_name: &str,
    rep: &mut Report,
) -> AppResult<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| AppError::io(dir, e))?;
    let stored = dir.join(format!("{import_id}-{file_name}"));
    let renamed = staged.is_some_and(|from| {
        std::fs::rename(&from, &stored).is_ok() || {
            let _ = std::fs::remove_file(&from);
            false
        }
    });
    if !renamed {
        std::fs::copy(path, &stored).map_err(|e| AppError::io(&stored, e))?;
    }
    rep.stored_path = Some(stored.display().to_string());
    let report_path = dir.join(format!("{import_id}-{file_name}.report.txt"));
    std::fs::write(&report_path, rep.to_text()).map_err(|e| AppError::io(&report_path, e))?;
    let json_path = dir.join(format!("{import_id}-{file_name}.report.json"));
    std::fs::write(&json_path, rep.to_json()).map_err(|e| AppError::io(&json_path, e))?;
    Ok(stored)
}

/// SHA-256 of the file (hex), its size, and its first bytes for sniffing.
fn digest_file(path: &Path) -> AppResult<(String, u64, Vec<u8>)> {
    let mut f = std::fs::File::open(path).map_err(|e| AppError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut head = Vec::new();
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| AppError::io(path, e))?;
        if n == 0 {
            break;
        }
        if head.is_empty() {
            head = buf[..n.min(4096)].to_vec();
        }
        h.update(&buf[..n]);
        size += n as u64;
    }
    Ok((crate::hex(&h.finalize()), size, head))
}
