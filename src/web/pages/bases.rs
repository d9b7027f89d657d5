//! The bases list and the at-risk list, paged, sorted and filtered on the server.

use super::*;

pub(super) async fn bases_list(
    SignedIn(s): SignedIn,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let today = state.today();
    let p = Params::parse(req.query_string());
    let year = year_of(p.year()?, today);
    let paging = Paging::from(&p, &BaseFilter::SORTS, "code")?;
    let f = BaseFilter::parse(&p, true)?;
    let scope = s.caller.scope;
    let st = state.clone();
    let body = blocking(&state, move |db| {
        st.cache.sync(db, today)?;
        let all = st.cache.bases(db)?;
        let bases = scoped(&all, scope);
        let years = years(&bases, &st, today);
        let card = scope_card(&st, db, scope, &bases, year, today)?;
        let pass: HashMap<i64, bool> = card.rows.iter().map(|r| (r.base_id, r.base_pass)).collect();
        let result = |b: &Base| match pass.get(&b.id) {
            Some(true) => Outcome::Pass,
            Some(false) => Outcome::Fail,
            None => Outcome::NotDue,
        };
        let list = f.select(&bases, result, &paging);
        let rows = paging
            .slice(&list)
            .iter()
            .map(|b| {
                let shown = match result(b) {
                    Outcome::Pass => verdict(Some(true)),
                    Outcome::Fail => verdict(Some(false)),
                    Outcome::NotDue => verdict(None),
                };
                vec![
                    base_link(&b.code, Some(year)),
                    text(&b.name),
                    text(b.base_type.name_zh()),
                    text(b.city),
                    text(b.channel.name_zh()),
                    text(b.status.name_zh()),
                    Cell::Badge(shown),
                ]
            })
            .collect();
        let mut kept = vec![("year", year.to_string())];
        kept.extend(f.keep());
        let pager = Pager {
            path: "/bases",
            keep: kept,
            paging: &paging,
            total: list.len(),
        };
        let result_header = format!("{year} 年度结果");
        let mut filters = Filters::new("/bases", &paging)
            .select(Select::years(&years, year))
            .select(Select::new(
                "type",
                Some("全部类型"),
                BaseType::ALL.iter().map(|t| (t.id(), t.name_zh())),
                f.base_type.map(BaseType::id),
            ))
            .select(Select::new(
                "city",
                Some("全部地市"),
                City::ALL.iter().map(|c| (c.as_str(), c.as_str())),
                f.city.map(City::as_str),
            ))
            .select(Select::new(
                "channel",
                Some("全部渠道"),
                Channel::ALL.iter().map(|c| (c.id(), c.name_zh())),
                f.channel.map(Channel::id),
            ))
            .select(Select::new(
                "status",
                Some("全部状态"),
                Status::ALL.iter().map(|x| (x.id(), x.name_zh())),
                f.status.map(Status::id),
            ))
            .select(Select::new(
                "result",
                Some("全部结果"),
                [("pass", "达标"), ("fail", "未达标"), ("none", "不考核")],
                f.result.as_deref(),
            ))
            .search(f.q.as_deref());
        filters.links = vec![
            (
                format!("/exports/scorecards.xlsx?year={year}"),
                "导出 Excel",
            ),
            (format!("/exports/scorecards.csv?year={year}"), "导出 CSV"),
        ];
        let list = pager.table(
            &[
                ("基地编号", Some("code")),
                ("名称", Some("name")),
                ("类型", Some("type")),
                ("地市", Some("city")),
                ("推荐渠道", Some("channel")),
                ("状态", Some("status")),
                (result_header.as_str(), Some("result")),
            ],
            rows,
        );
        Ok((filters, list, pager.total))
    })
    .await?;
    let (filters, list, total) = body;
    let (title, layout) = frame("基地列表", &s);
    Ok(render_page(&BasesPage {
        title,
        layout,
        filters,
        list,
        total,
    }))
}

#[derive(Template)]
#[template(path = "bases.html")]
struct BasesPage {
    title: String,
    layout: Layout,
    filters: Filters,
    list: PagedTable,
    total: usize,
}

#[derive(Template)]
#[template(path = "at_risk.html")]
struct AtRiskPage {
    title: String,
    layout: Layout,
    year: i32,
    filters: Filters,
    list: PagedTable,
}

/// Every base at risk in the caller's scope, paged: the overview shows its first rows.
pub(super) async fn at_risk_page(
    SignedIn(s): SignedIn,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let today = state.today();
    let p = Params::parse(req.query_string());
    let year = year_of(p.year()?, today);
    let paging = Paging::from(
        &p,
        &["risk", "code", "name", "type", "city", "missing"],
        "risk",
    )?;
    let risk_ids: Vec<&str> = RISK_IDS.iter().map(|(_, id)| *id).collect();
    let fk = p.one_of("risk", &risk_ids)?;
    let ft = p.parsed("type", BaseType::parse)?;
    let fc = p
        .parsed("city", City::parse)?
        .map(|c| c.as_str().to_string());
    let fq = p.text("q");
    let scope = s.caller.scope;
    let st = state.clone();
    let body = blocking(&state, move |db| {
        st.cache.sync(db, today)?;
        let all = st.cache.bases(db)?;
        let bases = scoped(&all, scope);
        let years = years(&bases, &st, today);
        let card = scope_card(&st, db, scope, &bases, year, today)?;
        let risks = st.cache.risks(format!("{scope:?}|{year}"), || {
            let by_id: HashMap<i64, &Base> = bases.iter().map(|b| (b.id, b)).collect();
            Ok(metrics::at_risk(&card, &by_id))
        })?;
        let kind = fk
            .as_deref()
            .and_then(|k| RISK_IDS.iter().find(|(_, id)| *id == k))
            .map(|(r, _)| *r);
        let mut list: Vec<&metrics::AtRisk> = risks
            .iter()
            .filter(|a| kind.is_none_or(|k| a.risk == k))
            .filter(|a| ft.is_none_or(|t| a.base_type == t.name_zh()))
            .filter(|a| fc.as_ref().is_none_or(|c| *c == a.city))
            .filter(|a| {
                fq.as_ref()
                    .is_none_or(|q| paging::matches(q, &a.base_name, &a.base_code))
            })
            .collect();
        // The list comes in its natural order (risk, then most missing); others re-sort.
        list.sort_by(|a, b| {
            let o = match paging.sort.as_str() {
                "code" => a.base_code.cmp(&b.base_code),
                "name" => a.base_name.cmp(&b.base_name),
                "type" => a.base_type.cmp(&b.base_type),
                "city" => a.city.cmp(&b.city),
                "missing" => a.missing.cmp(&b.missing),
                _ => a.risk.cmp(&b.risk).then(b.missing.cmp(&a.missing)),
            };
            paging.dir(o.then_with(|| a.base_code.cmp(&b.base_code)))
        });
        let rows = paging
            .slice(&list)
            .iter()
            .map(|a| risk_row(a, year))
            .collect();
        let y = Some(year.to_string());
        let t = ft.map(|t| t.id().to_string());
        let pager = Pager {
            path: "/at-risk",
            keep: keep(&[
                ("year", &y),
                ("risk", &fk),
                ("type", &t),
                ("city", &fc),
                ("q", &fq),
            ]),
            paging: &paging,
            total: list.len(),
        };
        let labels: Vec<(&str, &str)> = RISK_IDS.iter().map(|(r, id)| (*id, r.name_zh())).collect();
        let filters = Filters::new("/at-risk", &paging)
            .select(Select::years(&years, year))
            .select(Select::new("risk", Some("全部风险"), labels, fk.as_deref()))
            .select(Select::new(
                "type",
                Some("全部类型"),
                BaseType::ALL.iter().map(|t| (t.id(), t.name_zh())),
                t.as_deref(),
            ))
            .select(Select::new(
                "city",
                Some("全部地市"),
                City::ALL.iter().map(|c| (c.as_str(), c.as_str())),
                fc.as_deref(),
            ))
            .search(fq.as_deref());
        let list = pager.table(
            &[
                ("基地编号", Some("code")),
                ("名称", Some("name")),
                ("类型", Some("type")),
                ("地市", Some("city")),
                ("风险", Some("risk")),
                ("说明", Some("missing")),
            ],
            rows,
        );
        Ok((filters, list))
    })
    .await?;
    let (filters, list) = body;
    let (title, layout) = frame("风险基地", &s);
    Ok(render_page(&AtRiskPage {
        title,
        layout,
        year,
        filters,
        list,
    }))
}
