//! Bad input: a file with any invalid row is refused whole, every problem is
//! located (file, sheet, row, column), the database is unchanged, and the
//! file is kept with its report.

use std::io::Write;
use std::path::Path;

use crate::helpers::{
    api, import_sample, on_both_backends, snapshot, today, Browser, TestDb, PASSWORD,
};
use basewatch::ingest::{Outcome, Report};

const REGISTER: &str = "基地编号,基地名称,基地类型,依托单位,统一社会信用代码,推荐渠道,推荐单位,所在地市,认定日期,联系邮箱\n";
const GOOD_BASE: &str = "NEW-001,新基地,产学研协作类,某大学,124100005260181592,省辖市科协,郑州市科协,郑州市,2023-03-15,a@example.org\n";
const COUNTS: &str = "基地编号,年度,截至日期,上传专家、成果、难题等信息（条）,\"\"\"百会链千企\"\"科技志愿服务活动（次）\",科技成果转化、揭榜挂帅攻关、高端人才引育、高端学术交流等活动（项）\n";
const RECORDS: &str = "基地编号,指标,日期,数量,标题,佐证链接,外部编号\n";

/// Import `content` as `name` on top of the sample; assert it is refused,
/// nothing changed, and the file is kept with its report.
fn refused(t: &TestDb, name: &str, content: impl AsRef<[u8]>) -> Report {
    let mut db = t.db();
    import_sample(t, &mut db);
    let before = snapshot(t, &mut db);
    let path = t.write(name, content);
    let report = t.import(&mut db, &path);
    assert_eq!(report.outcome, Outcome::Rejected, "{}", report.to_text());
    assert!(report.problem_total > 0);
    assert_eq!(snapshot(t, &mut db), before, "the database changed");
    assert!(path.exists(), "the offered file must stay where it was");
    let kept = report.stored_path.clone().expect("kept path");
    assert!(std::path::Path::new(&kept).exists(), "kept copy missing");
    let text =
        std::fs::read_to_string(format!("{kept}.report.txt")).expect("report beside the file");
    assert!(text.contains("已拒绝"), "{text}");
    // The refusal is in the ledger, with its report.
    let ledger = basewatch::db::imports::recent(&mut db, 1).unwrap();
    assert_eq!(ledger[0].outcome.id(), "rejected");
    assert!(ledger[0].report.contains("problems"));
    report
}

/// Assert a problem sits in `sheet`, at `row`, with `reason` in its text.
fn has_sheet_problem(r: &Report, sheet: &str, row: Option<u64>, reason: &str) {
    let found = r
        .problems
        .iter()
        .any(|p| p.sheet == sheet && p.row == row && p.reason.contains(reason));
    assert!(
        found,
        "no problem in sheet {sheet} at row {row:?} with “{reason}”:\n{}",
        r.to_text()
    );
}

/// Assert a problem sits at `row` in `column` (if given) with `reason` in its text.
fn has_problem(r: &Report, row: Option<u64>, column: Option<&str>, reason: &str) {
    let found = r.problems.iter().any(|p| {
        p.row == row
            && column.is_none_or(|c| p.column.as_deref().is_some_and(|pc| pc.contains(c)))
            && p.reason.contains(reason)
            && p.file == r.file
    });
    assert!(
        found,
        "no problem at row {row:?} column {column:?} with “{reason}”:\n{}",
        r.to_text()
    );
}

fn a_header_that_matches_no_template_is_refused(t: &TestDb) {
    let r = refused(t, "unknown.csv", "编号,金额,备注\nA,1,x\n");
    has_problem(&r, Some(1), None, "表头无法识别");
}

fn a_missing_required_column_is_named(t: &TestDb) {
    let header = REGISTER.replace(",联系邮箱", "");
    let row = GOOD_BASE.replace(",a@example.org", "");
    let r = refused(t, "no-email.csv", format!("{header}{row}"));
    has_problem(&r, Some(1), Some("联系邮箱"), "缺少必填列");
}

fn an_unknown_column_is_named(t: &TestDb) {
    let r = refused(
        t,
        "extra.csv",
        COUNTS.replace("\n", ",金额\n") + "SAMPLE-001,2024,2024-12-31,25,6,2,100\n",
    );
    has_problem(&r, Some(1), Some("金额"), "没有这一列");
}

fn a_wrong_credit_code_check_character_is_refused(t: &TestDb) {
    let row = GOOD_BASE.replace("124100005260181592", "124100005260181593");
    let r = refused(t, "credit.csv", format!("{REGISTER}{row}"));
    has_problem(&r, Some(2), Some("统一社会信用代码"), "校验位");
}

fn unknown_type_channel_and_city_are_each_located(t: &TestDb) {
    let row = GOOD_BASE
        .replace("产学研协作类", "科普类")
        .replace("省辖市科协", "民间渠道")
        .replace(",郑州市,", ",北京市,");
    let r = refused(t, "names.csv", format!("{REGISTER}{GOOD_BASE}{row}"));
    has_problem(&r, Some(3), Some("基地类型"), "科普类");
    has_problem(&r, Some(3), Some("推荐渠道"), "民间渠道");
    has_problem(&r, Some(3), Some("所在地市"), "北京");
    assert_eq!(
        r.problem_total,
        3,
        "every problem is listed:\n{}",
        r.to_text()
    );
}

fn an_impossible_date_is_refused(t: &TestDb) {
    let row = GOOD_BASE.replace("2023-03-15", "2023-02-30");
    let r = refused(t, "date.csv", format!("{REGISTER}{row}"));
    has_problem(&r, Some(2), Some("认定日期"), "2023-02-30");
}

fn negative_fractional_and_wordy_counts_are_refused(t: &TestDb) {
    let body = "SAMPLE-001,2024,2024-12-31,-3,6,2\nSAMPLE-002,2024,2024-12-31,19.5,5,3\nSAMPLE-003,2024,2024-12-31,二十,5,3\n";
    let r = refused(t, "counts.csv", format!("{COUNTS}{body}"));
    has_problem(&r, Some(2), Some("上传专家"), "-3");
    has_problem(&r, Some(3), Some("上传专家"), "19.5");
    has_problem(&r, Some(4), Some("上传专家"), "二十");
}

fn a_base_code_not_in_the_register_is_refused(t: &TestDb) {
    let r = refused(
        t,
        "unknown-base.csv",
        format!("{COUNTS}SAMPLE-001,2024,2024-12-31,25,6,2\nNOPE-9,2024,2024-12-31,25,6,2\n"),
    );
    has_problem(&r, Some(3), Some("基地编号"), "未登记");
}

fn the_same_base_and_year_twice_in_one_sheet_is_refused(t: &TestDb) {
    let r = refused(
        t,
        "dup-year.csv",
        format!("{COUNTS}SAMPLE-001,2024,2024-12-31,25,6,2\nSAMPLE-001,2024,2024-12-31,26,6,2\n"),
    );
    has_problem(&r, Some(3), Some("年度"), "第 2 行");
}

fn the_same_activity_twice_in_one_file_is_refused(t: &TestDb) {
    let row = "SAMPLE-003,key_activities,2024-05-01,1,成果转化对接会,https://e.example.org/1,\n";
    let r = refused(t, "dup-record.csv", format!("{RECORDS}{row}{row}"));
    has_problem(&r, Some(3), None, "同一活动");
}

fn an_indicator_the_base_type_does_not_have_is_refused(t: &TestDb) {
    let row = "SAMPLE-003,overseas_talents,2024-05-01,1,引进专家,https://e.example.org/1,\n";
    let r = refused(t, "wrong-indicator.csv", format!("{RECORDS}{row}"));
    has_problem(&r, Some(2), Some("指标"), "不考核");
}

fn a_future_activity_date_is_refused(t: &TestDb) {
    let row = "SAMPLE-003,key_activities,2030-05-01,1,未来活动,https://e.example.org/1,\n";
    let r = refused(t, "future.csv", format!("{RECORDS}{row}"));
    has_problem(&r, Some(2), Some("日期"), "晚于今天");
}

fn a_missing_value_in_a_required_cell_is_refused(t: &TestDb) {
    let row = "SAMPLE-003,key_activities,2024-05-01,1,,https://e.example.org/1,\n";
    let r = refused(t, "no-title.csv", format!("{RECORDS}{row}"));
    has_problem(&r, Some(2), Some("标题"), "必填项为空");
}

fn one_bad_row_among_good_rows_refuses_the_whole_file(t: &TestDb) {
    let mut body = String::new();
    for k in 1..=30 {
        body.push_str(&format!(
            "SAMPLE-003,key_activities,2024-05-{:02},1,活动{k},https://e.example.org/{k},\n",
            k % 28 + 1
        ));
    }
    body.push_str("SAMPLE-003,key_activities,2024-13-01,1,坏日期,https://e.example.org/x,\n");
    let r = refused(t, "mostly-good.csv", format!("{RECORDS}{body}"));
    has_problem(&r, Some(32), Some("日期"), "2024-13-01");
    assert_eq!(r.records_inserted, 0);
}

fn a_broken_workbook_is_refused(t: &TestDb) {
    let r = refused(t, "broken.xlsx", b"PK\x03\x04 this is not a zip");
    has_problem(&r, None, None, "XLSX");
}

fn json_that_is_not_an_array_of_objects_is_refused(t: &TestDb) {
    let r = refused(t, "object.json", r#"{"基地编号": "SAMPLE-001"}"#);
    has_problem(&r, None, None, "JSON");
}

fn a_csv_with_a_broken_quote_is_located(t: &TestDb) {
    let body = "SAMPLE-003,key_activities,2024-05-01,1,\"未闭合的引号,https://e.example.org/1,\nSAMPLE-003,key_activities,2024-05-02,1,x,y,z,w,v\n";
    let r = refused(t, "quote.csv", format!("{RECORDS}{body}"));
    has_problem(&r, Some(2), None, "引号未闭合");
}

// ---------------------------------------------------------------------------
// Workbooks as government offices send them: an instructions sheet, a title row

const RECORD_HEADER: [&str; 7] = [
    "基地编号",
    "指标",
    "日期",
    "数量",
    "标题",
    "佐证链接",
    "外部编号",
];

/// An instructions sheet first, then the records under a merged title row
/// and a blank row: the header is on Excel row 3, data from row 4.
/// `bad_date` replaces the date of the second record (Excel row 5).
fn government_workbook(bad_date: Option<&str>) -> Vec<u8> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let notes = wb.add_worksheet();
    notes.set_name("填表说明").unwrap();
    for (r, line) in [
        "填表说明",
        "1. 基地编号须已在基地名册中登记。",
        "2. 日期格式为 2024-03-05，不能晚于填报当天。",
        "3. 每项活动一行，佐证链接以 http:// 或 https:// 开头。",
    ]
    .iter()
    .enumerate()
    {
        notes.write_string(r as u32, 0, *line).unwrap();
    }
    let data = wb.add_worksheet();
    data.set_name("活动明细").unwrap();
    data.merge_range(0, 0, 0, 6, "2024年度活动明细表", &Format::new())
        .unwrap();
    for (c, h) in RECORD_HEADER.iter().enumerate() {
        data.write_string(2, c as u16, *h).unwrap();
    }
    let rows = [
        [
            "SAMPLE-003",
            "key_activities",
            "2024-05-01",
            "1",
            "成果转化对接会",
            "https://e.example.org/gov/1",
            "",
        ],
        [
            "SAMPLE-003",
            "key_activities",
            bad_date.unwrap_or("2024-05-02"),
            "1",
            "高端学术交流",
            "https://e.example.org/gov/2",
            "",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            data.write_string(3 + r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

fn an_instructions_sheet_beside_the_data_is_skipped_and_named_in_the_report(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let path = t.write("gov.xlsx", government_workbook(None));
    let r = t.import(&mut db, &path);
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    assert_eq!(r.records_inserted, 2, "{}", r.to_text());
    assert_eq!(r.sheets.len(), 1);
    assert_eq!(r.sheets[0].name, "活动明细");
    assert_eq!(r.skipped_sheets.len(), 1);
    assert_eq!(r.skipped_sheets[0].name, "填表说明");
    let note = "工作表“填表说明”不是导入模板，已跳过 (skipped: not an import template)";
    assert_eq!(r.skipped_sheets[0].note, note);
    assert!(r.to_text().contains(note), "{}", r.to_text());
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["skipped_sheets"][0]["name"], "填表说明");
    assert_eq!(json["skipped_sheets"][0]["note"], note);
    // The kept report says so too.
    let kept = r.stored_path.clone().expect("kept path");
    let text = std::fs::read_to_string(format!("{kept}.report.txt")).unwrap();
    assert!(text.contains(note), "{text}");
}

fn rows_below_a_title_row_keep_the_numbers_excel_shows(t: &TestDb) {
    let r = refused(t, "gov-bad.xlsx", government_workbook(Some("2024-13-01")));
    has_problem(&r, Some(5), Some("日期"), "2024-13-01");
    assert_eq!(r.problem_total, 1, "{}", r.to_text());
}

fn a_workbook_with_only_an_instructions_sheet_is_refused(t: &TestDb) {
    use rust_xlsxwriter::Workbook;
    let mut wb = Workbook::new();
    let notes = wb.add_worksheet();
    notes.set_name("填表说明").unwrap();
    notes
        .write_string(0, 0, "填表说明：请按模板填写。")
        .unwrap();
    notes.write_string(1, 0, "基地编号须已登记。").unwrap();
    let r = refused(t, "notes-only.xlsx", wb.save_to_buffer().unwrap());
    has_sheet_problem(&r, "填表说明", Some(1), "表头无法识别");
    assert!(r.skipped_sheets.is_empty());
}

fn a_sheet_with_a_damaged_header_is_refused_not_skipped(t: &TestDb) {
    // 指标 misspelt: two template columns named, no template matched. Skipping
    // it would silently leave its rows out.
    use rust_xlsxwriter::Workbook;
    let mut wb = Workbook::new();
    let good = wb.add_worksheet();
    good.set_name("活动明细").unwrap();
    for (c, h) in RECORD_HEADER.iter().enumerate() {
        good.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in [
        "SAMPLE-003",
        "key_activities",
        "2024-05-01",
        "1",
        "对接会",
        "https://e.example.org/d/1",
        "",
    ]
    .iter()
    .enumerate()
    {
        good.write_string(1, c as u16, *v).unwrap();
    }
    let damaged = wb.add_worksheet();
    damaged.set_name("补充").unwrap();
    for (c, h) in ["基地编号", "指木", "日期", "标题"].iter().enumerate() {
        damaged.write_string(0, c as u16, *h).unwrap();
    }
    let r = refused(t, "damaged.xlsx", wb.save_to_buffer().unwrap());
    has_sheet_problem(&r, "补充", Some(1), "表头无法识别");
}

fn a_title_row_above_a_csv_header_keeps_the_line_numbers(t: &TestDb) {
    let body = "SAMPLE-003,key_activities,2024-05-01,1,对接会,https://e.example.org/t/1,\nSAMPLE-003,key_activities,2024-02-30,1,交流会,https://e.example.org/t/2,\n";
    let r = refused(
        t,
        "titled.csv",
        format!("2024年度活动明细表,,,,,,\n,,,,,,\n{RECORDS}{body}"),
    );
    has_problem(&r, Some(5), Some("日期"), "2024-02-30");
    assert_eq!(r.problem_total, 1, "{}", r.to_text());
}

// ---------------------------------------------------------------------------
// Bytes that are not text

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

fn a_gbk_csv_with_a_broken_character_is_refused_naming_row_and_column(t: &TestDb) {
    let mut file = gbk(RECORDS);
    file.extend(gbk(
        "SAMPLE-003,key_activities,2024-05-01,1,成果转化对接会,https://e.example.org/g/1,\n",
    ));
    // The title ends in 中 (D6 D0) and then half a character (81) before the comma.
    file.extend(gbk("SAMPLE-003,key_activities,2024-05-02,1,交流"));
    file.extend(b"\xD6\xD0\x81,https://e.example.org/g/2,\n");
    file.extend(gbk(
        "SAMPLE-003,key_activities,2024-05-03,1,路演,https://e.example.org/g/3,\n",
    ));
    let r = refused(t, "gbk-broken.csv", file);
    has_problem(&r, Some(3), Some("标题"), "GBK/GB18030");
    assert_eq!(r.problem_total, 1, "{}", r.to_text());
    assert!(
        r.problems[0].reason.contains("交流中"),
        "the cell is shown as far as it reads: {}",
        r.to_text()
    );
}

fn invalid_utf8_far_into_a_csv_is_refused_naming_row_and_column(t: &TestDb) {
    let mut file = RECORDS.as_bytes().to_vec();
    // Rows 2..=4999 are good; row 5000 holds half of 成 (E6 88 90).
    for k in 2..5000 {
        file.extend(
            format!(
                "SAMPLE-003,key_activities,2024-05-{:02},1,活动{k},https://e.example.org/u/{k},\n",
                k % 28 + 1
            )
            .as_bytes(),
        );
    }
    file.extend("SAMPLE-003,key_activities,2024-05-01,1,坏".as_bytes());
    file.extend(b"\xE6\x88,https://e.example.org/u/bad,\n");
    let r = refused(t, "utf8-broken.csv", file);
    has_problem(&r, Some(5000), Some("标题"), "UTF-8");
    assert_eq!(r.problem_total, 1, "{}", r.to_text());
}

// ---------------------------------------------------------------------------
// Crafted workbooks: none may abort or exhaust the process

/// The parts of a minimal workbook with one sheet `活动明细`, built with the
/// zip crate. `sheet_data` is the inside of `<sheetData>`, `dimension` the
/// sheet's declared extent.
fn minimal_parts(
    dimension: &str,
    sheet_data: &str,
    shared_strings: &str,
) -> Vec<(&'static str, Vec<u8>)> {
    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
    vec![
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#
            .as_bytes()
            .to_vec(),
        ),
        (
            "_rels/.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            )
            .into_bytes(),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="活动明细" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            )
            .into_bytes(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
            )
            .into_bytes(),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>"#
            )
            .into_bytes(),
        ),
        ("xl/sharedStrings.xml", shared_strings.as_bytes().to_vec()),
    ]
}

fn zip_parts(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        w.start_file(*name, deflated).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// An inline-string cell.
fn cell(at: &str, text: &str) -> String {
    format!(r#"<c r="{at}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// Row 1: the records header from shared strings 0..=6; row 2: one good record.
fn records_sheet_data() -> String {
    let header: String = RECORD_HEADER
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let col = (b'A' + i as u8) as char;
            format!(r#"<c r="{col}1" t="s"><v>{i}</v></c>"#)
        })
        .collect();
    let values = [
        "SAMPLE-003",
        "key_activities",
        "2024-05-01",
        "1",
        "对接会",
        "https://e.example.org/z/1",
    ];
    let row: String = values
        .iter()
        .enumerate()
        .map(|(i, v)| cell(&format!("{}2", (b'A' + i as u8) as char), v))
        .collect();
    format!(r#"<row r="1">{header}</row><row r="2">{row}</row>"#)
}

fn shared_strings(unique_count: &str) -> String {
    let items: String = RECORD_HEADER
        .iter()
        .map(|h| format!("<si><t>{h}</t></si>"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="7" uniqueCount="{unique_count}">{items}</sst>"#
    )
}

fn the_hand_built_workbook_imports_when_nothing_is_forged(t: &TestDb) {
    // The control for the crafted files below: the same parts, honest.
    let mut db = t.db();
    import_sample(t, &mut db);
    let parts = minimal_parts("A1:G2", &records_sheet_data(), &shared_strings("7"));
    let path = t.write("honest.xlsx", zip_parts(&parts));
    let r = t.import(&mut db, &path);
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    assert_eq!(r.records_inserted, 1);
}

fn a_workbook_declaring_2_to_the_40_shared_strings_is_refused_before_calamine_reserves_them(
    t: &TestDb,
) {
    let parts = minimal_parts(
        "A1:G2",
        &records_sheet_data(),
        &shared_strings("1099511627776"),
    );
    let file = zip_parts(&parts);
    assert!(file.len() < 4096, "a small file: {} bytes", file.len());
    let r = refused(t, "sst-bomb.xlsx", file);
    has_problem(&r, None, None, "uniqueCount");
    has_problem(&r, None, None, "1099511627776");
    assert_eq!(r.problem_total, 1, "{}", r.to_text());
}

fn a_sheet_with_cells_at_a1_and_xfd1048576_streams_and_is_refused_at_the_far_cell(t: &TestDb) {
    let data = format!(
        r#"{}<row r="1048576">{}</row>"#,
        records_sheet_data(),
        cell("XFD1048576", "远处的单元格")
    );
    let parts = minimal_parts("A1:XFD1048576", &data, &shared_strings("7"));
    let r = refused(t, "far-cell.xlsx", zip_parts(&parts));
    has_sheet_problem(&r, "活动明细", Some(1_048_576), "XFD 列有内容");
    assert_eq!(r.problem_total, 1, "{}", r.to_text());
}

fn rows_out_of_order_are_refused_rather_than_merged(t: &TestDb) {
    let row = |r: u32| {
        let url = format!("https://e.example.org/o/{r}");
        let values = [
            "SAMPLE-003",
            "key_activities",
            "2024-05-01",
            "1",
            "活动",
            &url,
        ];
        let cells: String = values
            .iter()
            .enumerate()
            .map(|(i, v)| cell(&format!("{}{r}", (b'A' + i as u8) as char), v))
            .collect();
        format!(r#"<row r="{r}">{cells}</row>"#)
    };
    // Row 4 before row 3.
    let data = format!("{}{}{}", records_sheet_data(), row(4), row(3));
    let parts = minimal_parts("A1:G4", &data, &shared_strings("7"));
    let r = refused(t, "out-of-order.xlsx", zip_parts(&parts));
    has_sheet_problem(&r, "活动明细", Some(3), "行顺序错乱");
}

/// Fixed-Huffman deflate of one space and then `runs` copies of 258 more:
/// 13 bits per 258 bytes, written directly (a compressor at debug speed
/// would take most of a minute over 300 MiB).
fn deflate_spaces(runs: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, value: u64, bits: u32) {
            self.acc |= value << self.n;
            self.n += bits;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// Huffman codes go most significant bit first.
        fn code(&mut self, code: u64, bits: u32) {
            for i in (0..bits).rev() {
                self.put((code >> i) & 1, 1);
            }
        }
    }
    let mut b = Bits {
        out: Vec::with_capacity(runs * 13 / 8 + 16),
        acc: 0,
        n: 0,
    };
    b.put(1, 1); // last block
    b.put(1, 2); // fixed Huffman codes
    b.code(0x30 + u64::from(b' '), 8); // literal ' '
    for _ in 0..runs {
        b.code(0b1100_0101, 8); // length 258 (code 285)
        b.code(0, 5); // distance 1
    }
    b.code(0, 7); // end of block
    b.put(0, 7);
    b.out
}

/// Set the compression method and the declared uncompressed size of entry
/// `name` in both its local and its central header.
fn forge_entry(zip: &mut [u8], name: &str, method: u16, declared: u32) {
    let u16_at = |z: &[u8], i: usize| u16::from_le_bytes([z[i], z[i + 1]]) as usize;
    let mut patched = 0;
    for i in 0..zip.len().saturating_sub(46) {
        // (offset of the method, of the uncompressed size, of the name's length, of the name)
        let (method_at, size_at, name_len_at, name_at) = match &zip[i..i + 4] {
            b"PK\x03\x04" => (i + 8, i + 22, i + 26, i + 30),
            b"PK\x01\x02" => (i + 10, i + 24, i + 28, i + 46),
            _ => continue,
        };
        let len = u16_at(zip, name_len_at);
        if zip.get(name_at..name_at + len) != Some(name.as_bytes()) {
            continue;
        }
        zip[method_at..method_at + 2].copy_from_slice(&method.to_le_bytes());
        zip[size_at..size_at + 4].copy_from_slice(&declared.to_le_bytes());
        patched += 1;
    }
    assert_eq!(patched, 2, "local and central header");
}

/// 300 MiB of spaces as the shared strings (the part calamine holds whole),
/// declaring `declared` bytes: stored raw by the zip writer, then marked deflated.
fn bomb_workbook(declared: u32) -> Vec<u8> {
    let bomb = deflate_spaces(300 * 1024 * 1024 / 258);
    let mut parts = minimal_parts("A1:G2", &records_sheet_data(), "");
    parts.retain(|(n, _)| *n != "xl/sharedStrings.xml");
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in &parts {
        w.start_file(*name, deflated).unwrap();
        w.write_all(bytes).unwrap();
    }
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("xl/sharedStrings.xml", stored).unwrap();
    w.write_all(&bomb).unwrap();
    let mut file = w.finish().unwrap().into_inner();
    forge_entry(&mut file, "xl/sharedStrings.xml", 8, declared);
    assert!(file.len() < 3 * 1024 * 1024, "{} bytes", file.len());
    file
}

fn a_deflate_bomb_that_lies_about_its_size_is_refused_by_the_bytes_it_inflates_to(t: &TestDb) {
    let r = refused(t, "bomb.xlsx", bomb_workbook(1024));
    has_problem(&r, None, None, "压缩炸弹");
    has_problem(&r, None, None, "xl/sharedStrings.xml");
    assert_eq!(r.problem_total, 1, "{}", r.to_text());
}

fn a_deflate_bomb_with_honest_headers_is_refused_before_it_is_inflated(t: &TestDb) {
    let r = refused(t, "honest-bomb.xlsx", bomb_workbook(300 * 1024 * 1024));
    has_problem(&r, None, None, "声明解压后为 300 MiB");
    assert_eq!(r.problem_total, 1, "{}", r.to_text());
}

// ---------------------------------------------------------------------------
// Through the server and the inbox

/// The app with the sample and a province account, on settings of the test's
/// choosing.
fn spawn_with(t: &TestDb, settings: basewatch::config::Settings) -> crate::helpers::TestApp {
    use basewatch::access::{add_user, NewAccount, Role};
    let mut db = t.db();
    import_sample(t, &mut db);
    add_user(
        &mut db,
        &NewAccount {
            username: "province",
            password: PASSWORD,
            role: Role::Province,
            unit: None,
            base: None,
            email: "x@example.org",
        },
    )
    .expect("add user");
    let (_, token) =
        basewatch::access::issue_token(&mut db, "province", "tests", None).expect("token");
    let state = basewatch::web::AppState::new(settings, Some(today())).expect("app state");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let _ = basewatch::web::run(listener, state).expect("run").await;
        })
    });
    crate::helpers::TestApp {
        addr,
        tokens: [("province", token)].into_iter().collect(),
    }
}

fn province(app: &crate::helpers::TestApp) -> (Browser, String) {
    let mut b = Browser::new(app);
    assert_eq!(b.login("province", PASSWORD).status, 303);
    let csrf = b.csrf();
    (b, csrf)
}

fn the_server_survives_a_crafted_workbook_upload_and_still_answers_healthz(t: &TestDb) {
    let app = spawn_with(t, t.settings());
    let (b, csrf) = province(&app);
    let mut db = t.db();
    let before = snapshot(t, &mut db);
    for (name, file) in [
        (
            "sst-bomb.xlsx",
            zip_parts(&minimal_parts(
                "A1:G2",
                &records_sheet_data(),
                &shared_strings("1099511627776"),
            )),
        ),
        (
            "far-cell.xlsx",
            zip_parts(&minimal_parts(
                "A1:XFD1048576",
                &format!(
                    r#"{}<row r="1048576">{}</row>"#,
                    records_sheet_data(),
                    cell("XFD1048576", "x")
                ),
                &shared_strings("7"),
            )),
        ),
    ] {
        let r = b.post(
            &format!("/imports/upload?filename={name}"),
            &[("X-CSRF-Token", &csrf)],
            &file,
        );
        assert_eq!(r.status, 422, "{name}: {}", r.text());
        assert!(r.text().contains("已拒绝"), "{name}: {}", r.text());
        let h = api(&app, "GET", "/healthz", None, None);
        assert_eq!((h.status, h.text().as_str()), (200, "ok"), "after {name}");
    }
    assert_eq!(snapshot(t, &mut db), before, "the database changed");
    let rejected = t.settings().data_dir.join("imports/rejected");
    let kept: Vec<_> = std::fs::read_dir(&rejected)
        .expect("rejected folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".xlsx"))
        .collect();
    assert_eq!(kept.len(), 2, "both refused files are kept: {kept:?}");
}

fn an_upload_over_the_configured_limit_gets_413_in_chinese_and_stores_nothing(t: &TestDb) {
    let mut settings = t.settings();
    settings.max_upload_bytes = 4096;
    let app = spawn_with(t, settings.clone());
    let (b, csrf) = province(&app);
    let mut db = t.db();
    let before = snapshot(t, &mut db);
    let ledger = basewatch::db::imports::recent(&mut db, 1000).unwrap().len();

    let mut big = RECORDS.as_bytes().to_vec();
    while big.len() <= 64 * 1024 {
        big.extend(b"SAMPLE-003,key_activities,2024-05-01,1,x,https://e.example.org/x,\n");
    }
    let r = b.post(
        "/imports/upload?filename=big.csv",
        &[("X-CSRF-Token", &csrf)],
        &big,
    );
    assert_eq!(r.status, 413, "{}", r.text());
    let error = serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(error.starts_with("文件过大"), "{error}");
    assert!(error.contains("4096"), "{error}");

    assert_eq!(snapshot(t, &mut db), before, "the database changed");
    assert_eq!(
        basewatch::db::imports::recent(&mut db, 1000).unwrap().len(),
        ledger,
        "no ledger row"
    );
    let uploads = settings.data_dir.join("uploads");
    let stored: Vec<_> = std::fs::read_dir(&uploads)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(stored.is_empty(), "nothing stored: {stored:?}");

    // The API route answers the same, in the same words.
    let token = app.tokens["province"].clone();
    let r = api(
        &app,
        "POST",
        "/api/v1/imports?filename=big.csv",
        Some(&token),
        Some(&big),
    );
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.text().contains("文件过大"), "{}", r.text());
    // Without a token the body is never read: 401, not 413.
    let r = api(
        &app,
        "POST",
        "/api/v1/imports?filename=big.csv",
        None,
        Some(&big),
    );
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(snapshot(t, &mut db), before, "the database changed");

    // Under the limit the same route imports as before.
    let small = format!(
        "{RECORDS}SAMPLE-003,key_activities,2024-05-01,1,小文件,https://e.example.org/small,\n"
    );
    let r = b.post(
        "/imports/upload?filename=small.csv",
        &[("X-CSRF-Token", &csrf)],
        small.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

fn inbox_run(
    t: &TestDb,
    settings: &basewatch::config::Settings,
    at: &str,
) -> basewatch::jobs::RunReport {
    let mut db = t.db();
    let job = basewatch::jobs::load(Path::new("/nonexistent"))
        .expect("built-in jobs")
        .into_iter()
        .find(|j| j.name == "import-inbox")
        .expect("import-inbox job");
    let at = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S").unwrap();
    basewatch::jobs::run(&mut db, settings, &job, today(), at, "test")
        .expect("job runs")
        .expect("claimed")
}

fn names(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn the_inbox_moves_a_crafted_workbook_out_before_importing_it_and_rejects_it_with_its_report(
    t: &TestDb,
) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let before = snapshot(t, &mut db);
    let mut settings = t.settings();
    let inbox = t.path("inbox");
    settings.inbox_dir = inbox.clone();
    std::fs::create_dir_all(&inbox).unwrap();
    let crafted = zip_parts(&minimal_parts(
        "A1:G2",
        &records_sheet_data(),
        &shared_strings("1099511627776"),
    ));
    std::fs::write(inbox.join("crafted.xlsx"), &crafted).unwrap();

    let r = inbox_run(t, &settings, "2026-11-28 01:00:00");
    assert_eq!(r.counts.get("rejected"), Some(&1), "{r:?}");
    assert_eq!(names(&inbox), ["done", "rejected"], "the inbox is empty");
    assert_eq!(
        names(&inbox.join("rejected")),
        ["crafted.xlsx", "crafted.xlsx.report.txt"]
    );
    let report = std::fs::read_to_string(inbox.join("rejected/crafted.xlsx.report.txt")).unwrap();
    assert!(
        report.contains("已拒绝") && report.contains("uniqueCount"),
        "{report}"
    );
    assert_eq!(
        std::fs::read(inbox.join("rejected/crafted.xlsx")).unwrap(),
        crafted
    );
    assert_eq!(snapshot(t, &mut db), before, "the database changed");
}

fn a_file_left_in_processing_by_an_interrupted_run_is_rejected_not_retried(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let before = snapshot(t, &mut db);
    let ledger = basewatch::db::imports::recent(&mut db, 1000).unwrap().len();
    let mut settings = t.settings();
    let inbox = t.path("inbox");
    settings.inbox_dir = inbox.clone();
    // As a run that died while importing it would leave it.
    std::fs::create_dir_all(inbox.join("processing")).unwrap();
    let body = format!(
        "{RECORDS}SAMPLE-003,key_activities,2024-05-01,1,中断的导入,https://e.example.org/i/1,\n"
    );
    std::fs::write(inbox.join("processing/killer.csv"), &body).unwrap();

    let r = inbox_run(t, &settings, "2026-11-28 01:05:00");
    assert_eq!(r.counts.get("rejected"), Some(&1), "{r:?}");
    assert_eq!(r.counts.get("imported"), None, "{r:?}");
    assert_eq!(names(&inbox), ["done", "rejected"]);
    assert_eq!(
        names(&inbox.join("rejected")),
        ["killer.csv", "killer.csv.report.txt"]
    );
    let note = std::fs::read_to_string(inbox.join("rejected/killer.csv.report.txt")).unwrap();
    assert!(
        note.contains("中断") && note.contains("not retried"),
        "{note}"
    );
    assert_eq!(snapshot(t, &mut db), before, "not imported");
    assert_eq!(
        basewatch::db::imports::recent(&mut db, 1000).unwrap().len(),
        ledger
    );
}

on_both_backends!(
    a_header_that_matches_no_template_is_refused,
    a_missing_required_column_is_named,
    an_unknown_column_is_named,
    a_wrong_credit_code_check_character_is_refused,
    unknown_type_channel_and_city_are_each_located,
    an_impossible_date_is_refused,
    negative_fractional_and_wordy_counts_are_refused,
    a_base_code_not_in_the_register_is_refused,
    the_same_base_and_year_twice_in_one_sheet_is_refused,
    the_same_activity_twice_in_one_file_is_refused,
    an_indicator_the_base_type_does_not_have_is_refused,
    a_future_activity_date_is_refused,
    a_missing_value_in_a_required_cell_is_refused,
    one_bad_row_among_good_rows_refuses_the_whole_file,
    a_broken_workbook_is_refused,
    json_that_is_not_an_array_of_objects_is_refused,
    a_csv_with_a_broken_quote_is_located,
    an_instructions_sheet_beside_the_data_is_skipped_and_named_in_the_report,
    rows_below_a_title_row_keep_the_numbers_excel_shows,
    a_workbook_with_only_an_instructions_sheet_is_refused,
    a_sheet_with_a_damaged_header_is_refused_not_skipped,
    a_title_row_above_a_csv_header_keeps_the_line_numbers,
    a_gbk_csv_with_a_broken_character_is_refused_naming_row_and_column,
    invalid_utf8_far_into_a_csv_is_refused_naming_row_and_column,
    the_hand_built_workbook_imports_when_nothing_is_forged,
    a_workbook_declaring_2_to_the_40_shared_strings_is_refused_before_calamine_reserves_them,
    a_sheet_with_cells_at_a1_and_xfd1048576_streams_and_is_refused_at_the_far_cell,
    rows_out_of_order_are_refused_rather_than_merged,
    a_deflate_bomb_that_lies_about_its_size_is_refused_by_the_bytes_it_inflates_to,
    a_deflate_bomb_with_honest_headers_is_refused_before_it_is_inflated,
    the_server_survives_a_crafted_workbook_upload_and_still_answers_healthz,
    an_upload_over_the_configured_limit_gets_413_in_chinese_and_stores_nothing,
    the_inbox_moves_a_crafted_workbook_out_before_importing_it_and_rejects_it_with_its_report,
    a_file_left_in_processing_by_an_interrupted_run_is_rejected_not_retried,
);
