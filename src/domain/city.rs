//! Henan's 17 cities and 济源示范区, by canonical name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::base::deserialize_parsed;
use super::error::DomainError;
use super::text;

/// One of Henan's 17 cities or 济源示范区, by canonical Chinese name.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct City(&'static str);

impl City {
    const JIYUAN: City = City("济源示范区");

    pub const ALL: [City; 18] = [
        City("郑州市"),
        City("开封市"),
        City("洛阳市"),
        City("平顶山市"),
        City("安阳市"),
        City("鹤壁市"),
        City("新乡市"),
        City("焦作市"),
        City("濮阳市"),
        City("许昌市"),
        City("漯河市"),
        City("三门峡市"),
        City("南阳市"),
        City("商丘市"),
        City("信阳市"),
        City("周口市"),
        City("驻马店市"),
        Self::JIYUAN,
    ];

    /// Accepts a name with or without 市 (郑州, 郑州市), optionally after 河南省,
    /// and 济源, 济源市, 济源示范区 or 济源产城融合示范区.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let full = text::compact(s);
        if full.is_empty() {
            return Err(DomainError::Empty);
        }
        let key = full
            .strip_prefix("河南省")
            .or_else(|| full.strip_prefix("河南"))
            .unwrap_or(&full);
        if matches!(key, "济源" | "济源市" | "济源示范区" | "济源产城融合示范区")
        {
            return Ok(Self::JIYUAN);
        }
        Self::ALL
            .into_iter()
            .find(|c| c.0 == key || c.0.strip_suffix('市') == Some(key))
            .ok_or_else(|| DomainError::UnknownCity(text::normalize(s)))
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl super::Coded for City {
    const WHAT: &'static str = "城市 (city)";
    fn all() -> &'static [Self] {
        &Self::ALL
    }
    fn code(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for City {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl FromStr for City {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for City {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for City {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_parsed(deserializer, Self::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cities_parse_with_or_without_shi() {
        assert_eq!(City::parse("郑州").map(City::as_str), Ok("郑州市"));
        assert_eq!(City::parse("郑州市").map(City::as_str), Ok("郑州市"));
        assert_eq!(City::parse(" 平顶山 ").map(City::as_str), Ok("平顶山市"));
        assert_eq!(
            City::parse("河南省三门峡市").map(City::as_str),
            Ok("三门峡市")
        );
        for c in City::ALL {
            assert_eq!(City::parse(c.as_str()), Ok(c));
        }
    }

    #[test]
    fn jiyuan_parses_from_all_its_usual_names() {
        for name in ["济源", "济源市", "济源示范区", "济源产城融合示范区"] {
            assert_eq!(
                City::parse(name).map(City::as_str),
                Ok("济源示范区"),
                "{name}"
            );
        }
    }

    #[test]
    fn there_are_eighteen_distinct_cities() {
        let mut names: Vec<_> = City::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 18);
    }

    #[test]
    fn a_city_outside_henan_is_unknown() {
        assert_eq!(
            City::parse("北京"),
            Err(DomainError::UnknownCity("北京".into()))
        );
        assert_eq!(
            City::parse("市"),
            Err(DomainError::UnknownCity("市".into()))
        );
        assert_eq!(City::parse(""), Err(DomainError::Empty));
    }

    #[test]
    fn a_city_serializes_as_its_chinese_name() {
        let c = City::parse("洛阳").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"洛阳市\"");
        let back: City = serde_json::from_str("\"洛阳\"").unwrap();
        assert_eq!(back, c);
    }
}
