//! The year and the base's lifecycle, for scripts: `GET /years/{year}`,
//! `POST /years/{year}/confirm` and `/reopen`, the publication list, and
//! `GET /bases/{code}`. The pages' buttons call the same `lifecycle`
//! functions as these routes.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::super::actions::{confirm_year, json_body, publication_xlsx, reopen_year, staff_only};
use super::super::extract::ApiCaller;
use super::super::{blocking, AppState, WebError};
use crate::db;
use crate::error::AppError;
use crate::lifecycle;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/years/{year}", web::get().to(year))
        .route("/years/{year}/confirm", web::post().to(confirm))
        .route("/years/{year}/reopen", web::post().to(reopen))
        .route("/years/{year}/publication.xlsx", web::get().to(publication))
        .route("/bases/{code}", web::get().to(base));
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
