//! Storage: the one place that speaks diesel. SQLite (a file, the embedded
//! default) or PostgreSQL (production), chosen by the URL scheme.
//!
//! Callers use functions named for what they mean (`bases::find_by_code`,
//! `imports::record`); SQL is written once and compiled for both backends
//! by [`with_conn!`]. Branch on the backend only where SQL truly differs.

pub mod bases;
pub mod counts;
pub mod documents;
pub mod evaluations;
pub mod imports;
pub mod jobs;
pub mod outbox;
pub mod readings;
pub mod recognition;
pub mod records;
pub mod rectifications;
pub mod schema;
pub mod submissions;
mod types;
pub mod units;
pub mod users;
pub mod years;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{AppError, AppResult};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How many rows one multi-row INSERT carries (well under both backends'
/// bind-parameter limits).
pub const BATCH_ROWS: usize = 500;

/// Which bases a query may see: every base (province staff), the bases one
/// recommending unit recommended, or one base. Every query that serves a
/// person takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    All,
    Unit(i64),
    Base(i64),
}

/// A connection to either backend.
pub enum Db {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// Run `$body` with `$c` bound to the concrete connection of either backend.
/// The body is compiled once per backend, so the same diesel code serves both.
macro_rules! with_conn {
    ($db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($c) => $body,
            $crate::db::Db::Pg($c) => $body,
        }
    };
}
pub(crate) use with_conn;

impl Db {
    /// Connect to `url` (`sqlite://PATH` or `postgres://…`) and apply pending migrations.
    pub fn connect(url: &str) -> AppResult<Db> {
        let mut db = Db::connect_only(url)?;
        db.migrate()?;
        Ok(db)
    }

    /// Connect without migrating.
    pub fn connect_only(url: &str) -> AppResult<Db> {
        let fail =
            |e: &dyn std::fmt::Display| AppError::Connection(format!("{}: {e}", redact(url)));
        if let Some(path) = url.strip_prefix("sqlite://") {
            if let Some(parent) = std::path::Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent).map_err(|e| fail(&e))?;
                }
            }
            let mut c = SqliteConnection::establish(path).map_err(|e| fail(&e))?;
            // WAL lets readers work beside the writer; the timeout makes a
            // second process wait for the lock instead of failing.
            c.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            )
            .map_err(|e| fail(&e))?;
            Ok(Db::Sqlite(c))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let c = PgConnection::establish(url).map_err(|e| fail(&e))?;
            Ok(Db::Pg(c))
        } else {
            Err(AppError::Connection(format!(
                "不支持的数据库地址 (unsupported database URL): {}",
                redact(url)
            )))
        }
    }

    /// Apply the pending embedded migrations of this backend.
    pub fn migrate(&mut self) -> AppResult<usize> {
        let applied = match self {
            Db::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
            Db::Pg(c) => c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len()),
        };
        applied.map_err(|e| AppError::Connection(format!("迁移失败 (migration failed): {e}")))
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Pg(_) => "postgres",
        }
    }

    /// Run `f` in one transaction: committed when it returns `Ok`, rolled
    /// back otherwise. SQLite takes the write lock up front (BEGIN IMMEDIATE)
    /// so that a long import cannot deadlock with another writer.
    pub fn transaction<T, E>(&mut self, f: impl FnOnce(&mut Db) -> Result<T, E>) -> Result<T, E>
    where
        E: From<AppError>,
    {
        let begun = match self {
            Db::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
            Db::Pg(c) => AnsiTransactionManager::begin_transaction(c),
        };
        begun.map_err(|e| E::from(AppError::Database(e)))?;
        match f(self) {
            Ok(v) => {
                with_conn!(self, c => AnsiTransactionManager::commit_transaction(c))
                    .map_err(|e| E::from(AppError::Database(e)))?;
                Ok(v)
            }
            Err(e) => {
                // The error that made us roll back is the one worth reporting.
                let _ = with_conn!(self, c => AnsiTransactionManager::rollback_transaction(c));
                Err(e)
            }
        }
    }

    /// Run `f` with a larger page cache (SQLite): a bulk import touches
    /// index pages all over the file, and the default 2 MiB cache would send
    /// most of them back to the operating system. Restored afterwards.
    pub fn with_bulk_cache<T>(&mut self, f: impl FnOnce(&mut Db) -> T) -> T {
        let sqlite = matches!(self, Db::Sqlite(_));
        if let Db::Sqlite(c) = self {
            let _ = c.batch_execute("PRAGMA cache_size = -98304");
        }
        let out = f(self);
        if let (true, Db::Sqlite(c)) = (sqlite, &mut *self) {
            let _ = c.batch_execute("PRAGMA cache_size = -2000");
        }
        out
    }

    /// True when a trivial query succeeds.
    pub fn ping(&mut self) -> bool {
        with_conn!(self, c => c.batch_execute("SELECT 1")).is_ok()
    }
}

/// The URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    // user:password@ in the authority.
    let mut out = match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s && !url[s + 3..at].contains('/') => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    };
    // password=… (and other secrets) in the query string, any case.
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let parts: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _))
                    if [
                        "password",
                        "passwd",
                        "pass",
                        "sslpassword",
                        "secret",
                        "token",
                    ]
                    .contains(&k.to_ascii_lowercase().as_str()) =>
                {
                    format!("{k}=***")
                }
                _ => kv.to_string(),
            })
            .collect();
        out = format!("{head}{}", parts.join("&"));
    }
    out
}

/// Current time in UTC, as stored in TIMESTAMP columns.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// Row counts of the data tables, by table name (for status output and for
/// tests that check an import changed nothing).
pub fn table_counts(db: &mut Db) -> AppResult<Vec<(&'static str, i64)>> {
    use diesel::prelude::*;
    use schema::*;
    let mut out = Vec::new();
    macro_rules! count {
        ($($t:ident),*) => {$(
            let n: i64 = with_conn!(db, c => $t::table.count().get_result(c))?;
            out.push((stringify!($t), n));
        )*};
    }
    count!(
        recommending_units,
        bases,
        base_status_history,
        declared_counts,
        declared_count_changes,
        activity_records,
        evaluations,
        evaluation_scorecards
    );
    Ok(out)
}

/// How the pool makes and checks connections: each one is checked with a
/// `SELECT 1` when it is taken, so a connection broken by a database
/// restart is dropped and replaced instead of being handed out.
#[derive(Debug)]
pub struct Manager {
    url: String,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Db;
    type Error = AppError;

    fn connect(&self) -> AppResult<Db> {
        Db::connect_only(&self.url)
    }

    fn is_valid(&self, db: &mut Db) -> AppResult<()> {
        if db.ping() {
            Ok(())
        } else {
            Err(AppError::Connection(format!(
                "{}: 连接已断开 (connection lost)",
                redact(&self.url)
            )))
        }
    }

    fn has_broken(&self, _: &mut Db) -> bool {
        false
    }
}

/// The connection pool of a server: at most `max` connections, each
/// checked when it is taken; waiting for one gives up after a few seconds.
pub type Pool = r2d2::Pool<Manager>;
/// A pooled connection; derefs to [`Db`].
pub type Pooled = r2d2::PooledConnection<Manager>;

/// A connection from the pool (waiting a few seconds at most).
pub fn checkout(pool: &Pool) -> AppResult<Pooled> {
    pool.get()
        .map_err(|e| AppError::Connection(format!("数据库连接池 (pool): {e}")))
}

/// Apply migrations once, then pool connections to `url`.
pub fn pool(url: &str, max: u32) -> AppResult<Pool> {
    drop(Db::connect(url)?);
    r2d2::Pool::builder()
        .max_size(max.max(1))
        .min_idle(Some(1))
        .test_on_check_out(true)
        .connection_timeout(std::time::Duration::from_secs(10))
        .build(Manager {
            url: url.to_string(),
        })
        .map_err(|e| AppError::Connection(format!("{}: {e}", redact(url))))
}

/// A value that changes whenever data under the scorecards changes (an
/// import, a status change, a year confirmed or reopened, a record entered
/// or reviewed): caches key on it.
pub fn data_version(db: &mut Db) -> AppResult<(i64, i64, i64, i64, i64)> {
    use diesel::dsl::max;
    use diesel::prelude::*;
    let imports: Option<i64> =
        with_conn!(db, c => schema::imports::table.select(max(schema::imports::id)).first(c))?;
    let status: Option<i64> = with_conn!(db, c => schema::base_status_history::table
        .select(max(schema::base_status_history::id))
        .first(c))?;
    let years = years::last_change(db)?;
    // Records entered by bases: a new one, or a review, changes what a
    // scorecard says is waiting.
    let (entered, waiting) = submissions::version(db)?;
    Ok((
        imports.unwrap_or(0),
        status.unwrap_or(0),
        years,
        entered,
        waiting,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_password_in_a_database_url_is_never_shown() {
        assert_eq!(
            super::redact("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(super::redact("sqlite://a.db"), "sqlite://a.db");
    }
}

#[cfg(test)]
mod redact_tests {
    use super::redact;

    #[test]
    fn a_database_url_never_shows_its_password() {
        assert_eq!(
            redact("postgres://bw:s3cret@db.internal/bw"),
            "postgres://bw:***@db.internal/bw"
        );
        assert_eq!(
            redact("postgres://db.internal/bw?user=bw&password=s3cret&sslmode=require"),
            "postgres://db.internal/bw?user=bw&password=***&sslmode=require"
        );
        assert_eq!(
            redact("postgresql://bw@h/db?PassWord=x"),
            "postgresql://bw@h/db?PassWord=***"
        );
        assert_eq!(redact("sqlite://basewatch.db"), "sqlite://basewatch.db");
    }
}
