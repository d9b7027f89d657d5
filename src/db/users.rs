//! Accounts, browser sessions and API tokens. Secrets are stored hashed:
//! passwords with argon2 (by `access`), session and API tokens as SHA-256.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_tokens as tok, sessions as ses, users as t};
use super::{now, with_conn, Db};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: crate::domain::Role,
    pub unit_id: Option<i64>,
    pub base_id: Option<i64>,
    pub email: String,
    pub created_at: NaiveDateTime,
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: crate::domain::Role,
    pub unit_id: Option<i64>,
    pub base_id: Option<i64>,
    pub email: &'a str,
}

pub fn create(db: &mut Db, u: &NewUser) -> AppResult<i64> {
    Ok(with_conn!(db, c => diesel::insert_into(t::table)
        .values((
            t::username.eq(u.username),
            t::password_hash.eq(u.password_hash),
            t::role.eq(u.role),
            t::unit_id.eq(u.unit_id),
            t::base_id.eq(u.base_id),
            t::email.eq(u.email),
            t::created_at.eq(now()),
        ))
        .returning(t::id)
        .get_result(c))?)
}

pub fn find_by_username(db: &mut Db, username: &str) -> AppResult<Option<User>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::username.eq(username))
        .first::<User>(c)
        .optional())?)
}

pub fn find(db: &mut Db, id: i64) -> AppResult<Option<User>> {
    Ok(with_conn!(db, c => t::table.find(id).first::<User>(c).optional())?)
}

/// Store a new session; returns its id.
pub fn create_session(
    db: &mut Db,
    token_hash: &str,
    user_id: i64,
    csrf_token: &str,
    expires_at: NaiveDateTime,
) -> AppResult<i64> {
    Ok(with_conn!(db, c => diesel::insert_into(ses::table)
        .values((
            ses::token_hash.eq(token_hash),
            ses::user_id.eq(user_id),
            ses::csrf_token.eq(csrf_token),
            ses::created_at.eq(now()),
            ses::expires_at.eq(expires_at),
            ses::last_seen_at.eq(now()),
        ))
        .returning(ses::id)
        .get_result(c))?)
}

/// The user and CSRF token of a live session: not past its expiry, and
/// used within `idle`. Its last use is written at most once a minute.
pub fn find_session(
    db: &mut Db,
    token_hash: &str,
    idle: chrono::Duration,
) -> AppResult<Option<(User, String)>> {
    let ts = now();
    let found: Option<(i64, i64, String, NaiveDateTime)> = with_conn!(db, c => ses::table
        .filter(ses::token_hash.eq(token_hash))
        .filter(ses::expires_at.gt(ts))
        .filter(ses::last_seen_at.gt(ts - idle))
        .select((ses::id, ses::user_id, ses::csrf_token, ses::last_seen_at))
        .first(c)
        .optional())?;
    let Some((id, uid, csrf, seen)) = found else {
        return Ok(None);
    };
    if ts - seen > chrono::Duration::seconds(60) {
        with_conn!(db, c => diesel::update(ses::table.find(id))
            .set(ses::last_seen_at.eq(ts))
            .execute(c))?;
    }
    Ok(find(db, uid)?.map(|u| (u, csrf)))
}

pub fn delete_session(db: &mut Db, token_hash: &str) -> AppResult<()> {
    with_conn!(db, c => diesel::delete(ses::table.filter(ses::token_hash.eq(token_hash))).execute(c))?;
    Ok(())
}

/// Remove expired sessions.
pub fn purge_sessions(db: &mut Db) -> AppResult<usize> {
    Ok(
        with_conn!(db, c => diesel::delete(ses::table.filter(ses::expires_at.le(now()))).execute(c))?,
    )
}

/// An API token as its owner and staff see it (never the token itself).
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Token {
    pub id: i64,
    pub user_id: i64,
    pub label: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
}

pub fn create_token(
    db: &mut Db,
    token_hash: &str,
    user_id: i64,
    label: &str,
    expires_at: Option<NaiveDateTime>,
) -> AppResult<i64> {
    Ok(with_conn!(db, c => diesel::insert_into(tok::table)
        .values((
            tok::token_hash.eq(token_hash),
            tok::user_id.eq(user_id),
            tok::created_at.eq(now()),
            tok::label.eq(label),
            tok::expires_at.eq(expires_at),
        ))
        .returning(tok::id)
        .get_result(c))?)
}

/// The account behind a live token (not revoked, not expired); its last use
/// is written at most once a minute.
pub fn find_by_token(db: &mut Db, token_hash: &str) -> AppResult<Option<User>> {
    let ts = now();
    let found: Option<(i64, i64, Option<NaiveDateTime>)> = with_conn!(db, c => tok::table
        .filter(tok::token_hash.eq(token_hash))
        .filter(tok::revoked_at.is_null())
        .filter(tok::expires_at.is_null().or(tok::expires_at.gt(ts)))
        .select((tok::id, tok::user_id, tok::last_used_at))
        .first(c)
        .optional())?;
    let Some((id, uid, used)) = found else {
        return Ok(None);
    };
    if used.is_none_or(|u| ts - u > chrono::Duration::seconds(60)) {
        with_conn!(db, c => diesel::update(tok::table.find(id))
            .set(tok::last_used_at.eq(Some(ts)))
            .execute(c))?;
    }
    find(db, uid)
}

const TOKEN_COLUMNS: (
    tok::id,
    tok::user_id,
    tok::label,
    tok::created_at,
    tok::expires_at,
    tok::revoked_at,
    tok::last_used_at,
) = (
    tok::id,
    tok::user_id,
    tok::label,
    tok::created_at,
    tok::expires_at,
    tok::revoked_at,
    tok::last_used_at,
);

/// An account's tokens, newest first.
pub fn tokens_of(db: &mut Db, user_id: i64) -> AppResult<Vec<Token>> {
    Ok(with_conn!(db, c => tok::table
        .filter(tok::user_id.eq(user_id))
        .order(tok::id.desc())
        .select(TOKEN_COLUMNS)
        .load::<Token>(c))?)
}

pub fn find_token(db: &mut Db, id: i64) -> AppResult<Option<Token>> {
    Ok(with_conn!(db, c => tok::table
        .find(id)
        .select(TOKEN_COLUMNS)
        .first::<Token>(c)
        .optional())?)
}

/// Revoke a token now; false if it was already revoked.
pub fn revoke_token(db: &mut Db, id: i64) -> AppResult<bool> {
    let n = with_conn!(db, c => diesel::update(tok::table.find(id).filter(tok::revoked_at.is_null()))
        .set(tok::revoked_at.eq(Some(now())))
        .execute(c))?;
    Ok(n == 1)
}

/// Email addresses of the recommender accounts bound to a unit (copied on its bases' warnings).
pub fn emails_for_unit(db: &mut Db, unit_id: i64) -> AppResult<Vec<String>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::role.eq(crate::domain::Role::Recommender))
        .filter(t::unit_id.eq(unit_id))
        .select(t::email)
        .load::<String>(c))?)
}

/// (role, unit, email) of every account: who receives digests.
pub fn contacts(db: &mut Db) -> AppResult<Vec<(crate::domain::Role, Option<i64>, String)>> {
    Ok(with_conn!(db, c => t::table
        .select((t::role, t::unit_id, t::email))
        .order(t::id)
        .load(c))?)
}
