//! spheroseg-top: a live, keyboard-driven terminal dashboard for SpherosegV4, fed by
//! Prometheus. The modules, from the edge inwards:
//!
//! - [`launch`] and [`cli`]: the command line, the event loop, start-up and exit codes;
//! - [`app`]: the state and the one place it changes;
//! - [`source`] and [`prom`]: the data sources (live polling, replay) and Prometheus' API;
//! - [`store`] and [`view`]: what is known, and what it means right now;
//! - [`ui`]: drawing, a pure function of the state;
//! - [`session`]: recording a session to a file and reading it back for replay;
//! - [`report`]: the incident report of a recording (Markdown or JSON);
//! - [`config`] and [`model`]: layouts, themes, units and thresholds;
//! - [`variables`]: template variables (`$job`) and how they expand in queries and titles;
//! - [`alerts`]: rule files, local alert evaluation, Prometheus' own alerts and rules;
//! - [`demo`] and [`sim`]: a real Prometheus scraping a simulated SpherosegV4;
//! - [`logbook`]: the app's own log, kept for the log pane.

pub mod alerts;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod event;
pub mod import;
pub mod launch;
pub mod logbook;
pub mod model;
pub mod prom;
pub mod report;
pub mod session;
pub mod sim;
pub mod source;
pub mod store;
pub mod ui;
pub mod variables;
pub mod view;
