//! Finding a CJK font on this machine and registering it with plotters.
//!
//! plotters is built with `ab_glyph` (not `ttf`, whose bitmap output draws
//! Chinese as boxes: plotters-rs/plotters#682). With `ab_glyph` no font exists
//! until one is registered, so the font found here is registered under every
//! family name the charts (and plotters' own defaults) draw with.
//!
//! Every candidate is checked by drawing two Chinese characters with it: a
//! font without Chinese glyphs draws the same box (or nothing) for both and is
//! skipped. The chosen font's bytes stay in memory for the life of the process
//! (plotters needs `&'static [u8]`); a rejected candidate that parsed as a font
//! stays too, which only happens for broken or Latin-only files.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::register_font;

use super::ChartError;

/// The family name every chart text uses. It doubles as the SVG
/// `font-family` attribute, so browsers pick a Chinese font of their own.
pub const FONT_FAMILY: &str = "PingFang SC, Hiragino Sans GB, Microsoft YaHei, Noto Sans CJK SC, \
     Source Han Sans SC, WenQuanYi Micro Hei, sans-serif";

/// Names registered with plotters: ours, and the generic ones plotters uses by default.
const FAMILIES: [&str; 4] = [FONT_FAMILY, "sans-serif", "serif", "monospace"];

/// Fonts larger than this are not read (the largest CJK collections are ~40 MB).
const MAX_FONT_BYTES: u64 = 128 * 1024 * 1024;

/// The usual places of a CJK font on Debian/Ubuntu, Fedora/Arch, Windows and macOS.
const CJK_CANDIDATES: &[&str] = &[
    // Debian / Ubuntu
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    // Fedora / Arch / Alpine
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-sans-cjk-vf-fonts/NotoSansCJK-VF.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",
    // Windows
    r"C:\Windows\Fonts\msyh.ttc",
    r"C:\Windows\Fonts\msyh.ttf",
    r"C:\Windows\Fonts\simhei.ttf",
    r"C:\Windows\Fonts\simsun.ttc",
    r"C:\Windows\Fonts\Deng.ttf",
    // macOS
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "/System/Library/Fonts/Supplemental/Songti.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
];

/// Directories searched (a few levels deep) for other files named like CJK fonts.
const SCAN_DIRS: &[&str] = &[
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
];

/// Lower-case pieces of file names that suggest a font with Chinese glyphs.
const CJK_NAME_HINTS: &[&str] = &[
    "cjk",
    "wqy",
    "wenquanyi",
    "sourcehan",
    "source-han",
    "droidsansfallback",
    "uming",
    "ukai",
    "pingfang",
    "heiti",
    "songti",
    "msyh",
    "simhei",
    "simsun",
    "sarasa",
];

/// Latin fonts registered when no CJK font exists, so that charts still draw
/// (SVG is fine in a browser; PNG shows boxes for Chinese).
const FALLBACK_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    r"C:\Windows\Fonts\arial.ttf",
    r"C:\Windows\Fonts\segoeui.ttf",
    "/System/Library/Fonts/Helvetica.ttc",
    "/Library/Fonts/Arial.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
];

static CHOSEN: OnceLock<Result<PathBuf, ChartError>> = OnceLock::new();
/// Whether some font (CJK or fallback) is registered under [`FAMILIES`].
static USABLE: AtomicBool = AtomicBool::new(false);
static WARNED: AtomicBool = AtomicBool::new(false);
static PROBES: AtomicUsize = AtomicUsize::new(0);

/// Find and register a CJK font once per process.
///
/// `configured` (config `charts.font_path`) is tried first, then the usual
/// paths on Debian/Ubuntu (`fonts-wqy-microhei`, `fonts-wqy-zenhei`,
/// `fonts-noto-cjk`, ...), Fedora/Arch, Windows (`msyh.ttc`, `simhei.ttf`,
/// `simsun.ttc`) and macOS (`PingFang.ttc`, `STHeiti ...`), then files named
/// like CJK fonts under the system font directories.
///
/// Returns the path of the font used, or [`ChartError::NoCjkFont`] naming every
/// path tried: Chinese labels will then not render in PNGs (the caller logs a
/// warning at start-up). Safe to call more than once and from several threads:
/// later calls return the first result, whatever they pass.
pub fn init_fonts(configured: Option<&Path>) -> Result<PathBuf, ChartError> {
    CHOSEN.get_or_init(|| initialise(configured)).clone()
}

/// Called by every chart: initialise with the default search if nobody did,
/// and fail only when no font at all could be registered.
pub(super) fn ensure_fonts() -> Result<(), ChartError> {
    match init_fonts(None) {
        Ok(_) => Ok(()),
        Err(e) => {
            if !WARNED.swap(true, Ordering::Relaxed) {
                tracing::warn!("{e}");
            }
            if USABLE.load(Ordering::Acquire) {
                Ok(())
            } else {
                Err(e)
            }
        }
    }
}

fn initialise(configured: Option<&Path>) -> Result<PathBuf, ChartError> {
    match find_cjk_font(configured) {
        Ok((path, bytes)) => {
            register_everywhere(bytes);
            tracing::debug!(font = %path.display(), "图表字体 (chart font)");
            Ok(path)
        }
        Err(tried) => {
            if let Some((path, bytes)) = find_fallback_font() {
                register_everywhere(bytes);
                tracing::debug!(font = %path.display(), "图表备用字体，无中文 (fallback chart font, no Chinese)");
            }
            Err(ChartError::NoCjkFont {
                tried: tried.join("; "),
            })
        }
    }
}

fn register_everywhere(bytes: &'static [u8]) {
    let mut ok = false;
    for family in FAMILIES {
        ok |= register_font(family, FontStyle::Normal, bytes).is_ok();
    }
    if ok {
        USABLE.store(true, Ordering::Release);
    }
}

/// The first usable CJK font: its path and bytes, or every path tried (with
/// the reason for the ones that exist but were rejected).
pub(super) fn find_cjk_font(
    configured: Option<&Path>,
) -> Result<(PathBuf, &'static [u8]), Vec<String>> {
    let mut tried = Vec::new();
    let mut candidates: Vec<PathBuf> = configured.map(Path::to_path_buf).into_iter().collect();
    candidates.extend(CJK_CANDIDATES.iter().map(PathBuf::from));
    for path in &candidates {
        match load_font(path, ["中", "文"]) {
            Ok(bytes) => return Ok((path.clone(), bytes)),
            Err(reason) => {
                if Some(path.as_path()) == configured {
                    tracing::warn!(
                        "配置的图表字体不可用 (configured chart font unusable): {}: {reason}",
                        path.display()
                    );
                }
                tried.push(describe(path, &reason));
            }
        }
    }
    for path in scan_for_cjk_names() {
        if candidates.contains(&path) {
            continue;
        }
        match load_font(&path, ["中", "文"]) {
            Ok(bytes) => return Ok((path, bytes)),
            Err(reason) => tried.push(describe(&path, &reason)),
        }
    }
    tried.push(format!(
        "{} 下名称像中文字体的文件 (files named like CJK fonts under them)",
        SCAN_DIRS.join(", ")
    ));
    Err(tried)
}

fn describe(path: &Path, reason: &Rejected) -> String {
    match reason {
        Rejected::Missing => path.display().to_string(),
        other => format!("{} ({other})", path.display()),
    }
}

fn find_fallback_font() -> Option<(PathBuf, &'static [u8])> {
    FALLBACK_CANDIDATES.iter().find_map(|p| {
        let path = PathBuf::from(p);
        load_font(&path, ["A", "B"]).ok().map(|bytes| (path, bytes))
    })
}

/// Why a candidate font was not used.
#[derive(Debug)]
pub(super) enum Rejected {
    Missing,
    NotAFile,
    TooLarge,
    Unreadable(String),
    NotAFont,
    NoGlyphs,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejected::Missing => write!(f, "不存在 (missing)"),
            Rejected::NotAFile => write!(f, "不是文件 (not a file)"),
            Rejected::TooLarge => write!(f, "文件过大 (too large)"),
            Rejected::Unreadable(e) => write!(f, "无法读取 (unreadable): {e}"),
            Rejected::NotAFont => write!(f, "不是字体文件 (not a TrueType/OpenType font)"),
            Rejected::NoGlyphs => write!(f, "缺少所需字形 (lacks the needed glyphs)"),
        }
    }
}

/// Read a font file and check that it draws `samples` as two different,
/// non-blank glyphs.
pub(super) fn load_font(path: &Path, samples: [&str; 2]) -> Result<&'static [u8], Rejected> {
    let meta = std::fs::metadata(path).map_err(|_| Rejected::Missing)?;
    if !meta.is_file() {
        return Err(Rejected::NotAFile);
    }
    if meta.len() > MAX_FONT_BYTES {
        return Err(Rejected::TooLarge);
    }
    let bytes = std::fs::read(path).map_err(|e| Rejected::Unreadable(e.to_string()))?;
    if !looks_like_font(&bytes) {
        return Err(Rejected::NotAFont);
    }
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    let probe = format!(
        "basewatch-font-probe-{}",
        PROBES.fetch_add(1, Ordering::Relaxed)
    );
    register_font(&probe, FontStyle::Normal, bytes).map_err(|_| Rejected::NotAFont)?;
    let a = glyph_bitmap(&probe, samples[0]).ok_or(Rejected::NoGlyphs)?;
    let b = glyph_bitmap(&probe, samples[1]).ok_or(Rejected::NoGlyphs)?;
    if dark_pixels(&a) == 0 || dark_pixels(&b) == 0 || a == b {
        return Err(Rejected::NoGlyphs);
    }
    Ok(bytes)
}

/// TrueType, OpenType (CFF) or a collection of them: what ab_glyph reads.
fn looks_like_font(bytes: &[u8]) -> bool {
    matches!(
        bytes.get(..4),
        Some([0, 1, 0, 0]) | Some(b"OTTO") | Some(b"ttcf") | Some(b"true")
    )
}

/// Side of the square [`glyph_bitmap`] draws into.
pub(super) const GLYPH_BOX: u32 = 48;

/// Draw `text` at 32 px in black on white with the font registered as
/// `family`; the RGB pixels, or None if drawing failed.
pub(super) fn glyph_bitmap(family: &str, text: &str) -> Option<Vec<u8>> {
    let mut buf = vec![255u8; (GLYPH_BOX * GLYPH_BOX * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (GLYPH_BOX, GLYPH_BOX)).into_drawing_area();
        let style = TextStyle::from((family, 32.0).into_font()).color(&BLACK);
        root.draw_text(text, &style, (8, 16)).ok()?;
        root.present().ok()?;
    }
    Some(buf)
}

/// Number of pixels darker than mid-grey in an RGB buffer.
pub(super) fn dark_pixels(rgb: &[u8]) -> usize {
    rgb.chunks_exact(3)
        .filter(|p| u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]) < 3 * 128)
        .count()
}

/// Font files under [`SCAN_DIRS`] (and the user's font folders) whose names
/// suggest Chinese glyphs, sorted; bounded in depth and count.
fn scan_for_cjk_names() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = SCAN_DIRS.iter().map(PathBuf::from).collect();
    if let Some(home) = std::env::var_os("HOME") {
        let home = PathBuf::from(home);
        roots.push(home.join(".local/share/fonts"));
        roots.push(home.join(".fonts"));
        roots.push(home.join("Library/Fonts"));
    }
    let mut found = Vec::new();
    let mut budget = 5000usize;
    for root in roots {
        walk(&root, 0, &mut budget, &mut found);
    }
    found.sort();
    found.dedup();
    found
}

fn walk(dir: &Path, depth: usize, budget: &mut usize, found: &mut Vec<PathBuf>) {
    if depth > 5 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(&path, depth + 1, budget, found);
        } else if is_cjk_font_name(&path) {
            found.push(path);
        }
    }
}

fn is_cjk_font_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let font_ext = [".ttf", ".ttc", ".otf", ".otc"]
        .iter()
        .any(|ext| name.ends_with(ext));
    font_ext && CJK_NAME_HINTS.iter().any(|hint| name.contains(hint))
}
