//! The year on paper: the 年度考核（评估）情况报告 that 省科协 writes after
//! the yearly evaluation, for a year and a caller's scope. [`gather`] reads
//! what it says (the scorecard, rectifications, revocations and lapses,
//! documents not submitted) into a [`YearReport`]; [`docx::write`] sets it
//! as an editable Word file in 公文 habits.

pub mod docx;

use chrono::NaiveDate;

use crate::charts::{self, Format, MapMetric};
use crate::compliance::{metrics, output, Scorecard};
use crate::config::Settings;
use crate::dashboards::Grouping;
use crate::db::{self, bases::Base, Db};
use crate::documents;
use crate::domain::{BaseType, City, DocumentKind, Status};
use crate::error::{AppError, AppResult};

/// Bases evaluated and how many passed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub evaluated: usize,
    pub passed: usize,
}

impl Counts {
    pub fn failed(&self) -> usize {
        self.evaluated - self.passed
    }

    /// The pass rate as people write it, "85.0%", or "—" with nothing evaluated.
    pub fn rate(&self) -> String {
        if self.evaluated == 0 {
            "—".into()
        } else {
            format!("{:.1}%", self.passed as f64 * 100.0 / self.evaluated as f64)
        }
    }
}

/// A base that failed the year, with what it fell short of in 第十条's words.
#[derive(Debug, Clone)]
pub struct FailedBase {
    pub code: String,
    pub name: String,
    pub city: City,
    pub host: String,
    pub shortfalls: Vec<String>,
}

/// One rectification order as the report lists it.
#[derive(Debug, Clone)]
pub struct RectificationLine {
    pub code: String,
    pub name: String,
    /// The year whose result it was ordered for.
    pub year: i32,
    pub ordered_on: NaiveDate,
    pub deadline: NaiveDate,
    pub extended_from: Option<NaiveDate>,
    pub outcome: &'static str,
    pub decided_on: Option<NaiveDate>,
}

/// A base revoked (撤销) or lapsed (终止) since the year began.
#[derive(Debug, Clone)]
pub struct EndedBase {
    pub code: String,
    pub name: String,
    pub base_type: BaseType,
    pub status: Status,
    pub since: NaiveDate,
    pub reason: String,
}

/// A plan or summary of the year not submitted (or returned and not sent again).
#[derive(Debug, Clone)]
pub struct MissingDocument {
    pub code: String,
    pub name: String,
    pub kind: DocumentKind,
    pub due: Option<NaiveDate>,
    pub status: &'static str,
}

/// A chart for the report, as a PNG with its size in pixels.
#[derive(Debug, Clone)]
pub struct Figure {
    pub caption: String,
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Everything the report says, for one year and scope.
#[derive(Debug, Clone)]
pub struct YearReport {
    pub year: i32,
    pub made_on: NaiveDate,
    /// "全省", or the recommending unit's name.
    pub scope_name: String,
    /// The year's result is confirmed (定稿): the report gives the stored result.
    pub confirmed: bool,
    /// The counting period had not ended when the report was made.
    pub running: bool,
    pub as_of: NaiveDate,
    pub rulebook: String,
    /// Bases in the scope (every status), for the opening sentence.
    pub bases: usize,
    pub total: Counts,
    /// Every type, in the rulebook's order.
    pub by_type: Vec<(BaseType, Counts)>,
    /// The cities with bases evaluated, in the province's order.
    pub by_city: Vec<(City, Counts)>,
    /// Every type, with its failed bases (possibly none), by code.
    pub failed: Vec<(BaseType, Vec<FailedBase>)>,
    pub rectifications: Vec<RectificationLine>,
    pub ended: Vec<EndedBase>,
    pub missing: Vec<MissingDocument>,
    pub figures: Vec<Figure>,
}

/// What [`gather`] reads from.
pub struct Inputs<'a> {
    pub year: i32,
    pub today: NaiveDate,
    pub scope_name: String,
    /// The bases of the caller's scope.
    pub bases: &'a [Base],
    /// The year's scorecard of those bases (the confirmed one for a confirmed year).
    pub card: &'a Scorecard,
}

fn chart_error(e: charts::ChartError) -> AppError {
    AppError::Invalid(e.to_string())
}

fn figure(caption: String, chart: charts::Chart) -> Figure {
    let (width, height) = chart.size;
    Figure {
        caption,
        png: chart.bytes,
        width,
        height,
    }
}

/// Read everything the report of `inp.year` says for `inp.bases`.
pub fn gather(db: &mut Db, settings: &Settings, inp: &Inputs) -> AppResult<YearReport> {
    let year = inp.year;
    let card = inp.card;
    let by_id: std::collections::HashMap<i64, &Base> =
        inp.bases.iter().map(|b| (b.id, b)).collect();

    // One vote per base, on its first row; its unmet rows are its shortfalls.
    let mut total = Counts::default();
    let mut types: Vec<(BaseType, Counts)> = BaseType::ALL
        .iter()
        .map(|t| (*t, Counts::default()))
        .collect();
    let mut cities: Vec<(City, Counts)> =
        City::ALL.iter().map(|c| (*c, Counts::default())).collect();
    let mut failed: Vec<(BaseType, Vec<FailedBase>)> =
        BaseType::ALL.iter().map(|t| (*t, Vec::new())).collect();
    let mut last = None;
    for r in card.rows.iter().filter(|r| by_id.contains_key(&r.base_id)) {
        if last != Some(r.base_id) {
            last = Some(r.base_id);
            let pass = usize::from(r.base_pass);
            for c in [
                Some(&mut total),
                types
                    .iter_mut()
                    .find(|(t, _)| *t == r.base_type)
                    .map(|x| &mut x.1),
                cities
                    .iter_mut()
                    .find(|(c, _)| *c == r.city)
                    .map(|x| &mut x.1),
            ]
            .into_iter()
            .flatten()
            {
                c.evaluated += 1;
                c.passed += pass;
            }
            if !r.base_pass {
                if let Some((_, list)) = failed.iter_mut().find(|(t, _)| *t == r.base_type) {
                    list.push(FailedBase {
                        code: r.base_code.to_string(),
                        name: r.base_name.to_string(),
                        city: r.city,
                        host: by_id
                            .get(&r.base_id)
                            .map(|b| b.host_unit.clone())
                            .unwrap_or_default(),
                        shortfalls: Vec::new(),
                    });
                }
            }
        }
        if !r.met && !r.base_pass {
            if let Some(f) = failed
                .iter_mut()
                .find(|(t, _)| *t == r.base_type)
                .and_then(|(_, l)| l.last_mut())
            {
                f.shortfalls.push(output::formal(r));
            }
        }
    }
    for (_, list) in &mut failed {
        list.sort_by(|a, b| a.code.cmp(&b.code));
    }
    cities.retain(|(_, c)| c.evaluated > 0);

    let rectifications = db::rectifications::for_report(db, year)?
        .into_iter()
        .filter_map(|o| {
            let b = by_id.get(&o.base_id)?;
            Some(RectificationLine {
                code: b.code.clone(),
                name: b.name.clone(),
                year: o.year,
                ordered_on: o.ordered_on,
                deadline: o.deadline,
                extended_from: o.extended_from,
                outcome: o.outcome.name_zh(),
                decided_on: o.decided_on,
            })
        })
        .collect();

    let since = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    let mut ended = Vec::new();
    for b in inp
        .bases
        .iter()
        .filter(|b| matches!(b.status, Status::Revoked | Status::Lapsed) && b.status_since >= since)
    {
        let reason = db::bases::status_history(db, b.id)?
            .into_iter()
            .rev()
            .find(|h| h.status == b.status)
            .map(|h| h.reason)
            .unwrap_or_default();
        ended.push(EndedBase {
            code: b.code.clone(),
            name: b.name.clone(),
            base_type: b.base_type,
            status: b.status,
            since: b.status_since,
            reason,
        });
    }
    ended.sort_by(|a, b| (a.since, &a.code).cmp(&(b.since, &b.code)));

    let mut missing = Vec::new();
    for kind in [DocumentKind::Plan, DocumentKind::Summary] {
        for s in documents::standings(db, settings, inp.bases, kind, year, inp.today)? {
            let waiting = s
                .document
                .as_ref()
                .is_none_or(|d| d.status == crate::domain::DocumentStatus::Returned);
            if waiting {
                missing.push(MissingDocument {
                    code: s.base_code,
                    name: s.base_name,
                    kind,
                    due: s.due,
                    status: s.status_zh,
                });
            }
        }
    }

    let figures = figures(card, &by_id, year)?;
    Ok(YearReport {
        year,
        made_on: inp.today,
        scope_name: inp.scope_name.clone(),
        confirmed: card.confirmed,
        running: card.running,
        as_of: card.as_of,
        rulebook: card.rulebook.clone(),
        bases: inp.bases.len(),
        total,
        by_type: types,
        by_city: cities,
        failed,
        rectifications,
        ended,
        missing,
        figures,
    })
}

/// The report's charts: pass rate by type and by city, and the map.
fn figures(
    card: &Scorecard,
    by_id: &std::collections::HashMap<i64, &Base>,
    year: i32,
) -> AppResult<Vec<Figure>> {
    let mut out = Vec::new();
    for (g, what) in [(Grouping::Type, "各类型"), (Grouping::City, "各地市")] {
        let items: Vec<(String, f64)> = metrics::pass_rate(card, by_id, g)
            .into_iter()
            .map(|x| (x.label, x.value))
            .collect();
        let title = format!("{year} 年度{what}基地达标率");
        let chart = charts::rate_chart(&title, &items, Format::Png).map_err(chart_error)?;
        out.push(figure(title, chart));
    }
    let figures = metrics::city_figures(card, by_id, MapMetric::PassRate);
    let title = format!("{year} 年度各地市达标率地图");
    let chart = charts::city_map(&title, MapMetric::PassRate, &figures, Format::Png, None)
        .map_err(chart_error)?;
    out.push(figure(title, chart));
    Ok(out)
}
