//! From the file to the model: validation serde cannot do (consistent thresholds, queries
//! the PromQL parser accepts, the right keys for each kind, drill names and placeholders),
//! with errors at the file, line, column and key; identical queries polled once.

use super::file::*;
use super::*;
use crate::config::{ConfigError, Source};
use crate::model::{Direction, Thresholds};
use std::collections::HashMap;
use toml::Spanned;

/// Turns the file into the model, checking what serde cannot: consistent thresholds,
/// queries the PromQL parser accepts, the right fields for each kind. Deduplicates queries
/// on the way.
pub(super) struct Builder<'a> {
    pub(super) source: &'a Source,
    pub(super) queries: Vec<QueryDef>,
    pub(super) index: HashMap<String, QueryId>,
    pub(super) drills: HashMap<String, Drill>,
    pub(super) variables: Vec<crate::variables::Variable>,
    /// Whether the layout has `[[slo]]`, which `slo` panels show.
    pub(super) has_slos: bool,
}

impl Builder<'_> {
    pub(super) fn error<T>(
        &self,
        span: std::ops::Range<usize>,
        key: String,
        message: String,
    ) -> Result<T, ConfigError> {
        Err(ConfigError::at(
            &self.source.origin,
            &self.source.text,
            Some(span),
            key,
            message,
        ))
    }

    pub(super) fn build(
        mut self,
        file: LayoutFile,
        source: &Source,
    ) -> Result<Layout, ConfigError> {
        if file.tabs.is_empty() {
            return self.error(
                0..0,
                "tab".into(),
                "a layout needs at least one [[tab]]".into(),
            );
        }
        self.declare_variables(file.variables)?;
        self.has_slos = !file.slos.is_empty();
        for (name, drill) in &file.drill {
            let built = self.drill(drill, &format!("drill.{name}"))?;
            self.drills.insert(name.clone(), built);
        }
        let mut tabs = Vec::with_capacity(file.tabs.len());
        for (t, tab) in file.tabs.into_iter().enumerate() {
            let path = format!("tab[{t}]");
            if tab.rows.is_empty() {
                let span = tab.title.span();
                return self.error(
                    span,
                    format!("{path}.row"),
                    format!("tab \"{}\" has no [[tab.row]]", tab.title.get_ref()),
                );
            }
            let mut rows = Vec::with_capacity(tab.rows.len());
            for (r, row) in tab.rows.into_iter().enumerate() {
                let path = format!("{path}.row[{r}]");
                let row_span = row.span();
                let row = row.into_inner();
                let height = self.positive(row.height, &format!("{path}.height"))?;
                if row.panels.is_empty() {
                    return self.error(
                        row_span,
                        format!("{path}.panel"),
                        format!(
                            "row {r} of tab \"{}\" has no [[tab.row.panel]]",
                            tab.title.get_ref()
                        ),
                    );
                }
                let mut panels = Vec::with_capacity(row.panels.len());
                for (p, panel) in row.panels.into_iter().enumerate() {
                    panels.push(self.panel(panel, &format!("{path}.panel[{p}]"))?);
                }
                rows.push(Row { height, panels });
            }
            tabs.push(Tab {
                title: tab.title.into_inner(),
                rows,
            });
        }
        let annotations = self.annotations(&file.annotations)?;
        let title = file.title.unwrap_or_else(|| "spheroseg-top".to_string());
        let slos = self.slos(&file.slos, &title)?;
        for panel in tabs
            .iter_mut()
            .flat_map(|t| &mut t.rows)
            .flat_map(|r| &mut r.panels)
            .filter(|p| p.kind.content() == Content::Slos)
        {
            panel.slos = slos.clone();
        }
        Ok(Layout {
            title,
            tabs,
            annotations,
            slos,
            queries: self.queries,
            variables: self.variables,
            source: source.clone(),
        })
    }

    fn positive(&self, value: Option<Spanned<u16>>, key: &str) -> Result<u16, ConfigError> {
        match value {
            None => Ok(1),
            Some(v) if *v.get_ref() == 0 => self.error(
                v.span(),
                key.into(),
                "must be at least 1 (it is a relative size)".into(),
            ),
            Some(v) => Ok(v.into_inner()),
        }
    }

    // Panels and KPI rows both carry `target`, `alert` and `direction` as their own keys:
    // serde's `flatten` would defeat `deny_unknown_fields` and lose the spans.
    fn thresholds(
        &self,
        target: &Option<Spanned<f64>>,
        alert: &Option<Spanned<f64>>,
        direction: Direction,
        key: &str,
    ) -> Result<Thresholds, ConfigError> {
        let t = Thresholds {
            target: target.as_ref().map(|v| *v.get_ref()),
            alert: alert.as_ref().map(|v| *v.get_ref()),
            direction,
        };
        if let (Some(alert), true) = (alert, t.is_inverted()) {
            let side = match t.direction {
                Direction::Above => "above is bad, so alert must be >= target",
                Direction::Below => "below is bad, so alert must be <= target",
            };
            return self.error(
                alert.span(),
                format!("{key}.alert"),
                format!(
                    "alert threshold {} is better than target {} ({side})",
                    alert.get_ref(),
                    t.target.unwrap_or_default()
                ),
            );
        }
        Ok(t)
    }

    fn query(
        &mut self,
        expr: &Spanned<String>,
        history: Option<Duration>,
        key: &str,
    ) -> Result<QueryId, ConfigError> {
        // Whitespace is not significant in PromQL; equal expressions are polled once.
        let normalized = self.expression(expr, key, &[])?;
        let id = *self.index.entry(normalized.clone()).or_insert_with(|| {
            self.queries.push(QueryDef {
                expr: normalized,
                history: None,
            });
            self.queries.len() - 1
        });
        let def = &mut self.queries[id];
        def.history = def.history.max(history);
        Ok(id)
    }

    fn panel(&mut self, file: PanelFile, path: &str) -> Result<Panel, ConfigError> {
        let kind = *file.kind.get_ref();
        let window = file.window.map_or(DEFAULT_WINDOW, |w| w.0);
        let history = kind.needs_history().then_some(window);
        let thresholds = self.thresholds(&file.target, &file.alert, file.direction, path)?;

        let mut queries = Vec::new();
        if let Some(q) = &file.query {
            queries.push(PanelQuery {
                id: self.query(q, history, &format!("{path}.query"))?,
                legend: file.legend.clone(),
            });
        }
        for (s, series) in file.series.iter().enumerate() {
            let key = format!("{path}.series[{s}].query");
            queries.push(PanelQuery {
                id: self.query(&series.query, history, &key)?,
                legend: series.legend.clone(),
            });
        }

        let kpis = self.content(&file, &queries, path)?;
        let (min, max) = self.gauge_bounds(&file, path)?;
        let columns = self.columns(kind, file.columns.as_ref(), path)?;
        let mappings = self.mappings(&file.mappings, path)?;
        Ok(Panel {
            title: file.title.get_ref().clone(),
            kind,
            queries,
            unit: file.unit,
            decimals: file.decimals,
            min,
            max,
            thresholds,
            width: self.positive(file.width, &format!("{path}.width"))?,
            window,
            reduce: file.reduce.unwrap_or_default(),
            description: file.description,
            drill: self.drill_ref(file.drill.as_ref(), &format!("{path}.drill"))?,
            kpis,
            columns,
            mappings,
            slos: Vec::new(),
        })
    }

    /// The keys a kind takes for its content: a KPI table its rows, the alert board and
    /// server kinds nothing, the others a query or series. Returns the KPI rows.
    fn content(
        &mut self,
        file: &PanelFile,
        queries: &[PanelQuery],
        path: &str,
    ) -> Result<Vec<Kpi>, ConfigError> {
        let title = file.title.get_ref();
        let (span, query_key) = (file.kind.span(), format!("{path}.query"));
        match file.kind.get_ref().content() {
            Content::Kpis => {
                if !queries.is_empty() {
                    return self.error(span, query_key, format!("panel \"{title}\": a kpi_table takes its queries from [[...kpi]] rows, not from `query` or `series`"));
                }
                if file.kpis.is_empty() {
                    return self.error(span, format!("{path}.kpi"), format!("panel \"{title}\": a kpi_table needs at least one [[tab.row.panel.kpi]] row"));
                }
                let mut kpis = Vec::with_capacity(file.kpis.len());
                for (k, kpi) in file.kpis.iter().enumerate() {
                    let key = format!("{path}.kpi[{k}]");
                    kpis.push(Kpi {
                        name: kpi.name.get_ref().clone(),
                        short: self.short_name(kpi, &key)?,
                        query: PanelQuery {
                            id: self.query(&kpi.query, None, &format!("{key}.query"))?,
                            legend: kpi.legend.clone(),
                        },
                        unit: kpi.unit,
                        decimals: kpi.decimals,
                        thresholds: self.thresholds(
                            &kpi.target,
                            &kpi.alert,
                            kpi.direction,
                            &key,
                        )?,
                        reduce: kpi.reduce.unwrap_or_default(),
                        drill: self.drill_ref(kpi.drill.as_ref(), &format!("{key}.drill"))?,
                    });
                }
                return Ok(kpis);
            }
            Content::AlertBoard if !queries.is_empty() || !file.kpis.is_empty() => {
                return self.error(span, query_key, format!("panel \"{title}\": an alerts or rules panel shows the alert board and takes no `query`, `series` or [[...kpi]]"));
            }
            Content::Server if !queries.is_empty() || !file.kpis.is_empty() => {
                return self.error(span, query_key, format!("panel \"{title}\": a targets or tsdb panel shows what Prometheus says about itself and takes no `query`, `series` or [[...kpi]]"));
            }
            Content::Slos if !queries.is_empty() || !file.kpis.is_empty() => {
                return self.error(span, query_key, format!("panel \"{title}\": an slo panel shows the layout's [[slo]] and takes no `query`, `series` or [[...kpi]]"));
            }
            Content::Slos if !self.has_slos => {
                return self.error(span, format!("{path}.kind"), format!("panel \"{title}\": an slo panel shows the layout's [[slo]], and this layout has none"));
            }
            Content::AlertBoard | Content::Server | Content::Slos => {}
            Content::Series => {
                if queries.is_empty() {
                    return self.error(
                        span,
                        query_key,
                        format!("panel \"{title}\" has no `query` and no [[...series]]"),
                    );
                }
                if let Some(first) = file.kpis.first() {
                    return self.error(
                        first.name.span(),
                        format!("{path}.kpi"),
                        format!("panel \"{title}\": only a kpi_table has [[...kpi]] rows"),
                    );
                }
            }
        }
        Ok(Vec::new())
    }

    /// A KPI's `short` name: something, and shorter than the name it stands for.
    fn short_name(&self, kpi: &KpiFile, key: &str) -> Result<Option<String>, ConfigError> {
        let Some(short) = &kpi.short else {
            return Ok(None);
        };
        let (text, name) = (short.get_ref().trim(), kpi.name.get_ref());
        if text.is_empty() || text.chars().count() >= name.chars().count() {
            return self.error(
                short.span(),
                format!("{key}.short"),
                format!("kpi \"{name}\": `short` must be a non-empty name shorter than the name (it is shown where the name does not fit)"),
            );
        }
        Ok(Some(text.to_string()))
    }

    /// Resolves `drill = "NAME"` to a declared `[drill.NAME]`.
    fn drill_ref(
        &self,
        name: Option<&Spanned<String>>,
        key: &str,
    ) -> Result<Option<Drill>, ConfigError> {
        let Some(name) = name else {
            return Ok(None);
        };
        match self.drills.get(name.get_ref()) {
            Some(drill) => Ok(Some(drill.clone())),
            None => {
                let mut known: Vec<&String> = self.drills.keys().collect();
                known.sort();
                self.error(
                    name.span(),
                    key.into(),
                    format!(
                        "no [drill.{}] in this layout (declared: {known:?})",
                        name.get_ref()
                    ),
                )
            }
        }
    }

    fn drill(&self, file: &DrillFile, path: &str) -> Result<Drill, ConfigError> {
        let by = file.by.get_ref();
        if by.is_empty() || by.iter().any(|l| l.trim().is_empty()) {
            return self.error(
                file.by.span(),
                format!("{path}.by"),
                "name at least one label to break down by, e.g. by = [\"replica\"]".into(),
            );
        }
        let query = match &file.query {
            Some(q) => Some(ChartQuery {
                expr: self.expression(q, &format!("{path}.query"), &[])?,
                legend: file.legend.clone(),
            }),
            None => None,
        };
        let mut panels = Vec::with_capacity(file.panels.len());
        for (i, panel) in file.panels.iter().enumerate() {
            let key = format!("{path}.panel[{i}]");
            let mut queries = Vec::new();
            let sources = panel
                .query
                .iter()
                .map(|q| (q, panel.legend.clone(), format!("{key}.query")))
                .chain(panel.series.iter().enumerate().map(|(s, series)| {
                    (
                        &series.query,
                        series.legend.clone(),
                        format!("{key}.series[{s}].query"),
                    )
                }));
            for (expr, legend, query_key) in sources {
                self.placeholders_known(expr, by, &query_key)?;
                queries.push(ChartQuery {
                    expr: self.expression(expr, &query_key, by)?,
                    legend,
                });
            }
            if queries.is_empty() {
                return self.error(
                    panel.title.span(),
                    format!("{key}.query"),
                    format!(
                        "drill panel \"{}\" has no `query` and no [[...series]]",
                        panel.title.get_ref()
                    ),
                );
            }
            panels.push(ChartSpec {
                title: panel.title.get_ref().clone(),
                queries,
                unit: panel.unit,
                decimals: panel.decimals,
                thresholds: self.thresholds(&panel.target, &panel.alert, panel.direction, &key)?,
                breakdown: None,
            });
        }
        Ok(Drill {
            query,
            breakdown: Breakdown {
                by: by.clone(),
                panels,
            },
        })
    }

    /// Every `$name` in a drill query must be one of the labels broken down by.
    fn placeholders_known(
        &self,
        expr: &Spanned<String>,
        by: &[String],
        key: &str,
    ) -> Result<(), ConfigError> {
        let text = expr.get_ref();
        for (at, _) in text.match_indices('$') {
            let name: String = text[at + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // A bare `$` is a regex anchor, not a placeholder.
            let variable = self.variables.iter().any(|v| v.name == name)
                || crate::variables::Intervals::is_builtin(&name);
            if !name.is_empty() && !by.contains(&name) && !variable {
                return self.error(
                    expr.span(),
                    key.into(),
                    format!("`${name}` is not a label this drill breaks down by (by = {by:?})"),
                );
            }
        }
        Ok(())
    }

    /// A non-empty expression with insignificant whitespace collapsed, which the PromQL
    /// parser accepts once each `$label` in `placeholders` stands for a value.
    pub(super) fn expression(
        &self,
        expr: &Spanned<String>,
        key: &str,
        placeholders: &[String],
    ) -> Result<String, ConfigError> {
        let normalized = crate::model::query::normalize(expr.get_ref());
        if normalized.is_empty() {
            return self.error(
                expr.span(),
                key.into(),
                "query is empty; expected a PromQL expression".into(),
            );
        }
        // Longest names first, so `$pool` never eats the start of `$pool_name`.
        let mut names: Vec<&String> = placeholders.iter().collect();
        names.sort_by_key(|name| std::cmp::Reverse(name.len()));
        let example = names.iter().fold(normalized.clone(), |text, name| {
            text.replace(&format!("${name}"), "x")
        });
        self.references_known(&example, expr.span(), key, "of this layout")?;
        if let Err(message) = crate::variables::expand::check(&example, &self.variables) {
            return self.error(expr.span(), key.into(), message);
        }
        Ok(normalized)
    }

    /// Gauges need a range; ratios and percentages have a natural one.
    fn gauge_bounds(
        &self,
        file: &PanelFile,
        path: &str,
    ) -> Result<(Option<f64>, Option<f64>), ConfigError> {
        let natural_max = match file.unit {
            Unit::Ratio => Some(1.0),
            Unit::Percent => Some(100.0),
            _ => None,
        };
        let min = file.min.or(natural_max.map(|_| 0.0));
        let max = file.max.as_ref().map(|m| *m.get_ref()).or(natural_max);
        if file.kind.get_ref().needs_max() && max.is_none() {
            return self.error(
                file.kind.span(),
                format!("{path}.max"),
                format!(
                    "gauge \"{}\" needs `max` (its unit has no natural range)",
                    file.title.get_ref()
                ),
            );
        }
        if let (Some(lo), Some(hi)) = (min, max)
            && lo >= hi
        {
            let span = file
                .max
                .as_ref()
                .map_or_else(|| file.kind.span(), |m| m.span());
            return self.error(
                span,
                format!("{path}.max"),
                format!("max {hi} must be greater than min {lo}"),
            );
        }
        Ok((min, max))
    }
}
