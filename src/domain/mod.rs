//! Domain types that parse: base codes, 统一社会信用代码, base types, channels,
//! statuses, cities, emails, indicators, years, dates and counts, built from
//! the messy values people type into spreadsheets. A value that exists is
//! valid ("parse, don't validate"). The closed sets (types, channels,
//! statuses, indicators, roles, outcomes) are [`Coded`]: stored and sent by a
//! fixed code, and typed all the way into the database rows (their diesel
//! mapping is in `db::types`; here they only derive diesel's markers). This
//! module depends on no other part of the crate; every other module may use it.

pub mod base;
pub mod city;
pub mod coded;
pub mod error;
pub mod indicator;
pub mod net;
pub mod outcome;
pub mod role;
pub mod status;
pub mod text;
pub mod values;

pub use base::{BaseCode, BaseType, Channel, CreditCode, Email};
pub use city::City;
pub use coded::Coded;
pub use error::DomainError;
pub use indicator::Indicator;
pub use net::Net;
pub use outcome::{
    ApplicationDocumentKind, ApplicationOutcome, DocumentKind, DocumentStatus, ImportOutcome,
    MailStatus, Pace, Proposal, ReadingStatus, RectificationOutcome, Review, RunOutcome, Source,
    Stage, YearAction, YearStatus,
};
pub use role::Role;
pub use status::Status;
pub use values::{parse_count, parse_date, Year};
