//! The pages: province / recommending-unit overview, bases list, base
//! scorecard, import, template downloads and exports. Panels come from the
//! dashboards files; every query is scoped by the caller.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;

use super::auth::{check_csrf, session, to_login};
use super::html::{esc, page, pct, table, url};
use super::paging::{self, Pager, Paging, Params};
use super::{blocking, visible, AppState, WebError};
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

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}

macro_rules! logged_in {
    ($req:expr, $state:expr) => {
        match session(&$req, &$state).await? {
            Some(s) => s,
            None => return Ok(to_login(&$req)),
        }
    };
}

/// A province-staff page: anyone else gets 404, as for anything out of scope.
macro_rules! staff_only {
    ($req:expr, $state:expr) => {{
        let s = logged_in!($req, $state);
        if s.caller.role != Role::Province {
            return Err(WebError::NotFound);
        }
        s
    }};
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    pub year: Option<i32>,
}

/// The bases a scope may see, from the cached list (all of it, uncopied, for staff).
pub fn scoped(all: &[Base], scope: Scope) -> Cow<'_, [Base]> {
    match scope {
        Scope::All => Cow::Borrowed(all),
        _ => Cow::Owned(
            all.iter()
                .filter(|b| visible(scope, b.id, b.unit_id))
                .cloned()
                .collect(),
        ),
    }
}

/// The scorecard of `bases`, the bases `scope` may see (see [`scoped`]):
/// the cached whole-country one for staff; for a unit or a base, an
/// evaluation of just its own bases.
pub fn scope_card(
    st: &AppState,
    db: &mut db::Db,
    scope: Scope,
    bases: &[Base],
    year: i32,
    today: chrono::NaiveDate,
) -> AppResult<Arc<Scorecard>> {
    let rb = &st.settings.rulebook;
    match scope {
        Scope::All => st.cache.scorecard(db, rb, year, today),
        Scope::Unit(u) => {
            st.cache
                .scorecard_of(db, rb, &format!("unit:{u}|{year}"), year, today, bases)
        }
        Scope::Base(b) => match bases {
            [base] => base_card(st, db, base, year, today),
            _ => st
                .cache
                .scorecard_of(db, rb, &format!("base:{b}|{year}"), year, today, bases),
        },
    }
}

/// One base's scorecard of `year`: its rows of the whole country's if that
/// is already at hand, otherwise an evaluation of this base alone.
pub fn base_card(
    st: &AppState,
    db: &mut db::Db,
    base: &Base,
    year: i32,
    today: chrono::NaiveDate,
) -> AppResult<Arc<Scorecard>> {
    if let Some(all) = st.cache.country_if_done(year) {
        return Ok(Arc::new(Scorecard {
            year: all.year,
            as_of: all.as_of,
            running: all.running,
            rulebook: all.rulebook.clone(),
            rows: all
                .rows
                .iter()
                .filter(|r| r.base_id == base.id)
                .cloned()
                .collect(),
        }));
    }
    let key = format!("base:{}|{year}", base.id);
    st.cache.scorecard_of(
        db,
        &st.settings.rulebook,
        &key,
        year,
        today,
        std::slice::from_ref(base),
    )
}

/// Years worth showing: from the first year any base was due, up to this one (at most six).
fn years(bases: &[Base], state: &AppState, today: chrono::NaiveDate) -> Vec<i32> {
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

pub fn year_of(q: Option<i32>, today: chrono::NaiveDate) -> i32 {
    q.filter(|y| (2000..=2100).contains(y))
        .unwrap_or(today.year())
}

async fn index(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    let s = logged_in!(req, state);
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", super::auth::home(&s.caller)))
        .finish())
}

/// Everything the overview needs, read once.
struct OverviewData<'a> {
    year: i32,
    years: Vec<i32>,
    bases: &'a [Base],
    cards: Vec<Arc<Scorecard>>,
    deadlines: Vec<lifecycle::Deadline>,
}

impl OverviewData<'_> {
    fn card(&self) -> Option<&Scorecard> {
        self.cards
            .iter()
            .find(|c| c.year == self.year)
            .map(|c| c.as_ref())
    }
}

async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let s = logged_in!(req, state);
    if s.caller.role == Role::Base {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", "/bases"))
            .finish());
    }
    let today = state.today();
    let year = year_of(q.year, today);
    let scope = s.caller.scope;
    let province = s.caller.role == Role::Province;
    let st = state.clone();
    // The body depends only on scope, year and data: rendered once, then served from the cache.
    let key = format!("overview|{scope:?}|{year}");
    let cached = state.cache.fresh_page(&key, today);
    let body = match cached {
        Some(body) => body,
        None => {
            blocking(&state, move |db| {
                st.cache.sync(db, today)?;
                st.cache.page(key, || {
                    let all = st.cache.bases(db)?;
                    let bases = scoped(&all, scope);
                    let years = years(&bases, &st, today);
                    let dash = if province {
                        &st.dashboards.overview
                    } else {
                        &st.dashboards.unit
                    };
                    // Only the years the panels show: the year asked for, and
                    // for a trend the finished years (a running one says nothing
                    // yet). Staff share the cached whole-country scorecards; a
                    // unit's overview evaluates only its own bases.
                    let trend = dash.panels.iter().any(|p| p.metric == Metric::PassTrend);
                    let running = |y: i32| {
                        chrono::NaiveDate::from_ymd_opt(y, 12, 31).is_some_and(|end| today < end)
                    };
                    let wanted = years
                        .iter()
                        .copied()
                        .filter(|&y| trend && !running(y))
                        .chain(std::iter::once(year));
                    let mut cards = Vec::new();
                    for y in wanted {
                        if !cards.iter().any(|c: &Arc<Scorecard>| c.year == y) {
                            cards.push(scope_card(&st, db, scope, &bases, y, today)?);
                        }
                    }
                    let open = db::rectifications::open_deadlines(db)?;
                    let mut deadlines: Vec<_> = bases
                        .iter()
                        .flat_map(|b| {
                            lifecycle::deadlines(
                                b,
                                &st.settings.rulebook,
                                today,
                                open.get(&b.id).copied(),
                            )
                        })
                        .filter(|d| (d.date - today).num_days() <= 120)
                        .collect();
                    deadlines.sort_by(|a, b| {
                        (a.date, a.kind, &a.base_code).cmp(&(b.date, b.kind, &b.base_code))
                    });
                    let data = OverviewData {
                        year,
                        years,
                        bases: &bases,
                        cards,
                        deadlines,
                    };
                    Ok(overview_body(&st, scope, dash, &data))
                })
            })
            .await?
        }
    };
    let dash = if province {
        &state.dashboards.overview
    } else {
        &state.dashboards.unit
    };
    Ok(html(page(&dash.title, Some((&s.caller, &s.csrf)), &body)))
}

fn year_selector(action: &str, year: i32, years: &[i32], extra: &str) -> String {
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

fn overview_body(state: &AppState, scope: Scope, dash: &Dashboard, d: &OverviewData) -> String {
    let mut body = year_selector(
        "/overview",
        d.year,
        &d.years,
        &format!(
            r#" <a href="/exports/scorecards.xlsx?year={y}">导出 Excel</a> <a href="/exports/scorecards.csv?year={y}">导出 CSV</a>"#,
            y = d.year
        ),
    );
    if let Some(card) = d.card() {
        let ids: std::collections::HashSet<i64> = d.bases.iter().map(|b| b.id).collect();
        let mut n = 0;
        let mut pass = 0;
        let mut last = None;
        for r in card.rows.iter().filter(|r| ids.contains(&r.base_id)) {
            if last != Some(r.base_id) {
                n += 1;
                pass += usize::from(r.base_pass);
                last = Some(r.base_id);
            }
        }
        body.push_str(&format!(
            r#"<p>{} 年度{}：应考核基地 <strong>{n}</strong> 个，达标 <strong class="ok">{pass}</strong> 个，未达标 <strong class="bad">{}</strong> 个。规则：{}</p>"#,
            d.year,
            if card.running { format!("（截至 {}，统计期未结束）", card.as_of) } else { String::new() },
            n - pass,
            esc(&card.rulebook)
        ));
    }
    body.push_str(r#"<div class="grid">"#);
    for (i, p) in dash.panels.iter().enumerate() {
        let inner = overview_panel(state, scope, p, i, d).unwrap_or_else(|e| {
            tracing::error!("panel {}: {e}", p.title);
            r#"<p class="muted">此面板暂时无法显示</p>"#.into()
        });
        // Lists get the full width: their rows are long.
        let wide = if p.chart == ChartKind::List {
            " wide"
        } else {
            ""
        };
        body.push_str(&format!(
            r#"<section class="panel{wide}"><h2>{}</h2>{inner}</section>"#,
            esc(&p.title)
        ));
    }
    body.push_str("</div>");
    body
}

fn filtered<'a>(bases: &'a [Base], p: &Panel) -> Vec<&'a Base> {
    bases
        .iter()
        .filter(|b| {
            p.filters
                .base_type
                .as_deref()
                .is_none_or(|t| BaseType::parse(t).is_ok_and(|t| t == b.base_type))
        })
        .collect()
}

fn svg(chart: &charts::Chart) -> String {
    String::from_utf8_lossy(&chart.bytes).to_string()
}

fn chart_err(e: charts::ChartError) -> AppError {
    AppError::Compute(e.to_string())
}

fn overview_panel(
    state: &AppState,
    scope: Scope,
    p: &Panel,
    i: usize,
    d: &OverviewData,
) -> AppResult<String> {
    let bases = filtered(d.bases, p);
    let by_id: HashMap<i64, &Base> = bases.iter().map(|b| (b.id, *b)).collect();
    let key = format!("{scope:?}|{}|{i}", d.year);
    Ok(match p.metric {
        Metric::BaseCount => {
            let g = metrics::base_count(&bases, p.group_by.unwrap_or(Grouping::Type));
            let max = g.iter().map(|x| x.value).fold(1.0, f64::max);
            let rows: Vec<Vec<String>> = g
                .iter()
                .map(|x| {
                    vec![
                        esc(&x.label),
                        format!("{}", x.value),
                        format!(
                            r#"<svg class="bar" viewBox="0 0 100 14" preserveAspectRatio="none"><rect width="{:.0}" height="14"/></svg>"#,
                            x.value / max * 100.0
                        ),
                    ]
                })
                .collect();
            table(&["分组", "基地数", ""], &rows, false)
        }
        Metric::PassRate => {
            let Some(card) = d.card() else {
                return Ok(String::new());
            };
            let g = metrics::pass_rate(card, &by_id, p.group_by.unwrap_or(Grouping::Type));
            if p.chart == ChartKind::Bar {
                let items: Vec<(String, f64)> =
                    g.iter().map(|x| (x.label.clone(), x.value)).collect();
                let title = format!("{} 年度{}", d.year, p.title);
                let c = state.cache.chart(key, || {
                    charts::rate_chart(&title, &items, Format::Svg).map_err(chart_err)
                })?;
                svg(&c)
            } else {
                let rows: Vec<Vec<String>> = g
                    .iter()
                    .map(|x| vec![esc(&x.label), pct(x.value), x.of.to_string()])
                    .collect();
                table(&["分组", "达标率", "考核数"], &rows, true)
            }
        }
        Metric::PassTrend => {
            let cards: Vec<Scorecard> = d
                .cards
                .iter()
                // Finished years with data: a running year's rate says nothing yet.
                .filter(|c| d.years.contains(&c.year) && !c.running)
                .filter(|c| c.rows.iter().any(|r| r.actual.is_some()))
                .map(|c| c.as_ref().clone())
                .collect();
            let series = metrics::pass_trend(&cards, &by_id, p.group_by == Some(Grouping::Type));
            if p.chart == ChartKind::Line {
                let c = state.cache.chart(key, || {
                    charts::trend_chart(&p.title, &series, Format::Svg).map_err(chart_err)
                })?;
                svg(&c)
            } else {
                let rows: Vec<Vec<String>> = series
                    .iter()
                    .flat_map(|(name, pts)| {
                        pts.iter()
                            .map(move |(y, v)| vec![esc(name), y.to_string(), pct(*v)])
                    })
                    .collect();
                table(&["范围", "年度", "达标率"], &rows, true)
            }
        }
        Metric::AtRisk => {
            let Some(card) = d.card() else {
                return Ok(String::new());
            };
            // The first rows only: the whole list is paged at /at-risk.
            let list = metrics::at_risk(card, &by_id);
            let rows: Vec<Vec<String>> = list
                .iter()
                .take(OVERVIEW_RISKS)
                .map(|a| risk_row(a, d.year))
                .collect();
            let mut all = format!("/at-risk?year={}", d.year);
            if let Some(t) = &p.filters.base_type {
                all.push_str(&format!("&type={}", url(t)));
            }
            let more = if list.len() > rows.len() {
                format!("显示最需关注的前 {} 个，共 {} 个", rows.len(), list.len())
            } else {
                format!("共 {} 个", list.len())
            };
            format!(
                r#"<p class="muted">{more} · <a href="{}">查看全部风险基地（分页、排序、筛选）</a></p>{}"#,
                esc(&all),
                table(&RISK_HEADERS, &rows, false)
            )
        }
        Metric::Deadlines => {
            // Same date and kind for many bases: one line with the count.
            let mut grouped: Vec<(
                chrono::NaiveDate,
                lifecycle::DeadlineKind,
                Vec<&lifecycle::Deadline>,
            )> = Vec::new();
            let codes: HashSet<&str> = bases.iter().map(|b| b.code.as_str()).collect();
            for dl in d
                .deadlines
                .iter()
                .filter(|dl| codes.contains(dl.base_code.as_str()))
            {
                match grouped
                    .iter_mut()
                    .find(|g| g.0 == dl.date && g.1 == dl.kind)
                {
                    Some(g) => g.2.push(dl),
                    None => grouped.push((dl.date, dl.kind, vec![dl])),
                }
            }
            let rows: Vec<Vec<String>> = grouped
                .iter()
                .take(30)
                .map(|(date, kind, list)| {
                    let who = if list.len() > 3 {
                        format!("{} 个基地", list.len())
                    } else {
                        list.iter()
                            .map(|x| {
                                format!(
                                    r#"<a href="/bases/{}">{}</a>"#,
                                    url(&x.base_code),
                                    esc(&x.base_name)
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("、")
                    };
                    vec![date.to_string(), esc(kind.name_zh()), who]
                })
                .collect();
            table(&["日期", "事项", "涉及"], &rows, false)
        }
        _ => String::new(),
    })
}

/// `<option>`s for a filter select, `cur` selected.
fn options<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>, cur: Option<&str>) -> String {
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
fn year_options(years: &[i32], year: i32) -> String {
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
fn per_page_and_sort(paging: &Paging) -> String {
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

/// Filters as (param, value) pairs, the ones given, to keep in links.
fn keep(pairs: &[(&'static str, &Option<String>)]) -> Vec<(&'static str, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v.clone())))
        .collect()
}

/// A log page's list (imports, outbox, job runs): its filters, the count
/// with previous/next links, and the rows of this page.
fn log_list(
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

/// The filters of a bases list (`type`, `city`, `channel`, `status`, `q`,
/// and on pages `result` of the year), checked against the known values.
pub struct BaseFilter {
    pub base_type: Option<BaseType>,
    pub city: Option<City>,
    pub channel: Option<Channel>,
    pub status: Option<Status>,
    pub result: Option<String>,
    pub q: Option<String>,
}

/// A base's result in the year: passes, fails, not evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Pass,
    Fail,
    NotDue,
}

impl BaseFilter {
    /// The sort keys a bases list offers (`result` only with a scorecard).
    pub const SORTS: [&'static str; 7] = [
        "code", "name", "type", "city", "channel", "status", "result",
    ];

    pub fn parse(p: &Params, with_result: bool) -> Result<BaseFilter, WebError> {
        let results: &[&str] = if with_result {
            &["pass", "fail", "none"]
        } else {
            &[]
        };
        Ok(BaseFilter {
            base_type: p.parsed("type", BaseType::parse)?,
            city: p.parsed("city", City::parse)?,
            channel: p.parsed("channel", Channel::parse)?,
            status: p.parsed("status", Status::parse)?,
            result: p.one_of("result", results)?,
            q: p.text("q"),
        })
    }

    /// The filters given, to keep in links.
    pub fn keep(&self) -> Vec<(&'static str, String)> {
        let code = |c: Option<&'static str>| c.map(str::to_string);
        keep(&[
            (
                "type",
                &code(self.base_type.map(crate::domain::Coded::code)),
            ),
            ("city", &code(self.city.map(crate::domain::Coded::code))),
            (
                "channel",
                &code(self.channel.map(crate::domain::Coded::code)),
            ),
            ("status", &code(self.status.map(crate::domain::Coded::code))),
            ("result", &self.result),
            ("q", &self.q),
        ])
    }

    /// The bases that pass the filters, in the order `paging` asks for.
    pub fn select<'a>(
        &self,
        bases: &'a [Base],
        outcome: impl Fn(&Base) -> Outcome,
        paging: &Paging,
    ) -> Vec<&'a Base> {
        let want = match self.result.as_deref() {
            Some("pass") => Some(Outcome::Pass),
            Some("fail") => Some(Outcome::Fail),
            Some("none") => Some(Outcome::NotDue),
            _ => None,
        };
        let mut list: Vec<&Base> = bases
            .iter()
            .filter(|b| self.base_type.is_none_or(|t| t == b.base_type))
            .filter(|b| self.city.is_none_or(|c| c == b.city))
            .filter(|b| self.channel.is_none_or(|c| c == b.channel))
            .filter(|b| self.status.is_none_or(|x| x == b.status))
            .filter(|b| want.is_none_or(|w| outcome(b) == w))
            .filter(|b| {
                self.q
                    .as_ref()
                    .is_none_or(|q| paging::matches(q, &b.name, &b.code))
            })
            .collect();
        // Types, channels, statuses and cities in their canonical order.
        let type_order = |b: &Base| BaseType::ALL.iter().position(|t| *t == b.base_type);
        let channel_order = |b: &Base| Channel::ALL.iter().position(|c| *c == b.channel);
        let status_order = |b: &Base| Status::ALL.iter().position(|x| *x == b.status);
        let city_order = |b: &Base| City::ALL.iter().position(|c| *c == b.city);
        list.sort_by(|a, b| {
            let o = match paging.sort.as_str() {
                "name" => a.name.cmp(&b.name),
                "type" => type_order(a).cmp(&type_order(b)),
                "city" => city_order(a).cmp(&city_order(b)),
                "channel" => channel_order(a).cmp(&channel_order(b)),
                "status" => status_order(a).cmp(&status_order(b)),
                "result" => outcome(a).cmp(&outcome(b)),
                _ => std::cmp::Ordering::Equal,
            };
            paging.dir(o.then_with(|| a.code.cmp(&b.code)))
        });
        list
    }
}

async fn bases_list(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let s = logged_in!(req, state);
    let today = state.today();
    let p = Params::parse(req.query_string());
    let year = year_of(p.year()?, today);
    let paging = Paging::from(&p, &BaseFilter::SORTS, "code")?;
    let f = BaseFilter::parse(&p, true)?;
    let scope = s.caller.scope;
    let st = state.clone();
    let body = blocking(&state, move |db| {
        st.cache.sync(db, today)?;
        let all = st.cache.bases(db)?;
        let bases = scoped(&all, scope);
        let years = years(&bases, &st, today);
        let card = scope_card(&st, db, scope, &bases, year, today)?;
        let pass: HashMap<i64, bool> = card.rows.iter().map(|r| (r.base_id, r.base_pass)).collect();
        let result = |b: &Base| match pass.get(&b.id) {
            Some(true) => Outcome::Pass,
            Some(false) => Outcome::Fail,
            None => Outcome::NotDue,
        };
        let list = f.select(&bases, result, &paging);
        let rows: Vec<Vec<String>> = paging
            .slice(&list)
            .iter()
            .map(|b| {
                let shown = match result(b) {
                    Outcome::Pass => r#"<span class="ok">达标</span>"#,
                    Outcome::Fail => r#"<span class="bad">未达标</span>"#,
                    Outcome::NotDue => r#"<span class="muted">本年度不考核</span>"#,
                };
                vec![
                    format!(
                        r#"<a href="/bases/{}?year={year}">{}</a>"#,
                        url(&b.code),
                        esc(&b.code)
                    ),
                    esc(&b.name),
                    esc(b.base_type.name_zh()),
                    esc(b.city.as_str()),
                    esc(b.channel.name_zh()),
                    esc(b.status.name_zh()),
                    shown.to_string(),
                ]
            })
            .collect();
        let mut kept = vec![("year", year.to_string())];
        kept.extend(f.keep());
        let pager = Pager {
            path: "/bases",
            keep: kept,
            paging: &paging,
            total: list.len(),
        };
        let result_header = format!("{year} 年度结果");
        let summary = pager.summary();
        Ok(format!(
            r#"<form class="filters" method="get" action="/bases">
<select name="year">{years_opt}</select>
<select name="type"><option value="">全部类型</option>{types}</select>
<select name="city"><option value="">全部地市</option>{cities}</select>
<select name="channel"><option value="">全部渠道</option>{channels}</select>
<select name="status"><option value="">全部状态</option>{statuses}</select>
<select name="result"><option value="">全部结果</option>{results}</select>
<input name="q" placeholder="名称或编号" value="{qv}">{pps}<button type="submit">筛选</button>
<a href="/exports/scorecards.xlsx?year={year}">导出 Excel</a> <a href="/exports/scorecards.csv?year={year}">导出 CSV</a></form>
<p class="muted">共 {n} 个基地，点击表头排序</p>{summary}{t}{summary}"#,
            years_opt = year_options(&years, year),
            types = options(BaseType::ALL.iter().map(|t| (t.id(), t.name_zh())), f.base_type.map(BaseType::id)),
            cities = options(City::ALL.iter().map(|c| (c.as_str(), c.as_str())), f.city.map(City::as_str)),
            channels = options(Channel::ALL.iter().map(|c| (c.id(), c.name_zh())), f.channel.map(Channel::id)),
            statuses = options(Status::ALL.iter().map(|x| (x.id(), x.name_zh())), f.status.map(Status::id)),
            results = options([("pass", "达标"), ("fail", "未达标"), ("none", "不考核")], f.result.as_deref()),
            qv = esc(f.q.as_deref().unwrap_or("")),
            pps = per_page_and_sort(&paging),
            n = list.len(),
            t = pager.table(
                &[
                    ("基地编号", Some("code")),
                    ("名称", Some("name")),
                    ("类型", Some("type")),
                    ("地市", Some("city")),
                    ("推荐渠道", Some("channel")),
                    ("状态", Some("status")),
                    (result_header.as_str(), Some("result")),
                ],
                &rows,
            )
        ))
    })
    .await?;
    Ok(html(page("基地列表", Some((&s.caller, &s.csrf)), &body)))
}

const OVERVIEW_RISKS: usize = 20;
const RISK_HEADERS: [&str; 6] = ["基地编号", "名称", "类型", "地市", "风险", "说明"];
const RISK_IDS: [(metrics::Risk, &str); 4] = [
    (metrics::Risk::NotReported, "not_reported"),
    (metrics::Risk::Unable, "unable"),
    (metrics::Risk::Behind, "behind"),
    (metrics::Risk::Failing, "failing"),
];

fn risk_row(a: &metrics::AtRisk, year: i32) -> Vec<String> {
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

/// Every base at risk in the caller's scope, paged: the overview shows its first rows.
async fn at_risk_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let s = logged_in!(req, state);
    let today = state.today();
    let p = Params::parse(req.query_string());
    let year = year_of(p.year()?, today);
    let paging = Paging::from(
        &p,
        &["risk", "code", "name", "type", "city", "missing"],
        "risk",
    )?;
    let risk_ids: Vec<&str> = RISK_IDS.iter().map(|(_, id)| *id).collect();
    let fk = p.one_of("risk", &risk_ids)?;
    let ft = p.parsed("type", BaseType::parse)?;
    let fc = p
        .parsed("city", City::parse)?
        .map(|c| c.as_str().to_string());
    let fq = p.text("q");
    let scope = s.caller.scope;
    let st = state.clone();
    let body = blocking(&state, move |db| {
        st.cache.sync(db, today)?;
        let all = st.cache.bases(db)?;
        let bases = scoped(&all, scope);
        let years = years(&bases, &st, today);
        let card = scope_card(&st, db, scope, &bases, year, today)?;
        let risks = st.cache.risks(format!("{scope:?}|{year}"), || {
            let by_id: HashMap<i64, &Base> = bases.iter().map(|b| (b.id, b)).collect();
            Ok(metrics::at_risk(&card, &by_id))
        })?;
        let kind = fk
            .as_deref()
            .and_then(|k| RISK_IDS.iter().find(|(_, id)| *id == k))
            .map(|(r, _)| *r);
        let mut list: Vec<&metrics::AtRisk> = risks
            .iter()
            .filter(|a| kind.is_none_or(|k| a.risk == k))
            .filter(|a| ft.is_none_or(|t| a.base_type == t.name_zh()))
            .filter(|a| fc.as_ref().is_none_or(|c| *c == a.city))
            .filter(|a| fq.as_ref().is_none_or(|q| paging::matches(q, &a.base_name, &a.base_code)))
            .collect();
        // The list comes in its natural order (risk, then most missing); others re-sort.
        list.sort_by(|a, b| {
            let o = match paging.sort.as_str() {
                "code" => a.base_code.cmp(&b.base_code),
                "name" => a.base_name.cmp(&b.base_name),
                "type" => a.base_type.cmp(&b.base_type),
                "city" => a.city.cmp(&b.city),
                "missing" => a.missing.cmp(&b.missing),
                _ => a.risk.cmp(&b.risk).then(b.missing.cmp(&a.missing)),
            };
            paging.dir(o.then_with(|| a.base_code.cmp(&b.base_code)))
        });
        let rows: Vec<Vec<String>> = paging
            .slice(&list)
            .iter()
            .map(|a| risk_row(a, year))
            .collect();
        let y = Some(year.to_string());
        let t = ft.map(|t| t.id().to_string());
        let pager = Pager {
            path: "/at-risk",
            keep: keep(&[("year", &y), ("risk", &fk), ("type", &t), ("city", &fc), ("q", &fq)]),
            paging: &paging,
            total: list.len(),
        };
        let summary = pager.summary();
        let labels: Vec<(&str, &str)> = RISK_IDS.iter().map(|(r, id)| (*id, r.name_zh())).collect();
        Ok(format!(
            r#"<form class="filters" method="get" action="/at-risk">
<select name="year">{years_opt}</select>
<select name="risk"><option value="">全部风险</option>{kinds}</select>
<select name="type"><option value="">全部类型</option>{types}</select>
<select name="city"><option value="">全部地市</option>{cities}</select>
<input name="q" placeholder="名称或编号" value="{qv}">{pps}<button type="submit">筛选</button></form>
<p class="muted">{year} 年度未达标、进度落后、难以完成或未填报的基地，点击表头排序</p>{summary}{table}{summary}"#,
            years_opt = year_options(&years, year),
            kinds = options(labels, fk.as_deref()),
            types = options(BaseType::ALL.iter().map(|t| (t.id(), t.name_zh())), t.as_deref()),
            cities = options(City::ALL.iter().map(|c| (c.as_str(), c.as_str())), fc.as_deref()),
            qv = esc(fq.as_deref().unwrap_or("")),
            pps = per_page_and_sort(&paging),
            table = pager.table(
                &[
                    ("基地编号", Some("code")),
                    ("名称", Some("name")),
                    ("类型", Some("type")),
                    ("地市", Some("city")),
                    ("风险", Some("risk")),
                    ("说明", Some("missing")),
                ],
                &rows,
            )
        ))
    })
    .await?;
    Ok(html(page("风险基地", Some((&s.caller, &s.csrf)), &body)))
}

/// One base's data for its scorecard page.
struct BaseData {
    base: Base,
    year: i32,
    years: Vec<i32>,
    card: Arc<Scorecard>,
    cycle: Vec<Arc<Scorecard>>,
    records: Vec<db::records::Record>,
    history: Vec<db::bases::StatusChange>,
    changes: Vec<db::counts::Change>,
    imports: Vec<db::imports::ImportRow>,
    unit: String,
    rectify_by: Option<chrono::NaiveDate>,
}

impl BaseData {
    fn rows(&self) -> Vec<&ScorecardRow> {
        self.card
            .rows
            .iter()
            .filter(|r| r.base_id == self.base.id)
            .collect()
    }
}

/// The base with `code` if the scope may see it; 404 otherwise. From the
/// cached list when it is loaded, else one row: a cold scorecard page does
/// not read the whole register.
fn visible_base(st: &AppState, db: &mut db::Db, code: &str, scope: Scope) -> AppResult<Base> {
    let found = match st.cache.bases_if_done() {
        Some(all) => all
            .iter()
            .find(|b| b.code == code && visible(scope, b.id, b.unit_id))
            .cloned(),
        None => db::bases::find_in_scope(db, code, scope)?,
    };
    found.ok_or_else(|| AppError::NotFound(code.to_string()))
}

fn load_base_data(
    st: &AppState,
    db: &mut db::Db,
    base: Base,
    year: i32,
    today: chrono::NaiveDate,
) -> AppResult<BaseData> {
    // This base alone, never the country (unless that is already at hand).
    let card = base_card(st, db, &base, year, today)?;
    let first = st
        .settings
        .rulebook
        .first_evaluated_year(base.recognised_on);
    let years: Vec<i32> = (first.max(today.year() - 5)..=today.year()).collect();
    let cycle_end = lifecycle::cycle_end(&base, &st.settings.rulebook);
    let mut cycle = Vec::new();
    for y in base.cycle_start.year()..=cycle_end.year().min(today.year()) {
        if y >= first {
            cycle.push(base_card(st, db, &base, y, today)?);
        }
    }
    let records = db::records::for_base(db, base.id, year)?;
    let history = db::bases::status_history(db, base.id)?;
    let changes = db::counts::changes_for_base(db, base.id)?;
    let mut ids: Vec<i64> = changes
        .iter()
        .map(|c| c.import_id)
        .chain(records.iter().map(|r| r.import_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let imports = db::imports::by_ids(db, &ids)?;
    let unit = db::units::all(db)?
        .into_iter()
        .find(|u| u.id == base.unit_id)
        .map(|u| u.name)
        .unwrap_or_default();
    let rectify_by = db::rectifications::open_deadlines(db)?
        .get(&base.id)
        .copied();
    Ok(BaseData {
        base,
        year,
        years,
        card,
        cycle,
        records,
        history,
        changes,
        imports,
        unit,
        rectify_by,
    })
}

fn indicator_bars(rows: &[&ScorecardRow]) -> Vec<charts::Bar> {
    rows.iter()
        .map(|r| charts::Bar {
            label: r.indicator.short_zh().to_string(),
            actual: r.actual.map(|a| a as f64),
            target: r.target as f64,
        })
        .collect()
}

/// The base's chart for a year (SVG or PNG), cached.
pub fn base_chart(
    state: &AppState,
    base: &Base,
    rows: &[&ScorecardRow],
    year: i32,
    format: Format,
) -> AppResult<Arc<charts::Chart>> {
    let key = format!("base|{}|{year}|{format:?}", base.id);
    let title = format!("{} {year} 年度指标完成情况", base.name);
    let bars = indicator_bars(rows);
    state.cache.chart(key, || {
        charts::indicator_chart(&title, &bars, format).map_err(chart_err)
    })
}

async fn scorecard(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let s = logged_in!(req, state);
    let today = state.today();
    let year = year_of(q.year, today);
    let code = path.into_inner();
    let code_for_form = code.clone();
    let scope = s.caller.scope;
    let st = state.clone();
    let (title, body) = blocking(&state, move |db| {
        st.cache.sync(db, today)?;
        let base = visible_base(&st, db, &code, scope)?;
        let title = format!("{} · 记分卡", base.name);
        let key = format!("base|{}|{year}", base.id);
        let body = st.cache.page(key, || {
            let d = load_base_data(&st, db, base, year, today)?;
            Ok(scorecard_body(&st, &d))
        })?;
        Ok((title, body))
    })
    .await?;
    let mut body = body.as_ref().clone();
    if s.caller.role == Role::Province {
        // Staff actions are not part of the cached body: other roles share it.
        body.push_str(&format!(
            r#"<section class="panel"><h2>验收（第十七条）</h2><form method="post" action="/bases/{}/acceptance"><input type="hidden" name="csrf" value="{}">
<button name="step" value="applied">记录：已申请验收</button> <button name="step" value="passed">记录：验收合格，开始新的建设周期</button> <button name="step" value="lapsed">记录：验收不合格或未申请，不再认定</button></form></section>"#,
            url(&code_for_form),
            esc(&s.csrf)
        ));
    }
    Ok(html(page(&title, Some((&s.caller, &s.csrf)), &body)))
}

#[derive(Deserialize)]
pub struct AcceptanceForm {
    csrf: Option<String>,
    step: String,
}

async fn acceptance(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<AcceptanceForm>,
) -> Result<HttpResponse, WebError> {
    let s = staff_only!(req, state);
    check_csrf(&s, form.csrf.as_deref())?;
    let step = lifecycle::Acceptance::parse(&form.step)
        .ok_or_else(|| WebError::BadRequest("未知的验收步骤 (unknown step)".into()))?;
    let code = path.into_inner();
    let today = state.today();
    let by = s.caller.username.clone();
    let c2 = code.clone();
    blocking(&state, move |db| {
        let base =
            db::bases::find_by_code(db, &c2)?.ok_or_else(|| AppError::NotFound(c2.clone()))?;
        lifecycle::record_acceptance(db, &base, step, today, &by)
    })
    .await?;
    state.cache.invalidate();
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("/bases/{}", url(&code))))
        .finish())
}

fn scorecard_body(state: &AppState, d: &BaseData) -> String {
    let b = &d.base;
    let mut body = year_selector(
        &format!("/bases/{}", url(&b.code)),
        d.year,
        &d.years,
        &format!(
            r#" <a href="/bases/{}/chart.png?year={}">下载图表 PNG</a>"#,
            url(&b.code),
            d.year
        ),
    );
    let rows = d.rows();
    let verdict = match rows.first() {
        None => r#"<span class="muted">本年度不考核</span>"#.to_string(),
        Some(r) if r.base_pass => r#"<strong class="ok">达标</strong>"#.to_string(),
        Some(_) => r#"<strong class="bad">未达标</strong>"#.to_string(),
    };
    body.push_str(&format!(
        r#"<p>{}（{}）· {} · {} · 推荐单位：{} · 状态：{} · 认定日期 {} · {} 年度：{verdict}</p>"#,
        esc(&b.name),
        esc(&b.code),
        esc(b.base_type.name_zh()),
        esc(b.city.as_str()),
        esc(&d.unit),
        esc(b.status.name_zh()),
        b.recognised_on,
        d.year
    ));
    body.push_str(r#"<div class="grid">"#);
    for p in &state.dashboards.scorecard.panels {
        let inner = scorecard_panel(state, p, d, &rows).unwrap_or_else(|e| {
            tracing::error!("panel {}: {e}", p.title);
            r#"<p class="muted">此面板暂时无法显示</p>"#.into()
        });
        body.push_str(&format!(
            r#"<section class="panel"><h2>{}</h2>{inner}</section>"#,
            esc(&p.title)
        ));
    }
    body.push_str("</div>");
    body
}

fn scorecard_panel(
    state: &AppState,
    p: &Panel,
    d: &BaseData,
    rows: &[&ScorecardRow],
) -> AppResult<String> {
    let today = state.today();
    Ok(match p.metric {
        Metric::IndicatorProgress => {
            if rows.is_empty() {
                return Ok(
                    r#"<p class="muted">本年度不考核（认定后第一个完整自然年起考核）</p>"#.into(),
                );
            }
            if p.chart == ChartKind::Bar {
                let c = base_chart(state, &d.base, rows, d.year, Format::Svg)?;
                svg(&c)
            } else {
                let t: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        vec![
                            esc(r.indicator.short_zh()),
                            r.actual
                                .map(|a| a.to_string())
                                .unwrap_or_else(|| "未填报".into()),
                            r.target.to_string(),
                            r.gap.to_string(),
                        ]
                    })
                    .collect();
                table(&["指标", "实际", "目标", "差额"], &t, false)
            }
        }
        Metric::ScorecardText => {
            let mut s = String::from("<ul>");
            for r in rows {
                let class = if r.met {
                    "ok"
                } else if r.actual.is_none() {
                    "bad"
                } else {
                    "warn"
                };
                let pace = r
                    .pace
                    .map(|x| format!("（{}）", x.name_zh()))
                    .unwrap_or_default();
                s.push_str(&format!(
                    r#"<li class="{class}">{}：{} / {} {}{pace}</li>"#,
                    esc(r.indicator.short_zh()),
                    r.actual
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| "未填报".into()),
                    r.target,
                    esc(&output::explain(r))
                ));
            }
            if rows.is_empty() {
                s.push_str(r#"<li class="muted">本年度不考核</li>"#);
            }
            s.push_str("</ul>");
            s
        }
        Metric::CycleHistory => {
            let end = lifecycle::cycle_end(&d.base, &state.settings.rulebook);
            let mut t = Vec::new();
            for c in &d.cycle {
                let rs: Vec<&ScorecardRow> =
                    c.rows.iter().filter(|r| r.base_id == d.base.id).collect();
                if rs.is_empty() {
                    continue;
                }
                let detail = rs
                    .iter()
                    .map(|r| {
                        format!(
                            "{} {}/{}",
                            r.indicator.short_zh(),
                            r.actual
                                .map(|a| a.to_string())
                                .unwrap_or_else(|| "未填报".into()),
                            r.target
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("；");
                t.push(vec![
                    c.year.to_string(),
                    if rs[0].base_pass {
                        r#"<span class="ok">达标</span>"#.into()
                    } else if c.running {
                        r#"<span class="warn">统计期未结束</span>"#.into()
                    } else {
                        r#"<span class="bad">未达标</span>"#.into()
                    },
                    esc(&detail),
                ]);
            }
            format!(
                r#"<p>本建设周期：{} 至 {}</p>{}"#,
                d.base.cycle_start,
                end,
                table(&["年度", "结果", "各指标"], &t, false)
            )
        }
        Metric::StatusHistory => {
            let hist: Vec<Vec<String>> = d
                .history
                .iter()
                .map(|h| {
                    vec![
                        h.effective_on.to_string(),
                        esc(h.status.name_zh()),
                        esc(&h.reason),
                        esc(&h.changed_by),
                    ]
                })
                .collect();
            let dl: Vec<Vec<String>> =
                lifecycle::deadlines(&d.base, &state.settings.rulebook, today, d.rectify_by)
                    .iter()
                    .map(|x| {
                        vec![
                            x.date.to_string(),
                            esc(x.kind.name_zh()),
                            format!("还有 {} 天", (x.date - today).num_days()),
                        ]
                    })
                    .collect();
            format!(
                "<h3>截止事项</h3>{}<h3>状态记录</h3>{}",
                table(&["日期", "事项", ""], &dl, false),
                table(&["生效日期", "状态", "原因", "操作人"], &hist, false)
            )
        }
        Metric::Records => {
            // Newest first; a base with thousands of records shows the latest.
            let t: Vec<Vec<String>> = d
                .records
                .iter()
                .take(RECORDS_SHOWN)
                .map(|r| {
                    let link = if r.evidence_url.starts_with("http://")
                        || r.evidence_url.starts_with("https://")
                    {
                        format!(
                            r#"<a href="{}" rel="noopener noreferrer" target="_blank">佐证</a>"#,
                            esc(&r.evidence_url)
                        )
                    } else {
                        String::new()
                    };
                    vec![
                        r.occurred_on.to_string(),
                        esc(r.indicator.short_zh()),
                        r.quantity.to_string(),
                        esc(&r.title),
                        link,
                    ]
                })
                .collect();
            let shown = if t.len() < d.records.len() {
                format!("，显示最近 {} 条", t.len())
            } else {
                String::new()
            };
            format!(
                r#"<p class="muted">{} 年度共 {} 条活动明细{shown}</p>{}"#,
                d.year,
                d.records.len(),
                table(&["日期", "指标", "数量", "标题", "佐证链接"], &t, true)
            )
        }
        Metric::ImportHistory => {
            let ch: Vec<Vec<String>> = d
                .changes
                .iter()
                .rev()
                .map(|c| {
                    let v = |x: Option<i64>| {
                        x.map(|n| n.to_string()).unwrap_or_else(|| "未填报".into())
                    };
                    vec![
                        c.changed_at.format("%Y-%m-%d %H:%M").to_string(),
                        c.year.to_string(),
                        esc(c.indicator.short_zh()),
                        v(c.old_value),
                        v(c.new_value),
                        esc(&c.changed_by),
                    ]
                })
                .collect();
            let im: Vec<Vec<String>> = d
                .imports
                .iter()
                .map(|i| {
                    vec![
                        i.id.to_string(),
                        esc(&i.file_name),
                        i.imported_at.format("%Y-%m-%d %H:%M").to_string(),
                        esc(&i.imported_by),
                        esc(i.outcome.name_zh()),
                    ]
                })
                .collect();
            format!(
                "<h3>填报数变更</h3>{}<h3>相关导入</h3>{}",
                table(
                    &["时间(UTC)", "年度", "指标", "原值", "新值", "操作人"],
                    &ch,
                    false
                ),
                table(&["编号", "文件", "时间(UTC)", "导入人", "结果"], &im, false)
            )
        }
        _ => String::new(),
    })
}

/// Activity records shown on a scorecard page, newest first.
const RECORDS_SHOWN: usize = 200;

async fn chart(
    req: HttpRequest,
    state: web::Data<AppState>,
    code: String,
    year: Option<i32>,
    format: Format,
) -> Result<HttpResponse, WebError> {
    let s = logged_in!(req, state);
    let c = scoped_chart(&state, s.caller.scope, code, year, format).await?;
    Ok(HttpResponse::Ok()
        .content_type(c.content_type())
        .body(c.bytes.clone()))
}

/// One base's chart, if the scope may see the base (404 otherwise).
pub async fn scoped_chart(
    state: &web::Data<AppState>,
    scope: Scope,
    code: String,
    year: Option<i32>,
    format: Format,
) -> Result<Arc<charts::Chart>, WebError> {
    let today = state.today();
    let year = year_of(year, today);
    let st = state.clone();
    blocking(state, move |db| {
        st.cache.sync(db, today)?;
        let base = visible_base(&st, db, &code, scope)?;
        let card = base_card(&st, db, &base, year, today)?;
        let rows: Vec<&ScorecardRow> = card.rows.iter().filter(|r| r.base_id == base.id).collect();
        base_chart(&st, &base, &rows, year, format)
    })
    .await
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

async fn imports_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let s = staff_only!(req, state);
    let p = Params::parse(req.query_string());
    let paging = Paging::from(&p, &["id"], "-id")?;
    let outcome = p.coded::<ImportOutcome>("outcome")?;
    let (o, newest, from, n) = (
        outcome,
        paging.desc,
        i64::try_from(paging.offset()).unwrap_or(i64::MAX),
        paging.per_page as i64,
    );
    let (recent, total) =
        blocking(&state, move |db| db::imports::page(db, o, !newest, from, n)).await?;
    let pager = Pager {
        path: "/imports",
        keep: keep(&[("outcome", &outcome.map(|o| o.id().to_string()))]),
        paging: &paging,
        total: usize::try_from(total).unwrap_or(0),
    };
    let rows: Vec<Vec<String>> = recent
        .iter()
        .map(|i| {
            vec![
                i.id.to_string(),
                esc(&i.file_name),
                i.imported_at.format("%Y-%m-%d %H:%M").to_string(),
                esc(&i.imported_by),
                if i.outcome == ImportOutcome::Accepted {
                    r#"<span class="ok">已导入</span>"#.into()
                } else {
                    format!(
                        r#"<span class="bad">已拒绝（{} 处问题）</span>"#,
                        i.problem_count
                    )
                },
                i.row_count.to_string(),
            ]
        })
        .collect();
    let body = format!(
        r#"<section class="panel"><h2>上传模板文件</h2>
<p>支持 CSV（UTF-8 或 GBK）、XLSX、JSON。文件有任何一行不合格即整体拒绝，数据库不作修改，并列出每处问题所在的行和列。</p>
<form id="upload" data-csrf="{}"><input type="file" id="file" required accept=".csv,.xlsx,.json"> <button type="submit">上传并导入</button></form>
<pre class="report" id="report" hidden></pre>
<h2>下载空白模板</h2><p><a href="/templates/register.xlsx">基地名册.xlsx</a> · <a href="/templates/yearly_counts.xlsx">年度指标表.xlsx</a> · <a href="/templates/activity_records.xlsx">活动明细.xlsx</a></p></section>
<section class="panel"><h2>导入记录</h2>{}</section>"#,
        esc(&s.csrf),
        log_list(
            &pager,
            "/imports",
            &format!(
                r#"<select name="outcome"><option value="">全部结果</option>{}</select>"#,
                options(
                    [
                        ("accepted", "已导入"),
                        ("rejected", "已拒绝"),
                        ("pending", "进行中或中断")
                    ],
                    outcome.map(ImportOutcome::id)
                )
            ),
            &[
                ("编号", Some("id")),
                ("文件", None),
                ("时间(UTC)", None),
                ("导入人", None),
                ("结果", None),
                ("行数", None)
            ],
            &rows
        )
    );
    Ok(html(page("数据导入", Some((&s.caller, &s.csrf)), &body)))
}

#[derive(Deserialize)]
pub struct UploadQuery {
    pub filename: Option<String>,
}

/// Save an uploaded body to a temporary file and import it; (status, report).
pub async fn import_upload(
    state: &web::Data<AppState>,
    by: String,
    filename: Option<String>,
    body: web::Bytes,
) -> Result<(actix_web::http::StatusCode, crate::ingest::Report), WebError> {
    let name: String = filename
        .unwrap_or_else(|| "upload".into())
        .chars()
        .filter(|c| !matches!(c, '/' | '\\' | '\0') && !c.is_control())
        .take(120)
        .collect();
    let name = if name.trim_matches('.').is_empty() {
        "upload".to_string()
    } else {
        name
    };
    let st = state.clone();
    let today = state.today();
    let report = blocking(state, move |db| {
        let dir = st.settings.data_dir.join("uploads");
        std::fs::create_dir_all(&dir).map_err(|e| AppError::io(&dir, e))?;
        remove_stale_uploads(&dir);
        let tmp = tempfile::Builder::new()
            .prefix("upload-")
            .tempdir_in(&dir)
            .map_err(|e| AppError::io(&dir, e))?;
        let path = tmp.path().join(&name);
        std::fs::write(&path, &body).map_err(|e| AppError::io(&path, e))?;
        let opts = crate::ingest::Options {
            by,
            today,
            progress: false,
        };
        crate::ingest::import_file(db, &st.settings, &path, &opts)
    })
    .await?;
    state.cache.invalidate();
    let status = if report.outcome == crate::ingest::Outcome::Rejected {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok((status, report))
}

/// Remove what a process that died during an import left in `dir` (each
/// upload's folder is removed when its import ends): folders older than a day.
fn remove_stale_uploads(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        let ours = e.file_name().to_string_lossy().starts_with("upload-");
        if ours && old && e.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// An upload's body, read within `max_upload_bytes` and the upload time
/// (413 or 408 in Chinese otherwise; nothing is stored either way). Nothing
/// touches the disk before the whole body has arrived.
pub async fn upload_body(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    payload: web::Payload,
) -> Result<web::Bytes, WebError> {
    let limit = usize::try_from(state.settings.max_upload_bytes).unwrap_or(usize::MAX);
    super::body::read(req, payload, limit, super::body::UPLOAD_TIME).await
}

async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let Some(s) = session(&req, &state).await? else {
        return Err(WebError::Unauthorized);
    };
    if s.caller.role != Role::Province {
        return Err(WebError::NotFound);
    }
    check_csrf(
        &s,
        req.headers()
            .get("X-CSRF-Token")
            .and_then(|v| v.to_str().ok()),
    )?;
    let body = upload_body(&req, &state, payload).await?;
    let (status, report) = import_upload(
        &state,
        s.caller.username.clone(),
        q.into_inner().filename,
        body,
    )
    .await?;
    Ok(HttpResponse::build(status)
        .json(serde_json::json!({ "report": report, "text": report.to_text() })))
}

async fn template_download(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let _s = logged_in!(req, state);
    let (t, file) = match path.as_str() {
        "register.xlsx" => (Template::Register, "基地名册.xlsx"),
        "yearly_counts.xlsx" => (Template::YearlyCounts, "年度指标表.xlsx"),
        "activity_records.xlsx" => (Template::ActivityRecords, "活动明细.xlsx"),
        _ => return Err(WebError::NotFound),
    };
    let bytes = blank_xlsx(t).map_err(|e| WebError::from(AppError::Compute(e.to_string())))?;
    Ok(xlsx_response(bytes, file))
}

pub fn xlsx_response(bytes: Vec<u8>, file: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename*=UTF-8''{}", url(file)),
        ))
        .body(bytes)
}

/// A year's scorecards limited to what `scope` may see.
pub async fn scoped_card(
    state: &web::Data<AppState>,
    scope: Scope,
    year: i32,
) -> Result<Arc<Scorecard>, WebError> {
    let today = state.today();
    let st = state.clone();
    blocking(state, move |db| {
        st.cache.sync(db, today)?;
        let all = st.cache.bases(db)?;
        scope_card(&st, db, scope, &scoped(&all, scope), year, today)
    })
    .await
}

async fn export_xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let s = logged_in!(req, state);
    let year = year_of(q.year, state.today());
    let card = scoped_card(&state, s.caller.scope, year).await?;
    let bytes =
        output::write_xlsx(&card).map_err(|e| WebError::from(AppError::Compute(e.to_string())))?;
    Ok(xlsx_response(bytes, &format!("{year}年度考核结果.xlsx")))
}

async fn export_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let s = logged_in!(req, state);
    let year = year_of(q.year, state.today());
    let card = scoped_card(&state, s.caller.scope, year).await?;
    let mut out = Vec::new();
    output::write_csv(&card, &mut out)
        .map_err(|e| WebError::from(AppError::Compute(e.to_string())))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=scorecards-{year}.csv"),
        ))
        .body(out))
}

async fn outbox_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let s = staff_only!(req, state);
    let p = Params::parse(req.query_string());
    let paging = Paging::from(&p, &["id"], "-id")?;
    let status = p.coded::<MailStatus>("status")?;
    let (st, newest, from, n) = (
        status,
        paging.desc,
        i64::try_from(paging.offset()).unwrap_or(i64::MAX),
        paging.per_page as i64,
    );
    let (mails, total) =
        blocking(&state, move |db| db::outbox::page(db, st, !newest, from, n)).await?;
    let pager = Pager {
        path: "/outbox",
        keep: keep(&[("status", &status.map(|x| x.id().to_string()))]),
        paging: &paging,
        total: usize::try_from(total).unwrap_or(0),
    };
    let rows: Vec<Vec<String>> = mails
        .iter()
        .map(|m| {
            let status = match m.status {
                MailStatus::Sent => r#"<span class="ok">已发送</span>"#.to_string(),
                MailStatus::Failed => format!(
                    r#"<span class="bad">发送失败</span>（{}）<form method="post" action="/outbox/{}/resend" class="inline"><input type="hidden" name="csrf" value="{}"><button>重新发送</button></form>"#,
                    esc(&m.last_error),
                    m.id,
                    esc(&s.csrf)
                ),
                _ if m.attempts > 0 => format!(
                    r#"<span class="warn">待重试（已试 {} 次：{}）</span><form method="post" action="/outbox/{}/resend" class="inline"><input type="hidden" name="csrf" value="{}"><button>立即重试</button></form>"#,
                    m.attempts,
                    esc(&m.last_error),
                    m.id,
                    esc(&s.csrf)
                ),
                _ => r#"<span class="muted">待发送</span>"#.to_string(),
            };
            vec![
                m.id.to_string(),
                m.created_at.format("%Y-%m-%d %H:%M").to_string(),
                esc(&m.recipients),
                esc(&m.cc),
                esc(&m.subject),
                status,
            ]
        })
        .collect();
    let where_ = match &state.settings.smtp_url {
        Some(u) => format!("经 SMTP 发送：{}", esc(&db::redact(u))),
        None => format!(
            "未配置 SMTP，邮件写入文件夹：{}",
            esc(&state.settings.data_dir.join("outbox").display().to_string())
        ),
    };
    let body = format!(
        r#"<p>{where_}</p>{}"#,
        log_list(
            &pager,
            "/outbox",
            &format!(
                r#"<select name="status"><option value="">全部状态</option>{}</select>"#,
                options(
                    [
                        ("queued", "待发送"),
                        ("sending", "发送中"),
                        ("sent", "已发送"),
                        ("failed", "发送失败")
                    ],
                    status.map(MailStatus::id)
                )
            ),
            &[
                ("编号", Some("id")),
                ("生成时间(UTC)", None),
                ("收件人", None),
                ("抄送", None),
                ("主题", None),
                ("状态", None)
            ],
            &rows
        )
    );
    Ok(html(page("邮件发件箱", Some((&s.caller, &s.csrf)), &body)))
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: Option<String>,
}

async fn resend(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, WebError> {
    let s = staff_only!(req, state);
    check_csrf(&s, form.csrf.as_deref())?;
    let id = path.into_inner();
    blocking(&state, move |db| db::outbox::resend(db, id)).await?;
    state.mail_queued.notify_one();
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/outbox"))
        .finish())
}

async fn jobs_page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    let s = staff_only!(req, state);
    let jobs = &state.settings.jobs;
    let p = Params::parse(req.query_string());
    let paging = Paging::from(&p, &["id"], "-id")?;
    let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
    let job = p.one_of("job", &names)?;
    let outcome = p.coded::<RunOutcome>("outcome")?;
    let (j, o, newest, from, n) = (
        job.clone(),
        outcome,
        paging.desc,
        i64::try_from(paging.offset()).unwrap_or(i64::MAX),
        paging.per_page as i64,
    );
    let (runs, total) = blocking(&state, move |db| {
        db::jobs::page(db, j.as_deref(), o, !newest, from, n)
    })
    .await?;
    let pager = Pager {
        path: "/jobs",
        keep: keep(&[
            ("job", &job),
            ("outcome", &outcome.map(|o| o.id().to_string())),
        ]),
        paging: &paging,
        total: usize::try_from(total).unwrap_or(0),
    };
    let defs: Vec<Vec<String>> = jobs
        .iter()
        .map(|j| {
            let next: Vec<String> = j
                .next_runs(2)
                .iter()
                .map(|t| t.format("%m-%d %H:%M").to_string())
                .collect();
            vec![
                esc(&j.name),
                format!("<code>{}</code>", esc(&j.cron)),
                esc(&j.description),
                next.join("，"),
            ]
        })
        .collect();
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let outcome = match r.outcome {
                RunOutcome::Ok => r#"<span class="ok">成功</span>"#,
                RunOutcome::Failed => r#"<span class="bad">失败</span>"#,
                _ => r#"<span class="warn">运行中或已中断</span>"#,
            };
            vec![
                r.id.to_string(),
                esc(&r.job),
                r.started_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                r.finished_at
                    .map(|f| f.format("%H:%M:%S").to_string())
                    .unwrap_or_default(),
                outcome.to_string(),
                esc(&r.counts),
                esc(&r.message),
                esc(&r.claimed_by),
            ]
        })
        .collect();
    let body = format!(
        r#"<section class="panel"><h2>任务与计划（北京时间）</h2>{}</section><section class="panel"><h2>最近运行记录</h2>{}</section>"#,
        table(&["任务", "cron", "说明", "下次运行"], &defs, false),
        log_list(
            &pager,
            "/jobs",
            &format!(
                r#"<select name="job"><option value="">全部任务</option>{}</select><select name="outcome"><option value="">全部结果</option>{}</select>"#,
                options(names.iter().map(|n| (*n, *n)), job.as_deref()),
                options(
                    [
                        ("ok", "成功"),
                        ("failed", "失败"),
                        ("running", "运行中"),
                        ("abandoned", "已中断")
                    ],
                    outcome.map(RunOutcome::id)
                )
            ),
            &[
                ("编号", Some("id")),
                ("任务", None),
                ("开始(UTC)", None),
                ("结束", None),
                ("结果", None),
                ("计数", None),
                ("说明", None),
                ("执行实例", None)
            ],
            &rows
        )
    );
    Ok(html(page("定时任务", Some((&s.caller, &s.csrf)), &body)))
}

/// Decode an `application/x-www-form-urlencoded` body into pairs (repeated keys kept).
pub(super) fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    let dec = |s: &str| {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    match u8::from_str_radix(
                        std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"),
                        16,
                    ) {
                        Ok(v) => {
                            out.push(v);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).to_string()
    };
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (dec(k), dec(v))
        })
        .collect()
}

/// The lists of the rectification page, one shown at a time (`view`).
const RECT_VIEWS: [(&str, &str); 4] = [
    ("failed", "未达标待处理"),
    ("open", "整改中"),
    ("proposed", "建议撤销（需人工确认）"),
    ("closed", "已结束"),
];

async fn rectification_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let s = staff_only!(req, state);
    let today = state.today();
    let p = Params::parse(req.query_string());
    // The evaluation that orders rectification is of a finished year.
    let year = p
        .year()?
        .filter(|y| (2000..today.year()).contains(y))
        .unwrap_or(today.year() - 1);
    let view_ids: Vec<&str> = RECT_VIEWS.iter().map(|(id, _)| *id).collect();
    let view = p
        .one_of("view", &view_ids)?
        .unwrap_or_else(|| "failed".into());
    let paging = if view == "failed" {
        Paging::from(&p, &["code", "name"], "code")?
    } else {
        Paging::from(&p, &["deadline", "ordered_on", "code", "year"], "deadline")?
    };
    let fq = p.text("q");
    let st = state.clone();
    let csrf = s.csrf.clone();
    let v = view.clone();
    let body = blocking(&state, move |db| {
        st.cache.sync(db, today)?;
        let card = st.cache.scorecard(db, &st.settings.rulebook, year, today)?;
        let bases = st.cache.bases(db)?;
        let by_id: HashMap<i64, &Base> = bases.iter().map(|b| (b.id, b)).collect();
        let open = db::rectifications::with_outcome(db, RectificationOutcome::Open)?;
        let proposed = db::rectifications::with_outcome(db, RectificationOutcome::Proposed)?;
        let mut closed = db::rectifications::with_outcome(db, RectificationOutcome::Passed)?;
        closed.extend(db::rectifications::with_outcome(
            db,
            RectificationOutcome::Revoked,
        )?);
        let ordered: HashSet<(i64, i32)> = open
            .iter()
            .chain(&proposed)
            .chain(&closed)
            .map(|o| (o.base_id, o.year))
            .collect();
        // Bases that failed `year`, are still building and have no order for it yet.
        let mut failed: Vec<(&Base, Vec<String>)> = Vec::new();
        let mut at: HashMap<i64, usize> = HashMap::new();
        for r in card.rows.iter().filter(|r| !r.base_pass) {
            if ordered.contains(&(r.base_id, year)) {
                continue;
            }
            let Some(b) = by_id.get(&r.base_id).filter(|b| b.status == Status::Building) else {
                continue;
            };
            let i = *at.entry(r.base_id).or_insert_with(|| {
                failed.push((b, Vec::new()));
                failed.len() - 1
            });
            if !r.met {
                failed[i].1.push(output::explain(r));
            }
        }
        let search = |b: Option<&&Base>| {
            fq.as_ref()
                .is_none_or(|q| b.is_some_and(|b| paging::matches(q, &b.name, &b.code)))
        };
        let counts = [failed.len(), open.len(), proposed.len(), closed.len()];
        let tabs: String = RECT_VIEWS
            .iter()
            .zip(counts)
            .map(|((id, zh), n)| {
                format!(
                    r#"<a href="/rectification?year={year}&amp;view={id}"{}>{zh}（{n}）</a>"#,
                    if *id == v { r#" class="on""# } else { "" }
                )
            })
            .collect();
        let y = Some(year.to_string());
        let vv = Some(v.clone());
        let keep_ = keep(&[("year", &y), ("view", &vv), ("q", &fq)]);
        let filters = format!(
            r#"<form class="filters" method="get" action="/rectification"><input type="hidden" name="year" value="{year}"><input type="hidden" name="view" value="{}"><input name="q" placeholder="名称或编号" value="{}">{}<button type="submit">筛选</button></form>"#,
            esc(&v),
            esc(fq.as_deref().unwrap_or("")),
            per_page_and_sort(&paging)
        );
        let section = if v == "failed" {
            let mut list: Vec<&(&Base, Vec<String>)> =
                failed.iter().filter(|(b, _)| search(Some(b))).collect();
            list.sort_by(|a, b| {
                let o = match paging.sort.as_str() {
                    "name" => a.0.name.cmp(&b.0.name),
                    _ => std::cmp::Ordering::Equal,
                };
                paging.dir(o.then_with(|| a.0.code.cmp(&b.0.code)))
            });
            let rows: Vec<Vec<String>> = paging
                .slice(&list)
                .iter()
                .map(|(b, missing)| {
                    vec![
                        format!(
                            r#"<input type="checkbox" name="code" value="{}" checked>"#,
                            esc(&b.code)
                        ),
                        format!(
                            r#"<a href="/bases/{}?year={year}">{}</a>"#,
                            url(&b.code),
                            esc(&b.code)
                        ),
                        esc(&b.name),
                        esc(&missing.join("；")),
                    ]
                })
                .collect();
            let pager = Pager {
                path: "/rectification",
                keep: keep_,
                paging: &paging,
                total: list.len(),
            };
            let summary = pager.summary();
            format!(
                r#"<h2>{year} 年度考核未达标的基地</h2>{filters}{summary}
<form method="post" action="/rectification/order"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="year" value="{year}">
{t}<p>整改期限：下达之日起 {days} 天。<button type="submit">对本页选中基地责令限期整改</button></p></form>{summary}"#,
                csrf = esc(&csrf),
                days = st.settings.rectification_days,
                t = pager.table(
                    &[
                        ("", None),
                        ("基地编号", Some("code")),
                        ("名称", Some("name")),
                        ("未完成任务", None)
                    ],
                    &rows
                ),
            )
        } else {
            let orders = match v.as_str() {
                "open" => &open,
                "proposed" => &proposed,
                _ => &closed,
            };
            let mut list: Vec<&db::rectifications::Rectification> = orders
                .iter()
                .filter(|o| search(by_id.get(&o.base_id)))
                .collect();
            let code = |o: &db::rectifications::Rectification| {
                by_id.get(&o.base_id).map(|b| b.code.as_str()).unwrap_or("")
            };
            list.sort_by(|a, b| {
                let o = match paging.sort.as_str() {
                    "ordered_on" => a.ordered_on.cmp(&b.ordered_on),
                    "code" => code(a).cmp(code(b)),
                    "year" => a.year.cmp(&b.year),
                    _ => a.deadline.cmp(&b.deadline),
                };
                paging.dir(o.then_with(|| code(a).cmp(code(b))).then(a.id.cmp(&b.id)))
            });
            let rows: Vec<Vec<String>> = paging
                .slice(&list)
                .iter()
                .map(|o| {
                    let name = by_id
                        .get(&o.base_id)
                        .map(|b| {
                            format!(
                                r#"<a href="/bases/{}">{}（{}）</a>"#,
                                url(&b.code),
                                esc(&b.name),
                                esc(&b.code)
                            )
                        })
                        .unwrap_or_default();
                    let last = if v == "proposed" {
                        format!(
                            r#"<form method="post" action="/rectification/{}/revoke"><input type="hidden" name="csrf" value="{}"><button>确认撤销</button></form>"#,
                            o.id,
                            esc(&csrf)
                        )
                    } else {
                        esc(match o.outcome {
                            RectificationOutcome::Passed => "复核达标，恢复建设",
                            other => other.name_zh(),
                        })
                    };
                    vec![
                        name,
                        o.year.to_string(),
                        o.ordered_on.to_string(),
                        o.deadline.to_string(),
                        esc(&o.ordered_by),
                        last,
                    ]
                })
                .collect();
            let pager = Pager {
                path: "/rectification",
                keep: keep_,
                paging: &paging,
                total: list.len(),
            };
            let summary = pager.summary();
            let title = RECT_VIEWS
                .iter()
                .find(|(id, _)| *id == v)
                .map(|(_, zh)| *zh)
                .unwrap_or("");
            format!(
                r#"<h2>{title}</h2>{filters}{summary}{}{summary}"#,
                pager.table(
                    &[
                        ("基地", Some("code")),
                        ("年度", Some("year")),
                        ("下达日期", Some("ordered_on")),
                        ("整改期限", Some("deadline")),
                        ("下达人", None),
                        (if v == "proposed" { "" } else { "结果" }, None)
                    ],
                    &rows
                )
            )
        };
        Ok(format!(
            r#"<nav class="tabs">{tabs}</nav><section class="panel">{section}</section>"#
        ))
    })
    .await?;
    Ok(html(page("整改管理", Some((&s.caller, &s.csrf)), &body)))
}

/// The order form lists one checkbox per base that failed: at national
/// scale tens of thousands of codes.
const ORDER_FORM_LIMIT: usize = 4 * 1024 * 1024;

async fn rectification_order(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let s = staff_only!(req, state);
    let body = super::body::read(&req, payload, ORDER_FORM_LIMIT, super::body::FORM_TIME).await?;
    let pairs = form_pairs(&body);
    let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone());
    check_csrf(&s, get("csrf").as_deref())?;
    let today = state.today();
    let year: i32 = get("year")
        .and_then(|y| y.parse().ok())
        .filter(|y| (2000..today.year()).contains(y))
        .ok_or_else(|| WebError::BadRequest("年度无效 (invalid year)".into()))?;
    let codes: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "code")
        .map(|(_, v)| v.clone())
        .collect();
    let st = state.clone();
    let by = s.caller.username.clone();
    blocking(&state, move |db| {
        let mut bases = Vec::new();
        for code in codes {
            bases.extend(db::bases::find_by_code(db, &code)?);
        }
        // Only a base that failed that year can be ordered to rectify; the
        // evaluation is of the bases ticked, not of the country.
        let card = crate::compliance::evaluate_bases(
            db,
            &st.settings.rulebook,
            year,
            None,
            today,
            &bases,
        )?;
        let failed: HashSet<i64> = card
            .rows
            .iter()
            .filter(|r| !r.base_pass)
            .map(|r| r.base_id)
            .collect();
        for base in bases.iter().filter(|b| failed.contains(&b.id)) {
            lifecycle::order_rectification(
                db,
                &st.settings,
                base,
                year,
                today,
                st.settings.rectification_days,
                &by,
            )?;
        }
        Ok(())
    })
    .await?;
    state.mail_queued.notify_one();
    state.cache.invalidate();
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("/rectification?year={year}")))
        .finish())
}

async fn rectification_revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, WebError> {
    let s = staff_only!(req, state);
    check_csrf(&s, form.csrf.as_deref())?;
    let id = path.into_inner();
    let today = state.today();
    let by = s.caller.username.clone();
    blocking(&state, move |db| {
        lifecycle::confirm_revocation(db, id, today, &by)
    })
    .await?;
    state.cache.invalidate();
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/rectification"))
        .finish())
}
