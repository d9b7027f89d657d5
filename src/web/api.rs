//! The JSON API under /api/v1, mirroring the pages with the same scoping.
//! Scripts authenticate with `Authorization: Bearer TOKEN` (`basewatch users
//! token`); without a valid token the answer is 401, and a base outside the
//! caller's scope is 404.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::auth::api_caller;
use super::pages::{
    import_upload, scoped, scoped_card, scoped_chart, xlsx_response, year_of, UploadQuery,
    YearQuery,
};
use super::{blocking, AppState, WebError};
use crate::access::Role;
use crate::charts::Format;
use crate::compliance::output;
use crate::db;
use crate::error::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi))
        .route("/bases", web::get().to(bases))
        .route("/scorecards", web::get().to(scorecards))
        .route("/bases/{code}/scorecard", web::get().to(base_scorecard))
        .route("/bases/{code}/chart.svg", web::get().to(chart_svg))
        .route("/bases/{code}/chart.png", web::get().to(chart_png))
        .route("/exports/scorecards.xlsx", web::get().to(export_xlsx))
        .route("/imports", web::post().to(imports))
        .default_service(web::to(super::not_found));
}

#[derive(Serialize)]
struct BaseJson {
    code: String,
    name: String,
    base_type: String,
    host_unit: String,
    channel: String,
    recommending_unit: String,
    city: String,
    recognised_on: chrono::NaiveDate,
    status: String,
    cycle_start: chrono::NaiveDate,
    email: String,
}

async fn bases(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    let caller = api_caller(&req, &state).await?;
    let today = state.today();
    let st = state.clone();
    let list = blocking(&state, move |db| {
        st.cache.sync(db, today)?;
        let all = st.cache.bases(db)?;
        let units = db::units::all(db)?;
        Ok(scoped(&all, caller.scope)
            .into_iter()
            .map(|b| BaseJson {
                recommending_unit: units
                    .iter()
                    .find(|u| u.id == b.unit_id)
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
                code: b.code,
                name: b.name,
                base_type: b.base_type,
                host_unit: b.host_unit,
                channel: b.channel,
                city: b.city,
                recognised_on: b.recognised_on,
                status: b.status,
                cycle_start: b.cycle_start,
                email: b.email,
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

async fn scorecards(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let caller = api_caller(&req, &state).await?;
    let year = year_of(q.year, state.today());
    let card = scoped_card(&state, caller.scope, year).await?;
    Ok(HttpResponse::Ok().json(&card.rows))
}

async fn one_base(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    code: String,
    year: Option<i32>,
) -> Result<(db::bases::Base, crate::compliance::Scorecard), WebError> {
    let caller = api_caller(req, state).await?;
    let scope = caller.scope;
    let base = blocking(state, move |db| {
        db::bases::find_in_scope(db, &code, scope)?.ok_or_else(|| AppError::NotFound(code))
    })
    .await?;
    let year = year_of(year, state.today());
    let mut card = scoped_card(state, scope, year).await?;
    card.rows.retain(|r| r.base_id == base.id);
    Ok((base, card))
}

async fn base_scorecard(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let (base, card) = one_base(&req, &state, path.into_inner(), q.year).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "base_code": base.code,
        "base_name": base.name,
        "year": card.year,
        "as_of": card.as_of,
        "running": card.running,
        "rulebook": card.rulebook,
        "evaluated": !card.rows.is_empty(),
        "base_pass": card.rows.first().map(|r| r.base_pass),
        "rows": card.rows,
        "explanations": card.rows.iter().map(output::explain).collect::<Vec<_>>(),
    })))
}

async fn chart(
    req: HttpRequest,
    state: web::Data<AppState>,
    code: String,
    year: Option<i32>,
    format: Format,
) -> Result<HttpResponse, WebError> {
    let caller = api_caller(&req, &state).await?;
    let c = scoped_chart(&state, caller.scope, code, year, format).await?;
    Ok(HttpResponse::Ok()
        .content_type(c.content_type())
        .body(c.bytes.clone()))
}

async fn chart_svg(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    chart(req, state, path.into_inner(), q.year, Format::Svg).await
}

async fn chart_png(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    chart(req, state, path.into_inner(), q.year, Format::Png).await
}

async fn export_xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let caller = api_caller(&req, &state).await?;
    let year = year_of(q.year, state.today());
    let card = scoped_card(&state, caller.scope, year).await?;
    let bytes =
        output::write_xlsx(&card).map_err(|e| WebError::from(AppError::Compute(e.to_string())))?;
    Ok(xlsx_response(bytes, &format!("{year}年度考核结果.xlsx")))
}

async fn imports(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<UploadQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let caller = api_caller(&req, &state).await?;
    // Imports write the whole province's data: province staff only.
    if caller.role != Role::Province {
        return Err(WebError::NotFound);
    }
    let (status, report) = import_upload(
        &state,
        caller.username.clone(),
        q.into_inner().filename,
        body,
    )
    .await?;
    Ok(HttpResponse::build(status).json(report))
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(OPENAPI)
}

const OPENAPI: &str = include_str!("openapi.json");
