//! The snapshot as one Nagios plugin line: `SPHEROSEG WARNING - what could not be
//! measured; summary: what is off | perfdata`, one perfdata item per row with its
//! thresholds as Nagios ranges; then, as the long output, one line per row not measured
//! in full, with why.

use super::{Snapshot, SnapshotRow, named, quote};
use crate::model::{Direction, Status, Unit};

/// How many rows that are not OK the text part names before "and N more".
const NAMED: usize = 5;

pub fn render(snapshot: &Snapshot) -> String {
    let off: Vec<String> = snapshot
        .rows
        .iter()
        .filter(|r| r.status.0 >= Status::Warn)
        .map(|r| format!("{} {} ({})", r.who(), r.shown, r.status.0.label()))
        .chain(
            snapshot
                .slos
                .iter()
                .filter(|s| s.status >= Status::Warn)
                .map(|s| {
                    let left = s
                        .budget_left
                        .map_or("–".to_string(), |l| format!("{l:.0}%"));
                    format!("SLO {} budget {left} ({})", s.who(), s.state.unwrap_or("-"))
                }),
        )
        .chain(snapshot.alerts.iter().map(|a| format!("{} firing", a.name)))
        .collect();
    let detail = named(&off, NAMED);
    let summary = super::text::headline(snapshot);
    let text = if detail.is_empty() {
        summary
    } else {
        format!("{summary}: {detail}")
    };
    let mut perfdata: Vec<String> = snapshot.rows.iter().map(perfdata).collect();
    perfdata.extend(snapshot.slos.iter().map(|s| {
        let label = format!("slo/{}", s.who())
            .replace('\'', "")
            .replace('=', ":");
        let left = s.budget_left.map_or("U".to_string(), |l| number(l) + "%");
        format!("'{label}'={left}")
    }));
    // `|` splits text from perfdata: none may be left in the text, nor a line break in
    // the first line.
    let text = text.replace('|', "/").replace(['\n', '\r'], " ");
    let mut out = format!(
        "SPHEROSEG {} - {text} | {}\n",
        snapshot.verdict.word(),
        perfdata.join(" ")
    );
    // Nagios' long output: the lines after the first, shown with the service's details.
    for row in &snapshot.rows {
        let why = match (&row.error, &row.why_empty, row.status.0) {
            (Some(error), _, _) => format!("failed, {}", quote(error)),
            (None, Some(why), _) => format!("no data, {}", why.text),
            (None, None, Status::NoData) => "no data".to_string(),
            (None, None, Status::Stale) => "stale".to_string(),
            _ => match row.warnings.first() {
                Some(warning) => format!("partial data, {}", quote(warning)),
                None => continue,
            },
        };
        let line = format!("{}/{}: {why}", row.tab, row.who());
        out.push_str(&line.replace('|', "/"));
        out.push('\n');
    }
    out
}

/// `'Tab/name'=value[UOM];warn;crit` with the target as warn and the alert threshold as
/// crit; `~:t` alerts above t, `t:` below it, as Nagios ranges say.
fn perfdata(row: &SnapshotRow) -> String {
    let label = format!("{}/{}", row.tab, row.who())
        .replace('\'', "")
        .replace('=', ":");
    let (value, uom) = match row.value {
        Some(v) => {
            let uom = match row.unit {
                Unit::Seconds => "s",
                Unit::Percent => "%",
                Unit::Bytes => "B",
                _ => "",
            };
            (number(v), uom)
        }
        None => ("U".to_string(), ""),
    };
    let range = |limit: Option<f64>| match (limit, row.direction) {
        (None, _) => String::new(),
        (Some(t), Direction::Above) => format!("~:{}", number(t)),
        (Some(t), Direction::Below) => format!("{}:", number(t)),
    };
    format!(
        "'{label}'={value}{uom};{};{}",
        range(row.target),
        range(row.alert)
    )
}

/// A plain decimal number (perfdata takes no exponents).
fn number(v: f64) -> String {
    let text = format!("{v:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() || text == "-" {
        "0".into()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::layout::SnapshotKind;
    use crate::report::snapshot::rows::StatusWord;

    #[test]
    fn perfdata_carries_thresholds_as_nagios_ranges() {
        let row = SnapshotRow {
            tab: "Overview".into(),
            panel: "KPIs".into(),
            kind: SnapshotKind::Kpi,
            name: "p95 'latency'".into(),
            backend: None,
            query: "x".into(),
            value: Some(0.25),
            shown: "250 ms".into(),
            unit: Unit::Seconds,
            target: Some(0.2),
            alert: Some(0.5),
            direction: Direction::Above,
            status: StatusWord(Status::Warn),
            error: None,
            why_empty: None,
            warnings: Vec::new(),
            target_text: String::new(),
            alert_text: String::new(),
        };
        assert_eq!(perfdata(&row), "'Overview/p95 latency'=0.25s;~:0.2;~:0.5");
        let below = SnapshotRow {
            direction: Direction::Below,
            unit: Unit::Ratio,
            value: None,
            ..row
        };
        assert_eq!(perfdata(&below), "'Overview/p95 latency'=U;0.2:;0.5:");
        assert_eq!(number(1e-7), "0");
        assert_eq!(number(1500.0), "1500");
    }
}
