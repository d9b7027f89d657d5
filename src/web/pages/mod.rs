//! The pages: province / recommending-unit overview, bases list, base
//! scorecard, import, template downloads and exports. Panels come from the
//! dashboards files; every query is scoped by the caller.
//!
//! A folder per area: `overview`, `bases` (lists), `scorecard`, `imports`,
//! `admin` (outbox, jobs), `rectification`. Every handler takes the caller
//! through an extractor (`SignedIn` or `Staff`) and its data through
//! `web::scope`, the one scope rule that the API shares.

mod admin;
mod bases;
mod documents;
mod imports;
mod overview;
mod readings;
mod recognition;
mod rectification;
mod reviews;
mod scorecard;
mod years;

use admin::*;
use bases::*;
use imports::*;
use overview::*;
use rectification::*;
use scorecard::*;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;

use super::auth::{check_csrf, session, Session};
use super::extract::{SignedIn, Staff};
use super::html::{pct, render, url, Layout};
use super::paging::{self, Pager, Paging, Params};
use super::scope::*;
use super::upload::*;
use super::view::*;
use super::{blocking, AppState, WebError};
use crate::access::{Role, Scope};
use crate::charts::{self, Format};
use crate::compliance::{metrics, output, Scorecard, ScorecardRow};
use crate::dashboards::{ChartKind, Dashboard, Grouping, Metric, Panel};
use crate::db::{self, bases::Base};
use crate::domain::{
    BaseType, Channel, City, ImportOutcome, MailStatus, Proposal, RectificationOutcome, RunOutcome,
    Status,
};
use crate::error::{AppError, AppResult};
use crate::ingest::template::{blank_xlsx, Template as FileTemplate};
use crate::lifecycle;
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/overview", web::get().to(overview))
        .route("/unit", web::get().to(overview))
        .route("/bases", web::get().to(bases_list))
        .route("/at-risk", web::get().to(at_risk_page))
        .route("/bases/{code}", web::get().to(scorecard))
        .route("/bases/{code}/chart.svg", web::get().to(chart_svg))
        .route("/bases/{code}/chart.png", web::get().to(chart_png))
        .route("/imports", web::get().to(imports_page))
        .route("/outbox", web::get().to(outbox_page))
        .route("/outbox/{id}/resend", web::post().to(resend))
        .route("/jobs", web::get().to(jobs_page))
        .route("/rectification", web::get().to(rectification_page))
        .route("/bases/{code}/acceptance", web::post().to(acceptance))
        .route(
            "/bases/{code}/acceptance/apply",
            web::post().to(acceptance_apply),
        )
        .route("/bases/{code}/lapse", web::post().to(lapse))
        .route("/rectification/order", web::post().to(rectification_order))
        .route(
            "/bases/{code}/rectification/decision",
            web::post().to(rectification_decision),
        )
        .route("/imports/upload", web::post().to(upload))
        .route("/templates/{name}", web::get().to(template_download))
        .route("/maps/cities.svg", web::get().to(map_svg))
        .route("/maps/cities.png", web::get().to(map_png))
        .route("/reports/{year}.docx", web::get().to(report_docx))
        .route("/exports/scorecards.xlsx", web::get().to(export_xlsx))
        .route("/exports/scorecards.csv", web::get().to(export_csv))
        .route("/reviews", web::get().to(reviews::reviews_page))
        .route("/records/{id}/review", web::post().to(reviews::review))
        .route("/bases/{code}/records", web::post().to(reviews::add_record))
        .route("/documents", web::get().to(documents::documents_page))
        .route(
            "/documents/order",
            web::post().to(documents::order_for_document),
        )
        .route(
            "/documents/{id}",
            web::get().to(documents::download_document),
        )
        .route(
            "/documents/{id}/review",
            web::post().to(documents::review_document),
        )
        .route(
            "/bases/{code}/documents",
            web::post().to(documents::upload_document),
        )
        .route(
            "/records/{id}/attachment",
            web::post().to(documents::upload_attachment),
        )
        .route(
            "/records/{id}/attachment",
            web::get().to(documents::download_attachment),
        )
        .route("/records/{id}", web::post().to(reviews::resubmit))
        .route("/recognition", web::get().to(recognition::round_page))
        .route(
            "/recognition/rounds",
            web::post().to(recognition::open_round),
        )
        .route(
            "/applications/{id}",
            web::get().to(recognition::application_page),
        )
        .route(
            "/applications/{id}/advance",
            web::post().to(recognition::advance),
        )
        .route(
            "/applications/{id}/reviews",
            web::post().to(recognition::review),
        )
        .route(
            "/applications/{id}/objections",
            web::post().to(recognition::object),
        )
        .route(
            "/applications/{id}/objections/{objection}/resolve",
            web::post().to(recognition::resolve),
        )
        .route(
            "/applications/{id}/documents",
            web::post().to(recognition::upload),
        )
        .route(
            "/applications/{id}/documents/{document}",
            web::get().to(recognition::download),
        )
        .route("/readings", web::get().to(readings::readings_page))
        .route("/readings/{topic}", web::post().to(readings::mark_reading))
        .route("/years/{year}/confirm", web::post().to(years::confirm))
        .route("/years/{year}/reopen", web::post().to(years::reopen))
        .route(
            "/years/{year}/publication.xlsx",
            web::get().to(years::publication),
        );
}

pub(super) fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}

/// Years worth showing: from the first year any base was due, up to this one (at most six).
pub(super) fn years(bases: &[Base], state: &AppState, today: chrono::NaiveDate) -> Vec<i32> {
    let first = bases
        .iter()
        .map(|b| {
            state
                .settings
                .rulebook
                .first_evaluated_year(b.recognised_on)
        })
        .min()
        .unwrap_or(today.year())
        .max(today.year() - 5);
    (first..=today.year()).collect()
}

pub(super) async fn index(SignedIn(s): SignedIn) -> Result<HttpResponse, WebError> {
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", super::auth::home(&s.caller)))
        .finish())
}

/// A page template's frame: its title and the layout around it.
pub(super) fn frame(title: impl Into<String>, s: &Session) -> (String, Layout) {
    (title.into(), Layout::new(Some((&s.caller, &s.csrf))))
}

/// A rendered page as the response.
pub(super) fn render_page(t: &impl askama::Template) -> HttpResponse {
    html(render(t))
}

pub(super) fn svg(chart: &charts::Chart) -> Block {
    Block::Svg(String::from_utf8_lossy(&chart.bytes).to_string())
}

/// The badge of a base's result for a year.
pub(super) fn verdict(pass: Option<bool>) -> Badge {
    match pass {
        Some(true) => Badge::new(Tone::Ok, "达标"),
        Some(false) => Badge::new(Tone::Bad, "未达标"),
        None => Badge::new(Tone::Muted, "本年度不考核"),
    }
}

/// The link to a base's scorecard, showing its code.
pub(super) fn base_link(code: &str, year: Option<i32>) -> Cell {
    let href = match year {
        Some(y) => format!("/bases/{}?year={y}", url(code)),
        None => format!("/bases/{}", url(code)),
    };
    link(href, code)
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: Option<String>,
}

pub(super) const OVERVIEW_RISKS: usize = 20;

pub(super) const RISK_HEADERS: [&str; 6] = ["基地编号", "名称", "类型", "地市", "风险", "说明"];

pub(super) const RISK_IDS: [(metrics::Risk, &str); 4] = [
    (metrics::Risk::NotReported, "not_reported"),
    (metrics::Risk::Unable, "unable"),
    (metrics::Risk::Behind, "behind"),
    (metrics::Risk::Failing, "failing"),
];

pub(super) fn risk_row(a: &metrics::AtRisk, year: i32) -> Vec<Cell> {
    let tone = if a.risk == metrics::Risk::Behind {
        Tone::Warn
    } else {
        Tone::Bad
    };
    vec![
        base_link(&a.base_code, Some(year)),
        text(&a.base_name),
        text(&a.base_type),
        text(&a.city),
        Cell::Badge(Badge {
            tone,
            text: a.risk.name_zh().to_string(),
            order: Some(a.risk as u8),
        }),
        text(&a.detail),
    ]
}
