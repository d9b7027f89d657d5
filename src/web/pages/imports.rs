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
    let rows: Vec<Vec<String>> = recent
        .iter()
        .map(|i| {
            vec![
                i.id.to_string(),
                esc(&i.file_name),
                i.imported_at.format("%Y-%m-%d %H:%M").to_string(),
                esc(&i.imported_by),
                if i.outcome == ImportOutcome::Accepted {
                    r#"<span class="ok">已导入</span>"#.into()
                } else {
                    format!(
                        r#"<span class="bad">已拒绝（{} 处问题）</span>"#,
                        i.problem_count
                    )
                },
                i.row_count.to_string(),
            ]
        })
        .collect();
    let body = format!(
        r#"<section class="panel"><h2>上传模板文件</h2>
<p>支持 CSV（UTF-8 或 GBK）、XLSX、JSON。文件有任何一行不合格即整体拒绝，数据库不作修改，并列出每处问题所在的行和列。</p>
<form id="upload" data-csrf="{}"><input type="file" id="file" required accept=".csv,.xlsx,.json"> <button type="submit">上传并导入</button></form>
<pre class="report" id="report" hidden></pre>
<h2>下载空白模板</h2><p><a href="/templates/register.xlsx">基地名册.xlsx</a> · <a href="/templates/yearly_counts.xlsx">年度指标表.xlsx</a> · <a href="/templates/activity_records.xlsx">活动明细.xlsx</a></p></section>
<section class="panel"><h2>导入记录</h2>{}</section>"#,
        esc(&s.csrf),
        log_list(
            &pager,
            "/imports",
            &format!(
                r#"<select name="outcome"><option value="">全部结果</option>{}</select>"#,
                options(
                    [
                        ("accepted", "已导入"),
                        ("rejected", "已拒绝"),
                        ("pending", "进行中或中断")
                    ],
                    outcome.map(ImportOutcome::id)
                )
            ),
            &[
                ("编号", Some("id")),
                ("文件", None),
                ("时间(UTC)", None),
                ("导入人", None),
                ("结果", None),
                ("行数", None)
            ],
            &rows
        )
    );
    Ok(html(page("数据导入", Some((&s.caller, &s.csrf)), &body)))
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
    if s.caller.role != Role::Province {
        return Err(WebError::NotFound);
    }
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
        q.into_inner().filename,
        body,
    )
    .await?;
    Ok(HttpResponse::build(status)
        .json(serde_json::json!({ "report": report, "text": report.to_text() })))
}

pub(super) async fn template_download(
    _signed_in: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let (t, file) = match path.as_str() {
        "register.xlsx" => (Template::Register, "基地名册.xlsx"),
        "yearly_counts.xlsx" => (Template::YearlyCounts, "年度指标表.xlsx"),
        "activity_records.xlsx" => (Template::ActivityRecords, "活动明细.xlsx"),
        _ => return Err(WebError::NotFound),
    };
    let bytes = blank_xlsx(t).map_err(|e| WebError::from(AppError::Compute(e.to_string())))?;
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
