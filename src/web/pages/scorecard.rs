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
    let (title, body) = blocking(&state, move |db| {
        st.cache.sync(db, today)?;
        let base = visible_base(&st, db, &code, scope)?;
        let title = format!("{} · 记分卡", base.name);
        let key = format!("base|{}|{year}", base.id);
        let body = st.cache.page(key, || {
            let d = load_base_data(&st, db, base, year, today)?;
            Ok(scorecard_body(&st, &d))
        })?;
        Ok((title, body))
    })
    .await?;
    let mut body = body.as_ref().clone();
    if s.caller.role == Role::Province {
        // Staff actions are not part of the cached body: other roles share it.
        body.push_str(&format!(
            r#"<section class="panel"><h2>验收（第十七条）</h2><form method="post" action="/bases/{}/acceptance"><input type="hidden" name="csrf" value="{}">
<button name="step" value="applied">记录：已申请验收</button> <button name="step" value="passed">记录：验收合格，开始新的建设周期</button> <button name="step" value="lapsed">记录：验收不合格或未申请，不再认定</button></form></section>"#,
            url(&code_for_form),
            esc(&s.csrf)
        ));
    }
    Ok(html(page(&title, Some((&s.caller, &s.csrf)), &body)))
}

pub(super) fn scorecard_body(state: &AppState, d: &BaseData) -> String {
    let b = &d.base;
    let mut body = year_selector(
        &format!("/bases/{}", url(&b.code)),
        d.year,
        &d.years,
        &format!(
            r#" <a href="/bases/{}/chart.png?year={}">下载图表 PNG</a>"#,
            url(&b.code),
            d.year
        ),
    );
    let rows = d.rows();
    let verdict = match rows.first() {
        None => r#"<span class="muted">本年度不考核</span>"#.to_string(),
        Some(r) if r.base_pass => r#"<strong class="ok">达标</strong>"#.to_string(),
        Some(_) => r#"<strong class="bad">未达标</strong>"#.to_string(),
    };
    body.push_str(&format!(
        r#"<p>{}（{}）· {} · {} · 推荐单位：{} · 状态：{} · 认定日期 {} · {} 年度：{verdict}</p>"#,
        esc(&b.name),
        esc(&b.code),
        esc(b.base_type.name_zh()),
        esc(b.city.as_str()),
        esc(&d.unit),
        esc(b.status.name_zh()),
        b.recognised_on,
        d.year
    ));
    body.push_str(r#"<div class="grid">"#);
    for p in &state.dashboards.scorecard.panels {
        let inner = scorecard_panel(state, p, d, &rows).unwrap_or_else(|e| {
            tracing::error!("panel {}: {e}", p.title);
            r#"<p class="muted">此面板暂时无法显示</p>"#.into()
        });
        body.push_str(&format!(
            r#"<section class="panel"><h2>{}</h2>{inner}</section>"#,
            esc(&p.title)
        ));
    }
    body.push_str("</div>");
    body
}

pub(super) fn scorecard_panel(
    state: &AppState,
    p: &Panel,
    d: &BaseData,
    rows: &[&ScorecardRow],
) -> AppResult<String> {
    let today = state.today();
    Ok(match p.metric {
        Metric::IndicatorProgress => {
            if rows.is_empty() {
                return Ok(
                    r#"<p class="muted">本年度不考核（认定后第一个完整自然年起考核）</p>"#.into(),
                );
            }
            if p.chart == ChartKind::Bar {
                let c = base_chart(state, &d.base, rows, d.year, Format::Svg)?;
                svg(&c)
            } else {
                let t: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        vec![
                            esc(r.indicator.short_zh()),
                            r.actual
                                .map(|a| a.to_string())
                                .unwrap_or_else(|| "未填报".into()),
                            r.target.to_string(),
                            r.gap.to_string(),
                        ]
                    })
                    .collect();
                table(&["指标", "实际", "目标", "差额"], &t, false)
            }
        }
        Metric::ScorecardText => {
            let mut s = String::from("<ul>");
            for r in rows {
                let class = if r.met {
                    "ok"
                } else if r.actual.is_none() {
                    "bad"
                } else {
                    "warn"
                };
                let pace = r
                    .pace
                    .map(|x| format!("（{}）", x.name_zh()))
                    .unwrap_or_default();
                s.push_str(&format!(
                    r#"<li class="{class}">{}：{} / {} {}{pace}</li>"#,
                    esc(r.indicator.short_zh()),
                    r.actual
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| "未填报".into()),
                    r.target,
                    esc(&output::explain(r))
                ));
            }
            if rows.is_empty() {
                s.push_str(r#"<li class="muted">本年度不考核</li>"#);
            }
            s.push_str("</ul>");
            s
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
                            r.actual
                                .map(|a| a.to_string())
                                .unwrap_or_else(|| "未填报".into()),
                            r.target
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("；");
                t.push(vec![
                    c.year.to_string(),
                    if rs[0].base_pass {
                        r#"<span class="ok">达标</span>"#.into()
                    } else if c.running {
                        r#"<span class="warn">统计期未结束</span>"#.into()
                    } else {
                        r#"<span class="bad">未达标</span>"#.into()
                    },
                    esc(&detail),
                ]);
            }
            format!(
                r#"<p>本建设周期：{} 至 {}</p>{}"#,
                d.base.cycle_start,
                end,
                table(&["年度", "结果", "各指标"], &t, false)
            )
        }
        Metric::StatusHistory => {
            let hist: Vec<Vec<String>> = d
                .history
                .iter()
                .map(|h| {
                    vec![
                        h.effective_on.to_string(),
                        esc(h.status.name_zh()),
                        esc(&h.reason),
                        esc(&h.changed_by),
                    ]
                })
                .collect();
            let dl: Vec<Vec<String>> =
                lifecycle::deadlines(&d.base, &state.settings.rulebook, today, d.rectify_by)
                    .iter()
                    .map(|x| {
                        vec![
                            x.date.to_string(),
                            esc(x.kind.name_zh()),
                            format!("还有 {} 天", (x.date - today).num_days()),
                        ]
                    })
                    .collect();
            format!(
                "<h3>截止事项</h3>{}<h3>状态记录</h3>{}",
                table(&["日期", "事项", ""], &dl, false),
                table(&["生效日期", "状态", "原因", "操作人"], &hist, false)
            )
        }
        Metric::Records => {
            // Newest first; a base with thousands of records shows the latest.
            let t: Vec<Vec<String>> = d
                .records
                .iter()
                .take(RECORDS_SHOWN)
                .map(|r| {
                    let link = if r.evidence_url.starts_with("http://")
                        || r.evidence_url.starts_with("https://")
                    {
                        format!(
                            r#"<a href="{}" rel="noopener noreferrer" target="_blank">佐证</a>"#,
                            esc(&r.evidence_url)
                        )
                    } else {
                        String::new()
                    };
                    vec![
                        r.occurred_on.to_string(),
                        esc(r.indicator.short_zh()),
                        r.quantity.to_string(),
                        esc(&r.title),
                        link,
                    ]
                })
                .collect();
            let shown = if t.len() < d.records.len() {
                format!("，显示最近 {} 条", t.len())
            } else {
                String::new()
            };
            format!(
                r#"<p class="muted">{} 年度共 {} 条活动明细{shown}</p>{}"#,
                d.year,
                d.records.len(),
                table(&["日期", "指标", "数量", "标题", "佐证链接"], &t, true)
            )
        }
        Metric::ImportHistory => {
            let ch: Vec<Vec<String>> = d
                .changes
                .iter()
                .rev()
                .map(|c| {
                    let v = |x: Option<i64>| {
                        x.map(|n| n.to_string()).unwrap_or_else(|| "未填报".into())
                    };
                    vec![
                        c.changed_at.format("%Y-%m-%d %H:%M").to_string(),
                        c.year.to_string(),
                        esc(c.indicator.short_zh()),
                        v(c.old_value),
                        v(c.new_value),
                        esc(&c.changed_by),
                    ]
                })
                .collect();
            let im: Vec<Vec<String>> = d
                .imports
                .iter()
                .map(|i| {
                    vec![
                        i.id.to_string(),
                        esc(&i.file_name),
                        i.imported_at.format("%Y-%m-%d %H:%M").to_string(),
                        esc(&i.imported_by),
                        esc(i.outcome.name_zh()),
                    ]
                })
                .collect();
            format!(
                "<h3>填报数变更</h3>{}<h3>相关导入</h3>{}",
                table(
                    &["时间(UTC)", "年度", "指标", "原值", "新值", "操作人"],
                    &ch,
                    false
                ),
                table(&["编号", "文件", "时间(UTC)", "导入人", "结果"], &im, false)
            )
        }
        _ => String::new(),
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
