//! What each kind of job does. Every one is safe to run twice: imports are
//! keyed by file digest and moved when done, evaluations are snapshots, and
//! messages are queued under keys that say why they are sent.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::{evaluation_day, Job, Kind, RunReport};
use crate::charts::{self, Format};
use crate::compliance::{self, output, Pace};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::ingest::{self, Outcome};
use crate::mail::{self, DedupeKey, Notice, Recipients};

pub fn run(db: &mut Db, settings: &Settings, job: &Job, as_of: NaiveDate) -> AppResult<RunReport> {
    match job.kind {
        Kind::Deliver => deliver(db, settings),
        Kind::Evaluate => evaluate(db, settings, as_of),
        Kind::ImportInbox => import_inbox(db, settings, as_of),
        Kind::EarlyWarning => early_warning(db, settings, job, as_of),
        Kind::Deadlines => deadlines(db, settings, job, as_of),
        Kind::Rectification => rectification(db, settings, job, as_of),
        Kind::Digest => digest(db, settings, as_of),
        Kind::Reviews => reviews(db, settings, as_of),
    }
}

/// Tell each recommending unit, once a day, how many records its bases
/// entered wait for its review; a unit with none waiting hears nothing.
fn reviews(db: &mut Db, settings: &Settings, as_of: NaiveDate) -> AppResult<RunReport> {
    use std::collections::HashMap;
    let mut r = RunReport::default();
    let waiting: HashMap<i64, i64> = db::submissions::pending_by_base(db)?.into_iter().collect();
    if waiting.is_empty() {
        r.message = "没有待审核的记录".into();
        return Ok(r);
    }
    let bases = db::bases::all(db)?;
    let units: HashMap<i64, String> = db::units::all(db)?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut emails: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
    for (role, unit, email) in db::users::contacts(db)? {
        if let (Role::Recommender, Some(u)) = (role, unit) {
            emails.entry(u).or_default().push(email);
        }
    }
    for (unit, to) in emails {
        let mine: Vec<(&db::bases::Base, i64)> = bases
            .iter()
            .filter(|b| b.unit_id == unit)
            .filter_map(|b| waiting.get(&b.id).map(|n| (b, *n)))
            .collect();
        let total: i64 = mine.iter().map(|(_, n)| n).sum();
        if total == 0 {
            continue;
        }
        let notice = Notice::ReviewReminder(mail::ReviewReminder {
            unit_name: units.get(&unit).cloned().unwrap_or_default(),
            as_of,
            total,
            items: mine
                .iter()
                .map(|(b, n)| format!("{}（{}）：{n} 条", b.name, b.code))
                .collect(),
            link: settings
                .public_url
                .as_ref()
                .map(|u| format!("{u}/reviews"))
                .unwrap_or_default(),
        });
        let scope = format!("unit-{unit}");
        let queued = mail::queue(
            db,
            &DedupeKey::ReviewReminder {
                scope: &scope,
                day: as_of,
            },
            &Recipients { to, cc: Vec::new() },
            &notice,
        )?;
        r.add(if queued { "queued" } else { "already_queued" }, 1);
    }
    send_queued(db, settings, r, "待审核记录提醒")
}

fn deliver(db: &mut Db, settings: &Settings) -> AppResult<RunReport> {
    let d = mail::deliver(db, settings)?;
    let mut r = RunReport::default();
    r.add("sent", d.sent.into());
    r.add("retrying", d.retrying.into());
    r.add("failed", d.failed.into());
    r.message = format!("发送 {}，待重试 {}，失败 {}", d.sent, d.retrying, d.failed);
    Ok(r)
}

fn evaluate(db: &mut Db, settings: &Settings, as_of: NaiveDate) -> AppResult<RunReport> {
    let mut r = RunReport::default();
    let mut parts = Vec::new();
    for year in [as_of.year() - 1, as_of.year()] {
        let card = compliance::evaluate(
            db,
            &settings.rulebook,
            year,
            Some(as_of.max(NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(as_of))),
            as_of,
        )?;
        compliance::store(db, &card)?;
        let (n, pass) = card.totals();
        r.add(&format!("bases_{year}"), n as i64);
        r.add(&format!("pass_{year}"), pass as i64);
        parts.push(format!("{year} 年度 {n} 个基地，达标 {pass} 个"));
    }
    r.message = parts.join("；");
    Ok(r)
}

fn import_inbox(db: &mut Db, settings: &Settings, today: NaiveDate) -> AppResult<RunReport> {
    let dir = &settings.inbox_dir;
    let done = dir.join("done");
    let rejected = dir.join("rejected");
    // A file is moved here before it is imported, so that a file that kills
    // the process is not picked up again by the next run.
    let processing = dir.join("processing");
    for d in [dir, &done, &rejected, &processing] {
        std::fs::create_dir_all(d).map_err(|e| AppError::io(d, e))?;
    }
    let file_name = |p: &std::path::Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    };
    let list = |d: &std::path::Path| -> AppResult<Vec<std::path::PathBuf>> {
        // Regular files only: a symbolic link dropped in the inbox could point
        // anywhere on the server (and is never moved or imported).
        let mut files = Vec::new();
        for e in std::fs::read_dir(d)
            .map_err(|e| AppError::io(d, e))?
            .flatten()
        {
            match e.file_type() {
                Ok(t) if t.is_file() => files.push(e.path()),
                Ok(t) if t.is_symlink() => {
                    tracing::warn!(
                        "import-inbox: {} is a symbolic link; not followed",
                        e.path().display()
                    );
                }
                _ => {}
            }
        }
        files.sort();
        Ok(files)
    };
    // Moves `path` into `dir`, under a new name if one is there already.
    let move_into =
        |path: &std::path::Path, dir: &std::path::Path| -> AppResult<std::path::PathBuf> {
            let name = file_name(path);
            let mut target = dir.join(&name);
            if target.exists() {
                target = dir.join(format!("{}-{name}", db::now().format("%Y%m%d%H%M%S")));
            }
            std::fs::rename(path, &target).map_err(|e| AppError::io(path, e))?;
            Ok(target)
        };
    let write_report = |target: &std::path::Path, text: &str| -> AppResult<()> {
        let rp = target.with_file_name(format!("{}.report.txt", file_name(target)));
        std::fs::write(&rp, text).map_err(|e| AppError::io(&rp, e))
    };
    let mut r = RunReport::default();

    // Left in processing/ by a run that stopped midway: refused, not retried.
    for path in list(&processing)? {
        let name = file_name(&path);
        let target = move_into(&path, &rejected)?;
        write_report(
            &target,
            &format!(
                "文件 (file)：{name}\n结果 (outcome)：未导入：上次导入此文件时处理中断（进程停止），为免再次中断不再自动重试；请检查文件后重新放入收件箱 (not imported: an earlier run stopped while importing this file; it is not retried automatically — check it and drop it in again)\n"
            ),
        )?;
        tracing::warn!("import-inbox: {name} was left in processing/ by an interrupted run; moved to rejected/");
        r.add("rejected", 1);
    }

    let files: Vec<_> = list(dir)?
        .into_iter()
        .filter(|p| {
            let n = file_name(p);
            // Files still being copied in are left for the next run.
            !n.starts_with('.') && !n.ends_with(".part") && !n.ends_with(".tmp")
        })
        .collect();
    let opts = ingest::Options {
        by: "import-inbox".into(),
        today,
        progress: false,
        own: None,
        unit: None,
    };
    for path in files {
        let working = move_into(&path, &processing)?;
        let report = match ingest::import_file(db, settings, &working, &opts) {
            Ok(report) => report,
            Err(e) => {
                // The database or the disk failed, not the file: back to the
                // inbox for the next run.
                let _ = std::fs::rename(&working, &path);
                return Err(e);
            }
        };
        let target_dir = if report.outcome == Outcome::Rejected {
            &rejected
        } else {
            &done
        };
        let target = move_into(&working, target_dir)?;
        if report.outcome == Outcome::Rejected {
            write_report(&target, &report.to_text())?;
            r.add("rejected", 1);
        } else {
            r.add("imported", 1);
        }
    }
    // Only when empty: whatever a crash leaves there stays for the next run.
    let _ = std::fs::remove_dir(&processing);
    r.message = format!(
        "导入 {} 个文件，拒绝 {} 个",
        r.counts.get("imported").copied().unwrap_or(0),
        r.counts.get("rejected").copied().unwrap_or(0)
    );
    Ok(r)
}

/// Send what a job queued right away (what cannot go now goes on a later
/// `deliver` run) and say what happened.
fn send_queued(
    db: &mut Db,
    settings: &Settings,
    mut r: RunReport,
    what: &str,
) -> AppResult<RunReport> {
    let d = mail::deliver(db, settings)?;
    r.add("sent", d.sent.into());
    r.message = format!(
        "{what}：新邮件 {} 封，已发过 {} 封，本次发送 {} 封",
        r.counts.get("queued").copied().unwrap_or(0),
        r.counts.get("already_queued").copied().unwrap_or(0),
        d.sent
    );
    Ok(r)
}

/// The stage a date falls in: the smallest lead time not shorter than the days left.
pub fn stage(lead_days: &[u32], days_left: i64) -> Option<u32> {
    if days_left < 0 {
        return None;
    }
    lead_days
        .iter()
        .copied()
        .filter(|l| i64::from(*l) >= days_left)
        .min()
}

fn early_warning(
    db: &mut Db,
    settings: &Settings,
    job: &Job,
    as_of: NaiveDate,
) -> AppResult<RunReport> {
    let params = job
        .warning
        .as_ref()
        .ok_or_else(|| AppError::Invalid("early-warning 任务缺少参数 (missing params)".into()))?;
    let year = as_of.year();
    let period_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(as_of);
    let days_left = (period_end - as_of).num_days();
    let mut r = RunReport::default();
    let Some(stage) = stage(&params.lead_days, days_left) else {
        r.message = format!("距统计期结束还有 {days_left} 天，未到预警阶段");
        return Ok(r);
    };
    let evaluation = evaluation_day(&params.evaluation_date, year).unwrap_or(period_end);
    let card = compliance::evaluate(db, &settings.rulebook, year, Some(as_of), as_of)?;
    let bases: BTreeMap<i64, db::bases::Base> =
        db::bases::all(db)?.into_iter().map(|b| (b.id, b)).collect();
    let mut by_base: BTreeMap<i64, Vec<&compliance::ScorecardRow>> = BTreeMap::new();
    for row in &card.rows {
        by_base.entry(row.base_id).or_default().push(row);
    }
    for (base_id, rows) in by_base {
        // At risk: an indicator not met and not on track (behind, unable, or nothing reported).
        let risky: Vec<&&compliance::ScorecardRow> = rows
            .iter()
            .filter(|x| !x.met && x.pace != Some(Pace::OnTrack))
            .collect();
        if risky.is_empty() {
            continue;
        }
        // An ended base (revoked, lapsed) rests: no warning after its end.
        let Some(base) = bases.get(&base_id).filter(|b| !b.status.is_ended()) else {
            continue;
        };
        let cc = db::users::emails_for_unit(db, base.unit_id)?;
        let items: Vec<String> = risky
            .iter()
            .map(|x| {
                let pace = x
                    .pace
                    .map(|p| format!("（{}）", p.name_zh()))
                    .unwrap_or_default();
                format!("{}{pace}", output::formal(x))
            })
            .collect();
        let bars: Vec<charts::Bar> = rows
            .iter()
            .map(|x| charts::Bar {
                label: x.indicator.short_zh().to_string(),
                actual: x.actual.map(|a| a as f64),
                target: x.target as f64,
            })
            .collect();
        let png = charts::indicator_chart(
            &format!("{} {year} 年度指标完成情况（截至 {as_of}）", base.name),
            &bars,
            Format::Png,
        )
        .map_err(|e| AppError::Compute(e.to_string()))?;
        let notice = Notice::EarlyWarning(mail::EarlyWarning {
            base_name: base.name.clone(),
            base_code: base.code.clone(),
            year,
            as_of,
            items,
            period_end,
            days_left,
            evaluation_date: evaluation,
            stage,
            chart_png: png.bytes,
            link: settings.base_link(&base.code),
            copied: !cc.is_empty(),
        });
        let to = Recipients {
            to: vec![base.email.clone()],
            cc,
        };
        let queued = mail::queue(
            db,
            &DedupeKey::EarlyWarning { base, year, stage },
            &to,
            &notice,
        )?;
        r.add(if queued { "queued" } else { "already_queued" }, 1);
    }
    send_queued(
        db,
        settings,
        r,
        &format!("统计期结束前 {stage} 天阶段的预警"),
    )
}

/// The weekly summary: to province staff for every base, to each
/// recommending unit for its own bases.
fn digest(db: &mut Db, settings: &Settings, as_of: NaiveDate) -> AppResult<RunReport> {
    use crate::access::Scope;
    use std::collections::{HashMap, HashSet};
    let mut r = RunReport::default();
    let bases = db::bases::all(db)?;
    let units: HashMap<i64, String> = db::units::all(db)?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut groups: BTreeMap<String, (Scope, String, Vec<String>)> = BTreeMap::new();
    for (role, unit, email) in db::users::contacts(db)? {
        let (key, scope, name) = match (role, unit) {
            (Role::Province, _) => ("province".to_string(), Scope::All, "省科协".to_string()),
            (Role::Recommender, Some(u)) => (
                format!("unit-{u}"),
                Scope::Unit(u),
                units.get(&u).cloned().unwrap_or_default(),
            ),
            _ => continue,
        };
        groups
            .entry(key)
            .or_insert((scope, name, Vec::new()))
            .2
            .push(email);
    }
    let year = as_of.year();
    let running = compliance::evaluate(db, &settings.rulebook, year, Some(as_of), as_of)?;
    let last = compliance::evaluate(db, &settings.rulebook, year - 1, None, as_of)?;
    let failed_mail: Vec<_> = db::outbox::recent(db, 1000)?
        .into_iter()
        .filter(|m| m.status == crate::domain::MailStatus::Failed)
        .collect();
    let week = as_of.format("%G 年第 %V 周").to_string();
    let open = db::rectifications::open_deadlines(db)?;
    for (key, (scope, name, emails)) in groups {
        // Ended bases (revoked, lapsed) have no entry after their end.
        let mine: Vec<&db::bases::Base> = bases
            .iter()
            .filter(|b| !(b.status.is_ended() && b.status_since <= as_of))
            .filter(|b| match scope {
                Scope::All => true,
                Scope::Unit(u) => b.unit_id == u,
                Scope::Base(id) => b.id == id,
            })
            .collect();
        let ids: HashSet<i64> = mine.iter().map(|b| b.id).collect();
        let by_id: HashMap<i64, &db::bases::Base> = mine.iter().map(|b| (b.id, *b)).collect();
        let mut failed: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        for row in last
            .rows
            .iter()
            .filter(|x| ids.contains(&x.base_id) && !x.base_pass)
        {
            if seen.insert(row.base_id) {
                failed.push(format!("{}（{}）", row.base_name, row.base_code));
            }
        }
        let risks: Vec<String> = compliance::metrics::at_risk(&running, &by_id)
            .into_iter()
            .map(|a| {
                format!(
                    "{}（{}）{}：{}",
                    a.base_name,
                    a.base_code,
                    a.risk.name_zh(),
                    a.detail
                )
            })
            .collect();
        let mut soon: Vec<crate::lifecycle::Deadline> = mine
            .iter()
            .flat_map(|b| {
                crate::lifecycle::deadlines(b, &settings.rulebook, as_of, open.get(&b.id).copied())
            })
            .filter(|d| (d.date - as_of).num_days() <= 30)
            .collect();
        soon.sort_by(|a, b| (a.date, &a.base_code).cmp(&(b.date, &b.base_code)));
        let soon: Vec<String> = soon
            .iter()
            .map(|d| format!("{} {}：{}", d.date, d.kind.name_zh(), d.base_name))
            .collect();
        let undelivered: Vec<String> = failed_mail
            .iter()
            .filter(|m| m.base_id.is_some_and(|b| ids.contains(&b)))
            .map(|m| format!("{} → {}：{}", m.subject, m.recipients, m.last_error))
            .collect();
        let owned: Vec<db::bases::Base> = mine.iter().map(|b| (*b).clone()).collect();
        let overdue_documents: Vec<String> =
            crate::documents::overdue(db, settings, &owned, as_of)?
                .iter()
                .map(|s| s.line())
                .collect();
        let week_key = as_of.format("%G-W%V").to_string();
        let notice = Notice::Digest(mail::Digest {
            scope_name: name.clone(),
            week: week.clone(),
            as_of,
            year,
            last_year: year - 1,
            failed,
            risks,
            deadlines: soon,
            undelivered,
            overdue_documents,
            link: settings
                .public_url
                .as_ref()
                .map(|u| format!("{u}/overview"))
                .unwrap_or_default(),
        });
        let to = Recipients {
            to: emails.clone(),
            cc: Vec::new(),
        };
        let queued = mail::queue(
            db,
            &DedupeKey::Digest {
                scope: &key,
                week: &week_key,
            },
            &to,
            &notice,
        )?;
        r.add(if queued { "queued" } else { "already_queued" }, 1);
    }
    send_queued(db, settings, r, "每周摘要")
}

fn rectification(
    db: &mut Db,
    settings: &Settings,
    job: &Job,
    as_of: NaiveDate,
) -> AppResult<RunReport> {
    let mut r = RunReport::default();
    r.add(
        "reminded",
        crate::lifecycle::remind_rectifications(db, settings, &job.reminder_days, as_of)? as i64,
    );
    // The re-check only proposes; staff decide on the rectification page.
    let (passed, proposed) = crate::lifecycle::decisions::recheck(db, settings, as_of)?;
    r.add("proposed_pass", passed as i64);
    r.add("proposed_revocation", proposed as i64);
    let d = mail::deliver(db, settings)?;
    r.add("sent", d.sent.into());
    r.message = format!(
        "提醒 {}，建议整改合格 {}，建议撤销 {}（待省科协决定）",
        r.counts["reminded"], passed, proposed
    );
    Ok(r)
}

/// Remind each base, once per lead time, of the annual report and the end
/// of its cycle.
fn deadlines(
    db: &mut Db,
    settings: &Settings,
    job: &Job,
    as_of: NaiveDate,
) -> AppResult<RunReport> {
    use crate::lifecycle::{self, DeadlineKind};
    let mut r = RunReport::default();
    for base in db::bases::all(db)? {
        for d in lifecycle::deadlines(&base, &settings.rulebook, as_of, None) {
            let what = match d.kind {
                DeadlineKind::AnnualReport => {
                    // Only what the base has not submitted yet; nothing once it has.
                    let missing = missing_reports(db, settings, &base, d.date.year())?;
                    if missing.is_empty() {
                        r.add("submitted", 1);
                        continue;
                    }
                    format!(
                        "请向省科协报送{}（《办法》第十四条第四项），并抄送推荐单位。已报送的不再提醒。",
                        missing.join("、")
                    )
                }
                DeadlineKind::CycleEnd => "三年建设周期即将届满，请按《办法》第十七条向省科协申请验收；验收合格的重新确定建设周期，未申请或验收不合格的不再认定为创新基地。".to_string(),
                // The counting period has its own warnings; rectification its own notices.
                _ => continue,
            };
            let days_left = (d.date - as_of).num_days();
            let Some(stage) = stage(&job.reminder_days, days_left) else {
                continue;
            };
            let cc = db::users::emails_for_unit(db, base.unit_id)?;
            let notice = Notice::DeadlineReminder(mail::DeadlineReminder {
                base_name: base.name.clone(),
                base_code: base.code.clone(),
                deadline: d.kind.name_zh().to_string(),
                date: d.date,
                days_left,
                what,
                stage,
                link: settings.base_link(&base.code),
                copied: !cc.is_empty(),
            });
            let to = Recipients {
                to: vec![base.email.clone()],
                cc,
            };
            let kind = format!("{:?}", d.kind);
            let key = DedupeKey::Deadline {
                base: &base,
                kind: &kind,
                date: d.date,
                stage,
            };
            let queued = mail::queue(db, &key, &to, &notice)?;
            r.add(if queued { "queued" } else { "already_queued" }, 1);
        }
    }
    send_queued(db, settings, r, "截止事项提醒")
}

/// What a base still owes of the documents due early in `year`: the plan
/// of `year` and the summary of the year before (with their due dates).
fn missing_reports(
    db: &mut Db,
    settings: &Settings,
    base: &db::bases::Base,
    year: i32,
) -> AppResult<Vec<String>> {
    use crate::documents;
    use crate::domain::DocumentKind;
    let mut out = Vec::new();
    for (kind, y) in [
        (DocumentKind::Plan, year),
        (DocumentKind::Summary, year - 1),
    ] {
        let owed =
            base.recognised_on.year() <= y && !documents::has_submitted(db, base.id, kind, y)?;
        if owed {
            let due = documents::due(settings, kind, y)
                .map(|d| format!("（{d} 前）"))
                .unwrap_or_default();
            out.push(format!("{y} 年度{}{due}", kind.name_zh()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_date_falls_in_the_stage_of_the_nearest_lead_time_not_yet_passed() {
        let leads = [60, 30, 7];
        assert_eq!(super::stage(&leads, 90), None);
        assert_eq!(super::stage(&leads, 60), Some(60));
        assert_eq!(super::stage(&leads, 45), Some(60));
        assert_eq!(super::stage(&leads, 30), Some(30));
        assert_eq!(super::stage(&leads, 8), Some(30));
        assert_eq!(super::stage(&leads, 0), Some(7));
        assert_eq!(super::stage(&leads, -1), None);
    }
}
