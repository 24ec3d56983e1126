//! The order DynamoDB returns a number set's members in.
//!
//! Items are stored with every set sorted (strings and binaries by their
//! bytes, numbers by value), and most operations return them so: GetItem,
//! BatchGetItem, Query and the ReturnValues of the writes. Scan,
//! TransactGetItems, the PartiQL operations, the items of a transaction's
//! cancellation reasons and stream records return a number set in the
//! iteration order of a Java `HashSet<BigDecimal>` that the ascending
//! members were added to one by one ([`SetOrder::JavaHash`]); string and
//! binary sets keep their byte order everywhere. (Recorded by nubo-db's
//! dynoxide 3.0.0 in ten regions on 2026-10-09, three of which answered
//! Scan numerically; dynalite's scan.js has a Scan that returned 3, 2, 1.)
//!
//! The Java model: a member's hash is `BigDecimal.hashCode()` of the number
//! without trailing zeros (`31 · hash(unscaled) + scale`, the unscaled
//! value hashed as `BigInteger` does, over its 32-bit words), spread as
//! `HashMap` spreads it (`h ^ (h >>> 16)`), and the table starts with 16
//! buckets and doubles when it holds more than three quarters of its
//! capacity, or when a bucket reaches nine members while it has fewer than
//! 64 buckets; doubling keeps each bucket's members in the order they were
//! added. Iteration goes bucket by bucket. A bucket of nine or more in a
//! table of 64 or more buckets becomes a tree in Java, whose order is not
//! modelled (it takes nine members of one set sharing a bucket).

use super::{AttributeValue, Item, Number};

/// How a response lists number sets' members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetOrder {
    /// By value, as stored.
    #[default]
    Ascending,
    /// In Java hash-set order (see the module docs).
    JavaHash,
}

impl SetOrder {
    /// Puts every number set in `item` (at any depth) in this order.
    pub fn apply_to_item(self, item: &mut Item) {
        if self == SetOrder::JavaHash {
            item.values_mut().for_each(hash_order_value);
        }
    }

    /// Puts every number set in `value` (at any depth) in this order.
    pub fn apply(self, value: &mut AttributeValue) {
        if self == SetOrder::JavaHash {
            hash_order_value(value);
        }
    }
}

impl SetOrder {
    /// An item's DynamoDB JSON with its number sets in this order.
    pub fn item_to_json(self, item: &Item) -> serde_json::Value {
        let mut json = super::json::item_to_json(item);
        self.apply_to_json_item(&mut json);
        json
    }

    /// Puts every number set of an item in DynamoDB JSON (at any depth) in
    /// this order; what is not a number set is left as it is.
    pub fn apply_to_json_item(self, item: &mut serde_json::Value) {
        if self == SetOrder::JavaHash {
            if let Some(map) = item.as_object_mut() {
                map.values_mut().for_each(hash_order_json);
            }
        }
    }
}

/// One attribute value in DynamoDB JSON (`{"NS": [...]}`, `{"M": {...}}`, …).
fn hash_order_json(value: &mut serde_json::Value) {
    let Some(typed) = value.as_object_mut() else { return };
    if let Some(serde_json::Value::Array(members)) = typed.get_mut("NS") {
        let parsed: Option<Vec<Number>> = members.iter().map(|m| Number::parse(m.as_str()?).ok()).collect();
        if let Some(mut numbers) = parsed {
            java_hash_order(&mut numbers);
            *members = numbers.iter().map(|n| serde_json::Value::String(n.to_string())).collect();
        }
    } else if let Some(serde_json::Value::Object(m)) = typed.get_mut("M") {
        m.values_mut().for_each(hash_order_json);
    } else if let Some(serde_json::Value::Array(l)) = typed.get_mut("L") {
        l.iter_mut().for_each(hash_order_json);
    }
}

fn hash_order_value(value: &mut AttributeValue) {
    match value {
        AttributeValue::Ns(ns) => java_hash_order(ns),
        AttributeValue::M(m) => m.values_mut().for_each(hash_order_value),
        AttributeValue::L(l) => l.iter_mut().for_each(hash_order_value),
        _ => {}
    }
}

/// Reorders a number set as a Java `HashSet<BigDecimal>` iterates it after
/// its members were added in ascending order.
pub fn java_hash_order(members: &mut Vec<Number>) {
    if members.len() < 2 {
        return;
    }
    if !members.is_sorted() {
        members.sort();
    }
    let hashes: Vec<u32> = members.iter().map(|n| spread(big_decimal_hash(n))).collect();
    let mut capacity = 16usize;
    let mut buckets: Vec<Vec<usize>> = vec![Vec::new(); capacity];
    for (i, &h) in hashes.iter().enumerate() {
        let bucket = h as usize & (capacity - 1);
        let Some(chain) = buckets.get_mut(bucket) else { continue };
        chain.push(i);
        let long_chain = chain.len() >= 9;
        if long_chain && capacity < 64 {
            capacity = double(&mut buckets, &hashes, capacity);
        }
        if i + 1 > capacity / 4 * 3 {
            capacity = double(&mut buckets, &hashes, capacity);
        }
    }
    let mut taken: Vec<Option<Number>> = std::mem::take(members).into_iter().map(Some).collect();
    *members = buckets
        .into_iter()
        .flatten()
        .filter_map(|i| taken.get_mut(i).and_then(Option::take))
        .collect();
}

/// Doubles the table; each bucket's members keep their relative order.
fn double(buckets: &mut Vec<Vec<usize>>, hashes: &[u32], capacity: usize) -> usize {
    let doubled = capacity * 2;
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); doubled];
    for i in buckets.drain(..).flatten() {
        let h = hashes.get(i).copied().unwrap_or(0);
        if let Some(chain) = next.get_mut(h as usize & (doubled - 1)) {
            chain.push(i);
        }
    }
    *buckets = next;
    doubled
}

/// `HashMap`'s spreading of a hash code.
fn spread(h: i32) -> u32 {
    let h = h as u32;
    h ^ (h >> 16)
}

/// `BigDecimal.hashCode()` of the number with its trailing zeros stripped
/// (our numbers never have them): `31 · BigInteger.hashCode(unscaled) +
/// scale`, where the unscaled value is hashed over its 32-bit words, most
/// significant first, and the sign applied after.
fn big_decimal_hash(n: &Number) -> i32 {
    if n.is_zero() {
        return 0;
    }
    let magnitude = n.coefficient();
    let mut h: i32 = 0;
    for shift in [96u32, 64, 32, 0] {
        let word = (magnitude >> shift) as u32;
        h = h.wrapping_mul(31).wrapping_add(word as i32);
    }
    if n.is_negative() {
        h = h.wrapping_neg();
    }
    let scale = -i32::from(n.exponent());
    h.wrapping_mul(31).wrapping_add(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(members: &[&str]) -> Vec<String> {
        let mut ns: Vec<Number> = members.iter().map(|m| Number::parse(m).unwrap()).collect();
        java_hash_order(&mut ns);
        ns.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn hashes_are_big_decimals() {
        let h = |s: &str| big_decimal_hash(&Number::parse(s).unwrap());
        assert_eq!(h("1"), 31);
        assert_eq!(h("100"), 29, "1E+2: unscaled 1, scale -2");
        assert_eq!(h("2.5"), 31 * 25 + 1);
        assert_eq!(h("-1"), -31);
        assert_eq!(h("0"), 0);
        // Above 32 bits the high word is folded in: 2^32 + 5 → 31·1 + 5.
        assert_eq!(h("4294967301"), 31 * (31 + 5));
    }

    #[test]
    fn small_sets() {
        // dynalite's scan.js: DynamoDB's Scan returned {1, 2, 3} as 3, 2, 1.
        assert_eq!(order(&["1", "2", "3"]), ["3", "2", "1"]);
        assert_eq!(order(&["20", "3", "100"]), ["3", "20", "100"]);
        assert_eq!(order(&["7"]), ["7"]);
    }

    /// A PartiQL SELECT's answer recorded in two regions (dynoxide 3.0.0's
    /// captures of 2026-10-09): seventeen members grow the table to 32
    /// buckets; twelve of them stay in 16.
    #[test]
    fn recorded_orders() {
        let tiny = format!("0.{}1", "0".repeat(129));
        let negative_tiny = format!("-{tiny}");
        let nines = "9".repeat(38);
        let twelve = ["100", "-1", "10", "0.5", "9", "5", "-10", "-0.5", "0", "1000", "25", "2.5"];
        assert_eq!(order(&twelve), ["0", "9", "25", "2.5", "-0.5", "5", "0.5", "1000", "100", "-1", "10", "-10"]);
        let mut seventeen: Vec<&str> = twelve.to_vec();
        seventeen.extend(["-0.00001", "10000000000", &nines, &negative_tiny, &tiny]);
        let want = [
            "0", &tiny, &negative_tiny, "25", &nines, "2.5", "10000000000", "9", "-0.5", "-0.00001", "5", "0.5", "1000", "100",
            "-1", "10", "-10",
        ];
        let got = order(&seventeen);
        let want: Vec<String> = want.iter().map(|w| Number::parse(w).unwrap().to_string()).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn applies_at_any_depth_and_only_when_asked() {
        let ns = |m: &[&str]| AttributeValue::Ns(m.iter().map(|x| Number::parse(x).unwrap()).collect());
        let mut item = Item::new();
        item.insert("top".into(), ns(&["1", "2", "3"]));
        item.insert("deep".into(), AttributeValue::L(vec![AttributeValue::M(Item::from([("n".into(), ns(&["1", "2", "3"]))]))]));
        let stored = item.clone();
        SetOrder::Ascending.apply_to_item(&mut item);
        assert_eq!(item, stored);
        SetOrder::JavaHash.apply_to_item(&mut item);
        assert_eq!(item["top"], ns(&["3", "2", "1"]));
        let AttributeValue::L(l) = &item["deep"] else { panic!() };
        let AttributeValue::M(m) = &l[0] else { panic!() };
        assert_eq!(m["n"], ns(&["3", "2", "1"]));
    }

    #[test]
    fn applies_to_json_items() {
        let mut item = serde_json::json!({
            "top": {"NS": ["1", "2", "3"]},
            "deep": {"L": [{"M": {"n": {"NS": ["1", "2", "3"]}}}, {"SS": ["1", "2"]}]},
            "s": {"S": "x"}
        });
        let stored = item.clone();
        SetOrder::Ascending.apply_to_json_item(&mut item);
        assert_eq!(item, stored);
        SetOrder::JavaHash.apply_to_json_item(&mut item);
        assert_eq!(
            item,
            serde_json::json!({
                "top": {"NS": ["3", "2", "1"]},
                "deep": {"L": [{"M": {"n": {"NS": ["3", "2", "1"]}}}, {"SS": ["1", "2"]}]},
                "s": {"S": "x"}
            })
        );
    }
}
