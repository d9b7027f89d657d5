//! What stands between an unauthenticated caller and an argon2 hash.
//!
//! Every sign-in attempt is counted *before* its password is hashed, in
//! fixed-size keys (digests, never the text a caller sent) and in maps of
//! bounded size, three ways:
//!
//! - per account and address: [`PAIR_LIMIT`] failures in a window stop that
//!   pair (someone guessing one account from one place);
//! - per address: [`ADDRESS_LIMIT`] failures stop the address (one place
//!   trying many accounts);
//! - per account from anywhere: after [`ACCOUNT_SLOW_AFTER`] failures the
//!   account may be tried once per [`ACCOUNT_SLOT`], except from a browser
//!   that has signed in to it before (its device cookie). A distributed guess
//!   is slowed to a trickle, and the account's owner is never locked out.
//!
//! At most [`Throttle::hash_slots`] hashes run at once; an attempt beyond
//! that is told to retry, without a hash.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

pub use crate::domain::Net;

/// The counting window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures per account and address in a window.
pub const PAIR_LIMIT: u32 = 5;
/// Failures per address in a window, whatever the accounts.
pub const ADDRESS_LIMIT: u32 = 50;
/// Failures per account, from anywhere, before it is slowed.
pub const ACCOUNT_SLOW_AFTER: u32 = 10;
/// Once slowed, an account may be tried once per this long.
pub const ACCOUNT_SLOT: Duration = Duration::from_secs(30);
/// Entries each map holds at most (about 40 bytes each).
const MAX_KEYS: usize = 100_000;

/// Why an attempt may not go on to the hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many failures (pair, address or slowed account): wait.
    TooMany,
    /// Every hash slot is busy: retry in a moment.
    Busy,
}

type Key = [u8; 16];

fn key(parts: &[&[u8]]) -> Key {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let d = h.finalize();
    let mut k = [0u8; 16];
    k.copy_from_slice(&d[..16]);
    k
}

#[derive(Clone, Copy)]
struct Count {
    start: Instant,
    failures: u32,
    /// For accounts: the earliest time a slowed account may be tried again.
    next_try: Instant,
}

/// Failures in fixed windows, in a map that never holds more than MAX_KEYS.
#[derive(Default)]
struct Counts(HashMap<Key, Count>);

impl Counts {
    fn get(&self, k: &Key, now: Instant) -> Option<Count> {
        self.0
            .get(k)
            .copied()
            .filter(|c| now.duration_since(c.start) < WINDOW)
    }

    fn entry(&mut self, k: Key, now: Instant) -> &mut Count {
        if self.0.len() >= MAX_KEYS && !self.0.contains_key(&k) {
            self.0.retain(|_, c| now.duration_since(c.start) < WINDOW);
            if self.0.len() >= MAX_KEYS {
                // Still full of live windows: forget the oldest half.
                let mut starts: Vec<Instant> = self.0.values().map(|c| c.start).collect();
                let mid = starts.len() / 2;
                let (_, cut, _) = starts.select_nth_unstable(mid);
                let cut = *cut;
                self.0.retain(|_, c| c.start > cut);
            }
        }
        let c = self.0.entry(k).or_insert(Count {
            start: now,
            failures: 0,
            next_try: now,
        });
        if now.duration_since(c.start) >= WINDOW {
            *c = Count {
                start: now,
                failures: 0,
                next_try: now,
            };
        }
        c
    }
}

#[derive(Default)]
struct Maps {
    pairs: Counts,
    addresses: Counts,
    accounts: Counts,
}

/// The sign-in throttle of one server.
pub struct Throttle {
    maps: Mutex<Maps>,
    hashing: AtomicUsize,
    slots: usize,
}

impl Default for Throttle {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Throttle::with_slots((cores * 2).clamp(2, 16))
    }
}

/// An attempt that was counted and holds a hash slot; report its result
/// with [`Attempt::succeeded`] (a dropped attempt stays counted as failed).
pub struct Attempt<'a> {
    throttle: &'a Throttle,
    pair: Key,
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        self.throttle.hashing.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Attempt<'_> {
    /// The password was right: the pair starts again from nothing.
    pub fn succeeded(self) {
        if let Ok(mut m) = self.throttle.maps.lock() {
            m.pairs.0.remove(&self.pair);
        }
    }
}

impl Throttle {
    pub fn with_slots(slots: usize) -> Throttle {
        Throttle {
            maps: Mutex::default(),
            hashing: AtomicUsize::new(0),
            slots: slots.max(1),
        }
    }

    /// How many password hashes may run at once.
    pub fn hash_slots(&self) -> usize {
        self.slots
    }

    /// Count an attempt to sign in to `account` from `address` and take a
    /// hash slot, or say why not. `known_device`: the browser proved it
    /// signed in to this account before.
    pub fn attempt(
        &self,
        account: &str,
        address: IpAddr,
        known_device: bool,
    ) -> Result<Attempt<'_>, Refusal> {
        let account = account.trim().to_lowercase();
        let ip = match address {
            IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
            IpAddr::V6(a) => a.octets(),
        };
        let (pair, addr, acct) = (
            key(&[b"pair", account.as_bytes(), &ip]),
            key(&[b"addr", &ip]),
            key(&[b"acct", account.as_bytes()]),
        );
        let now = Instant::now();
        let Ok(mut m) = self.maps.lock() else {
            return Err(Refusal::Busy);
        };
        let over = |c: Option<Count>, limit: u32| c.is_some_and(|c| c.failures >= limit);
        if over(m.pairs.get(&pair, now), PAIR_LIMIT)
            || over(m.addresses.get(&addr, now), ADDRESS_LIMIT)
        {
            return Err(Refusal::TooMany);
        }
        let slowed = !known_device
            && m.accounts
                .get(&acct, now)
                .is_some_and(|c| c.failures >= ACCOUNT_SLOW_AFTER && now < c.next_try);
        if slowed {
            return Err(Refusal::TooMany);
        }
        if self.hashing.fetch_add(1, Ordering::AcqRel) >= self.slots {
            self.hashing.fetch_sub(1, Ordering::AcqRel);
            return Err(Refusal::Busy);
        }
        // Counted as a failure now; a success takes it back for the pair.
        m.pairs.entry(pair, now).failures += 1;
        m.addresses.entry(addr, now).failures += 1;
        let a = m.accounts.entry(acct, now);
        a.failures += 1;
        if a.failures >= ACCOUNT_SLOW_AFTER && !known_device {
            a.next_try = now + ACCOUNT_SLOT;
        }
        Ok(Attempt {
            throttle: self,
            pair,
        })
    }

    /// Keys held in all maps (for tests: memory stays bounded).
    pub fn keys_held(&self) -> usize {
        self.maps.lock().map_or(0, |m| {
            m.pairs.0.len() + m.addresses.0.len() + m.accounts.0.len()
        })
    }
}

/// The client's address: the peer's, unless the peer is a trusted proxy, in
/// which case the nearest address in `X-Forwarded-For` that is not one.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[Net]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let Some(list) = forwarded_for else {
        return peer;
    };
    let mut client = peer;
    for part in list.rsplit(',').take(32) {
        match part.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn five_failures_stop_the_pair_but_not_the_account_from_elsewhere() {
        let t = Throttle::with_slots(4);
        for _ in 0..PAIR_LIMIT {
            drop(t.attempt("zhang", ip("203.0.113.5"), false).unwrap());
        }
        assert_eq!(
            t.attempt("zhang", ip("203.0.113.5"), false).err(),
            Some(Refusal::TooMany)
        );
        assert!(t.attempt("zhang", ip("198.51.100.7"), false).is_ok());
        assert!(t.attempt("li", ip("203.0.113.5"), false).is_ok());
    }

    #[test]
    fn a_distributed_guess_is_slowed_but_a_known_device_still_signs_in() {
        let t = Throttle::with_slots(4);
        for k in 0..ACCOUNT_SLOW_AFTER {
            let addr = IpAddr::from([198, 51, 100, k as u8]);
            drop(t.attempt("wang", addr, false).unwrap());
        }
        assert_eq!(
            t.attempt("wang", ip("192.0.2.1"), false).err(),
            Some(Refusal::TooMany)
        );
        t.attempt("wang", ip("192.0.2.2"), true)
            .expect("the owner's browser")
            .succeeded();
    }

    #[test]
    fn the_attempt_is_counted_before_the_hash_and_hashes_are_capped() {
        let t = Throttle::with_slots(2);
        let a = t.attempt("a", ip("192.0.2.1"), false).unwrap();
        let b = t.attempt("b", ip("192.0.2.2"), false).unwrap();
        assert_eq!(
            t.attempt("c", ip("192.0.2.3"), false).err(),
            Some(Refusal::Busy)
        );
        drop(a);
        drop(b);
        // Five attempts in flight at once for one pair: the sixth is refused
        // even though none has finished hashing.
        let t = Throttle::with_slots(10);
        let held: Vec<_> = (0..PAIR_LIMIT)
            .map(|_| t.attempt("zhao", ip("192.0.2.9"), false).unwrap())
            .collect();
        assert_eq!(
            t.attempt("zhao", ip("192.0.2.9"), false).err(),
            Some(Refusal::TooMany)
        );
        drop(held);
    }

    #[test]
    fn memory_stays_bounded_whatever_the_names() {
        let t = Throttle::with_slots(1);
        let long = "x".repeat(1024);
        for k in 0..(MAX_KEYS + 5_000) {
            let name = format!("{long}{k}");
            let addr = IpAddr::from((k as u128).to_be_bytes());
            drop(t.attempt(&name, addr, false));
        }
        assert!(t.keys_held() <= 3 * MAX_KEYS, "{}", t.keys_held());
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let trusted = [
            Net::parse("10.0.0.0/8").unwrap(),
            Net::parse("::1").unwrap(),
        ];
        let xff = Some("198.51.100.1, 203.0.113.9, 10.1.2.3");
        assert_eq!(client_ip(ip("10.0.0.1"), xff, &trusted), ip("203.0.113.9"));
        assert_eq!(
            client_ip(ip("::1"), Some("192.0.2.7"), &trusted),
            ip("192.0.2.7")
        );
        // An untrusted peer's header is ignored.
        assert_eq!(client_ip(ip("192.0.2.50"), xff, &trusted), ip("192.0.2.50"));
        assert_eq!(
            client_ip(ip("10.0.0.1"), Some("garbage"), &trusted),
            ip("10.0.0.1")
        );
        assert!(Net::parse("10.0.0.0/33").is_none());
        assert!(Net::parse("192.168.0.0/16")
            .unwrap()
            .contains(ip("::ffff:192.168.4.4")));
    }
}
