//! Recognition (第四–九条): the 形式审查 of an application against the
//! conditions of its type as the rulebook states them. Every condition is
//! listed with the figure required and the figure given; a condition that
//! needs the experts' judgement is never decided here.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::domain::BaseType;
use crate::rules::{Condition, ConditionKind, Rulebook};

/// How one condition stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 符合
    Met,
    /// 不符合
    NotMet,
    /// 需专家判断
    Judgement,
}

impl Verdict {
    pub fn name_zh(self) -> &'static str {
        match self {
            Verdict::Met => "符合",
            Verdict::NotMet => "不符合",
            Verdict::Judgement => "需专家判断",
        }
    }
}

/// One condition of the check, as the API and the page show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checked {
    pub id: String,
    pub article: String,
    pub text: String,
    /// The figure required, in words ("不少于 50", "高于 50%", "是").
    pub required: String,
    /// The figure given, in words ("48", "未填报").
    pub given: String,
    pub result: Verdict,
}

/// What an application gives: the figures keyed by condition id (numbers,
/// fractions, yes/no; `foreign_experts` may be a list of `{"name",
/// "months"}`), and the host's registration date.
pub struct Given<'a> {
    pub figures: &'a serde_json::Map<String, serde_json::Value>,
    pub registered_on: Option<NaiveDate>,
}

/// Months a year a foreign expert must work to count (第六条(四)).
const EXPERT_MONTHS: f64 = 3.0;

/// Check every condition of `base_type` on `on` (the date of the check).
pub fn check(
    rulebook: &Rulebook,
    base_type: BaseType,
    given: &Given,
    on: NaiveDate,
) -> Vec<Checked> {
    rulebook
        .application
        .iter()
        .filter_map(|c| c.value_for(base_type).map(|v| one(c, v, given, on)))
        .collect()
}

fn one(c: &Condition, want: &toml::Value, given: &Given, on: NaiveDate) -> Checked {
    let figure = given.figures.get(&c.id).filter(|v| !v.is_null());
    let missing = || "未填报".to_string();
    let (required, given_text, result) = match c.kind {
        ConditionKind::Judgement => (
            "由专家论证".to_string(),
            figure.map_or_else(missing, shown),
            Verdict::Judgement,
        ),
        ConditionKind::Required => {
            let yes = figure.and_then(serde_json::Value::as_bool);
            (
                "是".to_string(),
                yes.map_or_else(missing, |b| if b { "是" } else { "否" }.to_string()),
                verdict(yes == Some(true)),
            )
        }
        ConditionKind::Min => {
            let need = want.as_integer().unwrap_or(0) as f64;
            let n = if c.id == "foreign_experts" {
                figure.and_then(experts)
            } else {
                figure.and_then(number)
            };
            (
                format!("不少于 {need}"),
                n.map_or_else(missing, |n| format!("{n}")),
                verdict(n.is_some_and(|n| n >= need)),
            )
        }
        ConditionKind::ShareMin | ConditionKind::ShareOver => {
            let need = want.as_float().unwrap_or(1.0);
            let x = figure.and_then(number).filter(|x| (0.0..=1.0).contains(x));
            let over = c.kind == ConditionKind::ShareOver;
            (
                format!(
                    "{}{}",
                    if over { "高于 " } else { "不低于 " },
                    percent(need)
                ),
                x.map_or_else(|| figure.map_or_else(missing, shown), percent),
                verdict(x.is_some_and(|x| {
                    // Shares are compared in basis points, so 0.8 given is 80 % exactly.
                    let (x, need) = ((x * 10_000.0).round(), (need * 10_000.0).round());
                    if over {
                        x > need
                    } else {
                        x >= need
                    }
                })),
            )
        }
        ConditionKind::YearsSince => {
            let years = want.as_integer().unwrap_or(1);
            let date = given.registered_on.or_else(|| {
                figure
                    .and_then(serde_json::Value::as_str)
                    .and_then(|s| crate::domain::parse_date(s).ok())
            });
            let since = date.and_then(|d| {
                let y = i32::try_from(years).ok()?;
                // 29 February plus a year is 28 February.
                d.with_year(d.year() + y)
                    .or_else(|| d.pred_opt().and_then(|p| p.with_year(p.year() + y)))
            });
            (
                format!("注册满 {years} 年（{on} 前已满）"),
                date.map_or_else(missing, |d| format!("注册于 {d}")),
                verdict(since.is_some_and(|s| s <= on)),
            )
        }
    };
    Checked {
        id: c.id.clone(),
        article: c.article.clone(),
        text: c.zh.clone(),
        required,
        given: given_text,
        result,
    }
}

fn verdict(ok: bool) -> Verdict {
    if ok {
        Verdict::Met
    } else {
        Verdict::NotMet
    }
}

fn number(v: &serde_json::Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite() && *x >= 0.0)
}

/// Foreign experts: a count, or a list of `{"name", "months"}` of whom
/// those with at least three months a year count.
fn experts(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Array(list) => Some(
            list.iter()
                .filter(|e| {
                    e.get("months")
                        .and_then(serde_json::Value::as_f64)
                        .is_some_and(|m| m >= EXPERT_MONTHS)
                })
                .count() as f64,
        ),
        other => number(other),
    }
}

fn percent(x: f64) -> String {
    let p = (x * 1000.0).round() / 10.0;
    format!("{p}%")
}

fn shown(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.chars().take(200).collect(),
        serde_json::Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        other => other.to_string().chars().take(200).collect(),
    }
}

#[cfg(test)]
mod tests;
