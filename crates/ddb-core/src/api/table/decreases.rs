//! The provisioned-throughput decrease budget, as recorded against
//! DynamoDB: four decreases per table per UTC day, then one more every
//! 3600 seconds after the last; a decrease of both units in one call counts
//! once; the refusal names the last and the next allowed time. Counted in
//! the [`TableDefinition`] and reported as `NumberOfDecreasesToday`.

use serde::{Deserialize, Serialize};

use super::change::ChangeError;
use super::spec::TableDefinition;

/// Decreases allowed back to back in one UTC day.
const FREE_PER_DAY: u32 = 4;
/// After those, one decrease per this many seconds.
const SPACING_SECS: f64 = 3600.0;
const DAY_SECS: f64 = 86_400.0;

/// Decreases made on one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecreaseCount {
    /// Days since the epoch (UTC).
    pub day: i64,
    pub count: u32,
}

#[allow(clippy::cast_possible_truncation)]
fn day_of(secs: f64) -> i64 {
    (secs / DAY_SECS).floor() as i64
}

/// A global secondary index's throughput changes: its own decrease
/// budget, as DynamoDB keeps one per index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct IndexThroughputHistory {
    pub decreases: Option<DecreaseCount>,
    pub last_increase: Option<f64>,
    pub last_decrease: Option<f64>,
}

/// Decreases counted in `counted` on the UTC day of `now`.
fn count_on(counted: Option<DecreaseCount>, now: f64) -> u32 {
    counted.filter(|d| d.day == day_of(now)).map_or(0, |d| d.count)
}

/// Spends one decrease of a budget (`counted`, `last_decrease`) at `now`,
/// or refuses it with DynamoDB's LimitExceededException.
fn spend(counted: &mut Option<DecreaseCount>, last_decrease: &mut Option<f64>, now: f64) -> Result<(), ChangeError> {
    let today = day_of(now);
    let count = count_on(*counted, now);
    if count >= FREE_PER_DAY {
        let last = last_decrease.unwrap_or(now);
        #[allow(clippy::cast_precision_loss)]
        let next = (last + SPACING_SECS).min((today + 1) as f64 * DAY_SECS);
        if now < next {
            return Err(ChangeError::LimitExceeded(format!(
                "Subscriber limit exceeded: Provisioned throughput decreases are limited within a given UTC day. After the first 4 decreases, each subsequent decrease in the same UTC day can be performed at most once every 3600 seconds. Number of decreases today: {count}. Last decrease at {}. Next decrease can be made at {}.",
                spoken_time(last),
                spoken_time(next)
            )));
        }
    }
    *counted = Some(DecreaseCount { day: today, count: count + 1 });
    *last_decrease = Some(now);
    Ok(())
}

impl IndexThroughputHistory {
    /// `NumberOfDecreasesToday` of the index at `now`.
    pub fn decreases_today(&self, now: f64) -> u32 {
        count_on(self.decreases, now)
    }

    /// Records a change from `from` to `to` at `now`, spending a decrease
    /// when a unit goes down.
    pub(super) fn record(&mut self, from: super::spec::Throughput, to: super::spec::Throughput, now: f64) -> Result<(), ChangeError> {
        if to.read < from.read || to.write < from.write {
            spend(&mut self.decreases, &mut self.last_decrease, now)?;
        }
        if to.read > from.read || to.write > from.write {
            self.last_increase = Some(now);
        }
        Ok(())
    }
}

impl TableDefinition {
    /// `NumberOfDecreasesToday` at `now` (seconds since the epoch).
    pub fn decreases_today(&self, now: f64) -> u32 {
        count_on(self.decreases, now)
    }

    /// Spends one decrease at `now`, or refuses it with DynamoDB's
    /// LimitExceededException.
    pub(super) fn spend_decrease(&mut self, now: f64) -> Result<(), ChangeError> {
        spend(&mut self.decreases, &mut self.last_decrease, now)
    }
}

/// A time as DynamoDB spells it in this message: `Thursday, October 8,
/// 2026 at 11:20:48 PM Coordinated Universal Time`.
pub fn spoken_time(secs: f64) -> String {
    const WEEKDAYS: [&str; 7] = ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"];
    const MONTHS: [&str; 12] = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ];
    #[allow(clippy::cast_possible_truncation)]
    let whole = secs.floor() as i64;
    let days = whole.div_euclid(86_400);
    let sod = whole.rem_euclid(86_400);
    let (y, m, d) = super::change::civil_from_days(days);
    let weekday = WEEKDAYS.get(usize::try_from(days.rem_euclid(7)).unwrap_or(0)).copied().unwrap_or("Thursday");
    let month = MONTHS.get(usize::try_from(m - 1).unwrap_or(0)).copied().unwrap_or("January");
    let (h, min, s) = (sod / 3600, (sod % 3600) / 60, sod % 60);
    let (h12, half) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!("{weekday}, {month} {d}, {y} at {h12}:{min:02}:{s:02} {half} Coordinated Universal Time")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::table::CreateTableInput;

    #[test]
    fn times_are_spoken_as_dynamodb_speaks_them() {
        // 2026-10-08T23:20:48Z and the next midnight.
        assert_eq!(spoken_time(1_791_501_648.0), "Thursday, October 8, 2026 at 11:20:48 PM Coordinated Universal Time");
        assert_eq!(spoken_time(1_791_504_000.0), "Friday, October 9, 2026 at 12:00:00 AM Coordinated Universal Time");
        assert_eq!(spoken_time(0.0), "Thursday, January 1, 1970 at 12:00:00 AM Coordinated Universal Time");
    }

    #[test]
    fn four_decreases_then_one_an_hour_until_midnight() {
        let input: CreateTableInput = serde_json::from_value(serde_json::json!({
            "TableName": "Tab",
            "AttributeDefinitions": [{"AttributeName": "p", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10}
        }))
        .unwrap();
        let mut d = TableDefinition::new("id".into(), 0.0, input.validate().unwrap());
        let t0 = 1_791_490_000.0; // 2026-10-08T20:06:40Z
        for i in 0..4 {
            d.spend_decrease(t0 + f64::from(i)).unwrap();
        }
        assert_eq!(d.decreases_today(t0 + 10.0), 4);
        let e = d.spend_decrease(t0 + 10.0).unwrap_err();
        assert_eq!(e.code(), "LimitExceededException");
        assert!(e.message().contains("Number of decreases today: 4. Last decrease at Thursday, October 8, 2026 at 8:06:43 PM Coordinated Universal Time. Next decrease can be made at Thursday, October 8, 2026 at 9:06:43 PM Coordinated Universal Time."), "{}", e.message());
        d.spend_decrease(t0 + 3603.0).unwrap();
        assert_eq!(d.decreases_today(t0 + 3603.0), 5);
        // A new UTC day starts a new budget.
        assert_eq!(d.decreases_today(t0 + 86_400.0), 0);
        d.spend_decrease(t0 + 86_400.0).unwrap();
    }

    #[test]
    fn each_index_has_a_budget_of_its_own() {
        use super::super::spec::Throughput;
        let mut h = IndexThroughputHistory::default();
        let t0 = 1_791_490_000.0;
        let step = |h: &mut IndexThroughputHistory, from: i64, to: i64, at: f64| {
            h.record(Throughput { read: from, write: from }, Throughput { read: to, write: to }, at)
        };
        for i in 0..4 {
            step(&mut h, 10 - i, 9 - i, t0 + f64::from(i32::try_from(i).unwrap())).unwrap();
        }
        assert_eq!(h.decreases_today(t0 + 10.0), 4);
        assert_eq!(step(&mut h, 6, 5, t0 + 10.0).unwrap_err().code(), "LimitExceededException");
        step(&mut h, 6, 7, t0 + 11.0).unwrap();
        assert_eq!(h.last_increase, Some(t0 + 11.0));
    }
}
