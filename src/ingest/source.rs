//! Reading a file's rows, whatever its format: CSV (UTF-8 with or without
//! BOM, or GB18030/GBK as Excel and WPS save it), XLSX (every sheet) and
//! JSON (an array of objects). Rows are pushed to a [`Sink`] one at a time,
//! so a large CSV or JSON file is never held in memory.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use calamine::{Data, Reader, Xlsx};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The format of an import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

/// Where the rows of a file go.
pub trait Sink {
    /// A sheet begins with this header row (row 1 of the sheet unless `row` says otherwise).
    fn header(&mut self, sheet: &str, row: u64, cells: &[String]);
    /// One data row with its row number as a person sees it in the file.
    fn row(&mut self, row: u64, cells: &[String]);
    /// A problem of the file itself (not of one value), located if possible.
    fn file_problem(&mut self, sheet: &str, row: Option<u64>, reason: String);
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

/// Push every sheet of `path` to `sink`. XLSX sheets come in the order
/// `order` gives their header rows (so a register sheet precedes data).
pub fn read(
    path: &Path,
    format: Format,
    sink: &mut dyn Sink,
    order: &dyn Fn(&[String]) -> u8,
) -> std::io::Result<()> {
    match format {
        Format::Csv => read_csv(path, sink),
        Format::Xlsx => {
            read_xlsx(path, sink, order);
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

/// Decodes GB18030 to UTF-8 as it streams.
struct Gb18030<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    inbuf: Vec<u8>,
    start: usize,
    end: usize,
    out: String,
    pos: usize,
    eof: bool,
}

impl<R: Read> Read for Gb18030<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.pos < self.out.len() {
                let n = (self.out.len() - self.pos).min(buf.len());
                buf[..n].copy_from_slice(&self.out.as_bytes()[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.eof {
                return Ok(0);
            }
            self.out.clear();
            self.pos = 0;
            if self.start == self.end {
                self.start = 0;
                self.end = self.inner.read(&mut self.inbuf)?;
            }
            let last = self.end == 0;
            self.out.reserve(
                self.decoder
                    .max_utf8_buffer_length(self.end - self.start)
                    .unwrap_or(65536),
            );
            let (_, consumed, _) = self.decoder.decode_to_string(
                &self.inbuf[self.start..self.end],
                &mut self.out,
                last,
            );
            self.start += consumed;
            if last {
                self.eof = true;
            }
        }
    }
}

/// Newline offsets of the (decoded) stream not yet passed by the parser:
/// at most a buffer's worth, so memory stays bounded.
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

fn read_csv(path: &Path, sink: &mut dyn Sink) -> std::io::Result<()> {
    // Sniff the encoding from the head of the file: the header row alone is
    // Chinese, so it decides between UTF-8 and GB18030.
    let mut head = vec![0u8; 64 * 1024];
    let n = File::open(path)?.read(&mut head)?;
    head.truncate(n);
    let utf8 = head.starts_with(b"\xEF\xBB\xBF")
        || match std::str::from_utf8(&head) {
            Ok(_) => true,
            Err(e) => e.error_len().is_none(), // cut mid-character at the buffer's end
        };
    let counting = Counting {
        inner: File::open(path)?,
        read: 0,
    };
    let reader: Box<dyn Read> = if utf8 {
        Box::new(counting)
    } else {
        Box::new(Gb18030 {
            inner: counting,
            decoder: encoding_rs::GB18030.new_decoder_without_bom_handling(),
            inbuf: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            out: String::new(),
            pos: 0,
            eof: false,
        })
    };
    // csv's own line numbers lag by one at some record ends, so lines are
    // counted from the bytes the parser is fed.
    let lines = LineIndex::default();
    let reader = Lines {
        inner: reader,
        index: lines.clone(),
        offset: 0,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::with_capacity(256 * 1024, reader));
    let sheet = "CSV";
    let mut record = csv::StringRecord::new();
    let mut cells: Vec<String> = Vec::new();
    let mut first = true;
    let mut width = 0;
    let mut n = 0u64;
    loop {
        match rdr.read_record(&mut record) {
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
        cells.clear();
        cells.extend(
            record
                .iter()
                .map(|c| c.trim_start_matches('\u{feff}').to_string()),
        );
        if first {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            sink.header(sheet, line, &cells);
            width = cells.len();
            first = false;
        } else if cells.iter().any(|c| !c.trim().is_empty()) {
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
        }
        n += 1;
        if n.is_multiple_of(4096) {
            // Progress is the position in the source file, decoded or not.
            sink.progress(record.position().map(|p| p.byte()).unwrap_or(0));
        }
    }
    if first {
        sink.file_problem(sheet, None, "文件为空，没有表头 (the file is empty)".into());
    }
    Ok(())
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => b.to_string(),
        // Dates go on as Excel serial numbers, which `parse_date` reads.
        Data::DateTime(dt) => float_text(dt.as_f64()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

fn read_xlsx(path: &Path, sink: &mut dyn Sink, order: &dyn Fn(&[String]) -> u8) {
    let mut book: Xlsx<_> = match calamine::open_workbook(path) {
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
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        match book.worksheet_range(&name) {
            Ok(range) => {
                let (r0, _) = range.start().unwrap_or((0, 0));
                let mut rows = range.rows().enumerate();
                // The first non-empty row is the header.
                let header = rows
                    .by_ref()
                    .find(|(_, r)| r.iter().any(|c| !matches!(c, Data::Empty)));
                let Some((h, cells)) = header else { continue };
                let header: Vec<String> = cells.iter().map(cell_text).collect();
                sheets.push((
                    order(&header),
                    name.clone(),
                    r0 as u64 + h as u64 + 1,
                    header,
                    range,
                ));
            }
            Err(e) => sink.file_problem(
                &name,
                None,
                format!("无法读取工作表：{e} (cannot read the sheet)"),
            ),
        }
    }
    if sheets.is_empty() {
        sink.file_problem(
            "-",
            None,
            "工作簿中没有数据 (the workbook has no data)".into(),
        );
    }
    sheets.sort_by_key(|s| s.0);
    let mut cells = Vec::new();
    for (_, name, header_row, header, range) in sheets {
        sink.header(&name, header_row, &header);
        let (r0, _) = range.start().unwrap_or((0, 0));
        for (i, r) in range.rows().enumerate() {
            let row = r0 as u64 + i as u64 + 1;
            if row <= header_row {
                continue;
            }
            cells.clear();
            cells.extend(r.iter().map(cell_text));
            if cells.iter().any(|c| !c.trim().is_empty()) {
                sink.row(row, &cells);
            }
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
    }

    fn rows_of(text: &str) -> Vec<(u64, String)> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, text).unwrap();
        let mut s = Rows(vec![]);
        read_csv(&p, &mut s).unwrap();
        s.0
    }

    #[test]
    fn row_numbers_are_the_lines_people_see_with_lf_crlf_blank_lines_and_quoted_newlines() {
        let want = |v: &[(u64, &str)]| {
            v.iter()
                .map(|(r, s)| (*r, s.to_string()))
                .collect::<Vec<_>>()
        };
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
