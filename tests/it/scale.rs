//! What national scale rests on: totals kept beside the records in the
//! import's transaction, evaluations of the bases a page shows, year ranges,
//! and results stored once. (Speed itself is measured by `basewatch bench`,
//! never here.)

use crate::helpers::{date, import_sample, on_both_backends, TestDb};
use basewatch::compliance;
use basewatch::db;
use basewatch::ingest::Outcome;
use basewatch::rules::Rulebook;

const RECORDS: &str = "基地编号,指标,日期,数量,标题,佐证链接,外部编号\n";

fn record_totals_always_equal_the_sum_of_the_records(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    assert_eq!(
        db::records::verify_totals(&mut db).unwrap(),
        Vec::<String>::new()
    );
    assert!(db::records::count(&mut db).unwrap() > 0);

    // New records with external ids, then a correction of one of them that
    // changes its quantity and moves it into another year, and an identical
    // row in another file.
    let first = format!(
        "{RECORDS}SAMPLE-001,platform_uploads,2024-03-01,2,甲,,EXT-1\n\
         SAMPLE-001,platform_uploads,2024-03-02,1,乙,,EXT-2\n"
    );
    let r = t.import(&mut db, &t.write("first.csv", first));
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    assert_eq!(r.records_inserted, 2);
    let fixed = format!(
        "{RECORDS}SAMPLE-001,platform_uploads,2023-12-30,5,甲（更正）,,EXT-1\n\
         SAMPLE-001,platform_uploads,2024-03-02,1,乙,,EXT-2\n"
    );
    let r = t.import(&mut db, &t.write("fixed.csv", fixed));
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    assert_eq!((r.records_updated, r.records_unchanged), (1, 1));
    assert_eq!(
        db::records::verify_totals(&mut db).unwrap(),
        Vec::<String>::new()
    );

    let base = db::bases::find_by_code(&mut db, "SAMPLE-001")
        .unwrap()
        .unwrap();
    let y2023 =
        db::records::totals_for_year(&mut db, 2023, date("2023-12-31"), Some(&[base.id])).unwrap();
    assert_eq!(
        y2023,
        vec![(base.id, basewatch::domain::Indicator::PlatformUploads, 5)],
        "the corrected record counts in 2023, and no longer in 2024"
    );
}

fn an_evaluation_as_of_a_day_inside_the_year_counts_only_the_records_up_to_it(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let rb = Rulebook::henan();
    let today = date("2026-11-28");
    let whole = compliance::evaluate(&mut db, &rb, 2024, None, today).unwrap();
    let june = compliance::evaluate(&mut db, &rb, 2024, Some(date("2024-06-30")), today).unwrap();
    // Recomputed from the records themselves, as of 30 June.
    let records: Vec<_> = db::bases::all(&mut db)
        .unwrap()
        .iter()
        .flat_map(|b| db::records::for_base(&mut db, b.id, 2024).unwrap())
        .collect();
    let mut checked = 0;
    for row in june.rows.iter().filter(|r| r.source.id() == "records") {
        let want: i64 = records
            .iter()
            .filter(|x| {
                x.base_id == row.base_id
                    && x.indicator == row.indicator
                    && x.occurred_on <= date("2024-06-30")
            })
            .map(|x| x.quantity)
            .sum();
        assert_eq!(
            row.actual,
            Some(want),
            "{} {}",
            row.base_code,
            row.indicator
        );
        checked += 1;
    }
    assert!(checked > 0, "some actuals come from records");
    assert_ne!(
        whole.rows, june.rows,
        "later records count in the whole year"
    );
}

fn evaluating_the_bases_a_page_shows_gives_their_rows_of_the_whole_scorecard(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let rb = Rulebook::henan();
    let today = date("2026-11-28");
    let all = db::bases::all(&mut db).unwrap();
    let whole = compliance::evaluate(&mut db, &rb, 2024, None, today).unwrap();
    for b in &all {
        let one =
            compliance::evaluate_bases(&mut db, &rb, 2024, None, today, std::slice::from_ref(b))
                .unwrap();
        let want: Vec<_> = whole
            .rows
            .iter()
            .filter(|r| r.base_id == b.id)
            .cloned()
            .collect();
        assert_eq!(one.rows, want, "{}", b.code);
    }
    let two = compliance::evaluate_bases(&mut db, &rb, 2024, None, today, &all[..2]).unwrap();
    assert!(two
        .rows
        .iter()
        .all(|r| r.base_id == all[0].id || r.base_id == all[1].id));
}

fn an_unchanged_scorecard_is_stored_once(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let rb = Rulebook::henan();
    let today = date("2026-11-28");
    let card = compliance::evaluate(&mut db, &rb, 2024, None, today).unwrap();
    let a = compliance::store(&mut db, &card).unwrap();
    let again = compliance::evaluate(&mut db, &rb, 2024, None, today).unwrap();
    let b = compliance::store(&mut db, &again).unwrap();
    assert_eq!(a, b, "the same result is not stored twice");
    assert_eq!(db::evaluations::for_year(&mut db, 2024).unwrap().len(), 1);
    // New data: a new result, stored.
    let more = format!("{RECORDS}SAMPLE-001,platform_uploads,2024-03-01,7,新增,,EXT-9\n");
    let r = t.import(&mut db, &t.write("more.csv", more));
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    let changed = compliance::evaluate(&mut db, &rb, 2024, None, today).unwrap();
    let c = compliance::store(&mut db, &changed).unwrap();
    assert_ne!(c, a);
    assert_eq!(db::evaluations::for_year(&mut db, 2024).unwrap().len(), 2);
}

/// A file bigger than one batch whose first rows were imported before and
/// whose later rows are new: the known batch is compared, the batches after
/// it are written, and the totals still match the records.
fn a_file_of_known_rows_then_new_rows_stores_each_new_row_once(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let row = |k: usize| {
        format!(
            "SAMPLE-001,platform_uploads,2024-{:02}-{:02},1,活动 {k},,BATCH-{k}\n",
            k % 12 + 1,
            k % 28 + 1
        )
    };
    let first: String = std::iter::once(RECORDS.to_string())
        .chain((0..2500).map(row))
        .collect();
    let r = t.import(&mut db, &t.write("first.csv", first));
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    assert_eq!(r.records_inserted, 2500);
    let before = db::records::count(&mut db).unwrap();

    // The same 2,500 rows, then 3,000 new ones: several batches of each.
    let second: String = std::iter::once(RECORDS.to_string())
        .chain((0..5500).map(row))
        .collect();
    let r = t.import(&mut db, &t.write("second.csv", second));
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    assert_eq!(
        (r.records_inserted, r.records_unchanged, r.records_updated),
        (3000, 2500, 0)
    );
    assert_eq!(db::records::count(&mut db).unwrap(), before + 3000);
    assert_eq!(
        db::records::verify_totals(&mut db).unwrap(),
        Vec::<String>::new()
    );
    // And once more: nothing changes.
    let again: String = std::iter::once(RECORDS.to_string())
        .chain((0..5500).map(row))
        .chain(std::iter::once("\n".to_string()))
        .collect();
    let r = t.import(&mut db, &t.write("again.csv", again));
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    assert_eq!((r.records_inserted, r.records_unchanged), (0, 5500));
    assert_eq!(db::records::count(&mut db).unwrap(), before + 3000);
}

/// Text goes into the database through COPY on PostgreSQL and bound
/// statements on SQLite: what COPY's formats escape (backslashes, a literal
/// `\N`) comes back as it was sent.
fn record_text_is_stored_exactly_as_imported(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let csv = format!(
        "{RECORDS}SAMPLE-001,platform_uploads,2024-03-01,1,\"C:\\资料\\N报告, 第1期\",https://e.example.org/a\\b?x=1&y=\\N,EXT-\\N\n"
    );
    let r = t.import(&mut db, &t.write("escapes.csv", csv));
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    let base = db::bases::find_by_code(&mut db, "SAMPLE-001")
        .unwrap()
        .unwrap();
    let stored = db::records::for_base(&mut db, base.id, 2024).unwrap();
    let rec = stored
        .iter()
        .find(|r| r.external_id.as_deref() == Some("EXT-\\N"))
        .expect("the record");
    assert_eq!(rec.title, "C:\\资料\\N报告, 第1期");
    assert_eq!(rec.evidence_url, "https://e.example.org/a\\b?x=1&y=\\N");
}

/// An import with more keys of totals than its writer holds writes them on
/// the way (as a national file does past 200,000 keys) and still ends with
/// totals equal to the records.
fn totals_written_part_way_through_an_import_still_add_up(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let r = t.import(
        &mut db,
        &t.write(
            "one.csv",
            format!("{RECORDS}SAMPLE-001,platform_uploads,2024-01-05,1,起点,,CAP-0\n"),
        ),
    );
    assert_eq!(r.outcome, Outcome::Accepted, "{}", r.to_text());
    let import_id = r.import_id.expect("an import id");
    let base = db::bases::find_by_code(&mut db, "SAMPLE-001")
        .unwrap()
        .unwrap();
    let record = |k: usize| db::records::NewRecord {
        base_id: base.id,
        indicator: basewatch::domain::Indicator::PlatformUploads,
        occurred_on: date(&format!("{}-{:02}-01", 2020 + k % 5, k % 12 + 1)),
        year: 2020 + (k % 5) as i32,
        quantity: 2,
        title: format!("分批 {k}"),
        evidence_url: String::new(),
        external_id: Some(format!("CAP-{}", k + 1)),
        record_key: format!("x:CAP-{}", k + 1),
        import_id,
    };
    let mut flushed_early = 0;
    db.transaction(|db| -> basewatch::error::AppResult<()> {
        let mut w = db::records::Writer::with_totals_cap(2);
        for batch in 0..4 {
            let mut rows: Vec<_> = (batch * 10..batch * 10 + 10).map(record).collect();
            // PostgreSQL takes the batch as the importer sends it: COPY data
            // encoded beforehand.
            let encoded = matches!(db, db::Db::Pg(_)).then(|| db::records::encode_copy(&rows));
            w.write_batch(db, &mut rows, encoded.as_deref())?;
            if w.totals_full() {
                w.write_totals(db)?;
                flushed_early += 1;
            }
        }
        w.write_totals(db)
    })
    .unwrap();
    assert!(
        flushed_early >= 3,
        "the writer asked to be flushed on the way"
    );
    assert_eq!(
        db::records::verify_totals(&mut db).unwrap(),
        Vec::<String>::new()
    );
    let y2021 =
        db::records::totals_for_year(&mut db, 2021, date("2021-12-31"), Some(&[base.id])).unwrap();
    assert_eq!(
        y2021,
        vec![(base.id, basewatch::domain::Indicator::PlatformUploads, 16)]
    );
}

on_both_backends!(
    record_totals_always_equal_the_sum_of_the_records,
    an_evaluation_as_of_a_day_inside_the_year_counts_only_the_records_up_to_it,
    evaluating_the_bases_a_page_shows_gives_their_rows_of_the_whole_scorecard,
    an_unchanged_scorecard_is_stored_once,
    a_file_of_known_rows_then_new_rows_stores_each_new_row_once,
    record_text_is_stored_exactly_as_imported,
    totals_written_part_way_through_an_import_still_add_up,
);
