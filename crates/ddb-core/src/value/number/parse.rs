//! Reading the `N` wire form.
//!
//! DynamoDB reads numbers the way Java's `BigDecimal(String)` does, with a
//! 64-bit exponent, then applies its own limits:
//! - grammar: `[+-]? digits? ('.' digits?)? ([eE] [+-]? digits)?` with at
//!   least one mantissa digit and nothing else (no spaces, `NaN`,
//!   `Infinity`, hex, `_`);
//! - an exponent that doesn't fit a signed 64-bit integer makes the text
//!   unconvertible; one that does is range-checked (`1e2147483648` is an
//!   overflow);
//! - zero is zero whatever power of ten it is written at (`0e1000` and
//!   `0e-1000` are `0`: Alternator's test_invalid_numbers, run against
//!   DynamoDB);
//! - overflow and underflow are checked before the 38-digit limit.
//!
//! Sources: paritysuite `numberExponent.test.ts` and `valueLayers.test.ts`
//! (captured against DynamoDB in 2026), Alternator `test_number.py`,
//! dynalite `test/putItem.js`.

use super::{Number, NumberError, MAX_MAGNITUDE, MIN_MAGNITUDE};
use crate::value::json::Layer;

/// Parses DynamoDB number text in `layer`; see the module documentation.
pub(super) fn parse(text: &str, layer: Layer) -> Result<Number, NumberError> {
    let not_numeric = || NumberError::NotNumeric(text.to_owned());
    if text.is_empty() && layer == Layer::Older {
        return Err(NumberError::Empty);
    }
    let bytes = text.as_bytes();
    let mut pos = 0usize;
    let at = |i: usize| bytes.get(i).copied();

    let negative = match at(pos) {
        Some(b'-') => {
            pos += 1;
            true
        }
        Some(b'+') => {
            pos += 1;
            false
        }
        _ => false,
    };

    // Mantissa digits, integer part then fraction, without the point.
    let mut digits: Vec<u8> = Vec::new();
    let mut mantissa_digits = 0usize;
    let mut fraction_digits = 0i128;
    while let Some(c @ b'0'..=b'9') = at(pos) {
        // Leading zeros carry no value; skip storing them.
        if !(digits.is_empty() && c == b'0') {
            digits.push(c - b'0');
        }
        mantissa_digits += 1;
        pos += 1;
    }
    if at(pos) == Some(b'.') {
        pos += 1;
        while let Some(c @ b'0'..=b'9') = at(pos) {
            if !(digits.is_empty() && c == b'0') {
                digits.push(c - b'0');
            }
            mantissa_digits += 1;
            fraction_digits += 1;
            pos += 1;
        }
    }
    if mantissa_digits == 0 {
        return Err(not_numeric());
    }

    let mut exponent: i128 = 0;
    if matches!(at(pos), Some(b'e' | b'E')) {
        pos += 1;
        let exp_negative = match at(pos) {
            Some(b'-') => {
                pos += 1;
                true
            }
            Some(b'+') => {
                pos += 1;
                false
            }
            _ => false,
        };
        let mut any = false;
        // |i64::MIN|: the most a 64-bit exponent can hold in magnitude.
        let limit: i128 = if exp_negative { 1 << 63 } else { (1 << 63) - 1 };
        while let Some(c @ b'0'..=b'9') = at(pos) {
            any = true;
            exponent = exponent * 10 + i128::from(c - b'0');
            if exponent > limit {
                return Err(not_numeric());
            }
            pos += 1;
        }
        if !any {
            return Err(not_numeric());
        }
        if exp_negative {
            exponent = -exponent;
        }
    }
    if pos != bytes.len() {
        return Err(not_numeric());
    }

    if layer == Layer::Older {
        older_limits(&digits, exponent, fraction_digits).ok_or_else(not_numeric)??;
    }
    // Value = digits × 10^(exponent - fraction_digits).
    let scale = exponent - fraction_digits;
    if digits.iter().all(|&d| d == 0) {
        // Zero is in range whatever its exponent.
        return Ok(Number::ZERO);
    }
    Number::from_digits(negative, &digits, scale, NumberError::TooManyDigits)
}

/// The older layer reads a number as Java's `BigDecimal` does: the
/// exponent and the scale (`fraction digits − exponent`) must fit 32 bits
/// (`None`: unconvertible), and the magnitude (`precision − scale`) is
/// computed in 32 bits, so a huge exponent can wrap round to an underflow.
/// Numbers that do not wrap get the same verdict as in the current layer,
/// which the caller goes on to give.
fn older_limits(digits: &[u8], exponent: i128, fraction_digits: i128) -> Option<Result<(), NumberError>> {
    let exponent = i32::try_from(exponent).ok()?;
    let scale = i32::try_from(fraction_digits - i128::from(exponent)).ok()?;
    if digits.iter().all(|&d| d == 0) {
        return Some(Ok(()));
    }
    // `digits` has no leading zeros; BigDecimal's precision keeps trailing ones.
    let precision = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let wrapped = precision.wrapping_sub(scale);
    let exact = i64::from(precision) - i64::from(scale);
    if i64::from(wrapped) == exact {
        return Some(Ok(()));
    }
    let max = MAX_MAGNITUDE + 1;
    let min = MIN_MAGNITUDE + 1;
    Some(if wrapped > max {
        Err(NumberError::Overflow)
    } else if wrapped < min {
        Err(NumberError::Underflow)
    } else {
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Number, NumberError};

    const OVERFLOW: &str =
        "Number overflow. Attempting to store a number with magnitude larger than supported range";
    const UNDERFLOW: &str =
        "Number underflow. Attempting to store a number with magnitude smaller than supported range";
    const DIGITS: &str = "Attempting to store more than 38 significant digits in a Number";

    fn err(text: &str) -> String {
        match Number::parse(text) {
            Ok(n) => panic!("{text:?} was accepted as {n}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn accepts_every_form_dynamodb_accepts() {
        // Alternator test_invalid_numbers' sanity list, run against DynamoDB.
        for text in [
            "3", "-7.1234", "-17e5", "-17.4E37", "+3", ".123", "0001.23", "1e+5", "5.", "+.5",
            "-.5e-3", "0", "-0", "000", "0.000", "1E125", "1e-130", "0e1000",
        ] {
            assert!(Number::parse(text).is_ok(), "{text}");
        }
        assert_eq!(
            Number::parse("-17.4E37").unwrap().to_string(),
            format!("-174{}", "0".repeat(36))
        );
    }

    #[test]
    fn rejects_non_numbers_with_the_text_echoed() {
        // paritysuite valueLayers (PutItem, current layer) and Alternator.
        for text in [
            "abc",
            "1.2.3",
            "",
            " 1",
            "1 ",
            "0x10",
            "1e",
            "NaN",
            "Infinity",
            "-Infinity",
            "-NaN",
            "dog",
            "-dog",
            ".",
            "+",
            "-",
            "e5",
            "1e+",
            "1_000",
            "1,5",
            "١",
            "1e5.5",
            "--1",
            "1..2",
        ] {
            assert_eq!(
                err(text),
                format!("The parameter cannot be converted to a numeric value: {text}"),
                "{text:?}"
            );
        }
        assert_eq!(
            err(""),
            "The parameter cannot be converted to a numeric value: "
        );
    }

    #[test]
    fn the_older_layer_reads_numbers_as_bigdecimal_does() {
        // paritysuite valueLayers and partiqlParameterNumbers (AWS, 2026).
        use crate::value::json::Layer::Older;
        let older = |t: &str| Number::parse_in(t, Older).map(|n| n.to_string()).map_err(|e| e.to_string());
        let nn = |t: &str| Err(format!("The parameter cannot be converted to a numeric value: {t}"));
        assert_eq!(older(""), Err("The parameter cannot be converted to a numeric value".to_owned()));
        assert_eq!(older("abc"), nn("abc"));
        assert_eq!(older("1e126"), Err(OVERFLOW.to_owned()));
        assert_eq!(older("1e2147483647"), Err(UNDERFLOW.to_owned()), "the magnitude wraps round");
        for t in ["1e99999999999", "-1e99999999999", "1e2147483648", "1e-99999999999", "1e-2147483648"] {
            assert_eq!(older(t), nn(t), "{t}");
        }
        assert_eq!(older("1e-131"), Err(UNDERFLOW.to_owned()));
        assert_eq!(older("12.5e3"), Ok("12500".to_owned()));
        assert_eq!(older("1E125"), Ok(format!("1{}", "0".repeat(125))));
        // The current layer range-checks every 64-bit exponent.
        assert_eq!(err("1e2147483647"), OVERFLOW);
        assert_eq!(err("1e-2147483648"), UNDERFLOW);
    }

    #[test]
    fn range_limits() {
        // dynalite putItem/getItem validations.
        assert_eq!(err("123456789012345678901234567890123456789"), DIGITS);
        assert_eq!(err("-1.23456789012345678901234567890123456789"), DIGITS);
        assert_eq!(err("1234567890123456789012345678901234567890"), DIGITS);
        assert_eq!(err("1e126"), OVERFLOW);
        assert_eq!(err("-1e126"), OVERFLOW);
        assert_eq!(err("11e125"), OVERFLOW);
        assert_eq!(err("1e-131"), UNDERFLOW);
        assert_eq!(err("-1e-131"), UNDERFLOW);
        assert_eq!(err("0.9e-130"), UNDERFLOW);
        // Alternator test_number_precision_*: 38 digits ok, 39 not.
        assert!(Number::parse("3.1415926535897932384626433832795028841").is_ok());
        assert!(Number::parse("31415926535897932384626433832795028841e30").is_ok());
        assert_eq!(err("3.14159265358979323846264338327950288419"), DIGITS);
        assert_eq!(err("314159265358979323846264338327950288419e30"), DIGITS);
        assert!(Number::parse("9.9999999999999999999999999999999999999E+125").is_ok());
        assert!(Number::parse("-9.9999999999999999999999999999999999999E+125").is_ok());
        // Overflow is checked before the digit count.
        assert_eq!(
            err("1234567890123456789012345678901234567890e100"),
            OVERFLOW
        );
    }

    #[test]
    fn exponents_outside_every_integer() {
        // paritysuite numberExponent.test.ts (eu-west-2, October 2026).
        assert_eq!(err("1e99999999999"), OVERFLOW);
        assert_eq!(err("-1e99999999999"), OVERFLOW);
        assert_eq!(err("1e-99999999999"), UNDERFLOW);
        assert_eq!(err("1e2147483648"), OVERFLOW);
        assert_eq!(err("1e2147483647"), OVERFLOW);
        assert_eq!(err("1e-2147483648"), UNDERFLOW);
        assert_eq!(err("1e9223372036854775807"), OVERFLOW);
        assert_eq!(err("1e-9223372036854775808"), UNDERFLOW);
        assert_eq!(
            err("1e9223372036854775808"),
            "The parameter cannot be converted to a numeric value: 1e9223372036854775808"
        );
        assert!(matches!(
            Number::parse("1e-9223372036854775809"),
            Err(NumberError::NotNumeric(_))
        ));
        // Leading zeros in the exponent are fine.
        assert_eq!(
            Number::parse("1e0000000000000000000000002")
                .unwrap()
                .to_string(),
            "100"
        );
    }

    #[test]
    fn zero_is_zero_whatever_its_exponent() {
        for text in ["0e126", "0e1000", "0e-131", "0.0e-130", "-0E+999", "00e126"] {
            assert_eq!(Number::parse(text).unwrap(), Number::ZERO, "{text}");
        }
        assert_eq!(Number::parse("0e125").unwrap(), Number::ZERO);
        assert_eq!(Number::parse("0.0e126").unwrap(), Number::ZERO);
        assert_eq!(Number::parse("0e-130").unwrap(), Number::ZERO);
        assert!(!Number::parse("-0.0").unwrap().is_negative());
    }

    #[test]
    fn long_inputs_with_few_significant_digits() {
        let many_zeros = format!("{}1{}", "0".repeat(10_000), "0".repeat(100));
        assert_eq!(
            Number::parse(&many_zeros).unwrap().to_string(),
            format!("1{}", "0".repeat(100))
        );
        let fraction = format!("0.{}1", "0".repeat(129));
        assert_eq!(Number::parse(&fraction).unwrap().magnitude(), -130);
    }
}
