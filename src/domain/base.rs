//! Who a base is: its code, its host's 统一社会信用代码, its type, recommending
//! channel and contact email (its status and city have files of their own). Each type parses the
//! variants people type and cannot hold an invalid value.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use super::city::City;
use super::error::DomainError;
use super::text;

/// Deserializes a string through a domain parser, so serialized data is
/// checked exactly like typed data.
pub(super) fn deserialize_parsed<'de, D, T>(
    deserializer: D,
    parse: fn(&str) -> Result<T, DomainError>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let s = String::deserialize(deserializer)?;
    parse(&s).map_err(serde::de::Error::custom)
}

/// A base's code (基地编号): 1 to 40 of A-Z, 0-9, `-` and `_`, stored uppercase.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct BaseCode(String);

impl BaseCode {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let n = text::normalize(s);
        if n.is_empty() {
            return Err(DomainError::Empty);
        }
        let code = n.to_ascii_uppercase();
        let allowed =
            |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if code.chars().all(allowed) && code.len() <= 40 {
            Ok(Self(code))
        } else {
            Err(DomainError::BadBaseCode(n))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BaseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for BaseCode {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for BaseCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for BaseCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_parsed(deserializer, Self::parse)
    }
}

/// The characters of a 统一社会信用代码 in index order (GB 32100-2015): no I, O, Z, S, V.
const CREDIT_CHARSET: [u8; 31] = *b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of the first 17 characters for the check character.
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn credit_index(c: char) -> Option<u32> {
    CREDIT_CHARSET
        .iter()
        .position(|&b| char::from(b) == c)
        .and_then(|i| u32::try_from(i).ok())
}

/// The check character for the charset indices of the first 17 characters.
fn credit_check_char(first17: &[u32]) -> char {
    let sum: u32 = first17.iter().zip(CREDIT_WEIGHTS).map(|(i, w)| i * w).sum();
    let check = (31 - sum % 31) % 31;
    // `check` is below 31 by construction; `% 31` keeps the index in bounds.
    char::from(CREDIT_CHARSET[(check % 31) as usize])
}

/// Indices of a compacted, uppercased code, or `None` if a character is not allowed.
fn credit_indices(code: &str) -> Option<Vec<u32>> {
    code.chars().map(credit_index).collect()
}

/// A host unit's 统一社会信用代码 (GB 32100-2015): 18 characters with a valid
/// check character, stored uppercase.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

impl CreditCode {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        // A code never contains spaces, so spaces typed inside are dropped too.
        let code = text::compact(s).to_ascii_uppercase();
        if code.is_empty() {
            return Err(DomainError::Empty);
        }
        if code.chars().count() != 18 {
            return Err(DomainError::CreditCodeLength(code));
        }
        let Some(indices) = credit_indices(&code) else {
            return Err(DomainError::CreditCodeChar(code));
        };
        let (first17, last) = indices.split_at(17);
        let expected = credit_check_char(first17);
        if last.first().copied() == credit_index(expected) {
            Ok(Self(code))
        } else {
            Err(DomainError::CreditCodeCheck { code, expected })
        }
    }

    /// Completes the first 17 characters with their check character; `None`
    /// if the prefix is not 17 allowed characters.
    pub fn with_check_char(first17: &str) -> Option<CreditCode> {
        let prefix = text::compact(first17).to_ascii_uppercase();
        let indices = credit_indices(&prefix)?;
        if indices.len() != 17 {
            return None;
        }
        let mut code = prefix;
        code.push(credit_check_char(&indices));
        Some(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditCode {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for CreditCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_parsed(deserializer, Self::parse)
    }
}

/// The three kinds of base (第三条).
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
pub enum BaseType {
    Iar,
    Incubation,
    International,
}

impl BaseType {
    pub const ALL: [BaseType; 3] = [Self::Iar, Self::Incubation, Self::International];

    pub fn id(self) -> &'static str {
        match self {
            Self::Iar => "iar",
            Self::Incubation => "incubation",
            Self::International => "international",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Iar => "产学研协作类",
            Self::Incubation => "创新创业孵化类",
            Self::International => "国际创新合作类",
        }
    }

    /// Accepts the id (any case) or the Chinese name with or without 类.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let key = text::compact(s);
        if key.is_empty() {
            return Err(DomainError::Empty);
        }
        let lower = key.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|t| {
                lower == t.id()
                    || key == t.name_zh()
                    || t.name_zh().strip_suffix('类') == Some(key.as_str())
            })
            .ok_or_else(|| DomainError::UnknownBaseType(text::normalize(s)))
    }
}

crate::coded!(
    BaseType => "基地类型 (base type)",
    Channel => "推荐渠道 (channel)",
);

impl FromStr for BaseType {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The recommending channel a base came through (推荐渠道, one per base, 第八条).
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
pub enum Channel {
    City,
    Society,
    Institution,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Self::City, Self::Society, Self::Institution];

    pub fn id(self) -> &'static str {
        match self {
            Self::City => "city",
            Self::Society => "society",
            Self::Institution => "institution",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::City => "省辖市科协",
            Self::Society => "全省学会",
            Self::Institution => "中央驻豫单位、省属有关单位",
        }
    }

    /// Accepts the id (any case), the Chinese name or a usual short form
    /// (市科协, 学会, 中央驻豫单位 or 省属有关单位 alone), or a city's 科协
    /// such as 郑州市科协.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let key = text::compact(s);
        if key.is_empty() {
            return Err(DomainError::Empty);
        }
        let lower = key.to_ascii_lowercase();
        if let Some(c) = Self::ALL.into_iter().find(|c| lower == c.id()) {
            return Ok(c);
        }
        let unified = key.replace([',', '/', ';', '和', '及', '或'], "、");
        match unified.as_str() {
            "省辖市科协" | "市科协" | "省辖市" => return Ok(Self::City),
            "全省学会" | "省学会" | "学会" => return Ok(Self::Society),
            "中央驻豫单位、省属有关单位"
            | "省属有关单位、中央驻豫单位"
            | "中央驻豫单位"
            | "省属有关单位" => return Ok(Self::Institution),
            _ => {}
        }
        if let Some(city) = key.strip_suffix("科协") {
            if City::parse(city).is_ok() {
                return Ok(Self::City);
            }
        }
        Err(DomainError::UnknownChannel(text::normalize(s)))
    }
}

impl FromStr for Channel {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A contact email address; the domain is stored lowercase.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let n = text::normalize(s);
        if n.is_empty() {
            return Err(DomainError::Empty);
        }
        let bad = || DomainError::BadEmail(n.clone());
        // Separators and brackets mean two addresses or a display name in one cell.
        let forbidden =
            |c: char| c.is_whitespace() || c.is_control() || ",;:<>()[]\"\\".contains(c);
        if n.chars().any(forbidden) {
            return Err(bad());
        }
        let (local, domain) = n.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.split('.').any(str::is_empty)
        {
            return Err(bad());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `@`, lowercase.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Email {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_parsed(deserializer, Self::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID_CREDIT_CODES: [&str; 12] = [
        "1241000052601815X0",
        "91410300908301663A",
        "914107001318609168",
        "12411300390996033W",
        "91410100082462814N",
        "91411000948219939Y",
        "914190015181909371",
        "91410200786579754F",
        "124101004323194885",
        "9141030075749118X6",
        "52410400625276015N",
        "12411600895559795L",
    ];

    #[test]
    fn a_base_code_is_normalized_and_uppercased() {
        let code = BaseCode::parse(" ｓａｍｐｌｅ-001_a ").unwrap();
        assert_eq!(code.as_str(), "SAMPLE-001_A");
        assert_eq!(code.to_string(), "SAMPLE-001_A");
    }

    #[test]
    fn a_base_code_rejects_spaces_punctuation_and_chinese() {
        for bad in ["SAMPLE 001", "SAMPLE.001", "基地001", "A/B"] {
            assert!(
                matches!(BaseCode::parse(bad), Err(DomainError::BadBaseCode(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_base_code_may_have_forty_characters_but_not_forty_one() {
        assert!(BaseCode::parse(&"A".repeat(40)).is_ok());
        assert!(matches!(
            BaseCode::parse(&"A".repeat(41)),
            Err(DomainError::BadBaseCode(_))
        ));
    }

    #[test]
    fn an_empty_base_code_is_reported_as_empty() {
        assert_eq!(BaseCode::parse(" \u{3000} "), Err(DomainError::Empty));
    }

    #[test]
    fn a_base_code_serializes_as_a_plain_string_and_deserializes_through_parse() {
        let code = BaseCode::parse("sample-001").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"SAMPLE-001\"");
        let back: BaseCode = serde_json::from_str("\"sample-001\"").unwrap();
        assert_eq!(back, code);
        assert!(serde_json::from_str::<BaseCode>("\"a b\"").is_err());
    }

    #[test]
    fn real_format_credit_codes_are_valid() {
        for code in VALID_CREDIT_CODES {
            let parsed = CreditCode::parse(code);
            assert!(parsed.is_ok(), "{code}: {parsed:?}");
        }
    }

    #[test]
    fn a_credit_code_with_a_wrong_last_character_names_the_expected_one() {
        assert_eq!(
            CreditCode::parse("1241000052601815X1"),
            Err(DomainError::CreditCodeCheck {
                code: "1241000052601815X1".into(),
                expected: '0',
            })
        );
        assert_eq!(
            CreditCode::parse("91410300908301663B"),
            Err(DomainError::CreditCodeCheck {
                code: "91410300908301663B".into(),
                expected: 'A',
            })
        );
    }

    #[test]
    fn a_credit_code_is_uppercased_and_freed_of_full_width_and_spaces() {
        let code = CreditCode::parse(" ９１４１０３００ 908301663a ").unwrap();
        assert_eq!(code.as_str(), "91410300908301663A");
    }

    #[test]
    fn a_credit_code_of_the_wrong_length_is_a_length_error() {
        assert_eq!(
            CreditCode::parse("91410300908301663"),
            Err(DomainError::CreditCodeLength("91410300908301663".into()))
        );
        assert!(matches!(
            CreditCode::parse("91410300908301663AA"),
            Err(DomainError::CreditCodeLength(_))
        ));
    }

    #[test]
    fn a_credit_code_with_i_o_z_s_or_v_is_a_character_error() {
        for bad in [
            "9141030090830166IA",
            "9141030090830166OA",
            "9141030090830166ZA",
            "9141030090830166SA",
            "9141030090830166VA",
            "9141030090830166中A",
        ] {
            assert!(
                matches!(CreditCode::parse(bad), Err(DomainError::CreditCodeChar(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_empty_credit_code_is_reported_as_empty() {
        assert_eq!(CreditCode::parse(""), Err(DomainError::Empty));
    }

    #[test]
    fn with_check_char_completes_every_valid_code_from_its_prefix() {
        for code in VALID_CREDIT_CODES {
            let made = CreditCode::with_check_char(&code[..17]);
            assert_eq!(made.as_ref().map(CreditCode::as_str), Some(code));
        }
    }

    #[test]
    fn with_check_char_refuses_a_bad_prefix() {
        assert_eq!(CreditCode::with_check_char("9141030090830166"), None);
        assert_eq!(CreditCode::with_check_char("914103009083016633"), None);
        assert_eq!(CreditCode::with_check_char("9141030090830166O"), None);
    }

    #[test]
    fn with_check_char_always_yields_a_code_that_parses() {
        for n in 0..200u64 {
            let prefix = format!("9141{:013}", n * 7_919_003);
            let code = CreditCode::with_check_char(&prefix).unwrap();
            assert!(CreditCode::parse(code.as_str()).is_ok(), "{code}");
        }
    }

    #[test]
    fn base_types_parse_from_ids_and_chinese_names_with_or_without_lei() {
        let cases = [
            ("iar", BaseType::Iar),
            ("IAR", BaseType::Iar),
            ("产学研协作类", BaseType::Iar),
            ("产学研协作", BaseType::Iar),
            (" 产学研 协作 类 ", BaseType::Iar),
            ("Incubation", BaseType::Incubation),
            ("创新创业孵化类", BaseType::Incubation),
            ("创新创业孵化", BaseType::Incubation),
            ("international", BaseType::International),
            ("国际创新合作类", BaseType::International),
            ("国际创新合作", BaseType::International),
        ];
        for (input, expected) in cases {
            assert_eq!(BaseType::parse(input), Ok(expected), "{input}");
            assert_eq!(input.parse::<BaseType>(), Ok(expected), "{input}");
        }
    }

    #[test]
    fn an_unknown_base_type_keeps_the_typed_value() {
        assert_eq!(
            BaseType::parse(" foo "),
            Err(DomainError::UnknownBaseType("foo".into()))
        );
        assert_eq!(BaseType::parse(""), Err(DomainError::Empty));
    }

    #[test]
    fn base_type_ids_and_names_match_the_domain_page() {
        let ids: Vec<_> = BaseType::ALL.iter().map(|t| t.id()).collect();
        assert_eq!(ids, ["iar", "incubation", "international"]);
        for t in BaseType::ALL {
            assert_eq!(t.to_string(), t.id());
            assert_eq!(BaseType::parse(t.name_zh()), Ok(t));
        }
    }

    #[test]
    fn base_types_serialize_as_their_ids() {
        assert_eq!(
            serde_json::to_string(&BaseType::International).unwrap(),
            "\"international\""
        );
        let t: BaseType = serde_json::from_str("\"iar\"").unwrap();
        assert_eq!(t, BaseType::Iar);
    }

    #[test]
    fn channels_parse_from_ids_names_and_usual_short_forms() {
        let cases = [
            ("city", Channel::City),
            ("CITY", Channel::City),
            ("省辖市科协", Channel::City),
            ("市科协", Channel::City),
            ("省辖市", Channel::City),
            ("郑州市科协", Channel::City),
            ("济源示范区科协", Channel::City),
            ("society", Channel::Society),
            ("全省学会", Channel::Society),
            ("省学会", Channel::Society),
            ("学会", Channel::Society),
            ("institution", Channel::Institution),
            ("中央驻豫单位、省属有关单位", Channel::Institution),
            ("中央驻豫单位,省属有关单位", Channel::Institution),
            ("中央驻豫单位，省属有关单位", Channel::Institution),
            ("中央驻豫单位/省属有关单位", Channel::Institution),
            ("中央驻豫单位 / 省属有关单位", Channel::Institution),
            ("中央驻豫单位", Channel::Institution),
            ("省属有关单位", Channel::Institution),
        ];
        for (input, expected) in cases {
            assert_eq!(Channel::parse(input), Ok(expected), "{input}");
        }
    }

    #[test]
    fn an_unknown_channel_is_an_error_naming_it() {
        assert_eq!(
            Channel::parse("省科协"),
            Err(DomainError::UnknownChannel("省科协".into()))
        );
        assert!(Channel::parse("北京市科协").is_err());
    }

    #[test]
    fn channels_display_and_serialize_as_ids() {
        for c in Channel::ALL {
            assert_eq!(c.to_string(), c.id());
            assert_eq!(Channel::parse(c.name_zh()), Ok(c));
            let json = format!("\"{}\"", c.id());
            assert_eq!(serde_json::to_string(&c).unwrap(), json);
            assert_eq!(serde_json::from_str::<Channel>(&json).unwrap(), c);
        }
    }

    #[test]
    fn an_email_keeps_its_local_part_and_lowercases_its_domain() {
        let e = Email::parse(" Contact001@Example.ORG ").unwrap();
        assert_eq!(e.as_str(), "Contact001@example.org");
        assert_eq!(e.domain(), "example.org");
        let full_width = Email::parse("ａ＠ｂ．ｃｎ").unwrap();
        assert_eq!(full_width.as_str(), "a@b.cn");
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in [
            "contact",
            "@example.org",
            "a@",
            "a@localhost",
            "a@@example.org",
            "a@b@example.org",
            "a b@example.org",
            "a@example..org",
            "a@.example.org",
            "a@example.org.",
            "a@x.org;b@y.org",
            "a@x.org,b@y.org",
            "张三 <a@x.org>",
        ] {
            assert!(
                matches!(Email::parse(bad), Err(DomainError::BadEmail(_))),
                "{bad}"
            );
        }
        assert_eq!(Email::parse(" "), Err(DomainError::Empty));
    }
}
