//! Test harness: a fresh database per test on either backend, sample files,
//! and snapshots for "nothing changed" assertions.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Once;

use basewatch::compliance::{self, Scorecard};
use basewatch::config::Settings;
use basewatch::db::{self, Db};
use basewatch::ingest::{self, Report};
use chrono::NaiveDate;
use diesel::{Connection, RunQueryDsl};

pub const POSTGRES_ENV: &str = "BASEWATCH_TEST_POSTGRES_URL";

/// A database of a test's own, removed when the test ends.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg: Option<(String, String)>, // (admin url, database name)
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        TestDb { url, dir, pg: None }
    }

    /// A throw-away PostgreSQL database, or `None` (said loudly) when the
    /// suite is not configured.
    pub fn postgres() -> Option<TestDb> {
        let Ok(admin) = std::env::var(POSTGRES_ENV) else {
            static WARN: Once = Once::new();
            WARN.call_once(|| {
                // Written past the test harness's capture, so it is seen.
                let _ = std::io::stderr().write_all(
                    format!(
                        "\n**********************************************************************\n\
                         *  {POSTGRES_ENV} is not set: the PostgreSQL suite does NOT run.\n\
                         *  Set it, e.g. {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/test\n\
                         *  (.ci/run does).\n\
                         **********************************************************************\n"
                    )
                    .as_bytes(),
                );
            });
            return None;
        };
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "basewatch_t{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            chrono::Utc::now().timestamp_subsec_nanos()
        );
        let mut c = diesel::PgConnection::establish(&admin)
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin}: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut c)
            .expect("create test database");
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        let url = format!("{base}/{name}");
        Some(TestDb {
            url,
            dir: tempfile::tempdir().expect("temp dir"),
            pg: Some((admin, name)),
        })
    }

    pub fn db(&self) -> Db {
        Db::connect(&self.url).expect("connect and migrate")
    }

    pub fn settings(&self) -> Settings {
        Settings::for_database(&self.url, &self.dir.path().join("data")).expect("settings")
    }

    /// A file in this test's folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write test file");
        p
    }

    pub fn import(&self, db: &mut Db, path: &Path) -> Report {
        ingest::import_file(db, &self.settings(), path, &options()).expect("import runs")
    }

    pub fn evaluate(&self, db: &mut Db, year: i32, as_of: Option<NaiveDate>) -> Scorecard {
        compliance::evaluate(
            db,
            &basewatch::rules::Rulebook::henan(),
            year,
            as_of,
            today(),
        )
        .expect("evaluate")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg {
            if let Ok(mut c) = diesel::PgConnection::establish(admin) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c);
            }
        }
    }
}

/// A fixed "today" so that tests do not depend on the calendar.
pub fn today() -> NaiveDate {
    date("2026-11-28")
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

pub fn options() -> ingest::Options {
    ingest::Options {
        by: "tester".into(),
        today: today(),
        progress: false,
    }
}

pub fn sample(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/samples")
        .join(name);
    assert!(p.exists(), "sample file {} is missing", p.display());
    p
}

/// Import the three sample files in order, asserting each is accepted.
pub fn import_sample(t: &TestDb, db: &mut Db) {
    for f in [
        "bases_register.csv",
        "yearly_counts_2024.csv",
        "activity_records_2024.csv",
    ] {
        let r = t.import(db, &sample(f));
        assert_eq!(r.outcome, ingest::Outcome::Accepted, "{}", r.to_text());
    }
}

/// Everything a bad import must leave untouched: row counts of every data
/// table, the register, and the 2024 scorecard.
pub fn snapshot(t: &TestDb, db: &mut Db) -> String {
    let counts = db::table_counts(db).expect("counts");
    let bases = serde_json::to_string(&db::bases::all(db).expect("bases")).expect("json");
    let card = t.evaluate(db, 2024, None);
    let mut csv = Vec::new();
    compliance::output::write_csv(&card, &mut csv).expect("csv");
    format!("{counts:?}\n{bases}\n{}", String::from_utf8_lossy(&csv))
}

/// Define each listed scenario `fn name(t: &TestDb)` as a test on SQLite and
/// on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(&crate::helpers::TestDb::sqlite());
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                if let Some(t) = crate::helpers::TestDb::postgres() {
                    super::$name(&t);
                }
            })*
        }
    };
}
pub(crate) use on_both_backends;
