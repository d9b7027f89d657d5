//! Domain types that parse: base codes, 统一社会信用代码, base types, channels,
//! statuses, cities, emails, indicators, years, dates and counts, built from
//! the messy values people type into spreadsheets. A value that exists is
//! valid ("parse, don't validate"). This module depends on no other part of
//! the crate; every other module may use it.

pub mod base;
pub mod error;
pub mod indicator;
pub mod text;
pub mod values;

pub use base::{BaseCode, BaseType, Channel, City, CreditCode, Email, Status};
pub use error::DomainError;
pub use indicator::Indicator;
pub use values::{parse_count, parse_date, Year};
