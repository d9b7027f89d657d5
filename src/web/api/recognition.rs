//! The yearly recognition round (第九条) and its applications (第四–八条):
//! `POST /applications`, `GET /applications/{id}` (the dossier),
//! `GET /applications/{id}/check`, `POST /applications/{id}/advance`, the
//! experts' opinions, the files and the objections of an application;
//! `POST /rounds`, `GET /rounds`, `GET /rounds/{year}`; and the transfer
//! of a base to another unit. The pages call the `*_as` functions here.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use chrono::NaiveDate;

use super::super::actions::{base_in_scope, json_body, on_base, staff_only};
use super::super::extract::ApiCaller;
use super::super::paging::{Pager, Paging, Params};
use super::super::scope::file_response;
use super::super::{blocking, AppState, WebError};
use super::documents::document_body;
use super::with_paging;
use crate::access::{Caller, Role};
use crate::db::{self, Scope};
use crate::domain::{ApplicationDocumentKind, Coded, Stage};
use crate::error::AppError;
use crate::recognition::{self, ApplicationInput, Naming, ReviewInput};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/applications", web::post().to(file))
        .route("/applications/{id}", web::get().to(detail))
        .route("/applications/{id}/check", web::get().to(check))
        .route("/applications/{id}/reviews", web::post().to(review))
        .route("/applications/{id}/documents", web::post().to(attach))
        .route(
            "/applications/{id}/documents/{document}",
            web::get().to(download),
        )
        .route("/rounds", web::get().to(rounds))
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
        let documents = db::recognition::documents(db, a.id)?;
        let conditions = recognition::check_application(&st.settings, &a, &documents, today);
        Ok(serde_json::json!({ "id": a.id, "base_type": a.base_type, "conditions": conditions }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

async fn detail(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let d = dossier_as(&caller, &state, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(d))
}

/// The dossier of application `id` with its check, if `caller` may see it.
pub(in crate::web) async fn dossier_as(
    caller: &Caller,
    state: &web::Data<AppState>,
    id: i64,
) -> Result<recognition::Dossier, WebError> {
    let (caller, st, today) = (caller.clone(), state.clone(), state.today());
    blocking(state, move |db| {
        let a = recognition::in_scope(db, &caller, id)?;
        recognition::dossier(db, &st.settings, a, Some(today))
    })
    .await
}

async fn review(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let c = caller.clone();
    blocking(&state, move |db| recognition::in_scope(db, &c, id)).await?;
    staff_only(&caller, "登记专家意见")?;
    let body: ReviewInput = json_body(&req, payload).await?;
    let r = review_as(&caller, &state, id, body).await?;
    Ok(HttpResponse::Created().json(r))
}

/// Staff record an expert's opinion on application `id`.
pub(in crate::web) async fn review_as(
    caller: &Caller,
    state: &web::Data<AppState>,
    id: i64,
    body: ReviewInput,
) -> Result<db::recognition::Review, WebError> {
    staff_only(caller, "登记专家意见")?;
    let (caller, today) = (caller.clone(), state.today());
    blocking(state, move |db| {
        let a = recognition::in_scope(db, &caller, id)?;
        recognition::add_review(db, &a, &body, &caller.username, today)
    })
    .await
}

async fn attach(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let d = attach_as(&caller, &req, &state, path.into_inner(), payload).await?;
    Ok(HttpResponse::Created().json(d))
}

/// A file for application `id` (`?kind=application_form|construction_plan|evidence
/// &condition=ID&filename=F`, the file as the body): its unit or staff.
pub(in crate::web) async fn attach_as(
    caller: &Caller,
    req: &HttpRequest,
    state: &web::Data<AppState>,
    id: i64,
    payload: web::Payload,
) -> Result<db::recognition::AppDocument, WebError> {
    let c = caller.clone();
    blocking(state, move |db| recognition::in_scope(db, &c, id)).await?;
    if caller.role == Role::Base {
        return Err(WebError::NotFound);
    }
    let p = Params::parse(req.query_string());
    let kind = p.coded::<ApplicationDocumentKind>("kind")?.ok_or_else(|| {
        WebError::BadRequest(
            "缺少 kind：application_form、construction_plan 或 evidence (kind is required)".into(),
        )
    })?;
    let condition = p.text("condition");
    let filename = p.text("filename").unwrap_or_default();
    let body = document_body(req, state, payload).await?;
    let (caller, st) = (caller.clone(), state.clone());
    blocking(state, move |db| {
        let a = recognition::in_scope(db, &caller, id)?;
        recognition::attach(
            db,
            &st.settings,
            &a,
            kind,
            condition.as_deref(),
            &filename,
            &body,
            &caller.username,
        )
    })
    .await
}

async fn download(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, WebError> {
    let (id, document) = path.into_inner();
    download_as(&caller, &state, id, document).await
}

/// One of application `id`'s files, if `caller` may see the application.
pub(in crate::web) async fn download_as(
    caller: &Caller,
    state: &web::Data<AppState>,
    id: i64,
    document: i64,
) -> Result<HttpResponse, WebError> {
    let (caller, st) = (caller.clone(), state.clone());
    let (d, bytes) = blocking(state, move |db| {
        let a = recognition::in_scope(db, &caller, id)?;
        let d = db::recognition::documents(db, a.id)?
            .into_iter()
            .find(|d| d.id == document)
            .ok_or_else(|| AppError::NotFound(document.to_string()))?;
        let bytes = crate::documents::read(&st.settings, &d.digest)?;
        Ok((d, bytes))
    })
    .await?;
    Ok(file_response(bytes, &d.filename, &d.content_type))
}

#[derive(Deserialize)]
pub(in crate::web) struct AdvanceBody {
    pub stage: String,
    pub decision: String,
    #[serde(default)]
    pub reason: String,
    #[serde(flatten)]
    pub naming: Naming,
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
    let a = advance_as(&caller, &state, id, body).await?;
    Ok(HttpResponse::Ok().json(a))
}

/// Staff decide application `id` at a stage.
pub(in crate::web) async fn advance_as(
    caller: &Caller,
    state: &web::Data<AppState>,
    id: i64,
    body: AdvanceBody,
) -> Result<db::recognition::Application, WebError> {
    staff_only(caller, "作出认定各阶段的决定")?;
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
    let (caller, st, today) = (caller.clone(), state.clone(), state.today());
    let a = blocking(state, move |db| {
        let a = recognition::in_scope(db, &caller, id)?;
        recognition::advance(
            db,
            &a,
            stage,
            pass,
            &body.reason,
            &body.naming,
            &st.settings,
            &caller.username,
            today,
        )
    })
    .await?;
    state.cache.invalidate();
    Ok(a)
}

#[derive(Deserialize)]
pub(in crate::web) struct RoundBody {
    pub year: i32,
    /// Applications are taken from this day (today by default) …
    #[serde(default)]
    pub opens_on: Option<String>,
    /// … to this one (31 December of the year by default).
    #[serde(default)]
    pub closes_on: Option<String>,
}

async fn open_round(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    staff_only(&caller, "开放年度认定")?;
    let body: RoundBody = json_body(&req, payload).await?;
    let round = open_round_as(&caller, &state, body).await?;
    Ok(HttpResponse::Created().json(round))
}

/// Staff open a round with its dates.
pub(in crate::web) async fn open_round_as(
    caller: &Caller,
    state: &web::Data<AppState>,
    body: RoundBody,
) -> Result<db::recognition::Round, WebError> {
    staff_only(caller, "开放年度认定")?;
    let date = |key: &str, v: &Option<String>| -> Result<Option<NaiveDate>, WebError> {
        match v.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(d) => crate::domain::parse_date(d)
                .map(Some)
                .map_err(|e| WebError::BadRequest(format!("{key}：{e}"))),
        }
    };
    let opens_on = date("申报开始日期 (opens_on)", &body.opens_on)?;
    let closes_on = date("申报截止日期 (closes_on)", &body.closes_on)?;
    let (year, today, by) = (body.year, state.today(), caller.username.clone());
    blocking(state, move |db| {
        let end_of_year = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today);
        let closes_on = closes_on.unwrap_or(end_of_year.max(opens_on.unwrap_or(today)));
        recognition::open_round(db, year, opens_on, closes_on, &by, today)
    })
    .await
}

async fn rounds(
    ApiCaller(caller): ApiCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    if caller.role == Role::Base {
        return Err(WebError::NotFound);
    }
    let list = blocking(&state, db::recognition::rounds).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": list })))
}

async fn round(
    ApiCaller(caller): ApiCaller,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, WebError> {
    let year = path.into_inner();
    let p = Params::parse(req.query_string());
    let paging = Paging::from(&p, &["id"], "id")?;
    let (r, items, total) = round_page_as(&caller, &state, year, &paging).await?;
    let path = format!("/api/v1/rounds/{year}");
    let pager = Pager {
        path: &path,
        keep: Vec::new(),
        paging: &paging,
        total,
    };
    let mut v = serde_json::to_value(&r).unwrap_or_default();
    v["applications"] = serde_json::to_value(&items).unwrap_or_default();
    Ok(HttpResponse::Ok().json(with_paging(v, &pager)))
}

/// The round of `year` and one page of its applications in `caller`'s
/// scope (staff all, a unit its own), each with its steps, opinions,
/// objections and files; with how many there are in all.
pub(in crate::web) async fn round_page_as(
    caller: &Caller,
    state: &web::Data<AppState>,
    year: i32,
    paging: &Paging,
) -> Result<(db::recognition::Round, Vec<recognition::Dossier>, usize), WebError> {
    let unit = match (caller.role, caller.scope) {
        (Role::Province, _) => None,
        (Role::Recommender, Scope::Unit(u)) => Some(u),
        _ => return Err(WebError::NotFound),
    };
    let (_, offset, limit) = paging.window();
    let st = state.clone();
    blocking(state, move |db| {
        let r = db::recognition::round(db, year)?
            .ok_or_else(|| AppError::NotFound(year.to_string()))?;
        let (list, total) = db::recognition::of_round(db, year, unit, offset, limit)?;
        let mut items = Vec::with_capacity(list.len());
        for a in list {
            items.push(recognition::dossier(db, &st.settings, a, None)?);
        }
        Ok((r, items, usize::try_from(total).unwrap_or(0)))
    })
    .await
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
pub(in crate::web) struct ObjectionBody {
    #[serde(default)]
    pub objection: String,
    #[serde(default)]
    pub resolution: String,
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
    let o = objection_as(&caller, &state, id, None, body).await?;
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
    let o = objection_as(&caller, &state, id, Some(objection), body).await?;
    Ok(HttpResponse::Ok().json(o))
}

/// Staff record an objection on application `id`, or resolve `objection`.
pub(in crate::web) async fn objection_as(
    caller: &Caller,
    state: &web::Data<AppState>,
    id: i64,
    objection: Option<i64>,
    body: ObjectionBody,
) -> Result<db::recognition::Objection, WebError> {
    staff_only(caller, "处理公示异议")?;
    let (caller, today) = (caller.clone(), state.today());
    blocking(state, move |db| {
        let a = recognition::in_scope(db, &caller, id)?;
        match objection {
            None => recognition::object(db, &a, &body.objection, &caller.username, today),
            Some(o) => recognition::resolve(db, &a, o, &body.resolution, &caller.username, today),
        }
    })
    .await
}
