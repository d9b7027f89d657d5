//! Bad input: a file with any invalid row is refused whole, every problem is
//! located (file, sheet, row, column), the database is unchanged, and the
//! file is kept with its report.

use crate::helpers::{import_sample, on_both_backends, snapshot, TestDb};
use basewatch::ingest::{Outcome, Report};

const REGISTER: &str = "基地编号,基地名称,基地类型,依托单位,统一社会信用代码,推荐渠道,推荐单位,所在地市,认定日期,联系邮箱\n";
const GOOD_BASE: &str = "NEW-001,新基地,产学研协作类,某大学,1241000052601815X0,省辖市科协,郑州市科协,郑州市,2023-03-15,a@example.org\n";
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
    assert_eq!(ledger[0].outcome, "rejected");
    assert!(ledger[0].report.contains("problems"));
    report
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
    let row = GOOD_BASE.replace("1241000052601815X0", "1241000052601815X1");
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
);
