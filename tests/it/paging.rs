//! Long lists are paged, sorted and filtered on the server, pages and API
//! alike: "第 x–y 条，共 N 条", previous/next links that keep the filters, a
//! capped `per_page`, a 400 for what does not parse, and a recommending unit
//! sees only its own bases on every page of every list.

use crate::helpers::{
    api, between, on_both_backends, spawn_app, unescape, Browser, TestApp, TestDb, PASSWORD,
};

/// Extra bases besides the sample's twelve: the first half recommended by
/// 郑州市科协 (the `unit` account's), the rest by 开封市科协. None has data, so
/// all of them are at risk (not reported) and fail 2024.
const EXTRA: usize = 240;
const OWN_EXTRA: usize = 120;
const ALL_BASES: usize = EXTRA + 12;
/// The unit's: SAMPLE-001, SAMPLE-005 and its extra bases.
const UNIT_BASES: usize = OWN_EXTRA + 2;
/// In 开封市: the other extra bases and SAMPLE-008.
const KAIFENG: usize = EXTRA - OWN_EXTRA + 1;

fn credit_code(n: usize) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let body = format!("91410{n:012}");
    let sum: usize = body
        .bytes()
        .zip(W)
        .map(|(c, w)| CHARS.iter().position(|&x| x == c).unwrap() * w)
        .sum();
    format!("{body}{}", CHARS[(31 - sum % 31) % 31] as char)
}

fn extra_code(i: usize) -> String {
    format!("EXTRA-{i:03}")
}

/// The sample app plus [`EXTRA`] bases, imported through the API.
fn app_with_many_bases(t: &TestDb) -> TestApp {
    let app = spawn_app(t);
    let mut csv = String::from(
        "基地编号,基地名称,基地类型,依托单位,统一社会信用代码,推荐渠道,推荐单位,所在地市,认定日期,联系邮箱\n",
    );
    for i in 1..=EXTRA {
        let (unit, city) = if i <= OWN_EXTRA {
            ("郑州市科协", "郑州市")
        } else {
            ("开封市科协", "开封市")
        };
        csv.push_str(&format!(
            "{},{city}第{i}号协作基地,iar,{city}第{i}依托单位,{},省辖市科协,{unit},{city},2022-05-01,e{i}@example.org\n",
            extra_code(i),
            credit_code(i)
        ));
    }
    let r = api(
        &app,
        "POST",
        "/api/v1/imports?filename=extra.csv",
        Some(&app.tokens["province"]),
        Some(csv.as_bytes()),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    app
}

fn logged_in(app: &TestApp, role: &str) -> Browser {
    let mut b = Browser::new(app);
    assert_eq!(b.login(role, PASSWORD).status, 303, "login as {role}");
    b
}

/// The rows of the page's paged table.
fn rows(html: &str) -> usize {
    let table = between(html, r#"<table class="paged">"#, "</table>");
    if table.contains("暂无数据") {
        0
    } else {
        table.matches("<tr><td>").count()
    }
}

/// The address of the page's "next" link, as a browser would follow it.
fn next(html: &str) -> Option<String> {
    let href = between(html, r#"<a rel="next" href=""#, "\"");
    (!href.is_empty()).then(|| unescape(&href))
}

fn json(r: &crate::helpers::Reply) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.text()))
}

fn the_bases_list_comes_a_page_at_a_time_with_links_that_keep_the_filters(t: &TestDb) {
    let app = app_with_many_bases(t);
    let b = logged_in(&app, "province");
    let first = b.get("/bases?year=2024").text();
    assert!(first.contains(&format!("共 {ALL_BASES} 个基地")), "{first}");
    assert!(first.contains(&format!("第 1–50 条，共 {ALL_BASES} 条")));
    assert_eq!(rows(&first), 50);
    assert!(first.contains("EXTRA-050") && !first.contains("EXTRA-051"));
    let second = b.get(&next(&first).expect("a next link")).text();
    assert_eq!(next(&first).unwrap(), "/bases?year=2024&page=2");
    assert!(second.contains(&format!("第 51–100 条，共 {ALL_BASES} 条")));
    assert!(second.contains("EXTRA-051") && !second.contains("EXTRA-050"));
    assert!(second.contains(r#"rel="prev" href="/bases?year=2024""#));

    // per_page is capped at 200.
    let big = b.get("/bases?per_page=100000").text();
    assert!(
        big.contains(&format!("第 1–200 条，共 {ALL_BASES} 条")),
        "{big}"
    );
    assert_eq!(rows(&big), 200);

    // Filters and the page size stay in the links, page after page.
    let city = b.get("/bases?year=2024&city=开封市&per_page=20").text();
    assert!(
        city.contains(&format!("第 1–20 条，共 {KAIFENG} 条")),
        "{city}"
    );
    let link = next(&city).expect("next page of 开封市");
    assert!(
        link.contains("city=%E5%BC%80%E5%B0%81%E5%B8%82") && link.contains("per_page=20"),
        "{link}"
    );
    let city2 = b.get(&link).text();
    assert!(
        city2.contains(&format!("第 21–40 条，共 {KAIFENG} 条")),
        "{city2}"
    );
    assert!(city2.contains("EXTRA-141") && !city2.contains("EXTRA-001"));
    let last = b.get("/bases?city=开封&per_page=20&page=7").text();
    assert!(
        last.contains("第 121–121 条") && next(&last).is_none(),
        "{last}"
    );
    assert!(last.contains("SAMPLE-008"), "开封 is 开封市");

    // Sorted on the server, both ways; a header links to the other way.
    let desc = b.get("/bases?sort=-code&per_page=5").text();
    assert!(
        desc.contains("SAMPLE-012") && !desc.contains("EXTRA-"),
        "{desc}"
    );
    let by_name = unescape(&b.get("/bases?sort=name&per_page=5").text());
    assert!(
        by_name.contains(r#"href="/bases?year=2026&sort=-name&per_page=5""#),
        "{by_name}"
    );
    let searched = b.get("/bases?q=sample&result=fail&year=2024").text();
    assert!(searched.contains("SAMPLE-002") && !searched.contains("EXTRA-"));
    assert!(!searched.contains("SAMPLE-001<"), "SAMPLE-001 passes 2024");

    // Past the end: an empty page that says so; what does not parse: a 400.
    let past = b.get("/bases?page=99");
    assert_eq!(past.status, 200);
    assert!(past.text().contains("第 99 页没有数据"));
    for bad in [
        "/bases?page=0",
        "/bases?page=abc",
        "/bases?per_page=-5",
        "/bases?sort=bogus",
        "/bases?type=bogus",
        "/bases?result=maybe",
        "/bases?year=twenty",
        "/overview?year=abc",
        "/at-risk?risk=bogus",
    ] {
        let r = b.get(bad);
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        let e = json(&r);
        assert!(
            e["error"].as_str().unwrap_or("").contains("无效"),
            "{bad}: {e}"
        );
    }
}

fn a_unit_sees_only_its_own_bases_in_every_paged_list(t: &TestDb) {
    let app = app_with_many_bases(t);
    let foreign = |html: &str| {
        (OWN_EXTRA + 1..=EXTRA)
            .map(extra_code)
            .chain(["SAMPLE-002", "SAMPLE-009"].map(String::from))
            .find(|c| html.contains(c.as_str()))
    };
    let b = logged_in(&app, "unit");
    let mut seen = 0;
    let mut page = Some("/bases?year=2024".to_string());
    let mut pages = 0;
    while let Some(p) = page {
        pages += 1;
        assert!(pages <= 20, "the next links go round: {p}");
        let html = b.get(&p).text();
        assert_eq!(foreign(&html), None, "{p}");
        seen += rows(&html);
        page = next(&html);
    }
    assert_eq!(seen, UNIT_BASES);
    let third = b.get("/bases?page=3").text();
    assert!(third.contains(&format!("第 101–{UNIT_BASES} 条，共 {UNIT_BASES} 条")));
    assert!(third.contains("SAMPLE-005") && third.contains("EXTRA-120"));

    let risks = b.get("/at-risk?year=2024&per_page=200").text();
    assert_eq!(foreign(&risks), None);
    assert!(risks.contains("EXTRA-001") && risks.contains("SAMPLE-005"));
    let overview = b.get("/overview?year=2024").text();
    assert_eq!(foreign(&overview), None);
    assert!(overview.contains(r#"href="/at-risk?year=2024""#));
    for path in ["/bases/EXTRA-121", "/bases/EXTRA-121/chart.svg?year=2024"] {
        assert_eq!(b.get(path).status, 404, "{path}");
    }
    assert_eq!(b.get("/bases/EXTRA-001?year=2024").status, 200);

    // The API, page after page through `next`.
    let token = app.tokens["unit"].clone();
    let mut codes = Vec::new();
    let mut page = Some("/api/v1/bases?per_page=50".to_string());
    while let Some(p) = page {
        let j = json(&api(&app, "GET", &p, Some(&token), None));
        assert_eq!(j["total"], UNIT_BASES, "{p}");
        for item in j["items"].as_array().unwrap() {
            codes.push(item["code"].as_str().unwrap().to_string());
        }
        page = j["next"].as_str().map(str::to_string);
    }
    assert_eq!(codes.len(), UNIT_BASES);
    assert_eq!(foreign(&codes.join(" ")), None);
    let rows = json(&api(
        &app,
        "GET",
        "/api/v1/scorecards?year=2024&per_page=200",
        Some(&token),
        None,
    ));
    let text = rows["items"].to_string();
    assert_eq!(foreign(&text), None);
    assert!(text.contains("EXTRA-001"));

    // A base: itself, whatever the page.
    let base = logged_in(&app, "base");
    let risks = base.get("/at-risk?year=2024").text();
    assert!(
        risks.contains("SAMPLE-002") && !risks.contains("EXTRA-") && !risks.contains("SAMPLE-005")
    );
    assert!(base
        .get("/bases?per_page=1&page=1")
        .text()
        .contains("第 1–1 条，共 1 条"));
}

fn the_overview_shows_the_first_risks_and_links_to_the_paged_list(t: &TestDb) {
    let app = app_with_many_bases(t);
    let b = logged_in(&app, "province");
    let html = b.get("/overview?year=2024").text();
    let panel = between(&html, "<h2>风险基地（", "</section>");
    assert_eq!(panel.matches(r#"<a href="/bases/"#).count(), 20, "{panel}");
    assert!(panel.contains("显示最需关注的前 20 个"), "{panel}");
    assert!(panel.contains(r#"href="/at-risk?year=2024""#));

    let all = b.get("/at-risk?year=2024").text();
    let total = between(&all, "第 1–50 条，共 ", " 条");
    let total: usize = total.parse().unwrap_or_else(|_| panic!("{all}"));
    assert!(total > EXTRA, "{total}");
    assert!(panel.contains(&format!("共 {total} 个")));
    assert_eq!(rows(&all), 50);
    let unreported = b
        .get("/at-risk?year=2024&risk=not_reported&sort=code&per_page=10")
        .text();
    assert!(unreported.contains("EXTRA-001") && !unreported.contains("EXTRA-011"));
    let link = next(&unreported).expect("next");
    assert_eq!(
        link,
        "/at-risk?year=2024&risk=not_reported&sort=code&per_page=10&page=2"
    );
    let p2 = b.get(&link).text();
    assert!(p2.contains("EXTRA-011") && p2.contains("第 11–20 条"));
    assert!(
        !p2.contains("SAMPLE-002"),
        "SAMPLE-002 reported, it is failing"
    );
}

fn the_log_pages_and_rectification_are_paged_and_filtered(t: &TestDb) {
    let app = app_with_many_bases(t);
    let mut db = t.db();
    for i in 0..3 {
        let key = format!("test|{i}");
        basewatch::db::outbox::enqueue(
            &mut db,
            &basewatch::db::outbox::NewMail {
                dedupe_key: &key,
                reason: "digest",
                base_id: None,
                recipients: "a@example.org",
                cc: "",
                subject: &format!("主题 {i}"),
                body_text: "x",
                body_html: "x",
                attachment: None,
            },
        )
        .unwrap();
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 1 + i)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap();
        basewatch::db::jobs::claim(&mut db, "deliver", at, "test").unwrap();
    }
    let b = logged_in(&app, "province");

    // Four imports: the sample's three and the extra register.
    let imports = b.get("/imports?per_page=2").text();
    assert!(imports.contains("第 1–2 条，共 4 条"), "{imports}");
    assert!(imports.contains("extra.csv") && !imports.contains("bases_register.csv"));
    let older = b.get(&next(&imports).expect("next")).text();
    assert!(older.contains("bases_register.csv") && next(&older).is_none());
    assert!(b
        .get("/imports?outcome=rejected")
        .text()
        .contains("共 0 条"));
    let oldest = b.get("/imports?sort=id&per_page=1").text();
    assert!(oldest.contains("bases_register.csv"));

    let outbox = b.get("/outbox?per_page=2&status=queued").text();
    assert!(outbox.contains("第 1–2 条，共 3 条"), "{outbox}");
    assert!(outbox.contains("主题 2") && !outbox.contains("主题 0"));
    assert_eq!(
        next(&outbox).unwrap(),
        "/outbox?status=queued&per_page=2&page=2"
    );
    assert!(b.get("/outbox?status=sent").text().contains("共 0 条"));

    let jobs = b.get("/jobs?job=deliver&per_page=2").text();
    assert!(jobs.contains("第 1–2 条，共 3 条"), "{jobs}");
    assert_eq!(next(&jobs).unwrap(), "/jobs?job=deliver&per_page=2&page=2");

    let failed = b.get("/rectification?year=2024&per_page=10").text();
    let total = between(&failed, "第 1–10 条，共 ", " 条");
    assert!(total.parse::<usize>().unwrap_or(0) > EXTRA, "{failed}");
    assert_eq!(rows(&failed), 10);
    assert_eq!(
        next(&failed).unwrap(),
        "/rectification?year=2024&view=failed&per_page=10&page=2"
    );
    assert!(
        failed.contains("尚未定稿"),
        "orders follow a confirmed year: {failed}"
    );
    let confirm = api(
        &app,
        "POST",
        "/api/v1/years/2024/confirm",
        Some(&app.tokens["province"]),
        None,
    );
    assert_eq!(confirm.status, 200, "{}", confirm.text());
    let csrf = b.csrf();
    let r = b.post(
        "/rectification/order",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("csrf={csrf}&year=2024&code=EXTRA-001&code=SAMPLE-001").as_bytes(),
    );
    assert_eq!(r.status, 303);
    let open = b.get("/rectification?year=2024&view=open").text();
    assert!(
        open.contains("EXTRA-001") && open.contains("第 1–1 条，共 1 条"),
        "{open}"
    );
    assert!(
        !open.contains("SAMPLE-001"),
        "SAMPLE-001 passed 2024: no order"
    );

    // Far past the end: an empty page, not a database error.
    for far in [
        "/imports",
        "/outbox",
        "/jobs",
        "/bases",
        "/at-risk",
        "/rectification",
    ] {
        let r = b.get(&format!("{far}?page=999999999999999999"));
        assert_eq!(r.status, 200, "{far}: {}", r.text());
        assert!(r.text().contains("页没有数据"), "{far}");
    }
    for bad in [
        "/imports?outcome=bogus",
        "/outbox?status=bogus",
        "/outbox?sort=subject",
        "/jobs?job=no-such-job",
        "/rectification?view=bogus",
        "/rectification?page=x",
    ] {
        assert_eq!(b.get(bad).status, 400, "{bad}");
    }
}

fn the_api_lists_are_paged_with_a_next_link(t: &TestDb) {
    let app = app_with_many_bases(t);
    let token = app.tokens["province"].clone();
    let get = |p: &str| api(&app, "GET", p, Some(&token), None);
    let j = json(&get("/api/v1/bases?per_page=5"));
    assert_eq!(j["page"], 1);
    assert_eq!(j["per_page"], 5);
    assert_eq!(j["total"], ALL_BASES);
    assert_eq!(j["items"].as_array().unwrap().len(), 5);
    assert_eq!(j["items"][0]["recommending_unit"], "郑州市科协");
    assert_eq!(j["next"], "/api/v1/bases?per_page=5&page=2");
    let j2 = json(&get(j["next"].as_str().unwrap()));
    assert_eq!(j2["items"][0]["code"], "EXTRA-006");

    let far = json(&get("/api/v1/bases?page=999999999999999999"));
    assert!(far["items"].as_array().unwrap().is_empty() && far["next"].is_null());
    let capped = json(&get("/api/v1/bases?per_page=100000"));
    assert_eq!(capped["per_page"], 200);
    assert_eq!(capped["items"].as_array().unwrap().len(), 200);

    let city = json(&get("/api/v1/bases?city=开封市&per_page=100"));
    assert_eq!(city["total"], KAIFENG);
    let link = city["next"].as_str().unwrap().to_string();
    assert_eq!(
        link,
        "/api/v1/bases?city=%E5%BC%80%E5%B0%81%E5%B8%82&per_page=100&page=2"
    );
    let last = json(&get(&link));
    assert_eq!(last["items"].as_array().unwrap().len(), KAIFENG - 100);
    assert!(last["next"].is_null());

    let rows = json(&get("/api/v1/scorecards?year=2024&per_page=7"));
    assert_eq!(rows["year"], 2024);
    assert_eq!(rows["items"].as_array().unwrap().len(), 7);
    assert_eq!(
        rows["next"],
        "/api/v1/scorecards?year=2024&per_page=7&page=2"
    );
    let failing = json(&get(
        "/api/v1/scorecards?year=2024&result=fail&per_page=200",
    ));
    assert!(failing["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["base_pass"] == false));

    for bad in [
        "/api/v1/bases?page=abc",
        "/api/v1/bases?per_page=0",
        "/api/v1/bases?sort=result",
        "/api/v1/bases?status=bogus",
        "/api/v1/scorecards?result=bogus",
        "/api/v1/scorecards?year=x",
    ] {
        let r = get(bad);
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert!(json(&r)["error"].is_string());
    }
}

on_both_backends!(
    the_bases_list_comes_a_page_at_a_time_with_links_that_keep_the_filters,
    a_unit_sees_only_its_own_bases_in_every_paged_list,
    the_overview_shows_the_first_risks_and_links_to_the_paged_list,
    the_log_pages_and_rectification_are_paged_and_filtered,
    the_api_lists_are_paged_with_a_next_link,
);
