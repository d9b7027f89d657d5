//! Staff's confirmations of the rulebook's readings (第十八条), per rulebook
//! version and topic.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::reading_confirmations as t;
use super::{with_conn, Db};
use crate::domain::ReadingStatus;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = t)]
pub struct Mark {
    pub rulebook: String,
    pub topic: String,
    pub status: ReadingStatus,
    pub changed_by: String,
    pub changed_at: NaiveDateTime,
}

/// The marks of one rulebook version.
pub fn for_rulebook(db: &mut Db, rulebook: &str) -> AppResult<Vec<Mark>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::rulebook.eq(rulebook))
        .select(Mark::as_select())
        .load(c))?)
}

/// Mark a reading confirmed or open again.
pub fn set(
    db: &mut Db,
    rulebook: &str,
    topic: &str,
    status: ReadingStatus,
    by: &str,
) -> AppResult<()> {
    let now = super::now();
    with_conn!(db, c => diesel::insert_into(t::table)
        .values((
            t::rulebook.eq(rulebook),
            t::topic.eq(topic),
            t::status.eq(status),
            t::changed_by.eq(by),
            t::changed_at.eq(now),
        ))
        .on_conflict((t::rulebook, t::topic))
        .do_update()
        .set((t::status.eq(status), t::changed_by.eq(by), t::changed_at.eq(now)))
        .execute(c))?;
    Ok(())
}
