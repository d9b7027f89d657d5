//! basewatch: annual performance monitoring of Henan's 科创中原 innovation
//! bases (“科创中原”创新基地年度绩效监测).
//!
//! Data flows one way: `ingest` (files → validated rows) → `db` ←
//! `compliance` (polars, against the `rules` rulebook) → scorecards, which
//! the CLI prints and stores. See docs/ARCHITECTURE.md.

pub mod access;
pub mod annual;
pub mod bench;
pub mod charts;
pub mod compliance;
pub mod config;
pub mod dashboards;
pub mod db;
pub mod demo;
pub mod documents;
pub mod domain;
pub mod error;
pub mod ingest;
pub mod jobs;
pub mod lifecycle;
pub mod mail;
pub mod recognition;
pub mod reports;
pub mod rules;
pub mod web;

/// The time zone of every date and schedule: Asia/Shanghai.
pub const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// Today's date in Asia/Shanghai.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&TZ).date_naive()
}

/// Lower-case hex of `bytes` (digests, tokens).
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    push_hex(&mut s, bytes);
    s
}

/// Lower-case hex of `bytes`, appended to `out`.
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
}
