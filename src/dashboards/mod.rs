//! Dashboards as code: the panels of each dashboard (overview, recommending
//! unit, base scorecard) are read from `dashboards/*.toml` — title, metric,
//! chart kind, grouping, filters — and validated at start-up. Adding or
//! reordering a panel needs no Rust change; a new metric is one variant here
//! and one function in `compliance::metrics`.

use std::path::Path;

use serde::Deserialize;

use crate::domain::BaseType;
use crate::error::{AppError, AppResult};

/// The dashboards, and the file each came from.
pub const KINDS: [(&str, &str); 3] = [
    ("overview", include_str!("../../dashboards/overview.toml")),
    ("unit", include_str!("../../dashboards/unit.toml")),
    ("scorecard", include_str!("../../dashboards/scorecard.toml")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Number of bases, grouped.
    BaseCount,
    /// Share of evaluated bases that pass, grouped (or per indicator: share of bases meeting it).
    PassRate,
    /// Pass rate per year over the years with data.
    PassTrend,
    /// Bases failing, behind pace or with data missing, sortable.
    AtRisk,
    /// Deadlines in the coming months.
    Deadlines,
    /// One base: each indicator against its target.
    IndicatorProgress,
    /// One base: each indicator in words (平台上传还差 7 条) with its pace.
    ScorecardText,
    /// One base: results across the years of its cycle.
    CycleHistory,
    /// One base: the activity records behind the counts, with evidence links.
    Records,
    /// One base: status and its history.
    StatusHistory,
    /// One base: its declared-count changes and imports.
    ImportHistory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    Type,
    City,
    Channel,
    Status,
    Indicator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Bar,
    Line,
    Table,
    List,
    /// Henan's cities coloured by the metric (base_count, pass_rate or at_risk, by city).
    Map,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// Only bases of this type (`iar`, `incubation`, `international`).
    pub base_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    pub title: String,
    pub metric: Metric,
    pub chart: ChartKind,
    pub group_by: Option<Grouping>,
    #[serde(default)]
    pub filters: Filters,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    pub title: String,
    #[serde(default)]
    pub panels: Vec<Panel>,
}

#[derive(Debug, Clone)]
pub struct Dashboards {
    pub overview: Dashboard,
    pub unit: Dashboard,
    pub scorecard: Dashboard,
}

impl Dashboards {
    /// Load from `dir` (each file that exists there replaces the built-in one).
    pub fn load(dir: Option<&Path>) -> AppResult<Dashboards> {
        let mut out = Vec::new();
        for (kind, builtin) in KINDS {
            let (name, text) = match dir.map(|d| d.join(format!("{kind}.toml"))) {
                Some(p) if p.exists() => {
                    let text = std::fs::read_to_string(&p).map_err(|e| AppError::io(&p, e))?;
                    (p.display().to_string(), text)
                }
                _ => (
                    format!("<内置> dashboards/{kind}.toml"),
                    builtin.to_string(),
                ),
            };
            out.push(parse(&text, &name, kind == "scorecard")?);
        }
        let mut it = out.into_iter();
        match (it.next(), it.next(), it.next()) {
            (Some(overview), Some(unit), Some(scorecard)) => Ok(Dashboards {
                overview,
                unit,
                scorecard,
            }),
            _ => Err(AppError::Invalid("dashboards".into())),
        }
    }
}

fn err(file: &str, key: &str, message: String) -> AppError {
    AppError::Config {
        source_name: file.to_string(),
        key: key.to_string(),
        message,
    }
}

/// Parse and validate one dashboard file; `name` names it in errors.
pub fn parse(text: &str, name: &str, for_one_base: bool) -> AppResult<Dashboard> {
    let d: Dashboard = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        err(
            name,
            &format!("第 {line} 行 (line {line})"),
            e.message().trim().replace('\n', " "),
        )
    })?;
    for (i, p) in d.panels.iter().enumerate() {
        let key = |k: &str| format!("panels[{i}].{k}");
        use Metric::*;
        let one_base = matches!(
            p.metric,
            IndicatorProgress
                | ScorecardText
                | CycleHistory
                | Records
                | StatusHistory
                | ImportHistory
        );
        if one_base != for_one_base {
            return Err(err(
                name,
                &key("metric"),
                format!(
                    "指标 {:?} 不适用于此看板 (metric does not belong on this dashboard)",
                    p.metric
                ),
            ));
        }
        if p.chart == ChartKind::Map {
            if !matches!(p.metric, BaseCount | PassRate | AtRisk) {
                return Err(err(
                    name,
                    &key("chart"),
                    format!(
                        "指标 {:?} 不能画成地图，地图只用于 base_count、pass_rate、at_risk (map needs one of these metrics)",
                        p.metric
                    ),
                ));
            }
            if p.group_by.is_some_and(|g| g != Grouping::City) {
                return Err(err(
                    name,
                    &key("group_by"),
                    "地图按地市分组，group_by 只能是 city (a map groups by city)".into(),
                ));
            }
            check_filters(name, i, p)?;
            continue;
        }
        let groups: &[Grouping] = match p.metric {
            BaseCount => &[
                Grouping::Type,
                Grouping::City,
                Grouping::Channel,
                Grouping::Status,
            ],
            PassRate => &[
                Grouping::Type,
                Grouping::City,
                Grouping::Channel,
                Grouping::Indicator,
            ],
            PassTrend => &[Grouping::Type],
            _ => &[],
        };
        match p.group_by {
            Some(g) if !groups.contains(&g) => {
                return Err(err(
                    name,
                    &key("group_by"),
                    format!(
                        "指标 {:?} 不能按 {g:?} 分组 (unsupported grouping)",
                        p.metric
                    ),
                ))
            }
            None if matches!(p.metric, BaseCount | PassRate) => {
                return Err(err(
                    name,
                    &key("group_by"),
                    "此指标需要 group_by (grouping required)".into(),
                ))
            }
            _ => {}
        }
        let charts: &[ChartKind] = match p.metric {
            BaseCount | PassRate => &[ChartKind::Bar, ChartKind::Table],
            PassTrend => &[ChartKind::Line, ChartKind::Table],
            IndicatorProgress => &[ChartKind::Bar, ChartKind::Table],
            CycleHistory => &[ChartKind::Line, ChartKind::Table],
            _ => &[ChartKind::List, ChartKind::Table],
        };
        if !charts.contains(&p.chart) {
            return Err(err(
                name,
                &key("chart"),
                format!(
                    "指标 {:?} 不能用 {:?} 图 (unsupported chart kind)",
                    p.metric, p.chart
                ),
            ));
        }
        check_filters(name, i, p)?;
    }
    Ok(d)
}

fn check_filters(name: &str, i: usize, p: &Panel) -> AppResult<()> {
    if let Some(t) = &p.filters.base_type {
        if BaseType::parse(t).is_err() {
            return Err(err(
                name,
                &format!("panels[{i}].filters.base_type"),
                format!("未知的基地类型“{t}” (unknown base type)"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_dashboards_are_valid() {
        let d = Dashboards::load(None).unwrap();
        assert!(!d.overview.panels.is_empty());
        assert!(!d.unit.panels.is_empty());
        assert!(!d.scorecard.panels.is_empty());
    }

    #[test]
    fn an_unknown_metric_is_refused_with_file_and_key() {
        let text =
            "title = \"x\"\n[[panels]]\ntitle = \"a\"\nmetric = \"happiness\"\nchart = \"bar\"\n";
        let e = parse(text, "dashboards/overview.toml", false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("dashboards/overview.toml") && e.contains("happiness"),
            "{e}"
        );
        assert!(e.contains("line 4"), "{e}");
    }

    #[test]
    fn an_unknown_grouping_is_refused_with_its_key() {
        let text = "title = \"x\"\n[[panels]]\ntitle = \"a\"\nmetric = \"pass_rate\"\nchart = \"bar\"\ngroup_by = \"status\"\n";
        let e = parse(text, "o.toml", false).unwrap_err().to_string();
        assert!(e.contains("panels[0].group_by"), "{e}");
    }

    #[test]
    fn a_map_takes_a_city_metric_and_nothing_else() {
        let map = |metric: &str, group: &str| {
            format!("title = \"x\"\n[[panels]]\ntitle = \"a\"\nmetric = \"{metric}\"\nchart = \"map\"\n{group}")
        };
        for m in ["pass_rate", "at_risk", "base_count"] {
            assert!(
                parse(&map(m, "group_by = \"city\"\n"), "o.toml", false).is_ok(),
                "{m}"
            );
            assert!(parse(&map(m, ""), "o.toml", false).is_ok(), "{m}");
        }
        let e = parse(&map("deadlines", ""), "o.toml", false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("panels[0].chart"), "{e}");
        let e = parse(&map("pass_rate", "group_by = \"type\"\n"), "o.toml", false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("panels[0].group_by"), "{e}");
    }

    #[test]
    fn a_scorecard_metric_on_the_overview_is_refused() {
        let text =
            "title = \"x\"\n[[panels]]\ntitle = \"a\"\nmetric = \"records\"\nchart = \"list\"\n";
        let e = parse(text, "o.toml", false).unwrap_err().to_string();
        assert!(e.contains("panels[0].metric"), "{e}");
    }
}
