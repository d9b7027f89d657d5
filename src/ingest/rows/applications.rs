//! A row of the 认定申请表 (第九条): one application, its figures parsed by
//! the kind of the rulebook's condition, filed in the import's transaction
//! under the same rules as the API's (`recognition::admissible`).

use super::*;
use crate::recognition::{self, Filer, Filing, Part};
use crate::rules::ConditionKind;

/// Longest text of a condition the experts judge.
const MAX_TEXT: usize = 2000;

impl Processor<'_, '_> {
    pub(super) fn applications_row(&mut self, row: u64, cells: &[String]) {
        let today = self.opts.today;
        let host = self.req(row, cells, Field::HostUnit, |s| {
            let t = text::tidy(s);
            if t.chars().count() > 100 {
                Err("依托单位名称不超过 100 字 (host: at most 100 characters)".to_string())
            } else {
                Ok(t)
            }
        });
        let credit = self.req(row, cells, Field::CreditCode, CreditCode::parse);
        let ty = self.req(row, cells, Field::BaseType, BaseType::parse);
        let channel = self.req(row, cells, Field::Channel, Channel::parse);
        let unit = self.req(row, cells, Field::Unit, |s| Ok::<_, String>(text::tidy(s)));
        let city = self.req(row, cells, Field::City, City::parse);
        let registered = self.req(row, cells, Field::RegisteredOn, |s| {
            parse_date(s).map_err(|e| e.to_string()).and_then(|d| {
                if d > today {
                    Err(format!(
                        "注册日期 {d} 晚于今天 (the registration date is in the future)"
                    ))
                } else {
                    Ok(d)
                }
            })
        });
        let year = match self.cell(cells, Field::Year) {
            Some((v, _)) if !text::is_blank(v) => self.req(row, cells, Field::Year, |s| {
                Year::parse(s).map(|y| y.value())
            }),
            _ => Some(today.year()),
        };
        let figures = ty.and_then(|ty| self.figures(row, cells, ty));
        let (
            Some(host),
            Some(credit),
            Some(ty),
            Some(channel),
            Some(unit),
            Some(city),
            Some(registered),
            Some(year),
            Some(figures),
        ) = (
            host, credit, ty, channel, unit, city, registered, year, figures,
        )
        else {
            return;
        };
        let credit_header = self.cell(cells, Field::CreditCode).map(|c| c.1);
        let key = (credit.as_str().to_string(), ty, year);
        if let Some(first) = self.seen_applications.insert(key, row) {
            self.problem(
                Some(row),
                credit_header,
                format!(
                    "与第 {first} 行是同一依托单位、同一类型的申请：同一创新基地只能选择一个渠道推荐（第八条）(repeats row {first})"
                ),
            );
            return;
        }
        let filing = Filing {
            year,
            host,
            credit,
            base_type: ty,
            channel,
            unit_name: unit,
            city,
            registered_on: Some(registered),
            figures,
            reach_override: None,
        };
        let opts = self.opts;
        let filer = Filer {
            unit: opts.unit,
            by: &opts.by,
        };
        let writing = self.writing();
        let Some(db) = self.db() else { return };
        let filed = recognition::admissible(db, filer, &filing, today).and_then(|unit_id| {
            if !writing {
                return Ok(true);
            }
            let id = recognition::insert(db, filer, &filing, unit_id).map_err(|e| (None, e))?;
            Ok(id.is_some())
        });
        match filed {
            Ok(true) => {
                if writing {
                    self.report.applications_filed += 1;
                }
            }
            Ok(false) => self.problem(Some(row), credit_header, recognition::one_channel(year, ty)),
            Err((part, e)) => match e {
                AppError::Invalid(m) | AppError::Conflict(m) | AppError::Forbidden(m) => {
                    let field = match part {
                        Some(Part::Year) => Field::Year,
                        Some(Part::CreditCode) | None => Field::CreditCode,
                        Some(Part::Channel) => Field::Channel,
                        Some(Part::Unit) => Field::Unit,
                        Some(Part::City) => Field::City,
                    };
                    let header = self
                        .cell(cells, field)
                        .map(|c| c.1)
                        .or_else(|| Some(Arc::from(field.header_zh())));
                    self.problem(Some(row), header, m);
                }
                other => self.fail(other),
            },
        }
    }

    /// The figure columns of a row for an application of type `ty`, keyed
    /// by condition id; `None` (with the problems recorded) if one is bad.
    fn figures(
        &mut self,
        row: u64,
        cells: &[String],
        ty: BaseType,
    ) -> Option<serde_json::Map<String, serde_json::Value>> {
        let rulebook = self.rulebook;
        let mut columns: Vec<(u16, usize)> = self
            .sheet
            .as_ref()?
            .index
            .iter()
            .filter_map(|(f, i)| match f {
                Field::Figure(k) => Some((*k, *i)),
                _ => None,
            })
            .collect();
        columns.sort_unstable();
        let mut out = serde_json::Map::new();
        let mut ok = true;
        for (k, _) in columns {
            let Some(c) = rulebook.application.get(usize::from(k)) else {
                continue;
            };
            let Some((value, header)) = self.cell(cells, Field::Figure(k)) else {
                continue;
            };
            if text::is_blank(value) {
                continue;
            }
            if c.value_for(ty).is_none() {
                ok = false;
                self.problem(
                    Some(row),
                    Some(header),
                    format!(
                        "{}不适用这一条件，请留空 (this condition is not one of the type's)",
                        ty.name_zh()
                    ),
                );
                continue;
            }
            match figure(c.kind, value) {
                Ok(v) => {
                    out.insert(c.id.clone(), v);
                }
                Err(reason) => {
                    ok = false;
                    self.problem(Some(row), Some(header), reason);
                }
            }
        }
        ok.then_some(out)
    }
}

/// A figure cell as the condition's kind reads it.
fn figure(kind: ConditionKind, value: &str) -> Result<serde_json::Value, String> {
    let v = text::compact(value);
    match kind {
        ConditionKind::Min => {
            let n: f64 = v
                .replace(',', "")
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite() && *n >= 0.0 && *n < 1e12)
                .ok_or_else(|| format!("“{v}”不是非负数字 (not a non-negative number)"))?;
            Ok(if n.fract() == 0.0 {
                serde_json::Value::from(n as i64)
            } else {
                serde_json::Value::from(n)
            })
        }
        ConditionKind::ShareMin | ConditionKind::ShareOver => {
            let bad = || format!("“{v}”不是比例：请写成 80% 或 0.8 (a share: 80% or 0.8)");
            let x = match v.strip_suffix('%') {
                Some(p) => p.parse::<f64>().map_err(|_| bad())? / 100.0,
                None => v.parse::<f64>().map_err(|_| bad())?,
            };
            if !(0.0..=1.0).contains(&x) {
                return Err(bad());
            }
            Ok(serde_json::Value::from(x))
        }
        ConditionKind::Required => match v.to_lowercase().as_str() {
            "是" | "有" | "具备" | "符合" | "√" | "y" | "yes" | "true" | "1" => {
                Ok(true.into())
            }
            "否" | "无" | "不具备" | "不符合" | "×" | "n" | "no" | "false" | "0" => {
                Ok(false.into())
            }
            _ => Err(format!("“{v}”应为“是”或“否” (yes or no)")),
        },
        ConditionKind::Judgement => {
            let t = text::tidy(value);
            if t.chars().count() > MAX_TEXT {
                return Err(format!(
                    "不超过 {MAX_TEXT} 字 (at most {MAX_TEXT} characters)"
                ));
            }
            Ok(t.into())
        }
        ConditionKind::YearsSince => {
            Err("注册日期请填在“注册日期”列 (use the 注册日期 column)".into())
        }
    }
}
