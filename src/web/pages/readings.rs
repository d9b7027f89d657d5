//! The rulebook's readings (第十八条): every reading with its article, and
//! staff's confirmation of each (who, when), or open again.

use super::*;
use crate::domain::{Coded, ReadingStatus};

#[derive(Template)]
#[template(path = "readings.html")]
struct ReadingsPage {
    title: String,
    layout: Layout,
    rulebook: String,
    readings: Vec<ReadingRow>,
    csrf: String,
}

struct ReadingRow {
    topic: String,
    article: String,
    zh: String,
    confirmed: bool,
    by: String,
    at: String,
}

pub(super) async fn readings_page(
    Staff(s): Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let rb = state.settings.rulebook.label();
    let label = rb.clone();
    let marks = blocking(&state, move |db| db::readings::for_rulebook(db, &label)).await?;
    let readings = state
        .settings
        .rulebook
        .readings
        .iter()
        .map(|r| {
            let m = marks.iter().find(|m| m.topic == r.topic);
            ReadingRow {
                topic: r.topic.clone(),
                article: r.article.clone(),
                zh: r.zh.clone(),
                confirmed: m.is_some_and(|m| m.status == ReadingStatus::Confirmed),
                by: m.map(|m| m.changed_by.clone()).unwrap_or_default(),
                at: m
                    .map(|m| m.changed_at.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let csrf = s.csrf.clone();
    let (title, layout) = frame("规则解读", &s);
    Ok(render_page(&ReadingsPage {
        title,
        layout,
        rulebook: rb,
        readings,
        csrf,
    }))
}

#[derive(Deserialize)]
pub struct MarkForm {
    csrf: Option<String>,
    status: String,
}

pub(super) async fn mark_reading(
    Staff(s): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<MarkForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    let topic = path.into_inner();
    if !state
        .settings
        .rulebook
        .readings
        .iter()
        .any(|r| r.topic == topic)
    {
        return Err(WebError::NotFound);
    }
    let status = ReadingStatus::from_code(&form.status).ok_or_else(|| {
        WebError::BadRequest("status 应为 confirmed 或 open (unknown status)".into())
    })?;
    let rb = state.settings.rulebook.label();
    let by = s.caller.username.clone();
    blocking(&state, move |db| {
        db::readings::set(db, &rb, &topic, status, &by)
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/readings"))
        .finish())
}
