//! The mouse through the app's own path: a cell of the drawn screen → `ui::hit::target`
//! (the renderer's geometry) → `Msg::Mouse` → `App::update`. Clicks switch tabs and focus
//! panels and KPI rows, a double click drills in, the wheel moves through a table's rows
//! and zooms a drill view.

#![allow(clippy::unwrap_used)]

mod common;

use common::{app, lines, render};
use ratatui::layout::Rect;
use spheroseg_top::app::focus::Focus;
use spheroseg_top::app::mouse::{MouseAction, MouseTarget};
use spheroseg_top::app::{Action, App, Msg};
use spheroseg_top::config::Layout;
use spheroseg_top::ui::hit;

const SIZE: (u16, u16) = (120, 36);

fn dashboard() -> App {
    let mut app = app(Layout::load("spheroseg").unwrap(), "http://127.0.0.1:1");
    app.update(Msg::Action(Action::Resize(SIZE.0, SIZE.1)));
    app
}

/// The cell where `text` starts on the screen (the first line holding it).
fn cell_of(app: &App, text: &str) -> (u16, u16) {
    let screen = lines(&render(app, SIZE.0, SIZE.1));
    let (y, line) = screen
        .iter()
        .enumerate()
        .find(|(_, l)| l.contains(text))
        .unwrap_or_else(|| panic!("{text:?} not on screen:\n{}", screen.join("\n")));
    let x = line[..line.find(text).unwrap()].chars().count();
    (x as u16, y as u16)
}

fn press(app: &mut App, action: MouseAction, (x, y): (u16, u16)) -> Option<MouseTarget> {
    let target = hit::target(app, Rect::new(0, 0, SIZE.0, SIZE.1), x, y)?;
    app.update(Msg::Mouse { action, target });
    Some(target)
}

fn press_on(app: &mut App, action: MouseAction, text: &str) -> Option<MouseTarget> {
    let cell = cell_of(app, text);
    press(app, action, cell)
}

#[test]
fn a_click_on_a_tab_switches_to_it_at_any_width() {
    for width in [60, 80, 120] {
        let mut app = dashboard();
        for tab in [4, 7, 0] {
            let screen = lines(&render(&app, width, 24));
            let number = format!(" {}", tab + 1);
            let x = screen[0]
                .find(&number)
                .map(|b| screen[0][..b].chars().count() + 1)
                .unwrap();
            let target = hit::target(&app, Rect::new(0, 0, width, 24), x as u16, 0);
            assert_eq!(
                target,
                Some(MouseTarget::Tab(tab)),
                "{width}: {}",
                screen[0]
            );
            app.update(Msg::Mouse {
                action: MouseAction::Click,
                target: target.unwrap(),
            });
            assert_eq!(app.tab(), tab);
        }
    }
}

#[test]
fn a_click_focuses_a_kpi_row_and_a_double_click_drills_into_it() {
    let mut app = dashboard();
    let target = press_on(&mut app, MouseAction::Click, "Error rate");
    assert_eq!(
        target,
        Some(MouseTarget::KpiRow {
            row: 0,
            col: 0,
            kpi: 1
        })
    );
    assert_eq!(
        app.focus(),
        Focus {
            row: 0,
            col: 0,
            kpi: 1
        }
    );
    assert!(
        lines(&render(&app, SIZE.0, SIZE.1))
            .iter()
            .any(|l| l.contains("▸Error rate"))
    );

    // Another panel: the Database table's third row.
    press_on(&mut app, MouseAction::Click, "Replication lag");
    assert_eq!(
        app.focus(),
        Focus {
            row: 0,
            col: 1,
            kpi: 2
        }
    );

    // The wheel moves through the table's rows, never out of the table.
    press_on(&mut app, MouseAction::WheelUp, "Replication lag");
    assert_eq!(app.focus().kpi, 1);
    for _ in 0..5 {
        press_on(&mut app, MouseAction::WheelDown, "Query time");
    }
    assert_eq!(
        app.focus(),
        Focus {
            row: 0,
            col: 1,
            kpi: 2
        }
    );

    // A panel without rows: its border focuses it.
    let (x, y) = cell_of(&app, "Requests");
    press(&mut app, MouseAction::Click, (x, y + 1));
    assert_eq!((app.focus().row, app.focus().col), (1, 0));

    assert!(app.drill().is_empty());
    press_on(&mut app, MouseAction::DoubleClick, "Replication lag");
    assert_eq!(app.drill().len(), 1, "drilled into the lag");
    let screen = lines(&render(&app, SIZE.0, SIZE.1)).join("\n");
    assert!(screen.contains("Overview › Replication lag"), "{screen}");

    // In a drill view the wheel zooms its chart.
    let before = *app.time();
    let target = press(&mut app, MouseAction::WheelDown, (60, 10));
    assert_eq!(target, Some(MouseTarget::Drill));
    assert_ne!(*app.time(), before, "zoomed out");
}

#[test]
fn nothing_is_under_the_pointer_over_help_or_the_status_bar() {
    let mut app = dashboard();
    let screen = Rect::new(0, 0, SIZE.0, SIZE.1);
    assert_eq!(hit::target(&app, screen, 5, SIZE.1 - 1), None, "status bar");
    app.update(Msg::Action(Action::ToggleHelp));
    assert_eq!(hit::target(&app, screen, 5, 5), None, "help is open");
    assert_eq!(
        hit::target(&app, Rect::new(0, 0, 10, 3), 1, 1),
        None,
        "too small"
    );
}

/// The real binary in tmux: an SGR mouse click (as a terminal sends it) on tab 5 switches
/// to it; the mouse is captured while the dashboard runs, released when it quits, and never
/// captured with --no-mouse. Needs tmux: missing, the test fails.
#[test]
fn in_tmux_a_click_switches_tabs_and_quitting_releases_the_mouse() {
    let socket = format!("spheroseg-mouse-{}", std::process::id());
    let tmux = |args: &[&str]| -> String {
        let output = std::process::Command::new("tmux")
            .args(["-L", &socket])
            .args(args)
            .output()
            .expect("this test needs tmux");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let wait = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !done() {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}; the pane shows:\n{}",
                tmux(&["capture-pane", "-p", "-t", "dash"])
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    let binary = env!("CARGO_BIN_EXE_spheroseg-top");
    let config = tempfile::tempdir().unwrap();
    let start = |flags: &str| {
        let command = format!(
            "XDG_CONFIG_HOME={} {binary} {flags} --prometheus http://127.0.0.1:1; sleep 30",
            config.path().display()
        );
        let tab_bar = || tmux(&["capture-pane", "-p", "-t", "dash"]).contains(" 5 ");
        // In two of three full-suite runs on the CI machine the first session once showed
        // nothing for 30 s (never when run alone): a second start tells a lost tmux
        // session from a dashboard that never draws, which fails below with the pane.
        for attempt in 1..=2 {
            tmux(&["kill-server"]);
            let started = std::process::Command::new("tmux")
                .args(["-L", &socket, "new-session", "-d", "-s", "dash"])
                .args(["-x", "100", "-y", "30", &command])
                .output()
                .expect("this test needs tmux");
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while !tab_bar() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            if tab_bar() {
                return;
            }
            eprintln!(
                "attempt {attempt}: no tab bar; new-session said {:?}; sessions: {:?}",
                String::from_utf8_lossy(&started.stderr),
                tmux(&["list-sessions"])
            );
        }
        wait("the tab bar", &tab_bar);
    };
    let mouse_flag = || tmux(&["display", "-p", "-t", "dash", "#{mouse_any_flag}"]);

    start("");
    wait("mouse capture", &|| mouse_flag().trim() == "1");
    let bar = tmux(&["capture-pane", "-p", "-t", "dash"])
        .lines()
        .next()
        .unwrap()
        .to_string();
    let column = bar[..bar.find(" 5 ").unwrap()].chars().count() + 2;
    // SGR: ESC [ < button ; column ; line M (press) / m (release), 1-based.
    for end in ['M', 'm'] {
        tmux(&[
            "send-keys",
            "-t",
            "dash",
            "-l",
            &format!("\x1b[<0;{column};1{end}"),
        ]);
    }
    wait("tab 5 active", &|| {
        let screen = tmux(&["capture-pane", "-p", "-t", "dash"]);
        screen.lines().next().unwrap_or("").contains(" 5 Database ")
            && screen.contains("Database performance")
    });
    tmux(&["send-keys", "-t", "dash", "q"]);
    wait("the mouse released on quitting", &|| {
        mouse_flag().trim() == "0"
    });

    start("--no-mouse");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(
        mouse_flag().trim(),
        "0",
        "--no-mouse leaves the mouse alone"
    );
    tmux(&["kill-server"]);
}
