//! Exact addition and subtraction, for `ADD` and `SET a = b + c` / `b - c`.
//!
//! The result is computed exactly (never rounded) and then held to the same
//! limits as a stored number. DynamoDB refuses a result it can't store
//! exactly; when the exact result needs more than 38 digits it answers with
//! the *overflow* message, not the 38-digit one (observed by Alternator's
//! `test_update_expression_plus_imprecise`: `1e50 - 1`), so that is what
//! [`Number::checked_add`] returns. A result below 1E-130 in magnitude (e.g.
//! `1.5e-130 - 1.4e-130`) is an underflow.
//!
//! Operands are at most 38 digits within 10^-167..10^125, so the aligned
//! digit strings are at most ~330 digits: plain schoolbook arithmetic on
//! decimal digits is exact and cheap.

use std::cmp::Ordering;

use super::{Number, NumberError};

impl Number {
    /// `self + rhs`, exactly, or DynamoDB's error when the result can't be
    /// stored.
    pub fn checked_add(self, rhs: Number) -> Result<Number, NumberError> {
        if rhs.is_zero() {
            return Ok(self);
        }
        if self.is_zero() {
            return Ok(rhs);
        }
        if let Some(result) = add_small(self, rhs) {
            return result;
        }
        self.add_digits(rhs)
    }

    /// The general case of [`Self::checked_add`]: schoolbook arithmetic on
    /// aligned decimal digits. Both operands are non-zero.
    fn add_digits(self, rhs: Number) -> Result<Number, NumberError> {
        let low = self.exponent().min(rhs.exponent());
        let a = aligned_digits(&self, low);
        let b = aligned_digits(&rhs, low);
        let (negative, digits) = if self.is_negative() == rhs.is_negative() {
            (self.is_negative(), add_le(&a, &b))
        } else {
            match self.cmp_abs(&rhs) {
                Ordering::Equal => return Ok(Number::ZERO),
                Ordering::Greater => (self.is_negative(), sub_le(&a, &b)),
                Ordering::Less => (rhs.is_negative(), sub_le(&b, &a)),
            }
        };
        let big_endian: Vec<u8> = digits.into_iter().rev().collect();
        Number::from_digits(
            negative,
            &big_endian,
            i128::from(low),
            NumberError::Overflow,
        )
    }

    /// `self - rhs`, exactly, or DynamoDB's error when the result can't be
    /// stored.
    pub fn checked_sub(self, rhs: Number) -> Result<Number, NumberError> {
        self.checked_add(-rhs)
    }
}

/// The fast path of [`Number::checked_add`] for non-zero operands whose
/// aligned coefficients and sum fit in a `u128` (the common case): the same
/// result and errors as [`Number::add_digits`], without building digit
/// strings. `None` when the operands are too far apart for it.
fn add_small(a: Number, b: Number) -> Option<Result<Number, NumberError>> {
    let low = a.exponent().min(b.exponent());
    let scaled = |n: &Number| {
        let shift = u32::try_from(i32::from(n.exponent()) - i32::from(low)).ok()?;
        n.coefficient().checked_mul(10u128.checked_pow(shift)?)
    };
    let (x, y) = (scaled(&a)?, scaled(&b)?);
    let (negative, mut coefficient) = if a.is_negative() == b.is_negative() {
        (a.is_negative(), x.checked_add(y)?)
    } else if x >= y {
        (a.is_negative(), x - y)
    } else {
        (b.is_negative(), y - x)
    };
    if coefficient == 0 {
        return Some(Ok(Number::ZERO));
    }
    // As `Number::from_digits` does: drop trailing zeros, then check the
    // magnitude (overflow, underflow) before the digit count (overflow).
    let mut exponent = i32::from(low);
    while coefficient % 10 == 0 {
        coefficient /= 10;
        exponent += 1;
    }
    let digits = coefficient.ilog10() + 1;
    let magnitude = exponent + digits as i32 - 1;
    if magnitude > super::MAX_MAGNITUDE {
        return Some(Err(NumberError::Overflow));
    }
    if magnitude < super::MIN_MAGNITUDE {
        return Some(Err(NumberError::Underflow));
    }
    if digits > super::MAX_SIGNIFICANT_DIGITS {
        return Some(Err(NumberError::Overflow));
    }
    let exponent = i16::try_from(exponent).ok()?;
    Some(Ok(Number {
        negative,
        coefficient,
        exponent,
    }))
}

/// |n| × 10^(n.exponent - low) as little-endian decimal digits.
fn aligned_digits(n: &Number, low: i16) -> Vec<u8> {
    let shift = usize::try_from(i32::from(n.exponent()) - i32::from(low)).unwrap_or(0);
    let mut digits = vec![0u8; shift];
    let mut c = n.coefficient();
    while c != 0 {
        digits.push((c % 10) as u8);
        c /= 10;
    }
    digits
}

/// a + b, little-endian digits.
fn add_le(a: &[u8], b: &[u8]) -> Vec<u8> {
    let len = a.len().max(b.len());
    let mut out = Vec::with_capacity(len + 1);
    let mut carry = 0u8;
    for i in 0..len {
        let sum = a.get(i).copied().unwrap_or(0) + b.get(i).copied().unwrap_or(0) + carry;
        out.push(sum % 10);
        carry = sum / 10;
    }
    if carry != 0 {
        out.push(carry);
    }
    out
}

/// a - b for a >= b, little-endian digits.
fn sub_le(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0i8;
    for (i, &da) in a.iter().enumerate() {
        let mut d = da as i8 - b.get(i).copied().unwrap_or(0) as i8 - borrow;
        borrow = 0;
        if d < 0 {
            d += 10;
            borrow = 1;
        }
        out.push(d as u8);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Number, NumberError};
    use super::add_small;

    fn n(text: &str) -> Number {
        Number::parse(text).unwrap()
    }

    proptest::proptest! {
        /// The u128 fast path agrees with the digit-string arithmetic.
        #[test]
        fn fast_path_matches_digit_arithmetic(
            ca in 1u128..10u128.pow(38), ea in -167i16..=125,
            cb in 1u128..10u128.pow(38), eb in -167i16..=125,
            small in 1u64..1_000_000, na: bool, nb: bool,
        ) {
            let make = |neg: bool, c: u128, e: i16| {
                let mut c = c;
                let mut e = e;
                while c / 10 * 10 == c { c /= 10; e += 1; }
                Number::from_parts(neg, c, e)
            };
            let pairs = [
                (make(na, ca, ea), make(nb, cb, eb)),
                (make(na, ca, ea), make(nb, u128::from(small), ea)),
                (make(na, u128::from(small), eb), make(nb, cb, eb.saturating_sub(3))),
            ];
            for (x, y) in pairs {
                let (Some(x), Some(y)) = (x, y) else { continue };
                if let Some(fast) = add_small(x, y) {
                    proptest::prop_assert_eq!(fast, x.add_digits(y), "{} + {}", x, y);
                }
            }
        }
    }

    #[test]
    fn fast_path_edges() {
        for (a, b) in [
            ("99999999999999999999999999999999999999", "1"),
            ("9.9999999999999999999999999999999999999E+125", "1E+88"),
            ("1.5e-130", "-1.4e-130"),
            ("1e-130", "-1e-130"),
            ("12345678901234567890123456789012345678", "-12345678901234567890123456789012345678"),
            ("0.1", "0.2"),
            ("-5", "3"),
            ("170141183460469231731687303715884105727", "1"),
        ] {
            let (Ok(x), Ok(y)) = (Number::parse(a), Number::parse(b)) else { continue };
            if let Some(fast) = add_small(x, y) {
                assert_eq!(fast, x.add_digits(y), "{a} + {b}");
            }
            assert_eq!(x.checked_add(y), x.add_digits(y), "{a} + {b}");
        }
    }

    fn add(a: &str, b: &str) -> Result<String, NumberError> {
        n(a).checked_add(n(b)).map(|r| r.to_string())
    }

    fn sub(a: &str, b: &str) -> Result<String, NumberError> {
        n(a).checked_sub(n(b)).map(|r| r.to_string())
    }

    #[test]
    fn exact_results() {
        // Alternator test_update_expression_plus_precision (run on DynamoDB).
        assert_eq!(
            add("1", "10000000000000000000000").unwrap(),
            "10000000000000000000001"
        );
        assert_eq!(
            sub("10000000000000000000000", "1").unwrap(),
            "9999999999999999999999"
        );
        assert_eq!(add("0.1", "0.2").unwrap(), "0.3");
        assert_eq!(add("1.5", "-1.5").unwrap(), "0");
        assert_eq!(sub("-1.25", "-1.25").unwrap(), "0");
        assert_eq!(add("-3", "1.5").unwrap(), "-1.5");
        assert_eq!(add("3", "-10").unwrap(), "-7");
        assert_eq!(add("999", "1").unwrap(), "1000");
        assert_eq!(sub("1000", "0.001").unwrap(), "999.999");
        assert_eq!(add("0", "-4").unwrap(), "-4");
        assert_eq!(add("-4", "0").unwrap(), "-4");
        assert_eq!(sub("0", "4").unwrap(), "-4");
        assert_eq!(
            add("1e125", "1e125").unwrap(),
            format!("2{}", "0".repeat(125))
        );
        // 38 digits exactly is fine.
        assert_eq!(
            add("9999999999999999999999999999999999999", "1").unwrap(),
            format!("1{}", "0".repeat(37))
        );
        assert_eq!(
            add("1e-130", "1.234567890123456789012345678901234567e-128").unwrap(),
            n("1.244567890123456789012345678901234567e-128").to_string()
        );
    }

    #[test]
    fn overflow_underflow_and_imprecision() {
        // Alternator test_update_expression_plus_overflow.
        assert_eq!(add("9e125", "9e125"), Err(NumberError::Overflow));
        assert_eq!(sub("9e125", "-9e125"), Err(NumberError::Overflow));
        // ExtendDB issue #94, checked against DynamoDB.
        assert_eq!(
            add("9.9999999999999999999999999999999999999E+125", "1E+125"),
            Err(NumberError::Overflow)
        );
        // Alternator test_update_expression_plus_imprecise: DynamoDB says
        // "Number overflow" for results needing more than 38 digits.
        assert_eq!(sub("1e50", "1"), Err(NumberError::Overflow));
        assert_eq!(add("1e50", "1"), Err(NumberError::Overflow));
        assert_eq!(add("1e125", "1e-130"), Err(NumberError::Overflow));
        assert_eq!(
            add("99999999999999999999999999999999999999", "1").unwrap(),
            format!("1{}", "0".repeat(38))
        );
        assert_eq!(
            add("99999999999999999999999999999999999999", "0.1"),
            Err(NumberError::Overflow)
        );
        assert_eq!(sub("1.5e-130", "1.4e-130"), Err(NumberError::Underflow));
    }
}
