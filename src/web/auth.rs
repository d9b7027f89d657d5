//! Login, logout and who is calling: session cookies (HttpOnly, SameSite=Lax,
//! Secure when configured) with a per-session CSRF token for pages, bearer
//! tokens for the API, and sign-in through the [`super::throttle`].

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::throttle::Refusal;
use super::{blocking, AppState, WebError};
use crate::access::{self, Caller, Role};

pub const SESSION_COOKIE: &str = "bw_session";
const LOGIN_CSRF_COOKIE: &str = "bw_login_csrf";
const DEVICE_COOKIE: &str = "bw_device";
const SESSION_HOURS: i64 = 12;
/// A device cookie is kept for a year.
const DEVICE_DAYS: i64 = 365;
/// The sign-in form is small; a larger body is refused unread.
pub const LOGIN_FORM_LIMIT: usize = 4 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/login")
            .app_data(web::FormConfig::default().limit(LOGIN_FORM_LIMIT))
            .route(web::get().to(login_form))
            .route(web::post().to(login)),
    )
    .route("/logout", web::post().to(logout));
}

/// Recently seen sessions, so that a page view needs no database round trip
/// for who is asking. Entries live a few seconds; logout removes its own.
#[derive(Default)]
pub struct SessionCache {
    map: Mutex<HashMap<String, (Caller, String, Instant)>>,
}

const SESSION_CACHE_TTL: Duration = Duration::from_secs(30);

impl SessionCache {
    fn get(&self, digest: &str) -> Option<Session> {
        let m = self.map.lock().ok()?;
        let (caller, csrf, at) = m.get(digest)?;
        (at.elapsed() < SESSION_CACHE_TTL).then(|| Session {
            caller: caller.clone(),
            csrf: csrf.clone(),
        })
    }
    fn put(&self, digest: String, s: &Session) {
        if let Ok(mut m) = self.map.lock() {
            if m.len() > 10_000 {
                m.clear();
            }
            m.insert(digest, (s.caller.clone(), s.csrf.clone(), Instant::now()));
        }
    }
    fn remove(&self, digest: &str) {
        if let Ok(mut m) = self.map.lock() {
            m.remove(digest);
        }
    }
}

/// A logged-in person and the CSRF token their forms must carry.
pub struct Session {
    pub caller: Caller,
    pub csrf: String,
}

/// The session behind the request's cookie, if any.
pub async fn session(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Option<Session>, WebError> {
    let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(None);
    };
    if token.len() != 64 {
        return Ok(None);
    }
    let digest = access::token_digest(&token);
    if let Some(s) = state.sessions.get(&digest) {
        return Ok(Some(s));
    }
    let idle = chrono::Duration::minutes(i64::from(state.settings.session_idle_minutes));
    let found = blocking(state, move |db| {
        access::caller_for_session(db, &token, idle)
    })
    .await?;
    let s = found.map(|(caller, csrf)| Session { caller, csrf });
    if let Some(s) = &s {
        state.sessions.put(digest, s);
    }
    Ok(s)
}

/// Where an anonymous page request is sent: the sign-in page, coming back here after.
pub fn login_location(req: &HttpRequest) -> String {
    let next = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    format!("/login?next={}", super::html::url(next))
}

/// The caller behind `Authorization: Bearer TOKEN`; 401 without a valid one.
pub async fn api_caller(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Caller, WebError> {
    let token = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(WebError::Unauthorized)?;
    blocking(state, move |db| access::caller_for_token(db, &token))
        .await?
        .ok_or(WebError::Unauthorized)
}

use crate::access::same_secret as same;

/// Refuse a state-changing request whose CSRF token is missing or wrong.
pub fn check_csrf(s: &Session, sent: Option<&str>) -> Result<(), WebError> {
    match sent {
        Some(t) if same(t, &s.csrf) => Ok(()),
        _ => Err(WebError::BadRequest(
            "表单已过期或来源不明，请刷新页面后重试 (CSRF check failed)".into(),
        )),
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path on this site is followed after login: it starts with one `/`
/// and holds no control character, space or backslash (browsers drop tabs
/// and newlines, so `/\t/evil.example` would become `//evil.example`).
/// Other characters are percent-encoded, so the header is always valid.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else {
        return "/".into();
    };
    let bad = |c: char| c.is_control() || c.is_whitespace() || c == '\\';
    if !n.starts_with('/') || n.starts_with("//") || n.chars().any(bad) || n.len() > 2048 {
        return "/".into();
    }
    let mut out = String::with_capacity(n.len());
    for c in n.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// The caller's address, through the configured trusted proxies.
pub fn client_addr(req: &HttpRequest, state: &AppState) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    let xff = req
        .headers()
        .get("X-Forwarded-For")
        .and_then(|v| v.to_str().ok());
    super::throttle::client_ip(peer, xff, &state.settings.trusted_proxies)
}

/// The sign-in page (`templates/login.html`).
#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginView<'a> {
    title: &'a str,
    layout: super::html::Layout,
    csrf: &'a str,
    next: &'a str,
    error: Option<&'a str>,
}

fn login_page(next: &str, csrf: &str, error: Option<&str>) -> String {
    super::html::render(&LoginView {
        title: "登录",
        layout: super::html::Layout::new(None),
        csrf,
        next,
        error,
    })
}

fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

fn login_csrf_cookie(value: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(LOGIN_CSRF_COOKIE, value.to_string())
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish()
}

async fn login_form(state: web::Data<AppState>, q: web::Query<NextQuery>) -> HttpResponse {
    let (csrf, _) = access::new_token();
    let next = safe_next(q.next.as_deref());
    let mut r = html(
        actix_web::http::StatusCode::OK,
        login_page(&next, &csrf, None),
    );
    let _ = r.add_cookie(&login_csrf_cookie(&csrf, state.settings.cookie_secure));
    r
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let cookie_csrf = req
        .cookie(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let retry = |msg: &str, status| {
        let (csrf, _) = access::new_token();
        let mut r = html(status, login_page(&next, &csrf, Some(msg)));
        let _ = r.add_cookie(&login_csrf_cookie(&csrf, state.settings.cookie_secure));
        r
    };
    if cookie_csrf.is_empty() || !same(&cookie_csrf, &form.csrf) {
        return Ok(retry(
            "登录表单已过期，请重试 (the form expired)",
            actix_web::http::StatusCode::BAD_REQUEST,
        ));
    }
    let addr = client_addr(&req, &state);
    let device = req
        .cookie(DEVICE_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() <= 100);
    let known_device = match device {
        Some(d) => {
            let u = form.username.clone();
            blocking(&state, move |db| access::is_device_of(db, &u, &d)).await?
        }
        None => false,
    };
    // Counted before the hash; refused without one.
    let attempt = match state.throttle.attempt(&form.username, addr, known_device) {
        Ok(a) => a,
        Err(Refusal::TooMany) => {
            return Ok(retry(
                "登录失败次数过多，请 15 分钟后再试 (too many failed logins)",
                actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            ))
        }
        Err(Refusal::Busy) => {
            return Ok(retry(
                "登录请求过多，请稍后再试 (too many sign-ins at once, try again)",
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            ))
        }
    };
    let (username, password) = (form.username.clone(), form.password.clone());
    let signed = blocking(&state, move |db| access::sign_in(db, &username, &password)).await?;
    let Some((caller, device)) = signed else {
        drop(attempt);
        tracing::info!("failed login from {addr}");
        return Ok(retry(
            "用户名或密码错误 (wrong username or password)",
            actix_web::http::StatusCode::UNAUTHORIZED,
        ));
    };
    attempt.succeeded();
    let c2 = caller.clone();
    let (token, _) = blocking(&state, move |db| {
        access::start_session(db, &c2, SESSION_HOURS)
    })
    .await?;
    let target = if next == "/" { home(&caller) } else { next };
    let cookie = Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.cookie_secure)
        .max_age(actix_web::cookie::time::Duration::hours(SESSION_HOURS))
        .finish();
    let device = Cookie::build(DEVICE_COOKIE, device)
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.cookie_secure)
        .max_age(actix_web::cookie::time::Duration::days(DEVICE_DAYS))
        .finish();
    let mut gone = login_csrf_cookie("", state.settings.cookie_secure);
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", target))
        .cookie(cookie)
        .cookie(device)
        .cookie(gone)
        .finish())
}

/// Where a caller lands after login.
pub fn home(c: &Caller) -> String {
    match c.role {
        Role::Province | Role::Recommender => "/overview".into(),
        Role::Base => "/bases".into(),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    if let Some(s) = session(&req, &state).await? {
        check_csrf(&s, form.csrf.as_deref())?;
        if let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) {
            state.sessions.remove(&access::token_digest(&token));
            blocking(&state, move |db| access::end_session(db, &token)).await?;
        }
    }
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/login"))
        .cookie(gone)
        .finish())
}
