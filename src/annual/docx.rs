//! The [`YearReport`] as a Word file: A4 with 公文 margins (top 37 mm,
//! bottom 35 mm, left 28 mm, right 26 mm), the title in 宋体 二号 bold,
//! headings in 黑体 三号, text in 仿宋 三号 (tables 五号), page numbers in
//! the footer. Every word is a run of text, so staff edit it as any report;
//! a reader without 仿宋/黑体 sees Word's or WPS's substitute.

use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, LineSpacing, PageMargin, PageNum, Paragraph, Pic, Run,
    RunFonts, Shading, Table, TableCell, TableLayoutType, TableRow, WidthType,
};

use super::{Counts, YearReport};
use crate::error::{AppError, AppResult};

/// Millimetres in twentieths of a point (twips), the unit of page set-up.
const fn mm(v: u32) -> u32 {
    v * 1440 * 10 / 254
}

const A4: (u32, u32) = (mm(210), mm(297));
/// The text column: 210 − 28 − 26 mm.
const TEXT_WIDTH_MM: u32 = 156;
const EMU_PER_MM: u32 = 36_000;

const BODY: &str = "仿宋";
const HEADING: &str = "黑体";
const TITLE: &str = "宋体";
const LATIN: &str = "Times New Roman";

/// Sizes in half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 五号 10.5 pt.
const TITLE_SIZE: usize = 44;
const BODY_SIZE: usize = 32;
const SMALL_SIZE: usize = 28;
const TABLE_SIZE: usize = 21;

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(LATIN)
        .hi_ansi(LATIN)
        .cs(LATIN)
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(size)
}

/// A body paragraph, indented two characters, at 28 pt line spacing.
fn para(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY, BODY_SIZE))
        .first_line_chars(200)
        .line_spacing(LineSpacing::new().line(560))
}

fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, HEADING, BODY_SIZE))
        .first_line_chars(200)
        .outline_lvl(0)
        .keep_next(true)
        .line_spacing(LineSpacing::new().line(560).before(120))
}

fn caption(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY, SMALL_SIZE))
        .align(AlignmentType::Center)
        .keep_next(true)
}

fn cell(text: &str, header: bool, width_mm: u32) -> TableCell {
    let r = run(text, if header { HEADING } else { BODY }, TABLE_SIZE);
    let c = TableCell::new()
        .add_paragraph(Paragraph::new().add_run(r))
        .width(mm(width_mm) as usize, WidthType::Dxa);
    if header {
        c.shading(Shading::new().fill("E7EDF5"))
    } else {
        c
    }
}

/// A table with a shaded header row, its columns `(header, width in mm)`,
/// the widths adding up to the text column's.
fn table(columns: &[(&str, u32)], rows: Vec<Vec<String>>) -> Table {
    let widths: Vec<u32> = columns.iter().map(|(_, w)| *w).collect();
    let mut all = vec![TableRow::new(
        columns.iter().map(|(h, w)| cell(h, true, *w)).collect(),
    )];
    all.extend(rows.iter().map(|r| {
        TableRow::new(
            r.iter()
                .zip(&widths)
                .map(|(c, w)| cell(c, false, *w))
                .collect(),
        )
    }));
    Table::new(all)
        .set_grid(widths.iter().map(|w| mm(*w) as usize).collect())
        .layout(TableLayoutType::Fixed)
        .width(mm(TEXT_WIDTH_MM) as usize, WidthType::Dxa)
}

fn count_row(name: &str, c: &Counts) -> Vec<String> {
    vec![
        name.to_string(),
        c.evaluated.to_string(),
        c.passed.to_string(),
        c.failed().to_string(),
        c.rate(),
    ]
}

fn count_columns(first: &str) -> [(&str, u32); 5] {
    [
        (first, 44),
        ("考核基地数", 28),
        ("达标", 28),
        ("未达标", 28),
        ("达标率", 28),
    ]
}

fn date(d: chrono::NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

/// The report as a .docx file.
pub fn write(r: &YearReport) -> AppResult<Vec<u8>> {
    let title = format!(
        "{}{}年度科创中原创新基地考核（评估）情况报告",
        if r.scope_name == "全省" {
            "河南省"
        } else {
            ""
        },
        r.year
    );
    let scope_line = if r.scope_name == "全省" {
        "（全省）".to_string()
    } else {
        format!("（{}推荐基地）", r.scope_name)
    };
    let mut doc = Docx::new()
        .page_size(A4.0, A4.1)
        .page_margin(
            PageMargin::new()
                .top(mm(37) as i32)
                .bottom(mm(35) as i32)
                .left(mm(28) as i32)
                .right(mm(26) as i32)
                .header(mm(15) as i32)
                .footer(mm(20) as i32),
        )
        .default_fonts(fonts(BODY))
        .default_size(BODY_SIZE)
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_page_num(PageNum::new()),
            ),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&title, TITLE, TITLE_SIZE).bold())
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().after(120)),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&scope_line, BODY, BODY_SIZE))
                .align(AlignmentType::Center),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&date(r.made_on), BODY, BODY_SIZE))
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().after(240)),
        );

    let standing = if r.confirmed {
        format!("本报告所用 {} 年度考核结果已定稿，以定稿结果为准。", r.year)
    } else if r.running {
        format!(
            "{} 年度统计期尚未结束，本报告数据截至 {}，考核结果未定稿，仅供参考。",
            r.year,
            date(r.as_of)
        )
    } else {
        format!(
            "{} 年度考核结果尚未定稿，本报告数据可能随补报、更正而变化。",
            r.year
        )
    };
    doc = doc.add_paragraph(para(&standing)).add_paragraph(para(&format!(
        "依据《河南省科创中原创新基地管理办法》第十条规定的年度任务（规则版本：{}），{}共有创新基地 {} 个，{} 年度应考核 {} 个，达标 {} 个，未达标 {} 个，达标率 {}。",
        r.rulebook,
        if r.scope_name == "全省" { "全省".to_string() } else { format!("{}推荐的", r.scope_name) },
        r.bases,
        r.year,
        r.total.evaluated,
        r.total.passed,
        r.total.failed(),
        r.total.rate()
    )));

    doc = doc.add_paragraph(heading("一、总体情况"));
    doc = doc
        .add_paragraph(para("（一）分类型考核情况"))
        .add_table(table(
            &count_columns("类型"),
            r.by_type
                .iter()
                .map(|(t, c)| count_row(t.name_zh(), c))
                .chain(std::iter::once(count_row("合计", &r.total)))
                .collect(),
        ));
    doc = doc.add_paragraph(para("（二）分地市考核情况"));
    doc = if r.by_city.is_empty() {
        doc.add_paragraph(para("本年度暂无考核基地。"))
    } else {
        doc.add_table(table(
            &count_columns("地市"),
            r.by_city
                .iter()
                .map(|(c, n)| count_row(c.as_str(), n))
                .collect(),
        ))
    };

    doc = doc.add_paragraph(heading("二、图表"));
    for (i, f) in r.figures.iter().enumerate() {
        let w = TEXT_WIDTH_MM * EMU_PER_MM;
        let h = (u64::from(w) * u64::from(f.height) / u64::from(f.width.max(1))) as u32;
        let pic = Pic::new_with_dimensions(f.png.clone(), f.width, f.height).size(w, h);
        doc = doc
            .add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_image(pic))
                    .align(AlignmentType::Center)
                    .keep_next(true),
            )
            .add_paragraph(caption(&format!("图 {}  {}", i + 1, f.caption)));
    }

    doc = doc.add_paragraph(heading("三、未达标基地"));
    for (n, (t, list)) in r.failed.iter().enumerate() {
        doc = doc.add_paragraph(para(&format!(
            "（{}）{}：{} 个",
            CHINESE_NUMBERS.get(n).copied().unwrap_or("…"),
            t.name_zh(),
            list.len()
        )));
        if list.is_empty() {
            doc = doc.add_paragraph(para("无未达标基地。"));
            continue;
        }
        doc = doc.add_table(table(
            &[
                ("序号", 10),
                ("基地编号", 30),
                ("基地名称", 28),
                ("依托单位", 24),
                ("地市", 16),
                ("未完成的年度任务（第十条）", 48),
            ],
            list.iter()
                .enumerate()
                .map(|(i, f)| {
                    vec![
                        (i + 1).to_string(),
                        f.code.clone(),
                        f.name.clone(),
                        f.host.clone(),
                        f.city.as_str().to_string(),
                        f.shortfalls.join("；"),
                    ]
                })
                .collect(),
        ));
    }

    doc = doc.add_paragraph(heading("四、整改情况"));
    doc = if r.rectifications.is_empty() {
        doc.add_paragraph(para("无责令整改的基地。"))
    } else {
        doc.add_paragraph(para(&format!(
            "责令限期整改 {} 个（含以前年度尚未办结或本年度内办结的）：",
            r.rectifications.len()
        )))
        .add_table(table(
            &[
                ("基地编号", 30),
                ("基地名称", 27),
                ("考核年度", 13),
                ("责令日期", 20),
                ("整改期限", 26),
                ("结果", 18),
                ("决定日期", 22),
            ],
            r.rectifications
                .iter()
                .map(|o| {
                    let deadline = match o.extended_from {
                        Some(from) => format!("{}（由 {} 延期）", o.deadline, from),
                        None => o.deadline.to_string(),
                    };
                    vec![
                        o.code.clone(),
                        o.name.clone(),
                        o.year.to_string(),
                        o.ordered_on.to_string(),
                        deadline,
                        o.outcome.to_string(),
                        o.decided_on.map(|d| d.to_string()).unwrap_or_default(),
                    ]
                })
                .collect(),
        ))
    };

    doc = doc.add_paragraph(heading("五、撤销和终止的基地"));
    doc = if r.ended.is_empty() {
        doc.add_paragraph(para(&format!(
            "{} 年 1 月 1 日以来无撤销或终止的基地。",
            r.year
        )))
    } else {
        doc.add_paragraph(para(&format!(
            "{} 年 1 月 1 日以来撤销或终止 {} 个：",
            r.year,
            r.ended.len()
        )))
        .add_table(table(
            &[
                ("基地编号", 30),
                ("基地名称", 29),
                ("类型", 24),
                ("状态", 14),
                ("生效日期", 20),
                ("原因", 39),
            ],
            r.ended
                .iter()
                .map(|e| {
                    vec![
                        e.code.clone(),
                        e.name.clone(),
                        e.base_type.name_zh().to_string(),
                        e.status.name_zh().to_string(),
                        e.since.to_string(),
                        e.reason.clone(),
                    ]
                })
                .collect(),
        ))
    };

    doc = doc.add_paragraph(heading("六、年度计划和总结报送情况"));
    doc = if r.missing.is_empty() {
        doc.add_paragraph(para(&format!(
            "各基地均已报送 {} 年度工作计划和工作总结。",
            r.year
        )))
    } else {
        // One row per base, with each of its documents still due.
        let mut by_base: Vec<(&str, &str, Vec<String>)> = Vec::new();
        for m in &r.missing {
            let what = match m.due {
                Some(d) => format!("{}（{}，截止 {d}）", m.kind.name_zh(), m.status),
                None => format!("{}（{}）", m.kind.name_zh(), m.status),
            };
            match by_base.iter_mut().find(|(c, _, _)| *c == m.code) {
                Some(b) => b.2.push(what),
                None => by_base.push((&m.code, &m.name, vec![what])),
            }
        }
        by_base.sort_by(|a, b| a.0.cmp(b.0));
        doc.add_paragraph(para(&format!(
            "{} 个基地未报送 {} 年度工作计划或工作总结：",
            by_base.len(),
            r.year
        )))
        .add_table(table(
            &[("基地编号", 30), ("基地名称", 52), ("未报送的材料", 74)],
            by_base
                .into_iter()
                .map(|(code, name, what)| vec![code.to_string(), name.to_string(), what.join("；")])
                .collect(),
        ))
    };
    doc =
        doc.add_paragraph(Paragraph::new().add_run(Run::new().add_break(BreakType::TextWrapping)));
    doc = doc.add_paragraph(
        Paragraph::new()
            .add_run(run(
                &format!(
                    "（本报告由 basewatch 于 {} 生成，印发前请核校。）",
                    date(r.made_on)
                ),
                BODY,
                SMALL_SIZE,
            ))
            .align(AlignmentType::Right),
    );

    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| AppError::Invalid(format!("报告生成失败 (could not write the DOCX): {e}")))?;
    Ok(out.into_inner())
}

const CHINESE_NUMBERS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
