//! Exact decimal numbers as DynamoDB stores them: up to 38 significant
//! digits, magnitude between 1E-130 and 9.9999999999999999999999999999999999999E+125,
//! or zero.
//!
//! Map: this file holds the type, its invariants, ordering and canonical
//! output; `number/parse.rs` reads the wire form (`N` strings) and
//! `number/arith.rs` does the exact `+`/`-` that `ADD` and `SET a = b + c`
//! need.
//!
//! Invariants of [`Number`] (relied on by the derived `Eq`/`Hash`, by
//! [`crate::key`] and by the storage encoding):
//! - zero is `{negative: false, coefficient: 0, exponent: 0}`;
//! - otherwise `coefficient` has no trailing decimal zero and fewer than 39
//!   digits, and the value is `±coefficient × 10^exponent` with its leading
//!   digit at a power of ten (the *magnitude*) within `-130..=125`.
//!
//! So two numbers are numerically equal exactly when their fields are equal.
//!
//! Errors carry DynamoDB's exact messages (see [`NumberError`]); they were
//! taken from the dynalite test-suite, which is checked against the real
//! service, and from the 2026 captures of the paritysuite conformance suite.

mod arith;
mod parse;

use std::cmp::Ordering;
use std::fmt;

/// `POW10[i]` is 10^i, for every power a `u128` holds (built at compile
/// time; the indexes stay below the length).
#[allow(clippy::indexing_slicing)]
static POW10: [u128; 39] = {
    let mut table = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// Most significant digits a number may have.
pub const MAX_SIGNIFICANT_DIGITS: u32 = 38;
/// Largest allowed magnitude (power of ten of the leading digit).
pub const MAX_MAGNITUDE: i32 = 125;
/// Smallest allowed magnitude of a non-zero number.
pub const MIN_MAGNITUDE: i32 = -130;

/// Why a number was refused, with DynamoDB's message as `Display`.
///
/// DynamoDB answers these as `ValidationException`. Operations that use the
/// "current" validation layer (PutItem, UpdateItem, DeleteItem) wrap the
/// message in `1 validation error detected: `; that envelope is the caller's
/// business.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Not a number at all; DynamoDB echoes the offending text (an empty
    /// string keeps the colon and the space).
    #[error("The parameter cannot be converted to a numeric value: {0}")]
    NotNumeric(String),
    /// Magnitude above 125 (including results of arithmetic, and results
    /// that would need more than 38 digits, which DynamoDB reports with this
    /// same message).
    #[error(
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )]
    Overflow,
    /// Non-zero magnitude below -130.
    #[error(
        "Number underflow. Attempting to store a number with magnitude smaller than supported range"
    )]
    Underflow,
    /// More than 38 significant digits in a number read from a request.
    #[error("Attempting to store more than 38 significant digits in a Number")]
    TooManyDigits,
    /// An empty number, as the older validation layer words it (no colon).
    #[error("The parameter cannot be converted to a numeric value")]
    Empty,
}

/// An exact DynamoDB number. See the module documentation for invariants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Number {
    /// True for negative numbers; never true for zero.
    negative: bool,
    /// Significant digits as an integer: no trailing zero, below 10^38.
    coefficient: u128,
    /// Value = ±coefficient × 10^exponent.
    exponent: i16,
}

impl Number {
    /// The number zero.
    pub const ZERO: Number = Number {
        negative: false,
        coefficient: 0,
        exponent: 0,
    };

    /// Parses the `N` wire form, accepting exactly what DynamoDB accepts:
    /// an optional sign, digits with an optional point (`.5`, `5.`),
    /// leading and trailing zeros, and an `e`/`E` exponent with optional
    /// sign. Rejects empty text, spaces, `NaN`, `Infinity`, hex, `1e`, `.`.
    pub fn parse(text: &str) -> Result<Number, NumberError> {
        parse::parse(text, crate::value::json::Layer::Current)
    }

    /// As [`Number::parse`], with the limits and wording of the validation
    /// `layer` that reads the request (see [`crate::value::json::Layer`]).
    pub fn parse_in(text: &str, layer: crate::value::json::Layer) -> Result<Number, NumberError> {
        parse::parse(text, layer)
    }

    /// Builds a number from parts, checking DynamoDB's limits.
    ///
    /// `digits` are decimal digit values (0..=9), most significant first,
    /// and the value is `±digits × 10^exponent`. Zeros at either end are
    /// allowed. `too_many_digits` is the error to give when more than 38
    /// significant digits remain (requests say so; arithmetic says overflow).
    pub(crate) fn from_digits(
        negative: bool,
        digits: &[u8],
        exponent: i128,
        too_many_digits: NumberError,
    ) -> Result<Number, NumberError> {
        let start = digits.iter().position(|&d| d != 0);
        let end = digits.iter().rposition(|&d| d != 0);
        let (Some(start), Some(end)) = (start, end) else {
            return Ok(Number::ZERO);
        };
        let significant = digits.get(start..=end).unwrap_or_default();
        let trailing = (digits.len() - 1 - end) as i128;
        let low = exponent + trailing;
        let count = significant.len() as i128;
        let magnitude = low + count - 1;
        if magnitude > i128::from(MAX_MAGNITUDE) {
            return Err(NumberError::Overflow);
        }
        if magnitude < i128::from(MIN_MAGNITUDE) {
            return Err(NumberError::Underflow);
        }
        if count > i128::from(MAX_SIGNIFICANT_DIGITS) {
            return Err(too_many_digits);
        }
        let coefficient = significant
            .iter()
            .fold(0u128, |acc, &d| acc * 10 + u128::from(d));
        // In range: low >= MIN_MAGNITUDE - 37 and <= MAX_MAGNITUDE.
        let exponent = i16::try_from(low).map_err(|_| NumberError::Overflow)?;
        Ok(Number {
            negative,
            coefficient,
            exponent,
        })
    }

    /// Builds a number from raw parts, checking every invariant; used by the
    /// storage decoder. Returns `None` for anything a [`Number`] can't be.
    pub fn from_parts(negative: bool, coefficient: u128, exponent: i16) -> Option<Number> {
        if coefficient == 0 {
            return (!negative && exponent == 0).then_some(Number::ZERO);
        }
        if coefficient.is_multiple_of(10) || coefficient >= 10u128.pow(MAX_SIGNIFICANT_DIGITS) {
            return None;
        }
        let n = Number {
            negative,
            coefficient,
            exponent,
        };
        let magnitude = n.magnitude();
        (MIN_MAGNITUDE..=MAX_MAGNITUDE)
            .contains(&magnitude)
            .then_some(n)
    }

    /// True for zero.
    pub const fn is_zero(&self) -> bool {
        self.coefficient == 0
    }

    /// True for numbers below zero.
    pub const fn is_negative(&self) -> bool {
        self.negative
    }

    /// The significant digits as an integer (no trailing zeros; 0 for zero).
    pub const fn coefficient(&self) -> u128 {
        self.coefficient
    }

    /// The power of ten of the last significant digit (0 for zero).
    pub const fn exponent(&self) -> i16 {
        self.exponent
    }

    /// Number of significant digits (0 for zero).
    pub fn significant_digits(&self) -> u32 {
        // Most coefficients fit in 64 bits, whose log is much cheaper.
        let log = match u64::try_from(self.coefficient) {
            Ok(small) => small.checked_ilog10(),
            Err(_) => self.coefficient.checked_ilog10(),
        };
        match log {
            Some(log) => log + 1,
            None => 0,
        }
    }

    /// The power of ten of the leading digit (0 for zero): 123.4 → 2.
    pub fn magnitude(&self) -> i32 {
        if self.is_zero() {
            return 0;
        }
        i32::from(self.exponent) + self.significant_digits() as i32 - 1
    }

    /// The absolute value.
    pub const fn abs(self) -> Number {
        Number {
            negative: false,
            ..self
        }
    }

    /// Compares absolute values.
    fn cmp_abs(&self, other: &Number) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        if self.exponent == other.exponent {
            return self.coefficient.cmp(&other.coefficient);
        }
        self.magnitude().cmp(&other.magnitude()).then_with(|| {
            // Same leading power: align the last digits. Both scaled values
            // keep at most 38 digits, so they fit in u128.
            let low = self.exponent.min(other.exponent);
            let scale = |n: &Number| {
                let shift = usize::try_from(i32::from(n.exponent) - i32::from(low)).unwrap_or(0);
                n.coefficient.saturating_mul(POW10.get(shift).copied().unwrap_or(u128::MAX))
            };
            scale(self).cmp(&scale(other))
        })
    }
}

impl std::ops::Neg for Number {
    type Output = Number;

    fn neg(self) -> Number {
        if self.is_zero() {
            self
        } else {
            Number {
                negative: !self.negative,
                ..self
            }
        }
    }
}

impl Ord for Number {
    /// Numeric order.
    fn cmp(&self, other: &Number) -> Ordering {
        // Zero is never negative, so the signs split negatives from the
        // rest; among non-negatives `cmp_abs` puts zero first.
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_abs(other),
            (true, true) => self.cmp_abs(other).reverse(),
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    /// DynamoDB's output form: plain decimal, never an exponent, no
    /// superfluous zeros (`1E3` → `1000`, `1.50` → `1.5`, `1E-5` → `0.00001`,
    /// `-0` → `0`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let digits = self.coefficient.to_string();
        let mut out = String::with_capacity(digits.len() + 140);
        if self.negative {
            out.push('-');
        }
        let exponent = i32::from(self.exponent);
        if exponent >= 0 {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', exponent as usize));
        } else {
            // Digits before the point.
            let point = digits.len() as i32 + exponent;
            if point > 0 {
                let (int, frac) = digits.split_at(point as usize);
                out.push_str(int);
                out.push('.');
                out.push_str(frac);
            } else {
                out.push_str("0.");
                out.extend(std::iter::repeat_n('0', (-point) as usize));
                out.push_str(&digits);
            }
        }
        f.write_str(&out)
    }
}

impl std::str::FromStr for Number {
    type Err = NumberError;

    fn from_str(text: &str) -> Result<Number, NumberError> {
        Number::parse(text)
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Number {
        let mut coefficient = u128::from(value);
        let mut exponent = 0i16;
        while coefficient != 0 && coefficient % 10 == 0 {
            coefficient /= 10;
            exponent += 1;
        }
        Number {
            negative: false,
            coefficient,
            exponent,
        }
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Number {
        let n = Number::from(value.unsigned_abs());
        if value < 0 {
            -n
        } else {
            n
        }
    }
}

impl From<usize> for Number {
    fn from(value: usize) -> Number {
        Number::from(value as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        Number::parse(text).unwrap()
    }

    #[test]
    fn canonical_output_matches_dynamodb() {
        // dynalite "should put really long numbers", checked against DynamoDB.
        assert_eq!(
            n("0000012345678901234567890123456789012345678").to_string(),
            "12345678901234567890123456789012345678"
        );
        assert_eq!(
            n("-00001.23456789012345678901234567890123456780000").to_string(),
            "-1.2345678901234567890123456789012345678"
        );
        assert_eq!(
            n("0009.99999999999999999999999999999999999990000e125").to_string(),
            format!("{}{}", "9".repeat(38), "0".repeat(88))
        );
        assert_eq!(
            n("-0009.99999999999999999999999999999999999990000e125").to_string(),
            format!("-{}{}", "9".repeat(38), "0".repeat(88))
        );
        assert_eq!(
            n("0001.000e-130").to_string(),
            format!("0.{}1", "0".repeat(129))
        );
        assert_eq!(
            n("-0001.000e-130").to_string(),
            format!("-0.{}1", "0".repeat(129))
        );
        // paritysuite numberByteSize: trims, expands.
        assert_eq!(n("0042.1200").to_string(), "42.12");
        assert_eq!(n("1E125").to_string(), format!("1{}", "0".repeat(125)));
        // paritysuite numberExponent: zero with an exponent is stored as 0.
        assert_eq!(n("0e125").to_string(), "0");
        for (input, output) in [
            ("1.50", "1.5"),
            ("0100", "100"),
            ("1e3", "1000"),
            ("-0", "0"),
            ("1E-5", "0.00001"),
            ("-56.789", "-56.789"),
            (".5", "0.5"),
            ("5.", "5"),
            ("+3", "3"),
            ("-17e5", "-1700000"),
            ("123e-7", "0.0000123"),
            ("12.34", "12.34"),
        ] {
            assert_eq!(n(input).to_string(), output, "{input}");
        }
    }

    /// The first implementation of `Ord`, kept as the reference.
    fn reference_cmp(a: &Number, b: &Number) -> Ordering {
        let class = |n: &Number| match (n.negative, n.is_zero()) {
            (true, _) => 0,
            (false, true) => 1,
            (false, false) => 2,
        };
        let abs = |x: &Number, y: &Number| {
            if x.is_zero() || y.is_zero() {
                return x.is_zero().cmp(&y.is_zero()).reverse();
            }
            x.magnitude().cmp(&y.magnitude()).then_with(|| {
                let low = x.exponent.min(y.exponent);
                let scale = |n: &Number| {
                    let shift = u32::try_from(i32::from(n.exponent) - i32::from(low)).unwrap_or(0);
                    n.coefficient.saturating_mul(10u128.saturating_pow(shift))
                };
                scale(x).cmp(&scale(y))
            })
        };
        class(a).cmp(&class(b)).then_with(|| {
            let by_abs = abs(a, b);
            if a.negative {
                by_abs.reverse()
            } else {
                by_abs
            }
        })
    }

    proptest::proptest! {
        #[test]
        fn order_matches_the_reference(
            ca in 0u128..10u128.pow(38), ea in -167i16..=125, na: bool,
            cb in 0u128..10u128.pow(38), eb in -167i16..=125, nb: bool,
            near in 0i16..4,
        ) {
            let make = |neg: bool, mut c: u128, mut e: i16| {
                if c == 0 {
                    return Some(Number::ZERO);
                }
                while c / 10 * 10 == c { c /= 10; e += 1; }
                Number::from_parts(neg, c, e)
            };
            let pairs = [
                (make(na, ca, ea), make(nb, cb, eb)),
                (make(na, ca, ea), make(nb, cb, ea.saturating_add(near))),
                (make(na, ca % 1000, ea), make(na, cb % 1000, ea)),
            ];
            for (a, b) in pairs {
                let (Some(a), Some(b)) = (a, b) else { continue };
                proptest::prop_assert_eq!(a.cmp(&b), reference_cmp(&a, &b), "{} vs {}", a, b);
            }
        }
    }

    #[test]
    fn numeric_order() {
        let ordered = [
            "-1e125",
            "-100",
            "-99.99",
            "-1.5",
            "-1",
            "-0.001",
            "-1e-130",
            "0",
            "1e-130",
            "0.5",
            "1",
            "1.0000001",
            "2",
            "10",
            "99.9",
            "1e100",
            "9.99e125",
        ];
        for pair in ordered.windows(2) {
            let [a, b] = pair else { unreachable!() };
            assert!(n(a) < n(b), "{a} < {b}");
            assert!(n(b) > n(a), "{b} > {a}");
        }
        assert_eq!(n("1.0").cmp(&n("1")), Ordering::Equal);
        assert_eq!(n("-0"), n("0"));
        assert_eq!(n("1e2"), n("100"));
    }

    #[test]
    fn accessors() {
        let x = n("-123.45");
        assert!(x.is_negative());
        assert_eq!(x.coefficient(), 12345);
        assert_eq!(x.exponent(), -2);
        assert_eq!(x.significant_digits(), 5);
        assert_eq!(x.magnitude(), 2);
        assert_eq!(x.abs(), n("123.45"));
        assert_eq!(-x, n("123.45"));
        assert_eq!(-Number::ZERO, Number::ZERO);
        assert_eq!(n("0.001").magnitude(), -3);
    }

    #[test]
    fn from_integers() {
        assert_eq!(Number::from(0u64), Number::ZERO);
        assert_eq!(Number::from(1200u64), n("1200"));
        assert_eq!(Number::from(-45i64), n("-45"));
        assert_eq!(Number::from(i64::MIN).to_string(), i64::MIN.to_string());
        assert_eq!(Number::from(u64::MAX).to_string(), u64::MAX.to_string());
        assert_eq!(Number::from(7usize), n("7"));
    }

    #[test]
    fn from_parts_checks_invariants() {
        assert_eq!(Number::from_parts(false, 15, -1), Some(n("1.5")));
        assert_eq!(Number::from_parts(true, 0, 0), None, "negative zero");
        assert_eq!(Number::from_parts(false, 0, 3), None, "zero with exponent");
        assert_eq!(Number::from_parts(false, 10, 0), None, "trailing zero");
        assert_eq!(Number::from_parts(false, 1, 126), None, "overflow");
        assert_eq!(Number::from_parts(false, 1, -131), None, "underflow");
        assert_eq!(
            Number::from_parts(false, 10u128.pow(38) + 1, 0),
            None,
            "39 digits"
        );
    }
}
