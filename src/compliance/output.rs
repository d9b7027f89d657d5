//! Scorecards as text: a table for people, CSV and JSON for scripts.
//!
//! The CSV columns are fixed (`CSV_HEADER`); scripts and the export rely on them.

use std::io::Write;

use super::{Scorecard, ScorecardRow};
use crate::domain::{BaseType, Indicator};

/// The columns of `basewatch evaluate --format csv`, in order.
pub const CSV_HEADER: [&str; 11] = [
    "base_code",
    "base_name",
    "base_type",
    "city",
    "year",
    "indicator",
    "actual",
    "target",
    "gap",
    "met",
    "base_pass",
];

/// Write the rows as CSV with [`CSV_HEADER`]; `actual` is empty when not reported.
pub fn write_csv(card: &Scorecard, out: impl Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for r in &card.rows {
        w.write_record([
            r.base_code.as_str(),
            r.base_name.as_str(),
            r.base_type.as_str(),
            r.city.as_str(),
            &r.year.to_string(),
            r.indicator.as_str(),
            &r.actual.map(|a| a.to_string()).unwrap_or_default(),
            &r.target.to_string(),
            &r.gap.to_string(),
            bool_str(r.met),
            bool_str(r.base_pass),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Write the rows as a JSON array (the same rows the API serves).
pub fn write_json(card: &Scorecard, out: impl Write) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(out, &card.rows)
}

/// Write a table for people, in Chinese, one line per base and indicator.
pub fn write_table(card: &Scorecard, mut out: impl Write) -> std::io::Result<()> {
    let (bases, pass) = card.totals();
    writeln!(
        out,
        "{} 年度考核（截至 {}{}），规则 {}：{} 个基地，达标 {} 个，未达标 {} 个",
        card.year,
        card.as_of,
        if card.running {
            "，统计期未结束"
        } else {
            ""
        },
        card.rulebook,
        bases,
        pass,
        bases - pass
    )?;
    writeln!(
        out,
        "{:<12}\t{:<8}\t{:<6}\t{:<8}\t{:>4}\t{:>4}\t{:>4}\t{:<4}\t{:<6}\t说明",
        "基地编号", "类型", "地市", "指标", "实际", "目标", "差额", "结果", "进度"
    )?;
    for r in &card.rows {
        writeln!(
            out,
            "{:<12}\t{:<8}\t{:<6}\t{:<8}\t{:>4}\t{:>4}\t{:>4}\t{:<4}\t{:<6}\t{}",
            r.base_code,
            type_zh(&r.base_type),
            r.city,
            indicator_short(&r.indicator),
            r.actual
                .map(|a| a.to_string())
                .unwrap_or_else(|| "未填报".into()),
            r.target,
            r.gap,
            if r.met { "达标" } else { "未达标" },
            r.pace.map(|p| p.name_zh()).unwrap_or("-"),
            explain(r),
        )?;
    }
    Ok(())
}

/// A sentence for people: `平台上传还差 7 条`, `平台上传已达标`, `… 未填报`.
pub fn explain(r: &ScorecardRow) -> String {
    let ind = Indicator::parse(&r.indicator).ok();
    let short = ind.map(|i| i.short_zh()).unwrap_or(r.indicator.as_str());
    let unit = ind.map(|i| i.unit()).unwrap_or("");
    let mut s = match r.actual {
        None => format!("{short}未填报，需 {} {unit}", r.target),
        Some(_) if r.met => format!("{short}已达标"),
        Some(_) => format!("{short}还差 {} {unit}", r.gap),
    };
    if r.disagreement {
        s.push_str("（填报数与活动明细不一致）");
    }
    s
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

fn type_zh(id: &str) -> &str {
    BaseType::parse(id).map(|t| t.name_zh()).unwrap_or(id)
}

fn indicator_short(id: &str) -> &str {
    Indicator::parse(id).map(|i| i.short_zh()).unwrap_or(id)
}
