//! Charts for the web pages (SVG strings) and for email and download (PNG bytes), with Chinese labels.
//!
//! Four kinds: [`indicator_chart`] (a base's indicators against their
//! targets), [`rate_chart`] (pass rate per group, e.g. per city),
//! [`trend_chart`] (rates over the years) and [`city_map`] (Henan's cities
//! coloured by a metric). Each draws with plotters into an SVG
//! string or an RGB buffer that the `png` crate encodes in memory.
//!
//! Chinese in PNGs needs a CJK font on the machine: [`init_fonts`] finds one
//! (config `charts.font_path` first, then the usual paths) and registers it;
//! call it at start-up and log its error as a warning. Charts call it
//! themselves if nobody did. SVGs name a list of Chinese fonts and leave the
//! rendering to the browser.
//!
//! Nothing here panics on odd input: empty inputs draw "暂无数据", values that
//! are not finite are treated as missing, rates are clamped to 0..=1.

mod fonts;
mod indicator;
mod layout;
mod map;
mod rate;
mod trend;

#[cfg(test)]
mod tests;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use fonts::{init_fonts, FONT_FAMILY};
pub use map::{CityFigure, MapMetric};

use crate::domain::City;

/// Output format of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An SVG document (UTF-8 text), for web pages.
    Svg,
    /// A PNG image, for email and download.
    Png,
}

impl Format {
    /// The MIME type of this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Svg => "image/svg+xml",
            Format::Png => "image/png",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
}

/// A rendered chart.
#[derive(Debug, Clone)]
pub struct Chart {
    pub format: Format,
    /// Width and height in pixels.
    pub size: (u32, u32),
    /// The SVG text (UTF-8) or the PNG file.
    pub bytes: Vec<u8>,
}

impl Chart {
    /// `"image/svg+xml"` or `"image/png"`.
    pub fn content_type(&self) -> &'static str {
        self.format.content_type()
    }
}

/// One indicator in [`indicator_chart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The indicator's name, e.g. "平台上传".
    pub label: String,
    /// The value reached; None when not reported (no bar, the tick says "未填报").
    pub actual: Option<f64>,
    /// The target, drawn as a horizontal line over the bar.
    pub target: f64,
}

/// What rendering a chart can fail with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ChartError {
    /// No font with Chinese glyphs was found.
    #[error(
        "未找到中文字体，图表中的中文将无法显示 (no CJK font found: Chinese labels in charts will not render); \
         请安装 fonts-noto-cjk 或 fonts-wqy-microhei，或在配置 charts.font_path 指定字体文件 \
         (install fonts-noto-cjk or fonts-wqy-microhei, or set charts.font_path); \
         已尝试 (tried): {tried}"
    )]
    NoCjkFont { tried: String },
    /// plotters failed to draw.
    #[error("图表绘制失败 (chart rendering failed): {0}")]
    Render(String),
    /// The PNG encoder failed.
    #[error("PNG 编码失败 (PNG encoding failed): {0}")]
    Encode(String),
}

/// Bars for indicators against their targets: green where the target is met,
/// orange where not, a dark line at each target, the value above each bar.
/// An indicator with `actual: None` gets no bar and "未填报" under its label.
pub fn indicator_chart(title: &str, bars: &[Bar], format: Format) -> Result<Chart, ChartError> {
    render(&indicator::IndicatorChart { title, bars }, format)
}

/// Pass rate (0.0..=1.0) per group (e.g. per city, "郑州市"), as horizontal
/// bars on a percentage axis, in the order given. The height grows with the
/// number of groups (360 px up to 13 groups, 450 px for 18).
pub fn rate_chart(
    title: &str,
    items: &[(String, f64)],
    format: Format,
) -> Result<Chart, ChartError> {
    render(&rate::RateChart { title, items }, format)
}

/// Rates (0.0..=1.0) over the years: one line per series (e.g. "全省",
/// "产学研协作类"), with a legend under the title.
pub fn trend_chart(
    title: &str,
    series: &[(String, Vec<(i32, f64)>)],
    format: Format,
) -> Result<Chart, ChartError> {
    render(&trend::TrendChart { title, series }, format)
}

/// Henan's 18 cities filled on a colour scale for `metric`, each with its
/// name and value; a city with no bases is grey ("无基地"). In an SVG, when
/// `link` is given, each city links to `link(city)`.
pub fn city_map(
    title: &str,
    metric: MapMetric,
    figures: &[CityFigure],
    format: Format,
    link: Option<&dyn Fn(City) -> String>,
) -> Result<Chart, ChartError> {
    let map = map::CityMap {
        title,
        metric,
        figures,
    };
    let mut chart = render(&map, format)?;
    if let (Format::Svg, Some(link)) = (format, link) {
        chart.bytes = map::add_links(chart.bytes, &map, link)?;
    }
    Ok(chart)
}

/// A chart that can draw itself on any plotters backend.
trait Paint {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    fn paint<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        mode: layout::TextMode,
    ) -> layout::DrawResult<DB>;
}

fn render<P: Paint>(chart: &P, format: Format) -> Result<Chart, ChartError> {
    fonts::ensure_fonts()?;
    let (w, h) = chart.size();
    // plotters should not panic on what we give it, but a chart is never worth a crash.
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match format {
        Format::Svg => render_svg(chart, (w, h)),
        Format::Png => render_png(chart, (w, h)),
    }));
    let bytes = drawn.unwrap_or_else(|_| {
        Err(ChartError::Render(
            "绘图库内部错误 (plotters panicked)".to_string(),
        ))
    })?;
    Ok(Chart {
        format,
        size: (w, h),
        bytes,
    })
}

fn render_svg<P: Paint>(chart: &P, size: (u32, u32)) -> Result<Vec<u8>, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        chart
            .paint(&root, layout::TextMode::Strings)
            .map_err(render_error)?;
        root.present().map_err(render_error)?;
    }
    Ok(svg.into_bytes())
}

fn render_png<P: Paint>(chart: &P, (w, h): (u32, u32)) -> Result<Vec<u8>, ChartError> {
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        chart
            .paint(&root, layout::TextMode::Glyphs)
            .map_err(render_error)?;
        root.present().map_err(render_error)?;
    }
    encode_png(&rgb, (w, h))
}

fn render_error<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> ChartError {
    ChartError::Render(e.to_string())
}

/// Encode 8-bit RGB pixels as a PNG file in memory.
fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, ChartError> {
    let encode_error = |e: png::EncodingError| ChartError::Encode(e.to_string());
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(encode_error)?;
        writer.write_image_data(rgb).map_err(encode_error)?;
        writer.finish().map_err(encode_error)?;
    }
    Ok(out)
}
