//! The base lifecycle (第十五–十七条): 3-year cycles from recognition, and
//! the deadlines worth reminding — the counting period's end, the annual
//! plan and last year's summary (第十四条(四)), the rectification deadline,
//! the end of the cycle (apply for acceptance).

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::db::bases::Base;
use crate::domain::Status;
use crate::rules::Rulebook;

/// Days given to rectify, counted from the order (configuration later; the text fixes none).
pub const RECTIFICATION_DAYS: u64 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    CountingPeriodEnd,
    AnnualReport,
    Rectification,
    CycleEnd,
}

impl DeadlineKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            DeadlineKind::CountingPeriodEnd => "年度统计期截止",
            DeadlineKind::AnnualReport => "报送年度计划和上一年度工作总结",
            DeadlineKind::Rectification => "整改期限届满",
            DeadlineKind::CycleEnd => "建设周期届满，申请验收",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub date: NaiveDate,
    pub kind: DeadlineKind,
    pub base_code: String,
    pub base_name: String,
}

/// When the current cycle of `base` ends.
pub fn cycle_end(base: &Base, rulebook: &Rulebook) -> NaiveDate {
    base.cycle_start
        .checked_add_months(Months::new(12 * rulebook.cycle_years))
        .unwrap_or(base.cycle_start)
}

/// The deadlines of one base from `today` on, soonest first.
pub fn deadlines(base: &Base, rulebook: &Rulebook, today: NaiveDate) -> Vec<Deadline> {
    let status = Status::parse(&base.status).unwrap_or(Status::Building);
    if status.is_ended() {
        return Vec::new();
    }
    let mk = |date, kind| Deadline {
        date,
        kind,
        base_code: base.code.clone(),
        base_name: base.name.clone(),
    };
    let mut v = Vec::new();
    if let Some(end) = NaiveDate::from_ymd_opt(today.year(), 12, 31) {
        if rulebook.first_evaluated_year(base.recognised_on) <= today.year() {
            v.push(mk(end, DeadlineKind::CountingPeriodEnd));
        }
    }
    // The plan and the summary are due at the start of each year (31 January here).
    let report = NaiveDate::from_ymd_opt(today.year(), 1, 31)
        .filter(|d| *d >= today)
        .or_else(|| NaiveDate::from_ymd_opt(today.year() + 1, 1, 31));
    if let Some(d) = report {
        v.push(mk(d, DeadlineKind::AnnualReport));
    }
    if status == Status::Rectifying {
        let d = base.status_since + chrono::Days::new(RECTIFICATION_DAYS);
        v.push(mk(d, DeadlineKind::Rectification));
    }
    let end = cycle_end(base, rulebook);
    if end >= today {
        v.push(mk(end, DeadlineKind::CycleEnd));
    }
    v.retain(|d| d.date >= today);
    v.sort_by_key(|d| (d.date, d.kind));
    v
}
