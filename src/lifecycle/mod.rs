//! The base lifecycle (第十五–十七条): 3-year cycles from recognition, and
//! the deadlines worth reminding — the counting period's end, the annual
//! plan and last year's summary (第十四条(四)), the rectification deadline,
//! the end of the cycle (apply for acceptance).

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::db::bases::Base;
use crate::domain::{RectificationOutcome, Status};
use crate::rules::Rulebook;

pub use crate::config::RECTIFICATION_DAYS;

pub mod decisions;
pub mod year;

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

/// The deadlines of one base from `today` on, soonest first; `rectify_by` is
/// the deadline of its open rectification order, if any.
pub fn deadlines(
    base: &Base,
    rulebook: &Rulebook,
    today: NaiveDate,
    rectify_by: Option<NaiveDate>,
) -> Vec<Deadline> {
    let status = base.status;
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
    // The plan of a year (and last year's summary) are due on the
    // rulebook's day early in the year (`reporting.plan_due`).
    let plan_due = |y| crate::rules::month_day(&rulebook.reporting.plan_due, y);
    let report = plan_due(today.year())
        .filter(|d| *d >= today)
        .or_else(|| plan_due(today.year() + 1));
    if let Some(d) = report {
        v.push(mk(d, DeadlineKind::AnnualReport));
    }
    if let Some(d) = rectify_by {
        v.push(mk(d, DeadlineKind::Rectification));
    }
    // Applying for acceptance: only while the base has not applied.
    let end = cycle_end(base, rulebook);
    if end >= today && status != Status::Accepting {
        v.push(mk(end, DeadlineKind::CycleEnd));
    }
    v.retain(|d| d.date >= today);
    v.sort_by_key(|d| (d.date, d.kind));
    v
}

use crate::compliance::{self, output};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::error::AppResult;
use crate::mail;

/// What one base fell short of in `year` (its confirmed result if the
/// year is confirmed): the rows not met. The one base is evaluated, not the
/// province.
pub(crate) fn shortfalls(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    year: i32,
    today: NaiveDate,
) -> AppResult<Vec<compliance::ScorecardRow>> {
    let card = compliance::evaluate_bases(
        db,
        &settings.rulebook,
        year,
        None,
        today,
        std::slice::from_ref(base),
    )?;
    Ok(card.rows.into_iter().filter(|r| !r.met).collect())
}

/// What an order is for: the tasks of a failed year (第十条), or a document
/// not submitted by its due date (第十四条(四)), of the order's year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grounds {
    Indicators,
    Document(crate::domain::DocumentKind),
}

impl Grounds {
    /// The grounds of a stored order.
    pub fn of(o: &db::rectifications::Rectification) -> Grounds {
        o.missing_documents
            .split(',')
            .find_map(<crate::domain::DocumentKind as crate::domain::Coded>::from_code)
            .map_or(Grounds::Indicators, Grounds::Document)
    }

    fn heading(self, year: i32) -> String {
        match self {
            Grounds::Indicators => format!("贵基地 {year} 年度考核未完成的任务（第十条）"),
            Grounds::Document(_) => "贵基地未按期报送的材料（第十四条第（四）项）".to_string(),
        }
    }
}

/// What a document order names: the document, its year and due date.
fn document_shortfall(settings: &Settings, kind: crate::domain::DocumentKind, year: i32) -> String {
    match crate::documents::due(settings, kind, year) {
        Some(d) => format!(
            "未按期报送{}（{year} 年度，应于 {d} 前报送）",
            kind.name_zh()
        ),
        None => format!("未按期报送{}（{year} 年度）", kind.name_zh()),
    }
}

/// Queue a rectification email (notice or reminder) for one base, naming
/// what the order named.
#[allow(clippy::too_many_arguments)]
fn rectification_mail(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    year: i32,
    grounds: Grounds,
    items: Vec<String>,
    deadline: NaiveDate,
    today: NaiveDate,
    key: &mail::DedupeKey,
    headline: &str,
) -> AppResult<bool> {
    let cc = db::users::emails_for_unit(db, base.unit_id)?;
    let notice = mail::Notice::Rectification(mail::Rectification {
        base_name: base.name.clone(),
        base_code: base.code.clone(),
        headline: headline.to_string(),
        year,
        grounds: grounds.heading(year),
        items,
        deadline,
        days_left: (deadline - today).num_days().max(0),
        link: settings.base_link(&base.code),
        copied: !cc.is_empty(),
    });
    let to = mail::Recipients {
        to: vec![base.email.clone()],
        cc,
    };
    mail::queue(db, key, &to, &notice)
}

/// 责令限期整改: the province orders a base that failed `year` to rectify by
/// `today + days`. The base becomes `rectifying` and gets a notice. Returns
/// false if it was already ordered for that year.
pub fn order_rectification(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    year: i32,
    today: NaiveDate,
    days: u32,
    by: &str,
) -> AppResult<bool> {
    let deadline = today + chrono::Days::new(u64::from(days));
    order(
        db,
        settings,
        base,
        year,
        Grounds::Indicators,
        today,
        deadline,
        "",
        by,
    )
}

/// An order with the configured number of days and staff's reason.
#[allow(clippy::too_many_arguments)]
pub(crate) fn order_rectification_with(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    year: i32,
    grounds: Grounds,
    today: NaiveDate,
    reason: &str,
    by: &str,
) -> AppResult<bool> {
    let deadline = today + chrono::Days::new(u64::from(settings.rectification_days));
    order(
        db, settings, base, year, grounds, today, deadline, reason, by,
    )
}

#[allow(clippy::too_many_arguments)]
fn order(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    year: i32,
    grounds: Grounds,
    today: NaiveDate,
    deadline: NaiveDate,
    reason: &str,
    by: &str,
) -> AppResult<bool> {
    // The order names each shortfall, in the words of 第十条, or the
    // document not submitted.
    let (shortfalls, missing_documents): (Vec<String>, &str) = match grounds {
        Grounds::Indicators => (
            shortfalls(db, settings, base, year, today)?
                .iter()
                .map(output::formal)
                .collect(),
            "",
        ),
        Grounds::Document(kind) => (vec![document_shortfall(settings, kind, year)], kind.id()),
    };
    let created = db.transaction(|db| {
        let new = db::rectifications::NewOrder {
            base_id: base.id,
            year,
            ordered_on: today,
            deadline,
            by,
            shortfalls: &shortfalls.join("\n"),
            reason: reason.trim(),
            missing_documents,
        };
        if !db::rectifications::create(db, &new)? {
            return Ok::<bool, crate::error::AppError>(false);
        }
        db::bases::set_status(
            db,
            base.id,
            Status::Rectifying,
            today,
            &match grounds {
                Grounds::Indicators => {
                    format!("{year} 年度考核未达标，责令限期整改，期限至 {deadline}")
                }
                Grounds::Document(kind) => format!(
                    "未按期报送 {year} 年度{}，责令限期整改，期限至 {deadline}",
                    kind.name_zh()
                ),
            },
            by,
        )?;
        Ok(true)
    })?;
    if created {
        let key = mail::DedupeKey::RectificationNotice { base, year };
        let headline = match grounds {
            Grounds::Indicators => format!("责令限期整改通知（{year} 年度考核未达标）"),
            Grounds::Document(kind) => format!("责令限期整改通知（未按期报送{}）", kind.name_zh()),
        };
        rectification_mail(
            db, settings, base, year, grounds, shortfalls, deadline, today, &key, &headline,
        )?;
    }
    Ok(created)
}

/// Remind bases under an order, once per lead time before the deadline.
pub fn remind_rectifications(
    db: &mut Db,
    settings: &Settings,
    lead_days: &[u32],
    today: NaiveDate,
) -> AppResult<usize> {
    let mut n = 0;
    for o in db::rectifications::with_outcome(db, RectificationOutcome::Open)? {
        let days_left = (o.deadline - today).num_days();
        let Some(stage) = lead_days
            .iter()
            .copied()
            .filter(|l| i64::from(*l) >= days_left)
            .min()
        else {
            continue;
        };
        if days_left <= 0 {
            continue;
        }
        let Some(base) = db::bases::all(db)?.into_iter().find(|b| b.id == o.base_id) else {
            continue;
        };
        let key = mail::DedupeKey::RectificationReminder {
            base: &base,
            year: o.year,
            stage,
        };
        let items = o.shortfalls.lines().map(str::to_string).collect();
        if rectification_mail(
            db,
            settings,
            &base,
            o.year,
            Grounds::of(&o),
            items,
            o.deadline,
            today,
            &key,
            "整改期限提醒",
        )? {
            n += 1;
        }
    }
    Ok(n)
}
