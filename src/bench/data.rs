//! A deterministic national-scale dataset for the import and evaluation
//! benchmarks: a register of `bases` bases recognised in the year before the
//! first one, and their activity records for `years` years, ordered by year,
//! as the 活动明细 template (UTF-8 CSV). The same arguments give the same
//! bytes on every machine.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};

use crate::demo::{credit_code, Rng};
use crate::domain::{BaseType, Channel, City};
use crate::error::{AppError, AppResult};
use crate::rules::Rulebook;

/// The files of one dataset.
pub struct Dataset {
    pub register: PathBuf,
    pub records: PathBuf,
    /// The same rows as `records` in a file of its own (another digest):
    /// re-importing it must change nothing.
    pub records_again: PathBuf,
    pub first_year: i32,
    pub last_year: i32,
    pub bases: usize,
    pub rows: u64,
}

/// The base code of the `n`th base.
pub fn code(n: usize) -> String {
    format!("BENCH-{n:06}")
}

/// The type of the `n`th base.
pub fn base_type(n: usize) -> BaseType {
    BaseType::ALL[n % 3]
}

/// Write the dataset into `dir` (reusing it when a previous run left the
/// same one there) and say what it holds.
pub fn generate(dir: &Path, bases: usize, years: i32, last_year: i32) -> AppResult<Dataset> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let first_year = last_year - years + 1;
    let tag = format!("{bases}x{first_year}-{last_year}");
    let register = dir.join(format!("register-{tag}.csv"));
    let records = dir.join(format!("records-{tag}.csv"));
    let records_again = dir.join(format!("records-{tag}-again.csv"));
    let marker = dir.join(format!("done-{tag}.txt"));
    if let Ok(n) = std::fs::read_to_string(&marker) {
        if let Ok(rows) = n.trim().parse() {
            return Ok(Dataset {
                register,
                records,
                records_again,
                first_year,
                last_year,
                bases,
                rows,
            });
        }
    }
    let rulebook = Rulebook::henan();
    let mut rng = Rng(0x4241_5345 ^ bases as u64);

    let mut w = BufWriter::new(std::fs::File::create(&register).map_err(io(&register))?);
    let write_err = io(&register);
    writeln!(
        w,
        "基地编号,基地名称,基地类型,依托单位,统一社会信用代码,推荐渠道,推荐单位,所在地市,认定日期,联系邮箱"
    )
    .map_err(&write_err)?;
    let recognised_year = first_year - 1;
    for n in 0..bases {
        let ty = base_type(n);
        let city = City::ALL[n % City::ALL.len()];
        let channel = Channel::ALL[(n / 3) % 3];
        let unit = match channel {
            Channel::City => format!("{}科协", city.as_str()),
            Channel::Society => format!("全国学会{:03}", n % 200),
            Channel::Institution => format!("中央驻豫单位{:03}", n % 100),
        };
        let day = NaiveDate::from_ymd_opt(recognised_year, 3, 1)
            .and_then(|d| d.checked_add_days(Days::new(rng.below(200))))
            .ok_or_else(|| AppError::Invalid("bench: bad year".into()))?;
        let credit = credit_code(&mut rng, n);
        writeln!(
            w,
            "{},基准基地{n:06},{},基准依托单位{n:06},{credit},{},{unit},{},{day},base{n}@bench.example.org",
            code(n),
            ty.name_zh(),
            channel.name_zh(),
            city.as_str()
        )
        .map_err(&write_err)?;
    }
    w.flush().map_err(&write_err)?;
    drop((w, write_err));

    let mut w = BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(&records).map_err(io(&records))?,
    );
    let write_err = io(&records);
    writeln!(w, "基地编号,指标,日期,数量,标题,佐证链接,外部编号").map_err(&write_err)?;
    let mut rows = 0u64;
    for year in first_year..=last_year {
        let start = NaiveDate::from_ymd_opt(year, 1, 1)
            .ok_or_else(|| AppError::Invalid("bench: bad year".into()))?;
        let span = if start.leap_year() { 366 } else { 365 };
        for n in 0..bases {
            for (ind, target) in rulebook.targets(base_type(n)) {
                // Between 60 % and 140 % of the target: some pass, some fail.
                let want = (u64::from(*target) * (60 + rng.below(81))).div_ceil(100);
                for k in 0..want {
                    let on = start + Days::new(rng.below(span));
                    // Half the records carry an external id; the others are
                    // keyed by their content.
                    let ext = if (n + k as usize).is_multiple_of(2) {
                        format!("{}-{}-{year}-{k}", code(n), ind.id())
                    } else {
                        String::new()
                    };
                    writeln!(
                        w,
                        "{},{},{on},1,{}（{year}年第{}项）,https://kczg.example.org/{}/{year}/{k},{ext}",
                        code(n),
                        ind.id(),
                        ind.short_zh(),
                        k + 1,
                        code(n)
                    )
                    .map_err(&write_err)?;
                    rows += 1;
                }
            }
        }
    }
    w.flush().map_err(&write_err)?;
    drop((w, write_err));
    // Same rows, another file: a blank line at the end changes the digest.
    std::fs::copy(&records, &records_again).map_err(io(&records_again))?;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&records_again)
        .map_err(io(&records_again))?;
    f.write_all(b"\n").map_err(io(&records_again))?;
    std::fs::write(&marker, rows.to_string()).map_err(io(&marker))?;
    Ok(Dataset {
        register,
        records,
        records_again,
        first_year,
        last_year,
        bases,
        rows,
    })
}

fn io(p: &Path) -> impl Fn(std::io::Error) -> AppError + '_ {
    move |e| AppError::io(p, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_arguments_give_the_same_dataset() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let da = generate(a.path(), 30, 2, 2024).unwrap();
        let db = generate(b.path(), 30, 2, 2024).unwrap();
        assert_eq!(da.rows, db.rows);
        assert!(da.rows > 30 * 2 * 10, "about 33 records a base and year");
        assert_eq!(
            std::fs::read(&da.records).unwrap(),
            std::fs::read(&db.records).unwrap()
        );
        assert_eq!(
            std::fs::read(&da.register).unwrap(),
            std::fs::read(&db.register).unwrap()
        );
        assert_eq!((da.first_year, da.last_year), (2023, 2024));
    }
}
