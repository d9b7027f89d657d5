//! The closed sets of outcomes the system records, stored by code: how a
//! base is doing on an indicator ([`Pace`]) and where a count came from
//! ([`Source`]).

use serde::Serialize;

/// How a base is doing on one indicator during a year still running.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, diesel::AsExpression, diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    /// Met already, or at least at the share of the target the date calls for.
    OnTrack,
    /// Below that share, but still able to catch up.
    Behind,
    /// Cannot reasonably reach the target in the time left.
    Unable,
    /// Nothing reported yet.
    NotReported,
}

impl Pace {
    pub const ALL: [Pace; 4] = [Pace::OnTrack, Pace::Behind, Pace::Unable, Pace::NotReported];

    pub fn id(self) -> &'static str {
        match self {
            Pace::OnTrack => "on_track",
            Pace::Behind => "behind",
            Pace::Unable => "unable",
            Pace::NotReported => "not_reported",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Pace::OnTrack => "进度正常",
            Pace::Behind => "进度落后",
            Pace::Unable => "难以完成",
            Pace::NotReported => "未填报",
        }
    }
}

/// Where a scorecard's `actual` came from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, diesel::AsExpression, diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The base's declared yearly count (年度指标表).
    Declared,
    /// The sum of its activity records (活动明细).
    Records,
    /// Neither: not reported.
    None,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Declared, Source::Records, Source::None];

    pub fn id(self) -> &'static str {
        match self {
            Source::Declared => "declared",
            Source::Records => "records",
            Source::None => "none",
        }
    }
}

crate::coded!(Pace => "进度 (pace)", Source => "数据来源 (source)");

/// An enum of stored outcomes, each value with its code and Chinese label.
macro_rules! outcome {
    ($(#[$m:meta])* $name:ident, $what:literal {
        $($(#[$vm:meta])* $v:ident => $code:literal, $zh:literal;)*
    }) => {
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vm])* $v,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)*];

            pub fn id(self) -> &'static str {
                match self {
                    $($name::$v => $code,)*
                }
            }

            pub fn name_zh(self) -> &'static str {
                match self {
                    $($name::$v => $zh,)*
                }
            }
        }

        impl $crate::domain::Coded for $name {
            const WHAT: &'static str = $what;
            fn all() -> &'static [Self] {
                Self::ALL
            }
            fn code(self) -> &'static str {
                self.id()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.id())
            }
        }
    };
}

outcome!(
    /// Where a rectification order stands (第十六条).
    RectificationOutcome, "整改结果 (rectification outcome)" {
        /// Ordered; the deadline has not been re-checked yet.
        Open => "open", "整改中";
        /// Re-checked at the deadline and still short: revocation proposed, a person decides.
        Proposed => "proposed", "建议撤销";
        /// Passed: the base is back to 建设中.
        Passed => "passed", "整改合格";
        /// Revoked after a person confirmed.
        Revoked => "revoked", "已撤销";
    }
);

outcome!(
    /// Where a queued email stands.
    MailStatus, "邮件状态 (mail status)" {
        Queued => "queued", "待发送";
        Sending => "sending", "发送中";
        Sent => "sent", "已发送";
        Failed => "failed", "发送失败";
    }
);

outcome!(
    /// How a job run ended.
    RunOutcome, "任务结果 (job outcome)" {
        Running => "running", "运行中";
        Ok => "ok", "成功";
        Failed => "failed", "失败";
        /// The process stopped while it ran.
        Abandoned => "abandoned", "中断";
    }
);

outcome!(
    /// What became of an imported file, as the import ledger keeps it.
    ImportOutcome, "导入结果 (import outcome)" {
        /// Being imported (or the process stopped while it was).
        Pending => "pending", "进行中或中断";
        Accepted => "accepted", "已导入";
        Rejected => "rejected", "被拒绝";
    }
);

outcome!(
    /// Where a year's evaluation stands (定稿).
    YearStatus, "年度状态 (year status)" {
        /// Counted live: imports may still change it.
        Open => "open", "未定稿";
        /// Confirmed by province staff: its stored result stands.
        Confirmed => "confirmed", "已定稿";
    }
);

outcome!(
    /// What staff did to a year's result.
    YearAction, "年度操作 (year action)" {
        Confirm => "confirm", "定稿";
        Reopen => "reopen", "重新开放";
    }
);

outcome!(
    /// What the re-check at a rectification deadline proposes (第十六条);
    /// staff decide.
    Proposal, "复核建议 (re-check proposal)" {
        /// The shortfall was made up: 整改合格.
        Pass => "pass", "建议整改合格";
        /// Still short: 撤销.
        Revoke => "revoke", "建议撤销";
    }
);

outcome!(
    /// Whether staff have confirmed a reading of the rulebook (第十八条).
    ReadingStatus, "解读状态 (reading status)" {
        Open => "open", "待确认";
        Confirmed => "confirmed", "已确认";
    }
);

outcome!(
    /// Where a record entered by a base stands (第十三条(四) 督导).
    Review, "审核状态 (review)" {
        Pending => "pending", "待审核";
        Approved => "approved", "已审核";
        Returned => "returned", "退回";
    }
);

outcome!(
    /// A document a base submits (第十四条(四), 第十六条).
    DocumentKind, "材料类型 (document kind)" {
        /// 年度计划: the plan of the year.
        Plan => "plan", "年度计划";
        /// 年度工作总结: the work summary of the year.
        Summary => "summary", "年度工作总结";
        /// 整改报告: under rectification, the report of what was done.
        RectificationReport => "rectification_report", "整改报告";
    }
);

outcome!(
    /// Where a submitted document stands; a base with none is 未报送 (`missing`).
    DocumentStatus, "报送状态 (document status)" {
        Submitted => "submitted", "已报送";
        Returned => "returned", "退回";
        Approved => "approved", "已审核";
    }
);

outcome!(
    /// The stages of the yearly recognition round (第九条), in order; an
    /// application's stage is the last it passed.
    Stage, "认定阶段 (recognition stage)" {
        /// Filed by its recommending unit, not yet reviewed.
        Submitted => "submitted", "已申请";
        FormalReview => "formal_review", "形式审查";
        ExpertReview => "expert_review", "初评和考察";
        FinalReview => "final_review", "终评";
        Publicity => "publicity", "公示";
        Naming => "naming", "公布和命名";
    }
);

impl Stage {
    /// The stage that comes after this one.
    pub fn next(self) -> Option<Stage> {
        let k = Stage::ALL.iter().position(|s| *s == self)?;
        Stage::ALL.get(k + 1).copied()
    }
}

outcome!(
    /// A file an application carries (第九条(一)): the application form, the
    /// construction plan, and evidence for a condition.
    ApplicationDocumentKind, "申请材料类型 (application document kind)" {
        ApplicationForm => "application_form", "申请书";
        ConstructionPlan => "construction_plan", "建设方案";
        Evidence => "evidence", "佐证材料";
    }
);

outcome!(
    /// How an application ended: still open, rejected at a stage, or named a base.
    ApplicationOutcome, "申请结果 (application outcome)" {
        Open => "open", "进行中";
        Rejected => "rejected", "未通过";
        Named => "named", "已认定";
    }
);
