//! What an email says, typed: one struct per reason, each rendered by three
//! templates checked at compile time (`templates/<reason>/subject.txt`,
//! `body.txt`, `body.html`; the HTML escapes every value), and the key that
//! makes each message be queued once.

use std::fmt;

use askama::Template;
use chrono::NaiveDate;

use crate::db::bases::Base;
use crate::error::{AppError, AppResult};

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    EarlyWarning,
    DeadlineReminder,
    Rectification,
    Decision,
    ReviewReminder,
    Digest,
}

impl Reason {
    pub fn id(self) -> &'static str {
        match self {
            Reason::EarlyWarning => "early_warning",
            Reason::DeadlineReminder => "deadline_reminder",
            Reason::Rectification => "rectification",
            Reason::Decision => "decision",
            Reason::ReviewReminder => "review_reminder",
            Reason::Digest => "digest",
        }
    }
}

/// A list as plain text: one bulleted line per item, or （无）.
fn bullets(items: &[String]) -> String {
    if items.is_empty() {
        return "  （无）".into();
    }
    items
        .iter()
        .map(|i| format!("  · {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// 预警: a base behind on this year's tasks, ahead of the evaluation.
#[derive(Debug, Clone)]
pub struct EarlyWarning {
    pub base_name: String,
    pub base_code: String,
    pub year: i32,
    pub as_of: NaiveDate,
    /// One sentence per indicator at risk.
    pub items: Vec<String>,
    pub period_end: NaiveDate,
    pub days_left: i64,
    pub evaluation_date: NaiveDate,
    /// Days before the period ends that this stage stands for.
    pub stage: u32,
    /// The chart of the base's indicators (PNG).
    pub chart_png: Vec<u8>,
    /// The base's scorecard (`public_url` + path), empty when not configured.
    pub link: String,
    /// True when the recommending unit is copied.
    pub copied: bool,
}

/// A deadline coming (annual plan and summary, end of the cycle).
#[derive(Debug, Clone)]
pub struct DeadlineReminder {
    pub base_name: String,
    pub base_code: String,
    /// The deadline's name (报送年度计划和上一年度工作总结).
    pub deadline: String,
    pub date: NaiveDate,
    pub days_left: i64,
    /// What to do, in the words of the 办法.
    pub what: String,
    pub stage: u32,
    pub link: String,
    pub copied: bool,
}

/// 责令限期整改: the order, or a reminder of its deadline.
#[derive(Debug, Clone)]
pub struct Rectification {
    pub base_name: String,
    pub base_code: String,
    pub headline: String,
    pub year: i32,
    /// What the order is for, as the heading of `items`: a failed year's
    /// tasks (第十条) or documents not submitted (第十四条(四)).
    pub grounds: String,
    /// What the base fell short of, in the words of 第十条.
    pub items: Vec<String>,
    pub deadline: NaiveDate,
    pub days_left: i64,
    pub link: String,
    pub copied: bool,
}

/// A decision of staff about a base (第十六–十七条): a rectification
/// passed, revoked or extended; an acceptance passed or failed; a lapse.
#[derive(Debug, Clone)]
pub struct Decision {
    pub base_name: String,
    pub base_code: String,
    /// 整改复核结果：整改合格, 验收结果：验收合格, …
    pub headline: String,
    /// What follows for the base, in a sentence.
    pub what: String,
    /// Staff's reason or opinion (may be empty).
    pub reason: String,
    /// A new deadline (an extension).
    pub deadline: Option<NaiveDate>,
    /// 第十六条, 第十七条.
    pub article: &'static str,
    /// The recipient's page (`public_url` + path), empty when not configured.
    pub link: String,
    /// True when the recommending unit is copied.
    pub copied: bool,
}

/// A unit's daily note of the records its bases entered that wait for its review.
#[derive(Debug, Clone)]
pub struct ReviewReminder {
    pub unit_name: String,
    pub as_of: NaiveDate,
    pub total: i64,
    /// One line per base: 名称（编号）：N 条.
    pub items: Vec<String>,
    /// The review page under `public_url`, empty when not configured.
    pub link: String,
}

impl ReviewReminder {
    fn items_text(&self) -> String {
        bullets(&self.items)
    }
}

/// The weekly digest of a scope (the province, or one recommending unit).
#[derive(Debug, Clone)]
pub struct Digest {
    pub scope_name: String,
    pub week: String,
    pub as_of: NaiveDate,
    pub year: i32,
    pub last_year: i32,
    pub failed: Vec<String>,
    pub risks: Vec<String>,
    pub deadlines: Vec<String>,
    pub undelivered: Vec<String>,
    /// Plans, summaries and rectification reports past their due date (第十四条(四)).
    pub overdue_documents: Vec<String>,
    /// The recipient's overview under `public_url`, empty when not configured.
    pub link: String,
}

impl EarlyWarning {
    fn items_text(&self) -> String {
        bullets(&self.items)
    }
}

impl Rectification {
    fn items_text(&self) -> String {
        bullets(&self.items)
    }
}

impl Digest {
    fn failed_text(&self) -> String {
        bullets(&self.failed)
    }
    fn risks_text(&self) -> String {
        bullets(&self.risks)
    }
    fn deadlines_text(&self) -> String {
        bullets(&self.deadlines)
    }
    fn undelivered_text(&self) -> String {
        bullets(&self.undelivered)
    }
    fn overdue_documents_text(&self) -> String {
        bullets(&self.overdue_documents)
    }
}

/// The three templates of one notice.
macro_rules! templates {
    ($notice:ty, $subject:ident = $s:literal, $text:ident = $t:literal, $html:ident = $h:literal) => {
        #[derive(Template)]
        #[template(path = $s)]
        struct $subject<'a> {
            n: &'a $notice,
        }
        #[derive(Template)]
        #[template(path = $t)]
        struct $text<'a> {
            n: &'a $notice,
        }
        #[derive(Template)]
        #[template(path = $h)]
        struct $html<'a> {
            n: &'a $notice,
        }
    };
}

templates!(
    EarlyWarning,
    EwSubject = "early_warning/subject.txt",
    EwText = "early_warning/body.txt",
    EwHtml = "early_warning/body.html"
);
templates!(
    DeadlineReminder,
    DrSubject = "deadline_reminder/subject.txt",
    DrText = "deadline_reminder/body.txt",
    DrHtml = "deadline_reminder/body.html"
);
templates!(
    Rectification,
    RcSubject = "rectification/subject.txt",
    RcText = "rectification/body.txt",
    RcHtml = "rectification/body.html"
);
templates!(
    Decision,
    DcSubject = "decision/subject.txt",
    DcText = "decision/body.txt",
    DcHtml = "decision/body.html"
);
templates!(
    ReviewReminder,
    RrSubject = "review_reminder/subject.txt",
    RrText = "review_reminder/body.txt",
    RrHtml = "review_reminder/body.html"
);
templates!(
    Digest,
    DgSubject = "digest/subject.txt",
    DgText = "digest/body.txt",
    DgHtml = "digest/body.html"
);

/// A message to queue.
#[derive(Debug, Clone)]
pub enum Notice {
    EarlyWarning(EarlyWarning),
    DeadlineReminder(DeadlineReminder),
    Rectification(Rectification),
    Decision(Decision),
    ReviewReminder(ReviewReminder),
    Digest(Digest),
}

/// A notice as sent: subject, plain text, HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Notice {
    pub fn reason(&self) -> Reason {
        match self {
            Notice::EarlyWarning(_) => Reason::EarlyWarning,
            Notice::DeadlineReminder(_) => Reason::DeadlineReminder,
            Notice::Rectification(_) => Reason::Rectification,
            Notice::Decision(_) => Reason::Decision,
            Notice::ReviewReminder(_) => Reason::ReviewReminder,
            Notice::Digest(_) => Reason::Digest,
        }
    }

    /// The file attached to the message, if any (the early warning's chart).
    pub fn attachment(&self) -> Option<&[u8]> {
        match self {
            Notice::EarlyWarning(n) => Some(&n.chart_png),
            _ => None,
        }
    }

    pub fn render(&self) -> AppResult<Rendered> {
        let r = match self {
            Notice::EarlyWarning(n) => (
                EwSubject { n }.render(),
                EwText { n }.render(),
                EwHtml { n }.render(),
            ),
            Notice::DeadlineReminder(n) => (
                DrSubject { n }.render(),
                DrText { n }.render(),
                DrHtml { n }.render(),
            ),
            Notice::Rectification(n) => (
                RcSubject { n }.render(),
                RcText { n }.render(),
                RcHtml { n }.render(),
            ),
            Notice::Decision(n) => (
                DcSubject { n }.render(),
                DcText { n }.render(),
                DcHtml { n }.render(),
            ),
            Notice::ReviewReminder(n) => (
                RrSubject { n }.render(),
                RrText { n }.render(),
                RrHtml { n }.render(),
            ),
            Notice::Digest(n) => (
                DgSubject { n }.render(),
                DgText { n }.render(),
                DgHtml { n }.render(),
            ),
        };
        let bad = |e: askama::Error| AppError::Compute(format!("邮件模板 (mail template): {e}"));
        Ok(Rendered {
            subject: r.0.map_err(bad)?.trim().to_string(),
            text: r.1.map_err(bad)?,
            html: r.2.map_err(bad)?,
        })
    }
}

/// Why this message and no other: the same key is queued once, however
/// often a job runs.
#[derive(Debug, Clone, Copy)]
pub enum DedupeKey<'a> {
    /// A base's early warning of `year` at one stage (days before the end).
    EarlyWarning {
        base: &'a Base,
        year: i32,
        stage: u32,
    },
    /// A deadline reminder: the deadline's kind (`AnnualReport`, `CycleEnd`),
    /// its date and the stage.
    Deadline {
        base: &'a Base,
        kind: &'a str,
        date: NaiveDate,
        stage: u32,
    },
    /// The order to rectify for `year`'s failure.
    RectificationNotice { base: &'a Base, year: i32 },
    /// A reminder of that order's deadline.
    RectificationReminder {
        base: &'a Base,
        year: i32,
        stage: u32,
    },
    /// A scope's weekly digest (`province`, `unit-7`) in ISO week `week`.
    Digest { scope: &'a str, week: &'a str },
    /// A staff decision about a base: its kind (`rectification-passed`,
    /// `acceptance-failed`, …) and the record it decides (order id, or the
    /// cycle's end date as a number).
    Decision {
        base: &'a Base,
        kind: &'a str,
        of: i64,
    },
    /// A unit's note of records waiting for review (`unit-7`), once a day.
    ReviewReminder { scope: &'a str, day: NaiveDate },
}

impl DedupeKey<'_> {
    /// The base the message is about, if one.
    pub fn base_id(&self) -> Option<i64> {
        match self {
            DedupeKey::EarlyWarning { base, .. }
            | DedupeKey::Deadline { base, .. }
            | DedupeKey::RectificationNotice { base, .. }
            | DedupeKey::RectificationReminder { base, .. }
            | DedupeKey::Decision { base, .. } => Some(base.id),
            DedupeKey::Digest { .. } | DedupeKey::ReviewReminder { .. } => None,
        }
    }
}

impl fmt::Display for DedupeKey<'_> {
    /// The stored key (unchanged from the first releases, so that messages
    /// already queued are not queued again).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DedupeKey::EarlyWarning { base, year, stage } => {
                write!(f, "early_warning|{}|{year}|{stage}", base.code)
            }
            DedupeKey::Deadline {
                base,
                kind,
                date,
                stage,
            } => write!(f, "deadline|{kind}|{}|{date}|{stage}", base.code),
            DedupeKey::RectificationNotice { base, year } => {
                write!(f, "rectification|{}|{year}|notice", base.code)
            }
            DedupeKey::RectificationReminder { base, year, stage } => {
                write!(f, "rectification|{}|{year}|reminder|{stage}", base.code)
            }
            DedupeKey::Digest { scope, week } => write!(f, "digest|{scope}|{week}"),
            DedupeKey::Decision { base, kind, of } => {
                write!(f, "decision|{}|{kind}|{of}", base.code)
            }
            DedupeKey::ReviewReminder { scope, day } => write!(f, "reviews|{scope}|{day}"),
        }
    }
}

/// Who receives a message: addresses, and those copied.
#[derive(Debug, Clone, Default)]
pub struct Recipients {
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Subject, text and HTML of a notice, as one snapshot.
    fn shown(n: &Notice) -> String {
        let r = n.render().unwrap();
        format!(
            "Subject: {}\n\n--- text ---\n{}\n--- html ---\n{}",
            r.subject, r.text, r.html
        )
    }

    #[test]
    fn the_early_warning_reads_as_sent() {
        let n = Notice::EarlyWarning(EarlyWarning {
            base_name: "郑州<某>创新基地".into(),
            base_code: "ZZ-001".into(),
            year: 2026,
            as_of: d("2026-11-01"),
            items: vec![
                "平台上传还差 7 条（进度落后）".into(),
                "“百会链千企”活动未填报，需 4 次（未填报）".into(),
            ],
            period_end: d("2026-12-31"),
            days_left: 60,
            evaluation_date: d("2027-01-15"),
            stage: 60,
            chart_png: vec![0x89, b'P', b'N', b'G'],
            link: "https://bw.example.org/bases/ZZ-001".into(),
            copied: true,
        });
        insta::assert_snapshot!(shown(&n));
        let html = n.render().unwrap().html;
        assert!(
            !html.contains("<某>") && html.contains("郑州&#60;某&#62;创新基地"),
            "HTML escapes every value"
        );
        assert_eq!(n.attachment().map(<[u8]>::len), Some(4));
    }

    #[test]
    fn the_deadline_reminder_reads_as_sent() {
        let n = Notice::DeadlineReminder(DeadlineReminder {
            base_name: "洛阳某基地".into(),
            base_code: "LY-002".into(),
            deadline: "报送年度计划和上一年度工作总结".into(),
            date: d("2027-01-31"),
            days_left: 7,
            what: "请向省科协报送本年度建设计划和上一年度工作总结（《办法》第十四条第四项）。"
                .into(),
            stage: 7,
            link: String::new(),
            copied: false,
        });
        insta::assert_snapshot!(shown(&n));
    }

    #[test]
    fn the_rectification_notice_reads_as_sent() {
        let n = Notice::Rectification(Rectification {
            base_name: "开封某基地".into(),
            base_code: "KF-003".into(),
            headline: "责令限期整改通知（2025 年度考核未达标）".into(),
            year: 2025,
            grounds: "贵基地 2025 年度考核未完成的任务（第十条）".into(),
            items: vec![
                "孵化科技创新创业项目不少于 3 项（第十条第（二）项）：已完成 1 项，尚差 2 项"
                    .into(),
            ],
            deadline: d("2026-04-20"),
            days_left: 90,
            link: "https://bw.example.org/bases/KF-003".into(),
            copied: true,
        });
        insta::assert_snapshot!(shown(&n));
    }

    #[test]
    fn a_decision_reads_as_sent_and_says_it_was_copied_only_when_it_was() {
        let mut d = Decision {
            base_name: "开封某基地".into(),
            base_code: "KF-003".into(),
            headline: "整改期限延长".into(),
            what: "整改期限延长一次，请在新的期限内完成整改。".into(),
            reason: "受疫情影响活动推迟".into(),
            deadline: Some(d("2026-06-30")),
            article: "第十六条",
            link: "https://bw.example.org/bases/KF-003".into(),
            copied: true,
        };
        insta::assert_snapshot!(shown(&Notice::Decision(d.clone())));
        d.copied = false;
        d.link.clear();
        let r = Notice::Decision(d).render().unwrap();
        assert!(
            !r.text.contains("抄送") && !r.html.contains("抄送"),
            "{}",
            r.text
        );
        assert!(!r.text.contains("查看基地记分卡"));
    }

    #[test]
    fn the_review_reminder_reads_as_sent() {
        let n = Notice::ReviewReminder(ReviewReminder {
            unit_name: "郑州市科协".into(),
            as_of: d("2026-12-02"),
            total: 3,
            items: vec!["郑州某基地（ZZ-001）：3 条".into()],
            link: "https://bw.example.org/reviews".into(),
        });
        insta::assert_snapshot!(shown(&n));
    }

    #[test]
    fn the_weekly_digest_reads_as_sent() {
        let n = Notice::Digest(Digest {
            scope_name: "郑州市科协".into(),
            week: "2026 年第 45 周".into(),
            as_of: d("2026-11-02"),
            year: 2026,
            last_year: 2025,
            failed: vec!["开封某基地（KF-003）".into()],
            risks: Vec::new(),
            deadlines: vec!["2026-12-31 年度统计期截止：郑州某基地".into()],
            undelivered: Vec::new(),
            overdue_documents: vec![
                "郑州某基地（ZZ-001）年度计划（2026 年度）：应于 2026-01-31 前报送，未报送".into(),
            ],
            link: "https://bw.example.org/overview".into(),
        });
        insta::assert_snapshot!(shown(&n));
    }

    #[test]
    fn every_key_keeps_the_form_of_the_messages_already_queued() {
        let base = Base {
            id: 7,
            code: "ZZ-001".into(),
            name: "某基地".into(),
            base_type: crate::domain::BaseType::Iar,
            host_unit: String::new(),
            credit_code: String::new(),
            channel: crate::domain::Channel::City,
            unit_id: 1,
            city: crate::domain::City::parse("郑州").unwrap(),
            recognised_on: d("2024-01-01"),
            email: "a@example.org".into(),
            status: crate::domain::Status::Building,
            status_since: d("2024-01-01"),
            cycle_start: d("2024-01-01"),
        };
        let b = &base;
        let keys = [
            DedupeKey::EarlyWarning {
                base: b,
                year: 2026,
                stage: 30,
            },
            DedupeKey::Deadline {
                base: b,
                kind: "CycleEnd",
                date: d("2027-01-01"),
                stage: 7,
            },
            DedupeKey::RectificationNotice {
                base: b,
                year: 2025,
            },
            DedupeKey::RectificationReminder {
                base: b,
                year: 2025,
                stage: 7,
            },
            DedupeKey::Digest {
                scope: "unit-3",
                week: "2026-W45",
            },
        ];
        let shown: Vec<String> = keys.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "early_warning|ZZ-001|2026|30",
                "deadline|CycleEnd|ZZ-001|2027-01-01|7",
                "rectification|ZZ-001|2025|notice",
                "rectification|ZZ-001|2025|reminder|7",
                "digest|unit-3|2026-W45",
            ]
        );
        assert_eq!(keys[0].base_id(), Some(7));
        assert_eq!(keys[4].base_id(), None);
    }
}
