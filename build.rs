//! Rebuild when a migration is added: `embed_migrations!` reads the
//! `migrations/` folders at compile time, and cargo would not otherwise
//! notice a new one (diesel_migrations' documented advice).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
