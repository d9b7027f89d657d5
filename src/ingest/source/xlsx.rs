//! XLSX: every sheet streamed cell by cell, after `zipcheck` checked the archive.

use std::fs::File;
use std::io::BufReader;
use std::ops::ControlFlow;
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx};

use super::*;

pub(super) fn cell_text(d: &DataRef<'_>) -> String {
    match d {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => float_text(*f),
        DataRef::Bool(b) => b.to_string(),
        // Dates go on as Excel serial numbers, which `parse_date` reads.
        DataRef::DateTime(dt) => float_text(dt.as_f64()),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

pub(super) fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// A column's letters as Excel shows them (0 → A, 16383 → XFD).
pub(super) fn column_letters(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

type Workbook = Xlsx<BufReader<File>>;

/// A problem found while reading a sheet: (row, reason).
type SheetError = (Option<u64>, String);

/// Stream the rows of sheet `name`, assembled from its cells, to `f` with
/// their row numbers (1-based), until `f` breaks. Memory is one row: cells
/// come in row order, a row is at most [`MAX_COLUMNS`] wide, and a row that
/// comes back after a later one is refused rather than merged.
pub(super) fn each_row(
    book: &mut Workbook,
    name: &str,
    mut f: impl FnMut(u64, &[String]) -> ControlFlow<()>,
) -> Result<(), SheetError> {
    let calamine =
        |e: calamine::XlsxError| (None, format!("无法读取工作表：{e} (cannot read the sheet)"));
    let mut reader = match book.worksheet_cells_reader(name) {
        Ok(r) => r,
        // A chart sheet: no cells, like an empty sheet.
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(()),
        Err(e) => return Err(calamine(e)),
    };
    let mut current: Option<u32> = None;
    let mut cells: Vec<String> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(calamine)? {
        let (r, c) = cell.get_position();
        let value = cell.get_value();
        if matches!(value, DataRef::Empty) {
            // Formatted but empty: it widens nothing.
            continue;
        }
        if c >= MAX_COLUMNS {
            return Err((
                Some(u64::from(r) + 1),
                format!(
                    "单元格位于第 {} 列，超出 Excel 的最后一列 XFD (a cell beyond column XFD)",
                    u64::from(c) + 1
                ),
            ));
        }
        if current != Some(r) {
            if let Some(prev) = current {
                if r < prev {
                    return Err((
                        Some(u64::from(r) + 1),
                        format!(
                            "第 {} 行出现在第 {} 行之后：工作表的行顺序错乱，文件可能已损坏 (rows out of order)",
                            u64::from(r) + 1,
                            u64::from(prev) + 1
                        ),
                    ));
                }
                if f(u64::from(prev) + 1, &cells).is_break() {
                    return Ok(());
                }
            }
            current = Some(r);
            cells.clear();
        }
        let i = c as usize;
        if cells.len() <= i {
            cells.resize(i + 1, String::new());
        }
        cells[i] = cell_text(value);
    }
    if let Some(prev) = current {
        let _ = f(u64::from(prev) + 1, &cells);
    }
    Ok(())
}

/// What the first rows of a sheet hold.
pub(super) enum Scan {
    Header {
        rank: u8,
        row: u64,
        cells: Vec<String>,
    },
    /// No template header: the first non-empty row and the first damaged
    /// header, if any.
    NoHeader {
        first: Option<(u64, Vec<String>)>,
        damaged: Option<(u64, Vec<String>)>,
    },
}

pub(super) fn scan_sheet(
    book: &mut Workbook,
    name: &str,
    classify: &dyn Fn(&[String]) -> HeaderKind,
) -> Result<Scan, SheetError> {
    let mut found = None;
    let mut first = None;
    let mut damaged = None;
    let mut searched = 0;
    each_row(book, name, |row, cells| {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return ControlFlow::Continue(());
        }
        match classify(cells) {
            HeaderKind::Template(rank) => {
                found = Some((rank, row, cells.to_vec()));
                return ControlFlow::Break(());
            }
            HeaderKind::Unrecognised if damaged.is_none() => {
                damaged = Some((row, cells.to_vec()));
            }
            _ => {}
        }
        if first.is_none() {
            first = Some((row, cells.to_vec()));
        }
        searched += 1;
        if searched >= HEADER_SEARCH_ROWS {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    Ok(match found {
        Some((rank, row, cells)) => Scan::Header { rank, row, cells },
        None => Scan::NoHeader { first, damaged },
    })
}

pub(super) fn read_xlsx(
    path: &Path,
    sink: &mut dyn Sink,
    classify: &dyn Fn(&[String]) -> HeaderKind,
) {
    if let Err(reason) = crate::ingest::zipcheck::check(path) {
        sink.file_problem("-", None, reason);
        return;
    }
    // calamine panics on some malformed parts (an inverted dimension in a
    // debug build): the file is refused, the process goes on.
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_checked_xlsx(path, &mut *sink, classify)
    }));
    if let Err(panic) = run {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        sink.file_problem(
            "-",
            None,
            format!("无法读取 XLSX 文件：文件结构异常 (the workbook is malformed: {what})"),
        );
    }
}

pub(super) fn read_checked_xlsx(
    path: &Path,
    sink: &mut dyn Sink,
    classify: &dyn Fn(&[String]) -> HeaderKind,
) {
    let mut book: Workbook = match calamine::open_workbook(path) {
        Ok(b) => b,
        Err(e) => {
            sink.file_problem(
                "-",
                None,
                format!("无法打开 XLSX 文件：{e} (cannot open the workbook)"),
            );
            return;
        }
    };
    // Each sheet is read up to its header first, so that the sheets can be
    // imported in template order; then each is streamed again from the top.
    let mut sheets = Vec::new();
    let mut others = Vec::new();
    let mut unreadable = false;
    for name in book.sheet_names() {
        match scan_sheet(&mut book, &name, classify) {
            Ok(Scan::Header { rank, row, cells }) => sheets.push((rank, name, row, cells)),
            Ok(Scan::NoHeader { first, damaged }) => others.push((name, first, damaged)),
            Err((row, reason)) => {
                unreadable = true;
                sink.file_problem(&name, row, reason);
            }
        }
    }
    if sheets.is_empty() {
        // No sheet is a template: each shows why, as a header refused.
        let mut any = false;
        for (name, first, damaged) in others {
            if let Some((row, cells)) = damaged.or(first) {
                sink.header(&name, row, &cells);
                any = true;
            }
        }
        if !any && !unreadable {
            sink.file_problem(
                "-",
                None,
                "工作簿中没有数据 (the workbook has no data)".into(),
            );
        }
        return;
    }
    for (name, first, damaged) in others {
        match (damaged, first) {
            (Some((row, cells)), _) => sink.header(&name, row, &cells),
            (None, Some(_)) => sink.skipped(
                &name,
                format!("工作表“{name}”不是导入模板，已跳过 (skipped: not an import template)"),
            ),
            (None, None) => sink.skipped(
                &name,
                format!("工作表“{name}”为空，已跳过 (skipped: empty sheet)"),
            ),
        }
    }
    sheets.sort_by_key(|s| s.0);
    for (_, name, header_row, header) in sheets {
        sink.header(&name, header_row, &header);
        let width = header
            .iter()
            .rposition(|c| !c.trim().is_empty())
            .map_or(0, |i| i + 1);
        let streamed = each_row(&mut book, &name, |row, cells| {
            if row <= header_row || cells.iter().all(|c| c.trim().is_empty()) {
                return ControlFlow::Continue(());
            }
            // A value right of the last header column belongs to no column:
            // a shifted row, or a stray note that would go unread.
            if let Some(last) = cells.iter().rposition(|c| !c.trim().is_empty()) {
                if last >= width {
                    sink.file_problem(
                        &name,
                        Some(row),
                        format!(
                            "{} 列有内容，而表头只有 {width} 列（到 {} 列）：该值不属于任何列 (a value in column {} is outside the header's columns)",
                            column_letters(last as u32),
                            column_letters(width.saturating_sub(1) as u32),
                            column_letters(last as u32)
                        ),
                    );
                    return ControlFlow::Continue(());
                }
            }
            sink.row(row, cells);
            ControlFlow::Continue(())
        });
        if let Err((row, reason)) = streamed {
            sink.file_problem(&name, row, reason);
        }
    }
}
