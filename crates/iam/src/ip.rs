//! IPv4/IPv6 CIDR blocks for the `IpAddress`/`NotIpAddress` operators: parse
//! `203.0.113.0/24`, `2001:db8::/32` or a bare address (a /32 or /128), and
//! test membership. IPv4-mapped IPv6 request addresses (`::ffff:a.b.c.d`)
//! are compared as IPv4.

use std::net::IpAddr;

/// A network: the address with host bits cleared, and the prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses a CIDR block or a single address. Host bits may be set (AWS
    /// accepts `203.0.113.5/24`); they are ignored.
    pub(crate) fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?))
            }
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return None;
        }
        Some(Cidr {
            net: mask(addr, prefix),
            prefix,
        })
    }

    /// Whether `ip` is in this network.
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        ip.is_ipv4() == self.net.is_ipv4() && mask(ip, self.prefix) == self.net
    }
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = u32::MAX
                .checked_shl(32 - u32::from(prefix.min(32)))
                .unwrap_or(0);
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = u128::MAX
                .checked_shl(128 - u32::from(prefix.min(128)))
                .unwrap_or(0);
            IpAddr::V6((bits & m).into())
        }
    }
}

/// Parses a request's address (e.g. `aws:SourceIp`).
pub(crate) fn parse_ip(s: &str) -> Option<IpAddr> {
    s.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_blocks() {
        let c = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(c.contains(ip("203.0.113.0")));
        assert!(c.contains(ip("203.0.113.255")));
        assert!(!c.contains(ip("203.0.114.1")));
        assert!(!c.contains(ip("2001:db8::1")));
        let host = Cidr::parse("198.51.100.7").unwrap();
        assert!(host.contains(ip("198.51.100.7")));
        assert!(!host.contains(ip("198.51.100.8")));
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains(ip("1.2.3.4")));
        assert!(!all.contains(ip("::2")));
    }

    #[test]
    fn host_bits_are_ignored() {
        assert_eq!(Cidr::parse("203.0.113.5/24"), Cidr::parse("203.0.113.0/24"));
    }

    #[test]
    fn ipv6_blocks() {
        let c = Cidr::parse("2001:DB8:1234:5678::/64").unwrap();
        assert!(c.contains(ip("2001:db8:1234:5678:abcd::1")));
        assert!(!c.contains(ip("2001:db8:1234:5679::1")));
        assert!(!c.contains(ip("10.0.0.1")));
        assert!(Cidr::parse("::/0").unwrap().contains(ip("2001:db8::1")));
    }

    #[test]
    fn mapped_ipv4_compares_as_ipv4() {
        let c = Cidr::parse("192.0.2.0/24").unwrap();
        assert!(c.contains(ip("::ffff:192.0.2.10")));
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "abc",
            "10.0.0.0/8/8",
        ] {
            assert!(Cidr::parse(s).is_none(), "{s}");
        }
        assert!(parse_ip("10.0.0.1").is_some());
        assert!(parse_ip("10.0.0.1/32").is_none());
    }
}
