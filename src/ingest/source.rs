//! Reading a file's rows, whatever its format: CSV (UTF-8 with or without
//! BOM, or GB18030/GBK as Excel and WPS save it), XLSX (every sheet) and
//! JSON (an array of objects). Rows are pushed to a [`Sink`] one at a time,
//! so a large file is never held in memory: CSV and JSON stream from disk,
//! and XLSX sheets stream cell by cell (never as a grid) after
//! [`zipcheck`](super::zipcheck) has checked the archive.
//!
//! The header need not be the first row: a title row ("2024年度活动明细表")
//! or blank rows above it are passed over, and a sheet with no template
//! header (an instructions sheet beside the data) is skipped, so long as
//! some sheet of the workbook is a template.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, Read};
use std::ops::ControlFlow;
use std::path::Path;
use std::rc::Rc;

use calamine::{DataRef, Reader, Xlsx};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The format of an import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

/// What a row would be as a header, as the caller's templates see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKind {
    /// A template's header; sheets are imported in the order of the rank.
    Template(u8),
    /// Not a template, yet names several template columns: a damaged header,
    /// refused rather than skipped so that no data is silently left out.
    Unrecognised,
    /// Anything else: a title, instructions, a blank.
    Other,
}

/// The header is looked for among this many non-empty rows of a sheet.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// Excel's last column is XFD, the 16,384th: a row is never wider.
const MAX_COLUMNS: u32 = 16_384;

/// Where the rows of a file go.
pub trait Sink {
    /// A sheet begins with this header row (its row number in the sheet; 0 when rows have none).
    fn header(&mut self, sheet: &str, row: u64, cells: &[String]);
    /// One data row with its row number as a person sees it in the file.
    fn row(&mut self, row: u64, cells: &[String]);
    /// A problem of the file itself (not of one value), located if possible.
    fn file_problem(&mut self, sheet: &str, row: Option<u64>, reason: String);
    /// A cell of the current sheet that cannot be read; `column` indexes the header.
    fn cell_problem(&mut self, row: u64, column: usize, reason: String);
    /// A sheet left out because it is not a template (the workbook has others that are).
    fn skipped(&mut self, sheet: &str, note: String);
    /// Bytes of the file read so far, for progress.
    fn progress(&mut self, _bytes: u64) {}
}

/// Recognise the format from the first bytes (a zip is XLSX, `[` is JSON),
/// falling back to the file name, else CSV.
pub fn sniff(head: &[u8], file_name: &str) -> Format {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if head.starts_with(b"PK\x03\x04") {
        Format::Xlsx
    } else if first == Some(&b'[') {
        Format::Json
    } else {
        let lower = file_name.to_lowercase();
        if lower.ends_with(".xlsx") {
            Format::Xlsx
        } else if lower.ends_with(".json") {
            Format::Json
        } else {
            Format::Csv
        }
    }
}

/// Push every sheet of `path` to `sink`. `classify` tells a header row from
/// the rest; XLSX sheets come in the order of their headers' ranks (so a
/// register sheet precedes data).
pub fn read(
    path: &Path,
    format: Format,
    sink: &mut dyn Sink,
    classify: &dyn Fn(&[String]) -> HeaderKind,
) -> std::io::Result<()> {
    match format {
        Format::Csv => read_csv(path, sink, classify),
        Format::Xlsx => {
            read_xlsx(path, sink, classify);
            Ok(())
        }
        Format::Json => read_json(path, sink),
    }
}

/// Counts bytes as they are read, for the progress bar.
struct Counting<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Newline offsets of the stream not yet passed by the parser: at most a
/// buffer's worth, so memory stays bounded.
#[derive(Clone, Default)]
struct LineIndex(Rc<RefCell<(VecDeque<u64>, u64)>>);

impl LineIndex {
    /// The 1-based line of the byte at `offset`; offsets must not decrease.
    fn line_at(&self, offset: u64) -> u64 {
        let mut s = self.0.borrow_mut();
        // `<=`: after a CRLF the parser places the next record at the LF.
        while s.0.front().is_some_and(|nl| *nl <= offset) {
            s.0.pop_front();
            s.1 += 1;
        }
        s.1 + 1
    }
}

struct Lines<R> {
    inner: R,
    index: LineIndex,
    offset: u64,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut s = self.index.0.borrow_mut();
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                s.0.push_back(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Gb18030,
    /// Only ASCII so far: the first non-ASCII cell decides.
    Undecided,
}

impl Encoding {
    /// From the head of the file: the header row alone is Chinese, so it
    /// decides between UTF-8 and GB18030.
    fn sniff(head: &[u8]) -> Encoding {
        if head.starts_with(b"\xEF\xBB\xBF") {
            return Encoding::Utf8;
        }
        if head.is_ascii() {
            return Encoding::Undecided;
        }
        match std::str::from_utf8(head) {
            Ok(_) => Encoding::Utf8,
            // Cut mid-character at the buffer's end.
            Err(e) if e.error_len().is_none() => Encoding::Utf8,
            Err(_) => Encoding::Gb18030,
        }
    }

    /// Decode one cell strictly: a byte sequence that is not text in the
    /// file's encoding is an error (with the cell as best it reads), never
    /// replacement characters stored as data.
    fn decode<'b>(&mut self, bytes: &'b [u8]) -> Result<std::borrow::Cow<'b, str>, String> {
        use std::borrow::Cow;
        if let Ok(s) = std::str::from_utf8(bytes) {
            if s.is_ascii() {
                return Ok(Cow::Borrowed(s));
            }
        }
        let utf8 = || std::str::from_utf8(bytes).ok().map(Cow::Borrowed);
        let gb18030 =
            || encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes);
        let decoded = match self {
            Encoding::Utf8 => utf8(),
            Encoding::Gb18030 => gb18030(),
            Encoding::Undecided => {
                let (text, enc) = match utf8() {
                    Some(s) => (Some(s), Encoding::Utf8),
                    None => (gb18030(), Encoding::Gb18030),
                };
                if text.is_some() {
                    *self = enc;
                }
                text
            }
        };
        decoded.ok_or_else(|| self.bad_bytes(bytes))
    }

    fn bad_bytes(&self, bytes: &[u8]) -> String {
        let (shown, name, en) = match self {
            Encoding::Gb18030 => (
                encoding_rs::GB18030
                    .decode_without_bom_handling(bytes)
                    .0
                    .into_owned(),
                "GBK/GB18030",
                "GB18030",
            ),
            _ => (
                String::from_utf8_lossy(bytes).into_owned(),
                "UTF-8",
                "UTF-8",
            ),
        };
        let long = shown.chars().count() > 40;
        let mut shown: String = shown.chars().take(40).collect();
        if long {
            shown.push('…');
        }
        format!(
            "单元格“{shown}”含有不是 {name} 编码的字节（文件可能已损坏，或混用了不同编码；请另存为 UTF-8 或 GBK 的 CSV）(invalid {en} byte sequence in the cell)"
        )
    }
}

/// A row of cells decoded from the CSV parser's bytes, with the cells that
/// could not be decoded.
fn decode_record(
    record: &csv::ByteRecord,
    enc: &mut Encoding,
    cells: &mut Vec<String>,
    bad: &mut Vec<(usize, String)>,
) {
    // The cells' strings are kept from row to row and refilled, so a row
    // costs no allocation once the longest cell of each column was seen.
    cells.truncate(record.len());
    bad.clear();
    for (i, field) in record.iter().enumerate() {
        if i == cells.len() {
            cells.push(String::new());
        }
        let cell = &mut cells[i];
        cell.clear();
        match enc.decode(field) {
            Ok(s) => cell.push_str(s.trim_start_matches('\u{feff}')),
            Err(reason) => bad.push((i, reason)),
        }
    }
}

fn read_csv(
    path: &Path,
    sink: &mut dyn Sink,
    classify: &dyn Fn(&[String]) -> HeaderKind,
) -> std::io::Result<()> {
    let mut head = vec![0u8; 64 * 1024];
    let n = File::open(path)?.read(&mut head)?;
    head.truncate(n);
    let mut enc = Encoding::sniff(&head);
    // The parser works on bytes and each cell is decoded after: GB18030's
    // trail bytes are never `,` `"` CR or LF, so the structure is found
    // correctly before decoding in either encoding.
    let counting = Counting {
        inner: File::open(path)?,
        read: 0,
    };
    // csv's own line numbers lag by one at some record ends, so lines are
    // counted from the bytes the parser is fed.
    let lines = LineIndex::default();
    let reader = Lines {
        inner: counting,
        index: lines.clone(),
        offset: 0,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::with_capacity(256 * 1024, reader));
    let sheet = "CSV";
    let mut record = csv::ByteRecord::new();
    let mut cells: Vec<String> = Vec::new();
    let mut bad: Vec<(usize, String)> = Vec::new();
    // Until the header is found: the first non-empty row, and the first
    // that looks like a damaged header, for the refusal.
    let mut width: Option<usize> = None;
    let mut searched = 0;
    let mut first_row: Option<(u64, Vec<String>)> = None;
    let mut damaged: Option<(u64, Vec<String>)> = None;
    let mut n = 0u64;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let row = e.position().map(|p| lines.line_at(p.byte()));
                sink.file_problem(
                    sheet,
                    row,
                    format!("无法读取 CSV：{e}（文件编码应为 UTF-8 或 GBK）(cannot read the CSV)"),
                );
                // A bad line stops the file: what follows cannot be trusted.
                return Ok(());
            }
        }
        let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
        decode_record(&record, &mut enc, &mut cells, &mut bad);
        if bad.is_empty() && cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some(width) = width else {
            for (i, reason) in bad.drain(..) {
                sink.file_problem(sheet, Some(line), format!("第 {} 列：{reason}", i + 1));
            }
            match classify(&cells) {
                HeaderKind::Template(_) => {
                    sink.header(sheet, line, &cells);
                    width = Some(cells.len());
                    continue;
                }
                HeaderKind::Unrecognised if damaged.is_none() => {
                    damaged = Some((line, cells.clone()));
                }
                _ => {}
            }
            if first_row.is_none() {
                first_row = Some((line, cells.clone()));
            }
            searched += 1;
            if searched >= HEADER_SEARCH_ROWS {
                break;
            }
            continue;
        };
        if !bad.is_empty() {
            // The row is not checked further: its other problems would be
            // guesses about bytes that are not text.
            for (i, reason) in bad.drain(..) {
                sink.cell_problem(line, i, reason);
            }
            continue;
        }
        // A row wider or narrower than the header is a shifted row or an
        // unclosed quote that swallowed the lines after it.
        let used = cells
            .iter()
            .rposition(|c| !c.trim().is_empty())
            .map_or(0, |i| i + 1);
        if cells.len() != width && (used > width || cells.len() < width) {
            sink.file_problem(
                sheet,
                Some(line),
                format!(
                    "本行有 {} 个单元格，而表头有 {width} 列（可能是引号未闭合或多了逗号）(row has {} cells, the header {width})",
                    cells.len(),
                    cells.len()
                ),
            );
            continue;
        }
        sink.row(line, &cells);
        n += 1;
        if n.is_multiple_of(4096) {
            sink.progress(record.position().map(|p| p.byte()).unwrap_or(0));
        }
    }
    if width.is_none() {
        // No template header: the Processor refuses the row shown here.
        match damaged.or(first_row) {
            Some((line, cells)) => sink.header(sheet, line, &cells),
            None => sink.file_problem(sheet, None, "文件为空，没有表头 (the file is empty)".into()),
        }
    }
    Ok(())
}

fn cell_text(d: &DataRef<'_>) -> String {
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

fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// A column's letters as Excel shows them (0 → A, 16383 → XFD).
fn column_letters(mut c: u32) -> String {
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
fn each_row(
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
enum Scan {
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

fn scan_sheet(
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

fn read_xlsx(path: &Path, sink: &mut dyn Sink, classify: &dyn Fn(&[String]) -> HeaderKind) {
    if let Err(reason) = super::zipcheck::check(path) {
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

fn read_checked_xlsx(path: &Path, sink: &mut dyn Sink, classify: &dyn Fn(&[String]) -> HeaderKind) {
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

fn read_json(path: &Path, sink: &mut dyn Sink) -> std::io::Result<()> {
    let file = Counting {
        inner: File::open(path)?,
        read: 0,
    };
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(256 * 1024, file));
    let result = RowsSeed {
        sink,
        header: Vec::new(),
        n: 0,
    }
    .deserialize(&mut de);
    if let Err(e) = result {
        sink.file_problem(
            "JSON",
            None,
            format!(
                "无法读取 JSON：{e}（应为对象数组）(cannot read the JSON; expected an array of objects)"
            ),
        );
    }
    Ok(())
}

/// Streams the elements of a top-level JSON array of objects into the sink.
struct RowsSeed<'a> {
    sink: &'a mut dyn Sink,
    header: Vec<String>,
    n: u64,
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(obj) =
            seq.next_element::<Option<serde_json::Map<String, serde_json::Value>>>()?
        {
            self.n += 1;
            let Some(obj) = obj else {
                self.sink.file_problem(
                    "JSON",
                    Some(self.n),
                    "数组元素应为对象 (element is not an object)".into(),
                );
                continue;
            };
            if self.n == 1 {
                self.header = obj.keys().cloned().collect();
                self.sink.header("JSON", 0, &self.header);
            }
            let mut cells = vec![String::new(); self.header.len()];
            for (k, v) in obj {
                let text = match v {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                match self.header.iter().position(|h| *h == k) {
                    Some(i) => cells[i] = text,
                    None => self.sink.file_problem(
                        "JSON",
                        Some(self.n),
                        format!("字段“{k}”不在第一个对象中 (key not in the first object)"),
                    ),
                }
            }
            self.sink.row(self.n, &cells);
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Err(serde::de::Error::custom(
            "顶层应为数组 (the top level must be an array)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_from_content_before_the_name() {
        assert_eq!(sniff(b"PK\x03\x04....", "a.csv"), Format::Xlsx);
        assert_eq!(sniff(b"  [{\"a\":1}]", "a.csv"), Format::Json);
        assert_eq!(sniff(b"\xEF\xBB\xBF[", "x"), Format::Json);
        assert_eq!(sniff("基地编号,年度".as_bytes(), "a.txt"), Format::Csv);
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;

    struct Rows(Vec<(u64, String)>);
    impl Sink for Rows {
        fn header(&mut self, _: &str, row: u64, _: &[String]) {
            self.0.push((row, "header".into()));
        }
        fn row(&mut self, row: u64, cells: &[String]) {
            self.0.push((row, cells[0].clone()));
        }
        fn file_problem(&mut self, _: &str, row: Option<u64>, reason: String) {
            self.0.push((row.unwrap_or(0), reason));
        }
        fn cell_problem(&mut self, row: u64, column: usize, reason: String) {
            self.0.push((row, format!("column {column}: {reason}")));
        }
        fn skipped(&mut self, sheet: &str, _: String) {
            self.0.push((0, format!("skipped {sheet}")));
        }
    }

    /// A header is a row whose first cell is `h`.
    fn classify(cells: &[String]) -> HeaderKind {
        if cells.first().is_some_and(|c| c == "h") {
            HeaderKind::Template(0)
        } else {
            HeaderKind::Other
        }
    }

    fn rows_of_bytes(bytes: &[u8]) -> Vec<(u64, String)> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, bytes).unwrap();
        let mut s = Rows(vec![]);
        read_csv(&p, &mut s, &classify).unwrap();
        s.0
    }

    fn rows_of(text: &str) -> Vec<(u64, String)> {
        rows_of_bytes(text.as_bytes())
    }

    fn want(v: &[(u64, &str)]) -> Vec<(u64, String)> {
        v.iter().map(|(r, s)| (*r, s.to_string())).collect()
    }

    #[test]
    fn a_title_row_and_blank_rows_above_the_header_are_passed_over_keeping_row_numbers() {
        assert_eq!(
            rows_of("2024年度活动明细表,,\n\n,,\nh,x,y\na,1,2\n"),
            want(&[(4, "header"), (5, "a")])
        );
    }

    #[test]
    fn no_header_in_the_first_rows_reports_the_first_non_empty_row() {
        let mut text = String::from("\n");
        for k in 0..HEADER_SEARCH_ROWS {
            text.push_str(&format!("title {k}\n"));
        }
        text.push_str("h,x\na,1\n");
        assert_eq!(rows_of(&text), want(&[(2, "header")]));
    }

    #[test]
    fn gbk_cells_are_decoded_and_a_broken_sequence_is_located_by_row_and_column() {
        // 中 is D6 D0 in GBK; 0x81 alone is half a character.
        let mut bytes = b"h,x\n".to_vec();
        bytes.extend_from_slice(b"\xD6\xD0,1\n");
        bytes.extend_from_slice(b"b,\xD6\xD0\x81\n");
        let rows = rows_of_bytes(&bytes);
        assert_eq!(rows[..2], want(&[(1, "header"), (2, "中")])[..]);
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!(rows[2].0, 3);
        assert!(rows[2].1.starts_with("column 1: "), "{rows:?}");
        assert!(rows[2].1.contains("GB18030"), "{rows:?}");
    }

    #[test]
    fn invalid_utf8_far_below_the_sniffed_head_is_located() {
        let mut text = String::from("h,名称\n");
        for k in 0..5000 {
            text.push_str(&format!("r{k},名称{k}\n"));
        }
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(b"bad,\xE4\xB8\n");
        let rows = rows_of_bytes(&bytes);
        let last = rows.last().unwrap();
        assert_eq!(last.0, 5002);
        assert!(
            last.1.starts_with("column 1: ") && last.1.contains("UTF-8"),
            "{last:?}"
        );
        assert_eq!(rows.len(), 5002);
    }

    #[test]
    fn an_ascii_head_lets_the_first_chinese_cell_decide_the_encoding() {
        let mut bytes = b"h,x\na,1\n".to_vec();
        bytes.extend_from_slice(b"b,\xD6\xD0\n");
        assert_eq!(
            rows_of_bytes(&bytes),
            want(&[(1, "header"), (2, "a"), (3, "b")])
        );
    }

    /// Panics on the first header, as calamine does on some malformed parts.
    struct Panics(Vec<String>);
    impl Sink for Panics {
        fn header(&mut self, _: &str, _: u64, _: &[String]) {
            panic!("malformed part");
        }
        fn row(&mut self, _: u64, _: &[String]) {}
        fn file_problem(&mut self, _: &str, _: Option<u64>, reason: String) {
            self.0.push(reason);
        }
        fn cell_problem(&mut self, _: u64, _: usize, _: String) {}
        fn skipped(&mut self, _: &str, _: String) {}
    }

    #[test]
    fn a_panic_while_reading_a_workbook_refuses_the_file_and_the_process_goes_on() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "h").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.xlsx");
        std::fs::write(&p, wb.save_to_buffer().unwrap()).unwrap();
        let mut s = Panics(vec![]);
        read_xlsx(&p, &mut s, &classify);
        assert_eq!(s.0.len(), 1, "{:?}", s.0);
        assert!(s.0[0].contains("文件结构异常") && s.0[0].contains("malformed part"));
    }

    #[test]
    fn column_letters_are_excels() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16_383), "XFD");
    }

    #[test]
    fn row_numbers_are_the_lines_people_see_with_lf_crlf_blank_lines_and_quoted_newlines() {
        assert_eq!(
            rows_of("h,x\na,1\nb,2\n"),
            want(&[(1, "header"), (2, "a"), (3, "b")])
        );
        assert_eq!(
            rows_of("h,x\r\na,1\r\nb,2\r\n"),
            want(&[(1, "header"), (2, "a"), (3, "b")])
        );
        assert_eq!(
            rows_of("h,x\n\na,\"1\n2\"\nb,2\n"),
            want(&[(1, "header"), (3, "a"), (5, "b")])
        );
    }
}
