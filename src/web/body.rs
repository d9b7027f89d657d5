//! Request bodies, read only after the caller's access was checked, within
//! a size limit and a time limit. Every other body (the small forms) is
//! capped by [`FORM_LIMIT`] before it is read at all.

use std::time::Duration;

use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{web, HttpRequest};

use super::WebError;

/// The largest form body (every form but the uploads).
pub const FORM_LIMIT: usize = 64 * 1024;
/// How long a form body may take to arrive.
pub const FORM_TIME: Duration = Duration::from_secs(30);
/// How long an upload may take to arrive (64 MiB at about 250 KB/s).
pub const UPLOAD_TIME: Duration = Duration::from_secs(300);

fn too_large(limit: usize) -> WebError {
    WebError::TooLarge(format!(
        "文件过大：上传文件不能超过 {limit} 字节（{:.1} MiB），未作任何导入 (the body is over the limit of {limit} bytes; nothing was imported)",
        limit as f64 / (1024.0 * 1024.0)
    ))
}

/// Read the body: refused unread when its declared length is over `limit`,
/// cut off with 413 as soon as it passes it, and with 408 when it has not
/// arrived within `within`.
pub async fn read(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
    within: Duration,
) -> Result<web::Bytes, WebError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    match actix_web::rt::time::timeout(within, payload.to_bytes_limited(limit)).await {
        Err(_) => Err(WebError::Timeout),
        Ok(Err(_)) => Err(too_large(limit)),
        Ok(Ok(Err(_))) => Err(WebError::BadRequest(
            "上传中断，请重试 (the upload was interrupted)".into(),
        )),
        Ok(Ok(Ok(body))) => Ok(body),
    }
}

/// Decode an `application/x-www-form-urlencoded` body into pairs (repeated keys kept).
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    let dec = |s: &str| {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    match u8::from_str_radix(
                        std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"),
                        16,
                    ) {
                        Ok(v) => {
                            out.push(v);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).to_string()
    };
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (dec(k), dec(v))
        })
        .collect()
}
