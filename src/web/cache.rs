//! Scorecards, the base list and rendered pages and charts, kept until the
//! data under them changes (a new import or status change bumps the data
//! version) or the day changes (pace depends on the date).
//!
//! Nothing is computed while the cache's own lock is held: the lock only
//! finds (or makes) the slot of a key. The first request for a key computes
//! it holding that slot's turn; others asking for the same key wait on that
//! turn and share the one result (single-flight), and requests for other
//! keys do not wait at all. A failed computation leaves the slot empty, so
//! the next request tries again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use chrono::NaiveDate;

use crate::charts::Chart;
use crate::compliance::{self, metrics::AtRisk, Scorecard};
use crate::db::{self, bases::Base, Db};
use crate::error::{AppError, AppResult};
use crate::rules::Rulebook;

type Key = ((i64, i64, i64, i64, i64), NaiveDate);

/// How long a checked data version is trusted before asking the database
/// again. Imports through this server invalidate at once; another process
/// (a CLI import) is noticed within this time.
const RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// At most this many finished entries per kind (pages, charts, scoped
/// scorecards): 20,000 bases × years of scorecard pages must not all stay
/// in memory. Past it, finished entries are dropped; running ones stay.
const MAX_ENTRIES: usize = 2_000;

/// One key's value, computed once.
struct Slot<T> {
    value: OnceLock<Arc<T>>,
    /// Held by whoever computes the value; those who want it wait here.
    turn: Mutex<()>,
}

impl<T> Slot<T> {
    fn new() -> Slot<T> {
        Slot {
            value: OnceLock::new(),
            turn: Mutex::new(()),
        }
    }

    fn get_or_try(&self, make: impl FnOnce() -> AppResult<T>) -> AppResult<Arc<T>> {
        if let Some(v) = self.value.get() {
            return Ok(v.clone());
        }
        // The turn guards nothing but the right to compute: a panic in an
        // earlier computation leaves it poisoned, which changes nothing here.
        let _turn = self.turn.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = self.value.get() {
            return Ok(v.clone());
        }
        let v = Arc::new(make()?);
        let _ = self.value.set(v.clone());
        Ok(v)
    }
}

/// The slots of one kind of value, by key.
struct Flights<T> {
    slots: HashMap<String, Arc<Slot<T>>>,
    cap: usize,
}

impl<T> Flights<T> {
    fn new(cap: usize) -> Flights<T> {
        Flights {
            slots: HashMap::new(),
            cap,
        }
    }

    /// The slot for `key`, made if missing.
    fn slot(&mut self, key: &str) -> Arc<Slot<T>> {
        if let Some(s) = self.slots.get(key) {
            return s.clone();
        }
        if self.slots.len() >= self.cap {
            self.slots.retain(|_, s| s.value.get().is_none());
        }
        let s = Arc::new(Slot::new());
        self.slots.insert(key.to_string(), s.clone());
        s
    }

    /// The finished value of `key`, if there is one.
    fn done(&self, key: &str) -> Option<Arc<T>> {
        self.slots.get(key).and_then(|s| s.value.get().cloned())
    }
}

struct Inner {
    key: Option<Key>,
    checked: Option<std::time::Instant>,
    bases: Flights<Vec<Base>>,
    /// The whole country's scorecard per year: never dropped for room.
    country: Flights<Scorecard>,
    /// Scorecards of a unit's or a base's bases.
    cards: Flights<Scorecard>,
    charts: Flights<Chart>,
    pages: Flights<String>,
    /// At-risk lists by scope and year.
    risks: Flights<Vec<AtRisk>>,
    /// Whether a year is confirmed (定稿), for the overview's staff panel.
    years: Flights<crate::lifecycle::year::YearView>,
}

impl Default for Inner {
    fn default() -> Inner {
        Inner {
            key: None,
            checked: None,
            bases: Flights::new(1),
            country: Flights::new(usize::MAX),
            cards: Flights::new(MAX_ENTRIES),
            charts: Flights::new(MAX_ENTRIES),
            pages: Flights::new(MAX_ENTRIES),
            risks: Flights::new(MAX_ENTRIES),
            years: Flights::new(MAX_ENTRIES),
        }
    }
}

#[derive(Default)]
pub struct Cache {
    inner: Mutex<Inner>,
}

impl Cache {
    fn lock(&self) -> AppResult<MutexGuard<'_, Inner>> {
        self.inner
            .lock()
            .map_err(|_| AppError::Compute("cache lock poisoned".into()))
    }

    /// Find the slot under the cache's lock, compute outside it.
    fn once<T>(
        &self,
        pick: impl FnOnce(&mut Inner) -> &mut Flights<T>,
        key: &str,
        make: impl FnOnce() -> AppResult<T>,
    ) -> AppResult<Arc<T>> {
        let slot = pick(&mut *self.lock()?).slot(key);
        slot.get_or_try(make)
    }

    /// Drop everything if the data or the day changed since last time.
    pub fn sync(&self, db: &mut Db, today: NaiveDate) -> AppResult<()> {
        {
            let g = self.lock()?;
            let fresh = g.checked.is_some_and(|t| t.elapsed() < RECHECK);
            if fresh && g.key.is_some_and(|k| k.1 == today) {
                return Ok(());
            }
        }
        let key = (db::data_version(db)?, today);
        let mut g = self.lock()?;
        if g.key != Some(key) {
            // Computations still running finish into their old slots, for
            // those already waiting on them; new requests get new slots.
            *g = Inner {
                key: Some(key),
                ..Inner::default()
            };
        }
        g.checked = Some(std::time::Instant::now());
        Ok(())
    }

    /// A cached page body, without touching the database, if the data version
    /// was checked within the last second: the fast path of busy pages.
    pub fn fresh_page(&self, key: &str, today: NaiveDate) -> Option<Arc<String>> {
        let g = self.inner.lock().ok()?;
        let fresh =
            g.checked.is_some_and(|t| t.elapsed() < RECHECK) && g.key.is_some_and(|k| k.1 == today);
        if fresh {
            g.pages.done(key)
        } else {
            None
        }
    }

    /// A year's standing (定稿 or not), computed once per data version.
    pub fn year(
        &self,
        year: i32,
        make: impl FnOnce() -> AppResult<crate::lifecycle::year::YearView>,
    ) -> AppResult<Arc<crate::lifecycle::year::YearView>> {
        self.once(|g| &mut g.years, &year.to_string(), make)
    }

    /// A year's standing without touching the database, if the data version
    /// was checked within the last second (as [`Cache::fresh_page`]).
    pub fn fresh_year(
        &self,
        year: i32,
        today: NaiveDate,
    ) -> Option<Arc<crate::lifecycle::year::YearView>> {
        let g = self.inner.lock().ok()?;
        let fresh =
            g.checked.is_some_and(|t| t.elapsed() < RECHECK) && g.key.is_some_and(|k| k.1 == today);
        if fresh {
            g.years.done(&year.to_string())
        } else {
            None
        }
    }

    /// Forget everything now (after an import through this server).
    pub fn invalidate(&self) {
        if let Ok(mut g) = self.inner.lock() {
            *g = Inner::default();
        }
    }

    /// A rendered page body by key, made once per data version.
    pub fn page(
        &self,
        key: String,
        make: impl FnOnce() -> AppResult<String>,
    ) -> AppResult<Arc<String>> {
        self.once(|g| &mut g.pages, &key, make)
    }

    /// Every base, ordered by code (callers filter by scope).
    pub fn bases(&self, db: &mut Db) -> AppResult<Arc<Vec<Base>>> {
        self.once(|g| &mut g.bases, "all", || db::bases::all(db))
    }

    /// Every base if the list is already loaded (a page about one base
    /// then needs no query; cold, it asks for that base alone).
    pub fn bases_if_done(&self) -> Option<Arc<Vec<Base>>> {
        self.lock().ok()?.bases.done("all")
    }

    /// The scorecard of every base due in `year`, as of today.
    pub fn scorecard(
        &self,
        db: &mut Db,
        rulebook: &Rulebook,
        year: i32,
        today: NaiveDate,
    ) -> AppResult<Arc<Scorecard>> {
        let bases = self.bases(db)?;
        self.once(
            |g| &mut g.country,
            &year.to_string(),
            || compliance::evaluate_bases(db, rulebook, year, None, today, &bases),
        )
    }

    /// The whole country's scorecard of `year` if it is already computed.
    pub fn country_if_done(&self, year: i32) -> Option<Arc<Scorecard>> {
        self.lock().ok()?.country.done(&year.to_string())
    }

    /// The scorecard of just `bases` (a unit's, or one base), cached under
    /// `key`, which must name that set of bases and the year.
    pub fn scorecard_of(
        &self,
        db: &mut Db,
        rulebook: &Rulebook,
        key: &str,
        year: i32,
        today: NaiveDate,
        bases: &[Base],
    ) -> AppResult<Arc<Scorecard>> {
        self.once(
            |g| &mut g.cards,
            key,
            || compliance::evaluate_bases(db, rulebook, year, None, today, bases),
        )
    }

    /// An at-risk list by key (scope and year), made once per data version.
    pub fn risks(
        &self,
        key: String,
        make: impl FnOnce() -> AppResult<Vec<AtRisk>>,
    ) -> AppResult<Arc<Vec<AtRisk>>> {
        self.once(|g| &mut g.risks, &key, make)
    }

    /// A rendered chart by key, made once per data version.
    pub fn chart(
        &self,
        key: String,
        make: impl FnOnce() -> AppResult<Chart>,
    ) -> AppResult<Arc<Chart>> {
        self.once(|g| &mut g.charts, &key, make)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::sync::Barrier;
    use std::time::Duration;

    /// Only a guard against a hung test: nothing here is timed.
    const DEADLOCK_GUARD: Duration = Duration::from_secs(60);

    #[test]
    fn a_slow_computation_for_one_key_does_not_hold_up_another_key() {
        let cache = Arc::new(Cache::default());
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let c = cache.clone();
        let slow = std::thread::spawn(move || {
            c.page("A".into(), || {
                started_tx.send(()).unwrap();
                // Hold key A's computation until key B has been served.
                release_rx.recv().unwrap();
                Ok("a".into())
            })
            .unwrap()
        });
        started_rx.recv_timeout(DEADLOCK_GUARD).unwrap();
        let (done_tx, done_rx) = mpsc::channel();
        let c = cache.clone();
        std::thread::spawn(move || {
            let b = c.page("B".into(), || Ok("b".into())).unwrap();
            done_tx.send(b).unwrap();
        });
        let b = done_rx
            .recv_timeout(DEADLOCK_GUARD)
            .expect("key B was served while key A was still being computed");
        assert_eq!(b.as_str(), "b");
        release_tx.send(()).unwrap();
        assert_eq!(slow.join().unwrap().as_str(), "a");
    }

    #[test]
    fn concurrent_requests_for_one_key_share_one_computation() {
        const N: usize = 8;
        let cache = Arc::new(Cache::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let start = Arc::new(Barrier::new(N));
        let handles: Vec<_> = (0..N)
            .map(|_| {
                let (cache, runs, start) = (cache.clone(), runs.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    let c2 = cache.clone();
                    cache
                        .page("A".into(), move || {
                            runs.fetch_add(1, Ordering::SeqCst);
                            // Finish only when every thread holds key A's slot,
                            // so all of them ask while this computation runs.
                            while waiting(&c2, "A") < N {
                                std::thread::yield_now();
                            }
                            Ok("a".into())
                        })
                        .unwrap()
                })
            })
            .collect();
        let pages: Vec<Arc<String>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(runs.load(Ordering::SeqCst), 1, "computed once");
        assert!(
            pages.iter().all(|p| Arc::ptr_eq(p, &pages[0])),
            "one shared value"
        );
    }

    /// Requests holding key's page slot (the map holds one more reference).
    fn waiting(cache: &Cache, key: &str) -> usize {
        let g = cache.inner.lock().unwrap();
        g.pages
            .slots
            .get(key)
            .map(|s| Arc::strong_count(s) - 1)
            .unwrap_or(0)
    }

    #[test]
    fn a_failed_computation_is_not_kept_and_the_next_request_tries_again() {
        let cache = Cache::default();
        let e = cache.page("A".into(), || Err(AppError::Compute("boom".into())));
        assert!(e.is_err());
        let ok = cache.page("A".into(), || Ok("a".into())).unwrap();
        assert_eq!(ok.as_str(), "a");
        let again = cache.page("A".into(), || panic!("cached")).unwrap();
        assert!(Arc::ptr_eq(&ok, &again));
    }

    #[test]
    fn finished_entries_past_the_cap_are_dropped_but_running_ones_stay() {
        let mut f: Flights<String> = Flights::new(2);
        f.slot("a").get_or_try(|| Ok("a".into())).unwrap();
        let running = f.slot("b");
        f.slot("c");
        assert!(f.done("a").is_none(), "a finished entry made room");
        assert!(
            Arc::ptr_eq(&running, &f.slot("b")),
            "the running one stayed"
        );
    }
}
