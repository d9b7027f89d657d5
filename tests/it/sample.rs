//! The public sample (twelve bases, 2024) evaluates as expected, on both backends.

use crate::helpers::{import_sample, on_both_backends, sample, TestDb};
use basewatch::compliance::output::{write_csv, CSV_HEADER};

fn the_public_sample_evaluates_as_expected(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let card = t.evaluate(&mut db, 2024, None);
    let mut out = Vec::new();
    write_csv(&card, &mut out).unwrap();
    let got = csv::Reader::from_reader(out.as_slice())
        .into_records()
        .map(|r| r.unwrap())
        .collect::<Vec<_>>();
    let mut exp = csv::Reader::from_path(sample("expected_evaluate_2024.csv")).unwrap();
    let exp_header = exp.headers().unwrap().clone();
    let exp: Vec<_> = exp.into_records().map(|r| r.unwrap()).collect();
    assert_eq!(got.len(), exp.len(), "row count");
    for (g, e) in got.iter().zip(&exp) {
        for (k, col) in exp_header.iter().enumerate() {
            let i = CSV_HEADER.iter().position(|h| *h == col).unwrap();
            assert_eq!(&g[i], &e[k], "column {col} of {:?}", e);
        }
    }
    // Not evaluated in 2024: recognised mid-2024 and in 2025.
    assert!(!card
        .rows
        .iter()
        .any(|r| &*r.base_code == "SAMPLE-004" || &*r.base_code == "SAMPLE-012"));
    let (bases, pass) = card.totals();
    assert_eq!((bases, pass), (10, 5));
}

fn gaps_say_what_is_missing_and_not_reported_is_not_zero(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let card = t.evaluate(&mut db, 2024, None);
    let row = |code: &str, ind: &str| {
        card.rows
            .iter()
            .find(|r| &*r.base_code == code && r.indicator.id() == ind)
            .unwrap()
            .clone()
    };
    let r = row("SAMPLE-002", "platform_uploads");
    assert_eq!((r.actual, r.gap, r.met), (Some(19), 1, false));
    assert_eq!(
        basewatch::compliance::output::explain(&r),
        "平台上传还差 1 条"
    );
    let r = row("SAMPLE-005", "roadshow_events");
    assert_eq!((r.actual, r.gap, r.met), (None, 1, false));
    assert_eq!(r.source.id(), "none");
    let r = row("SAMPLE-009", "international_exchanges");
    assert_eq!((r.actual, r.gap, r.met), (Some(0), 1, false));
    let r = row("SAMPLE-008", "platform_uploads");
    assert_eq!((r.actual, r.source.id()), (Some(20), "records"));
}

fn an_evaluation_is_stored_with_its_rulebook_version(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let card = t.evaluate(&mut db, 2024, None);
    let id = basewatch::compliance::store(&mut db, &card).unwrap();
    let stored = basewatch::db::evaluations::for_year(&mut db, 2024).unwrap();
    assert_eq!(stored[0].id, id);
    assert_eq!(stored[0].rulebook, "henan-kczy@2023-trial.1");
    assert_eq!((stored[0].base_count, stored[0].pass_count), (10, 5));
    assert_eq!(
        basewatch::db::evaluations::row_count(&mut db, id).unwrap(),
        30
    );
    // The stored rows read back as computed, in the scorecard's order, and
    // for one base only when asked.
    let stored = basewatch::db::evaluations::rows(&mut db, id, None).unwrap();
    let as_stored = |r: &basewatch::compliance::ScorecardRow| {
        (
            r.base_id,
            r.indicator,
            r.actual,
            r.target,
            r.gap,
            r.met,
            r.pace,
            r.source,
            r.disagreement,
            r.base_pass,
        )
    };
    let read = |r: &basewatch::db::evaluations::StoredRow| {
        (
            r.base_id,
            r.indicator,
            r.actual,
            r.target,
            r.gap,
            r.met,
            r.pace,
            r.source,
            r.disagreement,
            r.base_pass,
        )
    };
    assert_eq!(
        stored.iter().map(read).collect::<Vec<_>>(),
        card.rows.iter().map(as_stored).collect::<Vec<_>>()
    );
    assert!(
        stored.iter().any(|r| r.actual.is_none()),
        "a count not reported is stored as absent, not 0"
    );
    let one = card.rows[4].base_id;
    let only = basewatch::db::evaluations::rows(&mut db, id, Some(&[one])).unwrap();
    assert_eq!(
        only.iter().map(read).collect::<Vec<_>>(),
        card.rows
            .iter()
            .filter(|r| r.base_id == one)
            .map(as_stored)
            .collect::<Vec<_>>()
    );
    assert_eq!(only.len(), 3);
    // The same scorecard again is not stored twice.
    assert_eq!(basewatch::compliance::store(&mut db, &card).unwrap(), id);
}

on_both_backends!(
    the_public_sample_evaluates_as_expected,
    gaps_say_what_is_missing_and_not_reported_is_not_zero,
    an_evaluation_is_stored_with_its_rulebook_version,
);
