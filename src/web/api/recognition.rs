//! The yearly recognition round (第九条) and its applications (第四–八条):
//! `POST /applications`, `GET /applications/{id}/check`,
//! `POST /applications/{id}/advance`, `POST /rounds`, `GET /rounds/{year}`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::super::actions::{base_in_scope, json_body, on_base, staff_only};
use super::super::extract::ApiCaller;
use super::super::{blocking, AppState, WebError};
use crate::access::Role;
use crate::db::{self, Scope};
use crate::domain::{Coded, Stage};
use crate::error::AppError;
use crate::recognition::{self, ApplicationInput, Naming};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/applications", web::post().to(file))
        .route("/applications/{id}/check", web::get().to(check))
        .route("/applications/{id}/advance", web::post().to(advance))
        .route("/rounds", web::post().to(open_round))
        .route("/rounds/{year}", web::get().to(round))
        .route("/applications/{id}/objections", web::post().to(object))
        .route(
            "/applications/{id}/objections/{objection}/resolve",
            web::post().to(resolve),
        )
        .route("/bases/{code}/transfer", web::post().to(transfer));
}

async fn file(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    if caller.role == Role::Base {
        return Err(WebError::Forbidden(
            "由推荐单位或省科协提交认定申请 (a recommending unit files applications)".into(),
        ));
    }
    let input: ApplicationInput = json_body(&req, payload).await?;
    let today = state.today();
    let a = blocking(&state, move |db| {
        recognition::file(db, &caller, &input, today)
    })
    .await?;
    Ok(HttpResponse::Created().json(a))
}

async fn check(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let today = state.today();
    let st = state.clone();
    let body = blocking(&state, move |db| {
        let a = recognition::in_scope(db, &caller, id)?;
        let conditions = recognition::check_application(&st.settings, &a, today);
        Ok(serde_json::json!({ "id": a.id, "base_type": a.base_type, "conditions": conditions }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
struct AdvanceBody {
    stage: String,
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(flatten)]
    naming: Naming,
}

async fn advance(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let scope_caller = caller.clone();
    blocking(&state, move |db| {
        recognition::in_scope(db, &scope_caller, id)
    })
    .await?;
    staff_only(&caller, "作出认定各阶段的决定")?;
    let body: AdvanceBody = json_body(&req, payload).await?;
    let stage = Stage::from_code(&body.stage)
        .filter(|s| *s != Stage::Submitted)
        .ok_or_else(|| {
            WebError::BadRequest(format!(
                "stage 应为 formal_review、expert_review、final_review、publicity 或 naming，而不是“{}”",
                body.stage
            ))
        })?;
    let pass = match body.decision.as_str() {
        "pass" => true,
        "reject" => false,
        other => {
            return Err(WebError::BadRequest(format!(
                "decision 应为 pass 或 reject (unknown decision): {other}"
            )))
        }
    };
    let today = state.today();
    let st = state.clone();
    let by = caller.username.clone();
    let a = blocking(&state, move |db| {
        let a = recognition::in_scope(db, &caller, id)?;
        recognition::advance(
            db,
            &a,
            stage,
            pass,
            &body.reason,
            &body.naming,
            &st.settings,
            &by,
            today,
        )
    })
    .await?;
    state.cache.invalidate();
    Ok(HttpResponse::Ok().json(a))
}

#[derive(Deserialize)]
struct RoundBody {
    year: i32,
}

async fn open_round(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    staff_only(&caller, "开放年度认定")?;
    let body: RoundBody = json_body(&req, payload).await?;
    let year = body.year;
    if !(2000..=2100).contains(&year) {
        return Err(WebError::BadRequest(format!(
            "年度应在 2000 到 2100 之间，而不是 {year}"
        )));
    }
    let by = caller.username.clone();
    let round = blocking(&state, move |db| {
        if !db::recognition::open_round(db, year, &by)? {
            return Err(AppError::Conflict(format!(
                "{year} 年度认定已开放 (the round is open already)"
            )));
        }
        db::recognition::round(db, year)?.ok_or_else(|| AppError::Compute("round gone".into()))
    })
    .await?;
    Ok(HttpResponse::Created().json(round))
}

async fn round(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, WebError> {
    let year = path.into_inner();
    let unit = match (caller.role, caller.scope) {
        (Role::Province, _) => None,
        (Role::Recommender, Scope::Unit(u)) => Some(u),
        _ => return Err(WebError::NotFound),
    };
    let body = blocking(&state, move |db| {
        let r = db::recognition::round(db, year)?
            .ok_or_else(|| AppError::NotFound(year.to_string()))?;
        let mut items = Vec::new();
        for a in db::recognition::of_round(db, year, unit)? {
            let steps = db::recognition::steps(db, a.id)?;
            let mut v = serde_json::to_value(&a).unwrap_or_default();
            v["stage_zh"] = a.stage.name_zh().into();
            v["steps"] = serde_json::to_value(&steps).unwrap_or_default();
            v["objections"] =
                serde_json::to_value(db::recognition::objections(db, a.id)?).unwrap_or_default();
            items.push(v);
        }
        Ok(serde_json::json!({
            "year": r.year,
            "opened_by": r.opened_by,
            "opened_at": r.opened_at,
            "applications": items,
        }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
struct TransferBody {
    unit: String,
    #[serde(default)]
    reason: String,
}

/// 第八条: staff move a base to another unit, recorded with the reason.
async fn transfer(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let b = base_in_scope(&state, &caller, path.into_inner()).await?;
    staff_only(&caller, "办理基地转移")?;
    let body: TransferBody = json_body(&req, payload).await?;
    let by = caller.username.clone();
    let moved = on_base(&state, move |db, _settings, today| {
        recognition::transfer(db, &b, &body.unit, &body.reason, &by, today)
    })
    .await?;
    Ok(HttpResponse::Ok().json(moved))
}

#[derive(Deserialize)]
struct ObjectionBody {
    #[serde(default)]
    objection: String,
    #[serde(default)]
    resolution: String,
}

/// An objection raised during 公示, recorded by staff.
async fn object(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let c = caller.clone();
    blocking(&state, move |db| recognition::in_scope(db, &c, id)).await?;
    staff_only(&caller, "登记公示异议")?;
    let body: ObjectionBody = json_body(&req, payload).await?;
    let today = state.today();
    let o = blocking(&state, move |db| {
        let a = recognition::in_scope(db, &caller, id)?;
        recognition::object(db, &a, &body.objection, &caller.username, today)
    })
    .await?;
    Ok(HttpResponse::Created().json(o))
}

async fn resolve(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let (id, objection) = path.into_inner();
    let c = caller.clone();
    blocking(&state, move |db| recognition::in_scope(db, &c, id)).await?;
    staff_only(&caller, "处理公示异议")?;
    let body: ObjectionBody = json_body(&req, payload).await?;
    let today = state.today();
    let o = blocking(&state, move |db| {
        let a = recognition::in_scope(db, &caller, id)?;
        recognition::resolve(db, &a, objection, &body.resolution, &caller.username, today)
    })
    .await?;
    Ok(HttpResponse::Ok().json(o))
}
