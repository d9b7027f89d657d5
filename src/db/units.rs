//! Recommending units (推荐单位): city associations, provincial societies
//! and institutions, each bound to one channel.

use diesel::prelude::*;

use super::schema::recommending_units as t;
use super::{now, with_conn, Db};
use crate::domain::Channel;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable)]
pub struct Unit {
    pub id: i64,
    pub name: String,
    pub channel: Channel,
    pub created_at: chrono::NaiveDateTime,
}

/// Every unit, by name.
pub fn all(db: &mut Db) -> AppResult<Vec<Unit>> {
    Ok(with_conn!(db, c => t::table.order(t::name).load::<Unit>(c))?)
}

/// The id of the unit called `name`, created on first use.
pub fn find_or_create(db: &mut Db, name: &str, channel: Channel) -> AppResult<i64> {
    let found: Option<i64> = with_conn!(db, c => t::table
        .filter(t::name.eq(name))
        .select(t::id)
        .first(c)
        .optional())?;
    if let Some(id) = found {
        return Ok(id);
    }
    Ok(with_conn!(db, c => diesel::insert_into(t::table)
        .values((t::name.eq(name), t::channel.eq(channel), t::created_at.eq(now())))
        .returning(t::id)
        .get_result(c))?)
}
