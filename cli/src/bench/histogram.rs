//! A log-bucketed latency histogram in the manner of HdrHistogram, small
//! enough to keep one per virtual client and merge at the end.
//!
//! Values are nanoseconds. Values below 128 ns get one bucket each; above,
//! every power-of-two range `[2^k, 2^(k+1))` is split into 64 equal
//! sub-buckets, so a bucket is never wider than 1/64 (1.6 %) of the values
//! it holds. A percentile is reported as the highest value its bucket can
//! hold (HdrHistogram's "highest equivalent value"), so figures err on the
//! slow side by at most that 1.6 %. Recording is one `leading_zeros`, a few
//! shifts and an increment: cheap enough for the hot loop.

/// Values below this are counted exactly.
const LINEAR: u64 = 128;
/// Sub-buckets per power of two above [`LINEAR`].
const SUB: u64 = 64;
/// log2 of [`SUB`].
const SUB_BITS: u32 = 6;
/// Enough buckets for every `u64`: the highest bit of a value at or above
/// [`LINEAR`] is bit 7..=63, giving shifts 1..=57.
const BUCKETS: usize = (LINEAR + (63 - SUB_BITS as u64) * SUB) as usize;

/// Counts of latencies in nanoseconds.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

/// Bucket index of `value`.
fn index(value: u64) -> usize {
    if value < LINEAR {
        // Below 128: fits any usize.
        return value as usize;
    }
    // Position of the highest set bit, at least 7 here.
    let top = 63 - value.leading_zeros();
    // Keep the 7 highest bits: a mantissa in [64, 128).
    let shift = top - SUB_BITS;
    let mantissa = value >> shift;
    let idx = LINEAR + u64::from(shift - 1) * SUB + (mantissa - SUB);
    idx as usize
}

/// Highest value that lands in bucket `idx`.
fn highest(idx: usize) -> u64 {
    let idx = idx as u64;
    if idx < LINEAR {
        return idx;
    }
    let over = idx - LINEAR;
    let shift = over / SUB + 1;
    let mantissa = over % SUB + SUB;
    // The top bucket's upper bound is u64::MAX; saturate instead of wrapping.
    let low = mantissa << shift;
    low.saturating_add((1u64 << shift) - 1)
}

impl Histogram {
    /// An empty histogram.
    #[must_use]
    pub fn new() -> Histogram {
        Histogram {
            counts: vec![0; BUCKETS],
            total: 0,
            max: 0,
        }
    }

    /// Counts one value.
    pub fn record(&mut self, nanos: u64) {
        if let Some(c) = self.counts.get_mut(index(nanos)) {
            *c += 1;
        }
        self.total += 1;
        self.max = self.max.max(nanos);
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += *b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    /// Number of values recorded.
    #[cfg(test)]
    fn len(&self) -> u64 {
        self.total
    }

    /// Largest value recorded (exact).
    #[cfg(test)]
    fn max(&self) -> u64 {
        self.max
    }

    /// The value at quantile `q` (0.0..=1.0): the smallest bucket bound
    /// below or at which at least `q` of the values lie; 0 when empty.
    #[must_use]
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        // The rank of the wanted value, 1-based; at least the first value.
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (idx, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                // Never report beyond the exact maximum.
                return highest(idx).min(self.max);
            }
        }
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact() {
        for v in 0..LINEAR {
            assert_eq!(highest(index(v)), v);
        }
    }

    #[test]
    fn buckets_are_contiguous_and_tight() {
        // Every value lands in a bucket whose bound is >= it and within 1/64.
        let mut v = 1u64;
        while v < u64::MAX / 3 {
            for probe in [v, v + 1, v.saturating_mul(3) / 2] {
                let hi = highest(index(probe));
                assert!(hi >= probe, "{probe} -> {hi}");
                assert!((hi - probe) as f64 <= probe as f64 / 64.0 + 1.0, "{probe} -> {hi}");
            }
            v = v.saturating_mul(2);
        }
        // Neighbouring buckets meet without gaps.
        for idx in 0..BUCKETS - 1 {
            assert_eq!(index(highest(idx) + 1), idx + 1, "bucket {idx}");
        }
        assert_eq!(index(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn quantiles() {
        let mut h = Histogram::new();
        assert_eq!(h.quantile(0.5), 0);
        for v in 1..=1000u64 {
            h.record(v * 1000);
        }
        let p50 = h.quantile(0.5);
        assert!((500_000..=508_000).contains(&p50), "{p50}");
        let p99 = h.quantile(0.99);
        assert!((990_000..=1_006_000).contains(&p99), "{p99}");
        assert_eq!(h.quantile(1.0), 1_000_000);
        let mut other = Histogram::new();
        other.record(5_000_000);
        h.merge(&other);
        assert_eq!(h.len(), 1001);
        assert_eq!(h.max(), 5_000_000);
        assert_eq!(h.quantile(1.0), 5_000_000);
    }
}
