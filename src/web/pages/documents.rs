//! 报送情况 and what bases submit, on the pages: `/documents` lists the
//! plans, summaries and rectification reports of the caller's bases
//! (overdue first) with review and order buttons; the scorecard's uploads
//! post here; files are downloaded here. The same functions as the API's
//! routes (`api::documents`), behind the session and its CSRF token.

use super::*;
use crate::domain::{DocumentKind, DocumentStatus};
use crate::web::api::documents::{
    attach_as, attachment_as, document_in_scope, download_as, kind_of, review_as, standings_page,
    submit_as, STATUSES,
};

#[derive(Template)]
#[template(path = "documents.html")]
struct DocumentsPage {
    title: String,
    layout: Layout,
    filters: Filters,
    pager: PagerView,
    rows: Vec<DocumentRow>,
    csrf: String,
    year: i32,
    kind: &'static str,
    kind_zh: &'static str,
    overdue: usize,
    /// Staff may take non-submission into a rectification order.
    staff: bool,
    /// The query string that brings the reviewer back to this list.
    back: String,
}

struct DocumentRow {
    base: String,
    code: String,
    code_path: String,
    status: Badge,
    due: String,
    overdue: bool,
    /// (id, file name, who, when) of the document that stands.
    file: Option<(i64, String, String, String)>,
    reason: String,
    /// Waiting for review.
    reviewable: bool,
}

fn status_badge(s: &crate::documents::Standing) -> Badge {
    let tone = match s.document.as_ref().map(|d| d.status) {
        None => Tone::Bad,
        Some(DocumentStatus::Returned) => Tone::Warn,
        Some(DocumentStatus::Submitted) => Tone::Muted,
        Some(DocumentStatus::Approved) => Tone::Ok,
    };
    let text = if s.overdue {
        format!("{}（逾期）", s.status_zh)
    } else {
        s.status_zh.to_string()
    };
    Badge::new(tone, text)
}

pub(super) async fn documents_page(
    SignedIn(s): SignedIn,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    if s.caller.role == Role::Base {
        return Err(WebError::NotFound);
    }
    let mut p = Params::parse(req.query_string());
    if p.text("kind").is_none() {
        p = Params::parse(&format!("{}&kind=plan", req.query_string()));
    }
    let kind = kind_of(&p)?;
    let year = year_of(p.year()?, state.today());
    let only = p.one_of("status", &STATUSES)?;
    let paging = Paging::from(&p, &["overdue"], "overdue")?;
    let (list, total, overdue) =
        standings_page(&state, &s.caller, kind, year, only.clone(), &paging).await?;
    let mut keep = vec![("year", year.to_string()), ("kind", kind.id().to_string())];
    if let Some(x) = &only {
        keep.push(("status", x.clone()));
    }
    let back = keep
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let pager = Pager {
        path: "/documents",
        keep,
        paging: &paging,
        total,
    };
    let reviewer = s.caller.role != Role::Base;
    let rows = list
        .iter()
        .map(|st| DocumentRow {
            base: st.base_name.clone(),
            code: st.base_code.clone(),
            code_path: url(&st.base_code),
            status: status_badge(st),
            due: st.due.map(|d| d.to_string()).unwrap_or_default(),
            overdue: st.overdue,
            file: st.document.as_ref().map(|d| {
                (
                    d.id,
                    d.filename.clone(),
                    d.submitted_by.clone(),
                    d.submitted_at.format("%Y-%m-%d %H:%M").to_string(),
                )
            }),
            reason: st
                .document
                .as_ref()
                .map(|d| d.review_reason.clone())
                .unwrap_or_default(),
            reviewable: reviewer
                && st
                    .document
                    .as_ref()
                    .is_some_and(|d| d.status == DocumentStatus::Submitted),
        })
        .collect();
    let today = state.today();
    let years: Vec<i32> = ((today.year() - 5)..=(today.year() + 1)).collect();
    let kinds: Vec<(&str, &str)> = DocumentKind::ALL
        .iter()
        .map(|k| (k.id(), k.name_zh()))
        .collect();
    let filters = Filters::new("/documents", &paging)
        .select(Select::years(&years, year))
        .select(Select::new("kind", None, kinds, Some(kind.id())))
        .select(Select::new(
            "status",
            Some("全部状态"),
            [
                ("overdue", "逾期"),
                ("missing", "未报送"),
                ("submitted", "已报送"),
                ("returned", "退回"),
                ("approved", "已审核"),
            ],
            only.as_deref(),
        ));
    let csrf = s.csrf.clone();
    let (title, layout) = frame("报送情况", &s);
    Ok(render_page(&DocumentsPage {
        title,
        layout,
        filters,
        pager: pager.view(),
        rows,
        csrf,
        year,
        kind: kind.id(),
        kind_zh: kind.name_zh(),
        overdue,
        staff: s.caller.role == Role::Province,
        back,
    }))
}

/// The session of a state-changing request whose body is a file: the CSRF
/// token comes in the `X-CSRF-Token` header.
async fn upload_session(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Session, WebError> {
    let Some(s) = session(req, state).await? else {
        return Err(WebError::Unauthorized);
    };
    check_csrf(
        &s,
        req.headers()
            .get("X-CSRF-Token")
            .and_then(|v| v.to_str().ok()),
    )?;
    Ok(s)
}

/// The scorecard's document upload (`?kind&year&filename`, the file as the body).
pub(super) async fn upload_document(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let s = upload_session(&req, &state).await?;
    let d = submit_as(&s.caller, &req, &state, path.into_inner(), payload).await?;
    let text = format!(
        "已报送{}（{} 年度）：{}，待推荐单位审核",
        d.kind.name_zh(),
        d.year,
        d.filename
    );
    Ok(HttpResponse::Created().json(serde_json::json!({ "document": d, "text": text })))
}

pub(super) async fn download_document(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    download_as(&s.caller, &state, path.into_inner()).await
}

#[derive(Deserialize)]
pub struct DocumentReviewForm {
    csrf: Option<String>,
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

/// Where a form sends the reviewer back to: the list it came from.
fn back_to(query: &str) -> String {
    let safe = query
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '=' | '&' | '_' | '-'));
    if safe && !query.is_empty() {
        format!("/documents?{query}")
    } else {
        "/documents".to_string()
    }
}

pub(super) async fn review_document(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<DocumentReviewForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    let form = form.into_inner();
    let found = document_in_scope(&state, &s.caller, path.into_inner()).await?;
    review_as(&s.caller, &state, found, &form.decision, form.reason).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", back_to(&form.back)))
        .finish())
}

#[derive(Deserialize)]
pub struct DocumentOrderForm {
    csrf: Option<String>,
    code: String,
    kind: String,
    year: i32,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

/// Staff take a document not submitted into a rectification order.
pub(super) async fn order_for_document(
    Staff(s): Staff,
    state: web::Data<AppState>,
    form: web::Form<DocumentOrderForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    let form = form.into_inner();
    let kind = <DocumentKind as crate::domain::Coded>::from_code(&form.kind)
        .ok_or_else(|| WebError::BadRequest("未知的材料类型 (unknown document kind)".into()))?;
    let base = crate::web::actions::base_in_scope(&state, &s.caller, form.code).await?;
    let by = s.caller.username.clone();
    let (year, reason) = (form.year, form.reason);
    crate::web::actions::on_base(&state, move |db, settings, today| {
        lifecycle::decisions::order(
            db,
            settings,
            &base,
            lifecycle::Grounds::Document(kind),
            Some(year),
            &reason,
            today,
            &by,
        )
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", back_to(&form.back)))
        .finish())
}

/// The scorecard's attachment upload for an entered record.
pub(super) async fn upload_attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let s = upload_session(&req, &state).await?;
    let a = attach_as(&s.caller, &req, &state, path.into_inner(), payload).await?;
    let text = format!("已上传附件：{}", a.filename);
    Ok(HttpResponse::Created().json(serde_json::json!({ "attachment": a, "text": text })))
}

pub(super) async fn download_attachment(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    attachment_as(&s.caller, &state, path.into_inner()).await
}
