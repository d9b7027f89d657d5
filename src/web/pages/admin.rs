//! Staff's view of the machinery: the outbox (with resend) and the job runs.

use super::*;

pub(super) async fn outbox_page(
    Staff(s): Staff,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let p = Params::parse(req.query_string());
    let paging = Paging::from(&p, &["id"], "-id")?;
    let status = p.coded::<MailStatus>("status")?;
    let st = status;
    let (oldest_first, from, n) = paging.window();
    let (mails, total) = blocking(&state, move |db| {
        db::outbox::page(db, st, oldest_first, from, n)
    })
    .await?;
    let pager = Pager {
        path: "/outbox",
        keep: keep(&[("status", &status.map(|x| x.id().to_string()))]),
        paging: &paging,
        total: usize::try_from(total).unwrap_or(0),
    };
    let rows: Vec<Vec<String>> = mails
        .iter()
        .map(|m| {
            let status = match m.status {
                MailStatus::Sent => r#"<span class="ok">已发送</span>"#.to_string(),
                MailStatus::Failed => format!(
                    r#"<span class="bad">发送失败</span>（{}）<form method="post" action="/outbox/{}/resend" class="inline"><input type="hidden" name="csrf" value="{}"><button>重新发送</button></form>"#,
                    esc(&m.last_error),
                    m.id,
                    esc(&s.csrf)
                ),
                _ if m.attempts > 0 => format!(
                    r#"<span class="warn">待重试（已试 {} 次：{}）</span><form method="post" action="/outbox/{}/resend" class="inline"><input type="hidden" name="csrf" value="{}"><button>立即重试</button></form>"#,
                    m.attempts,
                    esc(&m.last_error),
                    m.id,
                    esc(&s.csrf)
                ),
                _ => r#"<span class="muted">待发送</span>"#.to_string(),
            };
            vec![
                m.id.to_string(),
                m.created_at.format("%Y-%m-%d %H:%M").to_string(),
                esc(&m.recipients),
                esc(&m.cc),
                esc(&m.subject),
                status,
            ]
        })
        .collect();
    let where_ = match &state.settings.smtp_url {
        Some(u) => format!("经 SMTP 发送：{}", esc(&db::redact(u))),
        None => format!(
            "未配置 SMTP，邮件写入文件夹：{}",
            esc(&state.settings.data_dir.join("outbox").display().to_string())
        ),
    };
    let body = format!(
        r#"<p>{where_}</p>{}"#,
        log_list(
            &pager,
            "/outbox",
            &format!(
                r#"<select name="status"><option value="">全部状态</option>{}</select>"#,
                options(
                    [
                        ("queued", "待发送"),
                        ("sending", "发送中"),
                        ("sent", "已发送"),
                        ("failed", "发送失败")
                    ],
                    status.map(MailStatus::id)
                )
            ),
            &[
                ("编号", Some("id")),
                ("生成时间(UTC)", None),
                ("收件人", None),
                ("抄送", None),
                ("主题", None),
                ("状态", None)
            ],
            &rows
        )
    );
    Ok(html(page("邮件发件箱", Some((&s.caller, &s.csrf)), &body)))
}

pub(super) async fn resend(
    Staff(s): Staff,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s, form.csrf.as_deref())?;
    let id = path.into_inner();
    blocking(&state, move |db| db::outbox::resend(db, id)).await?;
    state.mail_queued.notify_one();
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/outbox"))
        .finish())
}

pub(super) async fn jobs_page(
    Staff(s): Staff,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let jobs = &state.settings.jobs;
    let p = Params::parse(req.query_string());
    let paging = Paging::from(&p, &["id"], "-id")?;
    let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
    let job = p.one_of("job", &names)?;
    let outcome = p.coded::<RunOutcome>("outcome")?;
    let (j, o) = (job.clone(), outcome);
    let (oldest_first, from, n) = paging.window();
    let (runs, total) = blocking(&state, move |db| {
        db::jobs::page(db, j.as_deref(), o, oldest_first, from, n)
    })
    .await?;
    let pager = Pager {
        path: "/jobs",
        keep: keep(&[
            ("job", &job),
            ("outcome", &outcome.map(|o| o.id().to_string())),
        ]),
        paging: &paging,
        total: usize::try_from(total).unwrap_or(0),
    };
    let defs: Vec<Vec<String>> = jobs
        .iter()
        .map(|j| {
            let next: Vec<String> = j
                .next_runs(2)
                .iter()
                .map(|t| t.format("%m-%d %H:%M").to_string())
                .collect();
            vec![
                esc(&j.name),
                format!("<code>{}</code>", esc(&j.cron)),
                esc(&j.description),
                next.join("，"),
            ]
        })
        .collect();
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let outcome = match r.outcome {
                RunOutcome::Ok => r#"<span class="ok">成功</span>"#,
                RunOutcome::Failed => r#"<span class="bad">失败</span>"#,
                _ => r#"<span class="warn">运行中或已中断</span>"#,
            };
            vec![
                r.id.to_string(),
                esc(&r.job),
                r.started_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                r.finished_at
                    .map(|f| f.format("%H:%M:%S").to_string())
                    .unwrap_or_default(),
                outcome.to_string(),
                esc(&r.counts),
                esc(&r.message),
                esc(&r.claimed_by),
            ]
        })
        .collect();
    let body = format!(
        r#"<section class="panel"><h2>任务与计划（北京时间）</h2>{}</section><section class="panel"><h2>最近运行记录</h2>{}</section>"#,
        table(&["任务", "cron", "说明", "下次运行"], &defs, false),
        log_list(
            &pager,
            "/jobs",
            &format!(
                r#"<select name="job"><option value="">全部任务</option>{}</select><select name="outcome"><option value="">全部结果</option>{}</select>"#,
                options(names.iter().map(|n| (*n, *n)), job.as_deref()),
                options(
                    [
                        ("ok", "成功"),
                        ("failed", "失败"),
                        ("running", "运行中"),
                        ("abandoned", "已中断")
                    ],
                    outcome.map(RunOutcome::id)
                )
            ),
            &[
                ("编号", Some("id")),
                ("任务", None),
                ("开始(UTC)", None),
                ("结束", None),
                ("结果", None),
                ("计数", None),
                ("说明", None),
                ("执行实例", None)
            ],
            &rows
        )
    );
    Ok(html(page("定时任务", Some((&s.caller, &s.csrf)), &body)))
}
