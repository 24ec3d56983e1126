//! Typed readings of condition values, for the Numeric, Date, Bool and
//! Binary operators. The same parsers read policy values (at parse time,
//! where a failure is a validation error) and request values (at evaluation,
//! where a failure means "no match").

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Parses a decimal number: optional sign, digits, optional fraction
/// (`10`, `-3`, `2.5`). Exponents, `inf` and `NaN` are refused.
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    s.parse().ok()
}

/// Parses a date as nanoseconds since the Unix epoch. Accepts epoch seconds
/// (`1700000000`, optionally with a fraction) and the ISO 8601 / W3C forms:
/// `2024-01-31`, `2024-01-31T12:00Z`, `2024-01-31T12:00:00Z`,
/// `2024-01-31T12:00:00.123+02:00`, and date-times without a zone (UTC).
pub(crate) fn parse_date(s: &str) -> Option<i128> {
    let s = s.trim();
    if let Some(n) = parse_epoch(s) {
        return Some(n);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(nanos(dt.timestamp(), dt.timestamp_subsec_nanos()));
    }
    for fmt in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M%#z"] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Some(nanos(dt.timestamp(), dt.timestamp_subsec_nanos()));
        }
    }
    let naive = s.strip_suffix(['Z', 'z']).unwrap_or(s);
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(naive, fmt) {
            let dt = dt.and_utc();
            return Some(nanos(dt.timestamp(), dt.timestamp_subsec_nanos()));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let dt = d.and_hms_opt(0, 0, 0)?.and_utc();
        return Some(nanos(dt.timestamp(), 0));
    }
    None
}

fn parse_epoch(s: &str) -> Option<i128> {
    let (neg, unsigned) = match s.strip_prefix('-') {
        Some(u) => (true, u),
        None => (false, s),
    };
    let (int, frac) = match unsigned.split_once('.') {
        Some((_, "")) => return None,
        Some((i, f)) => (i, f),
        None => (unsigned, ""),
    };
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > 18 || frac.len() > 9 || !digits(int) || !digits(frac) {
        return None;
    }
    let secs: i128 = int.parse().ok()?;
    let mut frac_nanos: i128 = 0;
    for (i, b) in frac.bytes().enumerate() {
        let digit = i128::from(b - b'0');
        frac_nanos += digit * 10i128.pow(8 - u32::try_from(i).ok()?);
    }
    let n = secs * 1_000_000_000 + frac_nanos;
    Some(if neg { -n } else { n })
}

fn nanos(secs: i64, sub: u32) -> i128 {
    i128::from(secs) * 1_000_000_000 + i128::from(sub)
}

/// Parses `true`/`false` in any case.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Decodes standard, padded base64.
pub(crate) fn parse_base64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-3"), Some(-3.0));
        assert_eq!(parse_number("+2.5"), Some(2.5));
        assert_eq!(parse_number(" 7 "), Some(7.0));
        for bad in [
            "", "1e3", "inf", "NaN", "1.", ".5", "1.2.3", "abc", "--1", "0x10",
        ] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates() {
        let base = 1_700_000_000i128 * 1_000_000_000;
        assert_eq!(parse_date("1700000000"), Some(base));
        assert_eq!(parse_date("1700000000.5"), Some(base + 500_000_000));
        assert_eq!(parse_date("2023-11-14T22:13:20Z"), Some(base));
        assert_eq!(parse_date("2023-11-14T22:13:20.000Z"), Some(base));
        assert_eq!(parse_date("2023-11-14T23:13:20+01:00"), Some(base));
        assert_eq!(parse_date("2023-11-14T22:13:20"), Some(base));
        assert_eq!(parse_date("2023-11-14T22:13Z"), Some(base - 20_000_000_000));
        assert_eq!(
            parse_date("2023-11-14T23:13+01:00"),
            Some(base - 20_000_000_000)
        );
        assert_eq!(
            parse_date("2023-11-14"),
            Some(1_699_920_000i128 * 1_000_000_000)
        );
        assert_eq!(parse_date("-1"), Some(-1_000_000_000));
        for bad in [
            "",
            "yesterday",
            "2023-13-01",
            "2023-11-14T25:00:00Z",
            "1.2.3",
            "12345678901234567890",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn bools_and_binary() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("false"), Some(false));
        assert_eq!(parse_bool("yes"), None);
        assert_eq!(
            parse_base64("QmluYXJ5VmFsdWU="),
            Some(b"BinaryValue".to_vec())
        );
        assert_eq!(parse_base64("not base64!"), None);
    }
}
