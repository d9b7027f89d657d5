//! Rectification (第十六条) and acceptance (第十七条): orders, the re-check's
//! proposals and the decisions staff record.

use super::*;
use crate::web::actions::{base_in_scope, decision, on_base};

#[derive(Deserialize)]
pub struct AcceptanceForm {
    csrf: Option<String>,
    step: String,
    #[serde(default)]
    opinion: String,
}

/// 第十七条 from the scorecard page: apply (for the base), record the
/// result with an opinion, or confirm a lapse. The API's acceptance routes
/// run the same `lifecycle::decisions` functions.
pub(super) async fn acceptance(
    Staff(s): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<AcceptanceForm>,
) -> Result<HttpResponse, WebError> {
    use lifecycle::decisions;
    check_csrf(&s, form.csrf.as_deref())?;
    let base = base_in_scope(&state, &s.caller, path.into_inner()).await?;
    let code = base.code.clone();
    let by = s.caller.username.clone();
    let form = form.into_inner();
    on_base(&state, move |db, settings, today| {
        match form.step.as_str() {
            "applied" => decisions::apply_acceptance(db, settings, &base, today, &by),
            "passed" | "failed" => decisions::acceptance_result(
                db,
                settings,
                &base,
                form.step == "passed",
                &form.opinion,
                today,
                &by,
            ),
            "lapsed" => decisions::confirm_lapse(db, settings, &base, today, &by),
            _ => Err(AppError::Invalid("未知的验收步骤 (unknown step)".into())),
        }
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("/bases/{}", url(&code))))
        .finish())
}

/// The base's own account applies for acceptance from its scorecard
/// (staff do it from the acceptance form).
pub(super) async fn acceptance_apply(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    if s.caller.role == Role::Recommender {
        return Err(WebError::NotFound);
    }
    let base = base_in_scope(&state, &s.caller, path.into_inner()).await?;
    let code = base.code.clone();
    let by = s.caller.username.clone();
    on_base(&state, move |db, settings, today| {
        lifecycle::decisions::apply_acceptance(db, settings, &base, today, &by)
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("/bases/{}", url(&code))))
        .finish())
}

/// Staff confirm a proposed lapse (第十七条).
pub(super) async fn lapse(
    Staff(s): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    let base = base_in_scope(&state, &s.caller, path.into_inner()).await?;
    let by = s.caller.username.clone();
    on_base(&state, move |db, settings, today| {
        lifecycle::decisions::confirm_lapse(db, settings, &base, today, &by)
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/rectification?view=lapse"))
        .finish())
}

#[derive(Deserialize)]
pub struct DecisionForm {
    csrf: Option<String>,
    decision: String,
    #[serde(default)]
    reason: String,
    deadline: Option<String>,
}

/// Staff's decision on a base's rectification (第十六条), from the page.
pub(super) async fn rectification_decision(
    Staff(s): Staff,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    let form = form.into_inner();
    let d = decision(&form.decision, form.deadline.as_deref())?;
    let base = base_in_scope(&state, &s.caller, path.into_inner()).await?;
    let by = s.caller.username.clone();
    on_base(&state, move |db, settings, today| {
        lifecycle::decisions::decide(db, settings, &base, d, &form.reason, today, &by)
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/rectification?view=closed"))
        .finish())
}

/// The lists of the rectification page, one shown at a time (`view`).
pub(super) const RECT_VIEWS: [(&str, &str); 5] = [
    ("failed", "未达标待处理"),
    ("open", "整改中"),
    ("proposed", "复核完成待决定"),
    ("closed", "已结束"),
    ("lapse", "逾期未申请验收"),
];

pub(super) async fn rectification_page(
    Staff(s): Staff,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let today = state.today();
    let p = Params::parse(req.query_string());
    // The evaluation that orders rectification is of a finished year.
    let year = p
        .year()?
        .filter(|y| (2000..today.year()).contains(y))
        .unwrap_or(today.year() - 1);
    let view_ids: Vec<&str> = RECT_VIEWS.iter().map(|(id, _)| *id).collect();
    let view = p
        .one_of("view", &view_ids)?
        .unwrap_or_else(|| "failed".into());
    let paging = if view == "failed" || view == "lapse" {
        Paging::from(&p, &["code", "name"], "code")?
    } else {
        Paging::from(&p, &["deadline", "ordered_on", "code", "year"], "deadline")?
    };
    let fq = p.text("q");
    let st = state.clone();
    let csrf = s.csrf.clone();
    let v = view.clone();
    let view = blocking(&state, move |db| {
        st.cache.sync(db, today)?;
        let card = st.cache.scorecard(db, &st.settings.rulebook, year, today)?;
        let bases = st.cache.bases(db)?;
        let by_id: HashMap<i64, &Base> = bases.iter().map(|b| (b.id, b)).collect();
        let confirmed = db::years::get(db, year)?
            .is_some_and(|y| y.status == crate::domain::YearStatus::Confirmed);
        let open = db::rectifications::with_outcome(db, RectificationOutcome::Open)?;
        let proposed = db::rectifications::with_outcome(db, RectificationOutcome::Proposed)?;
        let mut closed = db::rectifications::with_outcome(db, RectificationOutcome::Passed)?;
        closed.extend(db::rectifications::with_outcome(
            db,
            RectificationOutcome::Revoked,
        )?);
        let ordered: HashSet<(i64, i32)> = open
            .iter()
            .chain(&proposed)
            .chain(&closed)
            .map(|o| (o.base_id, o.year))
            .collect();
        // Bases that failed `year`, are still building and have no order for it yet.
        let mut failed: Vec<(&Base, Vec<String>)> = Vec::new();
        let mut at: HashMap<i64, usize> = HashMap::new();
        for r in card.rows.iter().filter(|r| !r.base_pass) {
            if ordered.contains(&(r.base_id, year)) {
                continue;
            }
            let Some(b) = by_id
                .get(&r.base_id)
                .filter(|b| b.status == Status::Building)
            else {
                continue;
            };
            let i = *at.entry(r.base_id).or_insert_with(|| {
                failed.push((b, Vec::new()));
                failed.len() - 1
            });
            if !r.met {
                failed[i].1.push(output::explain(r));
            }
        }
        let search = |b: Option<&&Base>| {
            fq.as_ref()
                .is_none_or(|q| b.is_some_and(|b| paging::matches(q, &b.name, &b.code)))
        };
        // 第十七条: cycles ended past the rulebook's window without an application.
        let lapses = lifecycle::decisions::lapse_proposals(&bases, &st.settings, today);
        let counts = [
            failed.len(),
            open.len(),
            proposed.len(),
            closed.len(),
            lapses.len(),
        ];
        let tabs = RECT_VIEWS
            .iter()
            .zip(counts)
            .map(|((id, zh), count)| Tab {
                href: format!("/rectification?year={year}&view={id}"),
                label: zh,
                count,
                on: *id == v,
            })
            .collect();
        let y = Some(year.to_string());
        let vv = Some(v.clone());
        let keep_ = keep(&[("year", &y), ("view", &vv), ("q", &fq)]);
        let filters = Filters::new("/rectification", &paging)
            .hidden("year", year.to_string())
            .hidden("view", v.clone())
            .search(fq.as_deref());
        if v == "failed" {
            let mut list: Vec<&(&Base, Vec<String>)> =
                failed.iter().filter(|(b, _)| search(Some(b))).collect();
            list.sort_by(|a, b| {
                let o = match paging.sort.as_str() {
                    "name" => a.0.name.cmp(&b.0.name),
                    _ => std::cmp::Ordering::Equal,
                };
                paging.dir(o.then_with(|| a.0.code.cmp(&b.0.code)))
            });
            let rows = paging
                .slice(&list)
                .iter()
                .map(|(b, missing)| {
                    vec![
                        Cell::Check {
                            name: "code",
                            value: b.code.clone(),
                        },
                        base_link(&b.code, Some(year)),
                        text(&b.name),
                        text(missing.join("；")),
                    ]
                })
                .collect();
            let pager = Pager {
                path: "/rectification",
                keep: keep_,
                paging: &paging,
                total: list.len(),
            };
            let list = pager.table(
                &[
                    ("", None),
                    ("基地编号", Some("code")),
                    ("名称", Some("name")),
                    ("未完成任务", None),
                ],
                rows,
            );
            return Ok(RectView {
                tabs,
                heading: format!("{year} 年度考核未达标的基地"),
                filters,
                list,
                // 第十六条 orders follow a confirmed result (定稿).
                order_days: confirmed.then_some(st.settings.rectification_days),
                note: (!confirmed).then(|| {
                    format!(
                        "{year} 年度考核结果尚未定稿：请先在概览页定稿，定稿后方可责令限期整改。"
                    )
                }),
            });
        }
        if v == "lapse" {
            let mut list: Vec<&&Base> = lapses.iter().filter(|b| search(Some(b))).collect();
            list.sort_by(|a, b| {
                let o = match paging.sort.as_str() {
                    "name" => a.name.cmp(&b.name),
                    _ => std::cmp::Ordering::Equal,
                };
                paging.dir(o.then_with(|| a.code.cmp(&b.code)))
            });
            let rows = paging
                .slice(&list)
                .iter()
                .map(|b| {
                    vec![
                        base_link(&b.code, None),
                        text(&b.name),
                        text(lifecycle::cycle_end(b, &st.settings.rulebook)),
                        Cell::Action {
                            badge: Some(Badge::new(Tone::Warn, "建议不再认定")),
                            note: String::new(),
                            action: format!("/bases/{}/lapse", url(&b.code)),
                            label: "确认不再认定",
                            csrf: csrf.clone(),
                        },
                    ]
                })
                .collect();
            let pager = Pager {
                path: "/rectification",
                keep: keep_,
                paging: &paging,
                total: list.len(),
            };
            let list = pager.table(
                &[
                    ("基地编号", Some("code")),
                    ("名称", Some("name")),
                    ("建设周期届满", None),
                    ("决定", None),
                ],
                rows,
            );
            return Ok(RectView {
                tabs,
                heading: format!(
                    "建设周期届满 {} 天后仍未申请验收的基地（第十七条）",
                    st.settings.rulebook.lifecycle.acceptance_window_days
                ),
                filters,
                list,
                order_days: None,
                note: None,
            });
        }
        let orders = match v.as_str() {
            "open" => &open,
            "proposed" => &proposed,
            _ => &closed,
        };
        let mut list: Vec<&db::rectifications::Rectification> = orders
            .iter()
            .filter(|o| search(by_id.get(&o.base_id)))
            .collect();
        let code = |o: &db::rectifications::Rectification| {
            by_id.get(&o.base_id).map(|b| b.code.as_str()).unwrap_or("")
        };
        list.sort_by(|a, b| {
            let o = match paging.sort.as_str() {
                "ordered_on" => a.ordered_on.cmp(&b.ordered_on),
                "code" => code(a).cmp(code(b)),
                "year" => a.year.cmp(&b.year),
                _ => a.deadline.cmp(&b.deadline),
            };
            paging.dir(o.then_with(|| code(a).cmp(code(b))).then(a.id.cmp(&b.id)))
        });
        let rows = paging
            .slice(&list)
            .iter()
            .map(|o| {
                let name = by_id
                    .get(&o.base_id)
                    .map(|b| {
                        link(
                            format!("/bases/{}", url(&b.code)),
                            format!("{}（{}）", b.name, b.code),
                        )
                    })
                    .unwrap_or_else(|| text(""));
                let last = if o.is_pending() {
                    Cell::Decide {
                        proposal: o.proposal.map(|p| {
                            let tone = if p == Proposal::Pass {
                                Tone::Ok
                            } else {
                                Tone::Bad
                            };
                            Badge::new(tone, p.name_zh())
                        }),
                        action: by_id
                            .get(&o.base_id)
                            .map(|b| format!("/bases/{}/rectification/decision", url(&b.code)))
                            .unwrap_or_default(),
                        csrf: csrf.clone(),
                    }
                } else {
                    text(match o.outcome {
                        RectificationOutcome::Passed => "复核达标，恢复建设",
                        other => other.name_zh(),
                    })
                };
                vec![
                    name,
                    text(o.year),
                    text(o.ordered_on),
                    text(o.deadline),
                    text(&o.ordered_by),
                    last,
                ]
            })
            .collect();
        let pager = Pager {
            path: "/rectification",
            keep: keep_,
            paging: &paging,
            total: list.len(),
        };
        let heading = RECT_VIEWS
            .iter()
            .find(|(id, _)| *id == v)
            .map(|(_, zh)| zh.to_string())
            .unwrap_or_default();
        let list = pager.table(
            &[
                ("基地", Some("code")),
                ("年度", Some("year")),
                ("下达日期", Some("ordered_on")),
                ("整改期限", Some("deadline")),
                ("下达人", None),
                (if v == "closed" { "结果" } else { "决定" }, None),
            ],
            rows,
        );
        Ok(RectView {
            tabs,
            heading,
            filters,
            list,
            order_days: None,
            note: None,
        })
    })
    .await?;
    let (title, layout) = frame("整改管理", &s);
    Ok(render_page(&RectificationPage {
        title,
        layout,
        view,
        year,
        csrf: s.csrf.clone(),
    }))
}

#[derive(Template)]
#[template(path = "rectification.html")]
struct RectificationPage {
    title: String,
    layout: Layout,
    view: RectView,
    year: i32,
    csrf: String,
}

/// The list shown, under its tabs.
struct RectView {
    tabs: Vec<Tab>,
    heading: String,
    filters: Filters,
    list: PagedTable,
    /// The failed view of a confirmed year: its table is the order form,
    /// with this many days to rectify.
    order_days: Option<u32>,
    note: Option<String>,
}

/// One of the page's lists, with its count.
struct Tab {
    href: String,
    label: &'static str,
    count: usize,
    on: bool,
}

/// The order form lists one checkbox per base that failed: at national
/// scale tens of thousands of codes.
pub(super) const ORDER_FORM_LIMIT: usize = 4 * 1024 * 1024;

pub(super) async fn rectification_order(
    Staff(s): Staff,
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let body = crate::web::body::read(&req, payload, ORDER_FORM_LIMIT, crate::web::body::FORM_TIME)
        .await?;
    let pairs = crate::web::body::form_pairs(&body);
    let get = |k: &str| pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone());
    check_csrf(&s, get("csrf").as_deref())?;
    let today = state.today();
    let year: i32 = get("year")
        .and_then(|y| y.parse().ok())
        .filter(|y| (2000..today.year()).contains(y))
        .ok_or_else(|| WebError::BadRequest("年度无效 (invalid year)".into()))?;
    let codes: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "code")
        .map(|(_, v)| v.clone())
        .collect();
    let st = state.clone();
    let by = s.caller.username.clone();
    blocking(&state, move |db| {
        if !db::years::get(db, year)?
            .is_some_and(|y| y.status == crate::domain::YearStatus::Confirmed)
        {
            return Err(AppError::Conflict(format!(
                "{year} 年度考核结果尚未定稿，不能责令整改 (the year is not confirmed)"
            )));
        }
        let mut bases = Vec::new();
        for code in codes {
            bases.extend(db::bases::find_by_code(db, &code)?);
        }
        // Only a base that failed that year can be ordered to rectify; the
        // evaluation is of the bases ticked, not of the country.
        let card = crate::compliance::evaluate_bases(
            db,
            &st.settings.rulebook,
            year,
            None,
            today,
            &bases,
        )?;
        let failed: HashSet<i64> = card
            .rows
            .iter()
            .filter(|r| !r.base_pass)
            .map(|r| r.base_id)
            .collect();
        for base in bases.iter().filter(|b| failed.contains(&b.id)) {
            lifecycle::order_rectification(
                db,
                &st.settings,
                base,
                year,
                today,
                st.settings.rectification_days,
                &by,
            )?;
        }
        Ok(())
    })
    .await?;
    state.mail_queued.notify_one();
    state.cache.invalidate();
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("/rectification?year={year}")))
        .finish())
}
