//! The time range drill views chart: a zoom level out of fixed spans, and an end that
//! follows "now" (live) or is pinned by panning.

use crate::event::RangeRequest;

/// Zoom levels in seconds: 5m, 15m, 1h, 3h, 6h, 12h, 24h, 7d.
pub const SPANS: [u32; 8] = [300, 900, 3600, 10_800, 21_600, 43_200, 86_400, 604_800];
/// Prometheus refuses range queries with more points than this per series.
pub const MAX_POINTS: u32 = 11_000;
/// The zoom level a drill view opens at: 1h shows an incident and what led to it.
const DEFAULT_ZOOM: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeRange {
    /// Index into [`SPANS`].
    pub zoom: usize,
    /// The pinned end (Unix seconds); `None` follows the clock.
    pub end: Option<f64>,
}

impl Default for TimeRange {
    fn default() -> Self {
        Self {
            zoom: DEFAULT_ZOOM,
            end: None,
        }
    }
}

impl TimeRange {
    pub fn span(&self) -> f64 {
        f64::from(SPANS[self.zoom])
    }

    pub fn is_live(&self) -> bool {
        self.end.is_none()
    }

    pub fn zoom_in(&mut self) -> bool {
        let before = self.zoom;
        self.zoom = self.zoom.saturating_sub(1);
        before != self.zoom
    }

    pub fn zoom_out(&mut self) -> bool {
        let before = self.zoom;
        self.zoom = (self.zoom + 1).min(SPANS.len() - 1);
        before != self.zoom
    }

    /// Moves the range by half its span (`-1.0` back, `1.0` forward); reaching the present
    /// goes live again, as nothing lies beyond it.
    pub fn pan(&mut self, now: f64, direction: f64) {
        let end = self.end.unwrap_or(now) + direction * self.span() / 2.0;
        self.end = (end < now).then_some(end);
    }

    /// Start and end (Unix seconds) given the present moment.
    pub fn bounds(&self, now: f64) -> (f64, f64) {
        let end = self.end.unwrap_or(now);
        (end - self.span(), end)
    }

    /// Seconds between points so that about `points` fit the range, never beyond
    /// Prometheus' limit and never finer than a second.
    pub fn step(&self, points: u32) -> u32 {
        let span = SPANS[self.zoom];
        span.div_ceil(points.max(1))
            .max(span.div_ceil(MAX_POINTS))
            .max(1)
    }

    /// The range query for `expr`. Its end is the present cut to `granularity`, so a
    /// live view asks again once per refresh rather than once per tick, and Prometheus
    /// evaluates at the end itself: the newest point is never a whole step old.
    pub fn request(&self, expr: &str, now: f64, points: u32, granularity: f64) -> RangeRequest {
        let step = self.step(points);
        let (_, end) = self.bounds(now);
        let granularity = granularity.max(1.0);
        let end = ((end / granularity).floor() * granularity) as i64;
        let steps = SPANS[self.zoom].div_ceil(step);
        RangeRequest {
            expr: expr.to_string(),
            start: end - i64::from(steps * step),
            end,
            step,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_walks_the_spans_and_stops_at_the_ends() {
        let mut range = TimeRange::default();
        assert_eq!(range.span(), 3600.0);
        assert!(range.zoom_in());
        assert!(range.zoom_in());
        assert!(!range.zoom_in());
        assert_eq!(range.span(), 300.0);
        for _ in 0..10 {
            range.zoom_out();
        }
        assert_eq!(range.span(), 604_800.0);
    }

    #[test]
    fn panning_back_pins_the_end_and_forward_returns_to_live() {
        let mut range = TimeRange::default();
        range.pan(10_000.0, -1.0);
        assert_eq!(range.end, Some(10_000.0 - 1800.0));
        range.pan(10_000.0, 1.0);
        assert!(range.is_live());
        range.pan(10_000.0, 1.0);
        assert!(range.is_live(), "the future is not a place to pan to");
    }

    #[test]
    fn steps_fit_the_width_and_respect_the_point_limit() {
        let mut range = TimeRange { zoom: 6, end: None };
        assert_eq!(range.step(400), 216, "24h over 400 points");
        range.zoom = 0;
        assert_eq!(range.step(4000), 1, "never below a second");
        range.zoom = 7;
        assert!(SPANS[7] / range.step(100_000) <= MAX_POINTS);
    }

    #[test]
    fn requests_are_stable_between_refreshes() {
        let range = TimeRange::default();
        let a = range.request("up", 1_000_001.0, 400, 5.0);
        let b = range.request("up", 1_000_004.0, 400, 5.0);
        assert_eq!(a, b);
        assert_eq!(
            (a.end - a.start) % i64::from(a.step),
            0,
            "evaluated at the end"
        );
        assert!(a.end - a.start >= 3600);
        let c = range.request("up", 1_000_006.0, 400, 5.0);
        assert_ne!(a, c);
    }
}
