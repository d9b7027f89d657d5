//! The rulebook: the yearly thresholds, counting period, cycle length,
//! application conditions and readings, loaded from TOML and validated.
//!
//! The Henan rulebook (`henan.toml` beside this file) is embedded and used
//! unless the configuration names another file. Only `compliance` and
//! `lifecycle` code read it; nothing else hard-codes a threshold.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::{BaseType, Indicator};
use crate::error::{AppError, AppResult};

/// The embedded Henan rulebook text.
pub const HENAN: &str = include_str!("henan.toml");
const HENAN_NAME: &str = "<内置> src/rules/henan.toml";

/// Which source a scorecard counts when a base has both a declared yearly
/// count and activity records for one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourcePolicy {
    /// The declared count is used; records fill in what was not declared.
    DeclaredThenRecords,
    /// Activity records are used; declared counts fill in where none exist.
    RecordsThenDeclared,
}

/// When a newly recognised base is first evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstYear {
    /// The first calendar year that the base exists for in full.
    FirstFullCalendarYear,
    /// The year of recognition itself.
    RecognitionYear,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    CalendarYear,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counting {
    pub period: Period,
    pub first_year: FirstYear,
    pub source: SourcePolicy,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pace {
    pub catch_up_factor: f64,
}

impl Condition {
    /// The condition's value for a base type, if the type has it.
    pub fn value_for(&self, ty: crate::domain::BaseType) -> Option<&toml::Value> {
        match ty {
            crate::domain::BaseType::Iar => self.iar.as_ref(),
            crate::domain::BaseType::Incubation => self.incubation.as_ref(),
            crate::domain::BaseType::International => self.international.as_ref(),
        }
    }
}

/// One application condition (第四–六条), with its value per base type.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub id: String,
    pub zh: String,
    pub article: String,
    pub kind: ConditionKind,
    pub iar: Option<toml::Value>,
    pub incubation: Option<toml::Value>,
    pub international: Option<toml::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionKind {
    /// At least the value (a count, an area).
    Min,
    /// At least the value, a fraction.
    ShareMin,
    /// More than the value, a fraction.
    ShareOver,
    /// Declared yes.
    Required,
    /// At least this many years between the host's registration date and
    /// the check (a date comparison, never a declaration).
    YearsSince,
    /// A judgement the experts make (初评和考察): listed, never decided by the program.
    Judgement,
}

/// Readings of 第十六–十七条 that another office may take otherwise.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Lifecycle {
    /// 第十六条: activities dated from the order to the deadline count
    /// toward the failed year's shortfall at the re-check.
    pub rectification_counts_period_activities: bool,
    /// 第十七条: days after the cycle ends within which a base applies for
    /// acceptance; after them it is proposed as lapsed.
    pub acceptance_window_days: u32,
    /// Whether the year in which a base was revoked or lapsed is still evaluated.
    pub evaluate_ending_year: bool,
}

impl Default for Lifecycle {
    fn default() -> Lifecycle {
        Lifecycle {
            rectification_counts_period_activities: true,
            acceptance_window_days: 90,
            evaluate_ending_year: true,
        }
    }
}

/// 第十四条(三)(四): what bases report, and when it is due.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reporting {
    /// Only records the unit (or staff) approved count; records imported by
    /// staff count as approved. `false`: a record counts once entered.
    pub count_only_approved: bool,
    /// The annual plan (年度计划) of year Y is due on this day of Y (`MM-DD`).
    pub plan_due: String,
    /// The work summary (工作总结) of year Y is due on this day of Y + 1.
    pub summary_due: String,
}

impl Default for Reporting {
    fn default() -> Reporting {
        Reporting {
            count_only_approved: true,
            plan_due: "01-31".into(),
            summary_due: "01-31".into(),
        }
    }
}

/// 第九条: the yearly recognition round.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recognition {
    /// How long the proposed list is published (公示) before naming, in days.
    pub publicity_days: u32,
}

impl Default for Recognition {
    fn default() -> Recognition {
        Recognition { publicity_days: 7 }
    }
}

/// `MM-DD` of `year` (29 February: the 28th in a common year).
pub fn month_day(md: &str, year: i32) -> Option<NaiveDate> {
    let (m, d) = md.trim().split_once('-')?;
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    NaiveDate::from_ymd_opt(year, m, d).or_else(|| {
        (m == 2 && d == 29)
            .then(|| NaiveDate::from_ymd_opt(year, 2, 28))
            .flatten()
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    pub topic: String,
    /// The article the reading concerns (第十六条).
    #[serde(default)]
    pub article: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRulebook {
    id: String,
    version: String,
    title: String,
    issuer: String,
    cycle_years: i64,
    #[serde(default)]
    applies_from: Option<i64>,
    counting: Counting,
    pace: Pace,
    types: BTreeMap<String, BTreeMap<String, toml::Value>>,
    #[serde(default)]
    application: Vec<Condition>,
    #[serde(default)]
    readings: Vec<Reading>,
    #[serde(default)]
    lifecycle: Lifecycle,
    #[serde(default)]
    reporting: Reporting,
    #[serde(default)]
    recognition: Recognition,
}

/// A validated rulebook.
#[derive(Debug, Clone)]
pub struct Rulebook {
    pub id: String,
    pub version: String,
    pub title: String,
    pub issuer: String,
    pub cycle_years: u32,
    /// The first year this version scores (`applies_from`); none: every year.
    /// A revision says from when it applies, so it never re-scores a year
    /// it was not written for (a confirmed year is its stored result anyway).
    pub applies_from: Option<i32>,
    pub counting: Counting,
    pub pace: Pace,
    /// Yearly targets per base type, in the order of [`Indicator::ALL`].
    targets: BTreeMap<BaseType, Vec<(Indicator, u32)>>,
    pub application: Vec<Condition>,
    pub readings: Vec<Reading>,
    pub lifecycle: Lifecycle,
    pub reporting: Reporting,
    pub recognition: Recognition,
}

impl Rulebook {
    /// The embedded Henan rulebook.
    pub fn henan() -> Rulebook {
        // The embedded file is tested; failing here is a build defect.
        Rulebook::parse(HENAN, HENAN_NAME).expect("the embedded Henan rulebook is valid")
    }

    /// Load the rulebook at `path`, or the embedded one when `None`.
    pub fn load(path: Option<&Path>) -> AppResult<Rulebook> {
        match path {
            None => Ok(Rulebook::henan()),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| AppError::Rulebook {
                    file: p.display().to_string(),
                    key: "-".into(),
                    message: format!("无法读取文件 (cannot read the file): {e}"),
                })?;
                Rulebook::parse(&text, &p.display().to_string())
            }
        }
    }

    /// Parse and validate rulebook text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> AppResult<Rulebook> {
        let err = |key: &str, message: String| AppError::Rulebook {
            file: file.to_string(),
            key: key.to_string(),
            message,
        };
        let raw: RawRulebook = toml::from_str(text).map_err(|e| {
            let key = toml_error_key(text, &e);
            err(
                &key,
                format!(
                    "无法解析 (cannot parse): {}",
                    e.message().trim().replace('\n', " ")
                ),
            )
        })?;
        if raw.id.trim().is_empty() {
            return Err(err("id", "不能为空 (must not be empty)".into()));
        }
        if raw.version.trim().is_empty() {
            return Err(err("version", "不能为空 (must not be empty)".into()));
        }
        if !(1..=10).contains(&raw.cycle_years) {
            return Err(err(
                "cycle_years",
                format!(
                    "建设周期应为 1 到 10 年，而不是 {} (must be 1 to 10 years)",
                    raw.cycle_years
                ),
            ));
        }
        let applies_from = match raw.applies_from {
            None => None,
            Some(y) => Some(
                i32::try_from(y)
                    .ok()
                    .filter(|y| (2000..=2100).contains(y))
                    .ok_or_else(|| {
                        err(
                            "applies_from",
                            format!("适用起始年度应为 2000 到 2100 之间的年份，而不是 {y} (a year between 2000 and 2100)"),
                        )
                    })?,
            ),
        };
        if !(1..=365).contains(&raw.lifecycle.acceptance_window_days) {
            return Err(err(
                "lifecycle.acceptance_window_days",
                "应为 1 到 365 天 (days between 1 and 365)".into(),
            ));
        }
        for (key, md) in [
            ("reporting.plan_due", &raw.reporting.plan_due),
            ("reporting.summary_due", &raw.reporting.summary_due),
        ] {
            if month_day(md, 2024).is_none() {
                return Err(err(
                    key,
                    format!("应为“月-日”，例如 01-31，而不是“{md}” (a MM-DD day)"),
                ));
            }
        }
        let f = raw.pace.catch_up_factor;
        if !(f.is_finite() && f >= 1.0) {
            return Err(err(
                "pace.catch_up_factor",
                format!("应为不小于 1 的数，而不是 {f} (must be a number >= 1)"),
            ));
        }
        for name in raw.types.keys() {
            if BaseType::parse(name)
                .map(|t| t.id() != name)
                .unwrap_or(true)
            {
                return Err(err(
                    &format!("types.{name}"),
                    format!(
                        "未知的基地类型“{name}”，应为 iar、incubation 或 international (unknown base type)"
                    ),
                ));
            }
        }
        let mut targets = BTreeMap::new();
        for ty in BaseType::ALL {
            let key = format!("types.{}", ty.id());
            let table = raw.types.get(ty.id()).ok_or_else(|| {
                err(
                    &key,
                    format!(
                        "缺少{}的年度任务阈值 (thresholds for this base type are missing)",
                        ty.name_zh()
                    ),
                )
            })?;
            if table.is_empty() {
                return Err(err(
                    &key,
                    "至少需要一项指标阈值 (at least one threshold is required)".into(),
                ));
            }
            let mut list = Vec::new();
            for (name, value) in table {
                let key = format!("{key}.{name}");
                let ind = Indicator::parse(name)
                    .ok()
                    .filter(|i| i.id() == name)
                    .ok_or_else(|| err(&key, format!("未知的指标“{name}” (unknown indicator)")))?;
                let n = value.as_integer().ok_or_else(|| {
                    err(
                        &key,
                        format!("阈值应为整数，而不是 {value} (threshold must be an integer)"),
                    )
                })?;
                if n < 0 {
                    return Err(err(
                        &key,
                        format!("阈值不能为负数：{n} (threshold must not be negative)"),
                    ));
                }
                let n = u32::try_from(n)
                    .map_err(|_| err(&key, format!("阈值过大：{n} (threshold is too large)")))?;
                list.push((ind, n));
            }
            list.sort_by_key(|(i, _)| indicator_position(*i));
            targets.insert(ty, list);
        }
        for (i, c) in raw.application.iter().enumerate() {
            let key = format!("application[{i}]");
            for (ty, v) in [
                ("iar", &c.iar),
                ("incubation", &c.incubation),
                ("international", &c.international),
            ] {
                let Some(v) = v else { continue };
                let ok = match c.kind {
                    ConditionKind::Required | ConditionKind::Judgement => v.is_bool(),
                    ConditionKind::Min | ConditionKind::YearsSince => {
                        v.as_integer().is_some_and(|n| n >= 0)
                    }
                    ConditionKind::ShareMin | ConditionKind::ShareOver => {
                        v.as_float().is_some_and(|x| (0.0..=1.0).contains(&x))
                    }
                };
                if !ok {
                    return Err(err(
                        &format!("{key}.{ty}"),
                        format!(
                            "条件 {} 的取值 {v} 与类型 {:?} 不符 (value does not fit the condition kind)",
                            c.id, c.kind
                        ),
                    ));
                }
            }
        }
        Ok(Rulebook {
            id: raw.id,
            version: raw.version,
            title: raw.title,
            issuer: raw.issuer,
            cycle_years: raw.cycle_years as u32,
            applies_from,
            counting: raw.counting,
            pace: raw.pace,
            targets,
            application: raw.application,
            readings: raw.readings,
            lifecycle: raw.lifecycle,
            reporting: raw.reporting,
            recognition: raw.recognition,
        })
    }

    /// `id@version`, stored with every evaluation.
    pub fn label(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }

    /// The indicators a base type must report, with their yearly targets.
    pub fn targets(&self, ty: BaseType) -> &[(Indicator, u32)] {
        self.targets.get(&ty).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first year a base recognised on `recognised_on` is evaluated.
    pub fn first_evaluated_year(&self, recognised_on: chrono::NaiveDate) -> i32 {
        use chrono::Datelike;
        match self.counting.first_year {
            FirstYear::RecognitionYear => recognised_on.year(),
            FirstYear::FirstFullCalendarYear => {
                if recognised_on.ordinal() == 1 {
                    recognised_on.year()
                } else {
                    recognised_on.year() + 1
                }
            }
        }
    }
}

/// Position of an indicator in the canonical order (as in DOMAIN.md).
pub fn indicator_position(i: Indicator) -> usize {
    Indicator::ALL
        .iter()
        .position(|x| *x == i)
        .unwrap_or(usize::MAX)
}

/// Best-effort dotted key for a TOML error: the table header above the error
/// span plus the key on its line.
fn toml_error_key(text: &str, e: &toml::de::Error) -> String {
    let Some(span) = e.span() else {
        return "-".into();
    };
    let before = &text[..span.start.min(text.len())];
    let table = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').to_string());
    let line = before.lines().last().unwrap_or("");
    let line_key = text[before.len() - line.len()..]
        .lines()
        .next()
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim().to_string());
    let line_no = before.matches('\n').count() + 1;
    let key = match (table, line_key) {
        (Some(t), Some(k)) => format!("{t}.{k}"),
        (Some(t), None) => t,
        (None, Some(k)) => k,
        (None, None) => "-".into(),
    };
    format!("{key} (第 {line_no} 行 line {line_no})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> String {
        Rulebook::parse(text, "test.toml").unwrap_err().to_string()
    }

    #[test]
    fn the_embedded_henan_rulebook_has_the_thresholds_of_article_10() {
        let r = Rulebook::henan();
        assert_eq!(r.cycle_years, 3);
        assert_eq!(
            r.targets(BaseType::Iar),
            &[
                (Indicator::PlatformUploads, 20),
                (Indicator::VolunteerServices, 5),
                (Indicator::KeyActivities, 2)
            ]
        );
        assert_eq!(
            r.targets(BaseType::Incubation),
            &[
                (Indicator::PlatformUploads, 20),
                (Indicator::IncubatedProjects, 3),
                (Indicator::RoadshowEvents, 1)
            ]
        );
        assert_eq!(
            r.targets(BaseType::International),
            &[
                (Indicator::PlatformUploads, 20),
                (Indicator::OverseasTalents, 2),
                (Indicator::InternationalExchanges, 1)
            ]
        );
        assert_eq!(r.counting.source, SourcePolicy::DeclaredThenRecords);
        assert!(r.application.iter().any(|c| c.id == "foreign_experts"));
        assert!(r.readings.len() >= 4);
        assert_eq!(r.label(), "henan-kczy@2023-trial.1");
    }

    #[test]
    fn a_base_recognised_mid_year_is_first_evaluated_the_next_year() {
        let r = Rulebook::henan();
        let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(r.first_evaluated_year(d("2024-07-01")), 2025);
        assert_eq!(r.first_evaluated_year(d("2024-01-01")), 2024);
        assert_eq!(r.first_evaluated_year(d("2023-12-31")), 2024);
    }

    #[test]
    fn a_negative_threshold_is_refused_with_its_key() {
        let text = HENAN.replace("volunteer_services = 5", "volunteer_services = -5");
        let msg = refused(&text);
        assert!(msg.contains("test.toml"), "{msg}");
        assert!(msg.contains("types.iar.volunteer_services"), "{msg}");
        assert!(msg.contains("负数"), "{msg}");
    }

    #[test]
    fn an_unknown_indicator_is_refused_with_its_key() {
        let text = HENAN.replace("roadshow_events = 1", "roadshows = 1");
        let msg = refused(&text);
        assert!(msg.contains("types.incubation.roadshows"), "{msg}");
    }

    #[test]
    fn an_unknown_base_type_is_refused() {
        let text = format!("{HENAN}\n[types.space]\nplatform_uploads = 1\n");
        let msg = refused(&text);
        assert!(msg.contains("types.space"), "{msg}");
    }

    #[test]
    fn a_missing_base_type_is_refused() {
        let text = HENAN.replace("[types.international]", "[types_international]");
        let msg = refused(&text);
        assert!(
            msg.contains("types_international") || msg.contains("types.international"),
            "{msg}"
        );
    }

    #[test]
    fn a_threshold_without_a_number_is_refused() {
        let text = HENAN.replace("key_activities = 2", "key_activities = \"two\"");
        let msg = refused(&text);
        assert!(msg.contains("types.iar.key_activities"), "{msg}");
    }

    #[test]
    fn text_that_is_not_toml_is_refused_with_a_line() {
        let text = HENAN.replace("cycle_years = 3", "cycle_years = = 3");
        let msg = refused(&text);
        assert!(msg.contains("cycle_years"), "{msg}");
        assert!(msg.contains("line"), "{msg}");
    }
}
