//! Recognition (第四–九条): the 形式审查 of an application against the
//! conditions of its type as the rulebook states them. Every condition is
//! listed with the figure required and the figure given; a condition that
//! needs the experts' judgement is never decided here.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::access::{Caller, Role};
use crate::config::Settings;
use crate::db::{
    self,
    recognition::{AppDocument, Application},
    Db, Scope,
};
use crate::domain::{
    text, ApplicationDocumentKind, ApplicationOutcome, BaseCode, BaseType, Channel, City,
    CreditCode, Stage,
};
use crate::error::{AppError, AppResult};
use crate::rules::{Condition, ConditionKind, Rulebook};

/// How one condition stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 符合
    Met,
    /// 不符合
    NotMet,
    /// 需专家判断
    Judgement,
}

impl Verdict {
    pub fn name_zh(self) -> &'static str {
        match self {
            Verdict::Met => "符合",
            Verdict::NotMet => "不符合",
            Verdict::Judgement => "需专家判断",
        }
    }
}

/// One condition of the check, as the API and the page show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checked {
    pub id: String,
    pub article: String,
    pub text: String,
    /// The figure required, in words ("不少于 50", "高于 50%", "是").
    pub required: String,
    /// The figure given, in words ("48", "未填报").
    pub given: String,
    pub result: Verdict,
    /// The files uploaded as evidence for this condition.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// A file behind a condition, as the check lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub document: i64,
    pub filename: String,
}

/// What an application gives: the figures keyed by condition id (numbers,
/// fractions, yes/no; `foreign_experts` may be a list of `{"name",
/// "months"}`), and the host's registration date.
pub struct Given<'a> {
    pub figures: &'a serde_json::Map<String, serde_json::Value>,
    pub registered_on: Option<NaiveDate>,
}

/// Months a year a foreign expert must work to count (第六条(四)).
const EXPERT_MONTHS: f64 = 3.0;

/// Check every condition of `base_type` on `on` (the date of the check).
pub fn check(
    rulebook: &Rulebook,
    base_type: BaseType,
    given: &Given,
    on: NaiveDate,
) -> Vec<Checked> {
    rulebook
        .application
        .iter()
        .filter_map(|c| c.value_for(base_type).map(|v| one(c, v, given, on)))
        .collect()
}

fn one(c: &Condition, want: &toml::Value, given: &Given, on: NaiveDate) -> Checked {
    let figure = given.figures.get(&c.id).filter(|v| !v.is_null());
    let missing = || "未填报".to_string();
    let (required, given_text, result) = match c.kind {
        ConditionKind::Judgement => (
            "由专家论证".to_string(),
            figure.map_or_else(missing, shown),
            Verdict::Judgement,
        ),
        ConditionKind::Required => {
            let yes = figure.and_then(serde_json::Value::as_bool);
            (
                "是".to_string(),
                yes.map_or_else(missing, |b| if b { "是" } else { "否" }.to_string()),
                verdict(yes == Some(true)),
            )
        }
        ConditionKind::Min => {
            let need = want.as_integer().unwrap_or(0) as f64;
            let n = if c.id == "foreign_experts" {
                figure.and_then(experts)
            } else {
                figure.and_then(number)
            };
            (
                format!("不少于 {need}"),
                n.map_or_else(missing, |n| format!("{n}")),
                verdict(n.is_some_and(|n| n >= need)),
            )
        }
        ConditionKind::ShareMin | ConditionKind::ShareOver => {
            let need = want.as_float().unwrap_or(1.0);
            let x = figure.and_then(number).filter(|x| (0.0..=1.0).contains(x));
            let over = c.kind == ConditionKind::ShareOver;
            (
                format!(
                    "{}{}",
                    if over { "高于 " } else { "不低于 " },
                    percent(need)
                ),
                x.map_or_else(|| figure.map_or_else(missing, shown), percent),
                verdict(x.is_some_and(|x| {
                    // Shares are compared in basis points, so 0.8 given is 80 % exactly.
                    let (x, need) = ((x * 10_000.0).round(), (need * 10_000.0).round());
                    if over {
                        x > need
                    } else {
                        x >= need
                    }
                })),
            )
        }
        ConditionKind::YearsSince => {
            let years = want.as_integer().unwrap_or(1);
            let date = given.registered_on.or_else(|| {
                figure
                    .and_then(serde_json::Value::as_str)
                    .and_then(|s| crate::domain::parse_date(s).ok())
            });
            let since = date.and_then(|d| {
                let y = i32::try_from(years).ok()?;
                // 29 February plus a year is 28 February.
                d.with_year(d.year() + y)
                    .or_else(|| d.pred_opt().and_then(|p| p.with_year(p.year() + y)))
            });
            (
                format!("注册满 {years} 年（{on} 前已满）"),
                date.map_or_else(missing, |d| format!("注册于 {d}")),
                verdict(since.is_some_and(|s| s <= on)),
            )
        }
    };
    Checked {
        id: c.id.clone(),
        article: c.article.clone(),
        text: c.zh.clone(),
        required,
        given: given_text,
        result,
        evidence: Vec::new(),
    }
}

fn verdict(ok: bool) -> Verdict {
    if ok {
        Verdict::Met
    } else {
        Verdict::NotMet
    }
}

fn number(v: &serde_json::Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite() && *x >= 0.0)
}

/// Foreign experts: a count, or a list of `{"name", "months"}` of whom
/// those with at least three months a year count.
fn experts(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Array(list) => Some(
            list.iter()
                .filter(|e| {
                    e.get("months")
                        .and_then(serde_json::Value::as_f64)
                        .is_some_and(|m| m >= EXPERT_MONTHS)
                })
                .count() as f64,
        ),
        other => number(other),
    }
}

fn percent(x: f64) -> String {
    let p = (x * 1000.0).round() / 10.0;
    format!("{p}%")
}

fn shown(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.chars().take(200).collect(),
        serde_json::Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        other => other.to_string().chars().take(200).collect(),
    }
}

/// An application as a unit files it (`POST /api/v1/applications`).
#[derive(Debug, Deserialize)]
pub struct ApplicationInput {
    /// The round; this year's by default.
    #[serde(default)]
    pub year: Option<i32>,
    pub host: String,
    pub credit_code: String,
    pub base_type: String,
    pub channel: String,
    pub unit: String,
    pub city: String,
    #[serde(default)]
    pub registered_on: Option<String>,
    #[serde(default)]
    pub figures: serde_json::Map<String, serde_json::Value>,
    /// Staff's reason to accept a city association recommending outside its city.
    #[serde(default)]
    pub reach_override: Option<String>,
}

fn invalid(m: String) -> AppError {
    AppError::Invalid(m)
}

fn conflict(m: String) -> AppError {
    AppError::Conflict(m)
}

/// Whether a city association recommends within its own city (第八条:
/// 市域内): its name starts with the city's ("郑州市科协", 郑州市).
pub fn within_reach(unit_name: &str, channel: Channel, city: City) -> bool {
    channel != Channel::City || unit_name.starts_with(city.as_str())
}

/// An application with its values parsed, from the API's JSON or a row of
/// the 认定申请表.
#[derive(Debug, Clone)]
pub struct Filing {
    pub year: i32,
    pub host: String,
    pub credit: CreditCode,
    pub base_type: BaseType,
    pub channel: Channel,
    pub unit_name: String,
    pub city: City,
    pub registered_on: Option<NaiveDate>,
    pub figures: serde_json::Map<String, serde_json::Value>,
    /// Staff's reason to accept a recommendation outside the unit's reach.
    pub reach_override: Option<String>,
}

/// Who files: a recommending unit for itself, or staff.
#[derive(Debug, Clone, Copy)]
pub struct Filer<'a> {
    /// The unit's id; `None` for province staff.
    pub unit: Option<i64>,
    pub by: &'a str,
}

impl<'a> Filer<'a> {
    /// The filer a caller is; a base files nothing (403).
    pub fn of(caller: &'a Caller) -> AppResult<Filer<'a>> {
        match (caller.role, caller.scope) {
            (Role::Province, _) => Ok(Filer {
                unit: None,
                by: &caller.username,
            }),
            (Role::Recommender, Scope::Unit(u)) => Ok(Filer {
                unit: Some(u),
                by: &caller.username,
            }),
            _ => Err(AppError::Forbidden(
                "由推荐单位或省科协提交认定申请 (a recommending unit files applications)".into(),
            )),
        }
    }
}

/// The part of a filing a refusal is about: an import names its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Year,
    CreditCode,
    Channel,
    Unit,
    City,
}

/// Why a filing is refused, and where; `Err` of the database as it is.
pub type Refused = (Option<Part>, AppError);

impl Filing {
    /// Parse what the API was sent.
    pub fn parse(input: &ApplicationInput, today: NaiveDate) -> AppResult<Filing> {
        let host = text::tidy(&input.host);
        if host.is_empty() || host.chars().count() > 100 {
            return Err(invalid(
                "依托单位名称不能为空，且不超过 100 字 (host: 1 to 100 characters)".into(),
            ));
        }
        let credit = CreditCode::parse(&input.credit_code)
            .map_err(|e| invalid(format!("统一社会信用代码 (credit_code)：{e}")))?;
        let base_type = BaseType::parse(&input.base_type)
            .map_err(|e| invalid(format!("基地类型 (base_type)：{e}")))?;
        let channel = Channel::parse(&input.channel)
            .map_err(|e| invalid(format!("推荐渠道 (channel)：{e}")))?;
        let city =
            City::parse(&input.city).map_err(|e| invalid(format!("所在地市 (city)：{e}")))?;
        let registered_on = match input.registered_on.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(
                crate::domain::parse_date(d)
                    .map_err(|e| invalid(format!("注册日期 (registered_on)：{e}")))?,
            ),
        };
        let size = serde_json::to_string(&input.figures).map_or(usize::MAX, |s| s.len());
        if input.figures.len() > 100 || size > 64 * 1024 {
            return Err(invalid(
                "figures 过多或过长 (figures: at most 100 keys, 64 KiB)".into(),
            ));
        }
        Ok(Filing {
            year: input.year.unwrap_or(today.year()),
            host,
            credit,
            base_type,
            channel,
            unit_name: text::tidy(&input.unit),
            city,
            registered_on,
            figures: input.figures.clone(),
            reach_override: input
                .reach_override
                .as_deref()
                .map(text::tidy)
                .filter(|r| !r.is_empty()),
        })
    }
}

/// Whether `f` may be filed by `filer` on `today`: the unit's id, or why
/// not (403 for a unit filing under another's name; 409 with no round
/// taking applications, a channel that is not the unit's, a city outside a
/// city association's reach unless staff override it with a reason, or a
/// host already recognised for the type). Reads only.
pub fn admissible(db: &mut Db, filer: Filer, f: &Filing, today: NaiveDate) -> Result<i64, Refused> {
    let unit = db::units::all(db)
        .map_err(|e| (None, e))?
        .into_iter()
        .find(|u| u.name == f.unit_name)
        .ok_or_else(|| {
            (
                Some(Part::Unit),
                invalid(format!(
                    "推荐单位“{}”未登记 (unknown recommending unit)",
                    f.unit_name
                )),
            )
        })?;
    if filer.unit.is_some_and(|u| u != unit.id) {
        return Err((
            Some(Part::Unit),
            AppError::Forbidden(
                "推荐单位只能以本单位名义推荐 (a unit files under its own name only)".into(),
            ),
        ));
    }
    if unit.channel != f.channel {
        return Err((
            Some(Part::Channel),
            conflict(format!(
                "推荐单位“{}”属于“{}”渠道，不能通过“{}”渠道推荐 (the unit's channel is another)",
                unit.name,
                unit.channel.name_zh(),
                f.channel.name_zh()
            )),
        ));
    }
    let overridden = filer.unit.is_none() && f.reach_override.is_some();
    if !within_reach(&unit.name, f.channel, f.city) && !overridden {
        return Err((
            Some(Part::City),
            conflict(format!(
                "“{}”只能推荐本市域内的创新基地，不能推荐{}的依托单位（第八条；省科协可注明理由后准予）(outside the unit's reach)",
                unit.name,
                f.city.as_str()
            )),
        ));
    }
    let round = db::recognition::round(db, f.year).map_err(|e| (None, e))?;
    let Some(round) = round else {
        return Err((
            Some(Part::Year),
            conflict(format!(
                "{} 年度认定工作尚未开放 (no recognition round open for {})",
                f.year, f.year
            )),
        ));
    };
    taking_applications(&round, today).map_err(|e| (Some(Part::Year), e))?;
    let recognised =
        db::bases::host_recognised(db, f.credit.as_str(), f.base_type).map_err(|e| (None, e))?;
    if recognised {
        return Err((
            Some(Part::CreditCode),
            conflict(format!(
                "该依托单位已是{}创新基地，不能重复申请 (already recognised for this type)",
                f.base_type.name_zh()
            )),
        ));
    }
    Ok(unit.id)
}

/// Write an admissible filing; `None` if the host already applied for the
/// type in the round (第八条: one channel).
pub fn insert(db: &mut Db, filer: Filer, f: &Filing, unit_id: i64) -> AppResult<Option<i64>> {
    let figures = serde_json::to_string(&f.figures).unwrap_or_else(|_| "{}".into());
    db::recognition::insert(
        db,
        &db::recognition::NewApplication {
            year: f.year,
            host: &f.host,
            credit_code: f.credit.as_str(),
            base_type: f.base_type,
            channel: f.channel,
            unit_id,
            city: f.city,
            registered_on: f.registered_on,
            figures: &figures,
            by: filer.by,
        },
    )
}

/// The refusal of a second application of a host for a type in a round.
pub fn one_channel(year: i32, base_type: BaseType) -> String {
    format!(
        "该依托单位 {year} 年度已申请{}创新基地：同一创新基地只能选择一个渠道推荐（第八条）(one application per host and type per round)",
        base_type.name_zh()
    )
}

/// A unit (for itself) or staff file an application in the open round
/// (see [`admissible`] for what is refused).
pub fn file(
    db: &mut Db,
    caller: &Caller,
    input: &ApplicationInput,
    today: NaiveDate,
) -> AppResult<Application> {
    let filer = Filer::of(caller)?;
    let f = Filing::parse(input, today)?;
    let unit_id = admissible(db, filer, &f, today).map_err(|(_, e)| e)?;
    let id = insert(db, filer, &f, unit_id)?
        .ok_or_else(|| conflict(one_channel(f.year, f.base_type)))?;
    db::recognition::find(db, id)?
        .ok_or_else(|| AppError::Compute("the application is gone".into()))
}

/// The application, if the caller may see it: staff all, a unit its own.
pub fn in_scope(db: &mut Db, caller: &Caller, id: i64) -> AppResult<Application> {
    let a = db::recognition::find(db, id)?.ok_or_else(|| AppError::NotFound(id.to_string()))?;
    match caller.scope {
        Scope::All => Ok(a),
        Scope::Unit(u) if a.unit_id == u => Ok(a),
        _ => Err(AppError::NotFound(id.to_string())),
    }
}

/// Whether the round takes applications on `today` (第九条: its dates).
fn taking_applications(round: &db::recognition::Round, today: NaiveDate) -> AppResult<()> {
    if round.opens_on.is_some_and(|d| today < d) {
        return Err(conflict(format!(
            "{} 年度认定申报自 {} 起受理 (the round does not take applications yet)",
            round.year,
            round.opens_on.unwrap_or(today)
        )));
    }
    if let Some(d) = round.closes_on.filter(|d| today > *d) {
        return Err(conflict(format!(
            "{} 年度认定申报已于 {d} 截止 (the round closed on {d})",
            round.year
        )));
    }
    Ok(())
}

/// Staff open the round of `year`, taking applications from `opens_on`
/// (today by default) to `closes_on`.
pub fn open_round(
    db: &mut Db,
    year: i32,
    opens_on: Option<NaiveDate>,
    closes_on: NaiveDate,
    by: &str,
    today: NaiveDate,
) -> AppResult<db::recognition::Round> {
    if !(2000..=2100).contains(&year) {
        return Err(invalid(format!(
            "年度应在 2000 到 2100 之间，而不是 {year} (year out of range)"
        )));
    }
    let opens_on = opens_on.unwrap_or(today);
    if closes_on < opens_on {
        return Err(invalid(format!(
            "申报截止日期 {closes_on} 早于开始日期 {opens_on} (closes_on before opens_on)"
        )));
    }
    if !db::recognition::open_round(db, year, opens_on, closes_on, by)? {
        return Err(conflict(format!(
            "{year} 年度认定已开放 (the round is open already)"
        )));
    }
    db::recognition::round(db, year)?.ok_or_else(|| AppError::Compute("the round is gone".into()))
}

/// The files 形式审查 asks for besides the conditions (第九条(一)).
const REQUIRED_DOCUMENTS: [ApplicationDocumentKind; 2] = [
    ApplicationDocumentKind::ApplicationForm,
    ApplicationDocumentKind::ConstructionPlan,
];

/// 形式审查 of a filed application on `on`: every condition of its type, each
/// with the evidence uploaded for it, then the 申请书 and 建设方案.
pub fn check_application(
    settings: &Settings,
    a: &Application,
    documents: &[AppDocument],
    on: NaiveDate,
) -> Vec<Checked> {
    let figures: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&a.figures).unwrap_or_default();
    let mut list = check(
        &settings.rulebook,
        a.base_type,
        &Given {
            figures: &figures,
            registered_on: a.registered_on,
        },
        on,
    );
    for c in &mut list {
        c.evidence = documents
            .iter()
            .filter(|d| d.condition_id.as_deref() == Some(c.id.as_str()))
            .map(|d| Evidence {
                document: d.id,
                filename: d.filename.clone(),
            })
            .collect();
    }
    for kind in REQUIRED_DOCUMENTS {
        let files: Vec<Evidence> = documents
            .iter()
            .filter(|d| d.kind == kind)
            .map(|d| Evidence {
                document: d.id,
                filename: d.filename.clone(),
            })
            .collect();
        list.push(Checked {
            id: kind.id().to_string(),
            article: "第九条（一）".into(),
            text: format!("提交{}", kind.name_zh()),
            required: "已上传".into(),
            given: files
                .last()
                .map_or_else(|| "未上传".to_string(), |f| f.filename.clone()),
            result: verdict(!files.is_empty()),
            evidence: files,
        });
    }
    list
}

/// An application with everything recorded on it: its steps, the experts'
/// opinions, the objections of its 公示 and its files; with the check when
/// asked for.
#[derive(Debug, Serialize)]
pub struct Dossier {
    #[serde(flatten)]
    pub application: Application,
    pub stage_zh: &'static str,
    pub outcome_zh: &'static str,
    /// The stage that comes next, if the application is still open.
    pub next_stage: Option<Stage>,
    pub steps: Vec<db::recognition::Step>,
    pub reviews: Vec<db::recognition::Review>,
    pub objections: Vec<db::recognition::Objection>,
    pub documents: Vec<AppDocument>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Checked>>,
    /// The figures as given, keyed by condition id.
    pub figures: serde_json::Value,
}

/// The dossier of `a`; with its 形式审查 on `check_on` if given.
pub fn dossier(
    db: &mut Db,
    settings: &Settings,
    a: Application,
    check_on: Option<NaiveDate>,
) -> AppResult<Dossier> {
    let documents = db::recognition::documents(db, a.id)?;
    let conditions = check_on.map(|on| check_application(settings, &a, &documents, on));
    let next_stage = (a.outcome == ApplicationOutcome::Open)
        .then(|| a.stage.next())
        .flatten();
    Ok(Dossier {
        stage_zh: a.stage.name_zh(),
        outcome_zh: a.outcome.name_zh(),
        next_stage,
        steps: db::recognition::steps(db, a.id)?,
        reviews: db::recognition::reviews(db, a.id)?,
        objections: db::recognition::objections(db, a.id)?,
        figures: serde_json::from_str(&a.figures).unwrap_or_default(),
        documents,
        conditions,
        application: a,
    })
}

/// An expert's opinion as staff record it (初评和考察).
#[derive(Debug, Default, Deserialize)]
pub struct ReviewInput {
    #[serde(default)]
    pub expert: String,
    #[serde(default)]
    pub score: Option<i32>,
    #[serde(default)]
    pub opinion: String,
    /// The day of the on-site visit, if one was made.
    #[serde(default)]
    pub visited_on: Option<String>,
    #[serde(default)]
    pub visit_notes: String,
}

/// Record an expert's opinion and score on an application that passed
/// 形式审查 and waits for 初评和考察.
pub fn add_review(
    db: &mut Db,
    a: &Application,
    input: &ReviewInput,
    by: &str,
    today: NaiveDate,
) -> AppResult<db::recognition::Review> {
    let expert = text::tidy(&input.expert);
    if expert.is_empty() || expert.chars().count() > 50 {
        return Err(invalid(
            "专家姓名不能为空，且不超过 50 字 (expert: 1 to 50 characters)".into(),
        ));
    }
    let opinion = text::tidy(&input.opinion);
    if opinion.is_empty() || opinion.chars().count() > 2000 {
        return Err(invalid(
            "专家意见不能为空，且不超过 2000 字 (opinion: 1 to 2000 characters)".into(),
        ));
    }
    if input.score.is_some_and(|s| !(0..=100).contains(&s)) {
        return Err(invalid("评分应在 0 到 100 之间 (score: 0 to 100)".into()));
    }
    let visited_on = match input.visited_on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => {
            let d = crate::domain::parse_date(d)
                .map_err(|e| invalid(format!("考察日期 (visited_on)：{e}")))?;
            if d > today {
                return Err(invalid(format!(
                    "考察日期 {d} 晚于今天 (the visit date is in the future)"
                )));
            }
            Some(d)
        }
    };
    let visit_notes = text::tidy(&input.visit_notes);
    if visit_notes.chars().count() > 2000 {
        return Err(invalid(
            "考察情况不超过 2000 字 (visit_notes: at most 2000 characters)".into(),
        ));
    }
    if a.outcome != ApplicationOutcome::Open || a.stage != Stage::FormalReview {
        return Err(conflict(
            "只有通过形式审查、尚在初评和考察中的申请可以登记专家意见 (only an application in 初评和考察 takes opinions)".into(),
        ));
    }
    let id = db::recognition::add_review(
        db,
        a.id,
        &db::recognition::NewReview {
            expert: &expert,
            score: input.score,
            opinion: &opinion,
            visited_on,
            visit_notes: &visit_notes,
            by,
        },
    )?;
    db::recognition::reviews(db, a.id)?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::Compute("the review is gone".into()))
}

/// A file for an application: its 申请书, 建设方案, or evidence for one of
/// its type's conditions; while the application is open and before 终评.
#[allow(clippy::too_many_arguments)]
pub fn attach(
    db: &mut Db,
    settings: &Settings,
    a: &Application,
    kind: ApplicationDocumentKind,
    condition: Option<&str>,
    filename: &str,
    bytes: &[u8],
    by: &str,
) -> AppResult<AppDocument> {
    let condition = condition.map(str::trim).filter(|c| !c.is_empty());
    match (kind, condition) {
        (ApplicationDocumentKind::Evidence, None) => {
            return Err(invalid(
                "佐证材料须注明对应的条件 (condition is required for evidence)".into(),
            ))
        }
        (ApplicationDocumentKind::Evidence, Some(c)) => {
            let known = settings
                .rulebook
                .application
                .iter()
                .any(|x| x.id == c && x.value_for(a.base_type).is_some());
            if !known {
                return Err(invalid(format!(
                    "“{}”不是{}的申请条件 (unknown condition for this type)",
                    c.chars().take(50).collect::<String>(),
                    a.base_type.name_zh()
                )));
            }
        }
        (_, Some(_)) => {
            return Err(invalid(
                "只有佐证材料对应条件 (condition is for evidence only)".into(),
            ))
        }
        _ => {}
    }
    if a.outcome != ApplicationOutcome::Open
        || matches!(
            a.stage,
            Stage::FinalReview | Stage::Publicity | Stage::Naming
        )
    {
        return Err(conflict(
            "终评后或已结束的申请不能再补充材料 (the application takes no more files)".into(),
        ));
    }
    if bytes.is_empty() {
        return Err(invalid("文件为空 (the file is empty)".into()));
    }
    let filename = crate::documents::clean_filename(filename, kind.name_zh());
    let content_type = crate::documents::content_type(&filename, bytes)?;
    let digest = crate::documents::store(db, settings, bytes)?;
    let id = db::recognition::add_document(
        db,
        a.id,
        &db::recognition::NewAppDocument {
            kind,
            condition,
            digest: &digest,
            filename: &filename,
            content_type,
            size: bytes.len() as i64,
            by,
        },
    )?;
    db::recognition::documents(db, a.id)?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| AppError::Compute("the document is gone".into()))
}

/// What naming needs (公布和命名): the new base's code, name and address;
/// the 认定文号 and date are the step's record.
#[derive(Debug, Default, Deserialize)]
pub struct Naming {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub document_no: Option<String>,
    #[serde(default)]
    pub named_on: Option<String>,
}

/// Staff pass or reject an application at `stage`, which must be the next
/// one (a skipped stage is a 409). 形式审查 passes only with no condition
/// 不符合; a rejection keeps its reason; naming creates the base, whose
/// cycle starts on the naming date.
#[allow(clippy::too_many_arguments)]
pub fn advance(
    db: &mut Db,
    a: &Application,
    stage: Stage,
    pass: bool,
    reason: &str,
    naming: &Naming,
    settings: &Settings,
    by: &str,
    today: NaiveDate,
) -> AppResult<Application> {
    if a.outcome != ApplicationOutcome::Open {
        return Err(conflict(format!(
            "该申请已{}，不能再推进 (the application has ended)",
            a.outcome.name_zh()
        )));
    }
    let next = a
        .stage
        .next()
        .ok_or_else(|| conflict("该申请已完成全部阶段 (no stage left)".into()))?;
    if stage != next {
        return Err(conflict(format!(
            "应先完成“{}”，不能直接进行“{}”（第九条）(stages go in order)",
            next.name_zh(),
            stage.name_zh()
        )));
    }
    let reason = text::tidy(reason);
    if !pass && reason.is_empty() {
        return Err(invalid(
            "不予通过须写明理由 (a reason is required to reject)".into(),
        ));
    }
    if pass && stage == Stage::ExpertReview && db::recognition::reviews(db, a.id)?.is_empty() {
        return Err(conflict(
            "初评和考察须先登记至少一位专家的意见和评分 (record the experts' opinions first)"
                .into(),
        ));
    }
    if pass && stage == Stage::FormalReview {
        let documents = db::recognition::documents(db, a.id)?;
        let failed: Vec<String> = check_application(settings, a, &documents, today)
            .into_iter()
            .filter(|c| c.result == Verdict::NotMet)
            .map(|c| format!("{}（{}）", c.text, c.article))
            .collect();
        if !failed.is_empty() {
            return Err(conflict(format!(
                "形式审查有不符合的条件，不能通过：{} (conditions not met)",
                failed.join("；")
            )));
        }
    }
    if pass && stage == Stage::Publicity {
        // 第九条(三): published for the rulebook's days, every objection resolved.
        let days = settings.rulebook.recognition.publicity_days;
        let from = a.publicity_from.unwrap_or(today);
        let ends = from + chrono::Days::new(u64::from(days));
        if today < ends {
            return Err(conflict(format!(
                "公示期 {days} 天，自 {from} 起至 {ends} 止，期满后方可通过公示 (the publicity period has not ended)"
            )));
        }
        let open = db::recognition::objections(db, a.id)?
            .into_iter()
            .filter(|o| o.resolution.is_none())
            .count();
        if open > 0 {
            return Err(conflict(format!(
                "公示期间有 {open} 项异议尚未处理，处理后方可通过公示 (objections are unresolved)"
            )));
        }
    }
    db.transaction(|db| {
        if pass && stage == Stage::FinalReview {
            db::recognition::start_publicity(db, a.id, today)?;
        }
        if !pass {
            db::recognition::step(
                db,
                a.id,
                stage,
                false,
                &reason,
                by,
                ApplicationOutcome::Rejected,
                None,
            )?;
            return Ok(());
        }
        if stage != Stage::Naming {
            db::recognition::step(
                db,
                a.id,
                stage,
                true,
                &reason,
                by,
                ApplicationOutcome::Open,
                None,
            )?;
            return Ok(());
        }
        let named_on = match naming.named_on.as_deref() {
            None | Some("") => today,
            Some(d) => crate::domain::parse_date(d)
                .map_err(|e| invalid(format!("命名日期 (named_on)：{e}")))?,
        };
        let code = match naming.code.as_deref() {
            Some(c) if !c.trim().is_empty() => BaseCode::parse(c)
                .map_err(|e| invalid(format!("基地编号 (code)：{e}")))?
                .as_str()
                .to_string(),
            _ => format!("KCZY-{}-{:04}", a.year, a.id),
        };
        if db::bases::find_by_code(db, &code)?.is_some() {
            return Err(conflict(format!(
                "基地编号 {code} 已被使用 (the code is taken)"
            )));
        }
        let name = naming
            .name
            .as_deref()
            .map(text::tidy)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("{}{}创新基地", a.host, a.base_type.name_zh()));
        db::bases::upsert(
            db,
            &db::bases::BaseInput {
                code: code.clone(),
                name,
                base_type: a.base_type,
                host_unit: a.host.clone(),
                credit_code: a.credit_code.clone(),
                channel: a.channel,
                unit_id: a.unit_id,
                city: a.city,
                recognised_on: named_on,
                email: naming.email.clone().unwrap_or_default(),
            },
            by,
        )?;
        let record = match naming.document_no.as_deref().map(text::tidy) {
            Some(no) if !no.is_empty() => format!("认定文号 {no}，{named_on} 命名。{reason}"),
            _ => format!("{named_on} 命名。{reason}"),
        };
        db::recognition::step(
            db,
            a.id,
            stage,
            true,
            record.trim(),
            by,
            ApplicationOutcome::Named,
            Some(&code),
        )?;
        Ok(())
    })?;
    db::recognition::find(db, a.id)?
        .ok_or_else(|| AppError::Compute("the application is gone".into()))
}

/// An objection raised during 公示 (staff record it), or its resolution.
pub fn object(
    db: &mut Db,
    a: &Application,
    text_given: &str,
    by: &str,
    today: NaiveDate,
) -> AppResult<db::recognition::Objection> {
    let t = text::tidy(text_given);
    if t.is_empty() || t.chars().count() > 2000 {
        return Err(invalid(
            "异议内容不能为空，且不超过 2000 字 (objection: 1 to 2000 characters)".into(),
        ));
    }
    if a.outcome != ApplicationOutcome::Open || a.stage != Stage::FinalReview {
        return Err(conflict(
            "只有公示中的申请可以登记异议 (only an application under 公示 takes objections)".into(),
        ));
    }
    let id = db::recognition::object(db, a.id, &t, by, today)?;
    db::recognition::objections(db, a.id)?
        .into_iter()
        .find(|o| o.id == id)
        .ok_or_else(|| AppError::Compute("the objection is gone".into()))
}

/// Staff resolve an objection with what was found.
pub fn resolve(
    db: &mut Db,
    a: &Application,
    objection: i64,
    resolution: &str,
    by: &str,
    today: NaiveDate,
) -> AppResult<db::recognition::Objection> {
    let r = text::tidy(resolution);
    if r.is_empty() || r.chars().count() > 2000 {
        return Err(invalid("须写明处理结果 (a resolution is required)".into()));
    }
    if !db::recognition::resolve(db, a.id, objection, &r, by, today)? {
        return Err(conflict(
            "该异议不存在或已处理 (no such open objection)".into(),
        ));
    }
    db::recognition::objections(db, a.id)?
        .into_iter()
        .find(|o| o.id == objection)
        .ok_or_else(|| AppError::Compute("the objection is gone".into()))
}

/// 第八条: staff move a base to another recommending unit (and its
/// channel), with a reason; recorded in the base's history. A register
/// import never does this.
pub fn transfer(
    db: &mut Db,
    base: &db::bases::Base,
    unit_name: &str,
    reason: &str,
    by: &str,
    today: NaiveDate,
) -> AppResult<db::bases::Base> {
    let reason = text::tidy(reason);
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(invalid(
            "转移须写明理由（不超过 500 字）(a reason is required)".into(),
        ));
    }
    let name = text::tidy(unit_name);
    let units = db::units::all(db)?;
    let to = units.iter().find(|u| u.name == name).ok_or_else(|| {
        invalid(format!(
            "推荐单位“{name}”未登记 (unknown recommending unit)"
        ))
    })?;
    if to.id == base.unit_id {
        return Err(conflict(format!(
            "基地 {} 已由“{name}”推荐 (already there)",
            base.code
        )));
    }
    if base.status.is_ended() {
        return Err(conflict(format!(
            "基地 {} 已{}，不能转移 (the base has ended)",
            base.code,
            base.status.name_zh()
        )));
    }
    let from = units
        .iter()
        .find(|u| u.id == base.unit_id)
        .map_or("?", |u| u.name.as_str());
    let record = format!(
        "转移推荐单位：由“{from}”（{}）转至“{}”（{}）。理由：{reason}",
        base.channel.name_zh(),
        to.name,
        to.channel.name_zh()
    );
    db::bases::transfer(db, base, to.id, to.channel, today, &record, by)?;
    db::bases::find_by_code(db, &base.code)?
        .ok_or_else(|| AppError::Compute("the base is gone".into()))
}

#[cfg(test)]
mod tests;
