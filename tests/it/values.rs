//! Typed values at the database boundary: the database keeps only the codes
//! of each closed set, and every status change passes the transition table.

use diesel::connection::SimpleConnection;

use crate::helpers::{date, import_sample, on_both_backends, TestDb};
use basewatch::db::{self, Db};
use basewatch::domain::Status;
use basewatch::error::AppError;
use basewatch::lifecycle;

fn raw(db: &mut Db, sql: &str) -> diesel::QueryResult<()> {
    match db {
        Db::Sqlite(c) => c.batch_execute(sql),
        Db::Pg(c) => c.batch_execute(sql),
    }
}

fn the_database_refuses_a_value_outside_its_closed_set(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    for sql in [
        "UPDATE bases SET status = 'zombie' WHERE code = 'SAMPLE-001'",
        "UPDATE bases SET base_type = '产学研' WHERE code = 'SAMPLE-001'",
        "UPDATE bases SET city = '北京市' WHERE code = 'SAMPLE-001'",
        "UPDATE declared_counts SET indicator = 'PLATFORM_UPLOADS'",
        "INSERT INTO recommending_units (name, channel, created_at) \
         VALUES ('某单位', 'province', CURRENT_TIMESTAMP)",
    ] {
        let err = raw(&mut db, sql).expect_err(sql);
        assert!(
            err.to_string().contains("CHECK") || err.to_string().contains("check"),
            "{sql}: {err}"
        );
    }
    let b = db::bases::find_by_code(&mut db, "SAMPLE-001")
        .unwrap()
        .unwrap();
    assert_eq!(b.status, Status::Building);
}

fn a_revoked_base_cannot_be_given_a_new_cycle(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let b = db::bases::find_by_code(&mut db, "SAMPLE-001")
        .unwrap()
        .unwrap();
    db::bases::set_status(
        &mut db,
        b.id,
        Status::Rectifying,
        date("2025-01-20"),
        "整改",
        "staff",
    )
    .unwrap();
    db::bases::set_status(
        &mut db,
        b.id,
        Status::Revoked,
        date("2025-06-01"),
        "撤销",
        "staff",
    )
    .unwrap();
    let before = db::bases::find_by_code(&mut db, "SAMPLE-001")
        .unwrap()
        .unwrap();
    let history = db::bases::status_history(&mut db, b.id).unwrap().len();

    let settings = t.settings();
    let err = lifecycle::decisions::acceptance_result(
        &mut db,
        &settings,
        &before,
        true,
        "合格",
        date("2027-01-05"),
        "staff",
    )
    .expect_err("a revoked base cannot pass acceptance");
    assert!(matches!(err, AppError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("已撤销"), "{err}");

    let after = db::bases::find_by_code(&mut db, "SAMPLE-001")
        .unwrap()
        .unwrap();
    assert_eq!(
        (after.status, after.cycle_start),
        (Status::Revoked, before.cycle_start),
        "nothing written"
    );
    assert_eq!(
        db::bases::status_history(&mut db, b.id).unwrap().len(),
        history
    );
}

fn a_status_change_the_rules_do_not_allow_is_refused(t: &TestDb) {
    let mut db = t.db();
    import_sample(t, &mut db);
    let b = db::bases::find_by_code(&mut db, "SAMPLE-002")
        .unwrap()
        .unwrap();
    // 建设中 → 已撤销 skips the order to rectify (第十六条).
    let err = db::bases::set_status(&mut db, b.id, Status::Revoked, date("2025-06-01"), "", "x")
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err}");
    // The same status again is not a change either.
    let err = db::bases::set_status(&mut db, b.id, Status::Building, date("2025-06-01"), "", "x")
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err}");
    let err = db::bases::set_status(
        &mut db,
        987_654,
        Status::Rectifying,
        date("2025-06-01"),
        "",
        "x",
    )
    .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err}");
}

on_both_backends!(
    the_database_refuses_a_value_outside_its_closed_set,
    a_revoked_base_cannot_be_given_a_new_cycle,
    a_status_change_the_rules_do_not_allow_is_refused,
);
