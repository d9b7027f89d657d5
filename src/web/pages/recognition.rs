//! The recognition round on the pages (第九条): `/recognition` lists the
//! rounds and one round's applications (staff open a round there; a unit
//! uploads its 认定申请表), `/applications/{id}` shows an application's
//! 形式审查 with the figure behind each condition, its files, the experts'
//! opinions, the objections of its 公示 and every step, with the buttons of
//! the next stage. The same functions as the API's (`api::recognition`).

use super::*;
use crate::domain::{ApplicationDocumentKind, Coded, Stage};
use crate::recognition::{Dossier, Verdict};
use crate::web::api::recognition::{
    advance_as, attach_as, dossier_as, download_as, objection_as, open_round_as, review_as,
    round_page_as, AdvanceBody, ObjectionBody, RoundBody,
};

#[derive(Template)]
#[template(path = "recognition.html")]
struct RoundPage {
    title: String,
    layout: Layout,
    csrf: String,
    staff: bool,
    unit: bool,
    rounds: Vec<(i32, String, bool)>,
    /// The round shown: (year, dates).
    round: Option<(i32, String)>,
    rows: Vec<RoundRow>,
    pager: PagerView,
    next_year: i32,
}

struct RoundRow {
    id: i64,
    host: String,
    credit_code: String,
    base_type: &'static str,
    channel: &'static str,
    city: &'static str,
    stage: &'static str,
    outcome: Badge,
}

fn outcome_badge(d: &Dossier) -> Badge {
    use crate::domain::ApplicationOutcome as O;
    let tone = match d.application.outcome {
        O::Open => Tone::Muted,
        O::Rejected => Tone::Bad,
        O::Named => Tone::Ok,
    };
    Badge::new(tone, d.outcome_zh)
}

pub(super) async fn round_page(
    SignedIn(s): SignedIn,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    if s.caller.role == Role::Base {
        return Err(WebError::NotFound);
    }
    let p = Params::parse(req.query_string());
    let paging = Paging::from(&p, &["id"], "id")?;
    let all = blocking(&state, db::recognition::rounds).await?;
    let year = p.year()?.or_else(|| all.first().map(|r| r.year));
    let dates = |r: &db::recognition::Round| match (r.opens_on, r.closes_on) {
        (Some(a), Some(b)) => format!("申报受理 {a} 至 {b}"),
        _ => String::new(),
    };
    let mut round = None;
    let mut rows = Vec::new();
    let mut total = 0;
    if let Some(y) = year.filter(|y| all.iter().any(|r| r.year == *y)) {
        let (r, list, n) = round_page_as(&s.caller, &state, y, &paging).await?;
        round = Some((r.year, dates(&r)));
        total = n;
        rows = list
            .iter()
            .map(|d| RoundRow {
                id: d.application.id,
                host: d.application.host.clone(),
                credit_code: d.application.credit_code.clone(),
                base_type: d.application.base_type.name_zh(),
                channel: d.application.channel.name_zh(),
                city: d.application.city.as_str(),
                stage: d.stage_zh,
                outcome: outcome_badge(d),
            })
            .collect();
    }
    let pager = Pager {
        path: "/recognition",
        keep: vec![("year", year.unwrap_or(0).to_string())],
        paging: &paging,
        total,
    };
    let rounds = all
        .iter()
        .map(|r| (r.year, dates(r), Some(r.year) == year))
        .collect();
    let (title, layout) = frame("年度认定", &s);
    Ok(render_page(&RoundPage {
        title,
        layout,
        csrf: s.csrf.clone(),
        staff: s.caller.role == Role::Province,
        unit: s.caller.role == Role::Recommender,
        rounds,
        round,
        rows,
        pager: pager.view(),
        next_year: state.today().year(),
    }))
}

#[derive(Deserialize)]
pub struct RoundForm {
    csrf: Option<String>,
    year: i32,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    closes_on: String,
}

pub(super) async fn open_round(
    Staff(s): Staff,
    state: web::Data<AppState>,
    form: web::Form<RoundForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    let f = form.into_inner();
    let body = RoundBody {
        year: f.year,
        opens_on: Some(f.opens_on),
        closes_on: Some(f.closes_on),
    };
    let r = open_round_as(&s.caller, &state, body).await?;
    Ok(see_other(format!("/recognition?year={}", r.year)))
}

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to))
        .finish()
}

#[derive(Template)]
#[template(path = "application.html")]
struct ApplicationPage {
    title: String,
    layout: Layout,
    csrf: String,
    staff: bool,
    /// The unit or staff may still add files.
    files_open: bool,
    d: Dossier,
    conditions: Vec<(crate::recognition::Checked, Badge)>,
    /// The stage to decide next: (code, name), and whether it is naming.
    next: Option<(&'static str, &'static str, bool)>,
    /// Opinions may be recorded (初评和考察 is next).
    reviewing: bool,
    /// Objections may be recorded (under 公示).
    objecting: bool,
    kinds: Vec<(&'static str, &'static str)>,
    year: i32,
}

pub(super) async fn application_page(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    if s.caller.role == Role::Base {
        return Err(WebError::NotFound);
    }
    let mut d = dossier_as(&s.caller, &state, path.into_inner()).await?;
    let conditions = d
        .conditions
        .take()
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let tone = match c.result {
                Verdict::Met => Tone::Ok,
                Verdict::NotMet => Tone::Bad,
                Verdict::Judgement => Tone::Warn,
            };
            let b = Badge::new(tone, c.result.name_zh());
            (c, b)
        })
        .collect();
    let next = d
        .next_stage
        .map(|st| (st.code(), st.name_zh(), st == Stage::Naming));
    let open = d.application.outcome == crate::domain::ApplicationOutcome::Open;
    let stage = d.application.stage;
    let files_open =
        open && !matches!(stage, Stage::FinalReview | Stage::Publicity | Stage::Naming);
    let title = format!("认定申请：{}", d.application.host);
    let (title, layout) = frame(title, &s);
    Ok(render_page(&ApplicationPage {
        title,
        layout,
        csrf: s.csrf.clone(),
        staff: s.caller.role == Role::Province,
        files_open,
        reviewing: open && stage == Stage::FormalReview,
        objecting: open && stage == Stage::FinalReview,
        next,
        conditions,
        kinds: ApplicationDocumentKind::ALL
            .iter()
            .filter(|k| **k != ApplicationDocumentKind::Evidence)
            .map(|k| (k.id(), k.name_zh()))
            .collect(),
        year: d.application.year,
        d,
    }))
}

#[derive(Deserialize)]
pub struct AdvanceForm {
    csrf: Option<String>,
    stage: String,
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    document_no: String,
    #[serde(default)]
    named_on: String,
    #[serde(default)]
    email: String,
}

pub(super) async fn advance(
    Staff(s): Staff,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<AdvanceForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    let id = path.into_inner();
    let f = form.into_inner();
    let some = |v: String| Some(v).filter(|v| !v.trim().is_empty());
    let body = AdvanceBody {
        stage: f.stage,
        decision: f.decision,
        reason: f.reason,
        naming: crate::recognition::Naming {
            code: some(f.code),
            name: None,
            email: some(f.email),
            document_no: some(f.document_no),
            named_on: some(f.named_on),
        },
    };
    advance_as(&s.caller, &state, id, body).await?;
    Ok(see_other(format!("/applications/{id}")))
}

#[derive(Deserialize)]
pub struct ReviewForm {
    csrf: Option<String>,
    #[serde(default)]
    expert: String,
    #[serde(default)]
    score: String,
    #[serde(default)]
    opinion: String,
    #[serde(default)]
    visited_on: String,
    #[serde(default)]
    visit_notes: String,
}

pub(super) async fn review(
    Staff(s): Staff,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ReviewForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    let id = path.into_inner();
    let f = form.into_inner();
    let score =
        match f.score.trim() {
            "" => None,
            n => Some(n.parse::<i32>().map_err(|_| {
                WebError::BadRequest(format!("评分应为 0 到 100 的整数，而不是“{n}”"))
            })?),
        };
    let body = crate::recognition::ReviewInput {
        expert: f.expert,
        score,
        opinion: f.opinion,
        visited_on: Some(f.visited_on),
        visit_notes: f.visit_notes,
    };
    review_as(&s.caller, &state, id, body).await?;
    Ok(see_other(format!("/applications/{id}")))
}

#[derive(Deserialize)]
pub struct ObjectionForm {
    csrf: Option<String>,
    #[serde(default)]
    objection: String,
    #[serde(default)]
    resolution: String,
}

pub(super) async fn object(
    Staff(s): Staff,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ObjectionForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    let id = path.into_inner();
    let f = form.into_inner();
    let body = ObjectionBody {
        objection: f.objection,
        resolution: String::new(),
    };
    objection_as(&s.caller, &state, id, None, body).await?;
    Ok(see_other(format!("/applications/{id}")))
}

pub(super) async fn resolve(
    Staff(s): Staff,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    form: web::Form<ObjectionForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    let (id, o) = path.into_inner();
    let f = form.into_inner();
    let body = ObjectionBody {
        objection: String::new(),
        resolution: f.resolution,
    };
    objection_as(&s.caller, &state, id, Some(o), body).await?;
    Ok(see_other(format!("/applications/{id}")))
}

/// A file for an application from its page (`?kind&condition&filename`,
/// the file as the body, the CSRF token in `X-CSRF-Token`).
pub(super) async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let Some(s) = session(&req, &state).await? else {
        return Err(WebError::Unauthorized);
    };
    check_csrf(
        &s,
        req.headers()
            .get("X-CSRF-Token")
            .and_then(|v| v.to_str().ok()),
    )?;
    let d = attach_as(&s.caller, &req, &state, path.into_inner(), payload).await?;
    let text = format!("已上传{}：{}", d.kind.name_zh(), d.filename);
    Ok(HttpResponse::Created().json(serde_json::json!({ "document": d, "text": text })))
}

pub(super) async fn download(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, WebError> {
    let (id, doc) = path.into_inner();
    download_as(&s.caller, &state, id, doc).await
}
