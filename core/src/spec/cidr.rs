//! IPv4 CIDR blocks: parsing, containment, overlap and default slicing, for plan-time checks.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// An IPv4 CIDR block in canonical form (host bits zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    base: u32,
    prefix: u8,
}

impl Cidr {
    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    fn size(&self) -> u64 {
        1u64 << (32 - u32::from(self.prefix))
    }

    fn last(&self) -> u32 {
        // `size` is at most 2^32 and base is aligned, so this stays in range.
        (u64::from(self.base) + self.size() - 1) as u32
    }

    /// True when `other` lies entirely inside this block.
    pub fn contains(&self, other: &Cidr) -> bool {
        other.prefix >= self.prefix && other.base >= self.base && other.last() <= self.last()
    }

    /// True when the two blocks share any address.
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.base <= other.last() && other.base <= self.last()
    }

    /// The `index`-th block of length `prefix` inside this one, if it fits.
    pub fn subnet(&self, prefix: u8, index: u32) -> Option<Cidr> {
        if prefix < self.prefix || prefix > 32 {
            return None;
        }
        let count = 1u64 << (prefix - self.prefix);
        if u64::from(index) >= count {
            return None;
        }
        let step = 1u64 << (32 - u32::from(prefix));
        let base = u64::from(self.base) + u64::from(index) * step;
        Some(Cidr {
            base: u32::try_from(base).ok()?,
            prefix,
        })
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not an IPv4 CIDR block such as \"10.0.0.0/16\"");
        let (addr, prefix) = text.split_once('/').ok_or_else(bad)?;
        let addr: Ipv4Addr = addr.parse().map_err(|_| bad())?;
        if prefix.is_empty() || prefix.len() > 2 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        if prefix > 32 {
            return Err(bad());
        }
        let base = u32::from(addr);
        let mask = if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - prefix)
        };
        if base & !mask != 0 {
            return Err(format!(
                "{text:?} has host bits set; the block starts at {}/{prefix}",
                Ipv4Addr::from(base & mask)
            ));
        }
        Ok(Cidr { base, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.base), self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints() {
        assert_eq!(c("10.0.0.0/16").to_string(), "10.0.0.0/16");
        for bad in [
            "10.0.0.0",
            "10.0.0/16",
            "10.0.0.0/33",
            "10.0.0.1/16",
            "x/8",
            "10.0.0.0/-1",
            "10.0.0.0/",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn containment_and_overlap() {
        assert!(c("10.0.0.0/16").contains(&c("10.0.32.0/19")));
        assert!(!c("10.0.0.0/16").contains(&c("10.1.0.0/19")));
        assert!(!c("10.0.0.0/16").contains(&c("10.0.0.0/8")));
        assert!(c("10.0.0.0/19").overlaps(&c("10.0.16.0/20")));
        assert!(!c("10.0.0.0/19").overlaps(&c("10.0.32.0/19")));
    }

    #[test]
    fn slices_like_the_reference_layout() {
        let vpc = c("10.0.0.0/16");
        assert_eq!(vpc.subnet(19, 1), Some(c("10.0.32.0/19")));
        assert_eq!(vpc.subnet(20, 8), Some(c("10.0.128.0/20")));
        assert_eq!(vpc.subnet(20, 16), None);
        assert_eq!(vpc.subnet(8, 0), None);
    }
}
