//! The yearly indicators a base is evaluated on (第十条), with the Chinese
//! names used in templates and a parser for the ways people write them as
//! column headers.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::DomainError;
use super::text;

/// One counted yearly task. Which indicators apply to which base type, and
/// their thresholds, belong to the rulebook, not here.
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
pub enum Indicator {
    PlatformUploads,
    VolunteerServices,
    KeyActivities,
    IncubatedProjects,
    RoadshowEvents,
    OverseasTalents,
    InternationalExchanges,
}

/// Quote characters people put around 百会链千企, all ignored when matching.
const QUOTES: [char; 11] = ['"', '\'', '“', '”', '‘', '’', '「', '」', '『', '』', '＂'];

/// The matching key: compacted, without quotes and without a trailing
/// bracketed unit such as （次） or (次).
fn key(s: &str) -> String {
    let unquoted: String = text::compact(s)
        .chars()
        .filter(|c| !QUOTES.contains(c))
        .collect();
    // `compact` has already turned full-width brackets into ASCII ones.
    match unquoted
        .strip_suffix(')')
        .and_then(|rest| rest.rfind('(').map(|i| (rest, i)))
    {
        Some((rest, i)) if i > 0 => rest[..i].to_string(),
        _ => unquoted,
    }
}

impl Indicator {
    pub const ALL: [Indicator; 7] = [
        Self::PlatformUploads,
        Self::VolunteerServices,
        Self::KeyActivities,
        Self::IncubatedProjects,
        Self::RoadshowEvents,
        Self::OverseasTalents,
        Self::InternationalExchanges,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::PlatformUploads => "platform_uploads",
            Self::VolunteerServices => "volunteer_services",
            Self::KeyActivities => "key_activities",
            Self::IncubatedProjects => "incubated_projects",
            Self::RoadshowEvents => "roadshow_events",
            Self::OverseasTalents => "overseas_talents",
            Self::InternationalExchanges => "international_exchanges",
        }
    }

    /// The name in the rules text, without the unit.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::PlatformUploads => "上传专家、成果、难题等信息",
            Self::VolunteerServices => "“百会链千企”科技志愿服务活动",
            Self::KeyActivities => "科技成果转化、揭榜挂帅攻关、高端人才引育、高端学术交流等活动",
            Self::IncubatedProjects => "孵化科技创新创业项目",
            Self::RoadshowEvents => "项目路演、产学研金融合等活动",
            Self::OverseasTalents => "柔性引进海外人才",
            Self::InternationalExchanges => "国际交流合作活动",
        }
    }

    /// The counting unit: 条, 次, 项 or 人.
    pub fn unit(self) -> &'static str {
        match self {
            Self::PlatformUploads => "条",
            Self::VolunteerServices => "次",
            Self::KeyActivities => "项",
            Self::IncubatedProjects => "项",
            Self::RoadshowEvents => "次",
            Self::OverseasTalents => "人",
            Self::InternationalExchanges => "次",
        }
    }

    /// A short label for use inside sentences (e.g. reminders).
    pub fn short_zh(self) -> &'static str {
        match self {
            Self::PlatformUploads => "平台上传",
            Self::VolunteerServices => "“百会链千企”活动",
            Self::KeyActivities => "重点活动",
            Self::IncubatedProjects => "孵化项目",
            Self::RoadshowEvents => "路演活动",
            Self::OverseasTalents => "海外人才",
            Self::InternationalExchanges => "国际交流",
        }
    }

    /// The template column header: name plus unit in full-width brackets.
    pub fn header_zh(self) -> String {
        format!("{}（{}）", self.name_zh(), self.unit())
    }

    /// Accepts the id (any case), the Chinese name with or without its unit,
    /// with any quotes or none around 百会链千企, or the short label.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        // Stored rows carry the id itself: found without normalising names
        // (scorecards parse it once per row, 100,000 rows at national scale).
        if let Some(i) = Self::ALL.into_iter().find(|i| i.id() == s) {
            return Ok(i);
        }
        let k = key(s);
        if k.is_empty() {
            return Err(DomainError::Empty);
        }
        let id_key = k.to_ascii_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|i| id_key == i.id() || k == key(i.name_zh()) || k == key(i.short_zh()))
            .ok_or_else(|| DomainError::UnknownIndicator(text::normalize(s)))
    }
}

crate::coded!(Indicator => "指标 (indicator)");

impl FromStr for Indicator {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header line of tests/fixtures/samples/yearly_counts_2024.csv, verbatim.
    const SAMPLE_HEADER: &str = "基地编号,年度,截至日期,上传专家、成果、难题等信息（条）,\"\"\"百会链千企\"\"科技志愿服务活动（次）\",科技成果转化、揭榜挂帅攻关、高端人才引育、高端学术交流等活动（项）,孵化科技创新创业项目（项）,项目路演、产学研金融合等活动（次）,柔性引进海外人才（人）,国际交流合作活动（次）";

    /// Splits one CSV line into fields, undoing quoting; enough for a header.
    fn csv_fields(line: &str) -> Vec<String> {
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = !quoted,
                ',' if !quoted => fields.push(std::mem::take(&mut field)),
                c => field.push(c),
            }
        }
        fields.push(field);
        fields
    }

    #[test]
    fn every_indicator_header_of_the_sample_file_parses_to_the_right_indicator() {
        let fields = csv_fields(SAMPLE_HEADER);
        assert_eq!(fields[..3], ["基地编号", "年度", "截至日期"]);
        assert_eq!(fields[4], "\"百会链千企\"科技志愿服务活动（次）");
        let parsed: Vec<_> = fields[3..].iter().map(|h| Indicator::parse(h)).collect();
        let expected: Vec<_> = Indicator::ALL.into_iter().map(Ok).collect();
        assert_eq!(parsed, expected);
    }

    #[test]
    fn the_embedded_sample_header_matches_the_sample_file() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/samples/yearly_counts_2024.csv"
        );
        let content = std::fs::read_to_string(path).expect("sample file");
        let first = content.lines().next().unwrap_or_default();
        assert_eq!(first.trim_start_matches('\u{FEFF}'), SAMPLE_HEADER);
    }

    #[test]
    fn headers_parse_to_their_indicator() {
        for i in Indicator::ALL {
            assert_eq!(Indicator::parse(&i.header_zh()), Ok(i), "{}", i.header_zh());
            assert_eq!(Indicator::parse(i.name_zh()), Ok(i), "{}", i.name_zh());
            assert_eq!(Indicator::parse(i.short_zh()), Ok(i), "{}", i.short_zh());
            assert_eq!(Indicator::parse(i.id()), Ok(i));
            assert_eq!(Indicator::parse(&i.id().to_uppercase()), Ok(i));
            assert_eq!(i.to_string().parse::<Indicator>(), Ok(i));
        }
    }

    #[test]
    fn volunteer_services_parses_with_any_quotes_or_none() {
        for h in [
            "\"百会链千企\"科技志愿服务活动（次）",
            "“百会链千企”科技志愿服务活动（次）",
            "＂百会链千企＂科技志愿服务活动(次)",
            "百会链千企科技志愿服务活动",
            " “百会链千企” 科技志愿服务活动 （ 次 ） ",
            "'百会链千企'科技志愿服务活动",
            "百会链千企活动",
        ] {
            assert_eq!(Indicator::parse(h), Ok(Indicator::VolunteerServices), "{h}");
        }
    }

    #[test]
    fn the_unit_may_be_in_ascii_or_full_width_brackets() {
        assert_eq!(
            Indicator::parse("柔性引进海外人才(人)"),
            Ok(Indicator::OverseasTalents)
        );
        assert_eq!(
            Indicator::parse("柔性引进海外人才（人）"),
            Ok(Indicator::OverseasTalents)
        );
        assert_eq!(
            Indicator::parse("上传专家、成果、难题等信息 （条）"),
            Ok(Indicator::PlatformUploads)
        );
    }

    #[test]
    fn headers_are_built_from_name_and_unit() {
        assert_eq!(
            Indicator::VolunteerServices.header_zh(),
            "“百会链千企”科技志愿服务活动（次）"
        );
        let units: Vec<_> = Indicator::ALL.iter().map(|i| i.unit()).collect();
        assert_eq!(units, ["条", "次", "项", "项", "次", "人", "次"]);
    }

    #[test]
    fn unknown_headers_and_other_columns_are_not_indicators() {
        for h in [
            "基地编号",
            "年度",
            "截至日期",
            "活动",
            "(次)",
            "国际交流合作",
        ] {
            assert!(
                matches!(Indicator::parse(h), Err(DomainError::UnknownIndicator(_))),
                "{h}"
            );
        }
        assert_eq!(Indicator::parse("  "), Err(DomainError::Empty));
    }

    #[test]
    fn indicators_serialize_as_their_ids() {
        for i in Indicator::ALL {
            let json = format!("\"{}\"", i.id());
            assert_eq!(serde_json::to_string(&i).unwrap(), json);
            assert_eq!(serde_json::from_str::<Indicator>(&json).unwrap(), i);
        }
    }

    #[test]
    fn every_label_is_distinct() {
        let mut keys: Vec<String> = Indicator::ALL
            .iter()
            .flat_map(|i| [key(i.name_zh()), key(i.short_zh())])
            .collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), 2 * Indicator::ALL.len());
    }
}
