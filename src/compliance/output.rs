//! Scorecards as text: a table for people, CSV and JSON for scripts, and an
//! XLSX workbook (one sheet per base type) for people who work in Excel.
//!
//! The CSV columns are fixed (`CSV_HEADER`); scripts and the export rely on them.

use std::io::Write;

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::{Scorecard, ScorecardRow};
use crate::db::bases::Base;
use crate::domain::BaseType;

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
pub fn write_csv(card: &Scorecard, out: impl Write) -> std::io::Result<()> {
    write_csv_years(std::slice::from_ref(card), out)
}

/// Several years in one CSV: one header, the years in the order given.
/// Lines are built in buffers (no allocation per row or field) and written
/// in large blocks; a long scorecard is formatted in parts side by side, one
/// per core, and written in order.
pub fn write_csv_years(cards: &[Scorecard], mut out: impl Write) -> std::io::Result<()> {
    let mut head = CSV_HEADER.join(",").into_bytes();
    head.push(b'\n');
    out.write_all(&head)?;
    let rows: Vec<&[ScorecardRow]> = cards.iter().map(|c| c.rows.as_slice()).collect();
    let total: usize = rows.iter().map(|r| r.len()).sum();
    let parts = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(total / CSV_PART_ROWS + 1);
    if parts <= 1 {
        for r in rows {
            csv_rows(r, &mut out)?;
        }
        return out.flush();
    }
    // Blocks of `CSV_PART_ROWS` rows are formatted `parts` at a time, side
    // by side, and written in order: at most `parts` blocks' text is held.
    let blocks: Vec<&[ScorecardRow]> = rows.iter().flat_map(|r| r.chunks(CSV_PART_ROWS)).collect();
    for round in blocks.chunks(parts) {
        let texts: Vec<std::io::Result<Vec<u8>>> = std::thread::scope(|s| {
            let handles: Vec<_> = round
                .iter()
                .map(|block| {
                    s.spawn(move || {
                        let mut text = Vec::with_capacity(block.len() * 96);
                        csv_rows(block, &mut text).map(|()| text)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(std::io::Error::other("CSV formatting failed")))
                })
                .collect()
        });
        for text in texts {
            out.write_all(&text?)?;
        }
    }
    out.flush()
}

/// Rows formatted in one part of [`write_csv_years`].
const CSV_PART_ROWS: usize = 50_000;

fn csv_rows(rows: &[ScorecardRow], out: &mut impl Write) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(256 * 1024);
    let mut ints = itoa::Buffer::new();
    for r in rows {
        csv_text(&mut buf, &r.base_code);
        buf.push(b',');
        csv_text(&mut buf, &r.base_name);
        buf.push(b',');
        buf.extend_from_slice(r.base_type.id().as_bytes());
        buf.push(b',');
        buf.extend_from_slice(r.city.as_str().as_bytes());
        buf.push(b',');
        buf.extend_from_slice(ints.format(r.year).as_bytes());
        buf.push(b',');
        buf.extend_from_slice(r.indicator.id().as_bytes());
        buf.push(b',');
        if let Some(a) = r.actual {
            buf.extend_from_slice(ints.format(a).as_bytes());
        }
        buf.push(b',');
        buf.extend_from_slice(ints.format(r.target).as_bytes());
        buf.push(b',');
        buf.extend_from_slice(ints.format(r.gap).as_bytes());
        buf.push(b',');
        buf.extend_from_slice(bool_str(r.met).as_bytes());
        buf.push(b',');
        buf.extend_from_slice(bool_str(r.base_pass).as_bytes());
        buf.push(b'\n');
        if buf.len() >= 240 * 1024 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)
}

/// One CSV text field: quoted when it holds a comma, quote or line break;
/// and when a spreadsheet would take it for a formula (it begins with `=`,
/// `+`, `-`, `@`, tab or CR: `=HYPERLINK(…)` as a base name), prefixed with
/// an apostrophe so that it stays text.
pub fn csv_text(buf: &mut Vec<u8>, s: &str) {
    let formula = matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    let quote = s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
    if quote {
        buf.push(b'"');
    }
    if formula {
        buf.push(b'\'');
    }
    if quote {
        for b in s.bytes() {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

/// Write the rows as a JSON array (the same rows the API serves).
pub fn write_json(card: &Scorecard, out: impl Write) -> serde_json::Result<()> {
    write_json_years(std::slice::from_ref(card), out)
}

/// Several years' rows in one JSON array, the years in the order given.
pub fn write_json_years(cards: &[Scorecard], out: impl Write) -> serde_json::Result<()> {
    use serde::ser::{SerializeSeq, Serializer};
    let mut ser = serde_json::Serializer::pretty(std::io::BufWriter::new(out));
    let mut seq = ser.serialize_seq(None)?;
    for r in cards.iter().flat_map(|c| &c.rows) {
        seq.serialize_element(r)?;
    }
    seq.end()
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
            r.base_type.name_zh(),
            r.city,
            r.indicator.short_zh(),
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

/// The columns of [`write_xlsx`], in order, with their widths (in characters).
pub const XLSX_HEADER: [&str; 12] = [
    "基地编号",
    "基地名称",
    "地市",
    "年度",
    "指标",
    "实际完成",
    "目标",
    "差额",
    "是否达标",
    "基地是否达标",
    "进度",
    "说明",
];
const XLSX_WIDTHS: [f64; 12] = [
    14.0, 36.0, 10.0, 8.0, 36.0, 10.0, 8.0, 8.0, 10.0, 14.0, 10.0, 40.0,
];

/// Excel's limit on the text of one cell, in UTF-16 code units.
const XLSX_MAX_TEXT: usize = 32_767;

/// Write a year's scorecards as an XLSX workbook: one sheet per base type
/// (产学研协作类, 创新创业孵化类, 国际创新合作类, in that order, each present
/// even when empty) with the [`XLSX_HEADER`] columns. `实际完成` is an empty
/// cell when not reported (different from `0`). A row whose base type is not
/// one of the three (never produced by the engine) goes to an extra sheet
/// `其他类型` rather than being dropped.
pub fn write_xlsx(card: &Scorecard) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_align(FormatAlign::VerticalCenter);
    let sheets: Vec<(&str, Vec<&ScorecardRow>)> = BaseType::ALL
        .iter()
        .map(|t| {
            let rows = card.rows.iter().filter(|r| r.base_type == *t).collect();
            (t.name_zh(), rows)
        })
        .collect();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        for (c, (h, w)) in (0u16..).zip(XLSX_HEADER.iter().zip(XLSX_WIDTHS)) {
            sheet.write_string_with_format(0, c, *h, &header)?;
            sheet.set_column_width(c, w)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (i, r) in rows.into_iter().enumerate() {
            let row = u32::try_from(i)
                .ok()
                .and_then(|i| i.checked_add(1))
                .ok_or(XlsxError::RowColumnLimitError)?;
            write_xlsx_row(sheet, row, r)?;
        }
    }
    book.save_to_buffer()
}

/// The publication list (公示名单) of a confirmed year: one sheet per base
/// type, one row per base evaluated (passed first, then failed, each in
/// code order), with its host unit from `bases`.
pub fn write_publication_xlsx(card: &Scorecard, bases: &[Base]) -> Result<Vec<u8>, XlsxError> {
    const HEADER: [(&str, f64); 7] = [
        ("序号", 6.0),
        ("基地编号", 14.0),
        ("基地名称", 36.0),
        ("依托单位", 30.0),
        ("地市", 10.0),
        ("考核结果", 10.0),
        ("未完成任务", 48.0),
    ];
    let host: std::collections::HashMap<i64, &str> =
        bases.iter().map(|b| (b.id, b.host_unit.as_str())).collect();
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for t in BaseType::ALL {
        // One entry per base: its first row, and what it missed.
        let mut list: Vec<(&ScorecardRow, Vec<String>)> = Vec::new();
        for r in card.rows.iter().filter(|r| r.base_type == t) {
            match list.last_mut() {
                Some((first, missed)) if first.base_id == r.base_id => {
                    if !r.met {
                        missed.push(explain(r));
                    }
                }
                _ => list.push((r, if r.met { vec![] } else { vec![explain(r)] })),
            }
        }
        list.sort_by(|a, b| {
            (!a.0.base_pass, &a.0.base_code).cmp(&(!b.0.base_pass, &b.0.base_code))
        });
        let sheet = book.add_worksheet();
        sheet.set_name(t.name_zh())?;
        sheet.write_string_with_format(
            0,
            0,
            format!("{} 年度{}考核结果公示名单", card.year, t.name_zh()),
            &bold,
        )?;
        for (c, (h, w)) in (0u16..).zip(HEADER) {
            sheet.write_string_with_format(1, c, h, &bold)?;
            sheet.set_column_width(c, w)?;
        }
        sheet.set_freeze_panes(2, 0)?;
        for (i, (r, missed)) in list.iter().enumerate() {
            let row = u32::try_from(i)
                .ok()
                .and_then(|i| i.checked_add(2))
                .ok_or(XlsxError::RowColumnLimitError)?;
            sheet.write_number(row, 0, f64::from(row - 1))?;
            sheet.write_string(row, 1, fit(&r.base_code))?;
            sheet.write_string(row, 2, fit(&r.base_name))?;
            sheet.write_string(row, 3, fit(host.get(&r.base_id).copied().unwrap_or("")))?;
            sheet.write_string(row, 4, r.city.as_str())?;
            sheet.write_string(row, 5, if r.base_pass { "合格" } else { "不合格" })?;
            sheet.write_string(row, 6, fit(&missed.join("；")))?;
        }
    }
    book.save_to_buffer()
}

fn write_xlsx_row(sheet: &mut Worksheet, row: u32, r: &ScorecardRow) -> Result<(), XlsxError> {
    let indicator = r.indicator.name_zh();
    sheet.write_string(row, 0, fit(&r.base_code))?;
    sheet.write_string(row, 1, fit(&r.base_name))?;
    sheet.write_string(row, 2, r.city.as_str())?;
    sheet.write_number(row, 3, r.year)?;
    sheet.write_string(row, 4, fit(indicator))?;
    if let Some(a) = r.actual {
        sheet.write_number(row, 5, a as f64)?;
    }
    sheet.write_number(row, 6, r.target as f64)?;
    sheet.write_number(row, 7, r.gap as f64)?;
    sheet.write_string(row, 8, met_zh(r.met))?;
    sheet.write_string(row, 9, met_zh(r.base_pass))?;
    if let Some(p) = r.pace {
        sheet.write_string(row, 10, p.name_zh())?;
    }
    sheet.write_string(row, 11, fit(&explain(r)))?;
    Ok(())
}

fn met_zh(b: bool) -> &'static str {
    if b {
        "达标"
    } else {
        "未达标"
    }
}

/// The text cut to what one cell can hold, so one overlong field cannot make
/// the whole export fail.
fn fit(s: &str) -> &str {
    // A UTF-16 length never exceeds the UTF-8 length.
    if s.len() <= XLSX_MAX_TEXT {
        return s;
    }
    let mut units = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > XLSX_MAX_TEXT {
            return &s[..i];
        }
    }
    s
}

/// A task in the words of 第十条, with its article and item, and where the
/// base stands: for formal notices (orders, warnings, decisions).
/// `每年上传专家、成果、难题等信息不少于 20 条（第十条第（一）项）：已完成 13 条，尚差 7 条`.
pub fn formal(r: &ScorecardRow) -> String {
    let unit = r.indicator.unit();
    let task = format!(
        "{}不少于 {} {unit}（第十条第{}项）",
        r.indicator.name_zh(),
        r.target,
        r.base_type.article_item()
    );
    match r.actual {
        None => format!("{task}：未填报"),
        Some(_) if r.met => format!("{task}：已完成"),
        Some(a) => format!("{task}：已完成 {a} {unit}，尚差 {} {unit}", r.gap),
    }
}

/// A sentence for people: `平台上传还差 7 条`, `平台上传已达标`, `… 未填报`.
pub fn explain(r: &ScorecardRow) -> String {
    let short = r.indicator.short_zh();
    let unit = r.indicator.unit();
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

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    use chrono::NaiveDate;

    use super::*;
    use crate::compliance::Pace;

    fn row(
        code: &str,
        ty: &str,
        indicator: &str,
        actual: Option<i64>,
        target: i64,
    ) -> ScorecardRow {
        let gap = (target - actual.unwrap_or(0)).max(0);
        ScorecardRow {
            base_id: 1,
            base_code: code.into(),
            base_name: format!("{code} 基地").into(),
            base_type: BaseType::parse(ty).unwrap(),
            city: crate::domain::City::parse("郑州市").unwrap(),
            year: 2026,
            indicator: crate::domain::Indicator::parse(indicator).unwrap(),
            actual,
            target,
            gap,
            met: gap == 0 && actual.is_some(),
            base_pass: false,
            pace: Some(Pace::Behind),
            source: crate::domain::Source::Declared,
            disagreement: false,
        }
    }

    fn card(rows: Vec<ScorecardRow>) -> Scorecard {
        Scorecard {
            year: 2026,
            as_of: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            running: true,
            rulebook: "henan@test".into(),
            confirmed: false,
            rows,
        }
    }

    fn read(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        open_workbook_from_rs(Cursor::new(bytes)).expect("the workbook opens")
    }

    #[test]
    fn the_workbook_has_one_sheet_per_base_type_with_chinese_headers_and_its_rows() {
        let bytes = write_xlsx(&card(vec![
            row("A-001", "iar", "platform_uploads", Some(25), 20),
            row("A-001", "iar", "volunteer_services", None, 5),
            row("A-002", "international", "overseas_talents", Some(0), 2),
        ]))
        .unwrap();
        let mut book = read(bytes);
        assert_eq!(
            book.sheet_names(),
            vec!["产学研协作类", "创新创业孵化类", "国际创新合作类"]
        );
        for (name, height) in [
            ("产学研协作类", 3),
            ("创新创业孵化类", 1),
            ("国际创新合作类", 2),
        ] {
            let range = book.worksheet_range(name).unwrap();
            assert_eq!(range.height(), height, "{name}");
            let header: Vec<String> = range
                .rows()
                .next()
                .unwrap()
                .iter()
                .map(|c| c.to_string())
                .collect();
            assert_eq!(header, XLSX_HEADER, "{name}");
        }

        let iar = book.worksheet_range("产学研协作类").unwrap();
        let met = iar.rows().nth(1).unwrap();
        assert_eq!(met[0], Data::String("A-001".into()));
        assert_eq!(met[3], Data::Float(2026.0));
        assert_eq!(
            met[4],
            Data::String(crate::domain::Indicator::PlatformUploads.name_zh().into())
        );
        assert_eq!(met[5], Data::Float(25.0));
        assert_eq!(met[8], Data::String("达标".into()));
        assert_eq!(met[10], Data::String("进度落后".into()));
        let not_reported = iar.rows().nth(2).unwrap();
        assert_eq!(
            not_reported[5],
            Data::Empty,
            "not reported is an empty cell"
        );
        assert_eq!(not_reported[6], Data::Float(5.0));
        assert_eq!(not_reported[7], Data::Float(5.0));
        assert_eq!(not_reported[8], Data::String("未达标".into()));
        assert_eq!(not_reported[9], Data::String("未达标".into()));
        assert!(not_reported[11].to_string().contains("未填报"));

        let intl = book.worksheet_range("国际创新合作类").unwrap();
        assert_eq!(
            intl.rows().nth(1).unwrap()[5],
            Data::Float(0.0),
            "reported zero stays 0"
        );
    }

    #[test]
    fn an_empty_scorecard_still_gives_the_three_sheets_with_headers() {
        let mut book = read(write_xlsx(&card(Vec::new())).unwrap());
        assert_eq!(book.sheet_names().len(), 3);
        for name in book.sheet_names() {
            assert_eq!(book.worksheet_range(&name).unwrap().height(), 1, "{name}");
        }
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_as_formulas_stay_text() {
        let cell = |v: &str| {
            let mut b = Vec::new();
            csv_text(&mut b, v);
            String::from_utf8(b).unwrap()
        };
        assert_eq!(
            cell("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        for v in ["+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(
                cell(v).trim_start_matches('"').starts_with('\''),
                "{v:?}: {}",
                cell(v)
            );
        }
        assert_eq!(cell("郑州某基地"), "郑州某基地");
        assert_eq!(cell("a,b"), "\"a,b\"");

        let mut r = row("A-1", "iar", "platform_uploads", Some(-3), 20);
        r.base_name = "=cmd|' /C calc'!A0".into();
        let mut out = Vec::new();
        write_csv(&card(vec![r]), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let rec = rd.records().next().unwrap().unwrap();
        assert_eq!(&rec[1], "'=cmd|' /C calc'!A0");
        assert_eq!(&rec[6], "-3", "numbers are not touched");
    }

    #[test]
    fn overlong_text_is_cut_to_a_cell_not_refused() {
        let mut long = row("A-003", "iar", "roadshow_events", None, 1);
        long.base_name = "长".repeat(40_000).into();
        let mut book = read(write_xlsx(&card(vec![long])).unwrap());
        assert_eq!(book.sheet_names().len(), 3, "one sheet per base type");
        let iar = book.worksheet_range(BaseType::Iar.name_zh()).unwrap();
        let r = iar.rows().nth(1).unwrap();
        assert_eq!(
            r[4],
            Data::String(crate::domain::Indicator::RoadshowEvents.name_zh().into())
        );
        assert_eq!(r[1].to_string().chars().count(), XLSX_MAX_TEXT);
    }

    #[test]
    fn a_long_csv_formatted_in_parts_is_the_rows_in_order_under_one_header() {
        // Three years, 130,001 rows in all: more than two parts' worth, and
        // a part boundary inside a year.
        let mk = |year: i32, n: usize| {
            let mut c = card(
                (0..n)
                    .map(|k| {
                        let mut r = row(
                            &format!("B-{k:06}"),
                            "iar",
                            "platform_uploads",
                            Some(k as i64 % 30),
                            20,
                        );
                        r.year = year;
                        r
                    })
                    .collect(),
            );
            c.year = year;
            c
        };
        let cards = vec![mk(2022, 60_000), mk(2023, 1), mk(2024, 70_000)];
        let mut parts = Vec::new();
        write_csv_years(&cards, &mut parts).unwrap();
        let mut one = CSV_HEADER.join(",").into_bytes();
        one.push(b'\n');
        for c in &cards {
            csv_rows(&c.rows, &mut one).unwrap();
        }
        assert_eq!(parts.len(), one.len());
        assert!(parts == one, "the parts are written in the rows' order");
        let text = String::from_utf8(parts).unwrap();
        assert_eq!(text.lines().count(), 130_002);
        assert_eq!(text.matches("base_code,").count(), 1);
        assert!(text
            .lines()
            .nth(60_001)
            .unwrap()
            .starts_with("B-000000,B-000000 基地,iar,郑州市,2023,"));
    }
}
