//! Henan by city: each of the 17 cities and 济源示范区 filled on a colour
//! scale for one metric, with its name and value, a legend and a grey "无基地"
//! state. The outlines are `geo/henan_cities.geojson` (see `geo/README.md`),
//! embedded in the binary and parsed once.
//!
//! In an SVG each city is also a link (an invisible copy of its outline
//! inside `<a href>`, laid over what plotters drew), from the
//! `map_links.svg` template.

use std::sync::OnceLock;

use askama::Template;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use serde::Deserialize;

use super::layout::{self, DrawResult, TextMode, WIDTH};
use super::{ChartError, Paint};
use crate::domain::City;

/// What the map colours the cities by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MapMetric {
    /// Share of the city's evaluated bases that pass (0..=1).
    PassRate,
    /// The city's bases at risk (failing, behind pace, data missing).
    AtRisk,
    /// The city's bases.
    Bases,
}

impl MapMetric {
    pub const ALL: [MapMetric; 3] = [MapMetric::PassRate, MapMetric::AtRisk, MapMetric::Bases];

    /// `pass_rate`, `at_risk` or `bases`.
    pub fn parse(s: &str) -> Option<MapMetric> {
        Self::ALL.into_iter().find(|m| m.id() == s.trim())
    }

    pub fn id(self) -> &'static str {
        match self {
            MapMetric::PassRate => "pass_rate",
            MapMetric::AtRisk => "at_risk",
            MapMetric::Bases => "bases",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            MapMetric::PassRate => "达标率",
            MapMetric::AtRisk => "风险基地数",
            MapMetric::Bases => "基地数",
        }
    }
}

/// One city's figures on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct CityFigure {
    pub city: City,
    /// The city's bases in the caller's scope; 0 draws the "无基地" state.
    pub bases: usize,
    /// The value of the metric; None when there is nothing to show (no base evaluated).
    pub value: Option<f64>,
}

/// One city's outline: its polygons' outer rings, as (longitude, latitude).
struct Outline {
    city: City,
    rings: Vec<Vec<(f64, f64)>>,
    /// Where the name goes, if the file says.
    label: Option<(f64, f64)>,
}

#[derive(Deserialize)]
struct Collection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: Properties,
    geometry: Geometry,
}

#[derive(Deserialize)]
struct Properties {
    name: String,
    #[serde(default)]
    label: Option<[f64; 2]>,
}

#[derive(Deserialize)]
struct Geometry {
    /// MultiPolygon: polygons, rings, points.
    coordinates: Vec<Vec<Vec<[f64; 2]>>>,
}

const GEOJSON: &str = include_str!("geo/henan_cities.geojson");

fn outlines() -> Result<&'static [Outline], ChartError> {
    static PARSED: OnceLock<Result<Vec<Outline>, String>> = OnceLock::new();
    PARSED
        .get_or_init(|| parse_outlines(GEOJSON))
        .as_deref()
        .map_err(|e| ChartError::Render(format!("地图边界数据无效 (bad map data): {e}")))
}

fn parse_outlines(text: &str) -> Result<Vec<Outline>, String> {
    let c: Collection = serde_json::from_str(text).map_err(|e| e.to_string())?;
    c.features
        .into_iter()
        .map(|f| {
            let city = City::parse(&f.properties.name).map_err(|e| e.to_string())?;
            let rings = f
                .geometry
                .coordinates
                .into_iter()
                .filter_map(|polygon| polygon.into_iter().next())
                .map(|ring| ring.into_iter().map(|[x, y]| (x, y)).collect::<Vec<_>>())
                .filter(|ring| ring.len() >= 3)
                .collect::<Vec<_>>();
            if rings.is_empty() {
                return Err(format!("{} 没有边界 (no outline)", city.as_str()));
            }
            Ok(Outline {
                city,
                rings,
                label: f.properties.label.map(|[x, y]| (x, y)),
            })
        })
        .collect()
}

/// The chart's size and where its map sits.
const HEIGHT: u32 = 700;
const LEGEND_HEIGHT: u32 = 56;
const MARGIN: f64 = 14.0;

/// Longitude and latitude to pixels: an equirectangular projection scaled by
/// the cosine of the middle latitude, fitted into the map area.
struct Projection {
    lon0: f64,
    lat1: f64,
    kx: f64,
    scale: f64,
    left: f64,
    top: f64,
}

impl Projection {
    fn fit(outlines: &[Outline], area: (f64, f64, f64, f64)) -> Projection {
        let (mut lon0, mut lon1, mut lat0, mut lat1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for (x, y) in outlines.iter().flat_map(|o| o.rings.iter().flatten()) {
            lon0 = lon0.min(*x);
            lon1 = lon1.max(*x);
            lat0 = lat0.min(*y);
            lat1 = lat1.max(*y);
        }
        let kx = ((lat0 + lat1) / 2.0).to_radians().cos();
        let (left, top, w, h) = area;
        let span_x = ((lon1 - lon0) * kx).max(1e-6);
        let span_y = (lat1 - lat0).max(1e-6);
        let scale = (w / span_x).min(h / span_y);
        Projection {
            lon0,
            lat1,
            kx,
            scale,
            left: left + (w - span_x * scale) / 2.0,
            top: top + (h - span_y * scale) / 2.0,
        }
    }

    fn px(&self, (lon, lat): (f64, f64)) -> (i32, i32) {
        (
            (self.left + (lon - self.lon0) * self.kx * self.scale).round() as i32,
            (self.top + (self.lat1 - lat) * self.scale).round() as i32,
        )
    }
}

fn projection(outlines: &[Outline]) -> Projection {
    let top = f64::from(layout::TITLE_HEIGHT) + MARGIN;
    let h = f64::from(HEIGHT - layout::TITLE_HEIGHT - LEGEND_HEIGHT) - 2.0 * MARGIN;
    Projection::fit(outlines, (MARGIN, top, f64::from(WIDTH) - 2.0 * MARGIN, h))
}

/// Twice the signed area of a ring.
fn twice_area(ring: &[(f64, f64)]) -> f64 {
    ring.iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|((x1, y1), (x2, y2))| x1 * y2 - x2 * y1)
        .sum()
}

/// Where a city's name goes: the file's label point, else the centroid of
/// its largest polygon.
fn label_point(o: &Outline) -> (f64, f64) {
    if let Some(p) = o.label {
        return p;
    }
    let Some(ring) = o
        .rings
        .iter()
        .max_by(|a, b| twice_area(a).abs().total_cmp(&twice_area(b).abs()))
    else {
        return (0.0, 0.0);
    };
    let a = twice_area(ring);
    if a.abs() < 1e-12 {
        let n = ring.len() as f64;
        let (sx, sy) = ring
            .iter()
            .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x, sy + y));
        return (sx / n, sy / n);
    }
    let (mut cx, mut cy) = (0.0, 0.0);
    for ((x1, y1), (x2, y2)) in ring.iter().zip(ring.iter().cycle().skip(1)) {
        let cross = x1 * y2 - x2 * y1;
        cx += (x1 + x2) * cross;
        cy += (y1 + y2) * cross;
    }
    (cx / (3.0 * a), cy / (3.0 * a))
}

const NO_BASES: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
const NO_VALUE: RGBColor = RGBColor(0xF3, 0xF3, 0xF3);
const BORDER: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);
const OUTLINE: RGBColor = RGBColor(0x9A, 0x9A, 0x9A);

fn mix(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let m = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// The colour scale of each metric: stops from 0 to 1.
fn stops(metric: MapMetric) -> &'static [RGBColor] {
    match metric {
        // Red (few pass) through amber to green (all pass).
        MapMetric::PassRate => &[
            RGBColor(0xC6, 0x3B, 0x2F),
            RGBColor(0xF2, 0xB8, 0x4B),
            RGBColor(0x3C, 0xA5, 0x5C),
        ],
        // Pale to deep red: more bases at risk is worse.
        MapMetric::AtRisk => &[RGBColor(0xFD, 0xEB, 0xE3), RGBColor(0xB0, 0x2A, 0x1E)],
        // Pale to deep blue.
        MapMetric::Bases => &[RGBColor(0xE6, 0xEF, 0xFA), RGBColor(0x1F, 0x4E, 0x8C)],
    }
}

fn scale_colour(metric: MapMetric, t: f64) -> RGBColor {
    let s = stops(metric);
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let segments = (s.len() - 1) as f64;
    let at = t * segments;
    let i = (at.floor() as usize).min(s.len() - 2);
    mix(s[i], s[i + 1], at - i as f64)
}

/// The top of the scale: 100 % for a rate, the largest count otherwise (at least 1).
fn scale_max(metric: MapMetric, figures: &[CityFigure]) -> f64 {
    match metric {
        MapMetric::PassRate => 1.0,
        _ => figures
            .iter()
            .filter_map(|f| f.value)
            .filter(|v| v.is_finite())
            .fold(1.0, f64::max),
    }
}

fn value_text(metric: MapMetric, v: f64) -> String {
    match metric {
        MapMetric::PassRate => layout::percent_tick(v.clamp(0.0, 1.0)),
        _ => format!("{} 个", layout::number(v)),
    }
}

/// What a city shows: its fill and the line under its name.
fn city_look(metric: MapMetric, f: Option<&CityFigure>, max: f64) -> (RGBColor, String) {
    match f {
        None => (NO_BASES, "无基地".into()),
        Some(f) if f.bases == 0 => (NO_BASES, "无基地".into()),
        Some(f) => match f.value.and_then(layout::finite) {
            None => (NO_VALUE, "未考核".into()),
            Some(v) => (scale_colour(metric, v / max), value_text(metric, v)),
        },
    }
}

fn dark(c: RGBColor) -> bool {
    0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2) < 140.0
}

pub(super) struct CityMap<'a> {
    pub title: &'a str,
    pub metric: MapMetric,
    pub figures: &'a [CityFigure],
}

impl CityMap<'_> {
    fn figure(&self, city: City) -> Option<&CityFigure> {
        self.figures.iter().find(|f| f.city == city)
    }
}

impl Paint for CityMap<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn paint<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        mode: TextMode,
    ) -> DrawResult<DB> {
        layout::title_band(root, self.title, mode)?;
        let Ok(outlines) = outlines() else {
            return layout::no_data(root, mode);
        };
        let proj = projection(outlines);
        let max = scale_max(self.metric, self.figures);
        for o in outlines {
            let (fill, _) = city_look(self.metric, self.figure(o.city), max);
            for ring in &o.rings {
                let points: Vec<(i32, i32)> = ring.iter().map(|p| proj.px(*p)).collect();
                root.draw(&Polygon::new(points.clone(), fill.filled()))?;
                let mut closed = points;
                if let Some(first) = closed.first().copied() {
                    closed.push(first);
                }
                root.draw(&PathElement::new(closed, BORDER.stroke_width(1)))?;
            }
        }
        // Names on top of every fill, so that no neighbour covers one.
        let name_style = layout::text(13.0, &layout::TEXT, HPos::Center, VPos::Bottom);
        let name_light = layout::text(13.0, &WHITE, HPos::Center, VPos::Bottom);
        let value_style = layout::text(12.0, &layout::TEXT, HPos::Center, VPos::Top);
        let value_light = layout::text(12.0, &WHITE, HPos::Center, VPos::Top);
        for o in outlines {
            let (fill, value) = city_look(self.metric, self.figure(o.city), max);
            let (x, y) = proj.px(label_point(o));
            let short = o.city.as_str().trim_end_matches('市');
            let short = short.strip_suffix("示范区").unwrap_or(short);
            let (ns, vs) = if dark(fill) {
                (&name_light, &value_light)
            } else {
                (&name_style, &value_style)
            };
            layout::put_text(root, short, ns, (x, y), mode)?;
            layout::put_text(root, &value, vs, (x, y + 1), mode)?;
        }
        self.legend(root, mode)
    }
}

impl CityMap<'_> {
    /// The colour scale with its ends, and the swatches of the grey states.
    fn legend<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        mode: TextMode,
    ) -> DrawResult<DB> {
        let max = scale_max(self.metric, self.figures);
        let top = (HEIGHT - LEGEND_HEIGHT) as i32 + 10;
        let left = 24;
        let label = layout::text(13.0, &layout::TEXT, HPos::Left, VPos::Center);
        let end = layout::text(12.0, &layout::MUTED, HPos::Center, VPos::Top);
        layout::put_text(root, self.metric.name_zh(), &label, (left, top + 8), mode)?;
        let bar_left = left + 96;
        let steps = 20;
        let step_w = 10;
        for i in 0..steps {
            let t = f64::from(i) / f64::from(steps - 1);
            let x = bar_left + i * step_w;
            root.draw(&Rectangle::new(
                [(x, top), (x + step_w, top + 16)],
                scale_colour(self.metric, t).filled(),
            ))?;
        }
        let low = value_text(self.metric, 0.0);
        let high = value_text(self.metric, max);
        layout::put_text(root, &low, &end, (bar_left, top + 20), mode)?;
        layout::put_text(
            root,
            &high,
            &end,
            (bar_left + steps * step_w, top + 20),
            mode,
        )?;
        let mut x = bar_left + steps * step_w + 48;
        for (colour, name) in [(NO_BASES, "无基地"), (NO_VALUE, "未考核")] {
            root.draw(&Rectangle::new(
                [(x, top), (x + 22, top + 16)],
                colour.filled(),
            ))?;
            root.draw(&Rectangle::new(
                [(x, top), (x + 22, top + 16)],
                OUTLINE.stroke_width(1),
            ))?;
            layout::put_text(root, name, &label, (x + 28, top + 8), mode)?;
            x += 110;
        }
        if self.figures.iter().all(|f| f.bases == 0) {
            let note = layout::text(14.0, &layout::MUTED, HPos::Left, VPos::Center);
            layout::put_text(root, "（本范围暂无基地）", &note, (x, top + 8), mode)?;
        }
        Ok(())
    }
}

/// The clickable layer of an SVG map: one link per city.
#[derive(Template)]
#[template(path = "map_links.svg")]
struct MapLinks {
    cities: Vec<CityLink>,
}

struct CityLink {
    href: String,
    title: String,
    /// Each polygon's points, "x,y x,y …".
    rings: Vec<String>,
}

/// Lay a link over each city of an SVG map drawn by [`CityMap`]: `href(city)`
/// is where a click on the city goes.
pub(super) fn add_links(
    svg: Vec<u8>,
    map: &CityMap,
    href: &dyn Fn(City) -> String,
) -> Result<Vec<u8>, ChartError> {
    let outlines = outlines()?;
    let proj = projection(outlines);
    let max = scale_max(map.metric, map.figures);
    let cities = outlines
        .iter()
        .map(|o| {
            let (_, value) = city_look(map.metric, map.figure(o.city), max);
            CityLink {
                href: href(o.city),
                title: format!("{}：{}", o.city.as_str(), value),
                rings: o
                    .rings
                    .iter()
                    .map(|ring| {
                        ring.iter()
                            .map(|p| {
                                let (x, y) = proj.px(*p);
                                format!("{x},{y}")
                            })
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect(),
            }
        })
        .collect();
    let layer = MapLinks { cities }
        .render()
        .map_err(|e| ChartError::Render(e.to_string()))?;
    let mut text = String::from_utf8(svg).map_err(|e| ChartError::Render(e.to_string()))?;
    let Some(at) = text.rfind("</svg>") else {
        return Err(ChartError::Render("SVG 不完整 (no </svg>)".into()));
    };
    text.insert_str(at, &layer);
    Ok(text.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outlines_cover_all_eighteen_cities_once() {
        let cities: Vec<City> = outlines().unwrap().iter().map(|o| o.city).collect();
        assert_eq!(cities.len(), 18);
        for c in City::ALL {
            assert_eq!(cities.iter().filter(|x| **x == c).count(), 1, "{c:?}");
        }
    }

    #[test]
    fn each_city_is_simplified_to_a_few_hundred_points() {
        for o in outlines().unwrap() {
            let points: usize = o.rings.iter().map(Vec::len).sum();
            assert!((20..=600).contains(&points), "{:?}: {points}", o.city);
        }
    }

    #[test]
    fn each_label_lies_in_henan() {
        for o in outlines().unwrap() {
            let (x, y) = label_point(o);
            assert!(
                (110.0..117.0).contains(&x) && (31.0..37.0).contains(&y),
                "{:?}",
                o.city
            );
        }
    }

    #[test]
    fn the_pass_rate_scale_runs_from_red_to_green() {
        let low = scale_colour(MapMetric::PassRate, 0.0);
        let high = scale_colour(MapMetric::PassRate, 1.0);
        assert!(low.0 > low.1 && high.1 > high.0);
        assert_eq!(scale_colour(MapMetric::PassRate, f64::NAN), low);
    }

    #[test]
    fn metrics_parse_by_their_ids() {
        for m in MapMetric::ALL {
            assert_eq!(MapMetric::parse(m.id()), Some(m));
        }
        assert_eq!(MapMetric::parse("happiness"), None);
    }
}
