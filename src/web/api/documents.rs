//! Documents bases submit (第十四条(四)): `POST /bases/{code}/documents`,
//! `GET /documents` (报送情况, with the bases that have none),
//! `GET /documents/{id}` (the file), `POST /documents/{id}/review`; and a
//! record's attached file, `POST/GET /records/{id}/attachment`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::super::actions::{base_in_scope, entry_in_scope, json_body, on_base};
use super::super::extract::ApiCaller;
use super::super::paging::{Pager, Paging, Params};
use super::super::scope::{file_response, year_of};
use super::super::{blocking, AppState, WebError};
use super::with_paging;
use crate::access::{Caller, Role};
use crate::db::{self, documents::Document};
use crate::documents;
use crate::domain::DocumentKind;
use crate::error::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/bases/{code}/documents", web::post().to(upload))
        .route("/documents", web::get().to(list))
        .route("/documents/{id}", web::get().to(download))
        .route("/documents/{id}/review", web::post().to(review))
        .route("/records/{id}/attachment", web::post().to(attach))
        .route("/records/{id}/attachment", web::get().to(attachment));
}

/// A document's or attachment's body, read after the access check within
/// `max_document_bytes` (413 in Chinese above it).
pub(in crate::web) async fn document_body(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    payload: web::Payload,
) -> Result<web::Bytes, WebError> {
    let limit = usize::try_from(state.settings.max_document_bytes).unwrap_or(usize::MAX);
    super::super::body::read(req, payload, limit, super::super::body::UPLOAD_TIME).await
}

pub(in crate::web) fn kind_of(p: &Params) -> Result<DocumentKind, WebError> {
    p.coded::<DocumentKind>("kind")?.ok_or_else(|| {
        WebError::BadRequest(
            "缺少 kind：plan、summary 或 rectification_report (kind is required)".into(),
        )
    })
}

/// Only a base (for itself) or province staff submit; a unit reviews.
fn may_submit(caller: &Caller) -> Result<(), WebError> {
    if caller.role == Role::Recommender {
        return Err(WebError::Forbidden(
            "由基地报送材料，推荐单位审核 (the base submits, its unit reviews)".into(),
        ));
    }
    Ok(())
}

async fn upload(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let d = submit_as(&caller, &req, &state, path.into_inner(), payload).await?;
    Ok(HttpResponse::Created().json(d))
}

/// A document submitted by `caller` for the base `code` (the API's route
/// and the scorecard page's upload): the base in scope, then the body.
pub(in crate::web) async fn submit_as(
    caller: &Caller,
    req: &HttpRequest,
    state: &web::Data<AppState>,
    code: String,
    payload: web::Payload,
) -> Result<Document, WebError> {
    let b = base_in_scope(state, caller, code).await?;
    may_submit(caller)?;
    let p = Params::parse(req.query_string());
    let kind = kind_of(&p)?;
    let year = p
        .year()?
        .ok_or_else(|| WebError::BadRequest("缺少 year (year is required)".into()))?;
    let filename = p.text("filename").unwrap_or_default();
    let body = document_body(req, state, payload).await?;
    let by = caller.username.clone();
    on_base(state, move |db, settings, _today| {
        documents::submit(db, settings, &b, kind, year, &filename, &body, &by)
    })
    .await
}

async fn list(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let p = Params::parse(req.query_string());
    let year = year_of(p.year()?, state.today());
    let kind = kind_of(&p)?;
    let only = p.one_of("status", &STATUSES)?;
    let paging = Paging::from(&p, &["overdue"], "overdue")?;
    let (list, total, overdue) =
        standings_page(&state, &caller, kind, year, only.clone(), &paging).await?;
    let mut keep = vec![("year", year.to_string()), ("kind", kind.id().to_string())];
    if let Some(x) = &only {
        keep.push(("status", x.clone()));
    }
    let pager = Pager {
        path: "/api/v1/documents",
        keep,
        paging: &paging,
        total,
    };
    Ok(HttpResponse::Ok().json(with_paging(
        serde_json::json!({
            "year": year,
            "kind": kind,
            "overdue": overdue,
            "items": list,
        }),
        &pager,
    )))
}

/// The statuses a 报送情况 list filters on.
pub(in crate::web) const STATUSES: [&str; 5] =
    ["missing", "submitted", "returned", "approved", "overdue"];

/// One page of 报送情况 in the caller's scope, filtered by `only` (a status,
/// or `overdue`); with the number that match and how many of them are overdue.
pub(in crate::web) async fn standings_page(
    state: &web::Data<AppState>,
    caller: &Caller,
    kind: DocumentKind,
    year: i32,
    only: Option<String>,
    paging: &Paging,
) -> Result<(Vec<documents::Standing>, usize, usize), WebError> {
    let today = state.today();
    let st = state.clone();
    let scope = caller.scope;
    let paging = paging.clone();
    blocking(state, move |db| {
        let bases = db::bases::in_scope(db, scope)?;
        let all = documents::standings(db, &st.settings, &bases, kind, year, today)?;
        let list: Vec<_> = all
            .into_iter()
            .filter(|s| match only.as_deref() {
                None => true,
                Some("overdue") => s.overdue,
                Some(x) => s.status == x,
            })
            .collect();
        let overdue = list.iter().filter(|s| s.overdue).count();
        let total = list.len();
        Ok((paging.slice(&list).to_vec(), total, overdue))
    })
    .await
}

/// A document and its base, if the caller may see that base (else 404).
pub(in crate::web) async fn document_in_scope(
    state: &web::Data<AppState>,
    caller: &Caller,
    id: i64,
) -> Result<(Document, db::bases::Base), WebError> {
    let scope = caller.scope;
    blocking(state, move |db| {
        let d = db::documents::find(db, id)?.ok_or(AppError::NotFound(id.to_string()))?;
        let b = db::bases::find_in_scope_by_id(db, d.base_id, scope)?
            .ok_or(AppError::NotFound(id.to_string()))?;
        Ok((d, b))
    })
    .await
}

async fn download(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    download_as(&caller, &state, path.into_inner()).await
}

/// The file of a document in the caller's scope, as an attachment.
pub(in crate::web) async fn download_as(
    caller: &Caller,
    state: &web::Data<AppState>,
    id: i64,
) -> Result<HttpResponse, WebError> {
    let (d, _) = document_in_scope(state, caller, id).await?;
    let st = state.clone();
    let digest = d.digest.clone();
    let bytes = blocking(state, move |_db| documents::read(&st.settings, &digest)).await?;
    Ok(file_response(bytes, &d.filename, &d.content_type))
}

#[derive(Deserialize)]
struct ReviewBody {
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn review(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    // Scope first: a document outside it is a 404 whatever the body says.
    let found = document_in_scope(&state, &caller, path.into_inner()).await?;
    let body: ReviewBody = json_body(&req, payload).await?;
    let d = review_as(&caller, &state, found, &body.decision, body.reason).await?;
    Ok(HttpResponse::Ok().json(d))
}

/// The unit's or staff's review of a document in their scope (found with
/// [`document_in_scope`]): `approved` or `returned`.
pub(in crate::web) async fn review_as(
    caller: &Caller,
    state: &web::Data<AppState>,
    (d, b): (Document, db::bases::Base),
    decision: &str,
    reason: String,
) -> Result<Document, WebError> {
    if caller.role == Role::Base {
        return Err(WebError::Forbidden(
            "由推荐单位或省科协审核 (the unit or province staff review)".into(),
        ));
    }
    let approve = match decision {
        "approved" => true,
        "returned" => false,
        other => {
            return Err(WebError::BadRequest(format!(
                "decision 应为 approved 或 returned (unknown decision): {other}"
            )))
        }
    };
    let by = caller.username.clone();
    on_base(state, move |db, settings, _today| {
        documents::review(db, settings, &d, &b, approve, &reason, &by)
    })
    .await
}

async fn attach(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let a = attach_as(&caller, &req, &state, path.into_inner(), payload).await?;
    Ok(HttpResponse::Created().json(a))
}

/// A file attached to an entered record, by its base (or staff).
pub(in crate::web) async fn attach_as(
    caller: &Caller,
    req: &HttpRequest,
    state: &web::Data<AppState>,
    id: i64,
    payload: web::Payload,
) -> Result<db::submissions::Attachment, WebError> {
    let (s, _) = entry_in_scope(state, caller, id).await?;
    may_submit(caller)?;
    let filename = Params::parse(req.query_string())
        .text("filename")
        .unwrap_or_default();
    let body = document_body(req, state, payload).await?;
    on_base(state, move |db, settings, _today| {
        crate::reports::attach(db, settings, &s, &filename, &body)
    })
    .await
}

async fn attachment(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    attachment_as(&caller, &state, path.into_inner()).await
}

/// The file attached to an entered record in the caller's scope.
pub(in crate::web) async fn attachment_as(
    caller: &Caller,
    state: &web::Data<AppState>,
    id: i64,
) -> Result<HttpResponse, WebError> {
    let (s, _) = entry_in_scope(state, caller, id).await?;
    let st = state.clone();
    let (a, bytes) = blocking(state, move |db| {
        let a = db::submissions::attachment(db, s.id)?
            .ok_or_else(|| AppError::NotFound(format!("record {} attachment", s.id)))?;
        let bytes = documents::read(&st.settings, &a.digest)?;
        Ok((a, bytes))
    })
    .await?;
    Ok(file_response(bytes, &a.filename, &a.content_type))
}
