//! What the screen shows, told to the data source so that it polls that every refresh and
//! the rest less often; and how old data may get before it counts as stale.

use super::App;
use crate::config::layout::PanelKind;
use crate::event::{Schedule, SourceCommand, Watch};

impl App {
    /// Tells the source when what the screen shows changed (a tab switch); `slos`: how the
    /// SLO windows are read now.
    pub(super) fn watch_screen(&mut self, slos: crate::view::slo::Polling) {
        // A replay plays what was recorded: nothing to steer.
        if self.replay.is_some() {
            return;
        }
        let panels = self.layout.tabs[self.tab]
            .rows
            .iter()
            .flat_map(|r| &r.panels);
        let mut queries: Vec<usize> = panels
            .clone()
            .flat_map(|p| {
                let kpis = p.kpis.iter().map(|k| k.query.id);
                p.queries.iter().map(|q| q.id).chain(kpis)
            })
            .collect();
        // SLO windows: from the recording rules where loaded, else raw, long ones slowly.
        if panels.clone().any(|p| p.kind == PanelKind::Slo) {
            queries.extend(&slos.read);
        }
        queries.sort_unstable();
        queries.dedup();
        let watch = Watch {
            queries,
            rules: panels.clone().any(|p| p.kind == PanelKind::Rules),
            paced: slos.paced,
            idle: slos.idle,
        };
        if self.watching.as_ref() != Some(&watch) {
            self.outbox.push(SourceCommand::Watch(watch.clone()));
            self.watching = Some(watch);
        }
    }

    /// How often the source asks for what is on screen and for the rest, once it said so.
    pub fn schedule(&self) -> Option<Schedule> {
        self.schedule
    }

    /// Seconds after which data counts as stale: two missed polls of the slowest kind the
    /// source announced, plus slack for a slow answer.
    pub(super) fn stale_after(&self) -> f64 {
        let slowest = self
            .schedule
            .map_or(self.source.refresh, |s| s.background.max(s.visible))
            .max(self.source.refresh);
        // Saturating: a forged recording may announce any schedule.
        slowest.saturating_mul(2).as_secs_f64() + 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Action, Msg};
    use crate::event::DataEvent;
    use std::time::Duration;

    fn app() -> App {
        crate::app::tests::bundled_app(1)
    }

    fn watches(app: &mut App) -> Vec<Watch> {
        app.take_commands()
            .into_iter()
            .filter_map(|c| match c {
                SourceCommand::Watch(w) => Some(w),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_source_hears_what_each_tab_shows_once() {
        let mut app = app();
        app.update(Msg::Tick(1.0));
        let first = watches(&mut app);
        assert_eq!(first.len(), 1);
        assert!(!first[0].queries.is_empty() && !first[0].rules);
        app.update(Msg::Tick(2.0));
        assert!(watches(&mut app).is_empty(), "nothing changed on screen");
        let alerts_tab = app
            .layout()
            .tabs
            .iter()
            .position(|t| t.title == "Alerts")
            .expect("the default layout has an Alerts tab");
        app.update(Msg::Action(Action::SelectTab(alerts_tab)));
        let last = watches(&mut app);
        assert_eq!(last.len(), 1);
        assert!(last[0].rules, "the Alerts tab shows the rule states");
        assert_ne!(last[0].queries, first[0].queries);
    }

    #[test]
    fn data_is_stale_only_past_the_slower_poll() {
        let mut app = app();
        assert_eq!(app.context().stale_after, Some(4.0));
        app.update(Msg::Data(DataEvent::Schedule(Schedule {
            visible: Duration::from_secs(1),
            background: Duration::from_secs(5),
        })));
        assert_eq!(app.context().stale_after, Some(12.0));
    }
}
