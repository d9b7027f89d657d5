//! How typed values sit in text columns: every [`Coded`] value as its code,
//! on both backends. A row whose column holds anything else fails to load
//! with the value and the kind named, instead of becoming a default.

use std::io::Write;

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::{Sqlite, SqliteValue};

use crate::domain::Coded;

fn decode<T: Coded>(s: &str) -> deserialize::Result<T> {
    T::from_code(s)
        .ok_or_else(|| format!("数据库中的{}值无效 (invalid stored value): {s:?}", T::WHAT).into())
}

/// `FromSql`/`ToSql` on both backends for each listed type; the type derives
/// `AsExpression` and `FromSqlRow` with `sql_type = Text`.
macro_rules! stored_as_code {
    ($($t:ty),* $(,)?) => {$(
        impl FromSql<Text, Sqlite> for $t {
            fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
                decode(value.read_text())
            }
        }
        impl FromSql<Text, Pg> for $t {
            fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
                decode(std::str::from_utf8(value.as_bytes())?)
            }
        }
        impl ToSql<Text, Sqlite> for $t {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.code());
                Ok(IsNull::No)
            }
        }
        impl ToSql<Text, Pg> for $t {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                out.write_all(self.code().as_bytes())?;
                Ok(IsNull::No)
            }
        }
    )*};
}

stored_as_code!(
    crate::domain::BaseType,
    crate::domain::Channel,
    crate::domain::Status,
    crate::domain::City,
    crate::domain::Indicator,
    crate::domain::Pace,
    crate::domain::Source,
    crate::domain::RectificationOutcome,
    crate::domain::MailStatus,
    crate::domain::RunOutcome,
    crate::domain::ImportOutcome,
    crate::domain::Role,
    crate::domain::YearStatus,
    crate::domain::YearAction,
    crate::domain::Proposal,
    crate::domain::ReadingStatus,
    crate::domain::Review,
    crate::domain::DocumentKind,
    crate::domain::DocumentStatus,
    crate::domain::Stage,
    crate::domain::ApplicationOutcome,
    crate::domain::ApplicationDocumentKind,
);

/// A stored date (`Date` column) read as a [`chrono::NaiveDate`]. SQLite
/// keeps dates as `YYYY-MM-DD` text, which this reads digit by digit;
/// chrono's format parser took a quarter of loading the national register
/// (three dates per base). Anything else is left to diesel's own reading.
#[derive(Debug, Clone, Copy, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Date)]
pub struct StoredDate(pub chrono::NaiveDate);

impl From<StoredDate> for chrono::NaiveDate {
    fn from(d: StoredDate) -> Self {
        d.0
    }
}

fn iso_date(s: &str) -> Option<chrono::NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    chrono::NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

impl FromSql<diesel::sql_types::Date, Sqlite> for StoredDate {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if let Some(d) = iso_date(value.read_text()) {
            return Ok(StoredDate(d));
        }
        <chrono::NaiveDate as FromSql<diesel::sql_types::Date, Sqlite>>::from_sql(value)
            .map(StoredDate)
    }
}

impl FromSql<diesel::sql_types::Date, Pg> for StoredDate {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        <chrono::NaiveDate as FromSql<diesel::sql_types::Date, Pg>>::from_sql(value).map(StoredDate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        BaseType, Channel, City, ImportOutcome, Indicator, MailStatus, Pace, RectificationOutcome,
        RunOutcome, Source, Status,
    };

    const CHECKS: [&str; 2] = [
        include_str!("../../migrations/postgres/2026-12-02-000007_checked_codes/up.sql"),
        include_str!("../../migrations/sqlite/2026-12-02-000007_checked_codes/up.sql"),
    ];

    fn listed<T: Coded>() {
        for sql in CHECKS {
            for v in T::all() {
                assert!(
                    sql.contains(&format!("'{}'", v.code())),
                    "{}: {} is missing from a CHECK migration",
                    T::WHAT,
                    v.code()
                );
            }
        }
    }

    #[test]
    fn every_code_of_every_closed_set_is_allowed_by_the_check_migrations() {
        listed::<BaseType>();
        listed::<Channel>();
        listed::<Status>();
        listed::<City>();
        listed::<Indicator>();
        listed::<Pace>();
        listed::<Source>();
        listed::<RectificationOutcome>();
        listed::<MailStatus>();
        listed::<RunOutcome>();
        listed::<ImportOutcome>();
        listed::<crate::domain::Role>();
    }

    #[test]
    fn a_stored_value_that_is_not_a_code_is_an_error_naming_the_kind() {
        assert_eq!(decode::<Status>("revoked").unwrap(), Status::Revoked);
        let e = decode::<Status>("已撤销").unwrap_err().to_string();
        assert!(e.contains("状态") && e.contains("已撤销"), "{e}");
        assert!(decode::<Indicator>("Platform_Uploads").is_err());
    }

    #[test]
    fn a_stored_date_is_read_digit_by_digit_and_nothing_else_passes_for_one() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(iso_date("2024-02-29"), d(2024, 2, 29));
        assert_eq!(iso_date("0999-01-01"), d(999, 1, 1));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "2024/01/01",
            "２０２４-01-01",
            "2024-01-0x",
            "+202-01-01",
            "",
            "2024-01-01 00:00:00",
        ] {
            assert_eq!(iso_date(bad), None, "{bad}");
        }
    }
}
