//! A yearly-counts row (年度指标表): one base's declared values for a year.

use super::*;

impl Processor<'_, '_> {
    /// Look up a base code cell; a problem if it is unknown.
    pub(super) fn base(&mut self, row: u64, cells: &[String]) -> Option<(i64, BaseType, String)> {
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

    pub(super) fn required_by(&self, ty: BaseType, ind: Indicator) -> bool {
        self.rulebook.targets(ty).iter().any(|(i, _)| *i == ind)
    }

    pub(super) fn counts_row(&mut self, row: u64, cells: &[String]) {
        let base = self.base(row, cells);
        let today = self.opts.today;
        let confirmed = Arc::clone(&self.confirmed_years);
        let year = self.req(row, cells, Field::Year, |s| {
            Year::parse(s).map_err(|e| e.to_string()).and_then(|y| {
                if confirmed.contains(&y.value()) {
                    Err(Processor::confirmed_message(y.value()))
                } else if y.value() > today.year() {
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
}
