//! Pass rate per group: horizontal bars, groups top to bottom in the order given.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::layout::{self, DrawResult, TextMode, WIDTH};
use super::Paint;

pub(super) struct RateChart<'a> {
    pub title: &'a str,
    pub items: &'a [(String, f64)],
}

/// Pixels per group beyond which the chart grows taller than [`layout::HEIGHT`].
const ROW_HEIGHT: u32 = 20;
/// Room for the title, the axis and the margins.
const CHROME_HEIGHT: u32 = 90;
const MAX_HEIGHT: u32 = 1200;
/// Room right of the plot for the value of a full bar ("100.0%").
const MARGIN_RIGHT: u32 = 56;
const MIN_LABEL_AREA: u32 = 48;
const MAX_LABEL_AREA: u32 = 180;

impl Paint for RateChart<'_> {
    fn size(&self) -> (u32, u32) {
        let rows = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        let wanted = rows
            .saturating_mul(ROW_HEIGHT)
            .saturating_add(CHROME_HEIGHT);
        (WIDTH, wanted.clamp(layout::HEIGHT, MAX_HEIGHT))
    }

    fn paint<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        mode: TextMode,
    ) -> DrawResult<DB> {
        let body = layout::title_band(root, self.title, mode)?;
        if self.items.is_empty() {
            return layout::no_data(&body, mode);
        }
        let n = self.items.len();
        let (_, height) = body.dim_in_pixel();
        // Labels shrink when rows get thin (hundreds of groups).
        let row_px = height.saturating_sub(50) as f64 / n as f64;
        let font_size = (row_px * 0.9).clamp(7.0, layout::LABEL_SIZE);

        let label_style = layout::text(font_size, &layout::TEXT, HPos::Right, VPos::Center);
        let mut labels = Vec::with_capacity(n);
        let mut widest = 0;
        for (name, _) in self.items {
            let label = layout::fit(&body, name.trim(), &label_style, MAX_LABEL_AREA - 12)?;
            widest = widest.max(layout::text_width(&body, &label, &label_style)?);
            labels.push(label);
        }
        let label_area = (widest + 12).clamp(MIN_LABEL_AREA, MAX_LABEL_AREA);

        let mut chart = ChartBuilder::on(&body)
            .margin_left(8)
            .margin_right(MARGIN_RIGHT)
            .margin_top(6)
            .margin_bottom(4)
            .x_label_area_size(28)
            .y_label_area_size(label_area)
            .build_cartesian_2d(0f64..1f64, 0f64..n as f64)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .x_labels(6)
            .x_label_formatter(&|v| layout::percent_tick(*v))
            .label_style(layout::text(
                layout::LABEL_SIZE,
                &layout::TEXT,
                HPos::Center,
                VPos::Top,
            ))
            .axis_style(layout::AXIS)
            .bold_line_style(layout::GRID)
            .light_line_style(WHITE)
            .draw()?;

        // Row i (from the top) spans y in [n-i-1, n-i].
        let rates: Vec<Option<f64>> = self
            .items
            .iter()
            .map(|(_, r)| layout::finite(*r).map(|r| r.clamp(0.0, 1.0)))
            .collect();
        let gap = if n > 40 { 0.1 } else { 0.2 };
        chart.draw_series(rates.iter().enumerate().filter_map(|(i, r)| {
            let bottom = (n - i - 1) as f64;
            r.map(|r| {
                Rectangle::new(
                    [(0.0, bottom + gap), (r, bottom + 1.0 - gap)],
                    layout::RATE.filled(),
                )
            })
        }))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (0.0, n as f64)],
            layout::AXIS.stroke_width(1),
        )))?;

        let value_style = layout::text(font_size, &layout::TEXT, HPos::Left, VPos::Center);
        let missing_style = layout::text(font_size, &layout::MUTED, HPos::Left, VPos::Center);
        for (i, (label, rate)) in labels.iter().zip(&rates).enumerate() {
            let middle = (n - i) as f64 - 0.5;
            let (x, y) = chart.backend_coord(&(0.0, middle));
            layout::put_text(root, label, &label_style, (x - 6, y), mode)?;
            match rate {
                Some(r) => {
                    let (x, y) = chart.backend_coord(&(*r, middle));
                    layout::put_text(root, &layout::percent(*r), &value_style, (x + 4, y), mode)?;
                }
                None => layout::put_text(root, "无数据", &missing_style, (x + 4, y), mode)?,
            }
        }
        Ok(())
    }
}
