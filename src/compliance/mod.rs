//! The compliance engine: for a year (and an as-of date) it reads bases,
//! declared counts and record totals in bulk, joins the rulebook's targets in
//! polars, and returns one scorecard row per base and required indicator.
//!
//! It knows nothing of HTTP, files or email: `web`, `charts`, `jobs` and the
//! CLI read its [`Scorecard`]; none of them recomputes a rule. Output formats
//! (table, CSV, JSON) live in [`output`].

pub mod metrics;
pub mod output;

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use serde::Serialize;

use crate::db::{self, bases::Base, Db};

/// Up to this many bases, an evaluation reads only their rows; above it,
/// the whole year in one scan is cheaper than a long `IN` list.
const FEW_BASES: usize = 500;
use crate::domain::{BaseType, City, Indicator, YearStatus};
use crate::error::{AppError, AppResult};
use crate::rules::{indicator_position, Rulebook, SourcePolicy};

pub use crate::domain::{Pace, Source};

/// One base × one required indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScorecardRow {
    #[serde(skip)]
    pub base_id: i64,
    /// Shared by the base's rows (one allocation per base, not per row).
    pub base_code: std::sync::Arc<str>,
    pub base_name: std::sync::Arc<str>,
    pub base_type: BaseType,
    pub city: City,
    pub year: i32,
    pub indicator: Indicator,
    /// `None`: not reported (different from `Some(0)`).
    pub actual: Option<i64>,
    pub target: i64,
    /// What is still missing (0 when met; the whole target when not reported).
    pub gap: i64,
    pub met: bool,
    pub base_pass: bool,
    /// Only for a year still running.
    pub pace: Option<Pace>,
    /// Where `actual` came from.
    pub source: Source,
    /// Both a declared count and records exist, and they differ.
    pub disagreement: bool,
}

/// The result of one evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Scorecard {
    pub year: i32,
    pub as_of: NaiveDate,
    /// True when the counting period had not ended on `as_of`.
    pub running: bool,
    pub rulebook: String,
    /// The year's confirmed result (定稿), read from storage, not computed.
    pub confirmed: bool,
    pub rows: Vec<ScorecardRow>,
}

impl Scorecard {
    /// Number of bases evaluated and number that pass.
    pub fn totals(&self) -> (usize, usize) {
        let mut bases = 0;
        let mut pass = 0;
        let mut last = None;
        for r in &self.rows {
            if last != Some(r.base_id) {
                bases += 1;
                pass += usize::from(r.base_pass);
                last = Some(r.base_id);
            }
        }
        (bases, pass)
    }

    /// SHA-256 (hex) of what the rows say, to tell a changed result from
    /// the same one computed again.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        // The rows' bytes are gathered in blocks: one hasher call per block,
        // not eleven per row.
        let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
        for r in &self.rows {
            buf.extend_from_slice(&r.base_id.to_le_bytes());
            buf.extend_from_slice(r.indicator.id().as_bytes());
            buf.push(0);
            buf.extend_from_slice(&r.actual.map_or(-1, |a| a).to_le_bytes());
            buf.extend_from_slice(&r.target.to_le_bytes());
            buf.extend_from_slice(&r.gap.to_le_bytes());
            buf.extend_from_slice(&[
                u8::from(r.actual.is_some()),
                u8::from(r.met),
                u8::from(r.base_pass),
                u8::from(r.disagreement),
            ]);
            buf.extend_from_slice(r.pace.map_or("", Pace::id).as_bytes());
            buf.push(0);
            buf.extend_from_slice(r.source.id().as_bytes());
            buf.push(0);
            if buf.len() >= 60 * 1024 {
                h.update(&buf);
                buf.clear();
            }
        }
        h.update(&buf);
        crate::hex(&h.finalize())
    }

    /// Codes of the bases whose declared counts and records disagree.
    pub fn disagreements(&self) -> Vec<&ScorecardRow> {
        self.rows.iter().filter(|r| r.disagreement).collect()
    }
}

/// The as-of date of an evaluation of `year`: the given date (clamped to the
/// end of the counting period), or `today` while the year runs, or its end.
pub fn effective_as_of(
    year: i32,
    as_of: Option<NaiveDate>,
    today: NaiveDate,
) -> AppResult<NaiveDate> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| AppError::Invalid(format!("年度无效 (invalid year): {year}")))?;
    let end = NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| AppError::Invalid(format!("年度无效 (invalid year): {year}")))?;
    let d = as_of.unwrap_or(today);
    if d < start {
        return Err(AppError::Invalid(format!(
            "截至日期 {d} 早于 {year} 年统计期开始 (as-of date is before the counting period of {year})"
        )));
    }
    Ok(d.min(end))
}

/// Evaluate every base due in `year` as of `as_of` (see [`effective_as_of`]).
pub fn evaluate(
    db: &mut Db,
    rulebook: &Rulebook,
    year: i32,
    as_of: Option<NaiveDate>,
    today: NaiveDate,
) -> AppResult<Scorecard> {
    let all = db::bases::all(db)?;
    evaluate_bases(db, rulebook, year, as_of, today, &all)
}

/// The result of `year` for `bases` (those of them due in `year`): a
/// scorecard page or a unit's view evaluates what it shows, never the whole
/// country. A confirmed year (定稿) is its stored result, whatever was
/// imported or revised since; an as-of date inside the year, or a year
/// not confirmed, is computed (see [`compute_bases`]).
pub fn evaluate_bases(
    db: &mut Db,
    rulebook: &Rulebook,
    year: i32,
    as_of: Option<NaiveDate>,
    today: NaiveDate,
    bases: &[Base],
) -> AppResult<Scorecard> {
    let effective = effective_as_of(year, as_of, today)?;
    if NaiveDate::from_ymd_opt(year, 12, 31) == Some(effective) {
        if let Some(card) = confirmed_card(db, year, bases)? {
            return Ok(card);
        }
    }
    if let Some(from) = rulebook.applies_from.filter(|from| year < *from) {
        return Err(AppError::Conflict(format!(
            "{year} 年度早于规则 {} 的适用起始年度 {from}，且该年度未定稿：请以当年适用的规则计算并定稿 ({year} is before the rulebook applies and was not confirmed)",
            rulebook.label()
        )));
    }
    compute_bases(db, rulebook, year, as_of, today, bases)
}

/// The stored result of a confirmed `year` for `bases`, or `None` when the
/// year is not confirmed.
pub fn confirmed_card(db: &mut Db, year: i32, bases: &[Base]) -> AppResult<Option<Scorecard>> {
    let Some(y) = db::years::get(db, year)?.filter(|y| y.status == YearStatus::Confirmed) else {
        return Ok(None);
    };
    let Some(e) = y
        .evaluation_id
        .map(|id| db::evaluations::get(db, id))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    let only = (bases.len() <= FEW_BASES).then(|| bases.iter().map(|b| b.id).collect::<Vec<_>>());
    let by_id: std::collections::HashMap<i64, &Base> = bases.iter().map(|b| (b.id, b)).collect();
    let rows = db::evaluations::rows(db, e.id, only.as_deref())?
        .into_iter()
        .filter_map(|r| {
            let base = by_id.get(&r.base_id)?;
            Some(ScorecardRow {
                base_id: base.id,
                base_code: base.code.as_str().into(),
                base_name: base.name.as_str().into(),
                base_type: base.base_type,
                city: base.city,
                year,
                indicator: r.indicator,
                actual: r.actual,
                target: r.target,
                gap: r.gap,
                met: r.met,
                base_pass: r.base_pass,
                pace: r.pace,
                source: r.source,
                disagreement: r.disagreement,
            })
        })
        .collect();
    Ok(Some(Scorecard {
        year,
        as_of: e.as_of,
        running: false,
        rulebook: e.rulebook,
        confirmed: true,
        rows,
    }))
}

/// Compute `year` for `bases` from the stored data, confirmed or not.
/// Declared counts and totals are read for these bases only when they are few.
pub fn compute_bases(
    db: &mut Db,
    rulebook: &Rulebook,
    year: i32,
    as_of: Option<NaiveDate>,
    today: NaiveDate,
    bases: &[Base],
) -> AppResult<Scorecard> {
    let only = (bases.len() <= FEW_BASES).then(|| bases.iter().map(|b| b.id).collect::<Vec<_>>());
    let inputs = read_inputs(db, year, as_of, today, only.as_deref())?;
    compute_from(rulebook, inputs, bases)
}

/// What an evaluation of a year reads from the database: declared counts
/// and record totals (of `only` these bases, or all), as of its date.
pub struct Inputs {
    year: i32,
    as_of: NaiveDate,
    declared: DataFrame,
    recorded: DataFrame,
}

/// Read the inputs of `year`; they need no base, so they can be read while
/// the register is loaded.
pub fn read_inputs(
    db: &mut Db,
    year: i32,
    as_of: Option<NaiveDate>,
    today: NaiveDate,
    only: Option<&[i64]>,
) -> AppResult<Inputs> {
    let as_of = effective_as_of(year, as_of, today)?;
    Ok(Inputs {
        year,
        as_of,
        declared: pairs_frame(db::counts::for_year(db, year, as_of, only)?, "declared")?,
        recorded: pairs_frame(
            db::records::totals_for_year(db, year, as_of, only)?,
            "recorded",
        )?,
    })
}

/// The scorecard of `bases` from the inputs read for them.
pub fn compute_from(rulebook: &Rulebook, inputs: Inputs, bases: &[Base]) -> AppResult<Scorecard> {
    let Inputs {
        year,
        as_of,
        declared,
        recorded,
    } = inputs;
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(as_of);
    let running = as_of < year_end;

    let days = if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        366.0
    } else {
        365.0
    };
    let elapsed = f64::from(as_of.ordinal()) / days;
    let frame = bases_frame(bases, rulebook, year)?;
    let targets = targets_frame(rulebook, rulebook.pace.catch_up_factor * (1.0 - elapsed))?;

    let (first, second) = match rulebook.counting.source {
        SourcePolicy::DeclaredThenRecords => ("declared", "recorded"),
        SourcePolicy::RecordsThenDeclared => ("recorded", "declared"),
    };
    // Codes in the frame are positions in the domain's `ALL` arrays: joins
    // and conditions on small integers, no strings per row.
    let source_code = |c: &str| {
        if c == "declared" {
            code_of(&Source::ALL, Source::Declared)
        } else {
            code_of(&Source::ALL, Source::Records)
        }
    };
    let key = [col("key")];
    let mut lf = frame
        .lazy()
        .join(
            targets.lazy(),
            [col("base_type")],
            [col("base_type")],
            // Bases in code order, each with its indicators in the
            // rulebook's order: the rows come out sorted, with no sort.
            ordered(JoinType::Inner, MaintainOrderJoin::LeftRight),
        )
        .with_column(pair_key(col("base_id"), col("indicator")).alias("key"))
        .join(
            declared
                .lazy()
                .with_column(pair_key(col("base_id"), col("indicator")).alias("key"))
                .select([col("key"), col("declared")]),
            key.clone(),
            key.clone(),
            ordered(JoinType::Left, MaintainOrderJoin::Left),
        )
        .join(
            recorded
                .lazy()
                .with_column(pair_key(col("base_id"), col("indicator")).alias("key"))
                .select([col("key"), col("recorded")]),
            key.clone(),
            key,
            ordered(JoinType::Left, MaintainOrderJoin::Left),
        )
        .with_columns([
            when(col(first).is_not_null())
                .then(col(first))
                .otherwise(col(second))
                .alias("actual"),
            when(col(first).is_not_null())
                .then(lit(source_code(first)))
                .when(col(second).is_not_null())
                .then(lit(source_code(second)))
                .otherwise(lit(code_of(&Source::ALL, Source::None)))
                .alias("source"),
            (col("declared")
                .is_not_null()
                .and(col("recorded").is_not_null())
                .and(col("declared").neq(col("recorded"))))
            .fill_null(lit(false))
            .alias("disagreement"),
        ])
        .with_columns([
            col("actual")
                .gt_eq(col("target"))
                .fill_null(lit(false))
                .alias("met"),
            when(col("actual").is_null())
                .then(col("target"))
                .when(col("actual").gt_eq(col("target")))
                .then(lit(0i64))
                .otherwise(col("target") - col("actual"))
                .alias("gap"),
        ])
        .with_columns([col("met")
            .cast(DataType::Int32)
            .min()
            .over([col("base_id")])?
            .eq(lit(1i32))
            .alias("base_pass")]);

    if running {
        let target = col("target").cast(DataType::Float64);
        let actual = col("actual").cast(DataType::Float64);
        let pace = |p: Pace| lit(code_of(&Pace::ALL, p));
        lf = lf.with_columns([when(col("met"))
            .then(pace(Pace::OnTrack))
            .when(col("actual").is_null())
            .then(pace(Pace::NotReported))
            .when((col("actual") + col("capacity")).lt(col("target")))
            .then(pace(Pace::Unable))
            .when(actual.gt_eq(target * lit(elapsed)))
            .then(pace(Pace::OnTrack))
            .otherwise(pace(Pace::Behind))
            .alias("pace")]);
    } else {
        lf = lf.with_columns([lit(NULL).cast(DataType::Int32).alias("pace")]);
    }
    let mut df = lf.collect()?;
    // One chunk per column: the rows are read from plain slices.
    df.rechunk_mut();

    Ok(Scorecard {
        year,
        as_of,
        running,
        rulebook: rulebook.label(),
        confirmed: false,
        rows: rows_from_frame(&df, year, bases)?,
    })
}

/// Evaluate each year of `years` for every base of the register and store
/// each scorecard (as [`store`] does); the bases and the scorecards, in
/// year order. Years are independent, so they are computed side by side on
/// up to one connection per core (each worker opens its own to
/// `database_url`) and each reads its year's inputs while the register is
/// still being loaded on `db`; `db` then stores each scorecard as soon as it
/// is computed, while the other years are.
pub fn evaluate_and_store_years(
    db: &mut Db,
    database_url: &str,
    rulebook: &Rulebook,
    years: std::ops::RangeInclusive<i32>,
    as_of: Option<NaiveDate>,
    today: NaiveDate,
) -> AppResult<(std::sync::Arc<Vec<Base>>, Vec<Scorecard>)> {
    use std::sync::{Arc, Condvar, Mutex};
    type Loaded = Option<Result<Arc<Vec<Base>>, String>>;
    let years: Vec<i32> = years.collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.min(years.len()).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    // Computed scorecards, with their place in `years`, on their way to `db`.
    let (computed, to_store) = std::sync::mpsc::channel::<(usize, Scorecard)>();
    let register: (Mutex<Loaded>, Condvar) = (Mutex::new(None), Condvar::new());
    let wait = || -> AppResult<Arc<Vec<Base>>> {
        let (lock, ready) = &register;
        let mut got = lock
            .lock()
            .map_err(|_| AppError::Compute("register lock poisoned".into()))?;
        loop {
            if let Some(r) = got.as_ref() {
                return r.clone().map_err(AppError::Compute);
            }
            got = ready
                .wait(got)
                .map_err(|_| AppError::Compute("register lock poisoned".into()))?;
        }
    };
    let ready = || register.0.lock().map_or(true, |g| g.is_some());
    // A year read and waiting to be computed: its place in `years`, the
    // year, and its inputs (`None`: its stored result is taken instead).
    type Read = (usize, i32, Option<Inputs>);
    let read: Mutex<Vec<Read>> = Mutex::default();
    let (next, read, years) = (&next, &read, &years);
    let (bases, mut done) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let computed = computed.clone();
                s.spawn(move || -> AppResult<()> {
                    let mut db = Db::connect_only(database_url)?;
                    let read_next = |db: &mut Db| -> AppResult<Option<Read>> {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&y) = years.get(k) else {
                            return Ok(None);
                        };
                        let at_end = NaiveDate::from_ymd_opt(y, 12, 31)
                            == Some(effective_as_of(y, as_of, today)?);
                        let confirmed = at_end
                            && db::years::get(db, y)?
                                .is_some_and(|r| r.status == YearStatus::Confirmed);
                        let inputs = if confirmed || rulebook.applies_from.is_some_and(|f| y < f) {
                            None
                        } else {
                            Some(read_inputs(db, y, as_of, today, None)?)
                        };
                        Ok(Some((k, y, inputs)))
                    };
                    loop {
                        // While the register loads, read the years ahead;
                        // then compute what was read, by whichever worker is free.
                        if !ready() {
                            if let Some(r) = read_next(&mut db)? {
                                if let Ok(mut q) = read.lock() {
                                    q.push(r);
                                }
                                continue;
                            }
                        }
                        let queued = read.lock().ok().and_then(|mut q| q.pop());
                        let Some((k, y, inputs)) =
                            queued.map_or_else(|| read_next(&mut db), |r| Ok(Some(r)))?
                        else {
                            return Ok(());
                        };
                        let bases = wait()?;
                        let card = match inputs {
                            Some(i) => compute_from(rulebook, i, &bases)?,
                            None => evaluate_bases(&mut db, rulebook, y, as_of, today, &bases)?,
                        };
                        if computed.send((k, card)).is_err() {
                            // Storing failed: the caller has its error.
                            return Ok(());
                        }
                    }
                })
            })
            .collect();
        drop(computed);
        let loaded = db::bases::all(db).map(Arc::new);
        {
            let (lock, ready) = &register;
            if let Ok(mut slot) = lock.lock() {
                *slot = Some(loaded.as_ref().map(Arc::clone).map_err(|e| e.to_string()));
            }
            ready.notify_all();
        }
        // Until every worker is done: a worker's error ends its sending.
        let mut done = Vec::with_capacity(years.len());
        let stored = to_store.iter().try_for_each(|(k, card)| {
            store(db, &card)?;
            done.push((k, card));
            Ok::<_, AppError>(())
        });
        drop(to_store);
        for h in handles {
            h.join()
                .map_err(|_| AppError::Compute("evaluation thread panicked".into()))??;
        }
        stored?;
        loaded.map(|b| (b, done))
    })?;
    done.sort_by_key(|(k, _)| *k);
    Ok((bases, done.into_iter().map(|(_, c)| c).collect()))
}

/// Store a scorecard as an evaluation; returns its id. A scorecard identical
/// to the newest one stored for its year, as-of date and rulebook is not
/// stored again: that one's id is returned.
pub fn store(db: &mut Db, card: &Scorecard) -> AppResult<i64> {
    let (bases, pass) = card.totals();
    let digest = card.digest();
    db.transaction(|db| {
        if let Some(e) = db::evaluations::latest(db, card.year, card.as_of, &card.rulebook)? {
            if e.digest == digest {
                return Ok(e.id);
            }
        }
        db::evaluations::store(
            db,
            &db::evaluations::Summary {
                year: card.year,
                as_of: card.as_of,
                rulebook: &card.rulebook,
                base_count: bases as i64,
                pass_count: pass as i64,
                digest: &digest,
            },
            card.rows.iter().map(|r| db::evaluations::StoredRow {
                base_id: r.base_id,
                indicator: r.indicator,
                actual: r.actual,
                target: r.target,
                gap: r.gap,
                met: r.met,
                pace: r.pace,
                source: r.source,
                disagreement: r.disagreement,
                base_pass: r.base_pass,
            }),
        )
    })
}

/// The bases due in `year`: from their first evaluated year on, and not in
/// the years after they were revoked or lapsed (nor in the year itself,
/// unless the rulebook's `evaluate_ending_year` says so), in code order. `base_idx`
/// is the base's place in `all` (the rows take their names from there).
fn bases_frame(all: &[Base], rulebook: &Rulebook, year: i32) -> AppResult<DataFrame> {
    let mut due: Vec<u32> = (0..all.len())
        .filter(|&k| {
            let b = &all[k];
            rulebook.first_evaluated_year(b.recognised_on) <= year
                && !(b.status.is_ended()
                    && (b.status_since.year() < year
                        || (b.status_since.year() == year
                            && !rulebook.lifecycle.evaluate_ending_year)))
        })
        .filter_map(|k| u32::try_from(k).ok())
        .collect();
    due.sort_by(|x, y| all[*x as usize].code.cmp(&all[*y as usize].code));
    let n = due.len();
    let (mut idx, mut id, mut ty) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for k in due {
        let b = &all[k as usize];
        idx.push(k);
        id.push(b.id);
        ty.push(code_of(&BaseType::ALL, b.base_type));
    }
    Ok(DataFrame::new_infer_height(vec![
        Column::new("base_idx".into(), idx),
        Column::new("base_id".into(), id),
        Column::new("base_type".into(), ty),
    ])?)
}

fn ordered(how: JoinType, order: MaintainOrderJoin) -> JoinArgs {
    let mut args = JoinArgs::new(how);
    args.maintain_order = order;
    args
}

/// The rulebook's targets (each type's in the order of the indicators),
/// with the most a base can still add in the time
/// left (`share_left` of a year's target; at least one activity while any
/// time is left, since counts are whole).
fn targets_frame(rulebook: &Rulebook, share_left: f64) -> AppResult<DataFrame> {
    let (mut ty, mut ind, mut target, mut order, mut capacity) =
        (vec![], vec![], vec![], vec![], vec![]);
    for t in BaseType::ALL {
        let mut targets: Vec<_> = rulebook.targets(t).iter().collect();
        targets.sort_by_key(|(i, _)| indicator_position(*i));
        for (i, n) in targets {
            ty.push(code_of(&BaseType::ALL, t));
            ind.push(code_of(&Indicator::ALL, *i));
            target.push(i64::from(*n));
            order.push(indicator_position(*i) as i32);
            capacity.push((f64::from(*n) * share_left.max(0.0)).ceil() as i64);
        }
    }
    Ok(DataFrame::new_infer_height(vec![
        Column::new("base_type".into(), ty),
        Column::new("indicator".into(), ind),
        Column::new("target".into(), target),
        Column::new("ind_order".into(), order),
        Column::new("capacity".into(), capacity),
    ])?)
}

/// (base, indicator) as one integer, so that the joins on it are joins of
/// one primitive column: the base's id times [`KEY_SPAN`] plus the
/// indicator's code.
fn pair_key(base_id: Expr, indicator: Expr) -> Expr {
    base_id * lit(KEY_SPAN) + indicator.cast(DataType::Int64)
}

/// More than there are indicators (their codes are 0..`Indicator::ALL.len()`).
/// Base ids are row ids, far below `i64::MAX / KEY_SPAN`, so keys never overflow.
const KEY_SPAN: i64 = 16;
const _: () = assert!(Indicator::ALL.len() as i64 <= KEY_SPAN);

fn pairs_frame(rows: Vec<(i64, Indicator, i64)>, value: &str) -> AppResult<DataFrame> {
    let n = rows.len();
    let (mut id, mut ind, mut v) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (b, i, x) in &rows {
        id.push(*b);
        ind.push(code_of(&Indicator::ALL, *i));
        v.push(*x);
    }
    Ok(DataFrame::new_infer_height(vec![
        Column::new("base_id".into(), id),
        Column::new("indicator".into(), ind),
        Column::new(value.into(), v),
    ])?)
}

/// A value's code in the frame: its position in `all`.
fn code_of<T: PartialEq>(all: &[T], v: T) -> i32 {
    all.iter()
        .position(|x| *x == v)
        .and_then(|p| i32::try_from(p).ok())
        .unwrap_or(-1)
}

/// The value of a frame code.
fn from_code<T: Copy>(all: &[T], c: i32) -> Option<T> {
    usize::try_from(c).ok().and_then(|k| all.get(k)).copied()
}

/// A numeric column without nulls as one slice (the frame is one chunk per
/// column; `cont_slice` refuses anything else).
fn values<T: PolarsNumericType>(ca: &ChunkedArray<T>) -> AppResult<&[T::Native]> {
    Ok(ca.cont_slice()?)
}

/// A numeric column's values, `None` where null.
fn options<T: PolarsNumericType>(ca: &ChunkedArray<T>) -> Vec<Option<T::Native>> {
    ca.downcast_iter()
        .flat_map(|a| a.iter().map(|x| x.copied()))
        .collect()
}

fn rows_from_frame(df: &DataFrame, year: i32, bases: &[Base]) -> AppResult<Vec<ScorecardRow>> {
    let n = df.height();
    if n == 0 {
        return Ok(Vec::new());
    }
    let bad = |what: &str| AppError::Compute(format!("scorecard frame: {what}"));
    // Each column as `n` values: a slice where it has no nulls, options for
    // the two that may be null; every length is checked before any row is read.
    let flags = |name: &str| -> AppResult<Vec<bool>> {
        let ca = df.column(name)?.bool()?;
        if ca.null_count() > 0 {
            return Err(bad(name));
        }
        Ok(ca.downcast_iter().flat_map(|a| a.values().iter()).collect())
    };
    let idx = values(df.column("base_idx")?.u32()?)?;
    let ind = values(df.column("indicator")?.i32()?)?;
    let source = values(df.column("source")?.i32()?)?;
    let target = values(df.column("target")?.i64()?)?;
    let gap = values(df.column("gap")?.i64()?)?;
    let (met, pass, dis) = (flags("met")?, flags("base_pass")?, flags("disagreement")?);
    let actual = options(df.column("actual")?.i64()?);
    let pace = options(df.column("pace")?.i32()?);
    for (name, len) in [
        ("base_idx", idx.len()),
        ("indicator", ind.len()),
        ("source", source.len()),
        ("target", target.len()),
        ("gap", gap.len()),
        ("met", met.len()),
        ("base_pass", pass.len()),
        ("disagreement", dis.len()),
        ("actual", actual.len()),
        ("pace", pace.len()),
    ] {
        if len != n {
            return Err(bad(name));
        }
    }

    let mut out = Vec::with_capacity(n);
    // The last base's shared code and name: its rows are consecutive.
    let mut names: Option<(usize, std::sync::Arc<str>, std::sync::Arc<str>)> = None;
    for k in 0..n {
        let at = idx[k] as usize;
        let base = bases.get(at).ok_or_else(|| bad("base_idx"))?;
        let (code, name) = match &names {
            Some((i, c, n)) if *i == at => (c.clone(), n.clone()),
            _ => {
                let c: std::sync::Arc<str> = base.code.as_str().into();
                let n: std::sync::Arc<str> = base.name.as_str().into();
                names = Some((at, c.clone(), n.clone()));
                (c, n)
            }
        };
        out.push(ScorecardRow {
            base_id: base.id,
            base_code: code,
            base_name: name,
            base_type: base.base_type,
            city: base.city,
            year,
            indicator: from_code(&Indicator::ALL, ind[k]).ok_or_else(|| bad("indicator"))?,
            actual: actual[k],
            target: target[k],
            gap: gap[k],
            met: met[k],
            base_pass: pass[k],
            pace: pace[k].and_then(|c| from_code(&Pace::ALL, c)),
            source: from_code(&Source::ALL, source[k]).unwrap_or(Source::None),
            disagreement: dis[k],
        });
    }
    Ok(out)
}
