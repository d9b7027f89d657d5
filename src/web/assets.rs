//! The static files every page links (stylesheet and script), served with
//! long cache lifetimes under a version that changes with their content, and
//! the security headers of every answer.

use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse};

use super::html::{SCRIPT, STYLE};

/// What browsers may load: this site's own files only, no inline script or
/// style, no framing, forms only to this site.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A short digest of the static files, put in their URLs (`?v=…`), so a new
/// build is fetched at once and an old one may be cached for a year.
pub fn version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(STYLE);
        h.update(SCRIPT);
        crate::hex(&h.finalize()[..6])
    })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/app.css", web::get().to(css))
        .route("/static/app.js", web::get().to(js));
}

fn cached(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(body)
}

async fn css() -> HttpResponse {
    cached("text/css; charset=utf-8", STYLE)
}

async fn js() -> HttpResponse {
    cached("text/javascript; charset=utf-8", SCRIPT)
}

/// The headers every answer carries; `private`: the request was signed in
/// (a session cookie or an API token), so nothing may be stored on the way.
pub fn secure_headers(headers: &mut header::HeaderMap, private: bool) {
    let set = |h: &mut header::HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "same-origin");
    if private {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
}
