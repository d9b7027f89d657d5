//! Row by row: parse each cell into domain values, collect every problem,
//! and write valid rows in batches while the file is still clean.

mod applications;
mod counts;
mod records;
mod register;

pub(crate) use records::content_key;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};

use super::report::{Problem, Report, SheetReport, SkippedSheet};
use super::source::{HeaderKind, Sink};
use super::template::{detect, Field, Template};
use super::Options;
use crate::config::Settings;
use crate::db::{self, Db};
use crate::domain::{
    parse_count, parse_date, text, BaseCode, BaseType, Channel, City, CreditCode, Email, Indicator,
    Year,
};
use crate::error::{AppError, AppResult};
use crate::rules::Rulebook;

/// Records per batch: a multiple of the 256-row statements `db::records`
/// keeps prepared; on PostgreSQL one COPY.
const RECORD_BATCH: usize = 16384;
/// Batches the parser may run ahead of the writer. The database and the
/// parser take turns being the slower one (a checkpoint, a long row); a
/// queue lets each go on while the other catches up.
const QUEUE: usize = 2;
const COUNT_BATCH: usize = 500;

/// What a row is as a header; templates rank in import order: register
/// first, then data. A row naming two or more template columns without
/// being a template is a damaged header, not a sheet to skip.
pub fn classify_header(row: &[String]) -> HeaderKind {
    let fields: Vec<Option<Field>> = row.iter().map(|h| Field::from_header(h)).collect();
    match detect(&fields) {
        Some(Template::Register) => HeaderKind::Template(0),
        Some(Template::YearlyCounts) => HeaderKind::Template(1),
        Some(Template::ActivityRecords) => HeaderKind::Template(2),
        Some(Template::Applications) => HeaderKind::Template(3),
        None => {
            let named = fields
                .iter()
                .filter(|f| f.is_some_and(|f| f != Field::Ignored))
                .count();
            if named >= 2 {
                HeaderKind::Unrecognised
            } else {
                HeaderKind::Other
            }
        }
    }
}

struct Sheet {
    name: String,
    template: Option<Template>,
    /// Shared so a cell's header travels with it without a copy per row.
    headers: Vec<Arc<str>>,
    fields: Vec<Option<Field>>,
    /// field → column index
    index: HashMap<Field, usize>,
}

/// A batch of records for the writer, with the rows it came from and, on
/// PostgreSQL, its COPY data (encoded here, while the writer sends the last).
type Batch = (Vec<db::records::NewRecord>, Vec<u64>, Option<Vec<u8>>);
/// What the writer did with a batch, with its rows.
type Written = (AppResult<db::records::BatchResult>, Vec<u64>);
/// What the writer thread hands back: the connection, the records'
/// writer (with its totals), and each batch's outcome in order.
type Writing<'a> = (&'a mut Db, db::records::Writer, Vec<Written>);

/// The connection: here, or lent to the thread that writes batches of
/// records from a queue, so that the next batches are parsed while the
/// database works.
enum Conn<'s, 'a> {
    Idle(&'a mut Db),
    Busy {
        queue: std::sync::mpsc::SyncSender<Batch>,
        /// Written batches' records, sent back to be dropped here.
        spent: std::sync::mpsc::Receiver<Vec<db::records::NewRecord>>,
        writer: std::thread::ScopedJoinHandle<'s, Writing<'a>>,
    },
    Lost,
}

pub(super) struct Processor<'s, 'a> {
    conn: Conn<'s, 'a>,
    /// PostgreSQL: batches go with their COPY data.
    pg: bool,
    scope: &'s std::thread::Scope<'s, 'a>,
    rulebook: &'a Rulebook,
    import_id: i64,
    opts: &'a Options,
    report: Report,
    sheet: Option<Sheet>,
    /// code → (id, type) of every known base, including those this file adds.
    bases: HashMap<String, (i64, BaseType)>,
    /// unit name → (id, channel)
    units: HashMap<String, (i64, Channel)>,
    /// code → its recommending unit's name, for the bases stored before this
    /// file; read at the first register row (a file of records needs none).
    homes: Option<HashMap<String, String>>,
    /// (credit code, type) → code of the live bases stored before this file
    /// and of this file's rows; read with `homes`.
    hosts: Option<HashMap<(String, BaseType), String>>,
    /// register rows of this file: code → row
    seen_codes: HashMap<String, u64>,
    /// yearly-count rows of this file: (code, year) → row
    seen_years: HashMap<(String, i32), u64>,
    /// application rows of this file: (credit code, type, year) → row
    seen_applications: HashMap<(String, BaseType, i32), u64>,
    /// Years whose result stands (定稿): no row may change them.
    confirmed_years: Arc<[i32]>,
    counts: Vec<db::counts::Declaration>,
    records: Vec<db::records::NewRecord>,
    /// A base's own rows waiting for review, written at the end.
    entries: Vec<db::submissions::Entry>,
    record_rows: Vec<u64>,
    /// (base, record key) → row, for the records of the pending batch.
    batch_keys: HashMap<(i64, String), u64>,
    /// The records' writer: what they add to `record_totals` (written at
    /// the end, or when full, inside the import's transaction).
    writer: db::records::Writer,
    failure: Option<AppError>,
    bar: ProgressBar,
}

impl<'s, 'a> Processor<'s, 'a> {
    pub fn new(
        db: &'a mut Db,
        scope: &'s std::thread::Scope<'s, 'a>,
        settings: &'a Settings,
        import_id: i64,
        opts: &'a Options,
        report: Report,
        size: u64,
    ) -> AppResult<Processor<'s, 'a>> {
        let bases = db::bases::code_index(db)?;
        let confirmed_years: Arc<[i32]> = db::years::confirmed(db)?
            .into_iter()
            .map(|y| y.year)
            .collect();
        let units = db::units::all(db)?
            .into_iter()
            .map(|u| (u.name, (u.id, u.channel)))
            .collect();
        let bar = if opts.progress {
            let b = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
            {
                b.set_style(style.progress_chars("=> "));
            }
            b.set_message(report.file.clone());
            b
        } else {
            ProgressBar::hidden()
        };
        let pg = matches!(db, Db::Pg(_));
        Ok(Processor {
            pg,
            conn: Conn::Idle(db),
            scope,
            rulebook: &settings.rulebook,
            import_id,
            opts,
            report,
            sheet: None,
            bases,
            units,
            homes: None,
            hosts: None,
            seen_codes: HashMap::new(),
            seen_years: HashMap::new(),
            seen_applications: HashMap::new(),
            confirmed_years,
            counts: Vec::new(),
            records: Vec::new(),
            entries: Vec::new(),
            record_rows: Vec::new(),
            batch_keys: HashMap::new(),
            writer: db::records::Writer::default(),
            failure: None,
            bar,
        })
    }

    /// Flush what is pending and hand back the report (or the database error).
    pub fn finish(mut self) -> AppResult<Report> {
        self.flush_counts();
        self.flush_records();
        self.settle();
        self.write_totals();
        self.write_entries();
        self.bar.finish_and_clear();
        match self.failure {
            Some(e) => Err(e),
            None => Ok(self.report),
        }
    }

    /// Why a value of a confirmed year is refused, whatever else the row says.
    pub(super) fn confirmed_message(year: i32) -> String {
        format!(
            "{year} 年度考核结果已定稿，不能再导入或更改该年度的数据；如需更正，请省科协先重新开放该年度 (the year {year} is confirmed: staff must reopen it first)"
        )
    }

    /// Rows are written only while the file has no problem so far.
    fn writing(&self) -> bool {
        self.report.problem_total == 0 && self.failure.is_none()
    }

    fn problem(&mut self, row: Option<u64>, column: Option<Arc<str>>, reason: String) {
        let sheet = self
            .sheet
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default();
        self.report.push_problem(Problem {
            file: self.report.file.clone(),
            sheet,
            row,
            column: column.map(|c| c.to_string()),
            reason,
        });
    }

    fn fail(&mut self, e: AppError) {
        if self.failure.is_none() {
            self.failure = Some(e);
        }
    }

    /// The connection, once the batch being written (if any) is done and
    /// its outcome is in the report. `None` only if that thread panicked.
    fn db(&mut self) -> Option<&mut Db> {
        self.settle();
        match &mut self.conn {
            Conn::Idle(db) => Some(&mut **db),
            _ => None,
        }
    }

    /// Wait for the queued batches to be written and take in what each did.
    fn settle(&mut self) {
        let died = || AppError::Compute("导入写入线程异常终止 (the writer thread died)".into());
        let handle = match std::mem::replace(&mut self.conn, Conn::Lost) {
            // Dropping the queue's sender tells the writer no more is coming.
            Conn::Busy {
                queue,
                spent,
                writer,
            } => {
                drop(queue);
                (writer, spent)
            }
            Conn::Idle(db) => {
                self.conn = Conn::Idle(db);
                return;
            }
            Conn::Lost => return self.fail(died()),
        };
        let (handle, spent) = handle;
        let joined = handle.join();
        // The last batches' records, given back once the writer is done,
        // are freed here with the receiver.
        drop(spent);
        let Ok((db, writer, done)) = joined else {
            return self.fail(died());
        };
        self.conn = Conn::Idle(db);
        self.writer = writer;
        for (result, rows) in done {
            match result {
                Ok(r) => {
                    self.report.records_inserted += r.written.inserted as u64;
                    self.report.records_updated += r.written.updated as u64;
                    self.report.records_unchanged += r.written.unchanged as u64;
                    for k in r.repeated {
                        self.problem(
                            rows.get(k).copied(),
                            None,
                            "与本文件中较早的一行是同一活动（外部编号或内容相同），不能重复计数 (repeats an earlier row of this file)".into(),
                        );
                    }
                }
                Err(e) => self.fail(e),
            }
        }
    }

    fn flush_counts(&mut self) {
        if self.counts.is_empty() || !self.writing() {
            self.counts.clear();
            return;
        }
        let batch = std::mem::take(&mut self.counts);
        let (import_id, by) = (self.import_id, self.opts.by.as_str());
        let Some(db) = self.db() else { return };
        match db::counts::replace(db, &batch, import_id, by) {
            Ok(n) => self.report.declared_values_changed += n as u64,
            Err(e) => self.fail(e),
        }
    }

    fn flush_records(&mut self) {
        if self.records.is_empty() || !self.writing() {
            self.records.clear();
            self.record_rows.clear();
            self.batch_keys.clear();
            return;
        }
        self.batch_keys.clear();
        let records = std::mem::take(&mut self.records);
        let encoded = self.pg.then(|| db::records::encode_copy(&records));
        let batch = (records, std::mem::take(&mut self.record_rows), encoded);
        let batch = match &self.conn {
            // The writer is at work: queue the batch (waiting while the
            // queue is full). A closed queue means the writer stopped on an
            // error, which settling reports.
            Conn::Busy { queue, spent, .. } => {
                while let Ok(records) = spent.try_recv() {
                    drop(records);
                }
                match queue.send(batch) {
                    Ok(()) => return,
                    Err(_) => return self.settle(),
                }
            }
            _ => batch,
        };
        let Conn::Idle(db) = std::mem::replace(&mut self.conn, Conn::Lost) else {
            return;
        };
        let mut writer = std::mem::take(&mut self.writer);
        let (queue, batches) = std::sync::mpsc::sync_channel::<Batch>(QUEUE);
        let (give_back, spent) = std::sync::mpsc::channel();
        let handle = self.scope.spawn(move || {
            let mut done: Vec<Written> = Vec::new();
            // Until the processor drops the queue, or the first error.
            for (mut records, rows, encoded) in batches {
                let result = writer
                    .write_batch(db, &mut records, encoded.as_deref())
                    .and_then(|r| {
                        if writer.totals_full() {
                            writer.write_totals(db)?;
                        }
                        Ok(r)
                    });
                let failed = result.is_err();
                done.push((result, rows));
                // Freed where they were made; if the processor has gone
                // (settling), here.
                let _ = give_back.send(records);
                if failed {
                    break;
                }
            }
            (db, writer, done)
        });
        // The receiver lives until the thread ends, so this cannot fail
        // before the thread has seen the batch.
        let failed = queue.send(batch).is_err();
        self.conn = Conn::Busy {
            queue,
            spent,
            writer: handle,
        };
        if failed {
            self.settle();
        }
    }

    /// A base's own rows, as entries waiting for its unit's review.
    fn write_entries(&mut self) {
        let (Some(own), true) = (self.opts.own.as_ref(), self.writing()) else {
            return;
        };
        let (base_id, by) = (own.base_id, self.opts.by.clone());
        let entries = std::mem::take(&mut self.entries);
        let Some(db) = self.db() else { return };
        for e in &entries {
            if let Err(e) = db::submissions::insert(db, base_id, e, &by) {
                return self.fail(e);
            }
        }
        self.report.records_pending += entries.len() as u64;
    }

    /// Add the records' totals gathered so far to `record_totals`.
    fn write_totals(&mut self) {
        if !self.writing() {
            return;
        }
        self.settle();
        let Conn::Idle(db) = &mut self.conn else {
            return;
        };
        if let Err(e) = self.writer.write_totals(db) {
            self.fail(e);
        }
    }

    fn cell<'c>(&self, cells: &'c [String], f: Field) -> Option<(&'c str, Arc<str>)> {
        let s = self.sheet.as_ref()?;
        let i = *s.index.get(&f)?;
        let header = s.headers.get(i).cloned().unwrap_or_else(|| Arc::from(""));
        Some((cells.get(i).map(String::as_str).unwrap_or(""), header))
    }

    /// Parse a required cell; a problem is recorded on failure.
    fn req<T, E: std::fmt::Display>(
        &mut self,
        row: u64,
        cells: &[String],
        f: Field,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let (value, header) = self.cell(cells, f)?;
        if text::is_blank(value) {
            self.problem(
                Some(row),
                Some(header),
                "必填项为空 (required value is missing)".into(),
            );
            return None;
        }
        match parse(value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(Some(row), Some(header), e.to_string());
                None
            }
        }
    }
}

impl Sink for Processor<'_, '_> {
    fn header(&mut self, sheet: &str, row: u64, cells: &[String]) {
        // Finish the previous sheet's batches before the next template starts.
        self.flush_counts();
        self.flush_records();
        // Its outcome belongs to the sheet it came from.
        self.settle();
        let mut fields: Vec<Option<Field>> = cells.iter().map(|h| Field::from_header(h)).collect();
        let template = detect(&fields);
        if template == Some(Template::Applications) {
            // The figure columns are the rulebook's conditions.
            for (f, h) in fields.iter_mut().zip(cells) {
                if f.is_none() {
                    *f = super::template::figure_field(self.rulebook, h);
                }
            }
        }
        let mut index = HashMap::new();
        self.sheet = Some(Sheet {
            name: sheet.to_string(),
            template,
            headers: cells.iter().map(|c| Arc::from(c.as_str())).collect(),
            fields: fields.clone(),
            index: HashMap::new(),
        });
        self.report.sheets.push(SheetReport {
            name: sheet.to_string(),
            template,
            rows: 0,
        });
        let header_row = (row > 0).then_some(row);
        if self.opts.own.is_some() && template.is_some_and(|t| t != Template::ActivityRecords) {
            self.problem(
                header_row,
                None,
                "基地账号只能上传活动明细；基地名册和年度指标表由省科协导入 (a base uploads activity records only)".into(),
            );
            return;
        }
        if self.opts.unit.is_some() && template.is_some_and(|t| t != Template::Applications) {
            self.problem(
                header_row,
                None,
                "推荐单位只能上传认定申请表；基地名册和年度指标表由省科协导入 (a unit uploads applications only)".into(),
            );
            return;
        }
        let Some(t) = template else {
            self.problem(
                header_row,
                None,
                "表头无法识别：应为基地名册（基地编号、基地名称、基地类型……）、年度指标表（基地编号、年度、各项指标）或活动明细（基地编号、指标、日期……）之一 (unrecognised header: not one of the three templates)".into(),
            );
            return;
        };
        let allowed: Vec<Field> = t.columns_for(self.rulebook).iter().map(|c| c.0).collect();
        for (i, f) in fields.iter().enumerate() {
            let header = cells[i].clone();
            match f {
                None if text::normalize(&header).is_empty() => {}
                None => self.problem(
                    header_row,
                    Some(header.into()),
                    format!(
                        "{}中没有这一列 (unknown column for this template)",
                        t.name_zh()
                    ),
                ),
                Some(Field::Ignored) => {}
                Some(f) if !allowed.contains(f) => self.problem(
                    header_row,
                    Some(header.into()),
                    format!(
                        "{}中没有这一列 (column does not belong to this template)",
                        t.name_zh()
                    ),
                ),
                Some(f) => {
                    if let Some(first) = index.insert(*f, i) {
                        let first_header = cells[first].clone();
                        self.problem(
                            header_row,
                            Some(header.into()),
                            format!("与“{first_header}”是同一列，重复 (duplicate column)"),
                        );
                    }
                }
            }
        }
        for (f, zh, required) in t.columns() {
            if required && !index.contains_key(&f) {
                self.problem(
                    header_row,
                    Some(zh.into()),
                    "缺少必填列 (required column is missing)".into(),
                );
            }
        }
        if let Some(s) = self.sheet.as_mut() {
            s.index = index;
        }
    }

    fn row(&mut self, row: u64, cells: &[String]) {
        let Some(t) = self.sheet.as_ref().and_then(|s| s.template) else {
            return;
        };
        if let Some(s) = self.report.sheets.last_mut() {
            s.rows += 1;
        }
        self.report.rows += 1;
        match t {
            Template::Register => self.register_row(row, cells),
            Template::YearlyCounts => self.counts_row(row, cells),
            Template::ActivityRecords => self.records_row(row, cells),
            Template::Applications => self.applications_row(row, cells),
        }
    }

    fn file_problem(&mut self, sheet: &str, row: Option<u64>, reason: String) {
        self.report.push_problem(Problem {
            file: self.report.file.clone(),
            sheet: sheet.to_string(),
            row,
            column: None,
            reason,
        });
    }

    fn cell_problem(&mut self, row: u64, column: usize, reason: String) {
        let header = self
            .sheet
            .as_ref()
            .and_then(|s| s.headers.get(column))
            .filter(|h| !text::is_blank(h))
            .cloned()
            .unwrap_or_else(|| Arc::from(format!("第 {} 列", column + 1)));
        self.problem(Some(row), Some(header), reason);
    }

    fn skipped(&mut self, sheet: &str, note: String) {
        self.report.skipped_sheets.push(SkippedSheet {
            name: sheet.to_string(),
            note,
        });
    }

    fn progress(&mut self, bytes: u64) {
        self.bar.set_position(bytes);
    }
}
