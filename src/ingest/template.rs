//! The import templates, recognised by their headers: the three of the
//! yearly work, and the 认定申请表 of the recognition round, whose figure
//! columns are the rulebook's application conditions.

use crate::domain::{text, Indicator};
use crate::rules::{Condition, ConditionKind, Rulebook};

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
    /// 认定申请表 (第九条): applications a unit files in the round.
    Applications,
}

impl Template {
    pub fn id(self) -> &'static str {
        match self {
            Template::Register => "register",
            Template::YearlyCounts => "yearly_counts",
            Template::ActivityRecords => "activity_records",
            Template::Applications => "applications",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Template::Register => "基地名册",
            Template::YearlyCounts => "年度指标表",
            Template::ActivityRecords => "活动明细",
            Template::Applications => "认定申请表",
        }
    }
    /// The template's columns with the figure columns of `rulebook`'s
    /// application conditions (for the 认定申请表; a registration date is
    /// its own column).
    pub fn columns_for(self, rulebook: &Rulebook) -> Vec<(Field, String, bool)> {
        let mut v = self.columns();
        if self == Template::Applications {
            v.extend(
                (0u16..)
                    .zip(&rulebook.application)
                    .filter(|(_, c)| c.kind != ConditionKind::YearsSince)
                    .map(|(i, c)| (Field::Figure(i), c.zh.clone(), false)),
            );
        }
        v
    }

    /// The template's fixed columns, in order: (field, Chinese header, required).
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
            Template::Applications => fixed(&[
                Field::HostUnit,
                Field::CreditCode,
                Field::BaseType,
                Field::Channel,
                Field::Unit,
                Field::City,
                Field::RegisteredOn,
                Field::Year,
            ]),
        }
    }
}

/// The field of a 认定申请表 header that names one of `rulebook`'s
/// conditions, by its text or its id.
pub fn figure_field(rulebook: &Rulebook, header: &str) -> Option<Field> {
    let key = text::compact(header);
    let key = key.trim_matches('*');
    (0u16..)
        .zip(&rulebook.application)
        .find(|(_, c)| {
            c.kind != ConditionKind::YearsSince
                && (text::compact(&c.zh) == key || c.id.eq_ignore_ascii_case(key))
        })
        .map(|(i, _)| Field::Figure(i))
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
    /// 注册日期: when an applicant was registered (第四条(七)).
    RegisteredOn,
    /// A figure of the 认定申请表: the rulebook's application condition at this index.
    Figure(u16),
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
            Field::RegisteredOn => "注册日期",
            Field::Figure(_) => "",
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
            Field::RegisteredOn => "registered_on",
            Field::Figure(_) => "",
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
            Template::Applications => !matches!(self, Field::Year | Field::Figure(_)),
        }
    }

    /// The field a header names, in Chinese (with the usual variants) or English.
    pub fn from_header(h: &str) -> Option<Field> {
        const FIXED: [Field; 19] = [
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
            Field::RegisteredOn,
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
            "注册成立日期" | "成立日期" | "成立时间" => Some(Field::RegisteredOn),
            "申报年度" | "认定年度" => Some(Field::Year),
            _ => None,
        }
    }
}

/// The template a header row follows, guessed from the columns it has.
pub fn detect(fields: &[Option<Field>]) -> Option<Template> {
    let has = |f: Field| fields.contains(&Some(f));
    let has_value = fields.iter().any(|f| matches!(f, Some(Field::Value(_))));
    if has(Field::RegisteredOn) && has(Field::HostUnit) && !has(Field::BaseCode) {
        Some(Template::Applications)
    } else if has(Field::BaseName) || has(Field::CreditCode) || has(Field::RecognisedOn) {
        Some(Template::Register)
    } else if has(Field::Year) && has_value {
        Some(Template::YearlyCounts)
    } else if has(Field::Indicator) && has(Field::Date) {
        Some(Template::ActivityRecords)
    } else {
        None
    }
}

/// The sample base of the templates' example rows (see `README.md`).
const EXAMPLE_CODE: &str = "SAMPLE-001";

/// A cell of a template's example row.
enum Example {
    Text(&'static str),
    Count(u32),
}

/// The example row's value for a column of `t` (none: the cell stays
/// empty); `condition` is the figure column's.
fn example(t: Template, f: Field, condition: Option<&Condition>) -> Option<Example> {
    use Example::{Count, Text};
    match (t, f) {
        (_, Field::BaseCode) => Some(Text(EXAMPLE_CODE)),
        (Template::Applications, f) => match f {
            // An 创新创业孵化类 applicant of 郑州市 that meets every condition.
            Field::HostUnit => Some(Text("郑州某科技园发展有限公司")),
            Field::CreditCode => Some(Text("914107001318609168")),
            Field::BaseType => Some(Text("创新创业孵化类")),
            Field::Channel => Some(Text("省辖市科协")),
            Field::Unit => Some(Text("郑州市科协")),
            Field::City => Some(Text("郑州市")),
            Field::RegisteredOn => Some(Text("2020-05-01")),
            Field::Figure(_) => {
                let c = condition.filter(|c| c.incubation.is_some())?;
                Some(match (c.kind, c.id.as_str()) {
                    (ConditionKind::Judgement, _) => {
                        Text("提供知识产权、工商税务、法律、金融、人才等咨询服务")
                    }
                    (ConditionKind::Required, _) => Text("是"),
                    (ConditionKind::ShareMin | ConditionKind::ShareOver, _) => Text("62%"),
                    (_, "incubation_area_m2") => Count(8000),
                    (_, "incubation_service_staff") => Count(30),
                    _ => Count(3),
                })
            }
            _ => None,
        },
        (Template::Register, f) => Some(Text(match f {
            Field::BaseName => "郑州大学智能制造产学研协作基地",
            Field::BaseType => "产学研协作类",
            Field::HostUnit => "郑州大学",
            Field::CreditCode => "1241000052601815X0",
            Field::Channel => "省辖市科协",
            Field::Unit => "郑州市科协",
            Field::City => "郑州市",
            Field::RecognisedOn => "2023-03-15",
            Field::Email => "contact001@example.org",
            _ => return None,
        })),
        (Template::YearlyCounts, Field::Year) => Some(Text("2024")),
        (Template::YearlyCounts, Field::AsOf) => Some(Text("2024-12-31")),
        (Template::YearlyCounts, Field::Value(i)) => match i {
            Indicator::PlatformUploads => Some(Count(25)),
            Indicator::VolunteerServices => Some(Count(6)),
            Indicator::KeyActivities => Some(Count(2)),
            _ => None,
        },
        (Template::ActivityRecords, f) => match f {
            Field::Indicator => Some(Text(Indicator::PlatformUploads.name_zh())),
            Field::Date => Some(Text("2024-03-05")),
            Field::Quantity => Some(Count(1)),
            Field::Title => Some(Text("向“科创中国”平台上传成果信息")),
            Field::EvidenceUrl => Some(Text("https://kczg.example.org/SAMPLE-001/1")),
            Field::ExternalId => Some(Text("EXT-001")),
            _ => None,
        },
        _ => None,
    }
}

/// What to type in a column, for the note on its header cell.
fn column_help(t: Template, f: Field, condition: Option<&Condition>) -> String {
    let date = "格式 2024-03-05，也可写 2024/3/5、2024年3月5日或 Excel 日期";
    let types = |c: &Condition| {
        [
            (c.iar.is_some(), "产学研协作类"),
            (c.incubation.is_some(), "创新创业孵化类"),
            (c.international.is_some(), "国际创新合作类"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join("、")
    };
    match f {
        Field::Figure(_) => {
            let Some(c) = condition else {
                return String::new();
            };
            let what = match c.kind {
                ConditionKind::Min => "填数字（人数、项数或平方米）",
                ConditionKind::ShareMin | ConditionKind::ShareOver => {
                    "填比例，如 80% 或 0.8"
                }
                ConditionKind::Required => "填“是”或“否”",
                ConditionKind::Judgement => "简述情况，由专家论证，程序不作判断",
                ConditionKind::YearsSince => "",
            };
            format!(
                "{}（{}）。{what}。适用于：{}；其他类型请留空。",
                c.zh,
                c.article,
                types(c)
            )
        }
        Field::RegisteredOn => format!("依托单位注册成立日期，{date}；按日期核对是否满一年。"),
        Field::Year if t == Template::Applications => {
            "申报年度，如 2026；留空为今年。须是省科协已开放的认定年度。".into()
        }
        Field::HostUnit if t == Template::Applications => {
            "申请单位（依托单位）全称；同一依托单位同一类型每年只能通过一个渠道申请。".into()
        }
        Field::BaseCode => match t {
            Template::Register => "基地编号，如 SAMPLE-001；每个基地一行，编号不能重复。".into(),
            _ => "基地编号，如 SAMPLE-001；须已在基地名册中登记（先导入基地名册）。".into(),
        },
        Field::BaseName => "基地全称。".into(),
        Field::BaseType => "产学研协作类、创新创业孵化类或国际创新合作类（可省略“类”）；导入后不能更改。".into(),
        Field::HostUnit => "依托单位全称。".into(),
        Field::CreditCode => "依托单位的 18 位统一社会信用代码，校验位会被核对；请按文本填写，不要转成数字。".into(),
        Field::Channel => "推荐渠道：省辖市科协、全省学会，或中央驻豫单位、省属有关单位。".into(),
        Field::Unit => "推荐单位名称，如 郑州市科协；同一推荐单位只属于一个推荐渠道。".into(),
        Field::City => "所在地市，如 郑州市（可省略“市”）。".into(),
        Field::RecognisedOn => format!("认定日期，{date}；不能晚于今天。"),
        Field::Email => "基地联系邮箱。".into(),
        Field::Year => "考核年度，如 2024；不能是尚未开始的年度。每个基地每个年度一行。".into(),
        Field::AsOf => "数据截至日期，须在该年度内且不晚于今天；留空时往年按 12 月 31 日、本年按导入当天计。".into(),
        Field::Value(i) => format!(
            "{}，单位：{}。空白 = 未填报；0 = 填报为零（两者不同）。本基地类型不考核的指标请留空。再次导入同一基地、年度会更正原数据，清空的单元格变为未填报。",
            i.name_zh(),
            i.unit()
        ),
        Field::Indicator => {
            let names: Vec<&str> = Indicator::ALL.iter().map(|i| i.name_zh()).collect();
            format!(
                "指标名称，须是本基地类型考核的指标：{}。也可写指标编号，如 platform_uploads。",
                names.join("；")
            )
        }
        Field::Date => format!("活动日期，{date}；不能晚于今天；计入日期所在年度。"),
        Field::Quantity => "数量，正整数；留空默认 1。".into(),
        Field::Title => "活动标题或内容简述。".into(),
        Field::EvidenceUrl => "佐证链接，以 http:// 或 https:// 开头。".into(),
        Field::ExternalId => "本单位系统中的活动编号；同一编号再次导入会更新原记录，不会重复计数。留空时按内容识别同一活动。".into(),
        Field::Ignored => String::new(),
    }
}

/// The blank import template `t` as an XLSX workbook: one sheet named
/// `t.name_zh()`, the Chinese headers of [`Template::columns`] in row 1
/// (required columns in bold red, optional ones in bold; each header cell
/// carries a note saying what to type) and one example row that imports as
/// it is. The instructions live in the notes, not on a second sheet: the
/// importer reads every sheet and refuses one whose header it cannot
/// recognise. Text columns are formatted as text so that Excel keeps codes
/// and credit codes as typed.
pub fn blank_xlsx(t: Template, rulebook: &Rulebook) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Color, Format, FormatAlign, Note, Workbook};

    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(t.name_zh())?;
    let header = |required: bool| {
        let f = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_num_format("@");
        if required {
            f.set_font_color(Color::Red)
        } else {
            f
        }
    };
    let (required_header, optional_header) = (header(true), header(false));
    let text = Format::new().set_num_format("@");
    for (c, (field, title, required)) in (0u16..).zip(t.columns_for(rulebook)) {
        let condition = match field {
            Field::Figure(i) => rulebook.application.get(usize::from(i)),
            _ => None,
        };
        let mut help = format!(
            "{}。{}",
            if required { "必填" } else { "选填" },
            column_help(t, field, condition)
        );
        if c == 0 {
            help.push_str(
                "\n\n红色表头为必填列，黑色表头为选填列。请勿修改表头文字。第 2 行是示例，导入前请删除或改为实际数据。",
            );
        }
        let note = Note::new(help)
            .set_author("填写说明")
            .set_width(360)
            .set_height(200);
        let format = if required {
            &required_header
        } else {
            &optional_header
        };
        sheet.write_string_with_format(0, c, title.as_str(), format)?;
        sheet.insert_note(0, c, &note)?;
        let is_count = matches!(field, Field::Value(_) | Field::Quantity);
        if !is_count {
            sheet.set_column_format(c, &text)?;
        }
        let value_width = match example(t, field, condition) {
            Some(Example::Text(v)) => {
                sheet.write_string_with_format(1, c, v, &text)?;
                display_width(v)
            }
            Some(Example::Count(n)) => {
                sheet.write_number(1, c, n)?;
                n.to_string().len()
            }
            None => 0,
        };
        // Long indicator headers wrap; short ones and the example fit.
        let width = display_width(&title).min(24).max(value_width).clamp(10, 40);
        sheet.set_column_width(c, width as f64 + 2.0)?;
    }
    sheet.set_row_height(0, 48)?;
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

/// Approximate width in Excel characters: CJK and other wide characters count two.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
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

    const TEMPLATES: [Template; 3] = [
        Template::Register,
        Template::YearlyCounts,
        Template::ActivityRecords,
    ];

    fn header_row(bytes: Vec<u8>, sheet: &str) -> (Vec<String>, usize) {
        use calamine::{open_workbook_from_rs, Reader, Xlsx};
        let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            book.sheet_names(),
            vec![sheet.to_string()],
            "a single sheet"
        );
        let range = book.worksheet_range(sheet).unwrap();
        let header = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        (header, range.height())
    }

    #[test]
    fn each_blank_xlsx_template_has_exactly_the_template_headers_and_one_example_row() {
        let rulebook = crate::rules::Rulebook::henan();
        for t in TEMPLATES.into_iter().chain([Template::Applications]) {
            let (header, height) = header_row(blank_xlsx(t, &rulebook).unwrap(), t.name_zh());
            let expected: Vec<String> = t.columns_for(&rulebook).into_iter().map(|c| c.1).collect();
            assert_eq!(header, expected, "{t:?}");
            assert_eq!(height, 2, "{t:?}: header and one example row");
        }
    }

    #[test]
    fn the_blank_xlsx_templates_import_with_their_example_rows() {
        use crate::ingest::{import_file, Options, Outcome};
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let url = format!("sqlite://{}", dir.join("t.db").display());
        let mut db = crate::db::Db::connect(&url).unwrap();
        let settings = crate::config::Settings::for_database(&url, &dir.join("data")).unwrap();
        let opts = Options {
            by: "t".into(),
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            progress: false,
            own: None,
            unit: None,
        };
        // The register first: the other two refer to its base.
        for t in TEMPLATES {
            let path = dir.join(format!("{}.xlsx", t.id()));
            std::fs::write(&path, blank_xlsx(t, &settings.rulebook).unwrap()).unwrap();
            let report = import_file(&mut db, &settings, &path, &opts).unwrap();
            assert_eq!(
                report.outcome,
                Outcome::Accepted,
                "{t:?}: {:#?}",
                report.problems
            );
            assert_eq!(report.sheets.len(), 1, "{t:?}");
            assert_eq!(report.sheets[0].template, Some(t));
            assert_eq!(report.sheets[0].rows, 1, "{t:?}");
            match t {
                Template::Register => assert_eq!(report.bases_created, 1),
                Template::YearlyCounts => {
                    assert_eq!(report.declarations, 1);
                    assert_eq!(report.declared_values_changed, 3);
                }
                Template::ActivityRecords => assert_eq!(report.records_inserted, 1),
                Template::Applications => unreachable!(),
            }
        }
        // The 认定申请表's example is an application that meets every
        // condition, once the round is open.
        let path = dir.join("applications.xlsx");
        std::fs::write(
            &path,
            blank_xlsx(Template::Applications, &settings.rulebook).unwrap(),
        )
        .unwrap();
        let report = import_file(&mut db, &settings, &path, &opts).unwrap();
        assert_eq!(report.outcome, Outcome::Rejected, "no round yet");
        assert_eq!(report.problems[0].column.as_deref(), Some("年度"));
        crate::db::recognition::open_round(&mut db, 2026, opts.today, opts.today, "t").unwrap();
        let path = dir.join("applications-2.xlsx");
        std::fs::write(
            &path,
            blank_xlsx(Template::Applications, &settings.rulebook).unwrap(),
        )
        .unwrap();
        let report = import_file(&mut db, &settings, &path, &opts).unwrap();
        assert_eq!(
            (report.outcome, report.applications_filed),
            (Outcome::Accepted, 1),
            "{:#?}",
            report.problems
        );
        let (apps, _) = crate::db::recognition::of_round(&mut db, 2026, None, 0, 10).unwrap();
        let check = crate::recognition::check_application(&settings, &apps[0], &[], opts.today);
        assert!(
            check
                .iter()
                .filter(|c| !c.id.ends_with("form") && !c.id.ends_with("plan"))
                .all(|c| c.result != crate::recognition::Verdict::NotMet),
            "{check:#?}"
        );
    }
}
