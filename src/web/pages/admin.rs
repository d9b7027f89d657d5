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
    let rows = mails
        .iter()
        .map(|m| {
            let resend = |badge: Badge, label: &'static str| Cell::Action {
                badge: Some(badge),
                note: m.last_error.clone(),
                action: format!("/outbox/{}/resend", m.id),
                label,
                csrf: s.csrf.clone(),
            };
            let status = match m.status {
                MailStatus::Sent => Cell::Badge(Badge::new(Tone::Ok, "已发送")),
                MailStatus::Failed => resend(Badge::new(Tone::Bad, "发送失败"), "重新发送"),
                _ if m.attempts > 0 => resend(
                    Badge::new(Tone::Warn, format!("待重试（已试 {} 次）", m.attempts)),
                    "立即重试",
                ),
                _ => Cell::Badge(Badge::new(Tone::Muted, "待发送")),
            };
            vec![
                text(m.id),
                text(m.created_at.format("%Y-%m-%d %H:%M")),
                text(&m.recipients),
                text(&m.cc),
                text(&m.subject),
                status,
            ]
        })
        .collect();
    let delivery = match &state.settings.smtp_url {
        Some(u) => format!("经 SMTP 发送：{}", db::redact(u)),
        None => format!(
            "未配置 SMTP，邮件写入文件夹：{}",
            state.settings.data_dir.join("outbox").display()
        ),
    };
    let filters = Filters::new("/outbox", &paging).select(Select::new(
        "status",
        Some("全部状态"),
        [
            ("queued", "待发送"),
            ("sending", "发送中"),
            ("sent", "已发送"),
            ("failed", "发送失败"),
        ],
        status.map(MailStatus::id),
    ));
    let list = pager.table(
        &[
            ("编号", Some("id")),
            ("生成时间(UTC)", None),
            ("收件人", None),
            ("抄送", None),
            ("主题", None),
            ("状态", None),
        ],
        rows,
    );
    let (title, layout) = frame("邮件发件箱", &s);
    Ok(render_page(&OutboxPage {
        title,
        layout,
        delivery,
        filters,
        list,
    }))
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    title: String,
    layout: Layout,
    /// How mail leaves: SMTP (its address, redacted) or the folder.
    delivery: String,
    filters: Filters,
    list: PagedTable,
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
    let defs = jobs
        .iter()
        .map(|j| {
            let next: Vec<String> = j
                .next_runs(2)
                .iter()
                .map(|t| t.format("%m-%d %H:%M").to_string())
                .collect();
            vec![
                text(&j.name),
                Cell::Code(j.cron.clone()),
                text(&j.description),
                text(next.join("，")),
            ]
        })
        .collect();
    let rows = runs
        .iter()
        .map(|r| {
            let outcome = match r.outcome {
                RunOutcome::Ok => Badge::new(Tone::Ok, "成功"),
                RunOutcome::Failed => Badge::new(Tone::Bad, "失败"),
                _ => Badge::new(Tone::Warn, "运行中或已中断"),
            };
            vec![
                text(r.id),
                text(&r.job),
                text(r.started_at.format("%Y-%m-%d %H:%M:%S")),
                text(
                    r.finished_at
                        .map(|f| f.format("%H:%M:%S").to_string())
                        .unwrap_or_default(),
                ),
                Cell::Badge(outcome),
                text(&r.counts),
                text(&r.message),
                text(&r.claimed_by),
            ]
        })
        .collect();
    let filters = Filters::new("/jobs", &paging)
        .select(Select::new(
            "job",
            Some("全部任务"),
            names.iter().map(|n| (*n, *n)),
            job.as_deref(),
        ))
        .select(Select::new(
            "outcome",
            Some("全部结果"),
            [
                ("ok", "成功"),
                ("failed", "失败"),
                ("running", "运行中"),
                ("abandoned", "已中断"),
            ],
            outcome.map(RunOutcome::id),
        ));
    let list = pager.table(
        &[
            ("编号", Some("id")),
            ("任务", None),
            ("开始(UTC)", None),
            ("结束", None),
            ("结果", None),
            ("计数", None),
            ("说明", None),
            ("执行实例", None),
        ],
        rows,
    );
    let (title, layout) = frame("定时任务", &s);
    Ok(render_page(&JobsPage {
        title,
        layout,
        jobs: Table::new(&["任务", "cron", "说明", "下次运行"], defs, Sorting::None),
        filters,
        list,
    }))
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    title: String,
    layout: Layout,
    jobs: Table,
    filters: Filters,
    list: PagedTable,
}
