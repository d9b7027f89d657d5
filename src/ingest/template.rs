//! The three import templates, recognised by their headers.

use crate::domain::{text, Indicator};

/// Which template a sheet follows. The order is the order sheets are imported
/// in: a workbook may carry the register and the data together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Template {
    /// 基地名册
    Register,
    /// 年度指标表
    YearlyCounts,
    /// 活动明细
    ActivityRecords,
}

impl Template {
    pub fn id(self) -> &'static str {
        match self {
            Template::Register => "register",
            Template::YearlyCounts => "yearly_counts",
            Template::ActivityRecords => "activity_records",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Template::Register => "基地名册",
            Template::YearlyCounts => "年度指标表",
            Template::ActivityRecords => "活动明细",
        }
    }
    /// The template's columns, in order: (field, Chinese header, required).
    pub fn columns(self) -> Vec<(Field, String, bool)> {
        let fixed = |fields: &[Field]| {
            fields
                .iter()
                .map(|f| (*f, f.header_zh().to_string(), f.required_in(self)))
                .collect::<Vec<_>>()
        };
        match self {
            Template::Register => fixed(&[
                Field::BaseCode,
                Field::BaseName,
                Field::BaseType,
                Field::HostUnit,
                Field::CreditCode,
                Field::Channel,
                Field::Unit,
                Field::City,
                Field::RecognisedOn,
                Field::Email,
            ]),
            Template::YearlyCounts => {
                let mut v = fixed(&[Field::BaseCode, Field::Year, Field::AsOf]);
                v.extend(
                    Indicator::ALL
                        .iter()
                        .map(|i| (Field::Value(*i), i.header_zh(), false)),
                );
                v
            }
            Template::ActivityRecords => fixed(&[
                Field::BaseCode,
                Field::Indicator,
                Field::Date,
                Field::Quantity,
                Field::Title,
                Field::EvidenceUrl,
                Field::ExternalId,
            ]),
        }
    }
}

/// A column a template knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    BaseCode,
    BaseName,
    BaseType,
    HostUnit,
    CreditCode,
    Channel,
    Unit,
    City,
    RecognisedOn,
    Email,
    Year,
    AsOf,
    Value(Indicator),
    Indicator,
    Date,
    Quantity,
    Title,
    EvidenceUrl,
    ExternalId,
    /// 序号, 备注: columns people add that carry nothing to import.
    Ignored,
}

impl Field {
    pub fn header_zh(self) -> &'static str {
        match self {
            Field::BaseCode => "基地编号",
            Field::BaseName => "基地名称",
            Field::BaseType => "基地类型",
            Field::HostUnit => "依托单位",
            Field::CreditCode => "统一社会信用代码",
            Field::Channel => "推荐渠道",
            Field::Unit => "推荐单位",
            Field::City => "所在地市",
            Field::RecognisedOn => "认定日期",
            Field::Email => "联系邮箱",
            Field::Year => "年度",
            Field::AsOf => "截至日期",
            Field::Value(i) => i.name_zh(),
            Field::Indicator => "指标",
            Field::Date => "日期",
            Field::Quantity => "数量",
            Field::Title => "标题",
            Field::EvidenceUrl => "佐证链接",
            Field::ExternalId => "外部编号",
            Field::Ignored => "",
        }
    }

    fn english(self) -> &'static str {
        match self {
            Field::BaseCode => "base_code",
            Field::BaseName => "base_name",
            Field::BaseType => "base_type",
            Field::HostUnit => "host_unit",
            Field::CreditCode => "credit_code",
            Field::Channel => "channel",
            Field::Unit => "recommending_unit",
            Field::City => "city",
            Field::RecognisedOn => "recognised_on",
            Field::Email => "email",
            Field::Year => "year",
            Field::AsOf => "as_of",
            Field::Value(i) => i.id(),
            Field::Indicator => "indicator",
            Field::Date => "date",
            Field::Quantity => "quantity",
            Field::Title => "title",
            Field::EvidenceUrl => "evidence_url",
            Field::ExternalId => "external_id",
            Field::Ignored => "",
        }
    }

    fn required_in(self, t: Template) -> bool {
        match t {
            Template::Register => true,
            Template::YearlyCounts => matches!(self, Field::BaseCode | Field::Year),
            Template::ActivityRecords => matches!(
                self,
                Field::BaseCode
                    | Field::Indicator
                    | Field::Date
                    | Field::Title
                    | Field::EvidenceUrl
            ),
        }
    }

    /// The field a header names, in Chinese (with the usual variants) or English.
    pub fn from_header(h: &str) -> Option<Field> {
        const FIXED: [Field; 18] = [
            Field::BaseCode,
            Field::BaseName,
            Field::BaseType,
            Field::HostUnit,
            Field::CreditCode,
            Field::Channel,
            Field::Unit,
            Field::City,
            Field::RecognisedOn,
            Field::Email,
            Field::Year,
            Field::AsOf,
            Field::Indicator,
            Field::Date,
            Field::Quantity,
            Field::Title,
            Field::EvidenceUrl,
            Field::ExternalId,
        ];
        let key = text::compact(h);
        let key = key.trim_matches('*');
        if key.is_empty() {
            return None;
        }
        if let Some(f) = FIXED
            .iter()
            .find(|f| f.header_zh() == key || f.english().eq_ignore_ascii_case(key))
        {
            return Some(*f);
        }
        if let Ok(i) = Indicator::parse(key) {
            return Some(Field::Value(i));
        }
        match key {
            "序号" | "备注" | "说明" | "no" | "note" | "notes" => Some(Field::Ignored),
            "年份" => Some(Field::Year),
            "所在城市" | "地市" => Some(Field::City),
            "活动日期" => Some(Field::Date),
            "活动名称" | "活动标题" => Some(Field::Title),
            "佐证材料链接" | "佐证" => Some(Field::EvidenceUrl),
            _ => None,
        }
    }
}

/// The template a header row follows, guessed from the columns it has.
pub fn detect(fields: &[Option<Field>]) -> Option<Template> {
    let has = |f: Field| fields.contains(&Some(f));
    let has_value = fields.iter().any(|f| matches!(f, Some(Field::Value(_))));
    if has(Field::BaseName) || has(Field::CreditCode) || has(Field::RecognisedOn) {
        Some(Template::Register)
    } else if has(Field::Year) && has_value {
        Some(Template::YearlyCounts)
    } else if has(Field::Indicator) && has(Field::Date) {
        Some(Template::ActivityRecords)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_recognised_with_units_quotes_and_english_ids() {
        assert_eq!(Field::from_header("基地编号"), Some(Field::BaseCode));
        assert_eq!(Field::from_header(" base_code "), Some(Field::BaseCode));
        assert_eq!(
            Field::from_header("\"百会链千企\"科技志愿服务活动（次）"),
            Some(Field::Value(Indicator::VolunteerServices))
        );
        assert_eq!(
            Field::from_header("platform_uploads"),
            Some(Field::Value(Indicator::PlatformUploads))
        );
        assert_eq!(Field::from_header("序号"), Some(Field::Ignored));
        assert_eq!(Field::from_header("金额"), None);
    }

    #[test]
    fn each_template_is_detected_from_its_own_headers() {
        for t in [
            Template::Register,
            Template::YearlyCounts,
            Template::ActivityRecords,
        ] {
            let fields: Vec<_> = t
                .columns()
                .iter()
                .map(|(_, h, _)| Field::from_header(h))
                .collect();
            assert!(fields.iter().all(Option::is_some), "{t:?}");
            assert_eq!(detect(&fields), Some(t));
        }
        assert_eq!(detect(&[Some(Field::BaseCode)]), None);
    }
}
