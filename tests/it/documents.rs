//! What bases submit besides records (第十四条(四)): plans, summaries and
//! rectification reports, their files stored once by digest, 报送情况 with
//! the bases that have none, reminders only to those, and an order for
//! non-submission; and a base's own 活动明细 upload and record attachments.
//! Through the API, on both backends.

use crate::helpers::{
    call_as as call, json_of as json, on_both_backends, spawn_app, spawn_app_with, TestApp, TestDb,
    PASSWORD,
};

/// A small file that is a PDF by its first bytes, as a scanner writes one.
fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.7\n%\u{e2}\u{e3}\u{cf}\u{d3}\n1 0 obj <<>> endobj\n% {text}\n%%EOF\n")
        .into_bytes()
}

fn upload(app: &TestApp, who: &str, path: &str, bytes: &[u8]) -> crate::helpers::Reply {
    crate::helpers::api(app, "POST", path, Some(&app.tokens[who]), Some(bytes))
}

/// Every file kept under the files folder (not the temporary ones).
fn kept_files(t: &TestDb) -> Vec<std::path::PathBuf> {
    let root = t.settings().files_dir;
    let mut out = Vec::new();
    for shard in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(shard.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            out.push(f.path());
        }
    }
    out
}

/// The statuses of `kind` of `year` in the caller's scope, code → status.
fn standings(app: &TestApp, who: &str, kind: &str, year: i32) -> Vec<(String, String, bool)> {
    let r = call(
        app,
        who,
        "GET",
        &format!("/api/v1/documents?year={year}&kind={kind}&per_page=100"),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    json(&r)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["base_code"].as_str().unwrap().to_string(),
                i["status"].as_str().unwrap().to_string(),
                i["overdue"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn a_base_submits_its_documents_and_reads_nobody_elses(t: &TestDb) {
    let app = spawn_app(t);
    let plan = "/api/v1/bases/SAMPLE-002/documents?kind=plan&year=2026&filename=2026年度计划.pdf";
    // Not for another base (404), not by a unit (403), not unauthenticated (401).
    let other = "/api/v1/bases/SAMPLE-001/documents?kind=plan&year=2026&filename=a.pdf";
    assert_eq!(upload(&app, "base", other, &pdf("x")).status, 404);
    assert_eq!(upload(&app, "unit", other, &pdf("x")).status, 403);
    assert_eq!(
        crate::helpers::api(&app, "POST", plan, None, Some(&pdf("x"))).status,
        401
    );
    // Refused with a reason, nothing kept: a type that is not allowed, a
    // name that lies about the content, an empty body, an unknown kind.
    for (path, bytes) in [
        (plan.replace("2026年度计划.pdf", "计划.exe"), pdf("x")),
        (plan.to_string(), b"\x89PNG\r\n\x1a\nnot a pdf".to_vec()),
        (plan.to_string(), Vec::new()),
        (plan.replace("kind=plan", "kind=budget"), pdf("x")),
        (plan.replace("year=2026", "year=1900"), pdf("x")),
    ] {
        let r = upload(&app, "base", &path, &bytes);
        assert_eq!(r.status, 400, "{path}: {}", r.text());
    }
    assert!(kept_files(t).is_empty(), "a refused file is not kept");

    // Before: every base in scope is 未报送, overdue (the plan of 2026 was
    // due on 2026-01-31) and listed first; the unit sees only its own.
    let unit = standings(&app, "unit", "plan", 2026);
    let codes: Vec<&str> = unit.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(codes, ["SAMPLE-001", "SAMPLE-005"]);
    assert!(unit.iter().all(|s| s.1 == "missing" && s.2));

    let body = pdf("洛阳轴承 2026 年度工作计划");
    let r = upload(&app, "base", plan, &body);
    assert_eq!(r.status, 201, "{}", r.text());
    let doc = json(&r);
    assert_eq!(doc["status"], "submitted");
    assert_eq!(doc["submitted_by"], "base");
    assert_eq!(doc["filename"], "2026年度计划.pdf");
    assert_eq!(doc["content_type"], "application/pdf");
    let id = doc["id"].as_i64().unwrap();
    let digest = doc["digest"].as_str().unwrap().to_string();
    assert_eq!(digest.len(), 64);

    // Stored under its digest, never under the uploader's name.
    let files = kept_files(t);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].file_name().unwrap().to_str().unwrap(), digest);
    assert_eq!(std::fs::read(&files[0]).unwrap(), body);

    // Province sees it submitted, not overdue, after the overdue ones.
    let all = standings(&app, "province", "plan", 2026);
    let mine = all.iter().position(|s| s.0 == "SAMPLE-002").unwrap();
    assert_eq!(all[mine].1, "submitted");
    assert!(!all[mine].2);
    assert!(all[..mine].iter().all(|s| s.2), "overdue first");
    let missing = call(
        &app,
        "province",
        "GET",
        "/api/v1/documents?year=2026&kind=plan&status=missing&per_page=2",
        None,
    );
    let m = json(&missing);
    assert_eq!(m["items"].as_array().unwrap().len(), 2);
    assert!(m["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["status"] == "missing"));
    assert!(m["next"].is_string(), "a link to the next page: {m}");
    // The base sees itself only.
    let own = standings(&app, "base", "plan", 2026);
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].0, "SAMPLE-002");

    // The file, with its name and type, as an attachment; 404 outside scope.
    let r = call(
        &app,
        "base",
        "GET",
        &format!("/api/v1/documents/{id}"),
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body, body);
    assert_eq!(r.content_type, "application/pdf");
    let cd = r.header("Content-Disposition").unwrap();
    assert!(cd.starts_with("attachment"), "{cd}");
    assert!(cd.contains("filename*=UTF-8''2026"), "{cd}");
    assert_eq!(
        call(
            &app,
            "unit",
            "GET",
            &format!("/api/v1/documents/{id}"),
            None
        )
        .status,
        404
    );
    assert_eq!(
        call(&app, "base", "GET", "/api/v1/documents/999999", None).status,
        404
    );

    // The same bytes for another base, under a hostile name: stored once,
    // and the name sent back holds no folder.
    let r = upload(
        &app,
        "province",
        "/api/v1/bases/SAMPLE-001/documents?kind=plan&year=2026&filename=..%2F..%2Fetc%2Fpasswd.pdf",
        &body,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(json(&r)["digest"], digest.as_str());
    assert_eq!(kept_files(t).len(), 1, "the same file is stored once");
    let other_id = json(&r)["id"].as_i64().unwrap();
    let r = call(
        &app,
        "base",
        "GET",
        &format!("/api/v1/documents/{other_id}"),
        None,
    );
    assert_eq!(r.status, 404, "another base's document");
    let r = call(
        &app,
        "unit",
        "GET",
        &format!("/api/v1/documents/{other_id}"),
        None,
    );
    assert_eq!(r.status, 200);
    let cd = r.header("Content-Disposition").unwrap();
    assert!(!cd.contains('/') || !cd.contains("../"), "{cd}");
    assert!(cd.contains("etcpasswd.pdf"), "{cd}");
}

fn a_unit_reviews_its_bases_documents_and_a_returned_one_is_submitted_again(t: &TestDb) {
    let app = spawn_app(t);
    let r = upload(
        &app,
        "base",
        "/api/v1/bases/SAMPLE-002/documents?kind=summary&year=2025&filename=总结.pdf",
        &pdf("v1"),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let id = json(&r)["id"].as_i64().unwrap();
    let review = |who: &str, id: i64, body: &str| {
        call(
            &app,
            who,
            "POST",
            &format!("/api/v1/documents/{id}/review"),
            Some(body),
        )
    };
    // The base does not review (403); SAMPLE-002 is not the unit's (404).
    assert_eq!(review("base", id, r#"{"decision":"approved"}"#).status, 403);
    assert_eq!(review("unit", id, r#"{"decision":"approved"}"#).status, 404);
    // Returning needs a reason.
    assert_eq!(
        review("province", id, r#"{"decision":"returned"}"#).status,
        400
    );
    let r = review(
        "province",
        id,
        r#"{"decision":"returned","reason":"缺少第三季度活动情况"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["status"], "returned");
    assert_eq!(json(&r)["review_reason"], "缺少第三季度活动情况");
    // The base is told, with the reason.
    let mut db = t.db();
    let mails = basewatch::db::outbox::recent(&mut db, 50).unwrap();
    assert!(mails.iter().any(|m| m.subject.contains("被退回")
        && m.recipients.contains("contact002@example.org")
        && m.body_text.contains("缺少第三季度活动情况")));
    // Returned and past its due date (2026-01-31): overdue again.
    let s = standings(&app, "province", "summary", 2025);
    let mine = s.iter().find(|s| s.0 == "SAMPLE-002").unwrap();
    assert_eq!((mine.1.as_str(), mine.2), ("returned", true));
    // The old version can no longer be reviewed once a new one is in.
    let r = upload(
        &app,
        "base",
        "/api/v1/bases/SAMPLE-002/documents?kind=summary&year=2025&filename=总结（修改稿）.pdf",
        &pdf("v2"),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let new = json(&r)["id"].as_i64().unwrap();
    assert_eq!(
        review("province", id, r#"{"decision":"approved"}"#).status,
        409
    );
    let r = review("province", new, r#"{"decision":"approved"}"#);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["status"], "approved");
    assert_eq!(json(&r)["reviewed_by"], "province");
    // Approved stands: no replacing it.
    let r = upload(
        &app,
        "base",
        "/api/v1/bases/SAMPLE-002/documents?kind=summary&year=2025&filename=v3.pdf",
        &pdf("v3"),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    // Both versions kept.
    assert_eq!(kept_files(t).len(), 2);
    // A unit reviews its own base's document.
    let r = upload(
        &app,
        "province",
        "/api/v1/bases/SAMPLE-005/documents?kind=plan&year=2026&filename=plan.pdf",
        &pdf("005"),
    );
    let id5 = json(&r)["id"].as_i64().unwrap();
    let r = review("unit", id5, r#"{"decision":"approved"}"#);
    assert_eq!(r.status, 200, "{}", r.text());
}

fn a_document_larger_than_the_limit_is_refused_before_it_is_kept(t: &TestDb) {
    let mut settings = t.settings();
    settings.max_document_bytes = 4096;
    let app = spawn_app_with(t, settings);
    let mut big = pdf("big");
    big.resize(5000, b' ');
    let r = upload(
        &app,
        "base",
        "/api/v1/bases/SAMPLE-002/documents?kind=plan&year=2026&filename=big.pdf",
        &big,
    );
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(kept_files(t).is_empty());
    let r = upload(
        &app,
        "base",
        "/api/v1/bases/SAMPLE-002/documents?kind=plan&year=2026&filename=small.pdf",
        &pdf("small"),
    );
    assert_eq!(r.status, 201, "{}", r.text());
}

/// The deadlines job, run on `day`; the annual-report reminders it queued.
fn report_reminders(t: &TestDb, day: &str) -> Vec<basewatch::db::outbox::Mail> {
    let mut db = t.db();
    let settings = t.settings();
    let jobs = basewatch::jobs::load(std::path::Path::new("/nonexistent")).unwrap();
    let job = jobs.iter().find(|j| j.name == "deadlines").unwrap();
    let day = crate::helpers::date(day);
    basewatch::jobs::run(
        &mut db,
        &settings,
        job,
        day,
        day.and_hms_opt(9, 5, 0).unwrap(),
        "t",
    )
    .unwrap()
    .unwrap();
    basewatch::db::outbox::recent(&mut db, 500)
        .unwrap()
        .into_iter()
        .filter(|m| m.subject.contains("报送年度计划"))
        .collect()
}

fn reminders_go_only_to_bases_that_have_not_submitted(t: &TestDb) {
    let app = spawn_app(t);
    // Both the 2027 plan and the 2026 summary are due on 2027-01-31.
    for (kind, year) in [("plan", 2027), ("summary", 2026)] {
        let r = upload(
            &app,
            "base",
            &format!("/api/v1/bases/SAMPLE-002/documents?kind={kind}&year={year}&filename=f.pdf"),
            &pdf(kind),
        );
        assert_eq!(r.status, 201, "{}", r.text());
    }
    // SAMPLE-001 submitted its plan only: reminded of the summary alone.
    let r = upload(
        &app,
        "province",
        "/api/v1/bases/SAMPLE-001/documents?kind=plan&year=2027&filename=f.pdf",
        &pdf("001"),
    );
    assert_eq!(r.status, 201);
    let sent = report_reminders(t, "2027-01-24");
    let to = |code: &str| -> Vec<&basewatch::db::outbox::Mail> {
        sent.iter().filter(|m| m.body_text.contains(code)).collect()
    };
    assert!(to("SAMPLE-002").is_empty(), "submitted: not reminded");
    let one = to("SAMPLE-001");
    assert_eq!(one.len(), 1);
    assert!(
        one[0].body_text.contains("2026 年度年度工作总结"),
        "{}",
        one[0].body_text
    );
    assert!(
        !one[0].body_text.contains("2027 年度年度计划"),
        "{}",
        one[0].body_text
    );
    assert_eq!(to("SAMPLE-003").len(), 1, "nothing submitted: reminded");
    // Once SAMPLE-001 submits the rest, the next stage sends it nothing.
    let r = upload(
        &app,
        "province",
        "/api/v1/bases/SAMPLE-001/documents?kind=summary&year=2026&filename=f.pdf",
        &pdf("001s"),
    );
    assert_eq!(r.status, 201);
    let later = report_reminders(t, "2027-01-30");
    assert_eq!(
        later
            .iter()
            .filter(|m| m.body_text.contains("SAMPLE-001"))
            .count(),
        1,
        "only the reminder sent before it submitted"
    );
}

fn staff_order_a_rectification_for_a_document_not_submitted(t: &TestDb) {
    let app = spawn_app(t);
    let order = |code: &str, body: &str| {
        call(
            &app,
            "province",
            "POST",
            &format!("/api/v1/bases/{code}/rectification"),
            Some(body),
        )
    };
    let body = r#"{"kind":"document","document":"plan","year":2026,"reason":"逾期未报送年度计划"}"#;
    // Not by the unit; not for a document that was submitted.
    assert_eq!(
        call(
            &app,
            "unit",
            "POST",
            "/api/v1/bases/SAMPLE-001/rectification",
            Some(body)
        )
        .status,
        403
    );
    upload(
        &app,
        "base",
        "/api/v1/bases/SAMPLE-002/documents?kind=plan&year=2026&filename=p.pdf",
        &pdf("p"),
    );
    let r = order("SAMPLE-002", body);
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("没有逾期"), "{}", r.text());
    assert_eq!(
        order(
            "SAMPLE-001",
            r#"{"kind":"document","document":"budget","year":2026}"#
        )
        .status,
        400
    );
    // SAMPLE-001 has not submitted its 2026 plan (due 2026-01-31).
    let r = order("SAMPLE-001", body);
    assert_eq!(r.status, 200, "{}", r.text());
    let o = json(&r);
    assert_eq!(o["missing_documents"], "plan");
    assert!(
        o["shortfalls"]
            .as_str()
            .unwrap()
            .contains("未按期报送年度计划"),
        "{o}"
    );
    let b = json(&call(
        &app,
        "province",
        "GET",
        "/api/v1/bases/SAMPLE-001",
        None,
    ));
    assert_eq!(b["status"], "rectifying", "{b}");
    // The notice names the document, not a failed year.
    let mut db = t.db();
    let mails = basewatch::db::outbox::recent(&mut db, 50).unwrap();
    let notice = mails
        .iter()
        .find(|m| m.subject.contains("责令限期整改") && m.recipients.contains("contact001"))
        .expect("a notice");
    assert!(
        notice.body_text.contains("未按期报送的材料"),
        "{}",
        notice.body_text
    );
    assert!(notice.body_text.contains("年度计划"));
    // Under the order it now owes a rectification report, and may send one.
    let s = standings(&app, "province", "rectification_report", 2026);
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(
        (s[0].0.as_str(), s[0].1.as_str()),
        ("SAMPLE-001", "missing")
    );
    let r = upload(
        &app,
        "province",
        "/api/v1/bases/SAMPLE-001/documents?kind=rectification_report&year=2026&filename=整改报告.docx",
        b"PK\x03\x04 a docx",
    );
    assert_eq!(r.status, 201, "{}", r.text());
    // A base with no order sends none.
    let r = upload(
        &app,
        "base",
        "/api/v1/bases/SAMPLE-002/documents?kind=rectification_report&year=2026&filename=r.pdf",
        &pdf("r"),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    // Once the plan is in, the re-check finds nothing missing.
    upload(
        &app,
        "province",
        "/api/v1/bases/SAMPLE-001/documents?kind=plan&year=2026&filename=p.pdf",
        &pdf("late plan"),
    );
    let settings = t.settings();
    let base = basewatch::db::bases::find_by_code(&mut db, "SAMPLE-001")
        .unwrap()
        .unwrap();
    let o = basewatch::db::rectifications::pending_for_base(&mut db, base.id)
        .unwrap()
        .unwrap();
    let short = basewatch::lifecycle::decisions::still_short(
        &mut db,
        &settings,
        &base,
        &o,
        crate::helpers::today(),
    )
    .unwrap();
    assert!(short.is_empty(), "{short:?}");
}

fn the_weekly_digest_lists_what_is_overdue(t: &TestDb) {
    let app = spawn_app(t);
    upload(
        &app,
        "province",
        "/api/v1/bases/SAMPLE-001/documents?kind=plan&year=2026&filename=p.pdf",
        &pdf("p"),
    );
    let mut db = t.db();
    use basewatch::access::{add_user, NewAccount, Role};
    add_user(
        &mut db,
        &NewAccount {
            username: "zz",
            password: PASSWORD,
            role: Role::Recommender,
            unit: Some("郑州市科协"),
            base: None,
            email: "zz@example.org",
        },
    )
    .unwrap();
    let settings = t.settings();
    let jobs = basewatch::jobs::load(std::path::Path::new("/nonexistent")).unwrap();
    let job = jobs.iter().find(|j| j.name == "digest").unwrap();
    let day = crate::helpers::date("2026-11-30");
    basewatch::jobs::run(
        &mut db,
        &settings,
        job,
        day,
        day.and_hms_opt(8, 0, 0).unwrap(),
        "t",
    )
    .unwrap()
    .unwrap();
    let digest = basewatch::db::outbox::recent(&mut db, 50)
        .unwrap()
        .into_iter()
        .find(|m| m.recipients.contains("zz@example.org"))
        .expect("the unit's digest");
    let text = &digest.body_text;
    let section = text
        .split("逾期未报送的材料")
        .nth(1)
        .and_then(|s| s.split("五、").next())
        .unwrap_or_else(|| panic!("{text}"));
    // SAMPLE-005 owes its plan and its summary; SAMPLE-001 only the summary.
    assert!(
        section.contains("SAMPLE-005）年度计划（2026 年度）"),
        "{section}"
    );
    assert!(
        section.contains("SAMPLE-005）年度工作总结（2025 年度）"),
        "{section}"
    );
    assert!(!section.contains("SAMPLE-001）年度计划"), "{section}");
    assert!(
        !section.contains("SAMPLE-002"),
        "another unit's base: {section}"
    );
}

/// A 活动明细 a base uploads itself: its own rows, waiting for review.
const OWN_ROWS: &str = "基地编号,指标,日期,数量,标题,佐证链接,外部编号
SAMPLE-002,platform_uploads,2024-03-01,,基地自报：技术需求上传,https://kczg.example.org/own/1,
SAMPLE-002,platform_uploads,2024-03-02,2,基地自报：专家信息上传,https://kczg.example.org/own/2,
";

fn pending_entries(t: &TestDb, code: &str) -> usize {
    let mut db = t.db();
    let b = basewatch::db::bases::find_by_code(&mut db, code)
        .unwrap()
        .unwrap();
    basewatch::db::submissions::for_base(&mut db, b.id, 2024)
        .unwrap()
        .len()
}

/// SAMPLE-002's stored activity records of 2024 (what the engine sums
/// where no count is declared).
fn counted(t: &TestDb) -> usize {
    let mut db = t.db();
    let b = basewatch::db::bases::find_by_code(&mut db, "SAMPLE-002")
        .unwrap()
        .unwrap();
    basewatch::db::records::for_base(&mut db, b.id, 2024)
        .unwrap()
        .len()
}

fn a_base_uploads_its_own_activity_records_and_nobody_elses(t: &TestDb) {
    let app = spawn_app(t);
    let before = crate::helpers::snapshot(t, &mut t.db());
    let uploads = counted(t);
    // Another base's row: refused whole, the row and column named.
    let mixed = format!(
        "{OWN_ROWS}SAMPLE-001,platform_uploads,2024-03-03,,别人的活动,https://kczg.example.org/x,\n"
    );
    let r = upload(
        &app,
        "base",
        "/api/v1/imports?filename=活动明细.csv",
        mixed.as_bytes(),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let rep = json(&r);
    let p = &rep["problems"][0];
    assert_eq!(p["row"], 4, "{rep}");
    assert_eq!(p["column"], "基地编号", "{rep}");
    assert!(
        p["reason"].as_str().unwrap().contains("不是贵基地"),
        "{rep}"
    );
    // A register from a base: refused too.
    let register = std::fs::read(crate::helpers::sample("bases_register.csv")).unwrap();
    let r = upload(&app, "base", "/api/v1/imports?filename=名册.csv", &register);
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("只能上传活动明细"), "{}", r.text());
    assert_eq!(
        crate::helpers::snapshot(t, &mut t.db()),
        before,
        "nothing changed"
    );
    assert_eq!(pending_entries(t, "SAMPLE-002"), 0);
    // Not a unit (it reviews; it uploads only a 认定申请表).
    let r = upload(
        &app,
        "unit",
        "/api/v1/imports?filename=a.csv",
        OWN_ROWS.as_bytes(),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("只能上传认定申请表"), "{}", r.text());
    // Its own rows: accepted, waiting for review, not counted yet.
    let r = upload(
        &app,
        "base",
        "/api/v1/imports?filename=活动明细.csv",
        OWN_ROWS.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let rep = json(&r);
    assert_eq!(rep["outcome"], "accepted", "{rep}");
    assert_eq!(rep["records_pending"], 2, "{rep}");
    assert_eq!(rep["records_inserted"], 0, "{rep}");
    assert_eq!(counted(t), uploads, "pending rows do not count");
    let list = json(&call(
        &app,
        "base",
        "GET",
        "/api/v1/bases/SAMPLE-002/records?year=2024",
        None,
    ));
    let pending: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["review"] == "pending")
        .collect();
    assert_eq!(pending.len(), 2);
    assert!(pending.iter().all(|i| i["entered_by"] == "base"));
    // Approved, they count.
    let id = pending[0]["id"].as_i64().unwrap();
    let r = call(
        &app,
        "province",
        "POST",
        &format!("/api/v1/records/{id}/review"),
        Some(r#"{"decision":"approved"}"#),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(counted(t), uploads + 1, "approved, it counts");
}

fn records_count_at_once_when_the_rulebook_says_so(t: &TestDb) {
    let mut settings = t.settings();
    settings.rulebook.reporting.count_only_approved = false;
    let app = spawn_app_with(t, settings);
    let r = call(
        &app,
        "base",
        "POST",
        "/api/v1/bases/SAMPLE-002/records",
        Some(
            r#"{"indicator":"platform_uploads","date":"2024-06-01","title":"当即计入","evidence_url":"https://kczg.example.org/n/1"}"#,
        ),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(json(&r)["review"], "approved");
    assert!(json(&r)["record_id"].is_i64());
    // A file's rows too.
    let r = upload(
        &app,
        "base",
        "/api/v1/imports?filename=own.csv",
        OWN_ROWS.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["records_inserted"], 2, "{}", r.text());
    assert_eq!(
        pending_entries(t, "SAMPLE-002"),
        1,
        "only the entered one is an entry"
    );
}

fn a_record_carries_an_attached_file_its_base_and_unit_can_read(t: &TestDb) {
    let app = spawn_app(t);
    let r = call(
        &app,
        "base",
        "POST",
        "/api/v1/bases/SAMPLE-002/records",
        Some(r#"{"indicator":"platform_uploads","date":"2024-06-01","title":"附件佐证"}"#),
    );
    let id = json(&r)["id"].as_i64().unwrap();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake image".to_vec();
    let path = format!("/api/v1/records/{id}/attachment?filename=现场照片.png");
    assert_eq!(
        upload(&app, "unit", &path, &png).status,
        404,
        "not its base"
    );
    assert_eq!(
        upload(&app, "base", &path.replace(".png", ".svg"), b"<svg/>").status,
        400
    );
    let r = upload(&app, "base", &path, &png);
    assert_eq!(r.status, 201, "{}", r.text());
    let r = call(
        &app,
        "province",
        "GET",
        &format!("/api/v1/records/{id}/attachment"),
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body, png);
    assert_eq!(r.content_type, "image/png");
    assert!(r
        .header("Content-Disposition")
        .unwrap()
        .starts_with("attachment"));
    // Approved, its evidence stands.
    call(
        &app,
        "province",
        "POST",
        &format!("/api/v1/records/{id}/review"),
        Some(r#"{"decision":"approved"}"#),
    );
    assert_eq!(upload(&app, "base", &path, &png).status, 409);
}

fn the_pages_show_and_take_what_a_base_reports(t: &TestDb) {
    use crate::helpers::{unescape, Browser};
    let app = spawn_app(t);
    let mut base = Browser::new(&app);
    assert_eq!(base.login("base", PASSWORD).status, 303);
    let page = unescape(&base.get("/bases/SAMPLE-002?year=2026").text());
    assert!(page.contains("2026 年度报送材料"), "{page}");
    assert!(page.contains("上传年度计划"));
    assert!(page.contains("上传本基地的活动明细"));
    // The upload of the page: the CSRF token in the header, or refused.
    let path = "/bases/SAMPLE-002/documents?kind=plan&year=2026&filename=计划.pdf";
    assert_eq!(base.post(path, &[], &pdf("p")).status, 400);
    let csrf = base.csrf();
    let r = base.post(path, &[("X-CSRF-Token", &csrf)], &pdf("p"));
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(json(&r)["text"]
        .as_str()
        .unwrap()
        .contains("已报送年度计划"));
    let id = json(&r)["document"]["id"].as_i64().unwrap();
    // Another base's page upload: 404.
    let r = base.post(
        "/bases/SAMPLE-001/documents?kind=plan&year=2026&filename=a.pdf",
        &[("X-CSRF-Token", &csrf)],
        &pdf("x"),
    );
    assert_eq!(r.status, 404);
    let page = unescape(&base.get("/bases/SAMPLE-002?year=2026").text());
    assert!(
        page.contains(&format!("/documents/{id}")),
        "the file is linked"
    );
    let r = base.get(&format!("/documents/{id}"));
    assert_eq!(r.status, 200);
    assert!(r
        .header("Content-Disposition")
        .unwrap()
        .starts_with("attachment"));
    // The base has no 报送情况 page of the province.
    assert_eq!(base.get("/documents").status, 404);

    // Staff see it, review it with the form, and order for an overdue base.
    let mut staff = Browser::new(&app);
    assert_eq!(staff.login("province", PASSWORD).status, 303);
    let list = unescape(&staff.get("/documents?year=2026&kind=plan").text());
    assert!(list.contains("2026 年度年度计划报送情况"), "{list}");
    assert!(list.contains("SAMPLE-002") && list.contains("计划.pdf"));
    assert!(list.contains("未报送（逾期）"));
    let csrf = staff.csrf();
    let form = format!("csrf={csrf}&decision=returned&reason=%E8%AF%B7%E8%A1%A5%E5%85%85&back=year%3D2026%26kind%3Dplan");
    let r = staff.post(
        &format!("/documents/{id}/review"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let r = staff.post(
        "/documents/order",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("csrf={csrf}&code=SAMPLE-001&kind=plan&year=2026&reason=x").as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let b = json(&call(
        &app,
        "province",
        "GET",
        "/api/v1/bases/SAMPLE-001",
        None,
    ));
    assert_eq!(b["status"], "rectifying");
    let page = unescape(&base.get("/bases/SAMPLE-002?year=2026").text());
    assert!(page.contains("请补充"), "the base sees why");

    // The unit sees only its bases.
    let mut unit = Browser::new(&app);
    assert_eq!(unit.login("unit", PASSWORD).status, 303);
    let list = unescape(&unit.get("/documents?year=2026&kind=plan").text());
    assert!(
        list.contains("SAMPLE-005") && !list.contains("SAMPLE-002"),
        "{list}"
    );
    assert_eq!(unit.get(&format!("/documents/{id}")).status, 404);

    // A returned record is corrected on the scorecard and waits again.
    let r = call(
        &app,
        "base",
        "POST",
        "/api/v1/bases/SAMPLE-002/records",
        Some(r#"{"indicator":"platform_uploads","date":"2026-06-01","title":"错的标题"}"#),
    );
    let rec = json(&r)["id"].as_i64().unwrap();
    call(
        &app,
        "province",
        "POST",
        &format!("/api/v1/records/{rec}/review"),
        Some(r#"{"decision":"returned","reason":"标题有误"}"#),
    );
    let page = unescape(&base.get("/bases/SAMPLE-002?year=2026").text());
    assert!(
        page.contains("修改后重新提交") && page.contains("标题有误"),
        "{page}"
    );
    let csrf = base.csrf();
    let r = base.post(
        &format!("/records/{rec}"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("csrf={csrf}&indicator=platform_uploads&date=2026-06-01&quantity=1&title=%E5%AF%B9%E7%9A%84%E6%A0%87%E9%A2%98").as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let list = json(&call(
        &app,
        "base",
        "GET",
        "/api/v1/bases/SAMPLE-002/records?year=2026",
        None,
    ));
    let again = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == rec && i["source"] == "entered")
        .unwrap();
    assert_eq!(again["review"], "pending");
    assert_eq!(again["title"], "对的标题");
}

on_both_backends!(
    a_base_submits_its_documents_and_reads_nobody_elses,
    a_unit_reviews_its_bases_documents_and_a_returned_one_is_submitted_again,
    a_document_larger_than_the_limit_is_refused_before_it_is_kept,
    reminders_go_only_to_bases_that_have_not_submitted,
    staff_order_a_rectification_for_a_document_not_submitted,
    the_weekly_digest_lists_what_is_overdue,
    a_base_uploads_its_own_activity_records_and_nobody_elses,
    records_count_at_once_when_the_rulebook_says_so,
    a_record_carries_an_attached_file_its_base_and_unit_can_read,
    the_pages_show_and_take_what_a_base_reports,
);
