//! Records bases entered, on their pages: a base adds one from its
//! scorecard; its unit (or staff) approves or returns it on `/reviews`.
//! The same `reports` functions as the API's routes.

use super::*;
use crate::domain::Review;
use crate::reports::{self, EntryInput};
use crate::web::actions::{base_in_scope, entry_in_scope, on_base};

/// The most entries the review page lists at once.
const REVIEW_PAGE: i64 = 200;

#[derive(Template)]
#[template(path = "reviews.html")]
struct ReviewsPage {
    title: String,
    layout: Layout,
    rows: Vec<ReviewRow>,
    csrf: String,
    limit: i64,
}

struct ReviewRow {
    id: i64,
    base: String,
    code_path: String,
    indicator: &'static str,
    date: chrono::NaiveDate,
    quantity: i64,
    title: String,
    partner: String,
    evidence: String,
    by: String,
}

pub(super) async fn reviews_page(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    if s.caller.role == Role::Base {
        return Err(WebError::NotFound);
    }
    let scope = s.caller.scope;
    let st = state.clone();
    let rows = blocking(&state, move |db| {
        let all = st.cache.bases(db)?;
        let bases = scoped(&all, scope);
        let ids: Option<Vec<i64>> = match scope {
            Scope::All => None,
            _ => Some(bases.iter().map(|b| b.id).collect()),
        };
        let by_id: HashMap<i64, &Base> = bases.iter().map(|b| (b.id, b)).collect();
        Ok(db::submissions::pending(db, ids.as_deref(), REVIEW_PAGE)?
            .into_iter()
            .filter_map(|e| {
                let b = by_id.get(&e.base_id)?;
                Some(ReviewRow {
                    id: e.id,
                    base: format!("{}（{}）", b.name, b.code),
                    code_path: url(&b.code),
                    indicator: e.indicator.name_zh(),
                    date: e.occurred_on,
                    quantity: e.quantity,
                    title: e.title,
                    partner: e.partner,
                    evidence: e.evidence_url,
                    by: e.entered_by,
                })
            })
            .collect::<Vec<_>>())
    })
    .await?;
    let csrf = s.csrf.clone();
    let (title, layout) = frame("记录审核", &s);
    Ok(render_page(&ReviewsPage {
        title,
        layout,
        rows,
        csrf,
        limit: REVIEW_PAGE,
    }))
}

#[derive(Deserialize)]
pub struct ReviewForm {
    csrf: Option<String>,
    decision: String,
    #[serde(default)]
    reason: String,
}

pub(super) async fn review(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ReviewForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    if s.caller.role == Role::Base {
        return Err(WebError::NotFound);
    }
    let form = form.into_inner();
    let decision = match form.decision.as_str() {
        "approved" => Review::Approved,
        "returned" => Review::Returned,
        _ => {
            return Err(WebError::BadRequest(
                "未知的审核决定 (unknown decision)".into(),
            ))
        }
    };
    let (e, _base) = entry_in_scope(&state, &s.caller, path.into_inner()).await?;
    let by = s.caller.username.clone();
    on_base(&state, move |db, settings, _today| {
        reports::review(db, settings, &e, decision, &form.reason, &by).map(|_| ())
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/reviews"))
        .finish())
}

#[derive(Deserialize)]
pub struct RecordForm {
    csrf: Option<String>,
    indicator: String,
    date: String,
    quantity: Option<String>,
    title: String,
    evidence_url: Option<String>,
    partner: Option<String>,
}

impl RecordForm {
    fn input(self) -> Result<EntryInput, WebError> {
        let quantity = match self.quantity.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(q) => Some(q.parse::<i64>().map_err(|_| {
                WebError::BadRequest(format!(
                    "数量应为正整数 (quantity must be a whole number): {q}"
                ))
            })?),
        };
        Ok(EntryInput {
            indicator: self.indicator,
            date: self.date,
            quantity,
            title: self.title,
            evidence_url: self.evidence_url,
            partner: self.partner,
        })
    }
}

/// Back to the scorecard of the record's year, where it is listed.
fn to_scorecard(code: &str, e: &crate::db::submissions::Submission) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((
            "Location",
            format!(
                "/bases/{}?year={}",
                url(code),
                chrono::Datelike::year(&e.occurred_on)
            ),
        ))
        .finish()
}

/// The base corrects a returned record on its scorecard and submits it again.
pub(super) async fn resubmit(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<RecordForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    if s.caller.role == Role::Recommender {
        return Err(WebError::NotFound);
    }
    let (e, base) = entry_in_scope(&state, &s.caller, path.into_inner()).await?;
    let input = form.into_inner().input()?;
    let by = s.caller.username.clone();
    let code = base.code.clone();
    let entry = on_base(&state, move |db, settings, today| {
        reports::resubmit(db, settings, &base, &e, &input, &by, today)
    })
    .await?;
    Ok(to_scorecard(&code, &entry))
}

/// A base (or staff for it) adds a record from the scorecard page.
pub(super) async fn add_record(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<RecordForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    if s.caller.role == Role::Recommender {
        return Err(WebError::NotFound);
    }
    let base = base_in_scope(&state, &s.caller, path.into_inner()).await?;
    let input = form.into_inner().input()?;
    let staff = s.caller.role == Role::Province;
    let by = s.caller.username.clone();
    let code = base.code.clone();
    let entry = on_base(&state, move |db, settings, today| {
        reports::submit(db, settings, &base, &input, staff, &by, today)
    })
    .await?;
    Ok(to_scorecard(&code, &entry))
}
