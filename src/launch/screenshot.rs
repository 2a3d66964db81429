//! Pictures of the dashboard: `e` saves the screen as drawn now, and `spheroseg-top
//! screenshot` draws one frame off-screen after one poll. Both go through
//! [`ui::svg`](crate::ui::svg), so a file holds exactly the frame a terminal would get.

use super::backends::Backend;
use super::connect;
use super::snapshot::tab_index;
use super::{Config, InvalidInput};
use crate::app::{Action, App, Msg, SourceInfo};
use crate::cli::{Options, ScreenshotArgs};
use crate::clock::unix_now;
use crate::event::DataEvent;
use crate::source::live::PollerConfig;
use crate::source::live::backends::spawn_each;
use crate::ui::svg::{self, Canvas};
use anyhow::Context as _;
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;

/// `e`: the screen as the user sees it, into the export directory as SVG and text; the
/// status bar says where (or why not).
pub fn save(app: &mut App) {
    let (width, height) = app.size();
    let buffer = svg::frame(app, width, height);
    let canvas = Canvas::for_theme(app.theme());
    let notice = match write_pair(app.export_dir(), &buffer, canvas) {
        Ok(path) => format!("screenshot saved: {} (and .txt)", path.display()),
        Err(e) => format!("screenshot not saved: {e:#}"),
    };
    app.update(Msg::Notice(notice));
}

/// Names tried in one second before giving up: more screenshots than anyone takes.
const NAMES_PER_SECOND: u32 = 1000;

/// Writes the pair as `spheroseg-top-YYYYMMDD-HHMMSS.svg` and `.txt`, with `-2`, `-3`…
/// when taken in the same second. Both are new files: whatever already has the name — a
/// file, or a symlink planted to make us write elsewhere — is left alone and the next name
/// taken.
fn write_pair(
    dir: &Path,
    buffer: &ratatui::buffer::Buffer,
    canvas: Canvas,
) -> anyhow::Result<PathBuf> {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    for n in 1..=NAMES_PER_SECOND {
        let svg_path = dir.join(match n {
            1 => format!("spheroseg-top-{stamp}.svg"),
            n => format!("spheroseg-top-{stamp}-{n}.svg"),
        });
        let text_path = svg_path.with_extension("txt");
        let Some(mut svg_file) = create_new(&svg_path)? else {
            continue;
        };
        let Some(mut text_file) = create_new(&text_path)? else {
            // Ours and still empty: the pair moves on to the next name together.
            drop(svg_file);
            let _ = std::fs::remove_file(&svg_path);
            continue;
        };
        svg_file
            .write_all(svg::to_svg(buffer, canvas).as_bytes())
            .with_context(|| format!("writing {}", svg_path.display()))?;
        text_file
            .write_all(svg::to_text(buffer).as_bytes())
            .with_context(|| format!("writing {}", text_path.display()))?;
        return Ok(svg_path);
    }
    anyhow::bail!(
        "{} already holds {NAMES_PER_SECOND} screenshots of this second",
        dir.display()
    )
}

/// `path` opened as a new file (`O_CREAT | O_EXCL`, which never follows a symlink); `None`
/// when something already has that name.
fn create_new(path: &Path) -> anyhow::Result<Option<File>> {
    match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
        Err(e) => Err(e).with_context(|| format!("creating {}", path.display())),
    }
}

/// `spheroseg-top screenshot`: one poll (instant answers, history backfills, alerts and
/// rules) by the real poller of every backend, then one frame of the asked tab at the
/// asked size.
pub async fn run(
    options: &Options,
    backends: &[Backend],
    config: Config,
    args: &ScreenshotArgs,
) -> anyhow::Result<()> {
    let tab = match &args.tab {
        Some(name) => tab_index(&config.layout, name)?,
        None => 0,
    };
    let connect::Connected {
        servers,
        label,
        notes,
        ..
    } = connect::each(backends)?;
    notes
        .iter()
        .for_each(|note| eprintln!("warning: {}", note.full));
    let first = servers[0].servers.first().clone();
    let refresh = options.refresh.unwrap_or(Duration::from_secs(5));
    let source = SourceInfo {
        label,
        refresh,
        note: None,
    };
    let chosen = crate::app::variables::choices(&config.layout, &options.vars)
        .map_err(|e| InvalidInput(e.to_string()))?;
    let mut app = App::new(config.layout, config.theme, source)
        .with_rules(&config.rules)
        .with_variables(chosen, options.scrape_interval)
        .with_backends(super::backends::names(backends));
    let (width, height) = args.size;
    app.update(Msg::Action(Action::Resize(width, height)));
    app.update(Msg::Action(Action::SelectTab(tab)));
    let mut waiting: Vec<Waiting> = servers
        .iter()
        .map(|b| Waiting::new(&app, b.alertmanager.is_some()))
        .collect();
    let (events, mut answers) = mpsc::channel(1024);
    let config = PollerConfig {
        queries: app.polled_queries(),
        refresh,
        concurrency: options.concurrency,
        alertmanager: None,
    };
    let pollers = spawn_each(servers, &config, events);
    // Every answer in, or the time a slow answer may take (twice: backfills queue behind
    // instant queries), whichever comes first.
    let deadline = tokio::time::Instant::now() + options.query_timeout * 2;
    while !waiting.iter().all(Waiting::is_done) {
        let Ok(Some(event)) = tokio::time::timeout_at(deadline, answers.recv()).await else {
            break;
        };
        match &event {
            DataEvent::Backend { backend, event } => {
                waiting
                    .get_mut(*backend)
                    .into_iter()
                    .for_each(|w| w.seen(event));
            }
            event => waiting[0].seen(event),
        }
        app.update(Msg::Data(event));
    }
    drop(pollers);
    app.update(Msg::Tick(unix_now()));
    // An empty panel says why as `snapshot` does, not only that the query returned nothing.
    let deadline = tokio::time::Instant::now() + options.query_timeout;
    super::snapshot::explain_empty(&mut app, &first, options, deadline).await;
    write_frame(&app, args)
}

/// The frame into `-o`: plain text for a `.txt`, else SVG.
fn write_frame(app: &App, args: &ScreenshotArgs) -> anyhow::Result<()> {
    let (width, height) = args.size;
    let buffer = svg::frame(app, width, height);
    let output = &args.output;
    let is_text = output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("txt"));
    let content = if is_text {
        svg::to_text(&buffer)
    } else {
        svg::to_svg(&buffer, Canvas::for_theme(app.theme()))
    };
    std::fs::write(output, content)
        .map_err(|e| InvalidInput(format!("-o: cannot write {}: {e}", output.display())))?;
    Ok(())
}

/// What one poll has still to bring.
struct Waiting {
    instants: HashSet<usize>,
    ranges: HashSet<usize>,
    alerts: bool,
    rules: bool,
    alertmanager: bool,
}

impl Waiting {
    fn new(app: &App, alertmanager: bool) -> Waiting {
        let queries = &app.layout().queries;
        Waiting {
            instants: (0..queries.len()).collect(),
            ranges: (0..queries.len())
                .filter(|&id| queries[id].history.is_some())
                .collect(),
            alerts: true,
            rules: true,
            alertmanager,
        }
    }

    fn seen(&mut self, event: &DataEvent) {
        match event {
            DataEvent::Instant { id, .. } => {
                self.instants.remove(id);
            }
            DataEvent::Range { id, .. } => {
                self.ranges.remove(id);
            }
            DataEvent::Alerts { .. } => self.alerts = false,
            DataEvent::Rules { .. } => self.rules = false,
            DataEvent::Alertmanager { .. } => self.alertmanager = false,
            _ => {}
        }
    }

    fn is_done(&self) -> bool {
        self.instants.is_empty()
            && self.ranges.is_empty()
            && !self.alerts
            && !self.rules
            && !self.alertmanager
    }
}
