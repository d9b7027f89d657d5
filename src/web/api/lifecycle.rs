//! The year and the base's lifecycle, for scripts: `GET /years/{year}`,
//! `POST /years/{year}/confirm` and `/reopen`, the publication list, and
//! `GET /bases/{code}`. The pages' buttons call the same `lifecycle`
//! functions as these routes.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::super::actions::{
    base_in_scope, confirm_year, decision, json_body, on_base, publication_xlsx, reopen_year,
    staff_only,
};
use super::super::extract::ApiCaller;
use super::super::{blocking, AppState, WebError};
use crate::db;
use crate::error::AppError;
use crate::lifecycle;
use crate::lifecycle::decisions;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/years/{year}", web::get().to(year))
        .route("/years/{year}/confirm", web::post().to(confirm))
        .route("/years/{year}/reopen", web::post().to(reopen))
        .route("/years/{year}/publication.xlsx", web::get().to(publication))
        .route("/bases/{code}", web::get().to(base))
        .route("/bases/{code}/rectification", web::post().to(rectification))
        .route(
            "/bases/{code}/rectification/decision",
            web::post().to(rectification_decision),
        )
        .route(
            "/bases/{code}/acceptance/apply",
            web::post().to(acceptance_apply),
        )
        .route("/bases/{code}/acceptance", web::post().to(acceptance));
}

async fn year(
    ApiCaller(_caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, WebError> {
    let year = path.into_inner();
    let today = state.today();
    let st = state.clone();
    let v = blocking(&state, move |db| {
        lifecycle::year::view(db, &st.settings.rulebook, year, today)
    })
    .await?;
    Ok(HttpResponse::Ok().json(v))
}

async fn confirm(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, WebError> {
    staff_only(&caller, "定稿")?;
    let v = confirm_year(&state, path.into_inner(), caller.username).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Deserialize)]
struct Reason {
    reason: String,
}

/// An order: on a failed year (the default), or `"kind": "document"` with
/// the `document` (plan, summary, rectification_report) and its `year`.
#[derive(Deserialize)]
struct OrderBody {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    document: Option<String>,
    #[serde(default)]
    year: Option<i32>,
}

fn grounds_of(body: &OrderBody) -> Result<lifecycle::Grounds, WebError> {
    match body.kind.as_deref() {
        None | Some("indicators") => Ok(lifecycle::Grounds::Indicators),
        Some("document") => {
            let given = body.document.as_deref().unwrap_or("");
            let kind = <crate::domain::DocumentKind as crate::domain::Coded>::from_code(given)
                .ok_or_else(|| {
                    WebError::BadRequest(format!(
                        "document 应为 plan、summary 或 rectification_report，而不是“{given}” (unknown document kind)"
                    ))
                })?;
            Ok(lifecycle::Grounds::Document(kind))
        }
        Some(other) => Err(WebError::BadRequest(format!(
            "kind 应为 indicators 或 document (unknown kind): {other}"
        ))),
    }
}

async fn reopen(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i32>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    staff_only(&caller, "重新开放年度")?;
    let body: Reason = json_body(&req, payload).await?;
    let v = reopen_year(&state, path.into_inner(), body.reason, caller.username).await?;
    Ok(HttpResponse::Ok().json(v))
}

async fn publication(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, WebError> {
    publication_xlsx(&state, &caller, path.into_inner()).await
}

async fn base(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let code = path.into_inner();
    let scope = caller.scope;
    let st = state.clone();
    let (base, end, history) = blocking(&state, move |db| {
        let base =
            db::bases::find_in_scope(db, &code, scope)?.ok_or_else(|| AppError::NotFound(code))?;
        let end = lifecycle::cycle_end(&base, &st.settings.rulebook);
        let history = db::bases::status_history(db, base.id)?;
        Ok((base, end, history))
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "code": base.code,
        "name": base.name,
        "base_type": base.base_type,
        "city": base.city,
        "channel": base.channel,
        "host_unit": base.host_unit,
        "recognised_on": base.recognised_on,
        "status": base.status,
        "status_since": base.status_since,
        "cycle_start": base.cycle_start,
        "cycle_end": end,
        "status_history": history,
    })))
}

/// The base as the API shows it after a step.
async fn base_json(
    state: &web::Data<AppState>,
    caller: crate::access::Caller,
    code: String,
) -> Result<HttpResponse, WebError> {
    base(ApiCaller(caller), state.clone(), web::Path::from(code)).await
}

#[derive(Deserialize)]
struct DecisionBody {
    decision: String,
    #[serde(default)]
    reason: String,
    deadline: Option<String>,
}

#[derive(Deserialize)]
struct AcceptanceBody {
    outcome: String,
    #[serde(default)]
    opinion: String,
}

async fn rectification(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let b = base_in_scope(&state, &caller, path.into_inner()).await?;
    staff_only(&caller, "责令整改")?;
    let body: OrderBody = json_body(&req, payload).await?;
    let grounds = grounds_of(&body)?;
    let by = caller.username.clone();
    let order = on_base(&state, move |db, settings, today| {
        decisions::order(
            db,
            settings,
            &b,
            grounds,
            body.year,
            &body.reason,
            today,
            &by,
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(order))
}

async fn rectification_decision(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let b = base_in_scope(&state, &caller, path.into_inner()).await?;
    staff_only(&caller, "作出整改决定")?;
    let body: DecisionBody = json_body(&req, payload).await?;
    let d = decision(&body.decision, body.deadline.as_deref())?;
    let by = caller.username.clone();
    let order = on_base(&state, move |db, settings, today| {
        decisions::decide(db, settings, &b, d, &body.reason, today, &by)
    })
    .await?;
    Ok(HttpResponse::Ok().json(order))
}

async fn acceptance_apply(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let b = base_in_scope(&state, &caller, path.into_inner()).await?;
    // The base itself, or staff on its behalf; a unit may see but not apply.
    if caller.role == crate::access::Role::Recommender {
        return Err(WebError::Forbidden(
            "由基地本身或省科协申请验收 (the base or province staff apply)".into(),
        ));
    }
    let by = caller.username.clone();
    let code = b.code.clone();
    on_base(&state, move |db, settings, today| {
        decisions::apply_acceptance(db, settings, &b, today, &by)
    })
    .await?;
    base_json(&state, caller, code).await
}

async fn acceptance(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let b = base_in_scope(&state, &caller, path.into_inner()).await?;
    staff_only(&caller, "记录验收结果")?;
    let body: AcceptanceBody = json_body(&req, payload).await?;
    let passed = match body.outcome.as_str() {
        "passed" => true,
        "failed" => false,
        other => {
            return Err(WebError::BadRequest(format!(
                "outcome 应为 passed 或 failed (unknown outcome): {other}"
            )))
        }
    };
    let by = caller.username.clone();
    let code = b.code.clone();
    on_base(&state, move |db, settings, today| {
        decisions::acceptance_result(db, settings, &b, passed, &body.opinion, today, &by)
    })
    .await?;
    base_json(&state, caller, code).await
}
