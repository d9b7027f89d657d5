//! Why a typed value could not become a domain type. Messages are written for
//! the clerk fixing the spreadsheet: Chinese first, English in brackets, and
//! always the offending value.

/// A value that does not parse into a domain type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("值为空 (value is empty)")]
    Empty,
    #[error("基地编号“{0}”无效，只能用字母、数字、- 和 _，最多 40 位 (invalid base code \"{0}\": letters, digits, - and _ only, at most 40)")]
    BadBaseCode(String),
    #[error("统一社会信用代码“{0}”应为 18 位，实为 {n} 位 (credit code \"{0}\" must have 18 characters, not {n})", n = .0.chars().count())]
    CreditCodeLength(String),
    #[error("统一社会信用代码“{0}”含不允许的字符（不用 I、O、Z、S、V） (credit code \"{0}\" has a character that is not allowed: no I, O, Z, S, V)")]
    CreditCodeChar(String),
    #[error("统一社会信用代码“{code}”校验位错误，应为 {expected} (credit code \"{code}\" check character is wrong, expected {expected})")]
    CreditCodeCheck { code: String, expected: char },
    #[error("无法识别的基地类型“{0}” (unknown base type \"{0}\")")]
    UnknownBaseType(String),
    #[error("无法识别的推荐渠道“{0}” (unknown recommending channel \"{0}\")")]
    UnknownChannel(String),
    #[error("无法识别的指标“{0}” (unknown indicator \"{0}\")")]
    UnknownIndicator(String),
    #[error("无法识别的地市“{0}”，应为河南省辖市或济源示范区 (unknown city \"{0}\": expected a Henan city or Jiyuan)")]
    UnknownCity(String),
    #[error("无法识别的基地状态“{0}” (unknown base status \"{0}\")")]
    UnknownStatus(String),
    #[error(
        "年度“{0}”无效，应为 2000 至 2100 的年份 (invalid year \"{0}\": expected 2000 to 2100)"
    )]
    BadYear(String),
    #[error("日期“{0}”无效，请写成 2025-03-05 (invalid date \"{0}\": write it as 2025-03-05)")]
    BadDate(String),
    #[error("数量“{0}”无效，应为整数 (invalid count \"{0}\": expected a whole number)")]
    BadCount(String),
    #[error("数量“{0}”不能为负数 (count \"{0}\" must not be negative)")]
    NegativeCount(String),
    #[error("邮箱“{0}”格式不正确 (invalid email address \"{0}\")")]
    BadEmail(String),
    #[error("未知角色“{0}”，应为 province、recommender 或 base (unknown role \"{0}\")")]
    UnknownRole(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_character_message_names_the_code_and_the_expected_character() {
        let e = DomainError::CreditCodeCheck {
            code: "1241000052601815X1".into(),
            expected: '0',
        };
        assert_eq!(
            e.to_string(),
            "统一社会信用代码“1241000052601815X1”校验位错误，应为 0 \
             (credit code \"1241000052601815X1\" check character is wrong, expected 0)"
        );
    }

    #[test]
    fn unknown_base_type_message_is_chinese_then_english() {
        let e = DomainError::UnknownBaseType("foo".into());
        assert_eq!(
            e.to_string(),
            "无法识别的基地类型“foo” (unknown base type \"foo\")"
        );
    }

    #[test]
    fn length_message_counts_characters_not_bytes() {
        let e = DomainError::CreditCodeLength("91410300９".into());
        assert!(e.to_string().contains("实为 9 位"));
        assert!(e.to_string().contains("not 9"));
    }

    #[test]
    fn every_message_with_a_value_shows_it() {
        let v = "坏值".to_string();
        let errors = [
            DomainError::BadBaseCode(v.clone()),
            DomainError::CreditCodeLength(v.clone()),
            DomainError::CreditCodeChar(v.clone()),
            DomainError::UnknownBaseType(v.clone()),
            DomainError::UnknownChannel(v.clone()),
            DomainError::UnknownIndicator(v.clone()),
            DomainError::UnknownCity(v.clone()),
            DomainError::UnknownStatus(v.clone()),
            DomainError::BadYear(v.clone()),
            DomainError::BadDate(v.clone()),
            DomainError::BadCount(v.clone()),
            DomainError::NegativeCount(v.clone()),
            DomainError::BadEmail(v.clone()),
        ];
        for e in errors {
            let msg = e.to_string();
            assert!(msg.contains("“坏值”"), "{msg}");
            assert!(msg.contains("\"坏值\""), "{msg}");
        }
    }
}
