//! What staff decide about a base (第十六–十七条), each refused where the
//! text does not allow it, each recorded with who, when and why, and each
//! told to the base (and its recommending unit) by email. The re-check and
//! the lapse check only propose; a person decides.

use chrono::{Datelike, NaiveDate};

use super::{cycle_end, Grounds};
use crate::compliance::{self, output};
use crate::config::Settings;
use crate::db::{self, bases::Base, rectifications::Rectification, Db};
use crate::domain::{Proposal, RectificationOutcome, Status, YearStatus};
use crate::error::{AppError, AppResult};
use crate::mail;

/// Staff's decision on a rectification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// 整改合格: back to 建设中.
    Passed,
    /// 撤销.
    Revoked,
    /// One extension, to this deadline.
    Extended(NaiveDate),
}

fn conflict(m: String) -> AppError {
    AppError::Conflict(m)
}

/// A reason staff must give: trimmed, not empty, at most 500 characters.
fn reason_text(reason: &str, what: &str) -> AppResult<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(AppError::Invalid(format!(
            "{what}须说明理由 (a reason is required)"
        )));
    }
    if r.chars().count() > 500 {
        return Err(AppError::Invalid(
            "理由不超过 500 字 (at most 500 characters)".into(),
        ));
    }
    Ok(r.to_string())
}

/// 责令限期整改 of one base (the API's route), while it is 建设中. On a
/// failed year (第十条): the latest confirmed year it failed, the order
/// naming each shortfall. On a document (第十四条(四)): the `year`'s
/// document of that kind, which must be overdue (未报送 or 退回 after its due date).
#[allow(clippy::too_many_arguments)]
pub fn order(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    grounds: Grounds,
    year: Option<i32>,
    reason: &str,
    today: NaiveDate,
    by: &str,
) -> AppResult<Rectification> {
    if base.status != Status::Building {
        return Err(conflict(format!(
            "基地 {} 当前状态为“{}”，只有建设中的基地可以责令整改 (only a base 建设中 can be ordered to rectify)",
            base.code,
            base.status.name_zh()
        )));
    }
    let year = match grounds {
        Grounds::Indicators => failed_year(db, settings, base, today)?,
        Grounds::Document(kind) => {
            let year = year.ok_or_else(|| {
                AppError::Invalid(
                    "因未报送材料责令整改须给出 year (the document's year is required)".into(),
                )
            })?;
            let standing = crate::documents::standings(
                db,
                settings,
                std::slice::from_ref(base),
                kind,
                year,
                today,
            )?;
            if !standing.first().is_some_and(|s| s.overdue) {
                return Err(conflict(format!(
                    "基地 {} 的{}（{year} 年度）没有逾期未报送，不能因此责令整改 (the document is not overdue)",
                    base.code,
                    kind.name_zh()
                )));
            }
            year
        }
    };
    if !super::order_rectification_with(db, settings, base, year, grounds, today, reason, by)? {
        return Err(conflict(format!(
            "基地 {} 已有 {year} 年度的整改通知 (already ordered for {year})",
            base.code
        )));
    }
    db::rectifications::pending_for_base(db, base.id)?
        .ok_or_else(|| AppError::Compute("the order just made is gone".into()))
}

/// The latest confirmed year the base failed.
fn failed_year(db: &mut Db, settings: &Settings, base: &Base, today: NaiveDate) -> AppResult<i32> {
    for y in db::years::confirmed(db)?.iter().rev() {
        if y.status != YearStatus::Confirmed {
            continue;
        }
        let card = compliance::evaluate_bases(
            db,
            &settings.rulebook,
            y.year,
            None,
            today,
            std::slice::from_ref(base),
        )?;
        if card.rows.first().is_some_and(|r| !r.base_pass) {
            return Ok(y.year);
        }
    }
    Err(conflict(format!(
        "基地 {} 没有未达标的已定稿年度，不能责令整改 (the base failed no confirmed year)",
        base.code
    )))
}

/// Whether the rectification period has made up the failed year's
/// shortfall: what it still lacks, one sentence per indicator (empty: made up).
pub fn still_short(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    o: &Rectification,
    today: NaiveDate,
) -> AppResult<Vec<String>> {
    if let Grounds::Document(kind) = Grounds::of(o) {
        let done = crate::documents::has_submitted(db, base.id, kind, o.year)?;
        return Ok(if done {
            Vec::new()
        } else {
            vec![format!("尚未报送{}（{} 年度）", kind.name_zh(), o.year)]
        });
    }
    let missing = super::shortfalls(db, settings, base, o.year, today)?;
    if !settings
        .rulebook
        .lifecycle
        .rectification_counts_period_activities
    {
        return Ok(missing.iter().map(output::formal).collect());
    }
    let until = o.deadline.min(today);
    let added = db::records::sums_between(db, base.id, o.ordered_on, until)?;
    Ok(missing
        .into_iter()
        .filter_map(|r| {
            let (ind, gap) = (r.indicator, r.gap);
            let made = added.iter().find(|(i, _)| *i == ind).map_or(0, |x| x.1);
            (made < gap).then(|| {
                format!(
                    "{}：差 {gap}{}，整改期间补充 {made}{}，仍差 {}{}",
                    ind.name_zh(),
                    ind.unit(),
                    ind.unit(),
                    gap - made,
                    ind.unit()
                )
            })
        })
        .collect())
}

/// At the deadline, the re-check proposes: 整改合格 when the shortfall is
/// made up, 撤销 otherwise. Staff decide ([`decide`]).
pub fn recheck(db: &mut Db, settings: &Settings, today: NaiveDate) -> AppResult<(usize, usize)> {
    let (mut pass, mut revoke) = (0, 0);
    let bases = db::bases::all(db)?;
    for o in db::rectifications::with_outcome(db, RectificationOutcome::Open)? {
        if o.deadline > today {
            continue;
        }
        let Some(base) = bases.iter().find(|b| b.id == o.base_id) else {
            continue;
        };
        let short = still_short(db, settings, base, &o, today)?;
        let proposal = if short.is_empty() {
            pass += 1;
            Proposal::Pass
        } else {
            revoke += 1;
            Proposal::Revoke
        };
        db::rectifications::propose(db, o.id, proposal)?;
    }
    Ok((pass, revoke))
}

/// Staff decide a base's rectification: 整改合格 (only once the shortfall is
/// made up), 撤销 (only after the deadline), or one extension to a later
/// deadline. The base and its unit are told.
pub fn decide(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    decision: Decision,
    reason: &str,
    today: NaiveDate,
    by: &str,
) -> AppResult<Rectification> {
    let Some(o) = db::rectifications::pending_for_base(db, base.id)? else {
        return Err(conflict(format!(
            "基地 {} 没有进行中的整改 (no rectification is pending)",
            base.code
        )));
    };
    let (kind, headline, what, deadline) = match decision {
        Decision::Passed => {
            let short = still_short(db, settings, base, &o, today)?;
            if !short.is_empty() {
                return Err(conflict(format!(
                    "尚未补足 {} 年度的差额，不能认定整改合格：{} (the shortfall is not made up)",
                    o.year,
                    short.join("；")
                )));
            }
            let reason = reason.trim().to_string();
            db.transaction(|db| {
                db::rectifications::decide(
                    db,
                    o.id,
                    RectificationOutcome::Passed,
                    today,
                    by,
                    &reason,
                )?;
                db::bases::set_status(
                    db,
                    base.id,
                    Status::Building,
                    today,
                    "整改合格，恢复建设（第十六条）",
                    by,
                )
            })?;
            (
                "rectification-passed",
                "整改复核结果：整改合格".to_string(),
                format!("贵基地 {} 年度考核未完成的任务已在整改期内补足，经省科协复核认定整改合格，恢复为建设中。", o.year),
                None,
            )
        }
        Decision::Revoked => {
            if o.deadline > today {
                return Err(conflict(format!(
                    "整改期限 {} 未到，不能撤销 (the deadline has not passed)",
                    o.deadline
                )));
            }
            let reason = reason_text(reason, "撤销")?;
            db.transaction(|db| {
                db::rectifications::decide(
                    db,
                    o.id,
                    RectificationOutcome::Revoked,
                    today,
                    by,
                    &reason,
                )?;
                db::bases::set_status(
                    db,
                    base.id,
                    Status::Revoked,
                    today,
                    "整改后仍不符合要求，予以撤销（第十六条）",
                    by,
                )
            })?;
            (
                "rectification-revoked",
                "整改复核结果：予以撤销".to_string(),
                format!("贵基地 {} 年度考核未达标，整改期满后仍不符合要求，经省科协决定，撤销“科创中原”创新基地认定。", o.year),
                None,
            )
        }
        Decision::Extended(new) => {
            if o.extended_from.is_some() {
                return Err(conflict(format!(
                    "整改期限已延长过一次（原期限 {}），不能再次延长 (extended once already)",
                    o.extended_from.map(|d| d.to_string()).unwrap_or_default()
                )));
            }
            if new <= o.deadline || new <= today {
                return Err(AppError::Invalid(format!(
                    "新的整改期限 {new} 应晚于原期限 {} 和今天 (the new deadline must be later)",
                    o.deadline
                )));
            }
            let reason = reason_text(reason, "延长整改期限")?;
            db::rectifications::extend(db, &o, new, &reason)?;
            (
                "rectification-extended",
                "整改期限延长".to_string(),
                format!("贵基地 {} 年度考核未达标的整改期限由 {} 延长至 {new}（仅可延长一次），请在新的期限内完成整改。", o.year, o.deadline),
                Some(new),
            )
        }
    };
    tell(
        db,
        settings,
        base,
        kind,
        o.id,
        headline,
        what,
        reason.trim(),
        deadline,
        "第十六条",
    )?;
    db::rectifications::find(db, o.id)?
        .ok_or_else(|| AppError::Compute("the order decided is gone".into()))
}

/// 第十七条: the base (or staff for it) applies for acceptance once its
/// cycle has ended. Reminders to apply stop from then on.
pub fn apply_acceptance(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    today: NaiveDate,
    by: &str,
) -> AppResult<()> {
    let end = cycle_end(base, &settings.rulebook);
    if today < end {
        return Err(conflict(format!(
            "建设周期至 {end} 届满，届满后方可申请验收 (the cycle ends on {end})"
        )));
    }
    if base.status == Status::Accepting {
        return Err(conflict(
            "已申请验收，等待省科协验收 (already applied)".into(),
        ));
    }
    db::bases::set_status(
        db,
        base.id,
        Status::Accepting,
        today,
        "建设期满，申请验收（第十七条）",
        by,
    )
}

/// 第十七条: staff record the acceptance result with an opinion. Passed:
/// a new cycle starts on the old cycle's end date; failed: 不再认定.
pub fn acceptance_result(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    passed: bool,
    opinion: &str,
    today: NaiveDate,
    by: &str,
) -> AppResult<()> {
    if base.status != Status::Accepting {
        return Err(conflict(format!(
            "基地 {} 未申请验收（当前状态“{}”），不能记录验收结果 (the base has not applied)",
            base.code,
            base.status.name_zh()
        )));
    }
    let opinion = reason_text(opinion, "验收意见")?;
    let end = cycle_end(base, &settings.rulebook);
    let (kind, headline, what) = if passed {
        db.transaction(|db| {
            db::bases::start_new_cycle(db, base.id, end)?;
            db::bases::set_status(
                db,
                base.id,
                Status::Building,
                today,
                &format!("验收合格，新的建设周期自 {end} 起（第十七条）"),
                by,
            )
        })?;
        (
            "acceptance-passed",
            "验收结果：验收合格".to_string(),
            format!(
                "贵基地建设期满验收合格，新的建设周期自 {end} 起算，为期 {} 年。",
                settings.rulebook.cycle_years
            ),
        )
    } else {
        db::bases::set_status(
            db,
            base.id,
            Status::Lapsed,
            today,
            "验收不合格，不再认定为创新基地（第十七条）",
            by,
        )?;
        (
            "acceptance-failed",
            "验收结果：验收不合格".to_string(),
            "贵基地建设期满验收不合格，不再认定为“科创中原”创新基地。".to_string(),
        )
    };
    tell(
        db,
        settings,
        base,
        kind,
        i64::from(end.num_days_from_ce()),
        headline,
        what,
        &opinion,
        None,
        "第十七条",
    )
}

/// Bases whose cycle ended more than the rulebook's window ago without an
/// application: proposed as lapsed (staff confirm with [`confirm_lapse`]).
pub fn lapse_proposals<'a>(
    bases: &'a [Base],
    settings: &Settings,
    today: NaiveDate,
) -> Vec<&'a Base> {
    let window = chrono::Days::new(u64::from(
        settings.rulebook.lifecycle.acceptance_window_days,
    ));
    bases
        .iter()
        .filter(|b| b.status == Status::Building)
        .filter(|b| cycle_end(b, &settings.rulebook) + window < today)
        .collect()
}

/// Staff confirm a proposed lapse: the base did not apply in time.
pub fn confirm_lapse(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    today: NaiveDate,
    by: &str,
) -> AppResult<()> {
    if !lapse_proposals(std::slice::from_ref(base), settings, today)
        .iter()
        .any(|b| b.id == base.id)
    {
        return Err(conflict(format!(
            "基地 {} 不在逾期未申请验收之列 (not proposed as lapsed)",
            base.code
        )));
    }
    let end = cycle_end(base, &settings.rulebook);
    db::bases::set_status(
        db,
        base.id,
        Status::Lapsed,
        today,
        &format!("建设周期 {end} 届满后逾期未申请验收，不再认定（第十七条）"),
        by,
    )?;
    tell(
        db,
        settings,
        base,
        "lapsed",
        i64::from(end.num_days_from_ce()),
        "不再认定为创新基地".to_string(),
        format!("贵基地建设周期于 {end} 届满，逾期未申请验收，经省科协确认，不再认定为“科创中原”创新基地。"),
        "",
        None,
        "第十七条",
    )
}

/// Email a decision to the base, copying its recommending unit's accounts.
#[allow(clippy::too_many_arguments)]
fn tell(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    kind: &str,
    of: i64,
    headline: String,
    what: String,
    reason: &str,
    deadline: Option<NaiveDate>,
    article: &'static str,
) -> AppResult<()> {
    let cc = db::users::emails_for_unit(db, base.unit_id)?;
    let to = mail::Recipients {
        to: vec![base.email.clone()],
        cc,
    };
    let notice = mail::Notice::Decision(mail::Decision {
        base_name: base.name.clone(),
        base_code: base.code.clone(),
        headline,
        what,
        reason: reason.to_string(),
        deadline,
        article,
        link: settings.base_link(&base.code),
        copied: !to.cc.is_empty(),
    });
    mail::queue(
        db,
        &mail::DedupeKey::Decision { base, kind, of },
        &to,
        &notice,
    )?;
    Ok(())
}
