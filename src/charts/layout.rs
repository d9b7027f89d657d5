//! What the chart kinds share: sizes, colours, text styles, the title band,
//! the "暂无数据" placeholder, fitting text into a width, number formats.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::fonts::FONT_FAMILY;

pub(super) type AreaResult<DB, T> =
    Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
pub(super) type DrawResult<DB> = AreaResult<DB, ()>;

pub(super) const WIDTH: u32 = 720;
pub(super) const HEIGHT: u32 = 360;
/// Height of the band the title is centred in, whether or not there is a title.
pub(super) const TITLE_HEIGHT: u32 = 40;
/// Text sizes in plotters' unit: glyphs are size / 1.24 pixels (the SVG
/// `font-size`), so labels are 12 px, the smallest size browsers in Chinese
/// locales render as asked, and titles about 18 px.
pub(super) const LABEL_SIZE: f64 = 15.0;
pub(super) const TITLE_SIZE: f64 = 22.0;
/// Vertical distance between lines of tick labels.
pub(super) const LINE_HEIGHT: i32 = 17;

pub(super) const TEXT: RGBColor = RGBColor(0x33, 0x33, 0x33);
pub(super) const MUTED: RGBColor = RGBColor(0x8C, 0x8C, 0x8C);
pub(super) const AXIS: RGBColor = RGBColor(0x80, 0x80, 0x80);
pub(super) const GRID: RGBColor = RGBColor(0xE3, 0xE3, 0xE3);
/// Bars that meet their target.
pub(super) const MET: RGBColor = RGBColor(0x3C, 0xA5, 0x5C);
/// Bars below their target.
pub(super) const NOT_MET: RGBColor = RGBColor(0xE8, 0x6A, 0x2C);
/// Target lines.
pub(super) const TARGET: RGBColor = RGBColor(0x1D, 0x2B, 0x3A);
/// "未填报".
pub(super) const MISSING: RGBColor = RGBColor(0xC0, 0x39, 0x2B);
/// Rate bars.
pub(super) const RATE: RGBColor = RGBColor(0x3B, 0x73, 0xB9);
/// Trend lines, in order (Tableau 10).
pub(super) static SERIES: [RGBColor; 10] = [
    RGBColor(0x4E, 0x79, 0xA7),
    RGBColor(0xF2, 0x8E, 0x2B),
    RGBColor(0xE1, 0x57, 0x59),
    RGBColor(0x59, 0xA1, 0x4F),
    RGBColor(0xB0, 0x7A, 0xA1),
    RGBColor(0x76, 0xB7, 0xB2),
    RGBColor(0xED, 0xC9, 0x48),
    RGBColor(0x9C, 0x75, 0x5F),
    RGBColor(0xFF, 0x9D, 0xA7),
    RGBColor(0x79, 0x70, 0x6E),
];

/// Longest text (in characters) ever measured or drawn: longer input is cut.
const MAX_CHARS: usize = 200;

/// A text style in the chart font, anchored at `h`/`v` of the drawing position.
pub(super) fn text(size: f64, color: &'static RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FONT_FAMILY, size).into_font())
        .color(color)
        .pos(Pos::new(h, v))
}

/// Fill `root` white, centre `title` in the top band, return the rest.
pub(super) fn title_band<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    mode: TextMode,
) -> AreaResult<DB, DrawingArea<DB, Shift>> {
    root.fill(&WHITE)?;
    let (band, body) = root.split_vertically(TITLE_HEIGHT);
    let style = TextStyle::from((FONT_FAMILY, TITLE_SIZE, FontStyle::Bold).into_font())
        .color(&TEXT)
        .pos(Pos::new(HPos::Center, VPos::Center));
    let (w, _) = band.dim_in_pixel();
    let title = fit(&band, title.trim(), &style, w.saturating_sub(24))?;
    if !title.is_empty() {
        put_text(
            &band,
            &title,
            &style,
            (w as i32 / 2, TITLE_HEIGHT as i32 / 2),
            mode,
        )?;
    }
    Ok(body)
}

/// A light frame with "暂无数据" in the middle.
pub(super) fn no_data<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    mode: TextMode,
) -> DrawResult<DB> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    area.draw(&Rectangle::new(
        [(16, 8), ((w - 16).max(17), (h - 16).max(9))],
        GRID.stroke_width(1),
    ))?;
    let style = text(TITLE_SIZE, &MUTED, HPos::Center, VPos::Center);
    put_text(area, "暂无数据", &style, (w / 2, (h - 8) / 2), mode)
}

/// How text reaches the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TextMode {
    /// Whole strings: SVG, where the browser lays the text out.
    Strings,
    /// Glyph by glyph: PNG. plotters' ab_glyph drawing puts each glyph's ink
    /// at the pen position, ignoring its side bearing, which leaves uneven
    /// gaps in Chinese ("新乡 市"); drawn one by one, each glyph's ink is
    /// centred in its advance instead (CJK glyphs are designed centred in
    /// their em box; full-width brackets and punctuation keep to their side).
    Glyphs,
}

/// Draw `text` on `area` at `pos` (anchored as `style` says) in `mode`.
pub(super) fn put_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    pos: (i32, i32),
    mode: TextMode,
) -> DrawResult<DB> {
    if mode == TextMode::Strings || text.is_empty() {
        return area.draw_text(text, style, pos);
    }
    let mut glyphs = Vec::new();
    let mut pen = 0;
    for ch in text.chars() {
        let s = ch.to_string();
        let Ok(((x0, _), (x1, _))) = style.font.layout_box(&s) else {
            // No font: let plotters report it.
            return area.draw_text(text, style, pos);
        };
        let advance = x1 - x0;
        glyphs.push((s, pen + ink_offset(&style.font, ch, advance)));
        pen += advance;
    }
    let start = match style.pos.h_pos {
        HPos::Left => pos.0,
        HPos::Center => pos.0 - pen / 2,
        HPos::Right => pos.0 - pen,
    };
    let left = style.pos(Pos::new(HPos::Left, style.pos.v_pos));
    for (s, x) in glyphs {
        if !s.trim().is_empty() {
            area.draw_text(&s, &left, (start + x, pos.1))?;
        }
    }
    Ok(())
}

/// Where to draw `ch` (relative to its pen position) so that its ink sits
/// where the font means it to within an advance of `advance` pixels.
fn ink_offset(font: &FontDesc, ch: char, advance: i32) -> i32 {
    let (mut lo, mut hi) = (i32::MAX, i32::MIN);
    let drawn = font.draw(&ch.to_string(), (0, 0), |x, _, coverage| {
        if coverage > 0.05 {
            lo = lo.min(x);
            hi = hi.max(x);
        }
        Ok::<(), ()>(())
    });
    if drawn.is_err() || lo > hi {
        return 0;
    }
    let ink = hi - lo + 1;
    let margin = advance / 10;
    let ink_left = if OPENING.contains(&ch) {
        (advance - ink - margin).max(0)
    } else if CLOSING.contains(&ch) {
        margin
    } else {
        (advance - ink) / 2
    };
    ink_left - lo
}

/// Width in pixels of `s` drawn with `style`.
pub(super) fn text_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
) -> AreaResult<DB, u32> {
    Ok(area.estimate_text_size(s, style)?.0)
}

/// `s` if it fits in `max_w` pixels, else its longest prefix that fits with "…".
pub(super) fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
    max_w: u32,
) -> AreaResult<DB, String> {
    let chars: Vec<char> = s.chars().take(MAX_CHARS).collect();
    let whole: String = chars.iter().collect();
    if chars.len() == s.chars().count() && text_width(area, &whole, style)? <= max_w {
        return Ok(whole);
    }
    let cut = |n: usize| -> String {
        let mut t: String = chars[..n].iter().collect();
        t.push('…');
        t
    };
    // The longest prefix that fits, by bisection (width grows with length).
    let (mut lo, mut hi) = (0usize, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if text_width(area, &cut(mid), style)? <= max_w {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(if lo == 0 { "…".to_string() } else { cut(lo) })
}

/// `s` broken into at most `max_lines` lines of at most `max_w` pixels (at
/// least one character per line), balanced ("产学研协/作项目" rather than
/// "产学研协作项/目"); the last line ends in "…" if text was left out.
pub(super) fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
    max_w: u32,
    max_lines: usize,
) -> AreaResult<DB, Vec<String>> {
    let max_lines = max_lines.max(1);
    let text: String = s.trim().chars().take(MAX_CHARS).collect();
    let (mut lines, complete) = wrap_greedy(area, &text, style, max_w, max_lines)?;
    if complete && lines.len() > 1 {
        // The narrowest width that needs no more lines.
        let (mut lo, mut hi) = (1u32, max_w);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (tried, ok) = wrap_greedy(area, &text, style, mid, max_lines)?;
            if ok && tried.len() <= lines.len() {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let (balanced, ok) = wrap_greedy(area, &text, style, lo, max_lines)?;
        if ok && balanced.len() <= lines.len() {
            lines = balanced;
        }
    }
    if !complete {
        if let Some(last) = lines.last_mut() {
            // Text was left out: mark it on the last line.
            let mut marked = last.clone();
            marked.push('…');
            *last = fit(area, &marked, style, max_w)?;
        }
    }
    Ok(lines)
}

/// Lines filled one after the other, and whether all of `text` fit in `max_lines`.
fn wrap_greedy<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_w: u32,
    max_lines: usize,
) -> AreaResult<DB, (Vec<String>, bool)> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for ch in text.chars() {
        if line.is_empty() && ch.is_whitespace() {
            continue;
        }
        let mut longer = line.clone();
        longer.push(ch);
        if line.is_empty() || text_width(area, &longer, style)? <= max_w {
            line = longer;
            continue;
        }
        let carried = match carry_point(&line, ch) {
            Some(i) => {
                let tail = line[i..].trim_start().to_string();
                line.truncate(i);
                line.truncate(line.trim_end().len());
                tail
            }
            None => String::new(),
        };
        let mut full = std::mem::replace(&mut line, carried);
        full.truncate(full.trim_end().len());
        if !full.is_empty() {
            lines.push(full);
        }
        if lines.len() == max_lines {
            return Ok((lines, false));
        }
        if !(line.is_empty() && ch.is_whitespace()) {
            line.push(ch);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    let complete = lines.len() <= max_lines;
    Ok((lines, complete))
}

/// Where to break `line` when `next` does not fit after it, keeping together
/// what belongs together; None to break right before `next`.
fn carry_point(line: &str, next: char) -> Option<usize> {
    let opens = |c: &char| OPENING.contains(c) || "([".contains(*c);
    let closes = |c: &char| CLOSING.contains(c) || ")],.;:!?".contains(*c);
    // A bracket still open ("（万元）") moves to the next line with its content.
    if let Some((i, c)) = line
        .char_indices()
        .rev()
        .find(|(_, c)| opens(c) || closes(c))
    {
        if i > 0 && opens(&c) {
            return Some(i);
        }
    }
    // A Latin word being cut moves whole.
    if is_word_char(next) && line.ends_with(is_word_char) {
        if let Some(space) = line.rfind(' ').filter(|&i| i > 0) {
            return Some(space + 1);
        }
    }
    // Closing punctuation does not start a line: the last character comes along.
    if closes(&next) {
        if let Some((i, _)) = line.char_indices().last().filter(|&(i, _)| i > 0) {
            return Some(i);
        }
    }
    None
}

/// Full-width opening brackets: their ink sits on the right of their box.
const OPENING: &[char] = &[
    '（', '【', '《', '“', '‘', '〈', '「', '『', '〔', '［', '｛',
];
/// Full-width closing brackets and stops: their ink sits on the left.
const CLOSING: &[char] = &[
    '）', '】', '》', '”', '’', '〉', '」', '』', '〕', '］', '｝', '，', '。', '、', '；', '：',
    '！', '？',
];

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// A number as people write it: integers without decimals, else up to two.
pub(super) fn number(v: f64) -> String {
    if !v.is_finite() {
        return "—".to_string();
    }
    if (v - v.round()).abs() < 1e-9 && v.abs() < 1e15 {
        return format!("{}", v.round() as i64);
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// A rate (0..=1) as a percentage with one decimal, e.g. "85.3%".
pub(super) fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0 + 0.0)
}

/// An axis tick for a rate, e.g. "40%".
pub(super) fn percent_tick(rate: f64) -> String {
    format!("{:.0}%", rate * 100.0 + 0.0)
}

/// A finite value, else None.
pub(super) fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}
