//! Bases (创新基地): the register, current status and cycle, and the
//! status history.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{base_status_history as h, bases as t};
use super::{now, with_conn, Db, Scope};
use crate::domain::{BaseType, Channel, City, Status};
use crate::error::{AppError, AppResult};

/// A base as the program uses it (the row's bookkeeping timestamps stay in
/// the table: nothing reads them, and parsing them was a quarter of loading
/// the register).
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = t)]
pub struct Base {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub base_type: BaseType,
    pub host_unit: String,
    pub credit_code: String,
    pub channel: Channel,
    pub unit_id: i64,
    pub city: City,
    #[diesel(deserialize_as = super::types::StoredDate)]
    pub recognised_on: NaiveDate,
    pub email: String,
    pub status: Status,
    #[diesel(deserialize_as = super::types::StoredDate)]
    pub status_since: NaiveDate,
    #[diesel(deserialize_as = super::types::StoredDate)]
    pub cycle_start: NaiveDate,
}

/// The register fields of one base, as imported.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseInput {
    pub code: String,
    pub name: String,
    pub base_type: BaseType,
    pub host_unit: String,
    pub credit_code: String,
    pub channel: Channel,
    pub unit_id: i64,
    pub city: City,
    pub recognised_on: NaiveDate,
    pub email: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct StatusChange {
    pub id: i64,
    pub base_id: i64,
    pub status: Status,
    pub effective_on: NaiveDate,
    pub reason: String,
    pub changed_by: String,
    pub changed_at: chrono::NaiveDateTime,
}

/// Every base, ordered by code.
pub fn all(db: &mut Db) -> AppResult<Vec<Base>> {
    Ok(with_conn!(db, c => t::table.order(t::code).select(Base::as_select()).load(c))?)
}

/// The bases `scope` may see, ordered by code.
pub fn in_scope(db: &mut Db, scope: Scope) -> AppResult<Vec<Base>> {
    Ok(with_conn!(db, c => match scope {
        Scope::All => t::table.order(t::code).select(Base::as_select()).load(c),
        Scope::Unit(u) => t::table.filter(t::unit_id.eq(u)).order(t::code).select(Base::as_select()).load(c),
        Scope::Base(b) => t::table.filter(t::id.eq(b)).order(t::code).select(Base::as_select()).load(c),
    })?)
}

/// The base with `code`, if `scope` may see it (otherwise `None`, as if it did not exist).
pub fn find_in_scope(db: &mut Db, code: &str, scope: Scope) -> AppResult<Option<Base>> {
    Ok(find_by_code(db, code)?.filter(|b| match scope {
        Scope::All => true,
        Scope::Unit(u) => b.unit_id == u,
        Scope::Base(id) => b.id == id,
    }))
}

/// The base with this id, if `scope` may see it (one row, not the register).
pub fn find_in_scope_by_id(db: &mut Db, id: i64, scope: Scope) -> AppResult<Option<Base>> {
    let b: Option<Base> =
        with_conn!(db, c => t::table.find(id).select(Base::as_select()).first(c).optional())?;
    Ok(b.filter(|b| match scope {
        Scope::All => true,
        Scope::Unit(u) => b.unit_id == u,
        Scope::Base(id) => b.id == id,
    }))
}

pub fn find_by_code(db: &mut Db, code: &str) -> AppResult<Option<Base>> {
    Ok(
        with_conn!(db, c => t::table.filter(t::code.eq(code)).select(Base::as_select()).first(c).optional())?,
    )
}

/// code → (id, base_type) for every base: what imports look codes up in.
pub fn code_index(db: &mut Db) -> AppResult<HashMap<String, (i64, BaseType)>> {
    let rows: Vec<(String, i64, BaseType)> =
        with_conn!(db, c => t::table.select((t::code, t::id, t::base_type)).load(c))?;
    Ok(rows
        .into_iter()
        .map(|(code, id, ty)| (code, (id, ty)))
        .collect())
}

/// Create the base or bring its register fields up to date. A new base
/// starts `building`, its first cycle beginning on its recognition date.
pub fn upsert(db: &mut Db, b: &BaseInput, by: &str) -> AppResult<Upsert> {
    let ts = now();
    match find_by_code(db, &b.code)? {
        None => {
            let id: i64 = with_conn!(db, c => diesel::insert_into(t::table)
                .values((
                    t::code.eq(&b.code),
                    t::name.eq(&b.name),
                    t::base_type.eq(b.base_type),
                    t::host_unit.eq(&b.host_unit),
                    t::credit_code.eq(&b.credit_code),
                    t::channel.eq(b.channel),
                    t::unit_id.eq(b.unit_id),
                    t::city.eq(b.city),
                    t::recognised_on.eq(b.recognised_on),
                    t::email.eq(&b.email),
                    t::status.eq(Status::Building),
                    t::status_since.eq(b.recognised_on),
                    t::cycle_start.eq(b.recognised_on),
                    t::created_at.eq(ts),
                    t::updated_at.eq(ts),
                ))
                .returning(t::id)
                .get_result(c))?;
            record_status(
                db,
                id,
                Status::Building,
                b.recognised_on,
                "认定命名 (recognised)",
                by,
            )?;
            Ok(Upsert::Created)
        }
        Some(old) => {
            let current = BaseInput {
                code: old.code.clone(),
                name: old.name.clone(),
                base_type: old.base_type,
                host_unit: old.host_unit.clone(),
                credit_code: old.credit_code.clone(),
                channel: old.channel,
                unit_id: old.unit_id,
                city: old.city,
                recognised_on: old.recognised_on,
                email: old.email.clone(),
            };
            if current == *b {
                return Ok(Upsert::Unchanged);
            }
            // A corrected recognition date moves the first cycle with it.
            let cycle_start = if old.cycle_start == old.recognised_on {
                b.recognised_on
            } else {
                old.cycle_start
            };
            with_conn!(db, c => diesel::update(t::table.find(old.id))
                .set((
                    t::name.eq(&b.name),
                    t::base_type.eq(b.base_type),
                    t::host_unit.eq(&b.host_unit),
                    t::credit_code.eq(&b.credit_code),
                    t::channel.eq(b.channel),
                    t::unit_id.eq(b.unit_id),
                    t::city.eq(b.city),
                    t::recognised_on.eq(b.recognised_on),
                    t::email.eq(&b.email),
                    t::cycle_start.eq(cycle_start),
                    t::updated_at.eq(ts),
                ))
                .execute(c))?;
            Ok(Upsert::Updated)
        }
    }
}

/// Change a base's status and record who, when and why. The change must be
/// one the rules allow from the base's current status
/// ([`Status::may_become`]); anything else is refused as a conflict and
/// nothing is written.
pub fn set_status(
    db: &mut Db,
    base_id: i64,
    status: Status,
    effective_on: NaiveDate,
    reason: &str,
    by: &str,
) -> AppResult<()> {
    let current: Status = with_conn!(db, c => t::table
        .find(base_id)
        .select(t::status)
        .first(c)
        .optional())?
    .ok_or_else(|| AppError::NotFound(format!("基地 (base) #{base_id}")))?;
    if !current.may_become(status) {
        return Err(AppError::Conflict(format!(
            "基地状态不能由“{}”变为“{}”（办法第十五至十七条不允许）(status change not allowed: {current} → {status})",
            current.name_zh(),
            status.name_zh()
        )));
    }
    with_conn!(db, c => diesel::update(t::table.find(base_id))
        .set((
            t::status.eq(status),
            t::status_since.eq(effective_on),
            t::updated_at.eq(now()),
        ))
        .execute(c))?;
    record_status(db, base_id, status, effective_on, reason, by)
}

fn record_status(
    db: &mut Db,
    base_id: i64,
    status: Status,
    effective_on: NaiveDate,
    reason: &str,
    by: &str,
) -> AppResult<()> {
    with_conn!(db, c => diesel::insert_into(h::table)
        .values((
            h::base_id.eq(base_id),
            h::status.eq(status),
            h::effective_on.eq(effective_on),
            h::reason.eq(reason),
            h::changed_by.eq(by),
            h::changed_at.eq(now()),
        ))
        .execute(c))?;
    Ok(())
}

/// A base's status changes, oldest first.
pub fn status_history(db: &mut Db, base_id: i64) -> AppResult<Vec<StatusChange>> {
    Ok(with_conn!(db, c => h::table
        .filter(h::base_id.eq(base_id))
        .order(h::id)
        .load::<StatusChange>(c))?)
}

/// Start a new construction cycle on `on` (acceptance passed, 第十七条).
pub fn start_new_cycle(db: &mut Db, base_id: i64, on: NaiveDate) -> AppResult<()> {
    with_conn!(db, c => diesel::update(t::table.find(base_id))
        .set((t::cycle_start.eq(on), t::updated_at.eq(now())))
        .execute(c))?;
    Ok(())
}

/// code → the name of its recommending unit, for every base: what a
/// register import compares its rows with.
pub fn homes(db: &mut Db) -> AppResult<HashMap<String, String>> {
    use super::schema::recommending_units as u;
    let rows: Vec<(String, String)> = with_conn!(db, c => t::table
        .inner_join(u::table)
        .select((t::code, u::name))
        .load(c))?;
    Ok(rows.into_iter().collect())
}

/// The live bases by host and type: (credit code, type) → base code (第八条:
/// one host is one base of a type, through one channel).
pub fn live_hosts(db: &mut Db) -> AppResult<HashMap<(String, BaseType), String>> {
    let rows: Vec<(String, BaseType, String)> = with_conn!(db, c => t::table
        .filter(t::status.ne_all([Status::Revoked, Status::Lapsed]))
        .select((t::credit_code, t::base_type, t::code))
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(|(k, ty, code)| ((k, ty), code))
        .collect())
}

/// A recorded transfer (第八条): the base moves to another recommending
/// unit (and its channel), with a row in its history saying from where,
/// to where and why. The only way a base's unit changes.
pub fn transfer(
    db: &mut Db,
    base: &Base,
    unit_id: i64,
    channel: crate::domain::Channel,
    on: NaiveDate,
    reason: &str,
    by: &str,
) -> AppResult<()> {
    db.transaction(|db| {
        with_conn!(db, c => diesel::update(t::table.find(base.id))
            .set((t::unit_id.eq(unit_id), t::channel.eq(channel), t::updated_at.eq(now())))
            .execute(c))?;
        record_status(db, base.id, base.status, on, reason, by)
    })
}

/// Whether a host (统一社会信用代码) is a base of `ty` that has not ended.
pub fn host_recognised(db: &mut Db, credit_code: &str, ty: BaseType) -> AppResult<bool> {
    let n: i64 = with_conn!(db, c => t::table
        .filter(t::credit_code.eq(credit_code))
        .filter(t::base_type.eq(ty))
        .filter(t::status.ne_all([Status::Revoked, Status::Lapsed]))
        .count()
        .get_result(c))?;
    Ok(n > 0)
}
