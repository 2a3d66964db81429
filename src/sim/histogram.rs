//! A Prometheus-style histogram with fixed bucket bounds.

/// Counts observations per bucket; exposition turns them into cumulative `le` buckets.
#[derive(Clone, Debug)]
pub struct Histogram {
    upper_bounds: &'static [f64],
    /// One slot per bound plus a final overflow slot for `+Inf`; not cumulative.
    bucket_counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    /// `upper_bounds` must be sorted ascending and finite.
    pub fn new(upper_bounds: &'static [f64]) -> Self {
        Self {
            upper_bounds,
            bucket_counts: vec![0; upper_bounds.len() + 1],
            sum: 0.0,
            count: 0,
        }
    }

    pub fn observe(&mut self, value: f64) {
        // Prometheus buckets are inclusive: a value equal to a bound belongs to that bucket.
        let slot = self.upper_bounds.partition_point(|&bound| bound < value);
        if let Some(bucket) = self.bucket_counts.get_mut(slot) {
            *bucket += 1;
        }
        self.sum += value;
        self.count += 1;
    }

    /// `(upper bound, observations <= bound)` pairs, ending with `+Inf` whose count equals `count()`.
    pub fn cumulative_buckets(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        let bounds = self
            .upper_bounds
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY));
        bounds.zip(self.bucket_counts.iter().scan(0, |running, &count| {
            *running += count;
            Some(*running)
        }))
    }

    pub fn sum(&self) -> f64 {
        self.sum
    }

    pub fn count(&self) -> u64 {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_inclusive_and_cumulative() {
        let mut histogram = Histogram::new(&[1.0, 2.0]);
        for value in [0.5, 1.0, 1.5, 3.0] {
            histogram.observe(value);
        }
        let buckets: Vec<_> = histogram.cumulative_buckets().collect();
        assert_eq!(buckets, vec![(1.0, 2), (2.0, 3), (f64::INFINITY, 4)]);
        assert_eq!(histogram.count(), 4);
        assert_eq!(histogram.sum(), 6.0);
    }
}
