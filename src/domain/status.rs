//! Where a base is in its lifecycle (第十五–十七条), and the one table of the
//! status changes the 办法 allows.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::DomainError;
use super::text;

/// Where a base is in its lifecycle (第十五、十六、十七条).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Building,
    Rectifying,
    Revoked,
    Accepting,
    Lapsed,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Self::Building,
        Self::Rectifying,
        Self::Revoked,
        Self::Accepting,
        Self::Lapsed,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::Building => "building",
            Self::Rectifying => "rectifying",
            Self::Revoked => "revoked",
            Self::Accepting => "accepting",
            Self::Lapsed => "lapsed",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Building => "建设中",
            Self::Rectifying => "整改中",
            Self::Revoked => "已撤销",
            Self::Accepting => "验收中",
            Self::Lapsed => "不再认定",
        }
    }

    /// The status changes the 办法 allows, each with its article: the one
    /// table every status change is checked against.
    pub const TRANSITIONS: [(Status, Status, &'static str); 7] = [
        (Self::Building, Self::Rectifying, "第十六条 责令限期整改"),
        (Self::Rectifying, Self::Building, "第十六条 整改合格"),
        (
            Self::Rectifying,
            Self::Revoked,
            "第十六条 整改后仍不符合要求，予以撤销",
        ),
        (
            Self::Building,
            Self::Accepting,
            "第十七条 建设期满，申请验收",
        ),
        (
            Self::Accepting,
            Self::Building,
            "第十七条 验收合格，重新确定建设周期",
        ),
        (Self::Accepting, Self::Lapsed, "第十七条 验收不合格"),
        (Self::Building, Self::Lapsed, "第十七条 申请单位不再申请"),
    ];

    /// Whether a base in this status may move to `next` (see [`Self::TRANSITIONS`]).
    pub fn may_become(self, next: Status) -> bool {
        Self::TRANSITIONS
            .iter()
            .any(|(from, to, _)| *from == self && *to == next)
    }

    /// True once the base is no longer recognised (revoked or lapsed).
    pub fn is_ended(self) -> bool {
        matches!(self, Self::Revoked | Self::Lapsed)
    }

    /// Accepts the id (any case) or the Chinese name, also without 中 or 已
    /// (建设, 整改, 撤销, 验收).
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let key = text::compact(s);
        if key.is_empty() {
            return Err(DomainError::Empty);
        }
        let lower = key.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|st| {
                let zh = st.name_zh();
                lower == st.id()
                    || key == zh
                    || zh.strip_suffix('中') == Some(key.as_str())
                    || zh.strip_prefix('已') == Some(key.as_str())
            })
            .ok_or_else(|| DomainError::UnknownStatus(text::normalize(s)))
    }
}

impl FromStr for Status {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

crate::coded!(Status => "状态 (status)");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transition_table_follows_articles_sixteen_and_seventeen() {
        use Status::*;
        assert!(Building.may_become(Rectifying));
        assert!(Rectifying.may_become(Building) && Rectifying.may_become(Revoked));
        assert!(Building.may_become(Accepting) && Accepting.may_become(Building));
        assert!(Accepting.may_become(Lapsed) && Building.may_become(Lapsed));
        // Revocation only after an order to rectify; ended bases stay ended.
        assert!(!Building.may_become(Revoked));
        for to in Status::ALL {
            assert!(!Revoked.may_become(to) && !Lapsed.may_become(to), "{to}");
            assert!(!to.may_become(to), "{to} → {to} is not a change");
        }
    }

    #[test]
    fn statuses_parse_from_ids_and_chinese() {
        let cases = [
            ("building", Status::Building),
            ("建设中", Status::Building),
            ("整改中", Status::Rectifying),
            ("Rectifying", Status::Rectifying),
            ("已撤销", Status::Revoked),
            ("撤销", Status::Revoked),
            ("验收中", Status::Accepting),
            ("不再认定", Status::Lapsed),
            ("lapsed", Status::Lapsed),
        ];
        for (input, expected) in cases {
            assert_eq!(Status::parse(input), Ok(expected), "{input}");
        }
        assert!(matches!(
            Status::parse("暂停"),
            Err(DomainError::UnknownStatus(_))
        ));
    }

    #[test]
    fn statuses_serialize_as_their_ids() {
        for s in Status::ALL {
            let json = format!("\"{}\"", s.id());
            assert_eq!(serde_json::to_string(&s).unwrap(), json);
            assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), s);
            assert_eq!(s.to_string(), s.id());
        }
    }

    #[test]
    fn only_revoked_and_lapsed_bases_have_ended() {
        let ended: Vec<_> = Status::ALL.into_iter().filter(|s| s.is_ended()).collect();
        assert_eq!(ended, [Status::Revoked, Status::Lapsed]);
    }
}
