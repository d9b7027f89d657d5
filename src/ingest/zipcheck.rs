//! A workbook is a zip archive; before calamine opens one, check that it
//! cannot exhaust the process. calamine trusts what a file declares: it
//! reserves the shared strings' `uniqueCount` up front (2^40 aborts the
//! process), and the zip crate inflates whatever an entry holds. So every
//! entry is inflated once here into a counting sink with a hard cap (a zip
//! bomb can lie in its headers), and the declared number of shared strings
//! is checked against the strings really present.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// Far more parts than a workbook has (each sheet is one or two); the zip
/// crate indexes every entry in memory when it opens the archive.
pub const MAX_ENTRIES: u64 = 10_000;
/// Largest decompressed entry. Sheets are streamed, but calamine holds the
/// shared strings, styles and workbook parts whole; a 100,000-row activity
/// sheet is about 30 MiB of XML, so this leaves ample room.
pub const MAX_ENTRY_BYTES: u64 = 200 * 1024 * 1024;
/// All entries together, decompressed: also bounds the time this check takes.
pub const MAX_TOTAL_BYTES: u64 = 1024 * 1024 * 1024;
/// calamine keeps every shared string as a `String` (24 bytes before its
/// text): bounded here to a few per cell of the largest sheet Excel allows.
pub const MAX_SHARED_STRINGS: u64 = 5_000_000;
/// Some writers round `uniqueCount`; more than this over the strings present
/// is a forged count.
const STRINGS_SLACK: u64 = 16;

const MIB: u64 = 1024 * 1024;

/// `Err` says in Chinese and English why the workbook is refused whole.
pub fn check(path: &Path) -> Result<(), String> {
    let mut file =
        File::open(path).map_err(|e| format!("无法读取文件：{e} (cannot read the file)"))?;
    check_directory(&mut file)?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| format!("无法打开 XLSX 文件：{e} (cannot open the workbook)"))?;
    let entries = zip.len() as u64;
    if entries > MAX_ENTRIES {
        return Err(too_many_entries(entries));
    }
    let mut declared_total = 0u64;
    let mut real_total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| {
            format!(
                "无法读取 XLSX 文件的第 {} 个部件：{e} (cannot read a zip entry)",
                i + 1
            )
        })?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let declared = entry.size();
        if declared > MAX_ENTRY_BYTES {
            return Err(format!(
                "XLSX 文件中的部件“{name}”声明解压后为 {} MiB，超过单个部件 {} MiB 的上限 (a zip entry declares {declared} bytes uncompressed; the limit is {MAX_ENTRY_BYTES})",
                declared / MIB,
                MAX_ENTRY_BYTES / MIB
            ));
        }
        declared_total = declared_total.saturating_add(declared);
        if declared_total > MAX_TOTAL_BYTES {
            return Err(total_too_large());
        }
        let normalized = name.replace('\\', "/").to_ascii_lowercase();
        let mut strings = normalized
            .ends_with("sharedstrings.xml")
            .then(SharedStrings::default);
        let mut real = 0u64;
        loop {
            let n = entry.read(&mut buf).map_err(|e| {
                // The zip crate stops an entry at its declared size; its
                // error has no kind of its own (a CRC error is InvalidData too).
                if e.to_string().contains("larger than its declared") {
                    format!(
                        "XLSX 文件中的部件“{name}”解压后超过其声明的 {declared} 字节，可能是压缩炸弹 (a zip entry inflates beyond its declared size: a zip bomb)"
                    )
                } else {
                    format!("无法解压 XLSX 文件中的部件“{name}”：{e} (cannot decompress a zip entry)")
                }
            })?;
            if n == 0 {
                break;
            }
            real += n as u64;
            real_total += n as u64;
            if real > MAX_ENTRY_BYTES {
                return Err(format!(
                    "XLSX 文件中的部件“{name}”解压后超过 {} MiB 的上限（声明为 {declared} 字节，可能是压缩炸弹）(a zip entry inflates beyond the limit of {MAX_ENTRY_BYTES} bytes; it declared {declared}: a zip bomb)",
                    MAX_ENTRY_BYTES / MIB
                ));
            }
            if real_total > MAX_TOTAL_BYTES {
                return Err(total_too_large());
            }
            if let Some(s) = strings.as_mut() {
                s.feed(&buf[..n]);
            }
        }
        if let Some(s) = strings {
            s.verdict(&name)?;
        }
    }
    Ok(())
}

fn too_many_entries(n: u64) -> String {
    format!(
        "XLSX 文件包含 {n} 个部件，超过 {MAX_ENTRIES} 个的上限，不是导入模板 (the zip holds {n} entries; the limit is {MAX_ENTRIES})"
    )
}

fn total_too_large() -> String {
    format!(
        "XLSX 文件解压后总计超过 {} MiB 的上限，可能是压缩炸弹 (the workbook inflates beyond {MAX_TOTAL_BYTES} bytes in all: a zip bomb)",
        MAX_TOTAL_BYTES / MIB
    )
}

fn u16_at(b: &[u8], i: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[i], b[i + 1]]))
}

fn u32_at(b: &[u8], i: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]))
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(x)
}

/// The entry count of the end-of-central-directory record (ZIP64 too),
/// read before the zip crate sizes its index from it. A file without the
/// record is left for the zip crate to refuse.
fn check_directory(f: &mut File) -> Result<(), String> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const LOCATOR: &[u8] = b"PK\x06\x07";
    const EOCD64: &[u8] = b"PK\x06\x06";
    let io = |e: std::io::Error| format!("无法读取文件：{e} (cannot read the file)");
    let len = f.seek(SeekFrom::End(0)).map_err(io)?;
    // The record is 22 bytes plus a comment of at most 65,535.
    let tail_len = len.min(22 + 65_535);
    let mut tail = vec![0u8; tail_len as usize];
    f.seek(SeekFrom::Start(len - tail_len)).map_err(io)?;
    f.read_exact(&mut tail).map_err(io)?;
    let Some(at) = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| &tail[i..i + 4] == EOCD)
    else {
        return Ok(());
    };
    let mut entries = u16_at(&tail, at + 10);
    let mut dir_size = u32_at(&tail, at + 12);
    if at >= 20 && &tail[at - 20..at - 16] == LOCATOR {
        let offset = u64_at(&tail, at - 12);
        if offset.checked_add(56).is_none_or(|end| end > len) {
            return Err(bad_directory());
        }
        let mut rec = [0u8; 56];
        f.seek(SeekFrom::Start(offset)).map_err(io)?;
        f.read_exact(&mut rec).map_err(io)?;
        if &rec[..4] != EOCD64 {
            return Err(bad_directory());
        }
        entries = entries.max(u64_at(&rec, 32));
        dir_size = dir_size.max(u64_at(&rec, 40));
    }
    if entries > MAX_ENTRIES {
        return Err(too_many_entries(entries));
    }
    if dir_size > len {
        return Err(bad_directory());
    }
    Ok(())
}

fn bad_directory() -> String {
    "XLSX 文件的 zip 目录已损坏（声明的位置或大小超出文件）(the zip directory points outside the file)"
        .into()
}

/// Where the scanner is in the XML of `sharedStrings.xml`.
#[derive(Default, Clone, Copy, PartialEq)]
enum Tag {
    #[default]
    Text,
    /// Just after `<`, reading an element name.
    Name,
    /// Inside the `<sst …>` start tag, reading its attributes.
    SstAttributes,
}

/// Counts `<si>` elements and reads `<sst uniqueCount="…">` from a stream
/// of chunks; its state carries across chunk boundaries.
#[derive(Default)]
struct SharedStrings {
    tag: Tag,
    name: Vec<u8>,
    sst_seen: bool,
    attributes: Vec<u8>,
    unique_count: Option<u64>,
    items: u64,
}

impl SharedStrings {
    fn feed(&mut self, chunk: &[u8]) {
        for &b in chunk {
            match self.tag {
                Tag::Text => {
                    if b == b'<' {
                        self.tag = Tag::Name;
                        self.name.clear();
                    }
                }
                Tag::Name => {
                    if b.is_ascii_whitespace() || b == b'>' || b == b'/' {
                        // `x:si` is `si` in a prefixed namespace.
                        let local = match self.name.iter().rposition(|c| *c == b':') {
                            Some(i) => &self.name[i + 1..],
                            None => &self.name[..],
                        };
                        let sst = local == b"sst" && !self.sst_seen;
                        if local == b"si" {
                            self.items += 1;
                        }
                        self.tag = Tag::Text;
                        if sst {
                            self.sst_seen = true;
                            if b != b'>' {
                                self.tag = Tag::SstAttributes;
                            }
                        }
                    } else if self.name.len() < 64 {
                        self.name.push(b);
                    } else {
                        // No name of interest is this long.
                        self.tag = Tag::Text;
                    }
                }
                Tag::SstAttributes => {
                    if b == b'>' {
                        self.unique_count = attribute(&self.attributes, b"uniqueCount");
                        self.attributes = Vec::new();
                        self.tag = Tag::Text;
                    } else if self.attributes.len() < 4096 {
                        self.attributes.push(b);
                    }
                }
            }
        }
    }

    fn verdict(&self, name: &str) -> Result<(), String> {
        if self.items > MAX_SHARED_STRINGS {
            return Err(format!(
                "XLSX 文件中的“{name}”含 {} 个共享字符串，超过 {MAX_SHARED_STRINGS} 个的上限 (too many shared strings)",
                self.items
            ));
        }
        match self.unique_count {
            Some(declared) if declared > self.items + STRINGS_SLACK => Err(format!(
                "XLSX 文件中的“{name}”声明有 {declared} 个共享字符串（uniqueCount），实际只有 {} 个：文件已损坏或被篡改 (uniqueCount declares {declared} shared strings but the file holds {})",
                self.items, self.items
            )),
            _ => Ok(()),
        }
    }
}

/// The value of attribute `key` as calamine reads it: digits only, else none.
fn attribute(attrs: &[u8], key: &[u8]) -> Option<u64> {
    let mut rest = attrs;
    while let Some(i) = rest.windows(key.len()).position(|w| w == key) {
        let before = i.checked_sub(1).map(|j| rest[j]);
        let after = &rest[i + key.len()..];
        rest = after;
        // A whole attribute name: not the tail of another (`count` in `uniqueCount`).
        if before.is_some_and(|c| !c.is_ascii_whitespace()) {
            continue;
        }
        let after = after.trim_ascii_start();
        let Some(after) = after.strip_prefix(b"=") else {
            continue;
        };
        let after = after.trim_ascii_start();
        let (&quote, value) = after.split_first()?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let end = value.iter().position(|c| *c == quote)?;
        let digits = &value[..end];
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        return std::str::from_utf8(digits).ok()?.parse().ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(xml: &str, chunk: usize) -> SharedStrings {
        let mut s = SharedStrings::default();
        for c in xml.as_bytes().chunks(chunk) {
            s.feed(c);
        }
        s
    }

    #[test]
    fn shared_strings_are_counted_across_chunk_boundaries_and_prefixes() {
        let xml = r#"<?xml version="1.0"?><sst xmlns="x" count="5" uniqueCount="3"><si><t>a</t></si><si><t>b</t></si><x:si><x:t>c</x:t></x:si><sid/></sst>"#;
        for chunk in [1, 2, 3, 7, 4096] {
            let s = scan(xml, chunk);
            assert_eq!((s.items, s.unique_count), (3, Some(3)), "chunk {chunk}");
            assert!(s.verdict("s").is_ok());
        }
    }

    #[test]
    fn a_forged_unique_count_is_refused() {
        let s = scan(
            r#"<sst count="1" uniqueCount="1099511627776"><si><t>a</t></si></sst>"#,
            5,
        );
        assert_eq!(s.unique_count, Some(1_099_511_627_776));
        let e = s.verdict("xl/sharedStrings.xml").unwrap_err();
        assert!(
            e.contains("uniqueCount") && e.contains("1099511627776"),
            "{e}"
        );
    }

    fn eocd(entries: u16, dir_size: u32, dir_offset: u32) -> Vec<u8> {
        let mut b = b"PK\x05\x06".to_vec();
        b.extend([0, 0, 0, 0]); // disk numbers
        b.extend(entries.to_le_bytes());
        b.extend(entries.to_le_bytes());
        b.extend(dir_size.to_le_bytes());
        b.extend(dir_offset.to_le_bytes());
        b.extend([0, 0]); // comment length
        b
    }

    fn check_bytes(bytes: &[u8]) -> Result<(), String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.xlsx");
        std::fs::write(&p, bytes).unwrap();
        check(&p)
    }

    #[test]
    fn an_archive_claiming_more_entries_than_a_workbook_has_is_refused_before_it_is_indexed() {
        let e = check_bytes(&eocd(60_000, 0, 0)).unwrap_err();
        assert!(e.contains("60000") && e.contains("10000"), "{e}");
        // ZIP64: the count is in the 64-bit record the locator points to.
        let mut b = b"PK\x06\x06".to_vec();
        b.extend(44u64.to_le_bytes()); // size of the rest of the record
        b.extend([45, 0, 45, 0]); // versions
        b.extend([0u8; 8]); // disk numbers
        b.extend((1u64 << 40).to_le_bytes());
        b.extend((1u64 << 40).to_le_bytes());
        b.extend(0u64.to_le_bytes()); // directory size
        b.extend(0u64.to_le_bytes()); // directory offset
        b.extend(b"PK\x06\x07");
        b.extend(0u32.to_le_bytes());
        b.extend(0u64.to_le_bytes()); // the record is at offset 0
        b.extend(1u32.to_le_bytes());
        b.extend(eocd(0xFFFF, 0xFFFF_FFFF, 0xFFFF_FFFF));
        let e = check_bytes(&b).unwrap_err();
        assert!(e.contains(&(1u64 << 40).to_string()), "{e}");
    }

    #[test]
    fn a_directory_larger_than_the_file_is_refused() {
        let e = check_bytes(&eocd(1, 1 << 30, 0)).unwrap_err();
        assert!(e.contains("zip 目录已损坏"), "{e}");
    }

    #[test]
    fn attributes_are_read_whole_and_only_as_digits() {
        assert_eq!(
            attribute(br#" count="9" uniqueCount="4""#, b"uniqueCount"),
            Some(4)
        );
        assert_eq!(attribute(br#" uniqueCount = '4'"#, b"uniqueCount"), Some(4));
        assert_eq!(attribute(br#" uniqueCount="4""#, b"count"), None);
        assert_eq!(attribute(br#" uniqueCount="-4""#, b"uniqueCount"), None);
        assert_eq!(
            attribute(br#" uniqueCount="99999999999999999999999""#, b"uniqueCount"),
            None
        );
    }
}
