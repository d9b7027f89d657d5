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
pub async fn document_body(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    payload: web::Payload,
) -> Result<web::Bytes, WebError> {
    let limit = usize::try_from(state.settings.max_document_bytes).unwrap_or(usize::MAX);
    super::super::body::read(req, payload, limit, super::super::body::UPLOAD_TIME).await
}

fn kind_of(p: &Params) -> Result<DocumentKind, WebError> {
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
    let b = base_in_scope(&state, &caller, path.into_inner()).await?;
    may_submit(&caller)?;
    let p = Params::parse(req.query_string());
    let kind = kind_of(&p)?;
    let year = p
        .year()?
        .ok_or_else(|| WebError::BadRequest("缺少 year (year is required)".into()))?;
    let filename = p.text("filename").unwrap_or_default();
    let body = document_body(&req, &state, payload).await?;
    let by = caller.username.clone();
    let d = on_base(&state, move |db, settings, _today| {
        documents::submit(db, settings, &b, kind, year, &filename, &body, &by)
    })
    .await?;
    Ok(HttpResponse::Created().json(d))
}

async fn list(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let p = Params::parse(req.query_string());
    let year = year_of(p.year()?, state.today());
    let kind = kind_of(&p)?;
    let only = p.one_of(
        "status",
        &["missing", "submitted", "returned", "approved", "overdue"],
    )?;
    let paging = Paging::from(&p, &["overdue"], "overdue")?;
    let today = state.today();
    let st = state.clone();
    let scope = caller.scope;
    let body = blocking(&state, move |db| {
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
        let mut keep = vec![("year", year.to_string()), ("kind", kind.id().to_string())];
        if let Some(x) = &only {
            keep.push(("status", x.clone()));
        }
        let pager = Pager {
            path: "/api/v1/documents",
            keep,
            paging: &paging,
            total: list.len(),
        };
        let overdue = list.iter().filter(|s| s.overdue).count();
        Ok(with_paging(
            serde_json::json!({
                "year": year,
                "kind": kind,
                "overdue": overdue,
                "items": paging.slice(&list),
            }),
            &pager,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// A document and its base, if the caller may see that base (else 404).
async fn document_in_scope(
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
    let (d, _) = document_in_scope(&state, &caller, path.into_inner()).await?;
    let st = state.clone();
    let digest = d.digest.clone();
    let bytes = web::block(move || documents::read(&st.settings, &digest))
        .await
        .map_err(|e| WebError::from(AppError::Compute(e.to_string())))??;
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
    let (d, b) = document_in_scope(&state, &caller, path.into_inner()).await?;
    if caller.role == Role::Base {
        return Err(WebError::Forbidden(
            "由推荐单位或省科协审核 (the unit or province staff review)".into(),
        ));
    }
    let body: ReviewBody = json_body(&req, payload).await?;
    let approve = match body.decision.as_str() {
        "approved" => true,
        "returned" => false,
        other => {
            return Err(WebError::BadRequest(format!(
                "decision 应为 approved 或 returned (unknown decision): {other}"
            )))
        }
    };
    let by = caller.username.clone();
    let d = on_base(&state, move |db, settings, _today| {
        documents::review(db, settings, &d, &b, approve, &body.reason, &by)
    })
    .await?;
    Ok(HttpResponse::Ok().json(d))
}

async fn attach(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let (s, _) = entry_in_scope(&state, &caller, path.into_inner()).await?;
    may_submit(&caller)?;
    let filename = Params::parse(req.query_string())
        .text("filename")
        .unwrap_or_default();
    let body = document_body(&req, &state, payload).await?;
    let a = on_base(&state, move |db, settings, _today| {
        crate::reports::attach(db, settings, &s, &filename, &body)
    })
    .await?;
    Ok(HttpResponse::Created().json(a))
}

async fn attachment(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let (s, _) = entry_in_scope(&state, &caller, path.into_inner()).await?;
    let st = state.clone();
    let (a, bytes) = blocking(&state, move |db| {
        let a = db::submissions::attachment(db, s.id)?
            .ok_or_else(|| AppError::NotFound(format!("record {} attachment", s.id)))?;
        let bytes = documents::read(&st.settings, &a.digest)?;
        Ok((a, bytes))
    })
    .await?;
    Ok(file_response(bytes, &a.filename, &a.content_type))
}
