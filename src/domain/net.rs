//! Addresses and networks as configured (`trusted_proxies`).

use std::net::IpAddr;

/// A network in CIDR form (`10.0.0.0/8`, `::1/128`) or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    pub fn parse(s: &str) -> Option<Net> {
        let (a, p) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
        };
        Some(Net { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let bits = |ip: IpAddr| -> (u128, u8) {
            match ip {
                IpAddr::V4(a) => (u128::from(u32::from(a)) << 96, 32),
                IpAddr::V6(a) => match a.to_ipv4_mapped() {
                    Some(v4) => (u128::from(u32::from(v4)) << 96, 32),
                    None => (u128::from(a), 128),
                },
            }
        };
        let ((net, w1), (ip, w2)) = (bits(self.addr), bits(ip));
        if w1 != w2 {
            return false;
        }
        // Both kinds sit in the top bits, so the prefix masks from the top.
        let prefix = u32::from(self.prefix);
        let mask = if prefix == 0 {
            0
        } else {
            u128::MAX << (128 - prefix)
        };
        net & mask == ip & mask
    }
}
