//! Request timestamps: parsing the SigV4 ISO-8601 basic format and HTTP
//! `Date` headers, formatting, and the clock-skew / expiry window checks
//! with AWS's exact messages.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

use crate::Error;

/// Parse `yyyymmddThhmmssZ` strictly (exactly 16 characters).
pub(crate) fn parse_amz_date(value: &str) -> Option<DateTime<Utc>> {
    let bytes = value.as_bytes();
    if bytes.len() != 16 || bytes.get(8) != Some(&b'T') || bytes.get(15) != Some(&b'Z') {
        return None;
    }
    let date = value.get(0..8)?;
    let time = value.get(9..15)?;
    if !date.bytes().chain(time.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |s: &str, from: usize, to: usize| -> Option<u32> { s.get(from..to)?.parse().ok() };
    let year = i32::try_from(num(date, 0, 4)?).ok()?;
    let day = NaiveDate::from_ymd_opt(year, num(date, 4, 6)?, num(date, 6, 8)?)?;
    let clock = NaiveTime::from_hms_opt(num(time, 0, 2)?, num(time, 2, 4)?, num(time, 4, 6)?)?;
    Some(NaiveDateTime::new(day, clock).and_utc())
}

/// Parse an HTTP `Date` header (RFC 1123, e.g. `Sun, 30 Aug 2015 12:36:00 GMT`).
pub(crate) fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Format as `yyyymmddThhmmssZ` (written directly: chrono's `format`
/// parses its pattern on every call, which showed in request profiles).
pub(crate) fn format_amz_date(t: DateTime<Utc>) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The IncompleteSignature error for an unparseable date.
pub(crate) fn bad_date(value: &str) -> Error {
    Error::IncompleteSignature(format!(
        "Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
    ))
}

/// Drop sub-second precision so comparisons agree with the formatted message.
fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap_or(t)
}

/// Describe a window length the way AWS does: `15 min` or `90 sec`.
fn describe(seconds: i64) -> String {
    if seconds % 60 == 0 {
        format!("{} min", seconds / 60)
    } else {
        format!("{seconds} sec")
    }
}

/// Reject a request time more than `skew` in the future.
fn check_not_future(
    request: DateTime<Utc>,
    now: DateTime<Utc>,
    skew: Duration,
) -> Result<(), Error> {
    let latest = now.checked_add_signed(skew).unwrap_or(now);
    if request > latest {
        return Err(Error::InvalidSignature(format!(
            "Signature not yet current: {} is still later than {} ({} + {}.)",
            format_amz_date(request),
            format_amz_date(latest),
            format_amz_date(now),
            describe(skew.num_seconds()),
        )));
    }
    Ok(())
}

/// Reject a request time older than `window` before `now`.
fn check_not_expired(
    request: DateTime<Utc>,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<(), Error> {
    let earliest = now.checked_sub_signed(window).unwrap_or(now);
    if request < earliest {
        return Err(Error::InvalidSignature(format!(
            "Signature expired: {} is now earlier than {} ({} - {}.)",
            format_amz_date(request),
            format_amz_date(earliest),
            format_amz_date(now),
            describe(window.num_seconds()),
        )));
    }
    Ok(())
}

/// Header-signed requests (and presigned ones without `X-Amz-Expires`):
/// the request time must be within 15 minutes of `now`, either side.
pub(crate) fn check_skew(request: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Error> {
    let now = whole_seconds(now);
    let skew = Duration::minutes(crate::ALLOWED_SKEW_MINUTES);
    check_not_expired(request, now, skew)?;
    check_not_future(request, now, skew)
}

/// Presigned requests with `X-Amz-Expires`: valid while
/// `now <= request + expires`; a request time more than 15 minutes in the
/// future is rejected as for header signing.
pub(crate) fn check_presigned(
    request: DateTime<Utc>,
    now: DateTime<Utc>,
    expires: u64,
) -> Result<(), Error> {
    let now = whole_seconds(now);
    let window = i64::try_from(expires)
        .ok()
        .and_then(Duration::try_seconds)
        .unwrap_or(Duration::MAX);
    check_not_expired(request, now, window)?;
    check_not_future(request, now, Duration::minutes(crate::ALLOWED_SKEW_MINUTES))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2015, 8, 30, h, m, s)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn parses_basic_format_strictly() {
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(at(12, 36, 0)));
        for bad in [
            "",
            "201",
            "20150830T123600",
            "2015-08-30T12:36:00Z",
            "20150830t123600Z",
            "20151330T123600Z",
            "20150830T253600Z",
            "+0150830T123600Z",
            "20150830T1236000Z",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_http_date() {
        assert_eq!(
            parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT"),
            Some(at(12, 36, 0))
        );
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn skew_window_messages() {
        assert_eq!(check_skew(at(12, 36, 0), at(12, 51, 0)), Ok(()));
        assert_eq!(check_skew(at(12, 36, 0), at(12, 21, 0)), Ok(()));
        assert_eq!(
            check_skew(at(12, 36, 0), at(12, 56, 0)),
            Err(Error::InvalidSignature(
                "Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z (20150830T125600Z - 15 min.)"
                    .into()
            ))
        );
        assert_eq!(
            check_skew(at(13, 0, 0), at(12, 26, 0)),
            Err(Error::InvalidSignature(
                "Signature not yet current: 20150830T130000Z is still later than 20150830T124100Z (20150830T122600Z + 15 min.)"
                    .into()
            ))
        );
    }

    #[test]
    fn presigned_window() {
        assert_eq!(check_presigned(at(12, 36, 0), at(13, 36, 0), 3600), Ok(()));
        assert_eq!(
            check_presigned(at(12, 36, 0), at(13, 36, 1), 3600),
            Err(Error::InvalidSignature(
                "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T133601Z - 60 min.)"
                    .into()
            ))
        );
        assert_eq!(
            check_presigned(at(12, 36, 0), at(12, 36, 31), 30),
            Err(Error::InvalidSignature(
                "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T123631Z - 30 sec.)"
                    .into()
            ))
        );
        assert!(check_presigned(at(13, 0, 0), at(12, 26, 0), 3600).is_err());
    }
}
