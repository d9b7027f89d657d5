use std::io::Cursor;

use super::fonts::{self, Rejected};
use super::*;

/// Decoded RGB pixels of a PNG chart, with its width and height.
fn decode(chart: &Chart) -> (Vec<u8>, u32, u32) {
    assert_eq!(chart.format, Format::Png);
    let decoder = png::Decoder::new(Cursor::new(&chart.bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG pixels");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (buf, info.width, info.height)
}

/// Dark pixels in rows `rows` of an RGB image `width` wide.
fn dark_in_rows(rgb: &[u8], width: u32, rows: std::ops::Range<u32>) -> usize {
    let row_bytes = width as usize * 3;
    let start = rows.start as usize * row_bytes;
    let end = (rows.end as usize * row_bytes).min(rgb.len());
    fonts::dark_pixels(&rgb[start..end])
}

fn svg_text(chart: &Chart) -> String {
    assert_eq!(chart.format, Format::Svg);
    String::from_utf8(chart.bytes.clone()).expect("SVG is UTF-8")
}

fn sample_bars() -> Vec<Bar> {
    vec![
        Bar {
            label: "产学研协作项目".into(),
            actual: Some(12.0),
            target: 10.0,
        },
        Bar {
            label: "平台上传".into(),
            actual: Some(3.0),
            target: 6.0,
        },
        Bar {
            label: "技术合同成交额（万元）".into(),
            actual: None,
            target: 8.0,
        },
        Bar {
            label: "人才培养".into(),
            actual: Some(6.0),
            target: 6.0,
        },
        Bar {
            label: "成果转化".into(),
            actual: Some(0.0),
            target: 2.0,
        },
    ]
}

fn sample_rates() -> Vec<(String, f64)> {
    [
        "郑州市",
        "开封市",
        "洛阳市",
        "平顶山市",
        "安阳市",
        "鹤壁市",
        "新乡市",
        "焦作市",
        "濮阳市",
        "许昌市",
        "漯河市",
        "三门峡市",
        "南阳市",
        "商丘市",
        "信阳市",
        "周口市",
        "驻马店市",
        "济源示范区",
    ]
    .iter()
    .enumerate()
    .map(|(i, city)| (city.to_string(), ((i * 37) % 100) as f64 / 100.0 + 0.005))
    .collect()
}

fn sample_series() -> Vec<(String, Vec<(i32, f64)>)> {
    vec![
        (
            "全省".into(),
            vec![(2021, 0.62), (2022, 0.71), (2023, 0.78), (2024, 0.83)],
        ),
        (
            "产学研协作类".into(),
            vec![(2021, 0.55), (2022, 0.6), (2023, 0.74), (2024, 0.9)],
        ),
        (
            "科技服务类".into(),
            vec![(2022, 0.4), (2023, 0.52), (2024, 0.5)],
        ),
    ]
}

#[test]
fn chinese_text_renders_as_glyphs_in_png() {
    let font = init_fonts(None).expect("a CJK font (apt-get install fonts-wqy-microhei)");
    assert!(font.exists());

    let bars = sample_bars();
    let titled = indicator_chart("产学研协作类基地指标完成情况", &bars, Format::Png).unwrap();
    let untitled = indicator_chart("", &bars, Format::Png).unwrap();
    let (with_title, w, h) = decode(&titled);
    let (without_title, w2, h2) = decode(&untitled);
    assert_eq!((w, h), (w2, h2));
    let band = 0..layout::TITLE_HEIGHT;
    let title_dark = dark_in_rows(&with_title, w, band.clone());
    let empty_dark = dark_in_rows(&without_title, w, band);
    assert!(title_dark > 300, "title drew {title_dark} dark pixels");
    assert_eq!(empty_dark, 0, "the title band is blank without a title");
    // Below the title, the two images are the same: the title made the difference.
    let below = (layout::TITLE_HEIGHT * w * 3) as usize;
    assert_eq!(with_title[below..], without_title[below..]);

    // Tick labels ("产学研协作项目" ...) are drawn under the plot.
    let labels_dark = dark_in_rows(&with_title, w, h - 60..h);
    assert!(
        labels_dark > 300,
        "tick labels drew {labels_dark} dark pixels"
    );

    // Different characters give different glyphs, not the same replacement box.
    let mut glyphs = Vec::new();
    for ch in ["产", "学", "研", "协", "作"] {
        let pixels = fonts::glyph_bitmap(FONT_FAMILY, ch).unwrap();
        assert!(fonts::dark_pixels(&pixels) > 20, "{ch} drew almost nothing");
        glyphs.push(pixels);
    }
    for i in 0..glyphs.len() {
        for j in i + 1..glyphs.len() {
            assert_ne!(
                glyphs[i], glyphs[j],
                "characters {i} and {j} drew the same image"
            );
        }
    }
}

#[test]
fn svg_output_contains_the_chinese_text_as_text() {
    init_fonts(None).ok();
    let charts = [
        indicator_chart("产学研协作类基地指标", &sample_bars(), Format::Svg).unwrap(),
        rate_chart("各市达标率", &sample_rates(), Format::Svg).unwrap(),
        trend_chart("历年达标率", &sample_series(), Format::Svg).unwrap(),
    ];
    for (chart, words) in charts.iter().zip([
        &[
            "产学研协作类基地指标",
            "平台上传",
            "未填报",
            "达标",
            "目标值",
        ][..],
        &["各市达标率", "郑州市", "济源示范区", "100%"][..],
        &["历年达标率", "全省", "产学研协作类", "2023"][..],
    ]) {
        assert_eq!(chart.content_type(), "image/svg+xml");
        let svg = svg_text(chart);
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
        for word in words {
            assert!(svg.contains(word), "the SVG has no text {word}");
        }
        assert!(
            svg.contains("font-family=\"PingFang SC, "),
            "the SVG names Chinese fonts"
        );
    }
}

#[test]
fn svg_escapes_markup_in_labels() {
    let items = vec![("<script>&\"".to_string(), 0.5)];
    let svg = svg_text(&rate_chart("A & B <c>", &items, Format::Svg).unwrap());
    assert!(!svg.contains("<script>"));
    assert!(svg.contains("A &amp; B &lt;c&gt;"));
}

#[test]
fn every_chart_kind_renders_in_both_formats() {
    let bars = sample_bars();
    let all_missing = vec![Bar {
        label: "平台上传".into(),
        actual: None,
        target: 5.0,
    }];
    let rates = sample_rates();
    let series = sample_series();
    let empty_series = vec![("全省".to_string(), Vec::new())];
    for format in [Format::Svg, Format::Png] {
        let charts = [
            indicator_chart("指标", &bars, format),
            indicator_chart("指标", &all_missing, format),
            indicator_chart("指标", &[], format),
            rate_chart("达标率", &rates, format),
            rate_chart("达标率", &[], format),
            trend_chart("趋势", &series, format),
            trend_chart("趋势", &[], format),
            trend_chart("趋势", &empty_series, format),
        ];
        for chart in charts {
            let chart = chart.unwrap();
            assert_eq!(chart.format, format);
            match format {
                Format::Png => {
                    assert_eq!(chart.content_type(), "image/png");
                    let (pixels, w, h) = decode(&chart);
                    assert_eq!(w, 720);
                    assert!((360..=1200).contains(&h));
                    assert!(fonts::dark_pixels(&pixels) > 100);
                }
                Format::Svg => assert!(svg_text(&chart).starts_with("<svg")),
            }
        }
    }
}

#[test]
fn empty_inputs_say_no_data() {
    for chart in [
        indicator_chart("指标", &[], Format::Svg).unwrap(),
        rate_chart("达标率", &[], Format::Svg).unwrap(),
        trend_chart("趋势", &[], Format::Svg).unwrap(),
    ] {
        assert!(svg_text(&chart).contains("暂无数据"));
    }
    // The PNG shows it too: the middle of the empty chart is not blank.
    let (pixels, w, h) = decode(&rate_chart("", &[], Format::Png).unwrap());
    let row_bytes = w as usize * 3;
    let middle = &pixels[(h / 2 - 20) as usize * row_bytes..(h / 2 + 20) as usize * row_bytes];
    let ink = middle
        .chunks_exact(3)
        .filter(|p| p != &[255, 255, 255])
        .count();
    assert!(ink > 50, "only {ink} pixels of \"暂无数据\"");
}

#[test]
fn odd_numbers_and_long_labels_do_not_panic() {
    let long = "很长的指标名称".repeat(100);
    let bars = vec![
        Bar {
            label: long.clone(),
            actual: Some(f64::NAN),
            target: f64::INFINITY,
        },
        Bar {
            label: String::new(),
            actual: Some(-5.0),
            target: 3.0,
        },
        Bar {
            label: "x".into(),
            actual: Some(1e300),
            target: f64::NEG_INFINITY,
        },
        Bar {
            label: "零".into(),
            actual: Some(0.0),
            target: 0.0,
        },
    ];
    let many: Vec<Bar> = (0..60)
        .map(|i| Bar {
            label: format!("指标{i}"),
            actual: Some(f64::from(i)),
            target: 30.0,
        })
        .collect();
    let rates = vec![
        (long.clone(), f64::NAN),
        ("负数".to_string(), -0.3),
        ("超过".to_string(), 7.0),
        (String::new(), f64::NEG_INFINITY),
    ];
    let crowd: Vec<(String, f64)> = (0..300).map(|i| (format!("组{i}"), 0.5)).collect();
    let series = vec![
        (
            long.clone(),
            vec![(2024, f64::NAN), (2020, 2.0), (2020, 0.5)],
        ),
        ("一点".to_string(), vec![(2022, 0.3)]),
        ("极端".to_string(), vec![(i32::MIN, 0.1), (i32::MAX, 0.9)]),
    ];
    let crowded_series: Vec<(String, Vec<(i32, f64)>)> = (0..40)
        .map(|i| {
            (
                format!("系列{i}"),
                vec![(2020, 0.01 * f64::from(i)), (2021, 0.5)],
            )
        })
        .collect();
    for format in [Format::Svg, Format::Png] {
        indicator_chart(&long, &bars, format).unwrap();
        indicator_chart("多", &many, format).unwrap();
        rate_chart(&long, &rates, format).unwrap();
        rate_chart("多", &crowd, format).unwrap();
        trend_chart("", &series, format).unwrap();
        trend_chart("多", &crowded_series, format).unwrap();
    }
}

#[test]
fn init_fonts_is_idempotent() {
    let first = init_fonts(None).map_err(|e| e.to_string());
    let second =
        init_fonts(Some(std::path::Path::new("/nonexistent/font.ttf"))).map_err(|e| e.to_string());
    assert_eq!(first, second);
}

#[test]
fn a_bad_configured_font_falls_back_to_the_system_fonts() {
    let missing = std::path::Path::new("/nonexistent/字体.ttf");
    let (path, _) = fonts::find_cjk_font(Some(missing)).expect("a system CJK font");
    assert_ne!(path, missing);

    let not_a_font = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    assert!(matches!(
        fonts::load_font(&not_a_font, ["中", "文"]),
        Err(Rejected::NotAFont)
    ));
    let latin = std::path::Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    if latin.exists() {
        assert!(matches!(
            fonts::load_font(latin, ["中", "文"]),
            Err(Rejected::NoGlyphs)
        ));
        assert!(fonts::load_font(latin, ["A", "B"]).is_ok());
    }
}

#[test]
fn the_no_font_error_says_what_was_tried() {
    let e = ChartError::NoCjkFont {
        tried: "/a.ttc; /b.ttf".into(),
    };
    let message = e.to_string();
    assert!(message.starts_with("未找到中文字体"));
    assert!(message.contains("Chinese labels in charts will not render"));
    assert!(message.contains("/a.ttc; /b.ttf"));
}

#[test]
fn numbers_are_written_plainly() {
    assert_eq!(layout::number(12.0), "12");
    assert_eq!(layout::number(0.30000000000000004), "0.3");
    assert_eq!(layout::number(-0.001), "0");
    assert_eq!(layout::number(2.345), "2.35");
    assert_eq!(layout::percent(0.853), "85.3%");
    assert_eq!(layout::percent_tick(0.4), "40%");
}

#[test]
fn labels_wrap_within_the_width_and_keep_latin_words_whole() {
    use plotters::style::text_anchor::{HPos, VPos};
    init_fonts(None).ok();
    let mut svg = String::new();
    let root = SVGBackend::with_string(&mut svg, (300, 100)).into_drawing_area();
    let style = layout::text(13.0, &layout::TEXT, HPos::Center, VPos::Top);
    let width = |s: &str| layout::text_width(&root, s, &style).unwrap();

    let max = width("Platform upload");
    let lines = layout::wrap(&root, "Platform uploads", &style, max, 2).unwrap();
    assert_eq!(lines, ["Platform", "uploads"]);

    let max = width("指标名称");
    let lines = layout::wrap(&root, "很长的指标名称很长的指标名称", &style, max, 2).unwrap();
    assert_eq!(lines.len(), 2);
    assert!(lines[1].ends_with('…'), "{lines:?}");
    assert!(lines.iter().all(|l| width(l) <= max), "{lines:?}");

    assert_eq!(
        layout::wrap(&root, "郑州市", &style, max, 2).unwrap(),
        ["郑州市"]
    );
    assert_eq!(layout::fit(&root, "郑州市", &style, 1).unwrap(), "…");
}
