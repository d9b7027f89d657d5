//! Integration tests: one binary, a module per area. Every test works on a
//! database of its own: a temporary SQLite file, or a throw-away PostgreSQL
//! database when BASEWATCH_TEST_POSTGRES_URL is set.

mod helpers;

mod abuse;
mod annual;
mod browser;
mod cli;
mod demo;
mod documents;
mod evaluate;
mod import_bad_input;
mod import_formats;
mod jobs;
mod lifecycle;
mod paging;
mod pool;
mod recognition;
mod reimport;
mod reports;
mod sample;
mod scale;
mod values;
mod web;
mod years;
