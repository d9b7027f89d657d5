//! Stored evaluations: each run of the compliance engine, with the rulebook
//! version it used, and its scorecard rows.
//!
//! An evaluation's rows are one value per evaluation (`evaluation_scorecards`):
//! CSV with a header line, zstd-compressed, not a table row per scorecard
//! row. A stored scorecard is written once, never updated, and read whole or
//! for a few bases. A national five-year evaluation is 300,000 rows: as table
//! rows, binding their 3.3 million values took longer than computing them;
//! as plain CSV, writing its 13.5 MB twice (WAL, then checkpoint) did.
//! Compressed, it is 1.2 MB. Scorecards stored before basewatch compressed
//! them (migration `2026-12-04-000022`, SQL cannot compress) are plain CSV;
//! the reader tells the two apart by zstd's magic number.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{evaluation_scorecards as s, evaluations as t};
use super::{with_conn, Db};
use crate::domain::{Coded, Indicator, Pace, Source};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Evaluation {
    pub id: i64,
    pub year: i32,
    pub as_of: NaiveDate,
    pub rulebook: String,
    pub computed_at: chrono::NaiveDateTime,
    pub base_count: i64,
    pub pass_count: i64,
    /// SHA-256 of the scorecard's rows: the same result is stored once.
    pub digest: String,
}

/// One scorecard row, as stored and as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRow {
    pub base_id: i64,
    pub indicator: Indicator,
    pub actual: Option<i64>,
    pub target: i64,
    pub gap: i64,
    pub met: bool,
    pub pace: Option<Pace>,
    pub source: Source,
    pub disagreement: bool,
    pub base_pass: bool,
}

/// What an evaluation says of itself.
pub struct Summary<'a> {
    pub year: i32,
    pub as_of: NaiveDate,
    pub rulebook: &'a str,
    pub base_count: i64,
    pub pass_count: i64,
    pub digest: &'a str,
}

/// The first line of a stored scorecard: its columns, in order. Migration
/// `2026-12-04-000022_evaluation_scorecards` writes the same.
const HEADER: &str = "base_id,indicator,actual,target,gap,met,pace,source,disagreement,base_pass";

/// The first bytes of a zstd frame.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// No line of a stored scorecard is longer: five numbers of at most 20
/// characters, three codes of at most 23, four flags and separators. It
/// bounds what a stored value may decompress to.
const MAX_LINE: usize = 5 * 20 + 3 * 23 + 4 + 10;

/// zstd's fastest level: the CSV still shrinks about elevenfold.
const ZSTD_LEVEL: i32 = 1;

/// The newest stored evaluation of `year` with this rulebook and as-of date.
pub fn latest(
    db: &mut Db,
    year: i32,
    as_of: NaiveDate,
    rulebook: &str,
) -> AppResult<Option<Evaluation>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::year.eq(year))
        .filter(t::as_of.eq(as_of))
        .filter(t::rulebook.eq(rulebook))
        .order(t::id.desc())
        .first::<Evaluation>(c)
        .optional())?)
}

/// Store one evaluation and its rows; returns its id.
pub fn store(
    db: &mut Db,
    summary: &Summary,
    rows: impl ExactSizeIterator<Item = StoredRow>,
) -> AppResult<i64> {
    let Summary {
        year,
        as_of,
        rulebook,
        base_count,
        pass_count,
        digest,
    } = *summary;
    let row_count = i64::try_from(rows.len())
        .map_err(|_| AppError::Compute("scorecard too large to store".into()))?;
    let text = encode(rows);
    let scorecard = zstd::bulk::compress(text.as_bytes(), ZSTD_LEVEL)
        .map_err(|e| AppError::Compute(format!("compressing the scorecard: {e}")))?;
    let id: i64 = with_conn!(db, c => diesel::insert_into(t::table)
        .values((
            t::year.eq(year),
            t::as_of.eq(as_of),
            t::rulebook.eq(rulebook),
            t::computed_at.eq(super::now()),
            t::base_count.eq(base_count),
            t::pass_count.eq(pass_count),
            t::digest.eq(digest),
        ))
        .returning(t::id)
        .get_result(c))?;
    with_conn!(db, c => diesel::insert_into(s::table)
        .values((
            s::evaluation_id.eq(id),
            s::row_count.eq(row_count),
            s::scorecard.eq(&scorecard),
        ))
        .execute(c))?;
    Ok(id)
}

/// The evaluations of a year, newest first.
pub fn for_year(db: &mut Db, year: i32) -> AppResult<Vec<Evaluation>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::year.eq(year))
        .order(t::id.desc())
        .load::<Evaluation>(c))?)
}

/// How many rows an evaluation stored.
pub fn row_count(db: &mut Db, evaluation_id: i64) -> AppResult<i64> {
    Ok(with_conn!(db, c => s::table
        .find(evaluation_id)
        .select(s::row_count)
        .first::<i64>(c)
        .optional())?
    .unwrap_or(0))
}

/// An evaluation's rows in the order they were stored (the scorecard's),
/// for `only` these bases when given.
pub fn rows(db: &mut Db, evaluation_id: i64, only: Option<&[i64]>) -> AppResult<Vec<StoredRow>> {
    let stored: Option<(i64, Vec<u8>)> = with_conn!(db, c => s::table
        .find(evaluation_id)
        .select((s::row_count, s::scorecard))
        .first(c)
        .optional())?;
    let Some((count, stored)) = stored else {
        return Ok(Vec::new());
    };
    let only: Option<std::collections::HashSet<i64>> =
        only.map(|ids| ids.iter().copied().collect());
    text_of(&stored, count)
        .and_then(|text| decode(&text, count, only.as_ref()))
        .map_err(|why| {
            AppError::Database(diesel::result::Error::DeserializationError(
                format!("评估 {evaluation_id} 的存储结果无效 (invalid stored scorecard): {why}")
                    .into(),
            ))
        })
}

/// The CSV of a stored scorecard of `count` rows: decompressed when it is a
/// zstd frame, to no more than `count` lines can be.
fn text_of(stored: &[u8], count: i64) -> Result<std::borrow::Cow<'_, str>, String> {
    let text = if stored.starts_with(&ZSTD_MAGIC) {
        let limit = usize::try_from(count)
            .ok()
            .and_then(|n| n.checked_add(1)?.checked_mul(MAX_LINE))
            .ok_or_else(|| format!("行数 {count} 无效 (invalid row count)"))?;
        let bytes = zstd::bulk::decompress(stored, limit)
            .map_err(|e| format!("无法解压 (cannot decompress): {e}"))?;
        std::borrow::Cow::Owned(
            String::from_utf8(bytes).map_err(|_| "不是 UTF-8 文本 (not UTF-8 text)".to_string())?,
        )
    } else {
        std::borrow::Cow::Borrowed(
            std::str::from_utf8(stored)
                .map_err(|_| "不是 UTF-8 文本 (not UTF-8 text)".to_string())?,
        )
    };
    Ok(text)
}

/// Forget every stored evaluation that no confirmed year holds, with its
/// rows; how many. For `bench evaluate`, whose first run must store what it
/// computes on a dataset kept from an earlier run.
pub fn delete_unconfirmed(db: &mut Db) -> AppResult<usize> {
    use super::schema::year_results as y;
    Ok(with_conn!(db, c => diesel::delete(
        t::table.filter(diesel::dsl::not(diesel::dsl::exists(
            y::table.filter(y::evaluation_id.eq(t::id.nullable())),
        ))),
    )
    .execute(c))?)
}

pub fn get(db: &mut Db, id: i64) -> AppResult<Option<Evaluation>> {
    Ok(with_conn!(db, c => t::table.find(id).first::<Evaluation>(c).optional())?)
}

/// The stored text of `rows`: [`HEADER`], then a line per row, each ending
/// in a newline; an absent `actual` or `pace` is an empty field, booleans
/// are 0 and 1, codes are the columns' codes.
fn encode(rows: impl ExactSizeIterator<Item = StoredRow>) -> String {
    let mut out = String::with_capacity(HEADER.len() + 1 + rows.len() * 56);
    let mut num = itoa::Buffer::new();
    out.push_str(HEADER);
    out.push('\n');
    let flag = |b: bool| if b { "1" } else { "0" };
    for r in rows {
        out.push_str(num.format(r.base_id));
        out.push(',');
        out.push_str(r.indicator.code());
        out.push(',');
        if let Some(a) = r.actual {
            out.push_str(num.format(a));
        }
        out.push(',');
        out.push_str(num.format(r.target));
        out.push(',');
        out.push_str(num.format(r.gap));
        out.push(',');
        out.push_str(flag(r.met));
        out.push(',');
        if let Some(p) = r.pace {
            out.push_str(p.code());
        }
        out.push(',');
        out.push_str(r.source.code());
        out.push(',');
        out.push_str(flag(r.disagreement));
        out.push(',');
        out.push_str(flag(r.base_pass));
        out.push('\n');
    }
    out
}

/// The rows of a stored text (of `only` these bases), checked: the header,
/// ten fields a line, every code and number, and `count` lines in all.
fn decode(
    text: &str,
    count: i64,
    only: Option<&std::collections::HashSet<i64>>,
) -> Result<Vec<StoredRow>, String> {
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err("首行不是列名 (the first line is not the header)".into());
    }
    let mut out = Vec::new();
    let mut seen: i64 = 0;
    for (n, line) in lines.enumerate() {
        seen += 1;
        let at = |what: &str| format!("第 {} 行 (line {}): {what}", n + 2, n + 2);
        let mut f = line.split(',');
        let mut field = |name: &str| {
            f.next()
                .ok_or_else(|| at(&format!("缺少 {name} (missing {name})")))
        };
        let base_id: i64 = field("base_id")?.parse().map_err(|_| at("base_id"))?;
        if only.is_some_and(|ids| !ids.contains(&base_id)) {
            continue;
        }
        let code = |v: &str, name: &str| at(&format!("{name} {v:?}"));
        let indicator = field("indicator")
            .and_then(|v| Indicator::from_code(v).ok_or_else(|| code(v, "indicator")))?;
        let actual = match field("actual")? {
            "" => None,
            v => Some(v.parse().map_err(|_| code(v, "actual"))?),
        };
        let target = field("target").and_then(|v| v.parse().map_err(|_| code(v, "target")))?;
        let gap = field("gap").and_then(|v| v.parse().map_err(|_| code(v, "gap")))?;
        let boolean = |v: &str, name: &str| match v {
            "0" => Ok(false),
            "1" => Ok(true),
            _ => Err(code(v, name)),
        };
        let met = field("met").and_then(|v| boolean(v, "met"))?;
        let pace = match field("pace")? {
            "" => None,
            v => Some(Pace::from_code(v).ok_or_else(|| code(v, "pace"))?),
        };
        let source =
            field("source").and_then(|v| Source::from_code(v).ok_or_else(|| code(v, "source")))?;
        let disagreement = field("disagreement").and_then(|v| boolean(v, "disagreement"))?;
        let base_pass = field("base_pass").and_then(|v| boolean(v, "base_pass"))?;
        if f.next().is_some() {
            return Err(at("多余的列 (extra fields)"));
        }
        out.push(StoredRow {
            base_id,
            indicator,
            actual,
            target,
            gap,
            met,
            pace,
            source,
            disagreement,
            base_pass,
        });
    }
    if seen != count {
        return Err(format!(
            "{seen} 行，应为 {count} 行 ({seen} lines, {count} expected)"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(base_id: i64, actual: Option<i64>, pace: Option<Pace>) -> StoredRow {
        StoredRow {
            base_id,
            indicator: Indicator::PlatformUploads,
            actual,
            target: 20,
            gap: 20 - actual.unwrap_or(0),
            met: actual.is_some_and(|a| a >= 20),
            pace,
            source: Source::Records,
            disagreement: base_id % 2 == 0,
            base_pass: false,
        }
    }

    #[test]
    fn a_stored_scorecard_reads_back_as_it_was_written() {
        let rows = vec![
            row(7, Some(25), Some(Pace::OnTrack)),
            row(3, None, None),
            row(12, Some(-1), Some(Pace::Behind)),
        ];
        let text = encode(rows.iter().cloned());
        assert_eq!(decode(&text, 3, None).unwrap(), rows);
        let packed = zstd::bulk::compress(text.as_bytes(), ZSTD_LEVEL).unwrap();
        assert_eq!(text_of(&packed, 3).unwrap(), text);
        assert_eq!(text_of(text.as_bytes(), 3).unwrap(), text);
        let only = [3, 12].into_iter().collect();
        assert_eq!(decode(&text, 3, Some(&only)).unwrap(), rows[1..].to_vec());
        assert_eq!(decode(&encode([].into_iter()), 0, None).unwrap(), vec![]);
    }

    #[test]
    fn a_damaged_stored_scorecard_is_refused_with_its_line() {
        let text = encode([row(1, Some(2), None)].into_iter());
        assert!(decode(&text, 2, None).unwrap_err().contains("2 expected"));
        let bad = text.replace("platform_uploads", "uploads");
        assert!(decode(&bad, 1, None).unwrap_err().contains("line 2"));
        let bad = text.replace(",records,", ",records,x,");
        assert!(decode(&bad, 1, None).is_err());
        assert!(decode("base_id\n", 0, None).is_err());
        // A frame that claims more than its row count allows is not unpacked.
        let long = "x".repeat(10 * MAX_LINE);
        let packed = zstd::bulk::compress(long.as_bytes(), ZSTD_LEVEL).unwrap();
        assert!(text_of(&packed, 1).unwrap_err().contains("decompress"));
        assert!(text_of(&packed, -1).is_err());
        assert!(text_of(&[0xff, 0xfe], 0).unwrap_err().contains("UTF-8"));
    }
}
