//! The one scope rule of pages and API alike: which bases a caller sees, their
//! scorecards (cached for staff, evaluated for just the caller's bases
//! otherwise), a base's chart, the bases list filters, and downloads.

use std::borrow::Cow;
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;

use super::html::url;
use super::paging::{self, Paging, Params};
use super::{blocking, visible, AppState, WebError};
use crate::access::Scope;
use crate::charts::{self, Format};
use crate::compliance::{Scorecard, ScorecardRow};
use crate::db::{self, bases::Base};
use crate::domain::{BaseType, Channel, City, Status};
use crate::error::{AppError, AppResult};

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
            confirmed: all.confirmed,
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

pub fn year_of(q: Option<i32>, today: chrono::NaiveDate) -> i32 {
    q.filter(|y| (2000..=2100).contains(y))
        .unwrap_or(today.year())
}

pub fn chart_err(e: charts::ChartError) -> AppError {
    AppError::Compute(e.to_string())
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

/// The base with `code` if the scope may see it; 404 otherwise. From the
/// cached list when it is loaded, else one row: a cold scorecard page does
/// not read the whole register.
pub fn visible_base(st: &AppState, db: &mut db::Db, code: &str, scope: Scope) -> AppResult<Base> {
    let found = match st.cache.bases_if_done() {
        Some(all) => all
            .iter()
            .find(|b| b.code == code && visible(scope, b.id, b.unit_id))
            .cloned(),
        None => db::bases::find_in_scope(db, code, scope)?,
    };
    found.ok_or_else(|| AppError::NotFound(code.to_string()))
}

pub fn indicator_bars(rows: &[&ScorecardRow]) -> Vec<charts::Bar> {
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

pub fn xlsx_response(bytes: Vec<u8>, file: &str) -> HttpResponse {
    file_response(
        bytes,
        file,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
}

/// A download: `bytes` as an attachment named `file` (UTF-8, RFC 5987).
pub fn file_response(bytes: Vec<u8>, file: &str, content_type: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type.to_string())
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

/// Filters as (param, value) pairs, the ones given, to keep in links.
pub fn keep(pairs: &[(&'static str, &Option<String>)]) -> Vec<(&'static str, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v.clone())))
        .collect()
}
