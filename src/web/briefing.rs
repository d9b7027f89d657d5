//! Henan at a glance and on paper, for staff and recommending units: the
//! city map (SVG or PNG) and the year's report as DOCX, each counting only
//! the caller's bases. A base account gets 404, as for anything outside its
//! scope. The API and the pages both answer through these two functions.

use actix_web::{web, HttpResponse};
use chrono::Datelike;

use super::html::url;
use super::paging::Params;
use super::scope::{file_response, scope_card, scoped, year_of};
use super::{blocking, AppState, WebError};
use crate::access::{Caller, Role};
use crate::annual;
use crate::charts::{self, Format, MapMetric};
use crate::compliance::metrics;
use crate::domain::City;
use crate::error::AppError;

fn refuse_base(caller: &Caller) -> Result<(), WebError> {
    if caller.role == Role::Base {
        return Err(AppError::NotFound("地图和年度报告 (map and report)".into()).into());
    }
    Ok(())
}

/// `?year=Y&metric=pass_rate|at_risk|bases` (default: this year, pass rate).
pub async fn city_map(
    state: &web::Data<AppState>,
    caller: &Caller,
    query: &str,
    format: Format,
) -> Result<HttpResponse, WebError> {
    refuse_base(caller)?;
    let p = Params::parse(query);
    let today = state.today();
    let year = year_of(p.year()?, today);
    let ids: Vec<&str> = MapMetric::ALL.iter().map(|m| m.id()).collect();
    let metric = p
        .one_of("metric", &ids)?
        .and_then(|m| MapMetric::parse(&m))
        .unwrap_or(MapMetric::PassRate);
    let scope = caller.scope;
    let scope_name = caller.scope_name.clone();
    let st = state.clone();
    let chart = blocking(state, move |db| {
        st.cache.sync(db, today)?;
        let key = format!("map|{scope:?}|{year}|{}|{format:?}", metric.id());
        st.cache.chart(key, || {
            let all = st.cache.bases(db)?;
            let bases = scoped(&all, scope);
            let card = scope_card(&st, db, scope, &bases, year, today)?;
            let by_id = bases.iter().map(|b| (b.id, b)).collect();
            let figures = metrics::city_figures(&card, &by_id, metric);
            let title = format!("{scope_name} {year} 年度各地市{}", metric.name_zh());
            let link = |c: City| format!("/bases?year={year}&city={}", url(c.as_str()));
            charts::city_map(&title, metric, &figures, format, Some(&link))
                .map_err(|e| AppError::Invalid(e.to_string()))
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(chart.content_type())
        .insert_header(("Cache-Control", "private, no-cache"))
        .body(chart.bytes.clone()))
}

/// The year's report as a Word file: `year` is the path's `{year}`.
pub async fn year_report(
    state: &web::Data<AppState>,
    caller: &Caller,
    year: &str,
) -> Result<HttpResponse, WebError> {
    refuse_base(caller)?;
    let today = state.today();
    let year: i32 = year
        .parse()
        .ok()
        .filter(|y| (2000..=today.year()).contains(y))
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "年度无效，应为 2000 到 {} 之间的年份 (invalid year)",
                today.year()
            ))
        })?;
    let scope = caller.scope;
    let scope_name = caller.scope_name.clone();
    let st = state.clone();
    let bytes = blocking(state, move |db| {
        st.cache.sync(db, today)?;
        let all = st.cache.bases(db)?;
        let bases = scoped(&all, scope);
        let card = scope_card(&st, db, scope, &bases, year, today)?;
        let report = annual::gather(
            db,
            &st.settings,
            &annual::Inputs {
                year,
                today,
                scope_name,
                bases: &bases,
                card: &card,
            },
        )?;
        annual::docx::write(&report)
    })
    .await?;
    Ok(file_response(
        bytes,
        &format!("{year}年度创新基地考核情况报告.docx"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ))
}
