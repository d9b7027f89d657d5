//! The same data arrives as UTF-8 CSV, GBK CSV, XLSX and JSON, typed in the
//! usual messy ways, and evaluates the same.

use crate::helpers::{import_sample, on_both_backends, sample, TestDb};
use basewatch::compliance::output::write_csv;
use basewatch::db;
use basewatch::ingest::{source::Format, Outcome};

const SAMPLES: [&str; 3] = [
    "bases_register.csv",
    "yearly_counts_2024.csv",
    "activity_records_2024.csv",
];

fn read_csv(name: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(sample(name))
        .unwrap()
        .into_records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn scorecard_csv(t: &TestDb, db: &mut basewatch::db::Db) -> String {
    let card = t.evaluate(db, 2024, None);
    let mut out = Vec::new();
    write_csv(&card, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn expected(t: &TestDb) -> String {
    // The reference: the sample as shipped, in a database of its own.
    let reference = if t.url.starts_with("sqlite") {
        TestDb::sqlite()
    } else {
        TestDb::postgres().unwrap()
    };
    let mut db = reference.db();
    import_sample(&reference, &mut db);
    scorecard_csv(&reference, &mut db)
}

fn gbk_csv_files_import_like_utf8(t: &TestDb) {
    let mut db = t.db();
    for name in SAMPLES {
        let text = std::fs::read_to_string(sample(name)).unwrap();
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        let r = t.import(&mut db, &t.write(&format!("gbk-{name}"), &bytes));
        assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
        assert_eq!(r.format, Format::Csv);
    }
    assert_eq!(scorecard_csv(t, &mut db), expected(t));
}

fn a_utf8_bom_is_ignored(t: &TestDb) {
    let mut db = t.db();
    for name in SAMPLES {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(std::fs::read(sample(name)).unwrap());
        let r = t.import(&mut db, &t.write(&format!("bom-{name}"), &bytes));
        assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    }
    assert_eq!(scorecard_csv(t, &mut db), expected(t));
}

fn one_workbook_with_all_three_sheets_in_any_order_imports(t: &TestDb) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    // Records first: the importer must still take the register first.
    for name in [SAMPLES[2], SAMPLES[1], SAMPLES[0]] {
        let ws = wb.add_worksheet();
        ws.set_name(name.trim_end_matches(".csv")).unwrap();
        for (r, row) in read_csv(name).iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                // Numbers as numbers, as Excel would store them.
                match v.parse::<f64>() {
                    Ok(n) if r > 0 && !v.is_empty() && v.len() <= 6 => {
                        ws.write_number(r as u32, c as u16, n)
                    }
                    _ => ws.write_string(r as u32, c as u16, v),
                }
                .unwrap();
            }
        }
    }
    let path = t.path("all.xlsx");
    wb.save(&path).unwrap();
    let mut db = t.db();
    let r = t.import(&mut db, &path);
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    assert_eq!(r.format, Format::Xlsx);
    assert_eq!(r.sheets.len(), 3);
    assert_eq!(r.bases_created, 12);
    assert_eq!(scorecard_csv(t, &mut db), expected(t));
}

fn a_json_array_of_objects_imports(t: &TestDb) {
    let mut db = t.db();
    for name in SAMPLES {
        let rows = read_csv(name);
        let objects: Vec<serde_json::Value> = rows[1..]
            .iter()
            .map(|row| {
                let mut m = serde_json::Map::new();
                for (h, v) in rows[0].iter().zip(row) {
                    // Counts as JSON numbers, empty cells as null.
                    let value = if v.is_empty() {
                        serde_json::Value::Null
                    } else if let Ok(n) = v.parse::<i64>() {
                        n.into()
                    } else {
                        v.clone().into()
                    };
                    m.insert(h.clone(), value);
                }
                serde_json::Value::Object(m)
            })
            .collect();
        let path = t.write(
            &format!("{name}.json"),
            serde_json::to_vec(&objects).unwrap(),
        );
        let r = t.import(&mut db, &path);
        assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
        assert_eq!(r.format, Format::Json);
    }
    assert_eq!(scorecard_csv(t, &mut db), expected(t));
}

fn what_people_type_is_normalised(t: &TestDb) {
    let mut db = t.db();
    let register = "基地编号, 基地名称 ,基地类型,依托单位,统一社会信用代码,推荐渠道,推荐单位,所在地市,认定日期,联系邮箱\n\
        ｍｉｘ－００１,混合基地一,创新创业孵化, 某孵化器 ,９１４１０１００ ０８２４６２８１４Ｎ,省属有关单位,河南省科学院,郑州,2023/3/5,A@Example.ORG\n\
        mix-002,混合基地二,international,某研究院,52410400625276015N,学会,河南省化学会,济源,2023年3月5日,b@example.org\n\
        mix-003,混合基地三,产学研协作类,某大学,124101004323194885,city,开封市科协,开封市,44990,c@example.org\n";
    let r = t.import(&mut db, &t.write("messy-register.csv", register));
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    let b = db::bases::find_by_code(&mut db, "MIX-001")
        .unwrap()
        .expect("code normalised to MIX-001");
    assert_eq!(b.base_type.id(), "incubation");
    assert_eq!(b.channel.id(), "institution");
    assert_eq!(b.city.as_str(), "郑州市");
    assert_eq!(b.host_unit, "某孵化器");
    assert_eq!(b.recognised_on.to_string(), "2023-03-05");
    assert_eq!(b.credit_code, "91410100082462814N");
    assert_eq!(b.email, "A@example.org");
    let b2 = db::bases::find_by_code(&mut db, "MIX-002")
        .unwrap()
        .unwrap();
    assert_eq!(
        (b2.channel.id(), b2.city.as_str()),
        ("society", "济源示范区")
    );
    assert_eq!(b2.recognised_on.to_string(), "2023-03-05");
    let b3 = db::bases::find_by_code(&mut db, "MIX-003")
        .unwrap()
        .unwrap();
    assert_eq!(
        b3.recognised_on.to_string(),
        "2023-03-05",
        "Excel serial 44990"
    );

    let counts = "基地编号,年度,截至日期,上传专家、成果、难题等信息,“百会链千企”科技志愿服务活动,key_activities\n\
        mix-003,２０２４年,2024/12/31,２５, 6 ,\"1,002\"\n";
    let r = t.import(&mut db, &t.write("messy-counts.csv", counts));
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    let card = t.evaluate(&mut db, 2024, None);
    let got: Vec<_> = card
        .rows
        .iter()
        .filter(|r| &*r.base_code == "MIX-003")
        .map(|r| (r.indicator.id(), r.actual))
        .collect();
    assert_eq!(
        got,
        vec![
            ("platform_uploads", Some(25)),
            ("volunteer_services", Some(6)),
            ("key_activities", Some(1002))
        ]
    );
}

on_both_backends!(
    gbk_csv_files_import_like_utf8,
    a_utf8_bom_is_ignored,
    one_workbook_with_all_three_sheets_in_any_order_imports,
    a_json_array_of_objects_imports,
    what_people_type_is_normalised,
);
