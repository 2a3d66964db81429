//! The moments `[[annotation]]` queries mark (restarts, deploys): each series' samples
//! collapsed into one mark per run, since an expression such as
//! `changes(process_start_time_seconds[1m]) > 0` holds for a minute after each restart.

use crate::model::labels::legend;
use crate::store::Store;

/// One marked moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    /// Unix seconds: the first sample of the run.
    pub time: f64,
    /// The annotation's title with the series' labels filled in.
    pub title: String,
    /// The annotation's colour as the layout names it.
    pub colour: Option<String>,
    /// The annotation's name.
    pub annotation: String,
}

/// Every mark of every annotation, in time order.
pub fn marks(store: &Store) -> Vec<Mark> {
    let server = &store.server;
    let mut marks = Vec::new();
    for (index, annotation) in server.annotations.iter().enumerate() {
        let Some(Ok(series)) = server.marks.get(&index).map(|a| &a.result) else {
            continue;
        };
        // Samples further apart than two steps start a new run.
        let step = series
            .iter()
            .flat_map(|s| s.points.windows(2).map(|w| w[1].0 - w[0].0))
            .fold(f64::INFINITY, f64::min);
        for s in series {
            let mut previous: Option<f64> = None;
            for &(time, _) in &s.points {
                if previous.is_none_or(|p| time - p > 2.0 * step) {
                    marks.push(Mark {
                        time,
                        title: legend(Some(&annotation.title), &s.labels),
                        colour: annotation.colour.clone(),
                        annotation: annotation.name.clone(),
                    });
                }
                previous = Some(time);
            }
        }
    }
    marks.sort_by(|a, b| a.time.total_cmp(&b.time));
    marks
}

/// The marks within `[start, end]`.
pub fn marks_between(store: &Store, start: f64, end: f64) -> Vec<Mark> {
    let mut marks = marks(store);
    marks.retain(|m| m.time >= start && m.time <= end);
    marks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::layout::Annotation;
    use crate::event::{ServerData, ServerRequest};
    use crate::prom::Series;

    #[test]
    fn runs_of_samples_are_one_mark_each() {
        let mut store = Store::default();
        store.server.annotations = vec![Annotation {
            name: "restarts".into(),
            expr: "x".into(),
            title: "{{job}} restarted".into(),
            colour: Some("peach".into()),
        }];
        let labels = [("job".to_string(), "api".to_string())]
            .into_iter()
            .collect();
        let points = [100.0, 102.0, 104.0, 200.0, 202.0]
            .map(|t| (t, 1.0))
            .to_vec();
        let request = ServerRequest::Annotation {
            index: 0,
            expr: "x".into(),
            window: 900,
            step: 2,
        };
        let answer = ServerData::Marks(vec![Series { labels, points }]);
        store.server.ingest(300.0, request, Ok(answer));
        let found = marks(&store);
        assert_eq!(
            found.iter().map(|m| m.time).collect::<Vec<_>>(),
            vec![100.0, 200.0]
        );
        assert_eq!(found[0].title, "api restarted");
        assert_eq!(marks_between(&store, 150.0, 250.0).len(), 1);
    }
}
