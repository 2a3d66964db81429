//! Template variables in the app: what is selected, the options known, the picker (`v`),
//! and the layout rewritten for the selection — queries and titles — so the rest of the
//! app and the screen read expanded text. Built-ins (`$__rate_interval`, …) are written
//! out last, when a query is sent, because they depend on its step and range.

use super::backends::{Answer, options_union};
use super::{App, Overlay};
use crate::config::Layout;
use crate::config::layout::{ChartSpec, DEFAULT_WINDOW, QueryDef, QueryId};
use crate::event::SourceCommand;
use crate::prom::PromError;
use crate::variables::{
    ALL, Bound, Format, Intervals, OptionsQuery, Selection, Variable, VariableKind, expand,
};
pub use flags::choices;
use std::collections::VecDeque;
use std::time::Duration;

/// Prometheus' default scrape interval, for `$__rate_interval` unless `--scrape-interval`.
pub const DEFAULT_SCRAPE_INTERVAL: Duration = Duration::from_secs(15);

/// The variables' selection and options, and the layout as written.
#[derive(Clone, Debug)]
pub struct VariableState {
    /// The layout as written: queries and titles with their `$name`s.
    templates: Layout,
    selections: Vec<Selection>,
    /// Each variable's options once known (a query variable's after its regex).
    options: Vec<Option<Vec<String>>>,
    /// Why a query variable's options could not be fetched, until they are.
    errors: Vec<Option<String>>,
    /// Each backend's answer to the latest ask of a query variable's options (by backend
    /// index): side by side, the options are their union.
    answers: Vec<Vec<Answer<String>>>,
    /// The selection was given by the user (`--var`, the picker), not the layout's default:
    /// kept when Prometheus offers no options at all.
    given: Vec<bool>,
    scrape: Duration,
    /// Started live ([`App::with_variables`]): the choice is made here, and the poller's
    /// echo of it is for the recording only.
    live: bool,
    /// Live: the queries of each `Expand` sent whose echo has not come back. Answers to
    /// them still in the channel are of the old text and are dropped, as the poller drops
    /// those still running.
    awaiting_echo: VecDeque<Vec<QueryId>>,
    /// A replay's recorded choices with their times (from its index), so a seek shows the
    /// one in force at the new position.
    recorded_choices: Vec<(f64, Vec<(String, Selection)>)>,
}

impl VariableState {
    pub fn new(layout: &Layout) -> Self {
        let variables = &layout.variables;
        Self {
            templates: layout.clone(),
            selections: variables
                .iter()
                .map(|v| Selection::of(v.default.clone()))
                .collect(),
            options: variables.iter().map(Variable::static_options).collect(),
            errors: vec![None; variables.len()],
            answers: vec![Vec::new(); variables.len()],
            given: vec![false; variables.len()],
            scrape: DEFAULT_SCRAPE_INTERVAL,
            live: false,
            awaiting_echo: VecDeque::new(),
            recorded_choices: Vec::new(),
        }
        .with_first_options()
    }

    /// Selects the first option of every variable that has options and no selection.
    fn with_first_options(mut self) -> Self {
        for (selection, options) in self.selections.iter_mut().zip(&self.options) {
            if let Some(first) = options.as_ref().and_then(|o| o.first())
                && *selection == Selection::default()
            {
                *selection = Selection::of(vec![first.clone()]);
            }
        }
        self
    }

    fn variables(&self) -> &[Variable] {
        &self.templates.variables
    }

    fn bounds(&self) -> Vec<Bound> {
        self.variables()
            .iter()
            .zip(&self.selections)
            .zip(&self.options)
            .map(|((v, s), o)| Bound::new(v, s, o.as_deref().unwrap_or_default()))
            .collect()
    }

    /// Whether variable `i` has a value to expand to.
    fn resolved(&self, i: usize) -> bool {
        self.selections[i].all || !self.selections[i].values.is_empty()
    }

    /// The selection as `(name, selection)` pairs, as recordings hold it.
    pub fn pairs(&self) -> Vec<(String, Selection)> {
        self.variables()
            .iter()
            .map(|v| v.name.clone())
            .zip(self.selections.iter().cloned())
            .collect()
    }
}

/// A selection as a notice names it; the empty value is Grafana's None.
fn shown(selection: &Selection) -> String {
    match selection.text() {
        text if text.is_empty() => "the empty value (none)".to_string(),
        text => text,
    }
}

/// The `v` picker: first which variable (unless there is one), then its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picker {
    /// The variable whose values are listed; `None` while choosing the variable.
    pub variable: Option<usize>,
    /// Typed text: rows that contain it (any case) are listed.
    pub filter: String,
    /// The highlighted row among those listed.
    pub cursor: usize,
    /// A multi variable's values ticked with Space (`$__all` for All).
    pub ticked: Vec<String>,
}

impl App {
    /// Starts the template variables of a live session: `chosen` (from `--var`) over the
    /// layout's defaults, `$__rate_interval` from `scrape`, options asked of the source.
    pub fn with_variables(mut self, chosen: Vec<(String, Selection)>, scrape: Duration) -> Self {
        self.variables.scrape = scrape;
        self.variables.live = true;
        for (name, selection) in chosen {
            if let Some(i) = self.variable_index(&name) {
                self.variables.selections[i] = selection;
                self.variables.given[i] = true;
            }
        }
        for i in 0..self.layout.variables.len() {
            self.fetch_options(i);
        }
        self.rewrite_layout();
        if !self.layout.variables.is_empty() {
            // Nothing to re-poll yet: the poller starts with these queries. The echo puts
            // the choice into a recording.
            self.outbox.push(SourceCommand::Expand {
                queries: Vec::new(),
                selections: self.variables.pairs(),
            });
            self.variables.awaiting_echo.push_back(Vec::new());
        }
        self
    }

    /// The layout's variables with their current selection, for the variables line.
    pub fn variable_values(&self) -> Vec<(&Variable, &Selection)> {
        self.variables
            .variables()
            .iter()
            .zip(&self.variables.selections)
            .collect()
    }

    /// Variable `i`'s options once known (`Some(empty)`: Prometheus offers none).
    pub fn variable_options(&self, i: usize) -> Option<&[String]> {
        self.variables.options.get(i)?.as_deref()
    }

    /// Why a variable's options could not be fetched, if they could not.
    pub fn variable_error(&self, i: usize) -> Option<&str> {
        self.variables.errors.get(i)?.as_deref()
    }

    /// The picker, when open.
    pub fn picker(&self) -> Option<&Picker> {
        match &self.overlay {
            Some(Overlay::Variables(picker)) => Some(picker),
            _ => None,
        }
    }

    /// What the picker lists: the variables' names, or the chosen one's values (All first
    /// where offered), filtered by the typed text.
    pub fn picker_rows(&self) -> Vec<String> {
        let Some(picker) = self.picker() else {
            return Vec::new();
        };
        let rows: Vec<String> = match picker.variable {
            None => self
                .layout
                .variables
                .iter()
                .map(|v| v.name.clone())
                .collect(),
            Some(i) => {
                let variable = &self.layout.variables[i];
                let options = self.variables.options[i].clone().unwrap_or_default();
                variable
                    .include_all
                    .then(|| ALL.to_string())
                    .into_iter()
                    .chain(options)
                    .collect()
            }
        };
        let filter = picker.filter.to_lowercase();
        rows.into_iter()
            .filter(|r| r.to_lowercase().contains(&filter))
            .collect()
    }

    /// The polled queries as sent: variables and built-ins written out (a polled query's
    /// step is the refresh, its range the history it keeps).
    pub fn polled_queries(&self) -> Vec<QueryDef> {
        self.layout.queries.iter().map(|q| self.polled(q)).collect()
    }

    fn polled(&self, query: &QueryDef) -> QueryDef {
        let intervals = Intervals {
            scrape: self.variables.scrape,
            step: self.source.refresh,
            range: query.history.unwrap_or(DEFAULT_WINDOW),
        };
        QueryDef {
            expr: intervals.expand(&query.expr),
            history: query.history,
        }
    }

    /// A range request's expression with the built-ins for its step and span.
    pub(super) fn expand_range_builtins(&self, request: &mut crate::event::RangeRequest) {
        let intervals = Intervals {
            scrape: self.variables.scrape,
            step: Duration::from_secs(u64::from(request.step.max(1))),
            range: Duration::from_secs(u64::try_from(request.end - request.start).unwrap_or(0)),
        };
        request.expr = intervals.expand(&request.expr);
    }

    pub(super) fn open_picker(&mut self) {
        if self.layout.variables.is_empty() {
            self.notice = Some("this layout has no [[variable]]".into());
            return;
        }
        if !self.variables.live {
            self.notice = Some("a replay shows the recorded choice of variables".into());
            return;
        }
        let mut picker = Picker {
            variable: None,
            filter: String::new(),
            cursor: 0,
            ticked: Vec::new(),
        };
        if self.layout.variables.len() == 1 {
            self.choose_variable(&mut picker, 0);
        }
        self.overlay = Some(Overlay::Variables(picker));
    }

    fn choose_variable(&mut self, picker: &mut Picker, i: usize) {
        picker.variable = Some(i);
        picker.filter.clear();
        picker.cursor = 0;
        let selection = &self.variables.selections[i];
        picker.ticked = if selection.all {
            vec![ALL.to_string()]
        } else {
            selection.values.clone()
        };
        // Values fetched live: the list the picker shows is the server's current one.
        self.fetch_options(i);
    }

    /// A key while the picker is open.
    pub(super) fn picker_action(&mut self, action: super::Action) {
        use super::Action;
        use super::focus::Dir;
        let rows = self.picker_rows();
        let Some(Overlay::Variables(mut picker)) = self.overlay.take() else {
            return;
        };
        let highlighted = rows
            .get(picker.cursor.min(rows.len().saturating_sub(1)))
            .cloned();
        match action {
            Action::Back => return,
            Action::Focus(Dir::Up) => picker.cursor = picker.cursor.saturating_sub(1),
            Action::Focus(Dir::Down) => {
                picker.cursor = (picker.cursor + 1).min(rows.len().saturating_sub(1));
            }
            Action::InputBackspace => {
                picker.filter.pop();
                picker.cursor = 0;
            }
            Action::Input(' ') if picker.variable.is_some() => {
                let multi = picker
                    .variable
                    .is_some_and(|i| self.layout.variables[i].multi);
                if let (true, Some(value)) = (multi, highlighted) {
                    match picker.ticked.iter().position(|t| *t == value) {
                        Some(at) => {
                            picker.ticked.remove(at);
                        }
                        // All and values exclude each other.
                        None if value == ALL => picker.ticked = vec![value],
                        None => {
                            picker.ticked.retain(|t| t != ALL);
                            picker.ticked.push(value);
                        }
                    }
                }
            }
            Action::Input(c) => {
                picker.filter.push(c);
                picker.cursor = 0;
            }
            Action::Submit => match (picker.variable, highlighted) {
                (None, Some(name)) => {
                    if let Some(i) = self.variable_index(&name) {
                        self.choose_variable(&mut picker, i);
                    }
                }
                (Some(i), highlighted) => {
                    let multi = self.layout.variables[i].multi;
                    let values = match (multi && !picker.ticked.is_empty(), highlighted) {
                        (true, _) => picker.ticked.clone(),
                        (false, Some(value)) => vec![value],
                        (false, None) => {
                            self.overlay = Some(Overlay::Variables(picker));
                            return;
                        }
                    };
                    self.variables.given[i] = true;
                    self.select(i, Selection::of(values));
                    return;
                }
                (None, None) => {}
            },
            _ => {}
        }
        self.overlay = Some(Overlay::Variables(picker));
    }

    fn variable_index(&self, name: &str) -> Option<usize> {
        self.layout.variables.iter().position(|v| v.name == name)
    }

    /// Applies a new selection of variable `i`: dependents' options are asked again, and
    /// the queries whose expansion changed are re-polled with a fresh history.
    fn select(&mut self, i: usize, selection: Selection) {
        if self.variables.selections[i] == selection {
            return;
        }
        self.variables.selections[i] = selection;
        self.changed(i);
    }

    fn changed(&mut self, i: usize) {
        let name = self.layout.variables[i].name.clone();
        for j in i + 1..self.layout.variables.len() {
            if self.layout.variables[j]
                .depends_on()
                .contains(&name.as_str())
            {
                self.fetch_options(j);
            }
        }
        let changed = self.rewrite_layout();
        if self.variables.live {
            self.variables.awaiting_echo.push_back(changed.clone());
        }
        // Live, the poller re-polls what changed and echoes the choice into a recording; a
        // replayer answers ranges from the new text.
        self.outbox.push(SourceCommand::Expand {
            queries: self.polled_ids(&changed),
            selections: self.variables.pairs(),
        });
    }

    /// Asks the source for query variable `i`'s options, once the variables it uses have
    /// a value (live only: a replay has the recorded ones).
    fn fetch_options(&mut self, i: usize) {
        let variable = &self.layout.variables[i];
        let VariableKind::Query { query, .. } = &variable.kind else {
            return;
        };
        let ready = variable.depends_on().iter().all(|name| {
            self.variable_index(name)
                .is_some_and(|d| self.variables.resolved(d))
        });
        if !ready || !self.variables.live {
            return;
        }
        let bounds = self.variables.bounds();
        let expanded = |text: &str| expand(text, &bounds, Format::Query);
        let query = match query {
            OptionsQuery::LabelValues { selector, label } => OptionsQuery::LabelValues {
                selector: selector.as_deref().map(expanded),
                // A label named by a variable (`label_values(m, $label)`) is a name, unquoted.
                label: expand(label, &bounds, Format::Raw),
            },
            OptionsQuery::QueryResult { expr } => OptionsQuery::QueryResult {
                expr: expanded(expr),
            },
        };
        self.outbox.push(SourceCommand::VariableOptions {
            name: variable.name.clone(),
            query,
        });
        self.variables.answers[i].clear();
    }

    /// Backend `backend`'s options of variable `name` arrived: the options are the union
    /// of every backend's answer (a failure only when none answered with options), and a
    /// selection they no longer hold falls back to the default or the first option.
    pub(super) fn options_arrived(
        &mut self,
        backend: usize,
        name: &str,
        result: Result<Vec<String>, PromError>,
    ) {
        let Some(i) = self.variable_index(name) else {
            return;
        };
        let answers = &mut self.variables.answers[i];
        if answers.len() <= backend {
            answers.resize(backend + 1, None);
        }
        answers[backend] = Some(result);
        let Some(result) = options_union(answers) else {
            return;
        };
        let raw = match result {
            Ok(raw) => raw,
            Err(e) => {
                self.variables.errors[i] = Some(e.to_string());
                return;
            }
        };
        self.variables.errors[i] = None;
        let variable = &self.layout.variables[i];
        let mut options: Vec<String> = Vec::new();
        for option in raw {
            let kept = match &variable.kind {
                VariableKind::Query {
                    regex: Some(regex), ..
                } => regex.apply(&option),
                _ => Some(option),
            };
            if let Some(kept) = kept.filter(|k| !options.contains(k)) {
                options.push(kept);
            }
        }
        let selection = &self.variables.selections[i];
        // No options at all: Grafana selects All where offered, else its empty value (None);
        // a value the user gave is kept, as there is nothing to prefer to it.
        let none = options.is_empty();
        let kept = none
            && !selection.values.is_empty()
            && (self.variables.given[i] || selection.values.iter().all(String::is_empty));
        let holds = selection.all
            || kept
            || (!selection.values.is_empty()
                && selection.values.iter().all(|v| options.contains(v)));
        let every_option = selection.all && variable.all_value.is_none();
        let fallback = match (&variable.default[..], options.first()) {
            (_, None) if variable.include_all => Selection::of(vec![ALL.to_string()]),
            (_, None) => Selection::of(vec![String::new()]),
            ([], Some(first)) => Selection::of(vec![first.clone()]),
            (default, _) => Selection::of(default.to_vec()),
        };
        let options_changed = self.variables.options[i].as_ref() != Some(&options);
        self.variables.options[i] = Some(options);
        if kept && self.variables.given[i] && options_changed {
            self.notice = Some(format!(
                "${name}: Prometheus offers no options; keeping {}",
                shown(selection)
            ));
        }
        if !holds {
            if !selection.values.is_empty() {
                self.notice = Some(format!(
                    "${name}: {} is not among its options now; using {} instead",
                    shown(selection),
                    shown(&fallback)
                ));
            }
            self.variables.given[i] = false;
            self.select(i, fallback);
        } else if every_option && options_changed {
            // All stands for every option: the expansion follows the options.
            self.changed(i);
        }
    }

    /// A selection recorded (or echoed by the live poller): a replay shows the choice.
    pub(super) fn selections_arrived(&mut self, pairs: Vec<(String, Selection)>) {
        // Live, the echo may be of a choice already replaced by a newer one.
        if self.variables.live {
            self.variables.awaiting_echo.pop_front();
            return;
        }
        let mut moved = false;
        for (name, selection) in pairs {
            if let Some(i) = self.variable_index(&name)
                && self.variables.selections[i] != selection
            {
                self.variables.selections[i] = selection;
                moved = true;
            }
        }
        if moved {
            // A replay's choice moved: the replayer answers ranges from the new text.
            let changed = self.rewrite_layout();
            self.outbox.push(SourceCommand::Expand {
                queries: self.polled_ids(&changed),
                selections: self.variables.pairs(),
            });
        }
    }

    fn polled_ids(&self, ids: &[QueryId]) -> Vec<(QueryId, String)> {
        ids.iter()
            .map(|&id| (id, self.polled(&self.layout.queries[id]).expr))
            .collect()
    }

    /// Whether `event` answers a query for the text a new selection replaced (it was
    /// under way, or waiting in the channel, when the choice changed).
    pub(super) fn answers_old_text(&self, event: &crate::event::DataEvent) -> bool {
        use crate::event::DataEvent;
        let id = match event {
            DataEvent::Instant { id, .. }
            | DataEvent::Range { id, .. }
            | DataEvent::SeriesOmitted { id, .. }
            | DataEvent::Warnings { id, .. } => id,
            _ => return false,
        };
        self.variables
            .awaiting_echo
            .iter()
            .any(|ids| ids.contains(id))
    }

    pub(super) fn keep_recorded_choices(&mut self, choices: Vec<(f64, Vec<(String, Selection)>)>) {
        self.variables.recorded_choices = choices;
        if let Some(position) = self.replay.as_ref().map(|r| r.position) {
            self.follow_recorded_choice(position);
        }
    }

    /// Shows the recorded choice in force at `position` of a replay (after a seek, the
    /// event that made it may lie before the history replayed).
    pub(super) fn follow_recorded_choice(&mut self, position: f64) {
        // Before the first recorded choice (the recording's first moments), the first.
        let choices = &self.variables.recorded_choices;
        let in_force = choices
            .iter()
            .rev()
            .find(|(at, _)| *at <= position)
            .or(choices.first())
            .map(|(_, pairs)| pairs.clone());
        if let Some(pairs) = in_force {
            self.selections_arrived(pairs);
        }
    }

    /// Takes the queries added to the layout after it loaded (local rules') as written.
    pub(super) fn adopt_added_queries(&mut self) {
        let known = self.variables.templates.queries.len();
        let added = self.layout.queries.get(known..).unwrap_or_default();
        self.variables
            .templates
            .queries
            .extend(added.iter().cloned());
    }

    /// Rewrites the layout's queries and titles from their templates for the current
    /// selection; returns the queries whose text changed (their history is forgotten).
    pub(super) fn rewrite_layout(&mut self) -> Vec<QueryId> {
        if self.layout.variables.is_empty() {
            return Vec::new();
        }
        let bounds = self.variables.bounds();
        let query = |text: &str| expand(text, &bounds, Format::Query);
        let title = |text: &str| expand(text, &bounds, Format::Text);
        let templates = &self.variables.templates;
        let mut changed = Vec::new();
        for (id, (def, template)) in self
            .layout
            .queries
            .iter_mut()
            .zip(&templates.queries)
            .enumerate()
        {
            let expr = query(&template.expr);
            if def.expr != expr {
                def.expr = expr;
                changed.push(id);
            }
        }
        // Grafana writes a legend's variables first (`{{$label}}` → `{{job}}`), then the
        // series' labels.
        let legend = |template: &Option<String>| template.as_deref().map(title);
        let spec = |spec: &mut ChartSpec, template: &ChartSpec| {
            spec.title = title(&template.title);
            for (q, t) in spec.queries.iter_mut().zip(&template.queries) {
                q.expr = query(&t.expr);
                q.legend = legend(&t.legend);
            }
        };
        for (tab, template) in self.layout.tabs.iter_mut().zip(&templates.tabs) {
            tab.title = title(&template.title);
            for (row, template) in tab.rows.iter_mut().zip(&template.rows) {
                for (panel, template) in row.panels.iter_mut().zip(&template.panels) {
                    panel.title = title(&template.title);
                    for (q, t) in panel.queries.iter_mut().zip(&template.queries) {
                        q.legend = legend(&t.legend);
                    }
                    for (k, t) in panel.kpis.iter_mut().zip(&template.kpis) {
                        k.query.legend = legend(&t.query.legend);
                    }
                    let drills = panel.drill.iter_mut().zip(&template.drill).chain(
                        panel
                            .kpis
                            .iter_mut()
                            .zip(&template.kpis)
                            .filter_map(|(k, t)| k.drill.as_mut().zip(t.drill.as_ref())),
                    );
                    for (drill, template) in drills {
                        if let (Some(q), Some(t)) = (&mut drill.query, &template.query) {
                            q.expr = query(&t.expr);
                        }
                        for (p, t) in drill
                            .breakdown
                            .panels
                            .iter_mut()
                            .zip(&template.breakdown.panels)
                        {
                            spec(p, t);
                        }
                    }
                }
            }
        }
        for &id in &changed {
            self.store.reset_query(id);
            for store in self.other_stores() {
                store.reset_query(id);
            }
        }
        changed
    }
}

mod flags;
#[cfg(test)]
mod tests;
