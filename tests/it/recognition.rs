//! The yearly recognition round (第九条) through the API, on both backends:
//! applications checked against the rulebook, 第八条's one channel and
//! reach, the stages in order, and naming that creates a base.

use crate::helpers::{call_as as call, json_of as json, on_both_backends, spawn_app, TestDb};

/// An incubation base's application from 郑州市科协 that meets every condition.
fn application(credit: &str, city: &str, unit: &str, staff: u32) -> String {
    serde_json::json!({
        "host": "郑州某科技园发展有限公司",
        "credit_code": credit,
        "base_type": "incubation",
        "channel": "city",
        "unit": unit,
        "city": city,
        "registered_on": "2020-05-01",
        "figures": {
            "typical_incubation_cases": 3,
            "cooperation_kczg": true,
            "qualified_firm_share": 0.62,
            "incubation_area_m2": 8000,
            "incubation_operator": true,
            "incubation_service_staff": staff,
            "investment_fund": true,
            "legal_person": true,
            "no_major_incident": true,
            "incubation_services": "提供知识产权、法律、金融等服务"
        }
    })
    .to_string()
}

const PDF: &[u8] = b"%PDF-1.4\n% application\n";

/// Upload a file for application `id` as `who`.
fn upload(
    app: &crate::helpers::TestApp,
    who: &str,
    id: i64,
    query: &str,
    bytes: &[u8],
) -> crate::helpers::Reply {
    crate::helpers::api(
        app,
        "POST",
        &format!("/api/v1/applications/{id}/documents?{query}"),
        Some(&app.tokens[who]),
        Some(bytes),
    )
}

/// The 申请书 and 建设方案 that 形式审查 asks for.
fn file_documents(app: &crate::helpers::TestApp, id: i64) {
    for kind in ["application_form", "construction_plan"] {
        let r = upload(
            app,
            "unit",
            id,
            &format!("kind={kind}&filename={kind}.pdf"),
            PDF,
        );
        assert_eq!(r.status, 201, "{kind}: {}", r.text());
    }
}

/// An expert's opinion, which 初评和考察 needs before it passes.
fn record_review(app: &crate::helpers::TestApp, id: i64) {
    let r = call(
        app,
        "province",
        "POST",
        &format!("/api/v1/applications/{id}/reviews"),
        Some(r#"{"expert":"李教授","score":86,"opinion":"孵化服务体系完整，建议通过"}"#),
    );
    assert_eq!(r.status, 201, "{}", r.text());
}

/// SAMPLE-001's host (an 产学研协作类 base): free to apply for another type.
const CREDIT: &str = "1241000052601815X0";

fn a_round_runs_from_an_application_to_a_named_base(t: &TestDb) {
    // 公示 of no days here: its length is tested below, with the rulebook's 7.
    let mut settings = t.settings();
    settings.rulebook.recognition.publicity_days = 0;
    let app = crate::helpers::spawn_app_with(t, settings);
    let body = application(CREDIT, "郑州市", "郑州市科协", 30);
    let r = call(&app, "unit", "POST", "/api/v1/applications", Some(&body));
    assert_eq!(r.status, 409, "no round yet: {}", r.text());
    assert_eq!(
        call(
            &app,
            "unit",
            "POST",
            "/api/v1/rounds",
            Some(r#"{"year":2026}"#)
        )
        .status,
        403
    );
    let r = call(
        &app,
        "province",
        "POST",
        "/api/v1/rounds",
        Some(r#"{"year":2026}"#),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(
        call(
            &app,
            "province",
            "POST",
            "/api/v1/rounds",
            Some(r#"{"year":2026}"#)
        )
        .status,
        409
    );
    // A base files nothing; a unit files only under its own name.
    assert_eq!(
        call(&app, "base", "POST", "/api/v1/applications", Some(&body)).status,
        403
    );
    let other = application(CREDIT, "新乡市", "新乡市科协", 30);
    assert_eq!(
        call(&app, "unit", "POST", "/api/v1/applications", Some(&other)).status,
        403
    );
    let r = call(&app, "unit", "POST", "/api/v1/applications", Some(&body));
    assert_eq!(r.status, 201, "{}", r.text());
    let id = json(&r)["id"].as_i64().unwrap();
    // 第八条: the same host and type once per round, whatever the channel.
    let again = call(
        &app,
        "province",
        "POST",
        "/api/v1/applications",
        Some(&body),
    );
    assert_eq!(again.status, 409, "{}", again.text());
    assert!(again.text().contains("一个渠道"), "{}", again.text());
    // A host already recognised for the type cannot apply for it again.
    let twice = body.replace("\"incubation\"", "\"iar\"");
    assert_eq!(
        call(&app, "unit", "POST", "/api/v1/applications", Some(&twice)).status,
        409
    );

    // 形式审查: every condition with the figure behind it.
    let c = json(&call(
        &app,
        "unit",
        "GET",
        &format!("/api/v1/applications/{id}/check"),
        None,
    ));
    let conditions = c["conditions"].as_array().unwrap();
    // Eleven conditions of the type, then the 申请书 and the 建设方案.
    assert_eq!(conditions.len(), 13, "{c}");
    let by_id = |k: &str| conditions.iter().find(|x| x["id"] == k).unwrap().clone();
    assert_eq!(by_id("incubation_area_m2")["result"], "met");
    assert_eq!(by_id("incubation_area_m2")["given"], "8000");
    assert_eq!(by_id("incubation_services")["result"], "judgement");
    assert_eq!(by_id("registered_on")["result"], "met");
    assert!(by_id("qualified_firm_share")["required"]
        .as_str()
        .unwrap()
        .contains("50%"));
    assert_eq!(
        call(
            &app,
            "base",
            "GET",
            &format!("/api/v1/applications/{id}/check"),
            None
        )
        .status,
        404
    );

    // The stages in order, by staff only; a skipped stage is a 409.
    let advance = |who: &str, body: &str| {
        call(
            &app,
            who,
            "POST",
            &format!("/api/v1/applications/{id}/advance"),
            Some(body),
        )
    };
    assert_eq!(
        advance("unit", r#"{"stage":"formal_review","decision":"pass"}"#).status,
        403
    );
    let skipped = advance("province", r#"{"stage":"expert_review","decision":"pass"}"#);
    assert_eq!(skipped.status, 409, "{}", skipped.text());
    assert!(
        skipped.text().contains("应先完成“形式审查”"),
        "{}",
        skipped.text()
    );
    // 形式审查 asks for the 申请书 and the 建设方案.
    let r = advance("province", r#"{"stage":"formal_review","decision":"pass"}"#);
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("申请书"), "{}", r.text());
    let r = upload(
        &app,
        "unit",
        id,
        "kind=application_form&filename=申请书.txt",
        b"x",
    );
    assert_eq!(
        r.status,
        400,
        "PDF, images, DOCX or XLSX only: {}",
        r.text()
    );
    let r = upload(&app, "unit", id, "kind=evidence&filename=a.pdf", PDF);
    assert_eq!(r.status, 400, "evidence names its condition: {}", r.text());
    let r = upload(
        &app,
        "base",
        id,
        "kind=application_form&filename=a.pdf",
        PDF,
    );
    assert_eq!(r.status, 404, "a base sees no application");
    file_documents(&app, id);
    let r = upload(
        &app,
        "unit",
        id,
        "kind=evidence&condition=incubation_area_m2&filename=房产证.pdf",
        PDF,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let doc = json(&r)["id"].as_i64().unwrap();
    let c = json(&call(
        &app,
        "unit",
        "GET",
        &format!("/api/v1/applications/{id}/check"),
        None,
    ));
    let area = c["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "incubation_area_m2")
        .unwrap()
        .clone();
    assert_eq!(area["evidence"][0]["filename"], "房产证.pdf", "{c}");
    let got = crate::helpers::api(
        &app,
        "GET",
        &format!("/api/v1/applications/{id}/documents/{doc}"),
        Some(&app.tokens["unit"]),
        None,
    );
    assert_eq!((got.status, got.body.as_slice()), (200, PDF));
    let r = advance(
        "province",
        r#"{"stage":"formal_review","decision":"pass","reason":"材料齐全"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // 初评和考察: the experts' opinions and scores, with an on-site visit.
    let r = advance("province", r#"{"stage":"expert_review","decision":"pass"}"#);
    assert_eq!(r.status, 409, "no opinion yet: {}", r.text());
    let reviews = format!("/api/v1/applications/{id}/reviews");
    let opinion = r#"{"expert":"王研究员","score":91,"opinion":"场地和服务人员与申报一致","visited_on":"2026-11-20","visit_notes":"现场考察孵化场地 8000 平方米"}"#;
    assert_eq!(
        call(&app, "unit", "POST", &reviews, Some(opinion)).status,
        403
    );
    let bad = opinion.replace("91", "101");
    assert_eq!(
        call(&app, "province", "POST", &reviews, Some(&bad)).status,
        400
    );
    let r = call(&app, "province", "POST", &reviews, Some(opinion));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(json(&r)["visited_on"], "2026-11-20");
    for stage in ["expert_review", "final_review"] {
        let r = advance(
            "province",
            &format!(r#"{{"stage":"{stage}","decision":"pass","reason":"符合要求"}}"#),
        );
        assert_eq!(r.status, 200, "{stage}: {}", r.text());
        assert_eq!(json(&r)["stage"], stage);
    }
    assert_eq!(
        upload(
            &app,
            "unit",
            id,
            "kind=application_form&filename=b.pdf",
            PDF
        )
        .status,
        409,
        "no more files after 终评"
    );
    // An objection during 公示 holds it until staff resolve it.
    let objections = format!("/api/v1/applications/{id}/objections");
    assert_eq!(
        call(
            &app,
            "unit",
            "POST",
            &objections,
            Some(r#"{"objection":"x"}"#)
        )
        .status,
        403
    );
    let r = call(
        &app,
        "province",
        "POST",
        &objections,
        Some(r#"{"objection":"群众反映场地面积不足"}"#),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let oid = json(&r)["id"].as_i64().unwrap();
    let held = advance("province", r#"{"stage":"publicity","decision":"pass"}"#);
    assert_eq!(held.status, 409, "{}", held.text());
    assert!(held.text().contains("异议"), "{}", held.text());
    let r = call(
        &app,
        "province",
        "POST",
        &format!("{objections}/{oid}/resolve"),
        Some(r#"{"resolution":"经核查面积 8000 平方米，异议不成立"}"#),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = advance("province", r#"{"stage":"publicity","decision":"pass"}"#);
    assert_eq!(r.status, 200, "{}", r.text());
    let r = advance(
        "province",
        r#"{"stage":"naming","decision":"pass","code":"ZZ-NEW-01","document_no":"豫科协发〔2026〕12号"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["outcome"], "named");
    assert_eq!(json(&r)["base_code"], "ZZ-NEW-01");
    let b = json(&call(
        &app,
        "province",
        "GET",
        "/api/v1/bases/ZZ-NEW-01",
        None,
    ));
    assert_eq!(b["status"], "building", "{b}");
    assert_eq!(b["cycle_start"], crate::helpers::today().to_string());
    let list = call(&app, "unit", "GET", "/api/v1/bases?per_page=200", None);
    assert!(
        list.text().contains("ZZ-NEW-01"),
        "the unit sees its new base"
    );
    assert_eq!(
        advance("province", r#"{"stage":"naming","decision":"pass"}"#).status,
        409,
        "nothing after naming"
    );
    // The round and each step, with who and why; a base sees none of it.
    let round = json(&call(&app, "unit", "GET", "/api/v1/rounds/2026", None));
    let a = &round["applications"][0];
    assert_eq!(a["steps"].as_array().unwrap().len(), 5, "{round}");
    assert_eq!(a["reviews"][0]["score"], 91, "{round}");
    assert_eq!(a["documents"].as_array().unwrap().len(), 3, "{round}");
    assert_eq!(round["closes_on"], "2026-12-31", "{round}");
    assert_eq!(round["total"], 1, "{round}");
    let d = json(&call(
        &app,
        "unit",
        "GET",
        &format!("/api/v1/applications/{id}"),
        None,
    ));
    assert_eq!(d["outcome_zh"], "已认定", "{d}");
    assert_eq!(d["conditions"].as_array().unwrap().len(), 13, "{d}");
    assert_eq!(a["objections"][0]["resolved_by"], "province", "{round}");
    assert!(a["steps"][4]["reason"]
        .as_str()
        .unwrap()
        .contains("豫科协发〔2026〕12号"));
    assert_eq!(
        call(&app, "base", "GET", "/api/v1/rounds/2026", None).status,
        404
    );
}

fn a_unit_outside_its_reach_and_a_failed_condition_are_refused(t: &TestDb) {
    let app = spawn_app(t);
    // A round takes applications between its dates (today is 2026-11-28).
    let r = call(
        &app,
        "province",
        "POST",
        "/api/v1/rounds",
        Some(r#"{"year":2026,"opens_on":"2026-12-01","closes_on":"2026-11-30"}"#),
    );
    assert_eq!(r.status, 400, "closes before it opens: {}", r.text());
    let r = call(
        &app,
        "province",
        "POST",
        "/api/v1/rounds",
        Some(r#"{"year":2025,"opens_on":"2025-03-01","closes_on":"2025-04-30"}"#),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let late = application(CREDIT, "郑州市", "郑州市科协", 30).replacen('{', r#"{"year":2025,"#, 1);
    let r = call(&app, "unit", "POST", "/api/v1/applications", Some(&late));
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("2025-04-30 截止"), "{}", r.text());
    let r = call(
        &app,
        "province",
        "POST",
        "/api/v1/rounds",
        Some(r#"{"year":2026,"opens_on":"2026-11-01","closes_on":"2026-12-15"}"#),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let rounds = json(&call(&app, "unit", "GET", "/api/v1/rounds", None));
    assert_eq!(rounds["items"][0]["year"], 2026, "{rounds}");
    // 郑州市科协 recommends within 郑州市 only; staff may accept with a reason.
    let far = application(CREDIT, "洛阳市", "郑州市科协", 30);
    let r = call(&app, "unit", "POST", "/api/v1/applications", Some(&far));
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("市域内"), "{}", r.text());
    let with_reason = far.replacen('{', r#"{"reach_override":"依托单位总部在郑州","#, 1);
    let r = call(
        &app,
        "province",
        "POST",
        "/api/v1/applications",
        Some(&with_reason),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    // A channel that is not the unit's.
    let society = application("91410300908301663A", "郑州市", "郑州市科协", 30)
        .replace("\"channel\":\"city\"", "\"channel\":\"society\"");
    assert_eq!(
        call(&app, "unit", "POST", "/api/v1/applications", Some(&society)).status,
        409
    );
    // 29 service staff of 30: 形式审查 cannot pass; rejected with its reason.
    let short = application("91410300908301663A", "郑州市", "郑州市科协", 29);
    let r = call(&app, "unit", "POST", "/api/v1/applications", Some(&short));
    assert_eq!(r.status, 201, "{}", r.text());
    let id = json(&r)["id"].as_i64().unwrap();
    let c = json(&call(
        &app,
        "unit",
        "GET",
        &format!("/api/v1/applications/{id}/check"),
        None,
    ));
    let staff = c["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "incubation_service_staff")
        .unwrap()
        .clone();
    assert_eq!(
        (staff["result"].as_str(), staff["given"].as_str()),
        (Some("not_met"), Some("29"))
    );
    let path = format!("/api/v1/applications/{id}/advance");
    let r = call(
        &app,
        "province",
        "POST",
        &path,
        Some(r#"{"stage":"formal_review","decision":"pass"}"#),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("创新创业服务人员"), "{}", r.text());
    assert_eq!(
        call(
            &app,
            "province",
            "POST",
            &path,
            Some(r#"{"stage":"formal_review","decision":"reject"}"#)
        )
        .status,
        400,
        "a rejection needs its reason"
    );
    let r = call(
        &app,
        "province",
        "POST",
        &path,
        Some(r#"{"stage":"formal_review","decision":"reject","reason":"服务人员不足 30 名"}"#),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["outcome"], "rejected");
    let round = json(&call(&app, "province", "GET", "/api/v1/rounds/2026", None));
    let rejected = round["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(rejected["steps"][0]["reason"], "服务人员不足 30 名");
    assert_eq!(
        call(
            &app,
            "province",
            "POST",
            &path,
            Some(r#"{"stage":"expert_review","decision":"pass"}"#)
        )
        .status,
        409,
        "a rejected application goes no further"
    );
    // 公示 lasts the rulebook's 7 days from the 终评 (SAMPLE-003's host).
    let ok = application("914107001318609168", "郑州市", "郑州市科协", 30);
    let id = json(&call(
        &app,
        "unit",
        "POST",
        "/api/v1/applications",
        Some(&ok),
    ))["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/applications/{id}/advance");
    file_documents(&app, id);
    for stage in ["formal_review", "expert_review", "final_review"] {
        if stage == "expert_review" {
            record_review(&app, id);
        }
        let body = format!(r#"{{"stage":"{stage}","decision":"pass"}}"#);
        assert_eq!(
            call(&app, "province", "POST", &path, Some(&body)).status,
            200,
            "{stage}"
        );
    }
    let r = call(
        &app,
        "province",
        "POST",
        &path,
        Some(r#"{"stage":"publicity","decision":"pass"}"#),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(
        r.text()
            .contains("公示期 7 天，自 2026-11-28 起至 2026-12-05 止"),
        "{}",
        r.text()
    );
}

fn a_base_moves_to_another_unit_only_by_a_recorded_transfer(t: &TestDb) {
    let app = spawn_app(t);
    let mut db = t.db();
    let before = crate::helpers::snapshot(t, &mut db);
    // A register that silently moves SAMPLE-001 from 郑州市科协 to 开封市科协.
    let register = std::fs::read_to_string(crate::helpers::sample("bases_register.csv")).unwrap();
    let moved = register.replacen(
        "SAMPLE-001,郑州大学智能制造产学研协作基地,产学研协作类,郑州大学,1241000052601815X0,省辖市科协,郑州市科协",
        "SAMPLE-001,郑州大学智能制造产学研协作基地,产学研协作类,郑州大学,1241000052601815X0,省辖市科协,开封市科协",
        1,
    );
    assert_ne!(moved, register);
    let path = t.write("名册-改单位.csv", moved);
    let rep = t.import(&mut db, &path);
    assert_eq!(
        rep.outcome,
        basewatch::ingest::Outcome::Rejected,
        "{}",
        rep.to_text()
    );
    let p = &rep.problems[0];
    assert_eq!(
        (p.row, p.column.as_deref()),
        (Some(2), Some("推荐单位")),
        "{p:?}"
    );
    assert!(p.reason.contains("转移"), "{p:?}");
    assert_eq!(
        crate::helpers::snapshot(t, &mut db),
        before,
        "nothing changed"
    );

    // Channel, unit and city agree: 郑州市科协 recommends no base of 洛阳市.
    let elsewhere = register.replacen(
        "省辖市科协,郑州市科协,郑州市,",
        "省辖市科协,郑州市科协,洛阳市,",
        1,
    );
    assert_ne!(elsewhere, register);
    let rep = t.import(&mut db, &t.write("名册-跨市.csv", elsewhere));
    assert_eq!(rep.outcome, basewatch::ingest::Outcome::Rejected);
    let p = &rep.problems[0];
    assert_eq!(
        (p.row, p.column.as_deref()),
        (Some(2), Some("所在地市")),
        "{p:?}"
    );
    assert!(p.reason.contains("第八条"), "{p:?}");
    assert_eq!(crate::helpers::snapshot(t, &mut db), before);

    // 第八条: SAMPLE-001's host under a second code of the same type, through a society.
    let second = format!(
        "{}ZZ-DUP-01,郑州大学另一协作基地,产学研协作类,郑州大学,1241000052601815X0,全省学会,河南省机械工程学会,郑州市,2024-01-01,dup@example.org\n",
        if register.ends_with('\n') { register.clone() } else { format!("{register}\n") }
    );
    let rep = t.import(&mut db, &t.write("名册-重复依托单位.csv", second));
    assert_eq!(rep.outcome, basewatch::ingest::Outcome::Rejected);
    let p = rep.problems.last().unwrap();
    assert_eq!(p.column.as_deref(), Some("统一社会信用代码"), "{p:?}");
    assert!(p.reason.contains("SAMPLE-001"), "{p:?}");
    assert_eq!(crate::helpers::snapshot(t, &mut db), before);

    // Staff transfer it, with a reason; the old unit loses sight of it.
    let r = call(
        &app,
        "unit",
        "POST",
        "/api/v1/bases/SAMPLE-001/transfer",
        Some(r#"{"unit":"新乡市科协","reason":"x"}"#),
    );
    assert_eq!(r.status, 403);
    let r = call(
        &app,
        "province",
        "POST",
        "/api/v1/bases/SAMPLE-001/transfer",
        Some(r#"{"unit":"新乡市科协"}"#),
    );
    assert_eq!(r.status, 400, "a reason is required");
    let r = call(
        &app,
        "province",
        "POST",
        "/api/v1/bases/SAMPLE-001/transfer",
        Some(r#"{"unit":"新乡市科协","reason":"依托单位迁址，经两市科协商定"}"#),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        call(&app, "unit", "GET", "/api/v1/bases/SAMPLE-001", None).status,
        404,
        "the old unit no longer sees it"
    );
    let b = json(&call(
        &app,
        "province",
        "GET",
        "/api/v1/bases/SAMPLE-001",
        None,
    ));
    assert!(b.to_string().contains("转移推荐单位"), "{b}");
    assert!(b.to_string().contains("依托单位迁址"), "{b}");
}

/// A 认定申请表 as an office sends it: an instructions sheet first, a title
/// row above the header, percentages as typed; `rows` are the data rows.
fn applications_workbook(rows: &[[&str; 12]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let notes = wb.add_worksheet();
    notes.set_name("填表说明").unwrap();
    notes
        .write_string(0, 0, "1. 每个申请单位一行；2. 比例填 80% 或 0.8。")
        .unwrap();
    let sheet = wb.add_worksheet();
    sheet.set_name("认定申请表").unwrap();
    sheet
        .write_string(0, 0, "2026 年度科创中原创新基地认定申请汇总表")
        .unwrap();
    let header = [
        "序号",
        "依托单位",
        "统一社会信用代码",
        "基地类型",
        "推荐渠道",
        "推荐单位",
        "所在地市",
        "注册日期",
        "申请前一年内典型孵化案例（项）",
        "专精特新、高新技术及科技型中小企业占入驻企业比例",
        "固定办公（实验）场所总面积（平方米）",
        "专兼职创新创业服务人员（名）",
    ];
    for (c, h) in (0u16..).zip(header) {
        sheet.write_string(1, c, h).unwrap();
    }
    // The declarations, 是 on every row.
    let declared = [
        "拥有专门的孵化运营管理机构",
        "组建专门基金对在孵企业投资的能力",
        "与学会或省辖市科协紧密合作，与“科创中国”平台有效链接",
        "具有独立法人资格",
        "申请前一年内未发生重大安全事故、重大负面舆情",
    ];
    for (c, h) in (header.len() as u16..).zip(declared) {
        sheet.write_string(1, c, h).unwrap();
    }
    for (r, row) in (2u32..).zip(rows) {
        for (c, v) in (0u16..).zip(row.iter().chain(["是"; 5].iter())) {
            sheet.write_string(r, c, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

fn a_unit_files_applications_from_the_template_all_or_nothing(t: &TestDb) {
    let app = spawn_app(t);
    call(
        &app,
        "province",
        "POST",
        "/api/v1/rounds",
        Some(r#"{"year":2026}"#),
    );
    let good = [
        "1",
        "郑州某科技园发展有限公司",
        CREDIT,
        "创新创业孵化类",
        "省辖市科协",
        "郑州市科协",
        "郑州市",
        "2020-05-01",
        "3",
        "62%",
        "8000",
        "30",
    ];
    let mut far = good;
    far[0] = "2";
    far[2] = "914107001318609168";
    far[6] = "洛阳市";
    let mut bad = good;
    bad[0] = "3";
    bad[2] = "91410300908301663A";
    bad[9] = "六成";
    let mut twice = good;
    twice[0] = "4";
    let mut db = t.db();
    let before = crate::helpers::snapshot(t, &mut db);
    let upload = |who: &str, bytes: &[u8]| {
        crate::helpers::api(
            &app,
            "POST",
            "/api/v1/imports?filename=认定申请表.xlsx",
            Some(&app.tokens[who]),
            Some(bytes),
        )
    };
    let r = upload("unit", &applications_workbook(&[good, far, bad, twice]));
    assert_eq!(r.status, 422, "{}", r.text());
    let report = json(&r);
    let problems = report["problems"].as_array().unwrap();
    let at = |row: u64, column: &str| {
        problems
            .iter()
            .find(|p| p["row"] == row && p["column"] == column)
            .unwrap_or_else(|| panic!("row {row} {column}: {report}"))
            .clone()
    };
    assert_eq!(at(4, "所在地市")["sheet"], "认定申请表");
    assert!(at(4, "所在地市")["reason"]
        .as_str()
        .unwrap()
        .contains("市域内"));
    assert!(
        at(5, "专精特新、高新技术及科技型中小企业占入驻企业比例")["reason"]
            .as_str()
            .unwrap()
            .contains("80%")
    );
    assert!(at(6, "统一社会信用代码")["reason"]
        .as_str()
        .unwrap()
        .contains("第 3 行"));
    assert_eq!(report["skipped_sheets"][0]["name"], "填表说明", "{report}");
    assert_eq!(
        crate::helpers::snapshot(t, &mut db),
        before,
        "refused whole"
    );
    let round = json(&call(&app, "province", "GET", "/api/v1/rounds/2026", None));
    assert_eq!(round["total"], 0, "{round}");
    // A base uploads no applications; another unit's rows are refused.
    let r = upload("base", &applications_workbook(&[good]));
    assert_eq!(r.status, 422, "{}", r.text());
    let mut other = good;
    other[5] = "新乡市科协";
    other[6] = "新乡市";
    let r = upload("unit", &applications_workbook(&[other]));
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("本单位名义"), "{}", r.text());
    // The clean file files its rows, checked like any application.
    let r = upload("unit", &applications_workbook(&[good]));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["applications_filed"], 1, "{}", r.text());
    let round = json(&call(&app, "unit", "GET", "/api/v1/rounds/2026", None));
    let id = round["applications"][0]["id"].as_i64().unwrap();
    let c = json(&call(
        &app,
        "unit",
        "GET",
        &format!("/api/v1/applications/{id}/check"),
        None,
    ));
    let share = c["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "qualified_firm_share")
        .unwrap()
        .clone();
    assert_eq!(
        (share["given"].as_str(), share["result"].as_str()),
        (Some("62%"), Some("met"))
    );
}

/// A form post of the pages, with the session's CSRF token.
fn form(b: &crate::helpers::Browser, path: &str, fields: &[(&str, &str)]) -> u16 {
    let mut body = format!("csrf={}", b.csrf());
    for (k, v) in fields {
        body.push_str(&format!("&{k}={}", urlencoding(v)));
    }
    b.post(
        path,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )
    .status
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.') {
                (c as char).to_string()
            } else {
                format!("%{c:02X}")
            }
        })
        .collect()
}

fn a_round_runs_from_the_pages(t: &TestDb) {
    use crate::helpers::{unescape, Browser, PASSWORD};
    let mut settings = t.settings();
    settings.rulebook.recognition.publicity_days = 0;
    let app = crate::helpers::spawn_app_with(t, settings);
    let mut staff = Browser::new(&app);
    assert_eq!(staff.login("province", PASSWORD).status, 303);
    let mut unit = Browser::new(&app);
    assert_eq!(unit.login("unit", PASSWORD).status, 303);
    let mut base = Browser::new(&app);
    assert_eq!(base.login("base", PASSWORD).status, 303);
    assert_eq!(base.get("/recognition").status, 404);
    assert_eq!(
        form(&unit, "/recognition/rounds", &[("year", "2026")]),
        404,
        "staff only"
    );
    assert_eq!(
        form(
            &staff,
            "/recognition/rounds",
            &[
                ("year", "2026"),
                ("opens_on", ""),
                ("closes_on", "2026-12-20")
            ]
        ),
        303
    );
    let page = unescape(&staff.get("/recognition").text());
    assert!(page.contains("申报受理 2026-11-28 至 2026-12-20"), "{page}");
    // The unit uploads its 认定申请表 on the page.
    let page = unescape(&unit.get("/recognition?year=2026").text());
    assert!(page.contains("上传本单位的认定申请表"), "{page}");
    let good = [
        "1",
        "郑州某科技园发展有限公司",
        CREDIT,
        "创新创业孵化类",
        "省辖市科协",
        "郑州市科协",
        "郑州市",
        "2020-05-01",
        "3",
        "0.62",
        "8000",
        "30",
    ];
    let csrf = unit.csrf();
    let r = unit.post(
        "/imports/upload?filename=申请.xlsx",
        &[("X-CSRF-Token", &csrf)],
        &applications_workbook(&[good]),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let page = unescape(&unit.get("/recognition?year=2026").text());
    let id: i64 = crate::helpers::between(&page, "href=\"/applications/", "\"")
        .parse()
        .unwrap();
    let path = format!("/applications/{id}");
    // The check, each condition with the figure behind it.
    let page = unescape(&unit.get(&path).text());
    assert!(
        page.contains("固定办公（实验）场所总面积（平方米）"),
        "{page}"
    );
    assert!(page.contains("不少于 5000"), "{page}");
    assert!(page.contains("需专家判断"), "{page}");
    assert!(page.contains("上传申请书"), "{page}");
    assert!(
        !page.contains("开放年度认定"),
        "no staff buttons for a unit"
    );
    for kind in ["application_form", "construction_plan"] {
        let r = unit.post(
            &format!("{path}/documents?kind={kind}&filename={kind}.pdf"),
            &[("X-CSRF-Token", &csrf)],
            PDF,
        );
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let advance = format!("{path}/advance");
    assert_eq!(
        form(
            &unit,
            &advance,
            &[("stage", "formal_review"), ("decision", "pass")]
        ),
        404
    );
    let page = unescape(&staff.get(&path).text());
    assert!(page.contains("形式审查：</strong>"), "{page}");
    assert_eq!(
        form(
            &staff,
            &advance,
            &[("stage", "formal_review"), ("decision", "pass")]
        ),
        303
    );
    assert_eq!(
        form(
            &staff,
            &format!("{path}/reviews"),
            &[
                ("expert", "李教授"),
                ("score", "88"),
                ("opinion", "建议通过"),
                ("visited_on", "2026-11-27"),
                ("visit_notes", "现场核实场地"),
            ]
        ),
        303
    );
    for stage in ["expert_review", "final_review"] {
        assert_eq!(
            form(&staff, &advance, &[("stage", stage), ("decision", "pass")]),
            303,
            "{stage}"
        );
    }
    assert_eq!(
        form(
            &staff,
            &format!("{path}/objections"),
            &[("objection", "反映场地不足")]
        ),
        303
    );
    let page = unescape(&staff.get(&path).text());
    assert!(page.contains("反映场地不足"), "{page}");
    let skipped = form(
        &staff,
        &advance,
        &[("stage", "naming"), ("decision", "pass")],
    );
    assert_eq!(skipped, 409, "公示 comes first");
    let d = json(&call(
        &app,
        "province",
        "GET",
        &format!("/api/v1{path}"),
        None,
    ));
    let oid = d["objections"][0]["id"].as_i64().unwrap();
    assert_eq!(
        form(
            &staff,
            &format!("{path}/objections/{oid}/resolve"),
            &[("resolution", "经核查不成立")]
        ),
        303
    );
    assert_eq!(
        form(
            &staff,
            &advance,
            &[("stage", "publicity"), ("decision", "pass")]
        ),
        303
    );
    assert_eq!(
        form(
            &staff,
            &advance,
            &[
                ("stage", "naming"),
                ("decision", "pass"),
                ("code", "ZZ-PAGE-01"),
                ("document_no", "豫科协发〔2026〕30号"),
            ]
        ),
        303
    );
    let page = unescape(&staff.get(&path).text());
    assert!(page.contains("ZZ-PAGE-01"), "{page}");
    assert!(page.contains("豫科协发〔2026〕30号"), "{page}");
    assert!(page.contains("李教授"), "{page}");
    assert_eq!(staff.get("/bases/ZZ-PAGE-01").status, 200);
}

on_both_backends!(
    a_round_runs_from_the_pages,
    a_unit_files_applications_from_the_template_all_or_nothing,
    a_round_runs_from_an_application_to_a_named_base,
    a_unit_outside_its_reach_and_a_failed_condition_are_refused,
    a_base_moves_to_another_unit_only_by_a_recorded_transfer,
);
