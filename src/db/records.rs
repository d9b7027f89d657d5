//! Activity records (活动明细): one row per activity, the evidence behind a
//! count. Each has a stable key per base (its external id, or a digest of
//! its content), so the same activity is never stored twice.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};
use diesel::upsert::excluded;

use super::schema::{activity_records as t, record_totals as tt};
use super::{with_conn, Db};
use crate::domain::{Coded, Indicator};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = t)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewRecord {
    pub base_id: i64,
    pub indicator: Indicator,
    pub occurred_on: NaiveDate,
    pub year: i32,
    pub quantity: i64,
    pub title: String,
    pub evidence_url: String,
    pub external_id: Option<String>,
    pub record_key: String,
    pub import_id: i64,
}

#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Record {
    pub id: i64,
    pub base_id: i64,
    pub indicator: Indicator,
    pub occurred_on: NaiveDate,
    pub year: i32,
    pub quantity: i64,
    pub title: String,
    pub evidence_url: String,
    pub external_id: Option<String>,
    pub record_key: String,
    pub import_id: i64,
}

/// What one batch did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// What one batch did, and which of its rows repeat a record that this same
/// import already stored (the file carries the activity twice).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchResult {
    pub written: Written,
    pub repeated: Vec<usize>,
}

/// Rows per prepared multi-row statement. A fixed size lets diesel keep the
/// statement prepared (its query id is static for arrays) instead of
/// parsing a new one for every batch.
const CHUNK: usize = 256;

/// An import's writing of records, batch by batch, inside its transaction:
/// what the batches add to `record_totals` (written by
/// [`Writer::write_totals`] at the end, or when [`Writer::totals_full`]),
/// and whether the last batch met stored keys.
pub struct Writer {
    totals: Totals,
    /// Keys of totals held before they must be written.
    totals_cap: usize,
    /// The last batch held stored keys (a file imported again): look the
    /// next one up first instead of trying it as new.
    expect_known: bool,
}

impl Default for Writer {
    fn default() -> Writer {
        Writer::with_totals_cap(Totals::FULL)
    }
}

impl Writer {
    /// A writer that asks for its totals to be written once they hold
    /// `cap` keys (the default holds 500,000, about 50 MiB).
    pub fn with_totals_cap(cap: usize) -> Writer {
        Writer {
            totals: Totals::default(),
            totals_cap: cap.max(1),
            expect_known: false,
        }
    }

    /// Store a batch: new keys are inserted, a known key whose content
    /// changed (a corrected record with the same external id) is updated, an
    /// identical record is left alone. When all were new, the records are
    /// left in `batch` for the caller to drop on the thread that made them
    /// (freed on another thread, millions of small strings contend for the
    /// allocator's arena: 1.7 s of a national import); otherwise it is
    /// emptied.
    ///
    /// On PostgreSQL, `encoded` is the batch as [`encode_copy`] made it on
    /// the parsing thread, so that this one only sends bytes.
    pub fn write_batch(
        &mut self,
        db: &mut Db,
        batch: &mut Vec<NewRecord>,
        encoded: Option<&[u8]>,
    ) -> AppResult<BatchResult> {
        if batch.is_empty() {
            return Ok(BatchResult::default());
        }
        // A batch of new activities (the usual case) goes in without a
        // lookup: SQLite inserts it under a savepoint and keeps it if every
        // row went in; PostgreSQL COPies it under a savepoint, undone at the
        // first known key. Otherwise (or when the last batch was known) the
        // stored records with its keys are looked up and compared.
        let tried = if self.expect_known {
            None
        } else {
            Some(match db {
                Db::Sqlite(c) => insert_if_all_new(c, batch)?.is_some(),
                Db::Pg(c) => copy_if_all_new(c, batch, encoded)?,
            })
        };
        if tried == Some(true) {
            for r in batch.iter() {
                self.totals.add_record(r);
            }
            return Ok(BatchResult {
                written: Written {
                    inserted: batch.len(),
                    ..Written::default()
                },
                repeated: Vec::new(),
            });
        }
        let found = match db {
            Db::Sqlite(c) => existing(c, batch)?,
            Db::Pg(c) => known_pg(c, batch)?,
        };
        self.expect_known = !found.is_empty();
        compare_and_write(db, std::mem::take(batch), &found, &mut self.totals)
    }

    /// Whether the gathered totals should be written now.
    pub fn totals_full(&self) -> bool {
        self.totals.0.len() >= self.totals_cap
    }

    /// Add the gathered totals to `record_totals`.
    pub fn write_totals(&mut self, db: &mut Db) -> AppResult<()> {
        self.totals.write(db)
    }
}

/// The slow path of a batch: compared with the stored records `found`
/// under its keys; new ones inserted, changed ones updated.
fn compare_and_write(
    db: &mut Db,
    batch: Vec<NewRecord>,
    found: &[Existing],
    totals: &mut Totals,
) -> AppResult<BatchResult> {
    let mut w = Written::default();
    let mut repeated = Vec::new();
    let known: HashMap<(i64, &str), &Existing> = found
        .iter()
        .map(|e| ((e.base_id, e.record_key.as_str()), e))
        .collect();
    let mut fresh = vec![false; batch.len()];
    for (k, r) in batch.iter().enumerate() {
        match known.get(&(r.base_id, r.record_key.as_str())) {
            None => {
                totals.add_record(r);
                fresh[k] = true;
            }
            Some(e) if e.import_id == r.import_id => repeated.push(k),
            Some(e) => {
                let same = e.indicator == r.indicator
                    && e.occurred_on == r.occurred_on
                    && e.quantity == r.quantity
                    && e.title == r.title
                    && e.evidence_url == r.evidence_url;
                if same {
                    w.unchanged += 1;
                } else {
                    with_conn!(db, c => diesel::update(t::table.find(e.id))
                        .set((
                            t::indicator.eq(r.indicator),
                            t::occurred_on.eq(r.occurred_on),
                            t::year.eq(r.year),
                            t::quantity.eq(r.quantity),
                            t::title.eq(&r.title),
                            t::evidence_url.eq(&r.evidence_url),
                            t::import_id.eq(r.import_id),
                        ))
                        .execute(c))?;
                    totals.add(
                        e.base_id,
                        e.year,
                        e.indicator,
                        -e.quantity,
                        -1,
                        e.occurred_on,
                    );
                    totals.add_record(r);
                    w.updated += 1;
                }
            }
        }
    }
    drop(known);
    let fresh: Vec<NewRecord> = batch
        .into_iter()
        .zip(fresh)
        .filter_map(|(r, new)| new.then_some(r))
        .collect();
    w.inserted += insert(db, &fresh)?;
    Ok(BatchResult {
        written: w,
        repeated,
    })
}

/// SQLite: insert the whole batch, skipping known keys; keep it only when
/// every row went in (`Some(rows inserted)`), else undo it (`None`).
fn insert_if_all_new(c: &mut SqliteConnection, batch: &[NewRecord]) -> AppResult<Option<usize>> {
    c.batch_execute("SAVEPOINT new_records")?;
    let attempt = (|| -> diesel::QueryResult<usize> {
        let mut n = 0;
        for chunk in batch.chunks(CHUNK) {
            let went_in = insert_chunk(c, chunk)?;
            n += went_in;
            if went_in < chunk.len() {
                // A known key: the batch is compared instead, so stop here.
                break;
            }
        }
        Ok(n)
    })();
    match attempt {
        Ok(n) if n == batch.len() => {
            c.batch_execute("RELEASE new_records")?;
            Ok(Some(n))
        }
        other => {
            c.batch_execute("ROLLBACK TO new_records; RELEASE new_records")?;
            other.map(|_| None).map_err(Into::into)
        }
    }
}

/// PostgreSQL: COPY the batch in under a savepoint; `false` (and nothing
/// written) when a key was already stored.
fn copy_if_all_new(
    c: &mut PgConnection,
    batch: &[NewRecord],
    encoded: Option<&[u8]>,
) -> AppResult<bool> {
    use diesel::result::{DatabaseErrorKind, Error};
    c.batch_execute("SAVEPOINT new_records")?;
    let copied = match encoded {
        Some(bytes) => copy_encoded(c, bytes),
        None => copy_in(c, batch),
    };
    match copied {
        Ok(_) => {
            c.batch_execute("RELEASE new_records")?;
            Ok(true)
        }
        Err(e) => {
            c.batch_execute("ROLLBACK TO new_records; RELEASE new_records")?;
            match e {
                AppError::Database(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                    Ok(false)
                }
                other => Err(other),
            }
        }
    }
}

/// Days from 0001-01-01 to PostgreSQL's date epoch, 2000-01-01.
const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120;

/// `rows` in PostgreSQL's binary COPY format, in the column order of
/// [`copy_encoded`]: header, one tuple per record, trailer.
pub fn encode_copy(rows: &[NewRecord]) -> Vec<u8> {
    fn text(out: &mut Vec<u8>, s: &str) {
        // Texts are bounded by the importer (titles 200 characters, keys 64 bytes).
        out.extend_from_slice(&i32::try_from(s.len()).unwrap_or(i32::MAX).to_be_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    fn int8(out: &mut Vec<u8>, v: i64) {
        out.extend_from_slice(&8i32.to_be_bytes());
        out.extend_from_slice(&v.to_be_bytes());
    }
    fn int4(out: &mut Vec<u8>, v: i32) {
        out.extend_from_slice(&4i32.to_be_bytes());
        out.extend_from_slice(&v.to_be_bytes());
    }
    use chrono::Datelike;
    let mut out = Vec::with_capacity(19 + rows.len() * 192 + 2);
    out.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    out.extend_from_slice(&0i32.to_be_bytes()); // flags: no OIDs
    out.extend_from_slice(&0i32.to_be_bytes()); // no header extension
    for r in rows {
        out.extend_from_slice(&10i16.to_be_bytes());
        int8(&mut out, r.base_id);
        text(&mut out, r.indicator.code());
        int4(
            &mut out,
            r.occurred_on.num_days_from_ce() - PG_EPOCH_DAYS_FROM_CE,
        );
        int4(&mut out, r.year);
        int8(&mut out, r.quantity);
        text(&mut out, &r.title);
        text(&mut out, &r.evidence_url);
        match &r.external_id {
            Some(x) => text(&mut out, x),
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
        }
        text(&mut out, &r.record_key);
        int8(&mut out, r.import_id);
    }
    out.extend_from_slice(&(-1i16).to_be_bytes());
    out
}

/// PostgreSQL: COPY records already encoded by [`encode_copy`], sent in
/// 64 KiB pieces so the server works while the rest arrives.
fn copy_encoded(c: &mut PgConnection, bytes: &[u8]) -> AppResult<usize> {
    use diesel::pg::CopyFormat;
    Ok(diesel::copy_from(t::table)
        .from_raw_data(
            (
                t::base_id,
                t::indicator,
                t::occurred_on,
                t::year,
                t::quantity,
                t::title,
                t::evidence_url,
                t::external_id,
                t::record_key,
                t::import_id,
            ),
            |w: &mut dyn std::io::Write| -> Result<(), diesel::result::Error> {
                for piece in bytes.chunks(1 << 16) {
                    w.write_all(piece)
                        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
                }
                Ok(())
            },
        )
        .with_format(CopyFormat::Binary)
        .execute(c)?)
}

/// PostgreSQL: COPY records in (binary format).
fn copy_in(c: &mut PgConnection, rows: &[NewRecord]) -> AppResult<usize> {
    Ok(diesel::copy_from(t::table)
        .from_insertable(rows)
        .execute(c)?)
}

/// PostgreSQL: the stored records with a (base, key) pair of `batch`, in
/// one query: the pairs go in as two arrays, unnested and joined to the
/// unique index (one probe per pair).
fn known_pg(c: &mut PgConnection, batch: &[NewRecord]) -> AppResult<Vec<Existing>> {
    use diesel::sql_types::Array;
    let bases: Vec<i64> = batch.iter().map(|r| r.base_id).collect();
    let keys: Vec<&str> = batch.iter().map(|r| r.record_key.as_str()).collect();
    Ok(diesel::sql_query(
        "SELECT r.id, r.base_id, r.record_key, r.indicator, r.occurred_on, r.year, \
         r.quantity, r.title, r.evidence_url, r.import_id \
         FROM unnest($1::BIGINT[], $2::TEXT[]) AS k (b, rk) \
         JOIN activity_records r ON r.base_id = k.b AND r.record_key = k.rk",
    )
    .bind::<Array<BigInt>, _>(&bases)
    .bind::<Array<Text>, _>(&keys)
    .load::<Existing>(c)?)
}

/// Insert new records: on PostgreSQL by COPY, on SQLite in fixed-size
/// prepared statements.
fn insert(db: &mut Db, rows: &[NewRecord]) -> AppResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    match db {
        Db::Pg(c) => Ok(copy_in(c, rows)?),
        Db::Sqlite(c) => {
            let mut n = 0;
            for chunk in rows.chunks(CHUNK) {
                n += insert_chunk(c, chunk)?;
            }
            Ok(n)
        }
    }
}

/// SQLite: insert up to CHUNK records, skipping known keys; how many went
/// in. The statement always has CHUNK rows, so it stays prepared: a short
/// chunk repeats its last row, which the conflict clause then skips (a batch
/// never holds one key twice).
fn insert_chunk(c: &mut SqliteConnection, chunk: &[NewRecord]) -> diesel::QueryResult<usize> {
    let Some(last) = chunk.last() else {
        return Ok(0);
    };
    let mut rows = chunk.iter();
    let fixed: [&NewRecord; CHUNK] = std::array::from_fn(|_| rows.next().unwrap_or(last));
    diesel::insert_into(t::table)
        .values(fixed)
        .on_conflict_do_nothing()
        .execute(c)
}

/// A stored record as the import compares it.
#[derive(QueryableByName)]
#[diesel(table_name = t)]
struct Existing {
    id: i64,
    base_id: i64,
    record_key: String,
    indicator: Indicator,
    occurred_on: NaiveDate,
    year: i32,
    quantity: i64,
    title: String,
    evidence_url: String,
    import_id: i64,
}

/// SQLite: the stored records with the (base, key) pairs of `batch`, in
/// queries that probe the unique index once per pair. (`base_id IN (…) AND
/// record_key IN (…)` probes every combination of the two lists.) The pairs
/// go in as a VALUES list joined to the table, planned as a loop of index
/// lookups. (PostgreSQL joins its staging table instead: [`staged_known`].)
fn existing(c: &mut SqliteConnection, batch: &[NewRecord]) -> AppResult<Vec<Existing>> {
    let mut found = Vec::new();
    // Every statement has CHUNK pairs (the last chunk repeats its last pair),
    // so its text is always the same and it stays prepared.
    let mut q = String::from("WITH k (b, rk) AS (VALUES ");
    for i in 0..CHUNK {
        if i > 0 {
            q.push_str(", ");
        }
        q.push_str("(?, ?)");
    }
    q.push_str(
        ") SELECT DISTINCT r.id, r.base_id, r.record_key, r.indicator, r.occurred_on, r.year, \
         r.quantity, r.title, r.evidence_url, r.import_id \
         FROM k CROSS JOIN activity_records r WHERE r.base_id = k.b AND r.record_key = k.rk",
    );
    for chunk in batch.chunks(CHUNK) {
        let Some(last) = chunk.last() else { continue };
        let pairs = chunk.iter().chain(std::iter::repeat(last)).take(CHUNK);
        let mut query = diesel::sql_query(q.as_str()).into_boxed();
        for r in pairs {
            query = query
                .bind::<BigInt, _>(r.base_id)
                .bind::<Text, _>(r.record_key.as_str());
        }
        found.extend(query.load::<Existing>(c)?);
    }
    Ok(found)
}

/// Changes to `record_totals` gathered over an import's batches:
/// (year, base, indicator) → (quantity, records, latest date). Written once
/// at the end of the import (one row per key, however many records), or
/// whenever it holds [`Totals::FULL`] keys.
#[derive(Default)]
struct Totals(HashMap<TotalKey, (i64, i64, NaiveDate)>);

/// (year, base, indicator) of a `record_totals` row.
type TotalKey = (i32, i64, Indicator);

impl Totals {
    /// Keys held by default before they must be written (about 50 MiB):
    /// 20,000 bases × 5 years × 3 indicators are written once, at the end.
    const FULL: usize = 500_000;

    /// One new record counted.
    fn add_record(&mut self, r: &NewRecord) {
        self.add(r.base_id, r.year, r.indicator, r.quantity, 1, r.occurred_on);
    }

    fn add(&mut self, base: i64, year: i32, ind: Indicator, qty: i64, n: i64, on: NaiveDate) {
        let e = self.0.entry((year, base, ind)).or_insert((0, 0, on));
        e.0 += qty;
        e.1 += n;
        e.2 = e.2.max(on);
    }

    /// Add what was gathered to `record_totals`, and start again empty.
    fn write(&mut self, db: &mut Db) -> AppResult<()> {
        let mut keyed: Vec<_> = std::mem::take(&mut self.0)
            .into_iter()
            .filter(|(_, v)| v.0 != 0 || v.1 != 0)
            .collect();
        // In the table's key order, so the b-tree is written front to back
        // rather than at random places.
        keyed.sort_unstable_by_key(|((year, base, ind), _)| (*year, *base, ind.code()));
        if let Db::Pg(c) = db {
            return write_totals_pg(c, keyed);
        }
        let rows: Vec<_> = keyed
            .into_iter()
            .map(|((year, base, ind), (qty, n, on))| {
                (
                    tt::year.eq(year),
                    tt::base_id.eq(base),
                    tt::indicator.eq(ind),
                    tt::quantity.eq(qty),
                    tt::records.eq(n),
                    tt::last_on.eq(on),
                )
            })
            .collect();
        // The latest date only grows: a corrected record that moves earlier
        // leaves it high, which only sends an as-of evaluation to the records.
        for chunk in rows.chunks(super::BATCH_ROWS) {
            with_conn!(db, c => diesel::insert_into(tt::table)
                .values(chunk)
                .on_conflict((tt::year, tt::base_id, tt::indicator))
                .do_update()
                .set((
                    tt::quantity.eq(tt::quantity + excluded(tt::quantity)),
                    tt::records.eq(tt::records + excluded(tt::records)),
                    tt::last_on.eq(sql::<Date>(
                        "CASE WHEN excluded.last_on > record_totals.last_on \
                         THEN excluded.last_on ELSE record_totals.last_on END",
                    )),
                ))
                .execute(c))?;
        }
        Ok(())
    }
}

diesel::table! {
    /// PostgreSQL only: an import's changes to `record_totals` on their way
    /// in (a temporary table of the connection's own).
    record_totals_delta (year, base_id, indicator) {
        year -> Integer,
        base_id -> BigInt,
        indicator -> Text,
        quantity -> BigInt,
        records -> BigInt,
        last_on -> Date,
    }
}

/// PostgreSQL: the changes COPied into a temporary table and added to
/// `record_totals` in one statement (hundreds of thousands of keys at the
/// national scale: one round trip, not one per 500).
fn write_totals_pg(
    c: &mut PgConnection,
    keyed: Vec<(TotalKey, (i64, i64, NaiveDate))>,
) -> AppResult<()> {
    use record_totals_delta as d;
    if keyed.is_empty() {
        return Ok(());
    }
    c.batch_execute(
        "CREATE TEMPORARY TABLE IF NOT EXISTS record_totals_delta (
            year INTEGER NOT NULL, base_id BIGINT NOT NULL, indicator TEXT NOT NULL,
            quantity BIGINT NOT NULL, records BIGINT NOT NULL, last_on DATE NOT NULL);
         TRUNCATE record_totals_delta",
    )?;
    let rows: Vec<_> = keyed
        .into_iter()
        .map(|((year, base, ind), (qty, n, on))| {
            (
                d::year.eq(year),
                d::base_id.eq(base),
                d::indicator.eq(ind),
                d::quantity.eq(qty),
                d::records.eq(n),
                d::last_on.eq(on),
            )
        })
        .collect();
    diesel::copy_from(d::table)
        .from_insertable(&rows)
        .execute(c)?;
    c.batch_execute(
        "INSERT INTO record_totals (year, base_id, indicator, quantity, records, last_on)
         SELECT year, base_id, indicator, quantity, records, last_on FROM record_totals_delta
         ORDER BY year, base_id, indicator
         ON CONFLICT (year, base_id, indicator) DO UPDATE SET
            quantity = record_totals.quantity + excluded.quantity,
            records = record_totals.records + excluded.records,
            last_on = GREATEST(record_totals.last_on, excluded.last_on);
         TRUNCATE record_totals_delta",
    )?;
    Ok(())
}

/// (base_id, indicator, total quantity) for `year` up to `as_of`, for the
/// bases `only` names (all when `None`). From `record_totals` when no record
/// of the year is dated after `as_of` (always so for a finished year, since
/// future dates are refused); otherwise summed from the records of the year.
pub fn totals_for_year(
    db: &mut Db,
    year: i32,
    as_of: NaiveDate,
    only: Option<&[i64]>,
) -> AppResult<Vec<(i64, Indicator, i64)>> {
    // The year's totals are the answer unless a record of the year is dated
    // after `as_of`. A record's year is its date's, so at the year's end
    // none can be; inside the year, one look at the latest date tells.
    let at_end = NaiveDate::from_ymd_opt(year, 12, 31).is_some_and(|end| as_of >= end);
    let latest: Option<NaiveDate> = if at_end {
        None
    } else {
        with_conn!(db, c => tt::table
            .filter(tt::year.eq(year))
            .filter(tt::records.gt(0))
            .select(diesel::dsl::max(tt::last_on))
            .first(c))?
    };
    if latest.is_none_or(|d| d <= as_of) {
        return Ok(with_conn!(db, c => {
            let mut q = tt::table
                .filter(tt::year.eq(year))
                .filter(tt::records.gt(0))
                .select((tt::base_id, tt::indicator, tt::quantity))
                .into_boxed();
            if let Some(ids) = only {
                q = q.filter(tt::base_id.eq_any(ids));
            }
            q.load(c)
        })?);
    }
    Ok(with_conn!(db, c => {
        let mut q = t::table
            .filter(t::year.eq(year))
            .filter(t::occurred_on.le(as_of))
            .group_by((t::base_id, t::indicator))
            .select((t::base_id, t::indicator, sql::<BigInt>("CAST(SUM(quantity) AS BIGINT)")))
            .into_boxed();
        if let Some(ids) = only {
            q = q.filter(t::base_id.eq_any(ids));
        }
        q.load(c)
    })?)
}

/// One base's records of a year, newest first.
pub fn for_base(db: &mut Db, base_id: i64, year: i32) -> AppResult<Vec<Record>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::base_id.eq(base_id))
        .filter(t::year.eq(year))
        .order((t::occurred_on.desc(), t::id.desc()))
        .load::<Record>(c))?)
}

/// A base's activities dated from `from` to `to` (inclusive), summed per
/// indicator: what a rectification period adds (第十六条).
pub fn sums_between(
    db: &mut Db,
    base_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<(Indicator, i64)>> {
    let rows: Vec<(Indicator, i64)> = with_conn!(db, c => t::table
        .filter(t::base_id.eq(base_id))
        .filter(t::occurred_on.between(from, to))
        .group_by(t::indicator)
        .select((t::indicator, sql::<BigInt>("CAST(SUM(quantity) AS BIGINT)")))
        .load(c))?;
    Ok(rows)
}

/// Where `record_totals` and the records it sums disagree, as
/// "(year, base id, indicator): totals … records …" lines; empty when they
/// agree. A check for tests and for staff after a restore.
pub fn verify_totals(db: &mut Db) -> AppResult<Vec<String>> {
    type Sums = Vec<(i32, i64, Indicator, i64, i64)>;
    let summed: Sums = with_conn!(db, c => t::table
        .group_by((t::year, t::base_id, t::indicator))
        .select((
            t::year,
            t::base_id,
            t::indicator,
            sql::<BigInt>("CAST(SUM(quantity) AS BIGINT)"),
            sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
        ))
        .load(c))?;
    let kept: Sums = with_conn!(db, c => tt::table
        .filter(tt::records.ne(0).or(tt::quantity.ne(0)))
        .select((tt::year, tt::base_id, tt::indicator, tt::quantity, tt::records))
        .load(c))?;
    let key = |r: &(i32, i64, Indicator, i64, i64)| (r.0, r.1, r.2);
    let a: HashMap<_, _> = summed.iter().map(|r| (key(r), (r.3, r.4))).collect();
    let b: HashMap<_, _> = kept.iter().map(|r| (key(r), (r.3, r.4))).collect();
    let mut out: Vec<String> = a
        .keys()
        .chain(b.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| format!("{k:?}: totals {:?} records {:?}", b.get(k), a.get(k)))
        .collect();
    out.sort();
    Ok(out)
}

/// How many records are stored (all years).
pub fn count(db: &mut Db) -> AppResult<i64> {
    Ok(with_conn!(db, c => t::table.count().get_result(c))?)
}

/// The id of a base's record with this key, if stored.
pub fn id_of(db: &mut Db, base_id: i64, record_key: &str) -> AppResult<Option<i64>> {
    Ok(with_conn!(db, c => t::table
        .filter(t::base_id.eq(base_id))
        .filter(t::record_key.eq(record_key))
        .select(t::id)
        .first::<i64>(c)
        .optional())?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn the_copy_date_epoch_is_the_first_of_january_2000() {
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        assert_eq!(epoch.num_days_from_ce(), PG_EPOCH_DAYS_FROM_CE);
    }

    #[test]
    fn copy_data_is_framed_as_postgres_binary_copy() {
        let r = NewRecord {
            base_id: 7,
            indicator: Indicator::ALL[0],
            occurred_on: NaiveDate::from_ymd_opt(2000, 1, 2).unwrap(),
            year: 2000,
            quantity: 3,
            title: "标题".into(),
            evidence_url: String::new(),
            external_id: None,
            record_key: "k".into(),
            import_id: 9,
        };
        let bytes = encode_copy(&[r]);
        assert!(bytes.starts_with(b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0"));
        assert!(bytes.ends_with(&(-1i16).to_be_bytes()));
        // Ten fields, the base id first, the date one day after the epoch.
        assert_eq!(&bytes[19..21], &10i16.to_be_bytes());
        assert_eq!(&bytes[21..33], &[0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7]);
        let code = Indicator::ALL[0].code().len();
        let date_at = 33 + 4 + code;
        assert_eq!(&bytes[date_at..date_at + 8], &[0, 0, 0, 4, 0, 0, 0, 1]);
    }
}
