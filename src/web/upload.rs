//! Import uploads (page and API): the body read after the access check within
//! the configured limit and time, kept in a folder of its own while it is
//! imported, and the import's report.

use actix_web::{web, HttpRequest};
use serde::Deserialize;

use super::{blocking, AppState, WebError};
use crate::error::AppError;

#[derive(Deserialize)]
pub struct UploadQuery {
    pub filename: Option<String>,
}

/// Who uploads, and so what a file may hold.
#[derive(Debug, Clone, Copy)]
pub enum Uploader {
    /// Province staff: any template, the whole province.
    Staff,
    /// A base: its own activity records only (第十四条(三)).
    Base(i64),
    /// A recommending unit: its own applications only (认定申请表, 第九条).
    Unit(i64),
}

/// The uploader a caller is.
pub fn uploader(caller: &crate::access::Caller) -> Option<Uploader> {
    use crate::access::Role;
    use crate::db::Scope;
    match (caller.role, caller.scope) {
        (Role::Province, _) => Some(Uploader::Staff),
        (Role::Base, Scope::Base(id)) => Some(Uploader::Base(id)),
        (Role::Recommender, Scope::Unit(id)) => Some(Uploader::Unit(id)),
        _ => None,
    }
}

/// Save an uploaded body to a temporary file and import it; (status,
/// report). A base imports rows of its own only, which wait for its unit's
/// review when the rulebook says only approved records count; a unit, its
/// own applications.
pub async fn import_upload(
    state: &web::Data<AppState>,
    by: String,
    who: Uploader,
    filename: Option<String>,
    body: web::Bytes,
) -> Result<(actix_web::http::StatusCode, crate::ingest::Report), WebError> {
    let name = crate::documents::clean_filename(filename.as_deref().unwrap_or(""), "upload");
    let st = state.clone();
    let today = state.today();
    let report = blocking(state, move |db| {
        let own = match who {
            Uploader::Base(id) => {
                let b = crate::db::bases::find_in_scope_by_id(db, id, crate::db::Scope::Base(id))?
                    .ok_or_else(|| AppError::NotFound(id.to_string()))?;
                Some(crate::ingest::OwnRecords {
                    base_id: b.id,
                    code: b.code,
                    pending: st.settings.rulebook.reporting.count_only_approved,
                })
            }
            _ => None,
        };
        let unit = match who {
            Uploader::Unit(id) => Some(id),
            _ => None,
        };
        let dir = st.settings.data_dir.join("uploads");
        std::fs::create_dir_all(&dir).map_err(|e| AppError::io(&dir, e))?;
        remove_stale_uploads(&dir);
        let tmp = tempfile::Builder::new()
            .prefix("upload-")
            .tempdir_in(&dir)
            .map_err(|e| AppError::io(&dir, e))?;
        let path = tmp.path().join(&name);
        std::fs::write(&path, &body).map_err(|e| AppError::io(&path, e))?;
        let opts = crate::ingest::Options {
            by,
            today,
            progress: false,
            own,
            unit,
        };
        crate::ingest::import_file(db, &st.settings, &path, &opts)
    })
    .await?;
    state.cache.invalidate();
    let status = if report.outcome == crate::ingest::Outcome::Rejected {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok((status, report))
}

/// Remove what a process that died during an import left in `dir` (each
/// upload's folder is removed when its import ends): folders older than a day.
pub fn remove_stale_uploads(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        let ours = e.file_name().to_string_lossy().starts_with("upload-");
        if ours && old && e.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// An upload's body, read within `max_upload_bytes` and the upload time
/// (413 or 408 in Chinese otherwise; nothing is stored either way). Nothing
/// touches the disk before the whole body has arrived.
pub async fn upload_body(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    payload: web::Payload,
) -> Result<web::Bytes, WebError> {
    let limit = usize::try_from(state.settings.max_upload_bytes).unwrap_or(usize::MAX);
    super::body::read(req, payload, limit, super::body::UPLOAD_TIME).await
}
