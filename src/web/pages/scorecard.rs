//! One base's scorecard page and chart: the base is evaluated alone.

use super::*;

/// One base's data for its scorecard page.
pub(super) struct BaseData {
    base: Base,
    year: i32,
    years: Vec<i32>,
    card: Arc<Scorecard>,
    cycle: Vec<Arc<Scorecard>>,
    records: Vec<db::records::Record>,
    history: Vec<db::bases::StatusChange>,
    changes: Vec<db::counts::Change>,
    imports: Vec<db::imports::ImportRow>,
    unit: String,
    rectify_by: Option<chrono::NaiveDate>,
    /// Records the base entered for the year that wait for review (not counted).
    pending: i64,
}

impl BaseData {
    fn rows(&self) -> Vec<&ScorecardRow> {
        self.card
            .rows
            .iter()
            .filter(|r| r.base_id == self.base.id)
            .collect()
    }
}

pub(super) fn load_base_data(
    st: &AppState,
    db: &mut db::Db,
    base: Base,
    year: i32,
    today: chrono::NaiveDate,
) -> AppResult<BaseData> {
    // This base alone, never the country (unless that is already at hand).
    let card = base_card(st, db, &base, year, today)?;
    let first = st
        .settings
        .rulebook
        .first_evaluated_year(base.recognised_on);
    let years: Vec<i32> = (first.max(today.year() - 5)..=today.year()).collect();
    let cycle_end = lifecycle::cycle_end(&base, &st.settings.rulebook);
    let mut cycle = Vec::new();
    for y in base.cycle_start.year()..=cycle_end.year().min(today.year()) {
        if y >= first {
            cycle.push(base_card(st, db, &base, y, today)?);
        }
    }
    let records = db::records::for_base(db, base.id, year)?;
    let history = db::bases::status_history(db, base.id)?;
    let changes = db::counts::changes_for_base(db, base.id)?;
    let mut ids: Vec<i64> = changes
        .iter()
        .map(|c| c.import_id)
        .chain(records.iter().map(|r| r.import_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let imports = db::imports::by_ids(db, &ids)?;
    let unit = db::units::all(db)?
        .into_iter()
        .find(|u| u.id == base.unit_id)
        .map(|u| u.name)
        .unwrap_or_default();
    let rectify_by = db::rectifications::open_deadlines(db)?
        .get(&base.id)
        .copied();
    let pending = db::submissions::pending_count(db, base.id, year)?;
    Ok(BaseData {
        base,
        year,
        years,
        card,
        cycle,
        records,
        history,
        changes,
        imports,
        unit,
        rectify_by,
        pending,
    })
}

pub(super) async fn scorecard(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let today = state.today();
    let year = year_of(q.year, today);
    let code = path.into_inner();
    let code_for_form = code.clone();
    let scope = s.caller.scope;
    let st = state.clone();
    let role = s.caller.role;
    let (title, body, may_apply, indicators, work) = blocking(&state, move |db| {
        st.cache.sync(db, today)?;
        let base = visible_base(&st, db, &code, scope)?;
        let title = format!("{} · 记分卡", base.name);
        // 第十七条: once the cycle has ended, the base applies for acceptance.
        let may_apply = base.status == Status::Building
            && today >= lifecycle::cycle_end(&base, &st.settings.rulebook);
        let indicators: Vec<(&'static str, &'static str)> = st
            .settings
            .rulebook
            .targets(base.base_type)
            .iter()
            .map(|(i, _)| (i.id(), i.name_zh()))
            .collect();
        let work = own_work(&st, db, &base, year, today, role)?;
        let key = format!("base|{}|{year}", base.id);
        let body = st.cache.page(key, || {
            let d = load_base_data(&st, db, base, year, today)?;
            Ok(scorecard_body(&st, &d))
        })?;
        Ok((title, body, may_apply, indicators, work))
    })
    .await?;
    // Staff actions are not part of the cached body: other roles share it.
    let acceptance = (s.caller.role == Role::Province).then(|| url(&code_for_form));
    let apply = (s.caller.role == Role::Base && may_apply).then(|| url(&code_for_form));
    // 第十四条(三): the base reports its activities here (staff may for it).
    let report = (s.caller.role != Role::Recommender).then(|| ReportForm {
        action: format!("/bases/{}/records", url(&code_for_form)),
        indicators,
        today,
    });
    let csrf = s.csrf.clone();
    let (title, layout) = frame(title, &s);
    Ok(render_page(&ScorecardPage {
        title,
        layout,
        panels: body,
        acceptance,
        apply,
        report,
        work,
        csrf,
    }))
}

/// How many of a base's entries of a year the scorecard lists.
const ENTRIES_SHOWN: usize = 200;

/// What the base reported itself for `year` (第十四条(三)(四)): its
/// documents and its entered records with their review, with the forms to
/// upload and correct them (not for its unit, which reviews).
fn own_work(
    st: &AppState,
    db: &mut db::Db,
    base: &Base,
    year: i32,
    today: chrono::NaiveDate,
    role: Role,
) -> AppResult<OwnWork> {
    use crate::domain::{DocumentKind, DocumentStatus, Review};
    let may_submit = role != Role::Recommender && !base.status.is_ended();
    let mut documents = Vec::new();
    for kind in DocumentKind::ALL.iter().copied() {
        for s in crate::documents::standings(
            db,
            &st.settings,
            std::slice::from_ref(base),
            kind,
            year,
            today,
        )? {
            let approved = s
                .document
                .as_ref()
                .is_some_and(|d| d.status == DocumentStatus::Approved);
            documents.push(OwnDocument {
                kind: kind.id(),
                kind_zh: kind.name_zh(),
                status: Badge::new(
                    match (s.document.as_ref().map(|d| d.status), s.overdue) {
                        (_, true) => Tone::Bad,
                        (Some(DocumentStatus::Approved), _) => Tone::Ok,
                        (Some(DocumentStatus::Returned), _) => Tone::Warn,
                        _ => Tone::Muted,
                    },
                    if s.overdue {
                        format!("{}（逾期）", s.status_zh)
                    } else {
                        s.status_zh.to_string()
                    },
                ),
                due: s.due.map(|d| d.to_string()).unwrap_or_default(),
                file: s.document.as_ref().map(|d| (d.id, d.filename.clone())),
                reason: s
                    .document
                    .as_ref()
                    .map(|d| d.review_reason.clone())
                    .unwrap_or_default(),
                upload: may_submit && !approved,
            });
        }
    }
    let mut entries = db::submissions::for_base(db, base.id, year)?;
    let more = entries.len().saturating_sub(ENTRIES_SHOWN);
    entries.truncate(ENTRIES_SHOWN);
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    let attachments = db::submissions::attachments_of(db, &ids)?;
    let entries = entries
        .into_iter()
        .map(|e| OwnEntry {
            status: Badge::new(
                match e.review {
                    Review::Approved => Tone::Ok,
                    Review::Pending => Tone::Muted,
                    Review::Returned => Tone::Warn,
                },
                e.review.name_zh(),
            ),
            returned: may_submit && e.review == Review::Returned,
            attach: may_submit && e.review != Review::Approved,
            attachment: attachments.get(&e.id).map(|a| a.filename.clone()),
            indicator: e.indicator.id(),
            indicator_zh: e.indicator.name_zh(),
            e,
        })
        .collect();
    Ok(OwnWork {
        code_path: url(&base.code),
        year,
        documents,
        entries,
        more,
        import: role == Role::Base && !base.status.is_ended(),
    })
}

/// The base's own reporting on its scorecard (not cached: it changes with
/// every upload and review, and holds forms).
struct OwnWork {
    code_path: String,
    year: i32,
    documents: Vec<OwnDocument>,
    entries: Vec<OwnEntry>,
    /// Entries of the year not listed.
    more: usize,
    /// The base may upload a 活动明细 of its own.
    import: bool,
}

struct OwnDocument {
    kind: &'static str,
    kind_zh: &'static str,
    status: Badge,
    due: String,
    file: Option<(i64, String)>,
    reason: String,
    upload: bool,
}

struct OwnEntry {
    e: db::submissions::Submission,
    indicator: &'static str,
    indicator_zh: &'static str,
    status: Badge,
    /// Returned, and the caller may correct it.
    returned: bool,
    attach: bool,
    attachment: Option<String>,
}

#[derive(Template)]
#[template(path = "scorecard.html")]
struct ScorecardPage {
    title: String,
    layout: Layout,
    panels: Arc<String>,
    /// For staff: the base's code, as a path segment, for the acceptance form.
    acceptance: Option<String>,
    /// For the base itself, once its cycle has ended: the apply form's path.
    apply: Option<String>,
    /// The form to report an activity (the base, or staff for it).
    report: Option<ReportForm>,
    /// What the base reported itself, and its documents.
    work: OwnWork,
    csrf: String,
}

/// The form a base reports an activity with.
struct ReportForm {
    action: String,
    /// The indicators of the base's type: (id, 第十条's words).
    indicators: Vec<(&'static str, &'static str)>,
    today: chrono::NaiveDate,
}

/// A scorecard's cached part: year picker, the base's facts, panels.
#[derive(Template)]
#[template(path = "scorecard_panels.html")]
struct ScorecardPanels<'a> {
    picker: YearPicker,
    base: &'a Base,
    unit: &'a str,
    year: i32,
    verdict: Badge,
    panels: Vec<PanelView>,
}

pub(super) fn scorecard_body(state: &AppState, d: &BaseData) -> String {
    let b = &d.base;
    let mut picker = YearPicker::new(format!("/bases/{}", url(&b.code)), d.year, &d.years);
    picker.links = vec![(
        format!("/bases/{}/chart.png?year={}", url(&b.code), d.year),
        "下载图表 PNG",
    )];
    let rows = d.rows();
    let panels = state
        .dashboards
        .scorecard
        .panels
        .iter()
        .map(|p| match scorecard_panel(state, p, d, &rows) {
            Ok(blocks) => PanelView {
                title: p.title.clone(),
                wide: false,
                blocks,
            },
            Err(e) => PanelView::broken(&p.title, &e),
        })
        .collect();
    render(&ScorecardPanels {
        picker,
        base: b,
        unit: &d.unit,
        year: d.year,
        verdict: verdict(rows.first().map(|r| r.base_pass)),
        panels,
    })
}

/// An indicator's actual value, or 未填报.
fn actual(v: Option<i64>) -> String {
    v.map(|a| a.to_string()).unwrap_or_else(|| "未填报".into())
}

pub(super) fn scorecard_panel(
    state: &AppState,
    p: &Panel,
    d: &BaseData,
    rows: &[&ScorecardRow],
) -> AppResult<Vec<Block>> {
    let today = state.today();
    Ok(match p.metric {
        Metric::IndicatorProgress => {
            if rows.is_empty() {
                return Ok(vec![Block::muted(
                    "本年度不考核（认定后第一个完整自然年起考核）",
                )]);
            }
            if p.chart == ChartKind::Bar {
                let c = base_chart(state, &d.base, rows, d.year, Format::Svg)?;
                vec![svg(&c)]
            } else {
                let t = rows
                    .iter()
                    .map(|r| {
                        vec![
                            text(r.indicator.short_zh()),
                            text(actual(r.actual)),
                            text(r.target),
                            text(r.gap),
                        ]
                    })
                    .collect();
                vec![Block::Table(Table::new(
                    &["指标", "实际", "目标", "差额"],
                    t,
                    Sorting::None,
                ))]
            }
        }
        Metric::ScorecardText => {
            let mut lines: Vec<(Tone, String)> = rows
                .iter()
                .map(|r| {
                    let tone = if r.met {
                        Tone::Ok
                    } else if r.actual.is_none() {
                        Tone::Bad
                    } else {
                        Tone::Warn
                    };
                    let pace = r
                        .pace
                        .map(|x| format!("（{}）", x.name_zh()))
                        .unwrap_or_default();
                    let line = format!(
                        "{}：{} / {} {}{pace}",
                        r.indicator.short_zh(),
                        actual(r.actual),
                        r.target,
                        output::explain(r)
                    );
                    (tone, line)
                })
                .collect();
            if lines.is_empty() {
                lines.push((Tone::Muted, "本年度不考核".into()));
            }
            vec![Block::List(lines)]
        }
        Metric::CycleHistory => {
            let end = lifecycle::cycle_end(&d.base, &state.settings.rulebook);
            let mut t = Vec::new();
            for c in &d.cycle {
                let rs: Vec<&ScorecardRow> =
                    c.rows.iter().filter(|r| r.base_id == d.base.id).collect();
                if rs.is_empty() {
                    continue;
                }
                let detail = rs
                    .iter()
                    .map(|r| {
                        format!(
                            "{} {}/{}",
                            r.indicator.short_zh(),
                            actual(r.actual),
                            r.target
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("；");
                let result = if c.running && !rs[0].base_pass {
                    Badge::new(Tone::Warn, "统计期未结束")
                } else {
                    verdict(Some(rs[0].base_pass))
                };
                t.push(vec![text(c.year), Cell::Badge(result), text(detail)]);
            }
            vec![
                Block::Text(None, format!("本建设周期：{} 至 {end}", d.base.cycle_start)),
                Block::Table(Table::new(&["年度", "结果", "各指标"], t, Sorting::None)),
            ]
        }
        Metric::StatusHistory => {
            let hist = d
                .history
                .iter()
                .map(|h| {
                    vec![
                        text(h.effective_on),
                        text(h.status.name_zh()),
                        text(&h.reason),
                        text(&h.changed_by),
                    ]
                })
                .collect();
            let dl = lifecycle::deadlines(&d.base, &state.settings.rulebook, today, d.rectify_by)
                .iter()
                .map(|x| {
                    vec![
                        text(x.date),
                        text(x.kind.name_zh()),
                        text(format!("还有 {} 天", (x.date - today).num_days())),
                    ]
                })
                .collect();
            vec![
                Block::Heading("截止事项".into()),
                Block::Table(Table::new(&["日期", "事项", ""], dl, Sorting::None)),
                Block::Heading("状态记录".into()),
                Block::Table(Table::new(
                    &["生效日期", "状态", "原因", "操作人"],
                    hist,
                    Sorting::None,
                )),
            ]
        }
        Metric::Records => {
            // Newest first; a base with thousands of records shows the latest.
            let t: Vec<Vec<Cell>> = d
                .records
                .iter()
                .take(RECORDS_SHOWN)
                .map(|r| {
                    let evidence = if r.evidence_url.starts_with("http://")
                        || r.evidence_url.starts_with("https://")
                    {
                        Cell::External {
                            href: r.evidence_url.clone(),
                            text: "佐证".into(),
                        }
                    } else {
                        text("")
                    };
                    vec![
                        text(r.occurred_on),
                        text(r.indicator.short_zh()),
                        text(r.quantity),
                        text(&r.title),
                        evidence,
                    ]
                })
                .collect();
            let shown = if t.len() < d.records.len() {
                format!("，显示最近 {} 条", t.len())
            } else {
                String::new()
            };
            let waiting = if d.pending > 0 {
                format!("；另有 {} 条待审核（审核通过后计入）", d.pending)
            } else {
                String::new()
            };
            vec![
                Block::muted(format!(
                    "{} 年度共 {} 条活动明细{shown}{waiting}",
                    d.year,
                    d.records.len()
                )),
                Block::Table(Table::new(
                    &["日期", "指标", "数量", "标题", "佐证链接"],
                    t,
                    Sorting::Browser,
                )),
            ]
        }
        Metric::ImportHistory => {
            let v = |x: Option<i64>| actual(x);
            let ch = d
                .changes
                .iter()
                .rev()
                .map(|c| {
                    vec![
                        text(c.changed_at.format("%Y-%m-%d %H:%M")),
                        text(c.year),
                        text(c.indicator.short_zh()),
                        text(v(c.old_value)),
                        text(v(c.new_value)),
                        text(&c.changed_by),
                    ]
                })
                .collect();
            let im = d
                .imports
                .iter()
                .map(|i| {
                    vec![
                        text(i.id),
                        text(&i.file_name),
                        text(i.imported_at.format("%Y-%m-%d %H:%M")),
                        text(&i.imported_by),
                        text(i.outcome.name_zh()),
                    ]
                })
                .collect();
            vec![
                Block::Heading("填报数变更".into()),
                Block::Table(Table::new(
                    &["时间(UTC)", "年度", "指标", "原值", "新值", "操作人"],
                    ch,
                    Sorting::None,
                )),
                Block::Heading("相关导入".into()),
                Block::Table(Table::new(
                    &["编号", "文件", "时间(UTC)", "导入人", "结果"],
                    im,
                    Sorting::None,
                )),
            ]
        }
        _ => Vec::new(),
    })
}

/// Activity records shown on a scorecard page, newest first.
pub(super) const RECORDS_SHOWN: usize = 200;

pub(super) async fn chart(
    s: Session,
    state: web::Data<AppState>,
    code: String,
    year: Option<i32>,
    format: Format,
) -> Result<HttpResponse, WebError> {
    let c = scoped_chart(&state, s.caller.scope, code, year, format).await?;
    Ok(HttpResponse::Ok()
        .content_type(c.content_type())
        .body(c.bytes.clone()))
}

pub(super) async fn chart_svg(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    chart(s, state, path.into_inner(), q.year, Format::Svg).await
}

pub(super) async fn chart_png(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    chart(s, state, path.into_inner(), q.year, Format::Png).await
}
