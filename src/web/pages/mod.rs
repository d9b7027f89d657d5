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
mod imports;
mod overview;
mod rectification;
mod scorecard;

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
use super::html::{esc, page, pct, table, url};
use super::paging::{self, Pager, Paging, Params};
use super::scope::*;
use super::upload::*;
use super::{blocking, AppState, WebError};
use crate::access::{Role, Scope};
use crate::charts::{self, Format};
use crate::compliance::{metrics, output, Scorecard, ScorecardRow};
use crate::dashboards::{ChartKind, Dashboard, Grouping, Metric, Panel};
use crate::db::{self, bases::Base};
use crate::domain::{
    BaseType, Channel, City, ImportOutcome, MailStatus, RectificationOutcome, RunOutcome, Status,
};
use crate::error::{AppError, AppResult};
use crate::ingest::template::{blank_xlsx, Template};
use crate::lifecycle;

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
        .route("/rectification/order", web::post().to(rectification_order))
        .route(
            "/rectification/{id}/revoke",
            web::post().to(rectification_revoke),
        )
        .route("/imports/upload", web::post().to(upload))
        .route("/templates/{name}", web::get().to(template_download))
        .route("/exports/scorecards.xlsx", web::get().to(export_xlsx))
        .route("/exports/scorecards.csv", web::get().to(export_csv));
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

pub(super) fn year_selector(action: &str, year: i32, years: &[i32], extra: &str) -> String {
    let mut opts = String::new();
    for y in years.iter().rev() {
        opts.push_str(&format!(
            r#"<option value="{y}"{}>{y} 年度</option>"#,
            if *y == year { " selected" } else { "" }
        ));
    }
    format!(
        r#"<form class="filters" method="get" action="{action}"><label>考核年度 <select name="year" data-autosubmit>{opts}</select></label><noscript><button>查看</button></noscript>{extra}</form>"#
    )
}

pub(super) fn svg(chart: &charts::Chart) -> String {
    String::from_utf8_lossy(&chart.bytes).to_string()
}

/// `<option>`s for a filter select, `cur` selected.
pub(super) fn options<'a>(
    items: impl IntoIterator<Item = (&'a str, &'a str)>,
    cur: Option<&str>,
) -> String {
    items
        .into_iter()
        .map(|(id, zh)| {
            format!(
                r#"<option value="{}"{}>{}</option>"#,
                esc(id),
                if cur == Some(id) { " selected" } else { "" },
                esc(zh)
            )
        })
        .collect()
}

/// The year select of a filter form.
pub(super) fn year_options(years: &[i32], year: i32) -> String {
    let labels: Vec<(String, String)> = years
        .iter()
        .rev()
        .map(|y| (y.to_string(), format!("{y} 年度")))
        .collect();
    let cur = year.to_string();
    options(
        labels.iter().map(|(a, b)| (a.as_str(), b.as_str())),
        Some(&cur),
    )
}

/// The rows-per-page select and the current order, so a filter form keeps them.
pub(super) fn per_page_and_sort(paging: &Paging) -> String {
    let cur = paging.per_page.to_string();
    let sizes = options(
        [
            ("20", "每页 20 条"),
            ("50", "每页 50 条"),
            ("100", "每页 100 条"),
            ("200", "每页 200 条"),
        ],
        Some(&cur),
    );
    let sort = format!("{}{}", if paging.desc { "-" } else { "" }, paging.sort);
    format!(
        r#"<select name="per_page">{sizes}</select><input type="hidden" name="sort" value="{}">"#,
        esc(&sort)
    )
}

/// A log page's list (imports, outbox, job runs): its filters, the count
/// with previous/next links, and the rows of this page.
pub(super) fn log_list(
    pager: &Pager,
    action: &str,
    filters: &str,
    headers: &[(&str, Option<&str>)],
    rows: &[Vec<String>],
) -> String {
    let summary = pager.summary();
    format!(
        r#"<form class="filters" method="get" action="{action}">{filters}{}<button type="submit">筛选</button></form>{summary}{}{summary}"#,
        per_page_and_sort(pager.paging),
        pager.table(headers, rows)
    )
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

pub(super) fn risk_row(a: &metrics::AtRisk, year: i32) -> Vec<String> {
    vec![
        format!(
            r#"<a href="/bases/{}?year={year}">{}</a>"#,
            url(&a.base_code),
            esc(&a.base_code)
        ),
        esc(&a.base_name),
        esc(&a.base_type),
        esc(&a.city),
        format!(
            r#"<span data-v="{}" class="{}">{}</span>"#,
            a.risk as u8,
            if a.risk == metrics::Risk::Behind {
                "warn"
            } else {
                "bad"
            },
            a.risk.name_zh()
        ),
        esc(&a.detail),
    ]
}
