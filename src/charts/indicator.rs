//! Indicators against their targets: one bar per indicator, a line at its target.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::layout::{self, DrawResult, TextMode, LINE_HEIGHT, WIDTH};
use super::{Bar, Paint};

pub(super) struct IndicatorChart<'a> {
    pub title: &'a str,
    pub bars: &'a [Bar],
}

/// Height of the legend band under the title.
const LEGEND_HEIGHT: u32 = 22;
/// Width of the value axis labels.
const Y_LABEL_AREA: u32 = 56;
const MARGIN_LEFT: u32 = 8;
const MARGIN_RIGHT: u32 = 20;
/// Lines a tick label may wrap to (before "未填报").
const LABEL_LINES: usize = 2;

/// A bar with non-finite numbers removed.
struct Clean<'a> {
    label: &'a str,
    actual: Option<f64>,
    target: Option<f64>,
}

impl Clean<'_> {
    fn met(&self) -> bool {
        match (self.actual, self.target) {
            (Some(a), Some(t)) => a >= t,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

impl Paint for IndicatorChart<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, layout::HEIGHT)
    }

    fn paint<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        mode: TextMode,
    ) -> DrawResult<DB> {
        let body = layout::title_band(root, self.title, mode)?;
        if self.bars.is_empty() {
            return layout::no_data(&body, mode);
        }
        let bars: Vec<Clean> = self
            .bars
            .iter()
            .map(|b| Clean {
                label: &b.label,
                actual: b.actual.and_then(layout::finite),
                target: layout::finite(b.target),
            })
            .collect();
        let n = bars.len();
        let values = || bars.iter().flat_map(|b| [b.actual, b.target]).flatten();
        let high = values().fold(0.0f64, f64::max);
        let low = values().fold(0.0f64, f64::min);
        // Room above the highest bar or target for the value labels.
        let y_max = if high > 0.0 { high * 1.18 } else { 1.0 };
        let y_min = if low < 0.0 { low * 1.18 } else { 0.0 };

        let (legend, plot) = body.split_vertically(LEGEND_HEIGHT);
        draw_legend(&legend, mode)?;

        // Tick labels: wrapped to the width of a slot, "未填报" under unreported ones.
        let label_style = layout::text(layout::LABEL_SIZE, &layout::TEXT, HPos::Center, VPos::Top);
        let missing_style = layout::text(
            layout::LABEL_SIZE,
            &layout::MISSING,
            HPos::Center,
            VPos::Top,
        );
        let plot_width = WIDTH.saturating_sub(Y_LABEL_AREA + MARGIN_LEFT + MARGIN_RIGHT);
        let slot = (plot_width / n as u32).saturating_sub(6).max(14);
        let labels = bars
            .iter()
            .map(|b| layout::wrap(&plot, b.label, &label_style, slot, LABEL_LINES))
            .collect::<Result<Vec<_>, _>>()?;
        let lines = bars
            .iter()
            .zip(&labels)
            .map(|(b, l)| l.len() + usize::from(b.actual.is_none()))
            .max()
            .unwrap_or(1)
            .max(1);

        let mut chart = ChartBuilder::on(&plot)
            .margin_left(MARGIN_LEFT)
            .margin_right(MARGIN_RIGHT)
            .margin_top(6)
            .x_label_area_size(10 + LINE_HEIGHT as u32 * lines as u32)
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(0f64..n as f64, y_min..y_max)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_x_axis()
            .y_labels(6)
            .y_label_formatter(&|v| layout::number(*v))
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

        chart.draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
            let colour = if b.met() {
                layout::MET
            } else {
                layout::NOT_MET
            };
            b.actual.map(|a| {
                Rectangle::new(
                    [(i as f64 + 0.22, 0.0), (i as f64 + 0.78, a)],
                    colour.filled(),
                )
            })
        }))?;
        // The category axis, at zero.
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (n as f64, 0.0)],
            layout::AXIS.stroke_width(1),
        )))?;
        chart.draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
            b.target.map(|t| {
                PathElement::new(
                    vec![(i as f64 + 0.1, t), (i as f64 + 0.9, t)],
                    layout::TARGET.stroke_width(3),
                )
            })
        }))?;

        let value_style = layout::text(
            layout::LABEL_SIZE,
            &layout::TEXT,
            HPos::Center,
            VPos::Bottom,
        );
        for (i, (b, label)) in bars.iter().zip(&labels).enumerate() {
            let centre = i as f64 + 0.5;
            if let Some(a) = b.actual {
                // Above the bar, or above the target line where that would cross the text.
                let (x, bar_top) = chart.backend_coord(&(centre, a.max(0.0)));
                let mut y = bar_top - 4;
                if let Some(t) = b.target {
                    let (_, line) = chart.backend_coord(&(centre, t));
                    if (bar_top - 20..=bar_top + 2).contains(&line) {
                        y = line.min(bar_top) - 5;
                    }
                }
                layout::put_text(root, &layout::number(a), &value_style, (x, y), mode)?;
            }
            let (x, mut y) = chart.backend_coord(&(centre, y_min));
            y += 7;
            for line in label {
                layout::put_text(root, line, &label_style, (x, y), mode)?;
                y += LINE_HEIGHT;
            }
            if b.actual.is_none() {
                layout::put_text(root, "未填报", &missing_style, (x, y), mode)?;
            }
        }
        Ok(())
    }
}

/// "■ 达标  ■ 未达标  ━ 目标值", right-aligned.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    mode: TextMode,
) -> DrawResult<DB> {
    let style = layout::text(layout::LABEL_SIZE, &layout::TEXT, HPos::Left, VPos::Center);
    let (w, h) = area.dim_in_pixel();
    let y = h as i32 / 2;
    let items: [(&str, Option<RGBColor>); 3] = [
        ("达标", Some(layout::MET)),
        ("未达标", Some(layout::NOT_MET)),
        ("目标值", None),
    ];
    let mut widths = Vec::with_capacity(items.len());
    for (name, _) in &items {
        widths.push(layout::text_width(area, name, &style)? as i32);
    }
    let swatch = 14;
    let total: i32 = widths.iter().map(|w| swatch + 4 + w + 14).sum();
    let mut x = w as i32 - MARGIN_RIGHT as i32 - total + 14;
    for ((name, fill), text_w) in items.iter().zip(widths) {
        match fill {
            Some(colour) => {
                area.draw(&Rectangle::new(
                    [(x, y - 5), (x + swatch, y + 5)],
                    colour.filled(),
                ))?;
            }
            None => {
                area.draw(&PathElement::new(
                    vec![(x, y), (x + swatch, y)],
                    layout::TARGET.stroke_width(3),
                ))?;
            }
        }
        layout::put_text(area, name, &style, (x + swatch + 4, y), mode)?;
        x += swatch + 4 + text_w + 14;
    }
    Ok(())
}
