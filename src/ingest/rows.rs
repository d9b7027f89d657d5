//! Row by row: parse each cell into domain values, collect every problem,
//! and write valid rows in batches while the file is still clean.

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
/// keeps prepared.
const RECORD_BATCH: usize = 2048;
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

/// A batch of records being written on a thread of its own, with the rows
/// it came from; the connection comes back when it is done.
type Writing<'a> = (
    &'a mut Db,
    db::records::Writer,
    AppResult<db::records::BatchResult>,
    Vec<u64>,
);

/// The connection: here, or lent to the thread writing the last batch of
/// records, so that the next batch is parsed while the database works.
enum Conn<'s, 'a> {
    Idle(&'a mut Db),
    Busy(std::thread::ScopedJoinHandle<'s, Writing<'a>>),
    Lost,
}

pub(super) struct Processor<'s, 'a> {
    conn: Conn<'s, 'a>,
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
    /// register rows of this file: code → row
    seen_codes: HashMap<String, u64>,
    /// yearly-count rows of this file: (code, year) → row
    seen_years: HashMap<(String, i32), u64>,
    counts: Vec<db::counts::Declaration>,
    records: Vec<db::records::NewRecord>,
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
        Ok(Processor {
            conn: Conn::Idle(db),
            scope,
            rulebook: &settings.rulebook,
            import_id,
            opts,
            report,
            sheet: None,
            bases,
            units,
            seen_codes: HashMap::new(),
            seen_years: HashMap::new(),
            counts: Vec::new(),
            records: Vec::new(),
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
        self.bar.finish_and_clear();
        match self.failure {
            Some(e) => Err(e),
            None => Ok(self.report),
        }
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

    /// Wait for the batch being written and take in what it did.
    fn settle(&mut self) {
        let died = || AppError::Compute("导入写入线程异常终止 (the writer thread died)".into());
        let handle = match std::mem::replace(&mut self.conn, Conn::Lost) {
            Conn::Busy(handle) => handle,
            Conn::Idle(db) => {
                self.conn = Conn::Idle(db);
                return;
            }
            Conn::Lost => return self.fail(died()),
        };
        let Ok((db, writer, result, rows)) = handle.join() else {
            return self.fail(died());
        };
        self.conn = Conn::Idle(db);
        self.writer = writer;
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
        let batch = std::mem::take(&mut self.records);
        let rows = std::mem::take(&mut self.record_rows);
        // One batch at a time: the previous one must be done (and clean)
        // before this one goes.
        self.settle();
        if !self.writing() {
            return;
        }
        if self.writer.totals_full() {
            self.write_totals();
        }
        let Conn::Idle(db) = std::mem::replace(&mut self.conn, Conn::Lost) else {
            return;
        };
        let mut writer = std::mem::take(&mut self.writer);
        self.conn = Conn::Busy(self.scope.spawn(move || {
            let result = writer.write_batch(db, batch);
            (db, writer, result, rows)
        }));
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

    fn register_row(&mut self, row: u64, cells: &[String]) {
        let code = self.req(row, cells, Field::BaseCode, BaseCode::parse);
        let name = self.req(row, cells, Field::BaseName, |s| {
            Ok::<_, String>(text::tidy(s))
        });
        let ty = self.req(row, cells, Field::BaseType, BaseType::parse);
        let host = self.req(row, cells, Field::HostUnit, |s| {
            Ok::<_, String>(text::tidy(s))
        });
        let credit = self.req(row, cells, Field::CreditCode, CreditCode::parse);
        let channel = self.req(row, cells, Field::Channel, Channel::parse);
        let unit = self.req(row, cells, Field::Unit, |s| Ok::<_, String>(text::tidy(s)));
        let city = self.req(row, cells, Field::City, City::parse);
        let today = self.opts.today;
        let recognised = self.req(row, cells, Field::RecognisedOn, |s| {
            parse_date(s).map_err(|e| e.to_string()).and_then(|d| {
                if d > today {
                    Err(format!(
                        "认定日期 {d} 晚于今天 (recognition date is in the future)"
                    ))
                } else {
                    Ok(d)
                }
            })
        });
        let email = self.req(row, cells, Field::Email, Email::parse);
        let (
            Some(code),
            Some(name),
            Some(ty),
            Some(host),
            Some(credit),
            Some(channel),
            Some(unit),
            Some(city),
            Some(recognised),
            Some(email),
        ) = (
            code, name, ty, host, credit, channel, unit, city, recognised, email,
        )
        else {
            return;
        };
        if let Some(first) = self.seen_codes.insert(code.as_str().to_string(), row) {
            let header = self.cell(cells, Field::BaseCode).map(|c| c.1);
            self.problem(
                Some(row),
                header,
                format!("基地编号 {code} 与第 {first} 行重复 (duplicate base code, first on row {first})"),
            );
            return;
        }
        if let Some((_, known)) = self.units.get(unit.as_str()) {
            if *known != channel {
                let header = self.cell(cells, Field::Channel).map(|c| c.1);
                self.problem(
                    Some(row),
                    header,
                    format!(
                        "推荐单位“{unit}”已登记为“{}”渠道，而本行为“{}” (the unit is registered under another channel; one channel per unit)",
                        known.name_zh(),
                        channel.name_zh()
                    ),
                );
                return;
            }
        }
        if let Some((_, old_ty)) = self.bases.get(code.as_str()) {
            if *old_ty != ty {
                // Changing the type would silently change which tasks apply
                // to every year already reported.
                let header = self.cell(cells, Field::BaseType).map(|c| c.1);
                self.problem(
                    Some(row),
                    header,
                    format!(
                        "基地 {code} 已登记为{}，导入不能将其改为{} (an import cannot change a base's type)",
                        old_ty.name_zh(),
                        ty.name_zh()
                    ),
                );
                return;
            }
        }
        if !self.writing() {
            // Keep validating later rows against this file's own register.
            self.bases
                .entry(code.as_str().to_string())
                .or_insert((-1, ty));
            self.units.entry(unit).or_insert((-1, channel));
            return;
        }
        let unit_id = match self.units.get(unit.as_str()).map(|u| u.0) {
            Some(id) => id,
            None => {
                let Some(db) = self.db() else { return };
                match db::units::find_or_create(db, &unit, channel) {
                    Ok(id) => {
                        self.units.insert(unit.clone(), (id, channel));
                        id
                    }
                    Err(e) => return self.fail(e),
                }
            }
        };
        let input = db::bases::BaseInput {
            code: code.as_str().to_string(),
            name,
            base_type: ty,
            host_unit: host,
            credit_code: credit.as_str().to_string(),
            channel,
            unit_id,
            city,
            recognised_on: recognised,
            email: email.as_str().to_string(),
        };
        let by = self.opts.by.clone();
        let Some(db) = self.db() else { return };
        let upserted = db::bases::upsert(db, &input, &by)
            .and_then(|u| Ok((u, db::bases::find_by_code(db, code.as_str())?)));
        match upserted {
            Ok((u, found)) => {
                match u {
                    db::bases::Upsert::Created => self.report.bases_created += 1,
                    db::bases::Upsert::Updated => self.report.bases_updated += 1,
                    db::bases::Upsert::Unchanged => self.report.bases_unchanged += 1,
                }
                if let Some(b) = found {
                    self.bases.insert(b.code, (b.id, ty));
                }
            }
            Err(e) => self.fail(e),
        }
    }

    /// Look up a base code cell; a problem if it is unknown.
    fn base(&mut self, row: u64, cells: &[String]) -> Option<(i64, BaseType, String)> {
        let code = self.req(row, cells, Field::BaseCode, BaseCode::parse)?;
        match self.bases.get(code.as_str()) {
            Some((id, ty)) => Some((*id, *ty, code.as_str().to_string())),
            None => {
                let header = self.cell(cells, Field::BaseCode).map(|c| c.1);
                self.problem(
                    Some(row),
                    header,
                    format!("基地编号 {code} 未登记，请先导入基地名册 (unknown base code; import the register first)"),
                );
                None
            }
        }
    }

    fn required_by(&self, ty: BaseType, ind: Indicator) -> bool {
        self.rulebook.targets(ty).iter().any(|(i, _)| *i == ind)
    }

    fn counts_row(&mut self, row: u64, cells: &[String]) {
        let base = self.base(row, cells);
        let today = self.opts.today;
        let year = self.req(row, cells, Field::Year, |s| {
            Year::parse(s).map_err(|e| e.to_string()).and_then(|y| {
                if y.value() > today.year() {
                    Err(format!(
                        "年度 {} 尚未开始 (the year has not begun)",
                        y.value()
                    ))
                } else {
                    Ok(y.value())
                }
            })
        });
        let as_of = match self.cell(cells, Field::AsOf) {
            Some((v, header)) if !text::is_blank(v) => match parse_date(v) {
                Ok(d) => Some((Some(d), header)),
                Err(e) => {
                    self.problem(Some(row), Some(header), e.to_string());
                    return;
                }
            },
            Some((_, header)) => Some((None, header)),
            None => Some((None, Arc::from(""))),
        };
        let mut values = Vec::new();
        let mut bad = false;
        let columns: Vec<(Indicator, usize, Arc<str>)> = match &self.sheet {
            Some(s) => s
                .fields
                .iter()
                .enumerate()
                .filter_map(|(i, f)| match f {
                    Some(Field::Value(ind)) => Some((*ind, i, s.headers[i].clone())),
                    _ => None,
                })
                .collect(),
            None => Vec::new(),
        };
        for (ind, i, header) in columns {
            let raw = cells.get(i).map(String::as_str).unwrap_or("");
            match parse_count(raw) {
                Ok(None) => {}
                Ok(Some(v)) => {
                    if let Some((_, ty, _)) = &base {
                        if !self.required_by(*ty, ind) {
                            self.problem(
                                Some(row),
                                Some(header),
                                format!(
                                    "{}不考核“{}”，此处应留空 (not an indicator of this base type; leave it empty)",
                                    ty.name_zh(),
                                    ind.name_zh()
                                ),
                            );
                            bad = true;
                            continue;
                        }
                    }
                    values.push((ind, i64::from(v)));
                }
                Err(e) => {
                    self.problem(Some(row), Some(header), e.to_string());
                    bad = true;
                }
            }
        }
        let (Some((base_id, _, code)), Some(year), Some((as_of, as_of_header))) =
            (base, year, as_of)
        else {
            return;
        };
        if bad {
            return;
        }
        let year_start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
        let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today);
        let as_of = match as_of {
            Some(d) if d < year_start || d > today => {
                self.problem(
                    Some(row),
                    Some(as_of_header),
                    format!("截至日期 {d} 应在 {year} 年内且不晚于今天 (the as-of date must fall in the year and not in the future)"),
                );
                return;
            }
            Some(d) => d.min(year_end),
            None => today.min(year_end),
        };
        if let Some(first) = self.seen_years.insert((code.clone(), year), row) {
            let header = self.cell(cells, Field::Year).map(|c| c.1);
            self.problem(
                Some(row),
                header,
                format!("基地 {code} 的 {year} 年度数据与第 {first} 行重复 (the same base and year appear twice, first on row {first})"),
            );
            return;
        }
        self.report.declarations += 1;
        if self.writing() {
            self.counts.push(db::counts::Declaration {
                base_id,
                year,
                as_of,
                values,
            });
            if self.counts.len() >= COUNT_BATCH {
                self.flush_counts();
            }
        }
    }

    fn records_row(&mut self, row: u64, cells: &[String]) {
        let base = self.base(row, cells);
        let indicator = self.req(row, cells, Field::Indicator, Indicator::parse);
        let today = self.opts.today;
        let date = self.req(row, cells, Field::Date, |s| {
            parse_date(s).map_err(|e| e.to_string()).and_then(|d| {
                if d > today {
                    Err(format!("日期 {d} 晚于今天 (the date is in the future)"))
                } else {
                    Ok(d)
                }
            })
        });
        let quantity = match self.cell(cells, Field::Quantity) {
            None => Some(1),
            Some((v, header)) => match parse_count(v) {
                Ok(None) => Some(1),
                Ok(Some(0)) => {
                    self.problem(
                        Some(row),
                        Some(header),
                        "数量应为正整数 (quantity must be at least 1)".into(),
                    );
                    None
                }
                Ok(Some(n)) => Some(i64::from(n)),
                Err(e) => {
                    self.problem(Some(row), Some(header), e.to_string());
                    None
                }
            },
        };
        let title = self.req(row, cells, Field::Title, |s| Ok::<_, String>(text::tidy(s)));
        let url = match self.cell(cells, Field::EvidenceUrl) {
            None => Some(String::new()),
            Some((v, header)) => {
                let v = text::normalize(v);
                if v.is_empty() || v.starts_with("http://") || v.starts_with("https://") {
                    Some(v)
                } else {
                    self.problem(
                        Some(row),
                        Some(header),
                        format!("佐证链接“{v}”应以 http:// 或 https:// 开头 (evidence link must be a web address)"),
                    );
                    None
                }
            }
        };
        let external = self
            .cell(cells, Field::ExternalId)
            .map(|(v, _)| text::normalize(v))
            .filter(|v| !v.is_empty());
        let (Some((base_id, ty, _)), Some(ind), Some(date), Some(quantity), Some(title), Some(url)) =
            (base, indicator, date, quantity, title, url)
        else {
            return;
        };
        if !self.required_by(ty, ind) {
            let header = self.cell(cells, Field::Indicator).map(|c| c.1);
            self.problem(
                Some(row),
                header,
                format!(
                    "{}不考核“{}” (not an indicator of this base type)",
                    ty.name_zh(),
                    ind.name_zh()
                ),
            );
            return;
        }
        if !self.writing() {
            return;
        }
        let record_key = match &external {
            Some(x) => format!("x:{x}"),
            None => content_key(ind, date, quantity, &title, &url),
        };
        // The same activity twice in one batch is caught here; across
        // batches the database's unique key catches it.
        if let Some(first) = self.batch_keys.insert((base_id, record_key.clone()), row) {
            self.problem(
                Some(row),
                None,
                format!("与第 {first} 行是同一活动（外部编号或内容相同），不能重复计数 (repeats row {first})"),
            );
            return;
        }
        self.records.push(db::records::NewRecord {
            base_id,
            indicator: ind,
            occurred_on: date,
            year: date.year(),
            quantity,
            title,
            evidence_url: url,
            external_id: external,
            record_key,
            import_id: self.import_id,
        });
        self.record_rows.push(row);
        if self.records.len() >= RECORD_BATCH {
            self.flush_records();
        }
    }
}

/// The key of a record without an 外部编号: a digest of what it says.
/// Stored keys must keep matching, so these bytes never change; they are
/// written without an allocation per part.
fn content_key(
    ind: Indicator,
    date: chrono::NaiveDate,
    quantity: i64,
    title: &str,
    url: &str,
) -> String {
    let mut h = Sha256::new();
    let mut num = [0u8; 24];
    let mut put = |h: &mut Sha256, args: std::fmt::Arguments| {
        let mut w = &mut num[..];
        let _ = std::io::Write::write_fmt(&mut w, args);
        let used = 24 - w.len();
        h.update(&num[..used]);
        h.update([0u8]);
    };
    h.update(ind.id().as_bytes());
    h.update([0u8]);
    put(&mut h, format_args!("{date}"));
    put(&mut h, format_args!("{quantity}"));
    for part in [title, url] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    let mut key = String::with_capacity(34);
    key.push_str("h:");
    super::push_hex(&mut key, &digest[..16]);
    key
}

impl Sink for Processor<'_, '_> {
    fn header(&mut self, sheet: &str, row: u64, cells: &[String]) {
        // Finish the previous sheet's batches before the next template starts.
        self.flush_counts();
        self.flush_records();
        // Its outcome belongs to the sheet it came from.
        self.settle();
        let fields: Vec<Option<Field>> = cells.iter().map(|h| Field::from_header(h)).collect();
        let template = detect(&fields);
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
        let Some(t) = template else {
            self.problem(
                header_row,
                None,
                "表头无法识别：应为基地名册（基地编号、基地名称、基地类型……）、年度指标表（基地编号、年度、各项指标）或活动明细（基地编号、指标、日期……）之一 (unrecognised header: not one of the three templates)".into(),
            );
            return;
        };
        let allowed: Vec<Field> = t.columns().iter().map(|c| c.0).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_content_key_is_the_digest_earlier_versions_stored() {
        let date = chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        let ind = Indicator::ALL[0];
        // How keys were made before: every part formatted, then hashed.
        let mut h = Sha256::new();
        for part in [
            ind.id(),
            &date.to_string(),
            &12345.to_string(),
            "科普讲座",
            "https://e.example.org/x",
        ] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let old: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            content_key(ind, date, 12345, "科普讲座", "https://e.example.org/x"),
            format!("h:{}", &old[..32])
        );
    }

    #[test]
    fn blank_means_what_normalizing_to_nothing_meant() {
        for s in [
            "",
            " ",
            "\u{3000}",
            "\u{feff} \t",
            "\u{feff}",
            "a",
            " x ",
            "\u{ff21}",
        ] {
            assert_eq!(text::is_blank(s), text::normalize(s).is_empty(), "{s:?}");
        }
    }
}
