//! CSV: UTF-8 (with or without BOM) or GB18030/GBK, checked cell by cell, with
//! row numbers counted from the bytes (CRLF included).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use super::*;

/// Newline offsets of the stream not yet passed by the parser: at most a
/// buffer's worth, so memory stays bounded.
#[derive(Clone, Default)]
pub(super) struct LineIndex(Rc<RefCell<(VecDeque<u64>, u64)>>);

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

pub(super) struct Lines<R> {
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
pub(super) enum Encoding {
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
pub(super) fn decode_record(
    record: &::csv::ByteRecord,
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

pub(super) fn read_csv(
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
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::with_capacity(256 * 1024, reader));
    let sheet = "CSV";
    let mut record = ::csv::ByteRecord::new();
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

#[cfg(test)]
mod line_tests {
    use super::super::xlsx::column_letters;
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
