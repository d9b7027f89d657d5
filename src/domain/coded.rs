//! Closed sets of values that are stored, sent and filtered by a fixed id
//! (`building`, `iar`, `platform_uploads`, …), never by their Chinese name.

/// A value from a closed set, stored in the database and written in CSV,
/// JSON and query strings by its code. `src/db/types.rs` maps every such type
/// to a text column on both backends.
pub trait Coded: Copy + Sized + 'static {
    /// What the values are, in Chinese and English, for error messages
    /// ("状态 (status)").
    const WHAT: &'static str;
    /// Every value, in display order.
    fn all() -> &'static [Self];
    /// The stored code.
    fn code(self) -> &'static str;
    /// The value whose code is exactly `s`: stored values are codes, so
    /// nothing is normalised here (people's spellings go through `parse`).
    fn from_code(s: &str) -> Option<Self> {
        Self::all().iter().copied().find(|v| v.code() == s)
    }
}

/// `Coded` for enums that have an `ALL` array and an `id()` method, and
/// `Display` as that code.
#[macro_export]
macro_rules! coded {
    ($($t:ty => $what:literal),* $(,)?) => {$(
        impl $crate::domain::Coded for $t {
            const WHAT: &'static str = $what;
            fn all() -> &'static [Self] {
                &Self::ALL
            }
            fn code(self) -> &'static str {
                self.id()
            }
        }

        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.id())
            }
        }
    )*};
}
