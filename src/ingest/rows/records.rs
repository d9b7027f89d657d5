//! An activity-records row (活动明细): one record, keyed by its 外部编号 or its content.

use super::*;

impl Processor<'_, '_> {
    pub(super) fn records_row(&mut self, row: u64, cells: &[String]) {
        if let Some(own) = &self.opts.own {
            let given = self.cell(cells, Field::BaseCode);
            let other = given.and_then(|(c, header)| match BaseCode::parse(c) {
                Ok(code) if code.as_str() != own.code => Some((code, header)),
                _ => None,
            });
            if let Some((code, header)) = other {
                let reason = format!(
                    "基地编号“{}”不是贵基地（{}）：基地账号只能填报本基地的活动 (only your own base's rows)",
                    code.as_str(),
                    own.code
                );
                self.problem(Some(row), Some(header), reason);
                return;
            }
        }
        let base = self.base(row, cells);
        let indicator = self.req(row, cells, Field::Indicator, Indicator::parse);
        let today = self.opts.today;
        let confirmed = Arc::clone(&self.confirmed_years);
        let date = self.req(row, cells, Field::Date, |s| {
            parse_date(s).map_err(|e| e.to_string()).and_then(|d| {
                if confirmed.contains(&d.year()) {
                    Err(Processor::confirmed_message(d.year()))
                } else if d > today {
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
        if self.opts.own.as_ref().is_some_and(|o| o.pending) {
            self.entries.push(db::submissions::Entry {
                indicator: ind,
                occurred_on: date,
                quantity,
                title,
                evidence_url: url,
                partner: String::new(),
            });
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
pub(crate) fn content_key(
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
    crate::push_hex(&mut key, &digest[..16]);
    key
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
