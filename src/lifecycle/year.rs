//! The annual evaluation as an act (定稿): once a year's counting period has
//! ended, province staff confirm its result; the scorecard is stored with its
//! rulebook version and who confirmed it, and stands until staff reopen the
//! year with a reason. Pages and the API both call these functions.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::compliance;
use crate::db::{self, years::YearChange, Db};
use crate::domain::YearStatus;
use crate::error::{AppError, AppResult};
use crate::rules::Rulebook;

/// What the API says of a year (`GET /api/v1/years/{year}`).
#[derive(Debug, Clone, Serialize)]
pub struct YearView {
    pub year: i32,
    pub status: YearStatus,
    pub confirmed_at: Option<NaiveDateTime>,
    pub confirmed_by: Option<String>,
    /// The rulebook of the confirmed result, or the one that counts the year now.
    pub rulebook: String,
    /// Whether the counting period has ended (only then may it be confirmed).
    pub counting_ended: bool,
    pub history: Vec<YearChange>,
}

impl YearView {
    pub fn is_confirmed(&self) -> bool {
        self.status == YearStatus::Confirmed
    }
}

fn counting_ended(year: i32, today: NaiveDate) -> bool {
    NaiveDate::from_ymd_opt(year, 12, 31).is_some_and(|end| today > end)
}

fn check_year(year: i32) -> AppResult<()> {
    if (2000..=2100).contains(&year) {
        Ok(())
    } else {
        Err(AppError::Invalid(format!(
            "年度无效 (invalid year): {year}"
        )))
    }
}

pub fn view(db: &mut Db, rulebook: &Rulebook, year: i32, today: NaiveDate) -> AppResult<YearView> {
    check_year(year)?;
    let stored = db::years::get(db, year)?.filter(|y| y.status == YearStatus::Confirmed);
    Ok(YearView {
        year,
        status: stored.as_ref().map_or(YearStatus::Open, |y| y.status),
        confirmed_at: stored.as_ref().and_then(|y| y.confirmed_at),
        confirmed_by: stored.as_ref().and_then(|y| y.confirmed_by.clone()),
        rulebook: stored.map_or_else(|| rulebook.label(), |y| y.rulebook),
        counting_ended: counting_ended(year, today),
        history: db::years::history(db, year)?,
    })
}

/// Confirm `year`: compute its result for every base due, store it, and
/// make it the year's result. Refused while the counting period runs and
/// for a year already confirmed.
pub fn confirm(
    db: &mut Db,
    rulebook: &Rulebook,
    year: i32,
    today: NaiveDate,
    by: &str,
) -> AppResult<YearView> {
    check_year(year)?;
    if !counting_ended(year, today) {
        return Err(AppError::Conflict(format!(
            "{year} 年度统计期至 {year}-12-31 结束，尚未结束，不能定稿 (the counting period of {year} has not ended)"
        )));
    }
    if db::years::get(db, year)?.is_some_and(|y| y.status == YearStatus::Confirmed) {
        return Err(AppError::Conflict(format!(
            "{year} 年度已定稿；如需更改，请先重新开放并说明原因 (already confirmed)"
        )));
    }
    let bases = db::bases::all(db)?;
    let card = compliance::compute_bases(db, rulebook, year, None, today, &bases)?;
    let id = compliance::store(db, &card)?;
    db::years::confirm(db, year, id, &card.rulebook, by)?;
    tracing::info!(year, by, evaluation = id, "year confirmed");
    view(db, rulebook, year, today)
}

/// Reopen a confirmed `year`, with the reason (recorded): it is counted
/// live again, and imports may change it, until it is confirmed again.
pub fn reopen(
    db: &mut Db,
    rulebook: &Rulebook,
    year: i32,
    reason: &str,
    today: NaiveDate,
    by: &str,
) -> AppResult<YearView> {
    check_year(year)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::Invalid(
            "重新开放年度须说明原因 (a reason is required)".into(),
        ));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::Invalid(
            "原因不超过 500 字 (at most 500 characters)".into(),
        ));
    }
    if !db::years::get(db, year)?.is_some_and(|y| y.status == YearStatus::Confirmed) {
        return Err(AppError::Conflict(format!(
            "{year} 年度尚未定稿，无需重新开放 (the year is not confirmed)"
        )));
    }
    db::years::reopen(db, year, reason, by)?;
    tracing::info!(year, by, "year reopened");
    view(db, rulebook, year, today)
}
