//! Text clean-up for values typed into spreadsheets: full-width characters,
//! ideographic spaces, byte-order marks and stray whitespace.

/// The byte-order mark some editors put at the start of a file's first cell.
const BOM: char = '\u{FEFF}';

/// Maps one character to its half-width form: full-width ASCII
/// (U+FF01..=U+FF5E) to ASCII and the ideographic space (U+3000) to a space.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        other => other,
    }
}

/// Cleans a typed value: full-width ASCII and ideographic spaces become
/// half-width, a leading BOM goes, the ends are trimmed and every run of
/// whitespace inside becomes one ASCII space.
pub fn normalize(s: &str) -> String {
    collapse(s, half_width)
}

/// Cleans free text (names, titles) without touching its punctuation: a
/// name keeps its full-width brackets （…）, only whitespace is tidied.
pub fn tidy(s: &str) -> String {
    collapse(s, |c| if c == '\u{3000}' { ' ' } else { c })
}

fn collapse(s: &str, map: impl Fn(char) -> char) -> String {
    let s = s.trim_start_matches(|c: char| c == BOM || c.is_whitespace());
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars().map(map) {
        if c.is_whitespace() {
            pending_space = true;
        } else {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    out
}

/// Whether `s` is empty once normalized (only whitespace, ideographic
/// spaces and byte-order marks), without building the normalized text.
pub fn is_blank(s: &str) -> bool {
    s.chars().all(|c| c == BOM || c.is_whitespace())
}

/// Normalizes, then removes all whitespace: the key used to match names and
/// column headers whatever spacing people typed.
pub fn compact(s: &str) -> String {
    normalize(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_keeps_full_width_brackets_but_fixes_spaces() {
        assert_eq!(tidy("  郑州\u{3000}基地（更名）  "), "郑州 基地（更名）");
    }

    #[test]
    fn full_width_letters_digits_and_brackets_become_half_width() {
        assert_eq!(normalize("ＳＡＭＰＬＥ－００１"), "SAMPLE-001");
        assert_eq!(normalize("活动（次）"), "活动(次)");
        assert_eq!(normalize("～！"), "~!");
    }

    #[test]
    fn ideographic_spaces_count_as_spaces() {
        assert_eq!(
            normalize("\u{3000}郑州\u{3000}\u{3000}市\u{3000}"),
            "郑州 市"
        );
    }

    #[test]
    fn a_leading_bom_is_removed() {
        assert_eq!(normalize("\u{FEFF}基地编号"), "基地编号");
        assert_eq!(normalize(" \u{FEFF}基地编号"), "基地编号");
    }

    #[test]
    fn runs_of_whitespace_collapse_and_ends_are_trimmed() {
        assert_eq!(normalize("  a \t\n b   c  "), "a b c");
        assert_eq!(normalize("\u{00A0}x\u{00A0}\u{00A0}y"), "x y");
    }

    #[test]
    fn blank_input_normalizes_to_empty() {
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" \t\u{3000}\u{FEFF}"), "");
    }

    #[test]
    fn compact_removes_all_whitespace() {
        assert_eq!(compact(" 产学研 协作\u{3000}类 "), "产学研协作类");
        assert_eq!(compact("Ａ Ｂ"), "AB");
    }

    #[test]
    fn characters_outside_the_full_width_block_are_kept() {
        assert_eq!(normalize("“百会链千企”、"), "“百会链千企”、");
    }
}
