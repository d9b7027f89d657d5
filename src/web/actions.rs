//! What a page's button and its API route both run: the role check, the
//! `lifecycle` call on the blocking pool, and the caches told.

use actix_web::{web, HttpRequest, HttpResponse};

use super::scope::{scoped_card, xlsx_response};
use super::{blocking, AppState, WebError};
use crate::access::{Caller, Role};
use crate::compliance::output;
use crate::error::AppError;
use crate::lifecycle;

/// Only province staff act on a year.
pub fn staff_only(caller: &Caller, what: &str) -> Result<(), WebError> {
    if caller.role == Role::Province {
        Ok(())
    } else {
        Err(WebError::Forbidden(format!(
            "只有省科协工作人员可以{what} (province staff only)"
        )))
    }
}

/// Confirm a year (the page's button and the API route).
pub async fn confirm_year(
    state: &web::Data<AppState>,
    year: i32,
    by: String,
) -> Result<lifecycle::year::YearView, WebError> {
    let today = state.today();
    let st = state.clone();
    let v = blocking(state, move |db| {
        lifecycle::year::confirm(db, &st.settings.rulebook, year, today, &by)
    })
    .await?;
    state.cache.invalidate();
    Ok(v)
}

/// Reopen a year with a reason (the page's form and the API route).
pub async fn reopen_year(
    state: &web::Data<AppState>,
    year: i32,
    reason: String,
    by: String,
) -> Result<lifecycle::year::YearView, WebError> {
    let today = state.today();
    let st = state.clone();
    let v = blocking(state, move |db| {
        lifecycle::year::reopen(db, &st.settings.rulebook, year, &reason, today, &by)
    })
    .await?;
    state.cache.invalidate();
    Ok(v)
}

/// A JSON body of a lifecycle action: small, read after the access check.
pub async fn json_body<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, WebError> {
    let body = crate::web::body::read(req, payload, 16 * 1024, crate::web::body::FORM_TIME).await?;
    serde_json::from_slice(&body).map_err(|e| {
        WebError::BadRequest(format!("请求内容不是有效的 JSON (invalid JSON body): {e}"))
    })
}

/// The publication list (公示名单) of a confirmed year, in the caller's scope.
pub async fn publication_xlsx(
    state: &web::Data<AppState>,
    caller: &Caller,
    year: i32,
) -> Result<HttpResponse, WebError> {
    if caller.role == Role::Base {
        return Err(WebError::NotFound);
    }
    let card = scoped_card(state, caller.scope, year).await?;
    if !card.confirmed {
        return Err(WebError::Conflict(format!(
            "{year} 年度尚未定稿，不能生成公示名单 (the year is not confirmed)"
        )));
    }
    let st = state.clone();
    let bases = blocking(state, move |db| st.cache.bases(db)).await?;
    let bytes = output::write_publication_xlsx(&card, &bases)
        .map_err(|e| WebError::from(AppError::Compute(e.to_string())))?;
    Ok(xlsx_response(
        bytes,
        &format!("{year}年度考核结果公示名单.xlsx"),
    ))
}

/// A base in the caller's scope, or 404.
pub async fn base_in_scope(
    state: &web::Data<AppState>,
    caller: &Caller,
    code: String,
) -> Result<crate::db::bases::Base, WebError> {
    let scope = caller.scope;
    blocking(state, move |db| {
        crate::db::bases::find_in_scope(db, &code, scope)?.ok_or(AppError::NotFound(code))
    })
    .await
}

/// A lifecycle step on a base, on the blocking pool; the caches and the
/// mail deliverer are told.
pub async fn on_base<T: Send + 'static>(
    state: &web::Data<AppState>,
    f: impl FnOnce(
            &mut crate::db::Db,
            &crate::config::Settings,
            chrono::NaiveDate,
        ) -> crate::error::AppResult<T>
        + Send
        + 'static,
) -> Result<T, WebError> {
    let today = state.today();
    let st = state.clone();
    let out = blocking(state, move |db| f(db, &st.settings, today)).await?;
    state.cache.invalidate();
    state.mail_queued.notify_one();
    Ok(out)
}

/// Staff's decision on a rectification, as the API and the page give it.
pub fn decision(
    decision: &str,
    deadline: Option<&str>,
) -> Result<lifecycle::decisions::Decision, WebError> {
    use lifecycle::decisions::Decision;
    match decision {
        "passed" => Ok(Decision::Passed),
        "revoked" => Ok(Decision::Revoked),
        "extended" => {
            let d = deadline.filter(|d| !d.trim().is_empty()).ok_or_else(|| {
                WebError::BadRequest(
                    "延长整改期限须给出新的期限 deadline (a deadline is required)".into(),
                )
            })?;
            crate::domain::parse_date(d)
                .map(Decision::Extended)
                .map_err(|e| WebError::BadRequest(format!("deadline 无效 (invalid deadline): {e}")))
        }
        other => Err(WebError::BadRequest(format!(
            "decision 应为 passed、revoked 或 extended (unknown decision): {other}"
        ))),
    }
}

/// A record a base entered, and its base, if the caller may see that base (else 404).
pub async fn entry_in_scope(
    state: &web::Data<AppState>,
    caller: &Caller,
    id: i64,
) -> Result<(crate::db::submissions::Submission, crate::db::bases::Base), WebError> {
    let scope = caller.scope;
    blocking(state, move |db| {
        let s = crate::db::submissions::find(db, id)?.ok_or(AppError::NotFound(id.to_string()))?;
        let b = crate::db::bases::find_in_scope_by_id(db, s.base_id, scope)?
            .ok_or(AppError::NotFound(id.to_string()))?;
        Ok((s, b))
    })
    .await
}
