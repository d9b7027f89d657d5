//! Importing again: the same file changes nothing; a corrected sheet replaces
//! the declared values and keeps who changed what; nothing is counted twice.

use crate::helpers::{import_sample, on_both_backends, sample, snapshot, TestDb};
use basewatch::db;
use basewatch::ingest::Outcome;

const COUNTS: &str = "基地编号,年度,截至日期,上传专家、成果、难题等信息（条）,孵化科技创新创业项目（项）,项目路演、产学研金融合等活动（次）\n";
const RECORDS: &str = "基地编号,指标,日期,数量,标题,佐证链接,外部编号\n";

fn actual(t: &TestDb, db: &mut db::Db, code: &str, ind: &str) -> Option<i64> {
    t.evaluate(db, 2024, None)
        .rows
        .into_iter()
        .find(|r| &*r.base_code == code && r.indicator.id() == ind)
        .and_then(|r| r.actual)
}

fn importing_the_same_file_again_changes_nothing(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let before = snapshot(t, &mut db);
    let ledger = db::imports::recent(&mut db, 100).unwrap().len();
    for f in [
        "bases_register.csv",
        "yearly_counts_2024.csv",
        "activity_records_2024.csv",
    ] {
        let r = t.import(&mut db, &sample(f));
        assert_eq!(r.outcome, Outcome::AlreadyImported, "{}", r.to_text());
    }
    assert_eq!(snapshot(t, &mut db), before);
    assert_eq!(db::imports::recent(&mut db, 100).unwrap().len(), ledger);
}

fn the_same_rows_in_another_file_are_not_counted_twice(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let before = snapshot(t, &mut db);
    for f in [
        "bases_register.csv",
        "yearly_counts_2024.csv",
        "activity_records_2024.csv",
    ] {
        // Same content, different bytes: a trailing blank line.
        let mut bytes = std::fs::read(sample(f)).unwrap();
        bytes.extend_from_slice(b"\n");
        let r = t.import(&mut db, &t.write(&format!("again-{f}"), bytes));
        assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
        assert_eq!(r.bases_created + r.bases_updated, 0);
        assert_eq!(r.declared_values_changed, 0);
        assert_eq!(r.records_inserted + r.records_updated, 0);
    }
    assert_eq!(snapshot(t, &mut db), before);
}

fn a_corrected_counts_sheet_replaces_values_and_keeps_the_history(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    assert_eq!(actual(t, &mut db, "SAMPLE-005", "roadshow_events"), None);
    assert_eq!(actual(t, &mut db, "SAMPLE-006", "roadshow_events"), Some(2));
    // SAMPLE-005 now reports its roadshow; SAMPLE-006 withdraws one value.
    let fixed =
        format!("{COUNTS}SAMPLE-005,2024,2024-12-31,20,3,1\nSAMPLE-006,2024,2024-12-31,31,4,\n");
    let r = t.import(&mut db, &t.write("fixed.csv", fixed));
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    assert_eq!(r.declared_values_changed, 2);
    assert_eq!(actual(t, &mut db, "SAMPLE-005", "roadshow_events"), Some(1));
    assert_eq!(
        actual(t, &mut db, "SAMPLE-006", "roadshow_events"),
        None,
        "withdrawn = not reported"
    );
    let card = t.evaluate(&mut db, 2024, None);
    assert!(card
        .rows
        .iter()
        .filter(|r| &*r.base_code == "SAMPLE-005")
        .all(|r| r.base_pass));

    let b5 = db::bases::find_by_code(&mut db, "SAMPLE-005")
        .unwrap()
        .unwrap();
    let history = db::counts::changes_for_base(&mut db, b5.id).unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (
            last.indicator.id(),
            last.old_value,
            last.new_value,
            last.changed_by.as_str()
        ),
        ("roadshow_events", None, Some(1), "tester")
    );
    let b6 = db::bases::find_by_code(&mut db, "SAMPLE-006")
        .unwrap()
        .unwrap();
    let h6 = db::counts::changes_for_base(&mut db, b6.id).unwrap();
    assert!(h6.iter().any(|c| c.indicator.id() == "roadshow_events"
        && c.old_value == Some(2)
        && c.new_value.is_none()));
    // Each change points at the import that made it, and so at who and when.
    let ledger = db::imports::recent(&mut db, 1).unwrap();
    assert_eq!(last.import_id, ledger[0].id);
}

fn a_record_corrected_under_its_external_id_is_updated_not_added(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let first = format!(
        "{RECORDS}SAMPLE-007,roadshow_events,2024-06-01,1,路演,https://e.example.org/r,EXT-1\n"
    );
    let r = t.import(&mut db, &t.write("r1.csv", first));
    assert_eq!(r.records_inserted, 1, "{}", r.to_text());
    let before = actual(t, &mut db, "SAMPLE-007", "roadshow_events").unwrap();
    let fixed = format!("{RECORDS}SAMPLE-007,roadshow_events,2024-06-02,2,路演（更正）,https://e.example.org/r,EXT-1\n");
    let r = t.import(&mut db, &t.write("r2.csv", fixed));
    assert_eq!(
        (r.records_inserted, r.records_updated),
        (0, 1),
        "{}",
        r.to_text()
    );
    assert_eq!(
        actual(t, &mut db, "SAMPLE-007", "roadshow_events").unwrap(),
        before + 1
    );
}

fn declared_counts_win_over_records_and_disagreements_are_flagged(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    // SAMPLE-006 declared 2 roadshows; its records show 3.
    let mut body = String::from(RECORDS);
    for k in 1..=3 {
        body.push_str(&format!(
            "SAMPLE-006,roadshow_events,2024-0{k}-10,1,路演{k},https://e.example.org/{k},\n"
        ));
    }
    let r = t.import(&mut db, &t.write("extra.csv", body));
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    let card = t.evaluate(&mut db, 2024, None);
    let row = card
        .rows
        .iter()
        .find(|r| &*r.base_code == "SAMPLE-006" && r.indicator.id() == "roadshow_events")
        .unwrap();
    assert_eq!(
        (row.actual, row.source.id(), row.disagreement),
        (Some(2), "declared", true)
    );
    assert_eq!(card.disagreements().len(), 1);
    assert!(basewatch::compliance::output::explain(row).contains("不一致"));
}

fn a_register_correction_updates_the_base_but_cannot_change_its_type(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let text = std::fs::read_to_string(sample("bases_register.csv")).unwrap();
    let renamed = text.replace(
        "郑州大学智能制造产学研协作基地",
        "郑州大学智能制造产学研协作基地（更名）",
    );
    let r = t.import(&mut db, &t.write("renamed.csv", renamed));
    assert_eq!(
        (r.outcome, r.bases_updated, r.bases_unchanged),
        (Outcome::Accepted, 1, 11),
        "{}",
        r.to_text()
    );
    let b = db::bases::find_by_code(&mut db, "SAMPLE-001")
        .unwrap()
        .unwrap();
    assert!(b.name.ends_with("（更名）"));
    assert_eq!(b.status.id(), "building");
    assert_eq!(db::bases::status_history(&mut db, b.id).unwrap().len(), 1);

    let retyped = text.replace(
        "SAMPLE-002,洛阳轴承产学研协作基地,iar",
        "SAMPLE-002,洛阳轴承产学研协作基地,incubation",
    );
    let r = t.import(&mut db, &t.write("retyped.csv", retyped));
    assert_eq!(r.outcome, Outcome::Rejected);
    assert!(
        r.problems
            .iter()
            .any(|p| p.row == Some(3) && p.column.as_deref() == Some("基地类型")),
        "{}",
        r.to_text()
    );
}

on_both_backends!(
    importing_the_same_file_again_changes_nothing,
    the_same_rows_in_another_file_are_not_counted_twice,
    a_corrected_counts_sheet_replaces_values_and_keeps_the_history,
    a_record_corrected_under_its_external_id_is_updated_not_added,
    declared_counts_win_over_records_and_disagreements_are_flagged,
    a_register_correction_updates_the_base_but_cannot_change_its_type,
);
