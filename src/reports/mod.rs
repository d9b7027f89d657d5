//! What bases report themselves (第十四条(三)): activity records entered one
//! by one, on a page or through the API, reviewed by the base's
//! recommending unit (第十三条(四) 督导) or province staff. A record counts
//! once approved: it is then written to `activity_records` by the
//! importer's writer, with a ledger row, so totals, re-imports and
//! confirmed years treat it as any imported record.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::config::Settings;
use crate::db::{self, bases::Base, submissions::Entry, submissions::Submission, Db};
use crate::domain::{parse_date, text, ImportOutcome, Indicator, Review, YearStatus};
use crate::error::{AppError, AppResult};

/// A record as a form or a JSON body gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct EntryInput {
    pub indicator: String,
    pub date: String,
    #[serde(default)]
    pub quantity: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub evidence_url: Option<String>,
    /// 协同单位 (百会链千企).
    #[serde(default)]
    pub partner: Option<String>,
}

fn invalid(m: String) -> AppError {
    AppError::Invalid(m)
}

/// Refuse a date in a confirmed year (定稿).
fn open_year(db: &mut Db, year: i32) -> AppResult<()> {
    if db::years::get(db, year)?.is_some_and(|y| y.status == YearStatus::Confirmed) {
        return Err(AppError::Conflict(format!(
            "{year} 年度考核结果已定稿，不能再填报或审核该年度的活动 (the year {year} is confirmed)"
        )));
    }
    Ok(())
}

/// Check what was entered, as the importer checks a row.
pub fn parse_entry(
    settings: &Settings,
    base: &Base,
    input: &EntryInput,
    today: NaiveDate,
) -> AppResult<Entry> {
    let indicator = Indicator::parse(&input.indicator)
        .map_err(|e| invalid(format!("指标 (indicator)：{e}")))?;
    if !settings
        .rulebook
        .targets(base.base_type)
        .iter()
        .any(|(i, _)| *i == indicator)
    {
        return Err(invalid(format!(
            "{}不考核“{}” (not an indicator of this base type)",
            base.base_type.name_zh(),
            indicator.name_zh()
        )));
    }
    let occurred_on = parse_date(&input.date).map_err(|e| invalid(format!("日期 (date)：{e}")))?;
    if occurred_on > today {
        return Err(invalid(format!(
            "日期 {occurred_on} 晚于今天 (the date is in the future)"
        )));
    }
    let quantity = input.quantity.unwrap_or(1);
    if !(1..=100_000).contains(&quantity) {
        return Err(invalid(format!(
            "数量应为 1 到 100000 之间的整数，而不是 {quantity} (quantity between 1 and 100000)"
        )));
    }
    let title = text::tidy(&input.title);
    if title.is_empty() || title.chars().count() > 200 {
        return Err(invalid(
            "标题不能为空，且不超过 200 字 (a title of 1 to 200 characters)".into(),
        ));
    }
    let evidence_url = text::normalize(input.evidence_url.as_deref().unwrap_or(""));
    if !(evidence_url.is_empty()
        || ((evidence_url.starts_with("http://") || evidence_url.starts_with("https://"))
            && evidence_url.len() <= 2000))
    {
        return Err(invalid(format!(
            "佐证链接“{evidence_url}”应以 http:// 或 https:// 开头 (evidence link must be a web address)"
        )));
    }
    let partner = text::tidy(input.partner.as_deref().unwrap_or(""));
    if partner.chars().count() > 100 {
        return Err(invalid(
            "协同单位不超过 100 字 (at most 100 characters)".into(),
        ));
    }
    Ok(Entry {
        indicator,
        occurred_on,
        quantity,
        title,
        evidence_url,
        partner,
    })
}

/// Write an approved entry to `activity_records` (with a ledger row naming
/// who approved it), through the importer's writer; the record's id.
fn write_record(db: &mut Db, s: &Submission, by: &str) -> AppResult<i64> {
    let key = crate::ingest::content_key(
        s.indicator,
        s.occurred_on,
        s.quantity,
        &s.title,
        &s.evidence_url,
    );
    db.transaction(|db| {
        let import_id = db::imports::record(
            db,
            &db::imports::NewImport {
                file_name: &format!("网页填报 #{}", s.id),
                digest: "",
                templates: "activity_records",
                imported_by: by,
                imported_at: db::now(),
                outcome: ImportOutcome::Accepted,
                row_count: 1,
                problem_count: 0,
                report: &format!("填报人 {}，审核人 {by}", s.entered_by),
                stored_path: "",
            },
        )?;
        let mut w = db::records::Writer::default();
        w.write_batch(
            db,
            &mut vec![db::records::NewRecord {
                base_id: s.base_id,
                indicator: s.indicator,
                occurred_on: s.occurred_on,
                year: s.occurred_on.year(),
                quantity: s.quantity,
                title: s.title.clone(),
                evidence_url: s.evidence_url.clone(),
                external_id: None,
                record_key: key.clone(),
                import_id,
            }],
            None,
        )?;
        w.write_totals(db)?;
        db::records::id_of(db, s.base_id, &key)?
            .ok_or_else(|| AppError::Compute("the approved record is gone".into()))
    })
}

/// A base (or staff for it) enters a record. A base's record waits for
/// review when the rulebook says only approved records count (its
/// `[reporting] count_only_approved`, the default); one entered by province
/// staff is approved at once.
pub fn submit(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    input: &EntryInput,
    by_staff: bool,
    by: &str,
    today: NaiveDate,
) -> AppResult<Submission> {
    let e = parse_entry(settings, base, input, today)?;
    open_year(db, e.occurred_on.year())?;
    let s = db::submissions::insert(db, base.id, &e, by)?;
    if by_staff || !settings.rulebook.reporting.count_only_approved {
        let id = write_record(db, &s, by)?;
        db::submissions::review(db, s.id, Review::Approved, "", by, Some(id))?;
    }
    db::submissions::find(db, s.id)?.ok_or_else(|| AppError::Compute("entry gone".into()))
}

/// The unit (or staff) reviews a pending record: approved (it counts from
/// now on) or returned with a reason (the base is told, corrects it and
/// submits again).
pub fn review(
    db: &mut Db,
    settings: &Settings,
    s: &Submission,
    decision: Review,
    reason: &str,
    by: &str,
) -> AppResult<Submission> {
    if s.review != Review::Pending {
        return Err(AppError::Conflict(format!(
            "该记录当前为“{}”，只有待审核的记录可以审核 (only a pending record can be reviewed)",
            s.review.name_zh()
        )));
    }
    open_year(db, s.occurred_on.year())?;
    match decision {
        Review::Approved => {
            let id = write_record(db, s, by)?;
            db::submissions::review(db, s.id, Review::Approved, reason.trim(), by, Some(id))?;
        }
        Review::Returned => {
            let reason = reason.trim();
            if reason.is_empty() || reason.chars().count() > 500 {
                return Err(invalid(
                    "退回须说明理由（不超过 500 字） (a reason is required)".into(),
                ));
            }
            db::submissions::review(db, s.id, Review::Returned, reason, by, None)?;
            if let Some(back) = db::submissions::find(db, s.id)? {
                tell_returned(db, settings, &back)?;
            }
        }
        Review::Pending => {
            return Err(invalid(
                "decision 应为 approved 或 returned (unknown decision)".into(),
            ))
        }
    }
    db::submissions::find(db, s.id)?.ok_or_else(|| AppError::Compute("entry gone".into()))
}

/// The base corrects a returned record and submits it again.
pub fn resubmit(
    db: &mut Db,
    settings: &Settings,
    base: &Base,
    s: &Submission,
    input: &EntryInput,
    by: &str,
    today: NaiveDate,
) -> AppResult<Submission> {
    if s.review != Review::Returned {
        return Err(AppError::Conflict(format!(
            "该记录当前为“{}”，只有被退回的记录可以修改后重新提交 (only a returned record can be resubmitted)",
            s.review.name_zh()
        )));
    }
    let e = parse_entry(settings, base, input, today)?;
    open_year(db, e.occurred_on.year())?;
    db::submissions::resubmit(db, s.id, &e, by)?;
    db::submissions::find(db, s.id)?.ok_or_else(|| AppError::Compute("entry gone".into()))
}

/// Tell the base its record was returned, with the reason.
fn tell_returned(db: &mut Db, settings: &Settings, s: &Submission) -> AppResult<()> {
    let Some(base) = db::bases::find_in_scope_by_id(db, s.base_id, db::Scope::All)? else {
        return Ok(());
    };
    let notice = crate::mail::Notice::Decision(crate::mail::Decision {
        base_name: base.name.clone(),
        base_code: base.code.clone(),
        headline: "活动记录被退回".to_string(),
        what: format!(
            "贵基地填报的活动记录“{}”（{}，{}）被退回，请修改后重新提交。",
            s.title,
            s.indicator.name_zh(),
            s.occurred_on
        ),
        reason: s.review_reason.clone(),
        deadline: None,
        article: "第十四条",
        link: settings.base_link(&base.code),
        copied: false,
    });
    let at = s.reviewed_at.map_or(0, |t| t.and_utc().timestamp());
    crate::mail::queue(
        db,
        &crate::mail::DedupeKey::Decision {
            base: &base,
            kind: &format!("record-returned-{}", s.id),
            of: at,
        },
        &crate::mail::Recipients {
            to: vec![base.email.clone()],
            cc: Vec::new(),
        },
        &notice,
    )?;
    Ok(())
}

/// Attach a file (PDF, image, DOCX, XLSX) to a record the base entered, as
/// its evidence: while it waits for review or was returned.
pub fn attach(
    db: &mut Db,
    settings: &Settings,
    s: &Submission,
    filename: &str,
    bytes: &[u8],
) -> AppResult<db::submissions::Attachment> {
    if s.review == Review::Approved {
        return Err(AppError::Conflict(
            "该记录已审核通过，不能再更换附件 (the record is approved)".into(),
        ));
    }
    if bytes.is_empty() {
        return Err(AppError::Invalid(
            "上传的文件是空的 (the file is empty)".into(),
        ));
    }
    let filename = crate::documents::clean_filename(filename, "佐证材料.pdf");
    let content_type = crate::documents::content_type(&filename, bytes)?;
    db.transaction(|db| {
        let digest = crate::documents::store(db, settings, bytes)?;
        let a = db::submissions::Attachment {
            submission_id: s.id,
            digest,
            filename: filename.clone(),
            content_type: content_type.to_string(),
            size: bytes.len() as i64,
        };
        db::submissions::attach(db, &a)?;
        Ok(a)
    })
}
