//! The yearly recognition round (第九条): rounds, applications and every
//! step each application passed or failed.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    application_documents as ad, application_objections as o, application_reviews as rv,
    application_steps as st, applications as a, recognition_rounds as r,
};
use super::{with_conn, Db};
use crate::domain::{ApplicationDocumentKind, ApplicationOutcome, BaseType, Channel, City, Stage};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = r)]
pub struct Round {
    pub year: i32,
    pub opened_by: String,
    pub opened_at: NaiveDateTime,
    /// Applications are taken from this day (第九条).
    pub opens_on: Option<NaiveDate>,
    /// … up to and including this one.
    pub closes_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = a)]
pub struct Application {
    pub id: i64,
    pub year: i32,
    pub host: String,
    pub credit_code: String,
    pub base_type: BaseType,
    pub channel: Channel,
    pub unit_id: i64,
    pub city: City,
    pub registered_on: Option<NaiveDate>,
    /// The figures as given, a JSON object keyed by condition id.
    #[serde(skip)]
    pub figures: String,
    pub stage: Stage,
    pub outcome: ApplicationOutcome,
    pub base_code: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    /// When its 公示 began (its 终评 passed).
    pub publicity_from: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = o)]
pub struct Objection {
    pub id: i64,
    pub application_id: i64,
    pub objection: String,
    pub recorded_by: String,
    pub recorded_on: NaiveDate,
    pub resolution: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_on: Option<NaiveDate>,
}

/// Record an objection raised during 公示.
pub fn object(db: &mut Db, id: i64, text: &str, by: &str, on: NaiveDate) -> AppResult<i64> {
    Ok(with_conn!(db, c => diesel::insert_into(o::table)
        .values((
            o::application_id.eq(id),
            o::objection.eq(text),
            o::recorded_by.eq(by),
            o::recorded_on.eq(on),
        ))
        .returning(o::id)
        .get_result(c))?)
}

/// Resolve an objection; false if it is not one of the application's or was resolved.
pub fn resolve(
    db: &mut Db,
    id: i64,
    objection: i64,
    resolution: &str,
    by: &str,
    on: NaiveDate,
) -> AppResult<bool> {
    let n = with_conn!(db, c => diesel::update(
            o::table
                .filter(o::id.eq(objection))
                .filter(o::application_id.eq(id))
                .filter(o::resolution.is_null()),
        )
        .set((o::resolution.eq(Some(resolution)), o::resolved_by.eq(Some(by)), o::resolved_on.eq(Some(on))))
        .execute(c))?;
    Ok(n == 1)
}

pub fn objections(db: &mut Db, id: i64) -> AppResult<Vec<Objection>> {
    Ok(with_conn!(db, c => o::table
        .filter(o::application_id.eq(id))
        .order(o::id)
        .select(Objection::as_select())
        .load(c))?)
}

/// The day 公示 began.
pub fn start_publicity(db: &mut Db, id: i64, on: NaiveDate) -> AppResult<()> {
    with_conn!(db, c => diesel::update(a::table.find(id)).set(a::publicity_from.eq(Some(on))).execute(c))?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = st)]
pub struct Step {
    pub id: i64,
    pub application_id: i64,
    pub stage: Stage,
    pub decision: String,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: NaiveDateTime,
}

/// Open the round of `year`, taking applications from `opens_on` to
/// `closes_on`; false if it is open already.
pub fn open_round(
    db: &mut Db,
    year: i32,
    opens_on: NaiveDate,
    closes_on: NaiveDate,
    by: &str,
) -> AppResult<bool> {
    let n = with_conn!(db, c => diesel::insert_into(r::table)
        .values((
            r::year.eq(year),
            r::opened_by.eq(by),
            r::opened_at.eq(super::now()),
            r::opens_on.eq(Some(opens_on)),
            r::closes_on.eq(Some(closes_on)),
        ))
        .on_conflict(r::year)
        .do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

pub fn round(db: &mut Db, year: i32) -> AppResult<Option<Round>> {
    Ok(with_conn!(db, c => r::table.find(year).select(Round::as_select()).first(c).optional())?)
}

/// Every round, the newest first.
pub fn rounds(db: &mut Db) -> AppResult<Vec<Round>> {
    Ok(with_conn!(db, c => r::table.order(r::year.desc()).select(Round::as_select()).load(c))?)
}

/// An expert's opinion and score (初评和考察), with the on-site visit if one was made.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = rv)]
pub struct Review {
    pub id: i64,
    pub application_id: i64,
    pub expert: String,
    pub score: Option<i32>,
    pub opinion: String,
    pub visited_on: Option<NaiveDate>,
    pub visit_notes: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub struct NewReview<'a> {
    pub expert: &'a str,
    pub score: Option<i32>,
    pub opinion: &'a str,
    pub visited_on: Option<NaiveDate>,
    pub visit_notes: &'a str,
    pub by: &'a str,
}

pub fn add_review(db: &mut Db, id: i64, n: &NewReview) -> AppResult<i64> {
    Ok(with_conn!(db, c => diesel::insert_into(rv::table)
        .values((
            rv::application_id.eq(id),
            rv::expert.eq(n.expert),
            rv::score.eq(n.score),
            rv::opinion.eq(n.opinion),
            rv::visited_on.eq(n.visited_on),
            rv::visit_notes.eq(n.visit_notes),
            rv::recorded_by.eq(n.by),
            rv::recorded_at.eq(super::now()),
        ))
        .returning(rv::id)
        .get_result(c))?)
}

pub fn reviews(db: &mut Db, id: i64) -> AppResult<Vec<Review>> {
    Ok(with_conn!(db, c => rv::table
        .filter(rv::application_id.eq(id))
        .order(rv::id)
        .select(Review::as_select())
        .load(c))?)
}

/// A file an application carries (第九条(一)).
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = ad)]
pub struct AppDocument {
    pub id: i64,
    pub application_id: i64,
    pub kind: ApplicationDocumentKind,
    /// The condition a piece of evidence stands for.
    #[serde(rename = "condition")]
    pub condition_id: Option<String>,
    #[serde(skip)]
    pub digest: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

pub struct NewAppDocument<'a> {
    pub kind: ApplicationDocumentKind,
    pub condition: Option<&'a str>,
    pub digest: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub by: &'a str,
}

pub fn add_document(db: &mut Db, id: i64, n: &NewAppDocument) -> AppResult<i64> {
    Ok(with_conn!(db, c => diesel::insert_into(ad::table)
        .values((
            ad::application_id.eq(id),
            ad::kind.eq(n.kind),
            ad::condition_id.eq(n.condition),
            ad::digest.eq(n.digest),
            ad::filename.eq(n.filename),
            ad::content_type.eq(n.content_type),
            ad::size.eq(n.size),
            ad::uploaded_by.eq(n.by),
            ad::uploaded_at.eq(super::now()),
        ))
        .returning(ad::id)
        .get_result(c))?)
}

/// The application's files, in the order they came.
pub fn documents(db: &mut Db, id: i64) -> AppResult<Vec<AppDocument>> {
    Ok(with_conn!(db, c => ad::table
        .filter(ad::application_id.eq(id))
        .order(ad::id)
        .select(AppDocument::as_select())
        .load(c))?)
}

/// What a unit files.
pub struct NewApplication<'a> {
    pub year: i32,
    pub host: &'a str,
    pub credit_code: &'a str,
    pub base_type: BaseType,
    pub channel: Channel,
    pub unit_id: i64,
    pub city: City,
    pub registered_on: Option<NaiveDate>,
    pub figures: &'a str,
    pub by: &'a str,
}

/// File an application; `None` if this host already applied for this type
/// in this round (第八条: one channel).
pub fn insert(db: &mut Db, n: &NewApplication) -> AppResult<Option<i64>> {
    let id: Option<i64> = with_conn!(db, c => diesel::insert_into(a::table)
        .values((
            a::year.eq(n.year),
            a::host.eq(n.host),
            a::credit_code.eq(n.credit_code),
            a::base_type.eq(n.base_type),
            a::channel.eq(n.channel),
            a::unit_id.eq(n.unit_id),
            a::city.eq(n.city),
            a::registered_on.eq(n.registered_on),
            a::figures.eq(n.figures),
            a::stage.eq(Stage::Submitted),
            a::outcome.eq(ApplicationOutcome::Open),
            a::created_by.eq(n.by),
            a::created_at.eq(super::now()),
        ))
        .on_conflict((a::year, a::credit_code, a::base_type))
        .do_nothing()
        .returning(a::id)
        .get_result(c)
        .optional())?;
    Ok(id)
}

pub fn find(db: &mut Db, id: i64) -> AppResult<Option<Application>> {
    Ok(with_conn!(db, c => a::table.find(id).select(Application::as_select()).first(c).optional())?)
}

/// One page of a round's applications in the order they were filed (of one
/// unit's only, if given), and how many there are in all.
pub fn of_round(
    db: &mut Db,
    year: i32,
    unit: Option<i64>,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<Application>, i64)> {
    let list = with_conn!(db, c => {
        let mut q = a::table.filter(a::year.eq(year)).order(a::id).select(Application::as_select()).into_boxed();
        if let Some(u) = unit {
            q = q.filter(a::unit_id.eq(u));
        }
        q.offset(offset).limit(limit).load(c)
    })?;
    let total: i64 = with_conn!(db, c => {
        let mut q = a::table.filter(a::year.eq(year)).into_boxed();
        if let Some(u) = unit {
            q = q.filter(a::unit_id.eq(u));
        }
        q.count().get_result(c)
    })?;
    Ok((list, total))
}

/// Record a step and where the application now stands.
#[allow(clippy::too_many_arguments)]
pub fn step(
    db: &mut Db,
    id: i64,
    stage: Stage,
    pass: bool,
    reason: &str,
    by: &str,
    outcome: ApplicationOutcome,
    base_code: Option<&str>,
) -> AppResult<()> {
    with_conn!(db, c => diesel::insert_into(st::table)
        .values((
            st::application_id.eq(id),
            st::stage.eq(stage),
            st::decision.eq(if pass { "pass" } else { "reject" }),
            st::reason.eq(reason),
            st::decided_by.eq(by),
            st::decided_at.eq(super::now()),
        ))
        .execute(c))?;
    with_conn!(db, c => diesel::update(a::table.find(id))
        .set((a::stage.eq(stage), a::outcome.eq(outcome), a::base_code.eq(base_code)))
        .execute(c))?;
    Ok(())
}

pub fn steps(db: &mut Db, id: i64) -> AppResult<Vec<Step>> {
    Ok(with_conn!(db, c => st::table
        .filter(st::application_id.eq(id))
        .order(st::id)
        .select(Step::as_select())
        .load(c))?)
}
