//! The import page (upload, ledger), template downloads and scorecard exports.

use super::*;

pub(super) async fn imports_page(
    Staff(s): Staff,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let p = Params::parse(req.query_string());
    let paging = Paging::from(&p, &["id"], "-id")?;
    let outcome = p.coded::<ImportOutcome>("outcome")?;
    let o = outcome;
    let (oldest_first, from, n) = paging.window();
    let (recent, total) = blocking(&state, move |db| {
        db::imports::page(db, o, oldest_first, from, n)
    })
    .await?;
    let pager = Pager {
        path: "/imports",
        keep: keep(&[("outcome", &outcome.map(|o| o.id().to_string()))]),
        paging: &paging,
        total: usize::try_from(total).unwrap_or(0),
    };
    let rows = recent
        .iter()
        .map(|i| {
            let result = if i.outcome == ImportOutcome::Accepted {
                Badge::new(Tone::Ok, "已导入")
            } else {
                Badge::new(Tone::Bad, format!("已拒绝（{} 处问题）", i.problem_count))
            };
            vec![
                text(i.id),
                text(&i.file_name),
                text(i.imported_at.format("%Y-%m-%d %H:%M")),
                text(&i.imported_by),
                Cell::Badge(result),
                text(i.row_count),
            ]
        })
        .collect();
    let filters = Filters::new("/imports", &paging).select(Select::new(
        "outcome",
        Some("全部结果"),
        [
            ("accepted", "已导入"),
            ("rejected", "已拒绝"),
            ("pending", "进行中或中断"),
        ],
        outcome.map(ImportOutcome::id),
    ));
    let list = pager.table(
        &[
            ("编号", Some("id")),
            ("文件", None),
            ("时间(UTC)", None),
            ("导入人", None),
            ("结果", None),
            ("行数", None),
        ],
        rows,
    );
    let csrf = s.csrf.clone();
    let (title, layout) = frame("数据导入", &s);
    Ok(render_page(&ImportsPage {
        title,
        layout,
        csrf,
        filters,
        list,
    }))
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    title: String,
    layout: Layout,
    csrf: String,
    filters: Filters,
    list: PagedTable,
}

pub(super) async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let Some(s) = session(&req, &state).await? else {
        return Err(WebError::Unauthorized);
    };
    let Some(who) = uploader(&s.caller) else {
        return Err(WebError::NotFound);
    };
    check_csrf(
        &s,
        req.headers()
            .get("X-CSRF-Token")
            .and_then(|v| v.to_str().ok()),
    )?;
    let body = upload_body(&req, &state, payload).await?;
    let (status, report) = import_upload(
        &state,
        s.caller.username.clone(),
        who,
        q.into_inner().filename,
        body,
    )
    .await?;
    Ok(HttpResponse::build(status)
        .json(serde_json::json!({ "report": report, "text": report.to_text() })))
}

pub(super) async fn template_download(
    _signed_in: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let (t, file) = match path.as_str() {
        "register.xlsx" => (FileTemplate::Register, "基地名册.xlsx"),
        "yearly_counts.xlsx" => (FileTemplate::YearlyCounts, "年度指标表.xlsx"),
        "activity_records.xlsx" => (FileTemplate::ActivityRecords, "活动明细.xlsx"),
        "applications.xlsx" => (FileTemplate::Applications, "认定申请表.xlsx"),
        _ => return Err(WebError::NotFound),
    };
    let bytes = blank_xlsx(t, &state.settings.rulebook)
        .map_err(|e| WebError::from(AppError::Compute(e.to_string())))?;
    Ok(xlsx_response(bytes, file))
}

pub(super) async fn export_xlsx(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let year = year_of(q.year, state.today());
    let card = scoped_card(&state, s.caller.scope, year).await?;
    let bytes =
        output::write_xlsx(&card).map_err(|e| WebError::from(AppError::Compute(e.to_string())))?;
    Ok(xlsx_response(bytes, &format!("{year}年度考核结果.xlsx")))
}

pub(super) async fn export_csv(
    SignedIn(s): SignedIn,
    state: web::Data<AppState>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, WebError> {
    let year = year_of(q.year, state.today());
    let card = scoped_card(&state, s.caller.scope, year).await?;
    let mut out = Vec::new();
    output::write_csv(&card, &mut out)
        .map_err(|e| WebError::from(AppError::Compute(e.to_string())))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=scorecards-{year}.csv"),
        ))
        .body(out))
}
