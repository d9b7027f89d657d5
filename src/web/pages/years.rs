//! The year's result as an act (定稿): staff confirm or reopen it from the
//! overview, and download its publication list. The same actions as the
//! API's `/api/v1/years/{year}/…` (see `web::actions`).

use super::*;
use crate::web::actions::{confirm_year, publication_xlsx, reopen_year};

#[derive(Deserialize)]
pub struct ReopenForm {
    csrf: Option<String>,
    reason: String,
}

fn back(year: i32) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", format!("/overview?year={year}")))
        .finish()
}

pub(super) async fn confirm(
    Staff(s): Staff,
    state: web::Data<AppState>,
    path: web::Path<i32>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    let year = path.into_inner();
    confirm_year(&state, year, s.caller.username.clone()).await?;
    Ok(back(year))
}

pub(super) async fn reopen(
    Staff(s): Staff,
    state: web::Data<AppState>,
    path: web::Path<i32>,
    form: web::Form<ReopenForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    let year = path.into_inner();
    let form = form.into_inner();
    reopen_year(&state, year, form.reason, s.caller.username.clone()).await?;
    Ok(back(year))
}

pub(super) async fn publication(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> Result<HttpResponse, WebError> {
    publication_xlsx(&state, &s.caller, path.into_inner()).await
}
