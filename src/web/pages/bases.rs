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
        let rows: Vec<Vec<String>> = paging
            .slice(&list)
            .iter()
            .map(|b| {
                let shown = match result(b) {
                    Outcome::Pass => r#"<span class="ok">达标</span>"#,
                    Outcome::Fail => r#"<span class="bad">未达标</span>"#,
                    Outcome::NotDue => r#"<span class="muted">本年度不考核</span>"#,
                };
                vec![
                    format!(
                        r#"<a href="/bases/{}?year={year}">{}</a>"#,
                        url(&b.code),
                        esc(&b.code)
                    ),
                    esc(&b.name),
                    esc(b.base_type.name_zh()),
                    esc(b.city.as_str()),
                    esc(b.channel.name_zh()),
                    esc(b.status.name_zh()),
                    shown.to_string(),
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
        let summary = pager.summary();
        Ok(format!(
            r#"<form class="filters" method="get" action="/bases">
<select name="year">{years_opt}</select>
<select name="type"><option value="">全部类型</option>{types}</select>
<select name="city"><option value="">全部地市</option>{cities}</select>
<select name="channel"><option value="">全部渠道</option>{channels}</select>
<select name="status"><option value="">全部状态</option>{statuses}</select>
<select name="result"><option value="">全部结果</option>{results}</select>
<input name="q" placeholder="名称或编号" value="{qv}">{pps}<button type="submit">筛选</button>
<a href="/exports/scorecards.xlsx?year={year}">导出 Excel</a> <a href="/exports/scorecards.csv?year={year}">导出 CSV</a></form>
<p class="muted">共 {n} 个基地，点击表头排序</p>{summary}{t}{summary}"#,
            years_opt = year_options(&years, year),
            types = options(BaseType::ALL.iter().map(|t| (t.id(), t.name_zh())), f.base_type.map(BaseType::id)),
            cities = options(City::ALL.iter().map(|c| (c.as_str(), c.as_str())), f.city.map(City::as_str)),
            channels = options(Channel::ALL.iter().map(|c| (c.id(), c.name_zh())), f.channel.map(Channel::id)),
            statuses = options(Status::ALL.iter().map(|x| (x.id(), x.name_zh())), f.status.map(Status::id)),
            results = options([("pass", "达标"), ("fail", "未达标"), ("none", "不考核")], f.result.as_deref()),
            qv = esc(f.q.as_deref().unwrap_or("")),
            pps = per_page_and_sort(&paging),
            n = list.len(),
            t = pager.table(
                &[
                    ("基地编号", Some("code")),
                    ("名称", Some("name")),
                    ("类型", Some("type")),
                    ("地市", Some("city")),
                    ("推荐渠道", Some("channel")),
                    ("状态", Some("status")),
                    (result_header.as_str(), Some("result")),
                ],
                &rows,
            )
        ))
    })
    .await?;
    Ok(html(page("基地列表", Some((&s.caller, &s.csrf)), &body)))
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
            .filter(|a| fq.as_ref().is_none_or(|q| paging::matches(q, &a.base_name, &a.base_code)))
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
        let rows: Vec<Vec<String>> = paging
            .slice(&list)
            .iter()
            .map(|a| risk_row(a, year))
            .collect();
        let y = Some(year.to_string());
        let t = ft.map(|t| t.id().to_string());
        let pager = Pager {
            path: "/at-risk",
            keep: keep(&[("year", &y), ("risk", &fk), ("type", &t), ("city", &fc), ("q", &fq)]),
            paging: &paging,
            total: list.len(),
        };
        let summary = pager.summary();
        let labels: Vec<(&str, &str)> = RISK_IDS.iter().map(|(r, id)| (*id, r.name_zh())).collect();
        Ok(format!(
            r#"<form class="filters" method="get" action="/at-risk">
<select name="year">{years_opt}</select>
<select name="risk"><option value="">全部风险</option>{kinds}</select>
<select name="type"><option value="">全部类型</option>{types}</select>
<select name="city"><option value="">全部地市</option>{cities}</select>
<input name="q" placeholder="名称或编号" value="{qv}">{pps}<button type="submit">筛选</button></form>
<p class="muted">{year} 年度未达标、进度落后、难以完成或未填报的基地，点击表头排序</p>{summary}{table}{summary}"#,
            years_opt = year_options(&years, year),
            kinds = options(labels, fk.as_deref()),
            types = options(BaseType::ALL.iter().map(|t| (t.id(), t.name_zh())), t.as_deref()),
            cities = options(City::ALL.iter().map(|c| (c.as_str(), c.as_str())), fc.as_deref()),
            qv = esc(fq.as_deref().unwrap_or("")),
            pps = per_page_and_sort(&paging),
            table = pager.table(
                &[
                    ("基地编号", Some("code")),
                    ("名称", Some("name")),
                    ("类型", Some("type")),
                    ("地市", Some("city")),
                    ("风险", Some("risk")),
                    ("说明", Some("missing")),
                ],
                &rows,
            )
        ))
    })
    .await?;
    Ok(html(page("风险基地", Some((&s.caller, &s.csrf)), &body)))
}
