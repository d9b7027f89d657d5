//! The web app (actix-web): server-rendered Chinese pages for the three kinds
//! of users, and the JSON API under /api/v1. Every handler resolves the
//! caller first and passes its [`Scope`] to every query; a base outside the
//! scope answers 404 as if it did not exist.
//!
//! Diesel work runs off the async executor via [`blocking`]. Scorecards and
//! charts are cached until the data under them changes ([`cache`]).

mod actions;
mod api;
mod assets;
mod auth;
pub mod body;
mod briefing;
pub mod cache;
pub mod extract;
mod html;
mod pages;
mod paging;
mod scope;
pub mod throttle;
mod upload;
mod view;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::dev::Service as _;
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpResponse, HttpServer, ResponseError};
use chrono::NaiveDate;

use crate::access::Scope;
use crate::config::Settings;
use crate::dashboards::Dashboards;
use crate::db::{Db, Pool};
use crate::error::AppError;

/// Shared by every request.
pub struct AppState {
    pub settings: Settings,
    pub pool: Pool,
    pub dashboards: Dashboards,
    pub cache: cache::Cache,
    pub throttle: throttle::Throttle,
    /// Handlers queue mail and ring this; the delivery task sends. No
    /// handler speaks SMTP.
    pub mail_queued: std::sync::Arc<tokio::sync::Notify>,
    pub sessions: auth::SessionCache,
    /// Pretend today is this date (demo and tests); `None`: today in Asia/Shanghai.
    pub today: Option<NaiveDate>,
}

impl AppState {
    /// Validate everything the server needs before it binds.
    pub fn new(settings: Settings, today: Option<NaiveDate>) -> Result<AppState, AppError> {
        let dashboards = Dashboards::load(Some(&settings.dashboards_dir))?;
        let pool = crate::db::pool(&settings.database_url, settings.pool_size)?;
        match crate::charts::init_fonts(settings.font_path.as_deref()) {
            Ok(p) => tracing::info!("charts use the CJK font {}", p.display()),
            Err(e) => {
                tracing::warn!("{e}");
                eprintln!("警告 (warning): {e}");
            }
        }
        Ok(AppState {
            settings,
            pool,
            dashboards,
            cache: cache::Cache::default(),
            throttle: throttle::Throttle::default(),
            mail_queued: std::sync::Arc::default(),
            sessions: auth::SessionCache::default(),
            today,
        })
    }

    pub fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(crate::today)
    }
}

/// Start the server on `listener` (port 0 in tests).
pub fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let state = web::Data::new(state);
    // The delivery task: sends what handlers queued as soon as they ring
    // (the `deliver` job sends the rest, and retries, every minute).
    let st = state.clone();
    tokio::spawn(async move {
        loop {
            st.mail_queued.notified().await;
            let s = st.clone();
            let sent = web::block(move || {
                let mut db = crate::db::checkout(&s.pool)?;
                crate::mail::deliver(&mut db, &s.settings)
            })
            .await;
            if let Ok(Err(e)) = sent {
                tracing::warn!("delivery after a page action failed: {e}");
            }
        }
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            // Every body an extractor reads is a small form; uploads are
            // read by `body::read` after the caller was checked.
            .app_data(web::PayloadConfig::new(body::FORM_LIMIT))
            .app_data(web::FormConfig::default().limit(body::FORM_LIMIT))
            // `?year=abc` and the like: a 400 that says so, in the API's error shape.
            .app_data(web::QueryConfig::default().error_handler(|e, _| {
                WebError::BadRequest(format!("查询参数无效 (invalid query): {e}")).into()
            }))
            .wrap_fn(|req, srv| {
                let private = req.headers().contains_key("Authorization")
                    || req.cookie(auth::SESSION_COOKIE).is_some();
                // A browser finding its way gets an HTML error page; the API
                // and scripts (fetch) keep JSON.
                let browser = !req.path().starts_with("/api/")
                    && req
                        .headers()
                        .get("Accept")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|a| a.contains("text/html"));
                let fut = srv.call(req);
                async move {
                    let res = fut.await?;
                    let failed = res.status().as_u16() >= 400;
                    let mut res = match res.response().error() {
                        Some(e) if browser && failed => {
                            let (status, message) = (res.status(), e.to_string());
                            let (req, _) = res.into_parts();
                            let page = html::error_page(status, &message);
                            let answer = HttpResponse::build(status)
                                .content_type("text/html; charset=utf-8")
                                .body(page);
                            actix_web::dev::ServiceResponse::new(req, answer)
                        }
                        _ => res.map_into_boxed_body(),
                    };
                    assets::secure_headers(res.headers_mut(), private);
                    Ok(res)
                }
            })
            .route("/healthz", web::get().to(healthz))
            .configure(assets::routes)
            .configure(auth::routes)
            .configure(pages::routes)
            .service(web::scope("/api/v1").configure(api::routes))
            .default_service(web::to(not_found))
    })
    .listen(listener)?
    .run();
    Ok(server)
}

async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let ok = blocking(&state, |db| Ok(db.ping())).await.unwrap_or(false);
    if ok {
        HttpResponse::Ok().content_type("text/plain").body("ok")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database unreachable")
    }
}

async fn not_found() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}

/// What a handler can fail with, as HTTP.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("未找到 (not found)")]
    NotFound,
    #[error("需要登录 (authentication required)")]
    Unauthorized,
    /// Seen, but the caller's role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// A page asked for without a session: the browser is sent to sign in.
    #[error("需要登录 (sign in first)")]
    SignIn(String),
    #[error("{0}")]
    BadRequest(String),
    /// The rules forbid it in the current state.
    #[error("{0}")]
    Conflict(String),
    /// The body is over its limit.
    #[error("{0}")]
    TooLarge(String),
    #[error("请求体未能按时传完 (the request body did not arrive in time)")]
    Timeout,
    #[error("请求过于频繁，请稍后再试 (too many attempts, try again later)")]
    TooMany,
    #[error("服务器内部错误 (internal error)")]
    Internal,
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(_) => WebError::NotFound,
            AppError::Invalid(m) => WebError::BadRequest(m),
            AppError::Conflict(m) => WebError::Conflict(m),
            AppError::Forbidden(m) => WebError::Forbidden(m),
            other => {
                // The cause goes to the log; people get a short message.
                tracing::error!("{other}");
                WebError::Internal
            }
        }
    }
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::SignIn(_) => StatusCode::SEE_OTHER,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Timeout => StatusCode::REQUEST_TIMEOUT,
            WebError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            WebError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn error_response(&self) -> HttpResponse {
        if let WebError::SignIn(to) = self {
            return HttpResponse::SeeOther()
                .insert_header(("Location", to.as_str()))
                .finish();
        }
        HttpResponse::build(self.status_code())
            .content_type("application/json; charset=utf-8")
            .body(serde_json::json!({ "error": self.to_string() }).to_string())
    }
}

/// Run diesel work on the blocking pool with a pooled connection.
pub async fn blocking<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, WebError>
where
    T: Send + 'static,
    F: FnOnce(&mut Db) -> Result<T, AppError> + Send + 'static,
{
    let pool = state.pool.clone();
    let out = web::block(move || {
        let mut db = crate::db::checkout(&pool)?;
        f(&mut db)
    })
    .await
    .map_err(|_| WebError::Internal)?;
    out.map_err(WebError::from)
}

/// True when `scope` may see the base with this id and unit.
pub fn visible(scope: Scope, base_id: i64, unit_id: i64) -> bool {
    match scope {
        Scope::All => true,
        Scope::Unit(u) => u == unit_id,
        Scope::Base(b) => b == base_id,
    }
}
