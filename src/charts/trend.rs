//! Rates over the years: one line per series, a legend under the title.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::layout::{self, DrawResult, TextMode, WIDTH};
use super::Paint;

pub(super) struct TrendChart<'a> {
    pub title: &'a str,
    pub series: &'a [(String, Vec<(i32, f64)>)],
}

const MARGIN_LEFT: u32 = 8;
const MARGIN_RIGHT: u32 = 24;
const Y_LABEL_AREA: u32 = 48;
const LEGEND_ROW: i32 = 20;
/// Legend rows at most; series beyond are drawn but summarised as "等 N 条".
const LEGEND_MAX_ROWS: usize = 3;
/// Year labels at most; longer spans label every 2nd, 5th, ... year.
const MAX_YEAR_LABELS: i64 = 12;
/// Points per line up to which a single series gets its values written.
const MAX_VALUE_LABELS: usize = 15;
/// Top of the rate axis: a little over 100% so points at 100% are not cut.
const Y_TOP: f64 = 1.05;

/// A series with only finite rates, clamped to 0..=1, one per year, by year.
struct Line<'a> {
    name: &'a str,
    points: Vec<(i32, f64)>,
}

impl Paint for TrendChart<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, layout::HEIGHT)
    }

    fn paint<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        mode: TextMode,
    ) -> DrawResult<DB> {
        let body = layout::title_band(root, self.title, mode)?;
        let lines: Vec<Line> = self
            .series
            .iter()
            .map(|(name, points)| {
                let mut points: Vec<(i32, f64)> = points
                    .iter()
                    .filter_map(|&(year, r)| layout::finite(r).map(|r| (year, r.clamp(0.0, 1.0))))
                    .collect();
                points.sort_by_key(|p| p.0);
                // One point per year: the last one given.
                points.reverse();
                points.dedup_by_key(|p| p.0);
                points.reverse();
                Line { name, points }
            })
            .collect();
        let years = || lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
        let (Some(first), Some(last)) = (years().min(), years().max()) else {
            return layout::no_data(&body, mode);
        };

        let legend_height = legend_rows(&body, &lines)?.len() as u32 * LEGEND_ROW as u32 + 4;
        let (legend, plot) = body.split_vertically(legend_height);
        draw_legend(&legend, &lines, mode)?;

        let (x_lo, x_hi) = (f64::from(first) - 0.4, f64::from(last) + 0.4);
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(MARGIN_LEFT)
            .margin_right(MARGIN_RIGHT)
            .margin_top(6)
            .margin_bottom(4)
            .x_label_area_size(26)
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(x_lo..x_hi, 0f64..Y_TOP)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_x_axis()
            .y_labels(6)
            .y_label_formatter(&|v| layout::percent_tick(*v))
            .label_style(layout::text(
                layout::LABEL_SIZE,
                &layout::TEXT,
                HPos::Right,
                VPos::Center,
            ))
            .axis_style(layout::AXIS)
            .bold_line_style(layout::GRID)
            .light_line_style(WHITE)
            .draw()?;

        // Year axis: a grid line, a tick and a label at each labelled year.
        let span = i64::from(last) - i64::from(first);
        let step = (span / MAX_YEAR_LABELS + 1).max(1);
        let labelled: Vec<i32> = (0..=span / step)
            .filter_map(|k| i32::try_from(i64::from(first) + k * step).ok())
            .collect();
        chart.draw_series(labelled.iter().map(|&year| {
            PathElement::new(
                vec![(f64::from(year), 0.0), (f64::from(year), Y_TOP)],
                layout::GRID.stroke_width(1),
            )
        }))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x_lo, 0.0), (x_hi, 0.0)],
            layout::AXIS.stroke_width(1),
        )))?;
        let year_style = layout::text(layout::LABEL_SIZE, &layout::TEXT, HPos::Center, VPos::Top);
        for &year in &labelled {
            let (x, y) = chart.backend_coord(&(f64::from(year), 0.0));
            root.draw(&PathElement::new(
                vec![(x, y), (x, y + 4)],
                layout::AXIS.stroke_width(1),
            ))?;
            layout::put_text(root, &year.to_string(), &year_style, (x, y + 7), mode)?;
        }

        for (i, line) in lines.iter().enumerate() {
            let colour = layout::SERIES[i % layout::SERIES.len()];
            let points: Vec<(f64, f64)> = line
                .points
                .iter()
                .map(|&(year, r)| (f64::from(year), r))
                .collect();
            chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))?;
            chart.draw_series(points.iter().flat_map(|&p| marker(p, i)))?;
        }

        // With one line and few points, write each value above its point.
        if let [line] = lines.as_slice() {
            if line.points.len() <= MAX_VALUE_LABELS {
                let style = layout::text(
                    layout::LABEL_SIZE,
                    &layout::TEXT,
                    HPos::Center,
                    VPos::Bottom,
                );
                for &(year, r) in &line.points {
                    let (x, y) = chart.backend_coord(&(f64::from(year), r));
                    layout::put_text(root, &layout::percent(r), &style, (x, y - 6), mode)?;
                }
            }
        }
        Ok(())
    }
}

/// The dot on a point of series `i`: filled for the first ten series, hollow
/// for the next ten (the colours repeat), and so on.
fn marker<C: Copy>(at: C, i: usize) -> Vec<Circle<C, u32>> {
    let colour = layout::SERIES[i % layout::SERIES.len()];
    if (i / layout::SERIES.len()).is_multiple_of(2) {
        vec![Circle::new(at, 3, colour.filled())]
    } else {
        vec![
            Circle::new(at, 4, WHITE.filled()),
            Circle::new(at, 4, colour.stroke_width(2)),
        ]
    }
}

/// One legend entry: the index of its series and its (fitted) name.
struct Entry {
    series: usize,
    name: String,
    width: i32,
}

/// Swatch (a short line with a dot), gap, name, gap.
const SWATCH: i32 = 20;
const GAP: i32 = 5;
const SPACING: i32 = 18;

/// Legend entries laid out in centred rows within the width; at most
/// [`LEGEND_MAX_ROWS`], the last ending in "等 N 条" if series were left out.
fn legend_rows<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lines: &[Line],
) -> layout::AreaResult<DB, Vec<Vec<Entry>>> {
    let style = legend_style();
    let max_row = WIDTH as i32 - 2 * MARGIN_RIGHT as i32;
    let mut rows: Vec<Vec<Entry>> = Vec::new();
    let mut row: Vec<Entry> = Vec::new();
    let mut row_width = 0;
    let mut shown = 0;
    for (i, line) in lines.iter().enumerate() {
        let name = layout::fit(area, line.name.trim(), &style, 200)?;
        let width = SWATCH + GAP + layout::text_width(area, &name, &style)? as i32;
        if !row.is_empty() && row_width + width > max_row {
            rows.push(std::mem::take(&mut row));
            row_width = 0;
            if rows.len() == LEGEND_MAX_ROWS {
                break;
            }
        }
        row_width += width + SPACING;
        row.push(Entry {
            series: i,
            name,
            width,
        });
        shown += 1;
    }
    if !row.is_empty() {
        rows.push(row);
    }
    let left_out = lines.len() - shown;
    if left_out > 0 {
        if let Some(last) = rows.last_mut() {
            let more = format!("等 {} 条", left_out);
            let width = layout::text_width(area, &more, &style)? as i32;
            last.push(Entry {
                series: usize::MAX,
                name: more,
                width,
            });
        }
    }
    Ok(rows)
}

fn legend_style() -> TextStyle<'static> {
    layout::text(layout::LABEL_SIZE, &layout::TEXT, HPos::Left, VPos::Center)
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lines: &[Line],
    mode: TextMode,
) -> DrawResult<DB> {
    let style = legend_style();
    let (w, _) = area.dim_in_pixel();
    for (r, row) in legend_rows(area, lines)?.iter().enumerate() {
        let total: i32 = row.iter().map(|e| e.width + SPACING).sum::<i32>() - SPACING;
        let mut x = (w as i32 - total) / 2;
        let y = r as i32 * LEGEND_ROW + LEGEND_ROW / 2;
        for entry in row {
            let text_x = if entry.series == usize::MAX {
                x
            } else {
                let colour = layout::SERIES[entry.series % layout::SERIES.len()];
                area.draw(&PathElement::new(
                    vec![(x, y), (x + SWATCH, y)],
                    colour.stroke_width(2),
                ))?;
                for dot in marker((x + SWATCH / 2, y), entry.series) {
                    area.draw(&dot)?;
                }
                x + SWATCH + GAP
            };
            layout::put_text(area, &entry.name, &style, (text_x, y), mode)?;
            x += entry.width + SPACING;
        }
    }
    Ok(())
}
