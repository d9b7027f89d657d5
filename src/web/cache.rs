//! Scorecards, the base list and rendered charts, kept until the data under
//! them changes (a new import or status change bumps the data version) or
//! the day changes (pace depends on the date).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use crate::charts::Chart;
use crate::compliance::{self, Scorecard};
use crate::db::{self, bases::Base, Db};
use crate::error::{AppError, AppResult};
use crate::rules::Rulebook;

type Key = ((i64, i64), NaiveDate);

/// How long a checked data version is trusted before asking the database
/// again. Imports through this server invalidate at once; another process
/// (a CLI import) is noticed within this time.
const RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Default)]
pub struct Cache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    key: Option<Key>,
    checked: Option<std::time::Instant>,
    bases: Option<Arc<Vec<Base>>>,
    cards: HashMap<i32, Arc<Scorecard>>,
    charts: HashMap<String, Arc<Chart>>,
    pages: HashMap<String, Arc<String>>,
}

impl Cache {
    fn lock(&self) -> AppResult<std::sync::MutexGuard<'_, Inner>> {
        self.inner
            .lock()
            .map_err(|_| AppError::Compute("cache lock poisoned".into()))
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
            g.pages.get(key).cloned()
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
        if let Some(p) = self.lock()?.pages.get(&key) {
            return Ok(p.clone());
        }
        let p = Arc::new(make()?);
        self.lock()?.pages.insert(key, p.clone());
        Ok(p)
    }

    /// Every base (callers filter by scope).
    pub fn bases(&self, db: &mut Db) -> AppResult<Arc<Vec<Base>>> {
        let mut g = self.lock()?;
        if let Some(b) = &g.bases {
            return Ok(b.clone());
        }
        let b = Arc::new(db::bases::all(db)?);
        g.bases = Some(b.clone());
        Ok(b)
    }

    /// The scorecard of every base due in `year`, as of today.
    pub fn scorecard(
        &self,
        db: &mut Db,
        rulebook: &Rulebook,
        year: i32,
        today: NaiveDate,
    ) -> AppResult<Arc<Scorecard>> {
        let mut g = self.lock()?;
        if let Some(c) = g.cards.get(&year) {
            return Ok(c.clone());
        }
        let c = Arc::new(compliance::evaluate(db, rulebook, year, None, today)?);
        g.cards.insert(year, c.clone());
        Ok(c)
    }

    /// A rendered chart by key, made once per data version.
    pub fn chart(
        &self,
        key: String,
        make: impl FnOnce() -> AppResult<Chart>,
    ) -> AppResult<Arc<Chart>> {
        if let Some(c) = self.lock()?.charts.get(&key) {
            return Ok(c.clone());
        }
        let c = Arc::new(make()?);
        self.lock()?.charts.insert(key, c.clone());
        Ok(c)
    }
}
