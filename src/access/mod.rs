//! Who may see what: accounts with a role (province staff, recommending unit,
//! base), passwords hashed with argon2, API tokens and session tokens stored
//! as SHA-256 digests, and the [`Scope`] every query is filtered by.
//!
//! Called by the CLI (`users add`, `users token`) and by `web`'s extractors.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub use crate::db::Scope;
use crate::db::{self, Db};
pub use crate::domain::Role;
use crate::domain::{BaseCode, Email};
use crate::error::{AppError, AppResult};

/// An authenticated person or script, and what it may see.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub scope: Scope,
    /// Display name of the scope: the unit's or base's name, or 全省.
    pub scope_name: String,
}

impl Caller {
    fn from_user(db: &mut Db, u: &db::users::User) -> AppResult<Caller> {
        let role = u.role;
        let (scope, scope_name) = match (role, u.unit_id, u.base_id) {
            (Role::Province, _, _) => (Scope::All, "全省".to_string()),
            (Role::Recommender, Some(unit), _) => {
                let name = db::units::all(db)?
                    .into_iter()
                    .find(|x| x.id == unit)
                    .map(|x| x.name)
                    .unwrap_or_default();
                (Scope::Unit(unit), name)
            }
            (Role::Base, _, Some(base)) => {
                let name = db::bases::in_scope(db, Scope::Base(base))?
                    .into_iter()
                    .next()
                    .map(|b| b.name)
                    .unwrap_or_default();
                (Scope::Base(base), name)
            }
            // An account without its binding sees nothing rather than everything.
            (Role::Recommender, None, _) => (Scope::Unit(-1), String::new()),
            (Role::Base, _, None) => (Scope::Base(-1), String::new()),
        };
        Ok(Caller {
            user_id: u.id,
            username: u.username.clone(),
            role,
            scope,
            scope_name,
        })
    }
}

/// Hash a password with argon2 (PHC string with its own salt).
pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Invalid(format!("无法处理密码 (cannot hash the password): {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random token (shown once) and its digest (stored).
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = crate::hex(&bytes);
    let digest = token_digest(&token);
    (token, digest)
}

/// The stored form of a token.
pub fn token_digest(token: &str) -> String {
    crate::hex(&Sha256::digest(token.as_bytes()))
}

/// What `users add` needs.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub role: Role,
    /// Recommending unit name (recommender accounts).
    pub unit: Option<&'a str>,
    /// Base code (base accounts).
    pub base: Option<&'a str>,
    pub email: &'a str,
}

/// Create an account; the unit or base it is bound to must exist.
pub fn add_user(db: &mut Db, a: &NewAccount) -> AppResult<i64> {
    let username = a.username.trim();
    if username.is_empty() || username.len() > 64 || username.chars().any(char::is_whitespace) {
        return Err(AppError::Invalid(
            "用户名不能为空、不能含空格，最长 64 个字符 (username must be 1-64 characters without spaces)".into(),
        ));
    }
    if a.password.chars().count() < 8 {
        return Err(AppError::Invalid(
            "密码至少 8 个字符 (password must have at least 8 characters)".into(),
        ));
    }
    let email = Email::parse(a.email).map_err(|e| AppError::Invalid(e.to_string()))?;
    if db::users::find_by_username(db, username)?.is_some() {
        return Err(AppError::Invalid(format!(
            "用户名 {username} 已存在 (username exists)"
        )));
    }
    let (unit_id, base_id) = match a.role {
        Role::Province => (None, None),
        Role::Recommender => {
            let name = a.unit.ok_or_else(|| {
                AppError::Invalid(
                    "推荐单位账号需要 --unit 推荐单位名称 (a recommender needs --unit)".into(),
                )
            })?;
            let unit = db::units::all(db)?
                .into_iter()
                .find(|u| u.name == name.trim())
                .ok_or_else(|| {
                    AppError::NotFound(format!("推荐单位“{name}”(recommending unit)"))
                })?;
            (Some(unit.id), None)
        }
        Role::Base => {
            let code = a.base.ok_or_else(|| {
                AppError::Invalid(
                    "基地账号需要 --base 基地编号 (a base account needs --base)".into(),
                )
            })?;
            let code = BaseCode::parse(code).map_err(|e| AppError::Invalid(e.to_string()))?;
            let base = db::bases::find_by_code(db, code.as_str())?
                .ok_or_else(|| AppError::NotFound(format!("基地 {code} (base)")))?;
            (None, Some(base.id))
        }
    };
    let hash = hash_password(a.password)?;
    db::users::create(
        db,
        &db::users::NewUser {
            username,
            password_hash: &hash,
            role: a.role,
            unit_id,
            base_id,
            email: email.as_str(),
        },
    )
}

/// The longest username or password a sign-in hashes; anything longer
/// fails without a hash.
pub const MAX_CREDENTIAL: usize = 256;

/// Constant-time comparison of two secrets (tokens, digests).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A browser's proof that it signed in to `u` before: kept in a long-lived
/// cookie, it spares the account's owner the throttle that slows guesses
/// from elsewhere. Derived from the stored hash, so a new password (or a
/// deleted account) voids every device.
pub fn device_token(u: &db::users::User) -> String {
    let mut h = Sha256::new();
    h.update(b"basewatch device\0");
    h.update(u.id.to_le_bytes());
    h.update(u.password_hash.as_bytes());
    format!("{}.{}", u.id, crate::hex(&h.finalize()))
}

/// Whether `token` is a device token of the account `username`.
pub fn is_device_of(db: &mut Db, username: &str, token: &str) -> AppResult<bool> {
    if token.len() > 100 || username.len() > MAX_CREDENTIAL {
        return Ok(false);
    }
    Ok(match db::users::find_by_username(db, username.trim())? {
        Some(u) => same_secret(&device_token(&u), token),
        None => false,
    })
}

/// Sign in: the caller and a device token for its browser, or `None`.
pub fn sign_in(db: &mut Db, username: &str, password: &str) -> AppResult<Option<(Caller, String)>> {
    if username.len() > MAX_CREDENTIAL || password.len() > MAX_CREDENTIAL {
        return Ok(None);
    }
    match db::users::find_by_username(db, username.trim())? {
        Some(u) if verify_password(password, &u.password_hash) => {
            Ok(Some((Caller::from_user(db, &u)?, device_token(&u))))
        }
        Some(_) => Ok(None),
        None => {
            let _ = verify_password(password, DUMMY_HASH);
            Ok(None)
        }
    }
}

const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$7v1w8rqkI0sX3rAQ9r3bIUQm7ZqQdB0nRxwY7b4Hq1c";

/// Issue a new API token for `username`: returned once, stored hashed,
/// valid for `days` (none: until revoked).
pub fn issue_token(
    db: &mut Db,
    username: &str,
    label: &str,
    days: Option<u32>,
) -> AppResult<(i64, String)> {
    let u = db::users::find_by_username(db, username)?
        .ok_or_else(|| AppError::NotFound(format!("用户 {username} (user)")))?;
    let (token, digest) = new_token();
    let expires = days.map(|d| db::now() + chrono::Duration::days(i64::from(d)));
    let id = db::users::create_token(db, &digest, u.id, label, expires)?;
    Ok((id, token))
}

/// The tokens `caller` may see: its own.
pub fn tokens(db: &mut Db, caller: &Caller) -> AppResult<Vec<db::users::Token>> {
    db::users::tokens_of(db, caller.user_id)
}

/// Revoke token `id`: one's own, or any as province staff. Another
/// account's token is not found, as if it did not exist.
pub fn revoke_token(db: &mut Db, caller: &Caller, id: i64) -> AppResult<()> {
    let t = db::users::find_token(db, id)?
        .filter(|t| t.user_id == caller.user_id || caller.role == Role::Province)
        .ok_or_else(|| AppError::NotFound(format!("令牌 (token) #{id}")))?;
    if !db::users::revoke_token(db, t.id)? {
        return Err(AppError::Conflict(format!(
            "令牌 #{id} 已于此前撤销 (the token was already revoked)"
        )));
    }
    Ok(())
}

/// The caller behind an API token.
pub fn caller_for_token(db: &mut Db, token: &str) -> AppResult<Option<Caller>> {
    match db::users::find_by_token(db, &token_digest(token))? {
        Some(u) => Ok(Some(Caller::from_user(db, &u)?)),
        None => Ok(None),
    }
}

/// The caller and CSRF token behind a session token.
pub fn caller_for_session(
    db: &mut Db,
    token: &str,
    idle: chrono::Duration,
) -> AppResult<Option<(Caller, String)>> {
    match db::users::find_session(db, &token_digest(token), idle)? {
        Some((u, csrf)) => Ok(Some((Caller::from_user(db, &u)?, csrf))),
        None => Ok(None),
    }
}

/// Start a session for a caller: returns (session token for the cookie, CSRF token).
pub fn start_session(db: &mut Db, caller: &Caller, hours: i64) -> AppResult<(String, String)> {
    let (token, digest) = new_token();
    let (csrf, _) = new_token();
    let expires = db::now() + chrono::Duration::hours(hours);
    db::users::create_session(db, &digest, caller.user_id, &csrf, expires)?;
    let _ = db::users::purge_sessions(db);
    Ok((token, csrf))
}

pub fn end_session(db: &mut Db, token: &str) -> AppResult<()> {
    db::users::delete_session(db, &token_digest(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_stored_as_digests() {
        let (a, da) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(token_digest(&a), da);
        assert_ne!(a, da);
    }
}
