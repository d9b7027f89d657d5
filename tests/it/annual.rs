//! Henan at a glance and on paper, on both backends: the city map (every
//! city drawn, each a link to its bases, a unit's counting only its own) and
//! the year's report as DOCX (a real zip with `word/document.xml`, the
//! scorecard's figures, every failed base in scope named, none outside it,
//! the charts embedded, the confirmed year said so).

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use basewatch::domain::City;

use crate::helpers::{
    call_as as call, json_of as json, on_both_backends, spawn_app, unescape, Browser, TestApp,
    TestDb, PASSWORD,
};

/// Percent-encoding of a query value, as the map's links write it.
fn encoded(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// The report's zip: `word/document.xml` and the names of its files.
fn open_docx(bytes: &[u8]) -> (String, Vec<String>) {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("the report opens as a zip");
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .collect();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .expect("UTF-8 XML");
    (xml, names)
}

/// The text of each `<text>` element of an SVG, trimmed.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

/// Each base of a year's scorecard as `who` sees it: name and whether it passed.
fn scorecard_bases(app: &TestApp, who: &str, year: i32) -> BTreeMap<String, (String, bool)> {
    let r = call(
        app,
        who,
        "GET",
        &format!("/api/v1/scorecards?year={year}&per_page=200"),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let mut out = BTreeMap::new();
    for row in json(&r)["items"].as_array().expect("items") {
        out.insert(
            row["base_code"].as_str().unwrap().to_string(),
            (
                row["base_name"].as_str().unwrap().to_string(),
                row["base_pass"].as_bool().unwrap(),
            ),
        );
    }
    out
}

/// Every base of the register, by code, with its name.
fn register(app: &TestApp) -> BTreeMap<String, String> {
    let r = call(app, "province", "GET", "/api/v1/bases?per_page=200", None);
    assert_eq!(r.status, 200, "{}", r.text());
    json(&r)["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|b| {
            (
                b["code"].as_str().unwrap().to_string(),
                b["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn the_map_draws_every_city_and_links_each_to_its_bases(t: &TestDb) {
    let app = spawn_app(t);
    let r = call(
        &app,
        "province",
        "GET",
        "/api/v1/maps/cities.svg?year=2024&metric=pass_rate",
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("image/svg+xml"));
    let svg = r.text();
    let texts = svg_texts(&svg);
    for c in City::ALL {
        let short = c.as_str().trim_end_matches('市');
        let short = short.strip_suffix("示范区").unwrap_or(short);
        assert!(texts.iter().any(|t| t == short), "{short} is not drawn");
        let href = format!("/bases?year=2024&#38;city={}", encoded(c.as_str()));
        assert!(svg.contains(&href), "{} has no link {href}", c.as_str());
    }
    assert!(svg.contains("<title>郑州市：") && svg.contains("<title>三门峡市：无基地</title>"));
    assert!(svg.contains("达标率") && svg.contains("无基地"), "legend");

    for metric in ["pass_rate", "at_risk", "bases"] {
        let r = call(
            &app,
            "province",
            "GET",
            &format!("/api/v1/maps/cities.png?year=2024&metric={metric}"),
            None,
        );
        assert_eq!(r.status, 200, "{metric}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("image/png"));
        assert!(r.body.starts_with(b"\x89PNG\r\n\x1a\n"), "{metric}");
    }
    let bad = call(
        &app,
        "province",
        "GET",
        "/api/v1/maps/cities.svg?metric=happiness",
        None,
    );
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("metric"), "{}", bad.text());

    // A city's link opens the bases list of that city.
    let link = crate::helpers::between(&svg, "<a href=\"/bases?year=2024&#38;city=%E9%83%91", "\"");
    let path = unescape(&format!("/bases?year=2024&#38;city=%E9%83%91{link}"));
    let mut b = Browser::new(&app);
    b.login("province", PASSWORD);
    let page = b.get(&path);
    assert_eq!(page.status, 200, "{path}");
    let text = page.text();
    assert!(
        text.contains("郑州大学智能制造产学研协作基地") && text.contains("郑州金水科创孵化基地"),
        "{path}: {text}"
    );
    assert!(
        !text.contains("洛阳轴承产学研协作基地"),
        "{path} shows another city"
    );
    // The pages serve the same map, and the overview draws it as a panel.
    let overview = b.get("/overview?year=2024").text();
    assert!(
        overview.contains("class=\"map-links\""),
        "no map on the overview"
    );
    assert!(
        overview.contains("/reports/2024.docx"),
        "no report download"
    );
    assert_eq!(b.get("/maps/cities.png?year=2024").status, 200);
}

fn a_units_map_counts_only_its_own_bases(t: &TestDb) {
    let app = spawn_app(t);
    let svg = |who: &str| {
        let r = call(
            &app,
            who,
            "GET",
            "/api/v1/maps/cities.svg?year=2024&metric=bases",
            None,
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.text()
    };
    let province = svg("province");
    assert!(
        province.contains("<title>郑州市：3 个</title>"),
        "{province}"
    );
    assert!(province.contains("<title>洛阳市：2 个</title>"));
    // 郑州市科协 recommended SAMPLE-001 and SAMPLE-005, both in 郑州.
    let unit = svg("unit");
    assert!(unit.contains("<title>郑州市：2 个</title>"), "{unit}");
    for c in City::ALL.iter().filter(|c| c.as_str() != "郑州市") {
        assert!(
            unit.contains(&format!("<title>{}：无基地</title>", c.as_str())),
            "{} counted for the unit",
            c.as_str()
        );
    }
    // The map names cities, never a base: none of another unit's bases shows.
    for (code, name) in register(&app) {
        assert!(
            !unit.contains(&code) && !unit.contains(&name),
            "{code} {name}"
        );
    }
    // A base account sees neither the map nor the report.
    for path in [
        "/api/v1/maps/cities.svg",
        "/api/v1/maps/cities.png?year=2024",
        "/api/v1/reports/2024.docx",
    ] {
        assert_eq!(call(&app, "base", "GET", path, None).status, 404, "{path}");
        assert_eq!(
            crate::helpers::api(&app, "GET", path, None, None).status,
            401,
            "{path}"
        );
    }
}

fn the_years_report_is_a_docx_with_the_scorecards_figures(t: &TestDb) {
    let app = spawn_app(t);
    let report = |who: &str| {
        let r = call(&app, who, "GET", "/api/v1/reports/2024.docx", None);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(
            r.header("content-type"),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
        assert!(r
            .header("content-disposition")
            .is_some_and(|d| d.contains("attachment")));
        open_docx(&r.body)
    };
    let (xml, files) = report("province");
    let media: Vec<&String> = files
        .iter()
        .filter(|f| f.starts_with("word/media/"))
        .collect();
    assert!(media.len() >= 3, "charts and map embedded: {files:?}");
    assert!(
        xml.contains("<pic:pic") || xml.contains("<a:blip"),
        "no picture in the text"
    );

    let bases = scorecard_bases(&app, "province", 2024);
    let passed = bases.values().filter(|(_, p)| *p).count();
    let failed: Vec<&String> = bases
        .values()
        .filter(|(_, p)| !*p)
        .map(|(n, _)| n)
        .collect();
    assert!(!failed.is_empty(), "the sample has failed bases");
    let summary = format!(
        "应考核 {} 个，达标 {} 个，未达标 {} 个",
        bases.len(),
        passed,
        failed.len()
    );
    assert!(xml.contains(&summary), "{summary} not in the report");
    for name in &failed {
        assert!(xml.contains(name.as_str()), "failed base {name} not named");
    }
    assert!(xml.contains("第十条"), "shortfalls in 第十条's words");
    assert!(xml.contains("考核（评估）情况报告") && xml.contains("黑体") && xml.contains("仿宋"));
    assert!(xml.contains("尚未定稿"), "an open year says so");

    // Once confirmed, the report gives the confirmed result and says so.
    let r = call(&app, "province", "POST", "/api/v1/years/2024/confirm", None);
    assert_eq!(r.status, 200, "{}", r.text());
    // A rectification ordered for the year is listed with its deadline.
    let r = call(
        &app,
        "province",
        "POST",
        "/api/v1/bases/SAMPLE-002/rectification",
        Some(r#"{"reason":"2024 年度考核未达标"}"#),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let deadline = json(&r)["deadline"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (xml, _) = report("province");
    assert!(xml.contains("已定稿"), "a confirmed year says so");
    assert!(xml.contains(&summary), "the confirmed result's figures");
    assert!(xml.contains("责令限期整改 1 个"), "the order is listed");
    assert!(
        xml.contains("整改中") && xml.contains(&deadline),
        "{deadline}"
    );

    // The overview's download serves the same file to a signed-in user.
    let mut b = Browser::new(&app);
    b.login("province", PASSWORD);
    let d = b.get("/reports/2024.docx");
    assert_eq!(d.status, 200);
    assert!(open_docx(&d.body).0.contains(&summary));
    // Nonsense years are refused, not evaluated.
    for year in ["1999", "3000", "abc"] {
        let r = call(
            &app,
            "province",
            "GET",
            &format!("/api/v1/reports/{year}.docx"),
            None,
        );
        assert!(r.status == 400 || r.status == 404, "{year}: {}", r.status);
    }
}

fn a_units_report_names_none_of_another_units_bases(t: &TestDb) {
    let app = spawn_app(t);
    let r = call(&app, "unit", "GET", "/api/v1/reports/2024.docx", None);
    assert_eq!(r.status, 200, "{}", r.text());
    let (xml, files) = open_docx(&r.body);
    assert!(files.iter().any(|f| f.starts_with("word/media/")));
    assert!(xml.contains("郑州市科协"), "the report names its scope");
    let own = scorecard_bases(&app, "unit", 2024);
    assert!(!own.is_empty());
    for (code, (name, pass)) in &own {
        if !pass {
            assert!(xml.contains(name.as_str()), "{code} {name} not named");
        }
    }
    let summary = format!(
        "应考核 {} 个，达标 {} 个",
        own.len(),
        own.values().filter(|(_, p)| *p).count()
    );
    assert!(xml.contains(&summary), "{summary}");
    for (code, name) in register(&app) {
        if !own.contains_key(&code) {
            assert!(!xml.contains(&code), "{code} is another unit's base");
            assert!(!xml.contains(&name), "{name} is another unit's base");
        }
    }
}

on_both_backends!(
    the_map_draws_every_city_and_links_each_to_its_bases,
    a_units_map_counts_only_its_own_bases,
    the_years_report_is_a_docx_with_the_scorecards_figures,
    a_units_report_names_none_of_another_units_bases,
);
