//! Records a base reports itself, and their review (第十三–十四条):
//! `POST/GET /bases/{code}/records`, `POST /records/{id}/review`,
//! `POST /records/{id}` (a returned record, corrected).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::super::actions::{base_in_scope, entry_in_scope, json_body, on_base};
use super::super::extract::ApiCaller;
use super::super::scope::{year_of, YearQuery};
use super::super::{blocking, AppState, WebError};
use crate::access::Role;
use crate::db::{self, submissions::Submission};
use crate::domain::Review;
use crate::reports::{self, EntryInput};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/bases/{code}/records", web::post().to(add))
        .route("/bases/{code}/records", web::get().to(list))
        .route("/records/{id}/review", web::post().to(review))
        .route("/records/{id}", web::post().to(resubmit));
}

fn entry_json(s: &Submission) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    v["source"] = "entered".into();
    v
}

async fn add(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let b = base_in_scope(&state, &caller, path.into_inner()).await?;
    if caller.role == Role::Recommender {
        return Err(WebError::Forbidden(
            "由基地填报活动记录，推荐单位审核 (the base reports, its unit reviews)".into(),
        ));
    }
    let input: EntryInput = json_body(&req, payload).await?;
    let staff = caller.role == Role::Province;
    let by = caller.username.clone();
    let s = on_base(&state, move |db, settings, today| {
        reports::submit(db, settings, &b, &input, staff, &by, today)
    })
    .await?;
    Ok(HttpResponse::Created().json(entry_json(&s)))
}

async fn list(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let b = base_in_scope(&state, &caller, path.into_inner()).await?;
    let year = year_of(q.year, state.today());
    let items = blocking(&state, move |db| {
        let entered = db::submissions::for_base(db, b.id, year)?;
        let from_entries: std::collections::HashSet<i64> =
            entered.iter().filter_map(|s| s.record_id).collect();
        let mut items: Vec<serde_json::Value> = entered.iter().map(entry_json).collect();
        for r in db::records::for_base(db, b.id, year)? {
            if from_entries.contains(&r.id) {
                continue;
            }
            let mut v = serde_json::to_value(&r).unwrap_or_default();
            v["review"] = Review::Approved.id().into();
            v["source"] = "import".into();
            items.push(v);
        }
        Ok(items)
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "year": year, "items": items })))
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
    let (s, _base) = entry_in_scope(&state, &caller, path.into_inner()).await?;
    if caller.role == Role::Base {
        return Err(WebError::Forbidden(
            "由推荐单位或省科协审核 (the unit or province staff review)".into(),
        ));
    }
    let body: ReviewBody = json_body(&req, payload).await?;
    let decision = match body.decision.as_str() {
        "approved" => Review::Approved,
        "returned" => Review::Returned,
        other => {
            return Err(WebError::BadRequest(format!(
                "decision 应为 approved 或 returned (unknown decision): {other}"
            )))
        }
    };
    let by = caller.username.clone();
    let s = on_base(&state, move |db, settings, _today| {
        reports::review(db, settings, &s, decision, &body.reason, &by)
    })
    .await?;
    Ok(HttpResponse::Ok().json(entry_json(&s)))
}

async fn resubmit(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let (s, b) = entry_in_scope(&state, &caller, path.into_inner()).await?;
    if caller.role == Role::Recommender {
        return Err(WebError::Forbidden(
            "由基地修改后重新提交 (the base corrects and resubmits)".into(),
        ));
    }
    let input: EntryInput = json_body(&req, payload).await?;
    let by = caller.username.clone();
    let s = on_base(&state, move |db, settings, today| {
        reports::resubmit(db, settings, &b, &s, &input, &by, today)
    })
    .await?;
    Ok(HttpResponse::Ok().json(entry_json(&s)))
}
