//! The demo province has the intended mix: every type, city and channel;
//! passing and failing bases; pace problems and missing data in the running
//! year; disagreements flagged; revoked bases dropped from later years.

use std::collections::HashSet;

use crate::helpers::{date, on_both_backends, TestDb};
use basewatch::compliance::{self, Pace};
use basewatch::db;

fn the_demo_province_has_the_intended_mix(t: &TestDb) {
    let today = date("2026-11-28");
    let mut db = t.db();
    let settings = t.settings();
    let province = basewatch::demo::load(&mut db, &settings, t.dir.path(), today).unwrap();
    let bases = db::bases::all(&mut db).unwrap();
    assert!((140..=160).contains(&bases.len()), "{} bases", bases.len());
    let set = |f: fn(&db::bases::Base) -> String| bases.iter().map(f).collect::<HashSet<_>>();
    assert_eq!(set(|b| b.base_type.id().to_string()).len(), 3);
    assert_eq!(
        set(|b| b.city.as_str().to_string()).len(),
        18,
        "every city and 济源示范区"
    );
    assert_eq!(set(|b| b.channel.id().to_string()).len(), 3);
    assert!(db::records::count(&mut db).unwrap() > 1000);

    let rulebook = &settings.rulebook;
    for year in [2024, 2025] {
        let card = compliance::evaluate(&mut db, rulebook, year, None, today).unwrap();
        let (n, pass) = card.totals();
        assert!(pass > n / 2 && pass < n, "{year}: {pass} of {n} pass");
        assert!(
            card.rows.iter().any(|r| r.actual.is_none()),
            "{year}: some data missing"
        );
        assert!(card.rows.iter().any(|r| r.source.id() == "declared"));
        assert!(card.rows.iter().any(|r| r.source.id() == "records"));
    }
    let y2025 = compliance::evaluate(&mut db, rulebook, 2025, None, today).unwrap();
    assert!(
        !y2025.disagreements().is_empty(),
        "declared vs records disagreements shown"
    );

    let running = compliance::evaluate(&mut db, rulebook, 2026, None, today).unwrap();
    assert!(running.running);
    for p in [Pace::OnTrack, Pace::Behind, Pace::Unable, Pace::NotReported] {
        assert!(
            running.rows.iter().any(|r| r.pace == Some(p)),
            "some rows {p:?}"
        );
    }
    let revoked = province.revoked();
    assert_eq!(revoked.len(), 2);
    for (code, _) in &revoked {
        assert_eq!(
            db::bases::find_by_code(&mut db, code)
                .unwrap()
                .unwrap()
                .status
                .id(),
            "revoked"
        );
        assert!(y2025.rows.iter().any(|r| &*r.base_code == code));
        assert!(!running.rows.iter().any(|r| &*r.base_code == code));
    }
}

#[test]
fn the_demo_command_builds_a_fresh_sqlite_database_and_says_what_next() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("demo.db");
    let files = dir.path().join("demo-data");
    // Twice: the second run starts again from nothing.
    for _ in 0..2 {
        let summary = basewatch::demo::run(
            &database,
            &files,
            date("2026-11-28"),
            basewatch::jobs::load(std::path::Path::new("/nonexistent")).unwrap(),
        )
        .unwrap();
        assert!(summary.contains("150 个基地"), "{summary}");
        assert!(summary.contains("2026 年度"), "{summary}");
        assert!(summary.contains("basewatch evaluate"), "{summary}");
    }
    assert!(files.join("files/01-基地名册.xlsx").exists());
    let mut db = db::Db::connect(&format!("sqlite://{}", database.display())).unwrap();
    assert_eq!(db::bases::all(&mut db).unwrap().len(), 150);
    assert_eq!(db::evaluations::for_year(&mut db, 2025).unwrap().len(), 1);
}

on_both_backends!(the_demo_province_has_the_intended_mix);
