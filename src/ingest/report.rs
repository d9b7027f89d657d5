//! The import report: what a file contained, what it changed, and every
//! problem found, located by file, sheet, row and column.

use std::fmt;

use serde::Serialize;

use super::source::Format;
use super::template::Template;

/// At most this many problems are listed; the rest are counted.
pub const MAX_LISTED: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Still being read (never stored as a final outcome).
    Pending,
    Accepted,
    /// Refused whole: nothing was written.
    Rejected,
    /// The same file (same digest) was accepted before: nothing to do.
    AlreadyImported,
}

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    pub sheet: String,
    /// Row as a person sees it (the header is row 1 of a CSV).
    pub row: Option<u64>,
    /// The column's header as written in the file.
    pub column: Option<String>,
    /// Chinese first, English in brackets.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "文件 {}，工作表 {}", self.file, self.sheet)?;
        if let Some(r) = self.row {
            write!(f, "，第 {r} 行")?;
        }
        if let Some(c) = &self.column {
            write!(f, "，列“{c}”")?;
        }
        write!(f, "：{}", self.reason)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SheetReport {
    pub name: String,
    pub template: Option<Template>,
    pub rows: u64,
}

/// A sheet left out of an import, and why (Chinese first).
#[derive(Debug, Clone, Serialize)]
pub struct SkippedSheet {
    pub name: String,
    pub note: String,
}

/// Everything an import did or would have done.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub file: String,
    pub digest: String,
    pub format: Format,
    pub outcome: Outcome,
    /// The ledger row of this import (or of the earlier one, when already imported).
    pub import_id: Option<i64>,
    pub sheets: Vec<SheetReport>,
    /// Sheets that are not templates (instructions beside the data).
    pub skipped_sheets: Vec<SkippedSheet>,
    pub rows: u64,
    pub bases_created: u64,
    pub bases_updated: u64,
    pub bases_unchanged: u64,
    pub declarations: u64,
    pub declared_values_changed: u64,
    pub records_inserted: u64,
    pub records_updated: u64,
    pub records_unchanged: u64,
    /// Rows a base uploaded that wait for its unit's review (待审核).
    #[serde(default)]
    pub records_pending: u64,
    /// Applications filed in the recognition round (认定申请表).
    #[serde(default)]
    pub applications_filed: u64,
    pub problems: Vec<Problem>,
    pub problem_total: u64,
    pub stored_path: Option<String>,
}

impl Report {
    pub fn new(file: &str, digest: &str, format: Format) -> Report {
        Report {
            file: file.to_string(),
            digest: digest.to_string(),
            format,
            outcome: Outcome::Pending,
            import_id: None,
            sheets: Vec::new(),
            skipped_sheets: Vec::new(),
            rows: 0,
            bases_created: 0,
            bases_updated: 0,
            bases_unchanged: 0,
            declarations: 0,
            declared_values_changed: 0,
            records_inserted: 0,
            records_updated: 0,
            records_unchanged: 0,
            records_pending: 0,
            applications_filed: 0,
            problems: Vec::new(),
            problem_total: 0,
            stored_path: None,
        }
    }

    pub fn push_problem(&mut self, p: Problem) {
        self.problem_total += 1;
        if self.problems.len() < MAX_LISTED {
            self.problems.push(p);
        }
    }

    /// Template ids of the sheets, comma-separated.
    pub fn templates(&self) -> String {
        let mut v: Vec<&str> = self
            .sheets
            .iter()
            .filter_map(|s| s.template.map(|t| t.id()))
            .collect();
        v.dedup();
        v.join(",")
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }

    /// The report for people, in Chinese.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let outcome = match self.outcome {
            Outcome::Pending => "处理中 (pending)",
            Outcome::Accepted => "已导入 (accepted)",
            Outcome::Rejected => "已拒绝，数据库未作任何修改 (refused; the database is unchanged)",
            Outcome::AlreadyImported => {
                "此文件已导入过，未作修改 (already imported; nothing changed)"
            }
        };
        s.push_str(&format!(
            "文件 (file)：{}\n结果 (outcome)：{outcome}\n",
            self.file
        ));
        if let Some(id) = self.import_id {
            s.push_str(&format!("导入编号 (import id)：{id}\n"));
        }
        for sh in &self.sheets {
            s.push_str(&format!(
                "工作表 {}：{}，{} 行数据\n",
                sh.name,
                sh.template.map(|t| t.name_zh()).unwrap_or("无法识别"),
                sh.rows
            ));
        }
        for sh in &self.skipped_sheets {
            s.push_str(&format!("{}\n", sh.note));
        }
        if self.outcome == Outcome::Accepted {
            s.push_str(&format!(
                "基地：新增 {}，更新 {}，未变 {}\n年度填报：{} 行，数值变更 {} 处\n活动明细：新增 {}，更正 {}，重复未计 {}\n",
                self.bases_created,
                self.bases_updated,
                self.bases_unchanged,
                self.declarations,
                self.declared_values_changed,
                self.records_inserted,
                self.records_updated,
                self.records_unchanged
            ));
            if self.applications_filed > 0 {
                s.push_str(&format!(
                    "认定申请：{} 份（待形式审查）\n",
                    self.applications_filed
                ));
            }
            if self.records_pending > 0 {
                s.push_str(&format!(
                    "待审核：{} 条（推荐单位审核通过后计入考核）\n",
                    self.records_pending
                ));
            }
        }
        if self.problem_total > 0 {
            s.push_str(&format!("问题 (problems)：共 {} 处\n", self.problem_total));
            for p in &self.problems {
                s.push_str(&format!("  - {p}\n"));
            }
            if self.problem_total as usize > self.problems.len() {
                s.push_str(&format!(
                    "  …… 另有 {} 处未列出 (more not listed)\n",
                    self.problem_total as usize - self.problems.len()
                ));
            }
        }
        if let Some(p) = &self.stored_path {
            s.push_str(&format!("文件已保存 (file kept at)：{p}\n"));
        }
        s
    }
}
