//! Metrics over scorecards, for dashboards: counts and pass rates by group,
//! the trend over years, the at-risk list and the figures of the city map. Each takes the rows and the
//! bases a caller may see; none recomputes a rule.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::{Pace, Scorecard};
use crate::charts::{CityFigure, MapMetric};
use crate::dashboards::Grouping;
use crate::db::bases::Base;
use crate::domain::{BaseType, Channel, City, Indicator, Status};

/// A labelled value: a count, or a rate in 0..=1 with its denominator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub label: String,
    pub value: f64,
    pub of: usize,
}

fn label(g: Grouping, b: &Base) -> String {
    match g {
        Grouping::Type => b.base_type.name_zh().to_string(),
        Grouping::City => b.city.as_str().to_string(),
        Grouping::Channel => b.channel.name_zh().to_string(),
        Grouping::Status => b.status.name_zh().to_string(),
        Grouping::Indicator => String::new(),
    }
}

/// Order groups as people expect: types, channels, statuses and indicators
/// in their canonical order, cities in the province's order.
fn order(g: Grouping) -> Vec<String> {
    match g {
        Grouping::Type => BaseType::ALL
            .iter()
            .map(|t| t.name_zh().to_string())
            .collect(),
        Grouping::City => City::ALL.iter().map(|c| c.as_str().to_string()).collect(),
        Grouping::Channel => Channel::ALL
            .iter()
            .map(|c| c.name_zh().to_string())
            .collect(),
        Grouping::Status => Status::ALL
            .iter()
            .map(|s| s.name_zh().to_string())
            .collect(),
        Grouping::Indicator => Indicator::ALL
            .iter()
            .map(|i| i.short_zh().to_string())
            .collect(),
    }
}

fn sorted(g: Grouping, map: BTreeMap<String, (f64, usize)>) -> Vec<Group> {
    let mut out: Vec<Group> = order(g)
        .into_iter()
        .filter_map(|l| {
            map.get(&l).map(|(v, n)| Group {
                label: l.clone(),
                value: *v,
                of: *n,
            })
        })
        .collect();
    for (l, (v, n)) in &map {
        if !out.iter().any(|g| &g.label == l) {
            out.push(Group {
                label: l.clone(),
                value: *v,
                of: *n,
            });
        }
    }
    out
}

/// Number of bases per group.
pub fn base_count(bases: &[&Base], g: Grouping) -> Vec<Group> {
    let mut map: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for b in bases {
        let e = map.entry(label(g, b)).or_default();
        e.0 += 1.0;
        e.1 += 1;
    }
    sorted(g, map)
}

/// Share of evaluated bases that pass per group; per indicator, the share of
/// bases that meet it.
pub fn pass_rate(card: &Scorecard, bases: &HashMap<i64, &Base>, g: Grouping) -> Vec<Group> {
    let mut map: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    let mut voted = std::collections::HashSet::new();
    for r in &card.rows {
        let Some(b) = bases.get(&r.base_id) else {
            continue;
        };
        let (key, ok, counts) = match g {
            Grouping::Indicator => (r.indicator.short_zh().to_string(), r.met, true),
            // One vote per base: on its first row (the first one seen).
            _ => (label(g, b), r.base_pass, voted.insert(r.base_id)),
        };
        if counts {
            let e = map.entry(key).or_default();
            e.0 += f64::from(u8::from(ok));
            e.1 += 1;
        }
    }
    for v in map.values_mut() {
        if v.1 > 0 {
            v.0 /= v.1 as f64;
        }
    }
    sorted(g, map)
}

/// One figure per city for the map: its bases, and the metric's value
/// (pass rate of its evaluated bases, bases at risk, or bases). A city
/// without bases in `bases` has `bases: 0`; with bases but none evaluated,
/// a pass rate of `None`.
pub fn city_figures(
    card: &Scorecard,
    bases: &HashMap<i64, &Base>,
    metric: MapMetric,
) -> Vec<CityFigure> {
    let mut count: HashMap<City, usize> = HashMap::new();
    for b in bases.values() {
        *count.entry(b.city).or_default() += 1;
    }
    let mut rates: HashMap<City, (usize, usize)> = HashMap::new();
    let mut risks: HashMap<City, usize> = HashMap::new();
    match metric {
        MapMetric::PassRate => {
            let mut voted = std::collections::HashSet::new();
            for r in &card.rows {
                if let Some(b) = bases.get(&r.base_id) {
                    if voted.insert(r.base_id) {
                        let e = rates.entry(b.city).or_default();
                        e.0 += usize::from(r.base_pass);
                        e.1 += 1;
                    }
                }
            }
        }
        MapMetric::AtRisk => {
            for a in at_risk(card, bases) {
                if let Ok(c) = City::parse(&a.city) {
                    *risks.entry(c).or_default() += 1;
                }
            }
        }
        MapMetric::Bases => {}
    }
    City::ALL
        .iter()
        .map(|&city| {
            let n = count.get(&city).copied().unwrap_or(0);
            let value = match metric {
                MapMetric::PassRate => rates
                    .get(&city)
                    .filter(|(_, of)| *of > 0)
                    .map(|(pass, of)| *pass as f64 / *of as f64),
                MapMetric::AtRisk => Some(risks.get(&city).copied().unwrap_or(0) as f64),
                MapMetric::Bases => Some(n as f64),
            };
            CityFigure {
                city,
                bases: n,
                value,
            }
        })
        .collect()
}

/// Pass rate per year (all bases in scope, and per type when grouped by type).
pub fn pass_trend(
    cards: &[Scorecard],
    bases: &HashMap<i64, &Base>,
    by_type: bool,
) -> Vec<(String, Vec<(i32, f64)>)> {
    let mut series: BTreeMap<usize, (String, Vec<(i32, f64)>)> = BTreeMap::new();
    for card in cards {
        let mut all = (0usize, 0usize);
        let mut per: HashMap<BaseType, (usize, usize)> = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        for r in &card.rows {
            if !bases.contains_key(&r.base_id) || !seen.insert(r.base_id) {
                continue;
            }
            all.0 += usize::from(r.base_pass);
            all.1 += 1;
            let e = per.entry(r.base_type).or_default();
            e.0 += usize::from(r.base_pass);
            e.1 += 1;
        }
        if all.1 == 0 {
            continue;
        }
        series
            .entry(0)
            .or_insert_with(|| ("合计".into(), vec![]))
            .1
            .push((card.year, all.0 as f64 / all.1 as f64));
        if by_type {
            for (k, t) in BaseType::ALL.iter().enumerate() {
                if let Some((p, n)) = per.get(t).filter(|(_, n)| *n > 0) {
                    series
                        .entry(k + 1)
                        .or_insert_with(|| (t.name_zh().to_string(), vec![]))
                        .1
                        .push((card.year, *p as f64 / *n as f64));
                }
            }
        }
    }
    series.into_values().collect()
}

/// Why a base is at risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    NotReported,
    Unable,
    Behind,
    Failing,
}

impl Risk {
    pub fn name_zh(self) -> &'static str {
        match self {
            Risk::NotReported => "未填报",
            Risk::Unable => "难以完成",
            Risk::Behind => "进度落后",
            Risk::Failing => "未达标",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AtRisk {
    pub base_code: String,
    pub base_name: String,
    pub base_type: String,
    pub city: String,
    pub risk: Risk,
    /// What is missing, in words.
    pub detail: String,
    /// Indicators not met.
    pub missing: usize,
}

/// Bases that fail, are behind pace, cannot make it, or have data missing.
pub fn at_risk(card: &Scorecard, bases: &HashMap<i64, &Base>) -> Vec<AtRisk> {
    let mut out: Vec<AtRisk> = Vec::new();
    let mut at: HashMap<i64, usize> = HashMap::new();
    for r in card
        .rows
        .iter()
        .filter(|r| bases.contains_key(&r.base_id) && !r.met)
    {
        let risk = match (r.actual, r.pace) {
            (None, _) => Risk::NotReported,
            (_, Some(Pace::Unable)) => Risk::Unable,
            (_, Some(Pace::Behind)) => Risk::Behind,
            (_, Some(Pace::OnTrack)) => continue,
            _ => Risk::Failing,
        };
        let text = super::output::explain(r);
        match at.get(&r.base_id).map(|&i| &mut out[i]) {
            Some(a) => {
                a.risk = a.risk.min(risk);
                a.detail.push('；');
                a.detail.push_str(&text);
                a.missing += 1;
            }
            None => {
                at.insert(r.base_id, out.len());
                out.push(AtRisk {
                    base_code: r.base_code.to_string(),
                    base_name: r.base_name.to_string(),
                    base_type: r.base_type.name_zh().to_string(),
                    city: r.city.as_str().to_string(),
                    risk,
                    detail: text,
                    missing: 1,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        a.risk
            .cmp(&b.risk)
            .then(b.missing.cmp(&a.missing))
            .then(a.base_code.cmp(&b.base_code))
    });
    out
}
