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

mod csv;
mod json;
mod xlsx;

use std::io::Read;
use std::path::Path;

use csv::read_csv;
use json::read_json;
use xlsx::read_xlsx;

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
