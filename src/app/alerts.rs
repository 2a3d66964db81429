//! The alert list's keys: the selected line among groups and alerts, opening and closing
//! groups (Enter, →, ←, Esc), and the `/` filter over alerts and rules.

use super::focus::Dir;
use super::prompt::{Prompt, PromptPurpose};
use super::{Action, App, Overlay};
use crate::config::layout::Rows;
use crate::model::Labels;
use crate::prom::Alert;
use crate::view::alert_filter::AlertFilter;
use crate::view::alert_groups::{AlertGroup, AlertLine, AlertsView, GroupKey};

/// What the selected line of the alert list is.
pub(super) enum Selected<'a> {
    Group(&'a AlertGroup<'a>),
    Alert {
        group: &'a AlertGroup<'a>,
        alert: &'a Alert,
    },
}

impl App {
    /// The alert list's filter and open groups, as the panels draw them.
    pub fn alerts_view(&self) -> &AlertsView {
        &self.alerts_view
    }

    /// What the keyboard selects in the focused panel on the grid (none in a drill view).
    pub(super) fn focused_rows(&self) -> Option<Rows> {
        if !self.drill.is_empty() {
            return None;
        }
        let focus = self.focus[self.tab];
        Some(self.grid_panel(self.tab, focus.row, focus.col)?.kind.rows())
    }

    /// Lines of the alert list, as the panel shows them.
    pub(super) fn alert_line_count(&self) -> usize {
        let groups = self.alerts_view.groups(&self.store.alerts);
        self.alerts_view.lines(&groups).len()
    }

    /// Runs `f` on the selected line of the focused alert list, if any.
    pub(super) fn with_selected_alert<R>(&self, f: impl FnOnce(Selected) -> R) -> Option<R> {
        if self.focused_rows() != Some(Rows::AlertLines) {
            return None;
        }
        let groups = self.alerts_view.groups(&self.store.alerts);
        let lines = self.alerts_view.lines(&groups);
        let line = *lines.get(self.focus[self.tab].kpi)?;
        let group = &groups[line.group()];
        Some(match line {
            AlertLine::Group { .. } => f(Selected::Group(group)),
            AlertLine::Alert { member, .. } => f(Selected::Alert {
                group,
                alert: group.members[member],
            }),
        })
    }

    /// What the selected line of the alert list shows: its group, and the alert's labels
    /// for an alert line.
    pub(super) fn selected_line_key(&self) -> Option<(GroupKey, Option<Labels>)> {
        self.with_selected_alert(|selected| match selected {
            Selected::Group(group) => (group.key.clone(), None),
            Selected::Alert { group, alert } => (group.key.clone(), Some(alert.labels.clone())),
        })
    }

    /// New data reorders the list: the selection stays on the line it was on, or, when
    /// that line is gone, on the one now in its place.
    pub(super) fn follow_selection(&mut self, key: Option<(GroupKey, Option<Labels>)>) {
        let Some((group_key, labels)) = key else {
            return;
        };
        let groups = self.alerts_view.groups(&self.store.alerts);
        let lines = self.alerts_view.lines(&groups);
        let found = lines.iter().position(|line| {
            let group = &groups[line.group()];
            group.key == group_key
                && match (*line, &labels) {
                    (AlertLine::Group { .. }, None) => true,
                    (AlertLine::Alert { member, .. }, Some(labels)) => {
                        group.members[member].labels == *labels
                    }
                    _ => false,
                }
        });
        // Gone (resolved, filtered out): the nearest line that is still there.
        let kpi = &mut self.focus[self.tab].kpi;
        *kpi = found.unwrap_or_else(|| (*kpi).min(lines.len().saturating_sub(1)));
    }

    /// Keys the focused alert list takes before the grid does: Enter and → open the
    /// selected group, Enter on an open one closes it, ← and Esc close the group the
    /// selection is in. Returns whether the key was used.
    pub(super) fn alert_list_key(&mut self, action: Action) -> bool {
        let Some((key, expanded, group_line, size)) = self.with_selected_alert(|s| {
            let (group, on_line) = match s {
                Selected::Group(g) => (g, true),
                Selected::Alert { group, .. } => (group, false),
            };
            let size = group.members.len();
            (
                group.key.clone(),
                self.alerts_view.is_expanded(group),
                on_line,
                size,
            )
        }) else {
            return false;
        };
        if size < 2 {
            return false;
        }
        let open = match (action, group_line, expanded) {
            (Action::Open, true, _) => !expanded,
            (Action::Focus(Dir::Right), true, false) => true,
            (Action::Focus(Dir::Left) | Action::Back, _, true) => false,
            _ => return false,
        };
        self.alerts_view.set_expanded(key.clone(), open);
        if !open {
            // The selection moves to the group's line, which stays where it was.
            let groups = self.alerts_view.groups(&self.store.alerts);
            let lines = self.alerts_view.lines(&groups);
            if let Some(i) = lines.iter().position(
                |l| matches!(l, AlertLine::Group { group, .. } if groups[*group].key == key),
            ) {
                self.focus[self.tab].kpi = i;
            }
        }
        true
    }

    /// Esc on the grid with a filter set clears it. Returns whether it did.
    pub(super) fn clear_filter(&mut self) -> bool {
        if self.overlay.is_some() || !self.drill.is_empty() || self.alerts_view.filter.is_none() {
            return false;
        }
        self.alerts_view.filter = None;
        self.reselect_alerts();
        true
    }

    /// `/`: the filter prompt, holding the filter in force to edit.
    pub(super) fn open_filter(&mut self) {
        let text = self
            .alerts_view
            .filter
            .as_ref()
            .map(|f| f.text().to_string())
            .unwrap_or_default();
        self.overlay = Some(Overlay::Prompt(Prompt {
            purpose: PromptPurpose::Filter,
            text,
            error: None,
        }));
    }

    /// Applies typed filter text; a bad matcher keeps the prompt open with what was typed
    /// and why it is wrong.
    pub(super) fn apply_filter(&mut self, text: String) {
        match AlertFilter::parse(&text) {
            Ok(filter) => {
                self.alerts_view.filter = filter;
                self.reselect_alerts();
            }
            Err(e) => {
                self.overlay = Some(Overlay::Prompt(Prompt {
                    purpose: PromptPurpose::Filter,
                    text,
                    error: Some(e.to_string()),
                }));
            }
        }
    }

    /// The list changed under the selection: back to its first line.
    fn reselect_alerts(&mut self) {
        if self.focused_rows() == Some(Rows::AlertLines) {
            self.focus[self.tab].kpi = 0;
        }
    }
}
