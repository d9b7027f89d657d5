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
}
