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

    /// The item of 第十条 that sets this type's yearly tasks: （一）, （二）, （三）.
    pub fn article_item(self) -> &'static str {
        match self {
            Self::Iar => "（一）",
            Self::Incubation => "（二）",
            Self::International => "（三）",
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
#[path = "base_tests.rs"]
mod tests;
