//! The JSON API under /api/v1, mirroring the pages with the same scoping.
//! Scripts authenticate with `Authorization: Bearer TOKEN` (`basewatch users
//! token`); without a valid token the answer is 401, and a base outside the
//! caller's scope is 404. Lists come a page at a time:
//! `{"items": [...], "page", "per_page", "total", "next"}`, `next` being the
//! address of the following page (or null), filters kept.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::extract::ApiCaller;
use super::paging::{Pager, Paging, Params};
use super::scope::{
    base_card, scoped, scoped_card, scoped_chart, xlsx_response, year_of, BaseFilter, Outcome,
    YearQuery,
};
use super::upload::{import_upload, upload_body, uploader, UploadQuery};
use super::{blocking, AppState, WebError};
use crate::charts::Format;
use crate::compliance::output;
use crate::db;
use crate::domain::{BaseType, City};
use crate::error::AppError;

pub(super) mod documents;
pub(super) mod lifecycle;
pub(super) mod recognition;
mod records;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi))
        .route("/bases", web::get().to(bases))
        .route("/scorecards", web::get().to(scorecards))
        .route("/bases/{code}/scorecard", web::get().to(base_scorecard))
        .route("/bases/{code}/chart.svg", web::get().to(chart_svg))
        .route("/bases/{code}/chart.png", web::get().to(chart_png))
        .route("/exports/scorecards.xlsx", web::get().to(export_xlsx))
        .route("/maps/cities.svg", web::get().to(map_svg))
        .route("/maps/cities.png", web::get().to(map_png))
        .route("/reports/{year}.docx", web::get().to(report_docx))
        .route("/imports", web::post().to(imports))
        .route("/tokens", web::get().to(tokens))
        .route("/tokens/{id}", web::delete().to(revoke_token))
        .configure(lifecycle::routes)
        .configure(records::routes)
        .configure(documents::routes)
        .configure(recognition::routes)
        .default_service(web::to(super::not_found));
}

#[derive(Serialize)]
struct BaseJson {
    code: String,
    name: String,
    base_type: BaseType,
    host_unit: String,
    channel: crate::domain::Channel,
    recommending_unit: String,
    city: City,
    recognised_on: chrono::NaiveDate,
    status: crate::domain::Status,
    cycle_start: chrono::NaiveDate,
    email: String,
}

/// The paging keys of a list answer, beside its `items`.
fn page_json(pager: &Pager) -> serde_json::Value {
    serde_json::json!({
        "page": pager.paging.page,
        "per_page": pager.paging.per_page,
        "total": pager.total,
        "next": pager.next(),
    })
}

pub(super) fn with_paging(mut v: serde_json::Value, pager: &Pager) -> serde_json::Value {
    if let (Some(o), serde_json::Value::Object(p)) = (v.as_object_mut(), page_json(pager)) {
        o.extend(p);
    }
    v
}

async fn bases(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let p = Params::parse(req.query_string());
    // No `result` here: listing bases evaluates nothing.
    let sorts = &BaseFilter::SORTS[..BaseFilter::SORTS.len() - 1];
    let paging = Paging::from(&p, sorts, "code")?;
    let f = BaseFilter::parse(&p, false)?;
    let today = state.today();
    let st = state.clone();
    let body = blocking(&state, move |db| {
        st.cache.sync(db, today)?;
        let all = st.cache.bases(db)?;
        let units: HashMap<i64, String> = db::units::all(db)?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let bases = scoped(&all, caller.scope);
        let list = f.select(&bases, |_| Outcome::NotDue, &paging);
        let items: Vec<BaseJson> = paging
            .slice(&list)
            .iter()
            .map(|b| BaseJson {
                recommending_unit: units.get(&b.unit_id).cloned().unwrap_or_default(),
                code: b.code.clone(),
                name: b.name.clone(),
                base_type: b.base_type,
                host_unit: b.host_unit.clone(),
                channel: b.channel,
                city: b.city,
                recognised_on: b.recognised_on,
                status: b.status,
                cycle_start: b.cycle_start,
                email: b.email.clone(),
            })
            .collect();
        let pager = Pager {
            path: "/api/v1/bases",
            keep: f.keep(),
            paging: &paging,
            total: list.len(),
        };
        Ok(with_paging(serde_json::json!({ "items": items }), &pager))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// A year's scorecard rows in scope, a page at a time (rows of a base stay
/// in order: base code, then the rulebook's order of indicators).
async fn scorecards(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let p = Params::parse(req.query_string());
    let year = year_of(p.year()?, state.today());
    let paging = Paging::from(&p, &["code"], "code")?;
    let ft = p.parsed("type", BaseType::parse)?;
    let fc = p.parsed("city", City::parse)?;
    let fr = p.one_of("result", &["pass", "fail"])?;
    let card = scoped_card(&state, caller.scope, year).await?;
    let mut rows: Vec<&crate::compliance::ScorecardRow> = card
        .rows
        .iter()
        .filter(|r| ft.is_none_or(|t| t == r.base_type))
        .filter(|r| fc.is_none_or(|c| c == r.city))
        .filter(|r| fr.as_deref().is_none_or(|x| r.base_pass == (x == "pass")))
        .collect();
    if paging.desc {
        // Bases from the last code, each base's rows still in indicator order.
        rows.sort_by(|a, b| b.base_code.cmp(&a.base_code));
    }
    let mut keep = vec![("year", year.to_string())];
    let codes = [
        ("type", ft.map(|t| t.id())),
        ("city", fc.map(City::as_str)),
        ("result", fr.as_deref()),
    ];
    for (k, v) in codes {
        if let Some(v) = v {
            keep.push((k, v.to_string()));
        }
    }
    let pager = Pager {
        path: "/api/v1/scorecards",
        keep,
        paging: &paging,
        total: rows.len(),
    };
    let body = serde_json::json!({
        "year": card.year,
        "as_of": card.as_of,
        "running": card.running,
        "rulebook": card.rulebook,
        "items": paging.slice(&rows),
    });
    Ok(HttpResponse::Ok().json(with_paging(body, &pager)))
}

async fn one_base(
    caller: &crate::access::Caller,
    state: &web::Data<AppState>,
    code: String,
    year: Option<i32>,
) -> Result<
    (
        db::bases::Base,
        std::sync::Arc<crate::compliance::Scorecard>,
    ),
    WebError,
> {
    let scope = caller.scope;
    let today = state.today();
    let year = year_of(year, today);
    let st = state.clone();
    // This base alone is evaluated, never the country.
    blocking(state, move |db| {
        st.cache.sync(db, today)?;
        let base =
            db::bases::find_in_scope(db, &code, scope)?.ok_or_else(|| AppError::NotFound(code))?;
        let card = base_card(&st, db, &base, year, today)?;
        Ok((base, card))
    })
    .await
}

async fn base_scorecard(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let (base, card) = one_base(&caller, &state, path.into_inner(), q.year).await?;
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
    caller: crate::access::Caller,
    state: web::Data<AppState>,
    code: String,
    year: Option<i32>,
    format: Format,
) -> Result<HttpResponse, WebError> {
    let c = scoped_chart(&state, caller.scope, code, year, format).await?;
    Ok(HttpResponse::Ok()
        .content_type(c.content_type())
        .body(c.bytes.clone()))
}

async fn chart_svg(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    chart(caller, state, path.into_inner(), q.year, Format::Svg).await
}

async fn chart_png(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    chart(caller, state, path.into_inner(), q.year, Format::Png).await
}

async fn map_svg(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    super::briefing::city_map(&state, &caller, req.query_string(), Format::Svg).await
}

async fn map_png(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    super::briefing::city_map(&state, &caller, req.query_string(), Format::Png).await
}

async fn report_docx(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    super::briefing::year_report(&state, &caller, &path.into_inner()).await
}

async fn export_xlsx(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let year = year_of(q.year, state.today());
    let card = scoped_card(&state, caller.scope, year).await?;
    let bytes =
        output::write_xlsx(&card).map_err(|e| WebError::from(AppError::Compute(e.to_string())))?;
    Ok(xlsx_response(bytes, &format!("{year}年度考核结果.xlsx")))
}

async fn imports(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    // The caller is known before a byte of the body is read, so an
    // unauthenticated upload costs the server nothing but its headers.
    // Province staff import anything; a base, its own activity records.
    let Some(who) = uploader(&caller) else {
        return Err(WebError::NotFound);
    };
    let body = upload_body(&req, &state, payload).await?;
    let (status, report) = import_upload(
        &state,
        caller.username.clone(),
        who,
        q.into_inner().filename,
        body,
    )
    .await?;
    Ok(HttpResponse::build(status).json(report))
}

/// The caller's own API tokens (never the tokens themselves).
async fn tokens(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let list = blocking(&state, move |db| crate::access::tokens(db, &caller)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": list })))
}

/// Revoke a token: one's own (the one in use included), or any as province staff.
async fn revoke_token(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    blocking(&state, move |db| {
        crate::access::revoke_token(db, &caller, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(OPENAPI)
}

const OPENAPI: &str = include_str!("openapi.json");
