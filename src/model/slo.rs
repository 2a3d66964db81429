//! Error budgets and burn rates: the SRE workbook's multiwindow, multi-burn-rate alerts as
//! plain arithmetic on error ratios. No I/O and no metric names; the layout says what an
//! error is, this module what it costs.
//!
//! An objective of 99 % leaves an error budget of 1 % of requests over the SLO window. A
//! burn rate is the error ratio over a window divided by that budget: 1× spends exactly the
//! budget by the end of the window, 14.4× spends 2 % of a 30-day budget in an hour.

use std::time::Duration;

/// The period the workbook's windows and factors are written for.
pub const REFERENCE_PERIOD: Duration = Duration::from_secs(30 * 86_400);

/// A burn-rate window, named by its length over a 30-day SLO window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Window {
    M5,
    M30,
    H1,
    H2,
    H6,
    D1,
    D3,
}

impl Window {
    /// Every window an alert reads, shortest first.
    pub const ALL: [Window; 7] = [
        Window::M5,
        Window::M30,
        Window::H1,
        Window::H2,
        Window::H6,
        Window::D1,
        Window::D3,
    ];

    /// The windows an SLO row shows (2h only feeds the fast ticket alert).
    pub const SHOWN: [Window; 6] = [
        Window::M5,
        Window::M30,
        Window::H1,
        Window::H6,
        Window::D1,
        Window::D3,
    ];

    /// Its name over a 30-day window: `"5m"` … `"3d"` (keys of JSON and layouts).
    pub fn label(self) -> &'static str {
        match self {
            Window::M5 => "5m",
            Window::M30 => "30m",
            Window::H1 => "1h",
            Window::H2 => "2h",
            Window::H6 => "6h",
            Window::D1 => "1d",
            Window::D3 => "3d",
        }
    }

    /// The window named `label`, if it is one.
    pub fn from_label(label: &str) -> Option<Window> {
        Window::ALL.into_iter().find(|w| w.label() == label)
    }

    /// Its length over a 30-day window.
    pub fn reference(self) -> Duration {
        let minutes = match self {
            Window::M5 => 5,
            Window::M30 => 30,
            Window::H1 => 60,
            Window::H2 => 120,
            Window::H6 => 360,
            Window::D1 => 1440,
            Window::D3 => 4320,
        };
        Duration::from_secs(minutes * 60)
    }

    /// Its position in [`Window::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What an alert asks of a person: a ticket (WARN) or a page (CRITICAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Ticket,
    Page,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Ticket => "ticket",
            Severity::Page => "page",
        }
    }
}

/// One of the workbook's alerts: both windows burn faster than `factor`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BurnAlert {
    pub severity: Severity,
    pub short: Window,
    pub long: Window,
    pub factor: f64,
}

impl BurnAlert {
    /// `"page 1h/5m"`: how the screen and reports name it.
    pub fn name(&self) -> String {
        format!(
            "{} {}/{}",
            self.severity.label(),
            self.long.label(),
            self.short.label()
        )
    }
}

/// The workbook's four alerts over a 30-day window: 2 % of the budget in 1h pages, 5 % in
/// 6h pages, 10 % in 1d and 10 % in 3d open tickets (factor = share × 30d / long window).
pub const ALERTS: [BurnAlert; 4] = [
    BurnAlert {
        severity: Severity::Page,
        short: Window::M5,
        long: Window::H1,
        factor: 14.4,
    },
    BurnAlert {
        severity: Severity::Page,
        short: Window::M30,
        long: Window::H6,
        factor: 6.0,
    },
    BurnAlert {
        severity: Severity::Ticket,
        short: Window::H2,
        long: Window::D1,
        factor: 3.0,
    },
    BurnAlert {
        severity: Severity::Ticket,
        short: Window::H6,
        long: Window::D3,
        factor: 1.0,
    },
];

/// The error budget of an objective in percent: 99.0 → 0.01.
pub fn error_budget(objective: f64) -> f64 {
    1.0 - objective / 100.0
}

/// How many times faster than the budget allows errors are spent at `error_ratio`.
pub fn burn_rate(error_ratio: f64, objective: f64) -> f64 {
    error_ratio / error_budget(objective)
}

/// The share of the budget left after a window whose error ratio was `period_error_ratio`
/// (negative once it is overspent).
pub fn budget_left(period_error_ratio: f64, objective: f64) -> f64 {
    1.0 - burn_rate(period_error_ratio, objective)
}

/// When the budget left runs out at burn rate `burn`: `left` of the budget lasts
/// `left × period / burn` (1× spends the whole budget in one period). `None` when nothing
/// burns; zero when nothing is left.
pub fn exhaustion(left: f64, burn: f64, period: Duration) -> Option<Duration> {
    if left.is_nan() || burn.is_nan() || burn <= 0.0 {
        return None;
    }
    // To the millisecond: float noise is no part of the answer.
    let secs = (left.max(0.0) * period.as_secs_f64() / burn * 1000.0).round() / 1000.0;
    Duration::try_from_secs_f64(secs).ok()
}

/// Burn rates per window, indexed by [`Window::index`]; `None`: not known.
pub type Burns = [Option<f64>; 7];

/// The alerts whose two windows both burn faster than their factor, as Prometheus would
/// fire them (`>`: a burn of exactly the factor does not fire).
pub fn firing(burns: &Burns) -> Vec<BurnAlert> {
    ALERTS
        .into_iter()
        .filter(|a| {
            let over = |w: Window| burns[w.index()].is_some_and(|b| b > a.factor);
            over(a.short) && over(a.long)
        })
        .collect()
}

/// The most severe alert firing, if any.
pub fn state(burns: &Burns) -> Option<Severity> {
    firing(burns).into_iter().map(|a| a.severity).max()
}

/// How one window's burn rate stands against the alerts that read it: the most severe
/// whose factor it is past.
pub fn window_level(window: Window, burn: f64) -> Option<Severity> {
    ALERTS
        .into_iter()
        .filter(|a| (a.short == window || a.long == window) && burn > a.factor)
        .map(|a| a.severity)
        .max()
}

/// A reference window scaled to an SLO window: `reference × period / 30d`, to the
/// millisecond. Scaling windows and period together keeps the factors right.
pub fn scaled(reference: Duration, period: Duration) -> Duration {
    let ms = reference.as_millis() * period.as_millis() / REFERENCE_PERIOD.as_millis();
    Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
}

/// A duration as Prometheus writes one (`model.Duration.String`): `1d`, `3d`, `30d`, `5s`;
/// years and weeks only when exact (`4w` for 28 days, `1w2d` never).
pub fn prometheus_duration(d: Duration) -> String {
    let mut ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 {
        return "0s".into();
    }
    const DAY: u64 = 86_400_000;
    let mut out = String::new();
    for (unit, size, exact) in [
        ("y", 365 * DAY, true),
        ("w", 7 * DAY, true),
        ("d", DAY, false),
        ("h", 3_600_000, false),
        ("m", 60_000, false),
        ("s", 1000, false),
        ("ms", 1, false),
    ] {
        if exact && ms % size != 0 {
            continue;
        }
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn burn_and_budget_by_hand() {
        // 99 % leaves 1 %: 2 % errors burn twice as fast as allowed.
        assert!(close(error_budget(99.0), 0.01));
        assert!(close(burn_rate(0.02, 99.0), 2.0));
        // 99.9 %: 0.1 % budget; 1.44 % errors is the 14.4× page.
        assert!(close(burn_rate(0.0144, 99.9), 14.4));
        // A month at 0.25 % errors against 99 % spent a quarter: three quarters left.
        assert!(close(budget_left(0.0025, 99.0), 0.75));
        // Overspent: 3 % errors against 1 % leave -200 %.
        assert!(close(budget_left(0.03, 99.0), -2.0));
        // 95 % latency objective: 5 % budget, 10 % slow requests burn 2×.
        assert!(close(burn_rate(0.10, 95.0), 2.0));
    }

    #[test]
    fn exhaustion_by_hand() {
        let month = REFERENCE_PERIOD;
        // Half the budget left at 1×: half a month, 15 days.
        assert_eq!(
            exhaustion(0.5, 1.0, month),
            Some(Duration::from_secs(15 * 86_400))
        );
        // 75 % left at 14.4×: 0.75 × 720 h / 14.4 = 37.5 h.
        assert_eq!(
            exhaustion(0.75, 14.4, month),
            Some(Duration::from_secs(37 * 3600 + 1800))
        );
        assert_eq!(exhaustion(0.5, 0.0, month), None, "nothing burns");
        assert_eq!(exhaustion(-0.2, 3.0, month), Some(Duration::ZERO));
    }

    #[test]
    fn the_workbook_factors_are_its_budget_shares() {
        // factor = share of budget × 30 d / long window.
        let hours = |w: Window| w.reference().as_secs_f64() / 3600.0;
        for (alert, share) in ALERTS.iter().zip([0.02, 0.05, 0.10, 0.10]) {
            assert!(close(alert.factor, share * 720.0 / hours(alert.long)));
        }
    }

    #[test]
    fn an_alert_needs_both_windows_past_its_factor() {
        let mut burns: Burns = [None; 7];
        burns[Window::M5.index()] = Some(20.0);
        assert_eq!(state(&burns), None, "5m alone is noise");
        burns[Window::H1.index()] = Some(14.4);
        assert_eq!(state(&burns), None, "exactly the factor does not fire");
        burns[Window::H1.index()] = Some(15.0);
        assert_eq!(state(&burns), Some(Severity::Page));
        let mut slow: Burns = [None; 7];
        slow[Window::H6.index()] = Some(1.5);
        slow[Window::D3.index()] = Some(1.2);
        assert_eq!(state(&slow), Some(Severity::Ticket));
        assert_eq!(firing(&slow)[0].name(), "ticket 3d/6h");
        assert_eq!(window_level(Window::H6, 7.0), Some(Severity::Page));
        assert_eq!(window_level(Window::H6, 2.0), Some(Severity::Ticket));
        assert_eq!(window_level(Window::M5, 2.0), None);
    }

    #[test]
    fn windows_scale_with_the_period() {
        let day = Duration::from_secs(86_400);
        assert_eq!(scaled(Window::D3.reference(), REFERENCE_PERIOD), 3 * day);
        // 1d: 5m → 10s, 3d → 2h24m.
        assert_eq!(scaled(Window::M5.reference(), day), Duration::from_secs(10));
        assert_eq!(
            scaled(Window::D3.reference(), day),
            Duration::from_secs(2 * 3600 + 24 * 60)
        );
    }

    #[test]
    fn durations_as_prometheus_writes_them() {
        let d = |s| prometheus_duration(Duration::from_secs(s));
        assert_eq!(d(300), "5m");
        assert_eq!(d(86_400), "1d");
        assert_eq!(d(3 * 86_400), "3d");
        assert_eq!(d(30 * 86_400), "30d");
        assert_eq!(d(28 * 86_400), "4w");
        assert_eq!(d(7 * 86_400), "1w");
        assert_eq!(d(9 * 86_400), "9d");
        assert_eq!(d(5400), "1h30m");
        assert_eq!(prometheus_duration(Duration::from_millis(1500)), "1s500ms");
    }
}
