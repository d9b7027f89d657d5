//! The overview of the province or of one recommending unit: panels from
//! `dashboards/overview.toml` (or `unit.toml`), scoped to the caller.

use super::*;

/// Everything the overview needs, read once.
pub(super) struct OverviewData<'a> {
    year: i32,
    years: Vec<i32>,
    bases: &'a [Base],
    cards: Vec<Arc<Scorecard>>,
    deadlines: Vec<lifecycle::Deadline>,
}

impl OverviewData<'_> {
    fn card(&self) -> Option<&Scorecard> {
        self.cards
            .iter()
            .find(|c| c.year == self.year)
            .map(|c| c.as_ref())
    }
}

pub(super) async fn overview(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    if s.caller.role == Role::Base {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", "/bases"))
            .finish());
    }
    let today = state.today();
    let year = year_of(q.year, today);
    let scope = s.caller.scope;
    let province = s.caller.role == Role::Province;
    let st = state.clone();
    // The body depends only on scope, year and data: rendered once, then served from the cache.
    let key = format!("overview|{scope:?}|{year}");
    let cached = state.cache.fresh_page(&key, today);
    let body = match cached {
        Some(body) => body,
        None => {
            blocking(&state, move |db| {
                st.cache.sync(db, today)?;
                st.cache.page(key, || {
                    let all = st.cache.bases(db)?;
                    let bases = scoped(&all, scope);
                    let years = years(&bases, &st, today);
                    let dash = if province {
                        &st.dashboards.overview
                    } else {
                        &st.dashboards.unit
                    };
                    // Only the years the panels show: the year asked for, and
                    // for a trend the finished years (a running one says nothing
                    // yet). Staff share the cached whole-country scorecards; a
                    // unit's overview evaluates only its own bases.
                    let trend = dash.panels.iter().any(|p| p.metric == Metric::PassTrend);
                    let running = |y: i32| {
                        chrono::NaiveDate::from_ymd_opt(y, 12, 31).is_some_and(|end| today < end)
                    };
                    let wanted = years
                        .iter()
                        .copied()
                        .filter(|&y| trend && !running(y))
                        .chain(std::iter::once(year));
                    let mut cards = Vec::new();
                    for y in wanted {
                        if !cards.iter().any(|c: &Arc<Scorecard>| c.year == y) {
                            cards.push(scope_card(&st, db, scope, &bases, y, today)?);
                        }
                    }
                    let open = db::rectifications::open_deadlines(db)?;
                    let mut deadlines: Vec<_> = bases
                        .iter()
                        .flat_map(|b| {
                            lifecycle::deadlines(
                                b,
                                &st.settings.rulebook,
                                today,
                                open.get(&b.id).copied(),
                            )
                        })
                        .filter(|d| (d.date - today).num_days() <= 120)
                        .collect();
                    deadlines.sort_by(|a, b| {
                        (a.date, a.kind, &a.base_code).cmp(&(b.date, b.kind, &b.base_code))
                    });
                    let data = OverviewData {
                        year,
                        years,
                        bases: &bases,
                        cards,
                        deadlines,
                    };
                    Ok(overview_body(&st, scope, dash, &data))
                })
            })
            .await?
        }
    };
    let dash = if province {
        &state.dashboards.overview
    } else {
        &state.dashboards.unit
    };
    // The year's standing, and staff's confirm / reopen: per request, not cached.
    let standing = match (province, state.cache.fresh_year(year, today)) {
        (false, _) => None,
        (true, Some(v)) => Some(v),
        (true, None) => {
            let st = state.clone();
            Some(
                blocking(&state, move |db| {
                    st.cache.sync(db, today)?;
                    st.cache.year(year, || {
                        lifecycle::year::view(db, &st.settings.rulebook, year, today)
                    })
                })
                .await?,
            )
        }
    };
    let csrf = s.csrf.clone();
    let (title, layout) = frame(&dash.title, &s);
    Ok(render_page(&OverviewPage {
        title,
        layout,
        panels: body,
        year,
        standing,
        csrf,
    }))
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    title: String,
    layout: Layout,
    panels: Arc<String>,
    year: i32,
    /// For staff: whether the year is confirmed (定稿), and by whom.
    standing: Option<Arc<lifecycle::year::YearView>>,
    csrf: String,
}

/// The overview's cached part: year picker, summary, panels.
#[derive(Template)]
#[template(path = "overview_panels.html")]
struct OverviewPanels {
    picker: YearPicker,
    summary: Option<Summary>,
    panels: Vec<PanelView>,
}

/// The year's count of bases due, and passed, in the scope.
struct Summary {
    year: i32,
    /// For a running year: the day counted to.
    as_of: Option<chrono::NaiveDate>,
    due: usize,
    pass: usize,
    rulebook: String,
}

pub(super) fn overview_body(
    state: &AppState,
    scope: Scope,
    dash: &Dashboard,
    d: &OverviewData,
) -> String {
    let mut picker = YearPicker::new("/overview".into(), d.year, &d.years);
    picker.links = vec![
        (
            format!("/exports/scorecards.xlsx?year={}", d.year),
            "导出 Excel",
        ),
        (
            format!("/exports/scorecards.csv?year={}", d.year),
            "导出 CSV",
        ),
        (format!("/reports/{}.docx", d.year), "下载年度报告（Word）"),
    ];
    let summary = d.card().map(|card| {
        let ids: HashSet<i64> = d.bases.iter().map(|b| b.id).collect();
        let mut due = 0;
        let mut pass = 0;
        let mut last = None;
        for r in card.rows.iter().filter(|r| ids.contains(&r.base_id)) {
            if last != Some(r.base_id) {
                due += 1;
                pass += usize::from(r.base_pass);
                last = Some(r.base_id);
            }
        }
        Summary {
            year: d.year,
            as_of: card.running.then_some(card.as_of),
            due,
            pass,
            rulebook: card.rulebook.clone(),
        }
    });
    let panels = dash
        .panels
        .iter()
        .enumerate()
        .map(|(i, p)| match overview_panel(state, scope, p, i, d) {
            Ok(blocks) => PanelView {
                title: p.title.clone(),
                // Lists get the full width: their rows are long.
                wide: p.chart == ChartKind::List,
                blocks,
            },
            Err(e) => PanelView::broken(&p.title, &e),
        })
        .collect();
    render(&OverviewPanels {
        picker,
        summary,
        panels,
    })
}

/// The map's metric for a panel's (validated: base_count, pass_rate, at_risk).
pub(super) fn map_metric(m: Metric) -> charts::MapMetric {
    match m {
        Metric::AtRisk => charts::MapMetric::AtRisk,
        Metric::BaseCount => charts::MapMetric::Bases,
        _ => charts::MapMetric::PassRate,
    }
}

pub(super) fn filtered<'a>(bases: &'a [Base], p: &Panel) -> Vec<&'a Base> {
    bases
        .iter()
        .filter(|b| {
            p.filters
                .base_type
                .as_deref()
                .is_none_or(|t| BaseType::parse(t).is_ok_and(|t| t == b.base_type))
        })
        .collect()
}

pub(super) fn overview_panel(
    state: &AppState,
    scope: Scope,
    p: &Panel,
    i: usize,
    d: &OverviewData,
) -> AppResult<Vec<Block>> {
    let bases = filtered(d.bases, p);
    let by_id: HashMap<i64, &Base> = bases.iter().map(|b| (b.id, *b)).collect();
    let key = format!("{scope:?}|{}|{i}", d.year);
    if p.chart == ChartKind::Map {
        let Some(card) = d.card() else {
            return Ok(Vec::new());
        };
        let metric = map_metric(p.metric);
        let figures = metrics::city_figures(card, &by_id, metric);
        let year = d.year;
        let title = format!("{year} 年度{}", p.title);
        let c = state.cache.chart(key, || {
            let link = |c: City| format!("/bases?year={year}&city={}", url(c.as_str()));
            charts::city_map(&title, metric, &figures, Format::Svg, Some(&link)).map_err(chart_err)
        })?;
        return Ok(vec![
            svg(&c),
            Block::NoteLink {
                text: "点击地市查看其基地；".into(),
                href: format!("/maps/cities.png?year={year}&metric={}", metric.id()),
                label: "下载地图 PNG（用于邮件、汇报材料）".into(),
            },
        ]);
    }
    Ok(match p.metric {
        Metric::BaseCount => {
            let g = metrics::base_count(&bases, p.group_by.unwrap_or(Grouping::Type));
            let max = g.iter().map(|x| x.value).fold(1.0, f64::max);
            let rows = g
                .iter()
                .map(|x| {
                    let share = (x.value / max * 100.0).round().clamp(0.0, 100.0) as u32;
                    vec![text(&x.label), text(x.value), Cell::Bar(share)]
                })
                .collect();
            vec![Block::Table(Table::new(
                &["分组", "基地数", ""],
                rows,
                Sorting::None,
            ))]
        }
        Metric::PassRate => {
            let Some(card) = d.card() else {
                return Ok(Vec::new());
            };
            let g = metrics::pass_rate(card, &by_id, p.group_by.unwrap_or(Grouping::Type));
            if p.chart == ChartKind::Bar {
                let items: Vec<(String, f64)> =
                    g.iter().map(|x| (x.label.clone(), x.value)).collect();
                let title = format!("{} 年度{}", d.year, p.title);
                let c = state.cache.chart(key, || {
                    charts::rate_chart(&title, &items, Format::Svg).map_err(chart_err)
                })?;
                vec![svg(&c)]
            } else {
                let rows = g
                    .iter()
                    .map(|x| vec![text(&x.label), text(pct(x.value)), text(x.of)])
                    .collect();
                vec![Block::Table(Table::new(
                    &["分组", "达标率", "考核数"],
                    rows,
                    Sorting::Browser,
                ))]
            }
        }
        Metric::PassTrend => {
            let cards: Vec<Scorecard> = d
                .cards
                .iter()
                // Finished years with data: a running year's rate says nothing yet.
                .filter(|c| d.years.contains(&c.year) && !c.running)
                .filter(|c| c.rows.iter().any(|r| r.actual.is_some()))
                .map(|c| c.as_ref().clone())
                .collect();
            let series = metrics::pass_trend(&cards, &by_id, p.group_by == Some(Grouping::Type));
            if p.chart == ChartKind::Line {
                let c = state.cache.chart(key, || {
                    charts::trend_chart(&p.title, &series, Format::Svg).map_err(chart_err)
                })?;
                vec![svg(&c)]
            } else {
                let rows = series
                    .iter()
                    .flat_map(|(name, pts)| {
                        pts.iter()
                            .map(move |(y, v)| vec![text(name), text(y), text(pct(*v))])
                    })
                    .collect();
                vec![Block::Table(Table::new(
                    &["范围", "年度", "达标率"],
                    rows,
                    Sorting::Browser,
                ))]
            }
        }
        Metric::AtRisk => {
            let Some(card) = d.card() else {
                return Ok(Vec::new());
            };
            // The first rows only: the whole list is paged at /at-risk.
            let list = metrics::at_risk(card, &by_id);
            let rows: Vec<Vec<Cell>> = list
                .iter()
                .take(OVERVIEW_RISKS)
                .map(|a| risk_row(a, d.year))
                .collect();
            let mut all = format!("/at-risk?year={}", d.year);
            if let Some(t) = &p.filters.base_type {
                all.push_str(&format!("&type={}", url(t)));
            }
            let more = if list.len() > rows.len() {
                format!("显示最需关注的前 {} 个，共 {} 个", rows.len(), list.len())
            } else {
                format!("共 {} 个", list.len())
            };
            vec![
                Block::NoteLink {
                    text: more,
                    href: all,
                    label: "查看全部风险基地（分页、排序、筛选）".into(),
                },
                Block::Table(Table::new(&RISK_HEADERS, rows, Sorting::None)),
            ]
        }
        Metric::Deadlines => {
            // Same date and kind for many bases: one line with the count.
            let mut grouped: Vec<(
                chrono::NaiveDate,
                lifecycle::DeadlineKind,
                Vec<&lifecycle::Deadline>,
            )> = Vec::new();
            let codes: HashSet<&str> = bases.iter().map(|b| b.code.as_str()).collect();
            for dl in d
                .deadlines
                .iter()
                .filter(|dl| codes.contains(dl.base_code.as_str()))
            {
                match grouped
                    .iter_mut()
                    .find(|g| g.0 == dl.date && g.1 == dl.kind)
                {
                    Some(g) => g.2.push(dl),
                    None => grouped.push((dl.date, dl.kind, vec![dl])),
                }
            }
            let rows = grouped
                .iter()
                .take(30)
                .map(|(date, kind, list)| {
                    let who = if list.len() > 3 {
                        text(format!("{} 个基地", list.len()))
                    } else {
                        Cell::Links(
                            list.iter()
                                .map(|x| {
                                    (format!("/bases/{}", url(&x.base_code)), x.base_name.clone())
                                })
                                .collect(),
                        )
                    };
                    vec![text(date), text(kind.name_zh()), who]
                })
                .collect();
            vec![Block::Table(Table::new(
                &["日期", "事项", "涉及"],
                rows,
                Sorting::None,
            ))]
        }
        _ => Vec::new(),
    })
}

pub(super) async fn map_svg(
    SignedIn(s): SignedIn,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    super::super::briefing::city_map(&state, &s.caller, req.query_string(), Format::Svg).await
}

pub(super) async fn map_png(
    SignedIn(s): SignedIn,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    super::super::briefing::city_map(&state, &s.caller, req.query_string(), Format::Png).await
}

/// The year's report (DOCX), the overview's download.
pub(super) async fn report_docx(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    super::super::briefing::year_report(&state, &s.caller, &path.into_inner()).await
}
