//! Pictures of the screen: a drawn [`Buffer`] as SVG (what the user sees — colours,
//! borders, braille charts — as monospace text on background rectangles) and as plain text.
//! Pure functions of the buffer, so a screenshot is exactly the frame the terminal got.

use crate::app::App;
use crate::config::Theme;
use crate::config::colour_depth::rgb;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};
use std::fmt::Write as _;

/// Font size in pixels, and the cell it gives in a monospace font (0.6 em wide, 1.2 em
/// high): every run is placed on the cell grid and stretched to its cells, so columns stay
/// aligned whatever font the viewer picks.
const FONT_SIZE: f64 = 14.0;
const CELL_WIDTH: f64 = 8.4;
const CELL_HEIGHT: f64 = 17.0;
/// From a cell's top to the text's baseline.
const BASELINE: f64 = 13.0;

/// The colours the terminal itself draws with where the screen says `Reset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Canvas {
    pub foreground: (u8, u8, u8),
    pub background: (u8, u8, u8),
}

impl Canvas {
    /// The theme's text colour on a background that suits it: dark under light text, light
    /// under dark text (a theme leaves the background to the terminal).
    pub fn for_theme(theme: &Theme) -> Canvas {
        const DARK: (u8, u8, u8) = (0x1e, 0x1e, 0x2e);
        const LIGHT: (u8, u8, u8) = (0xef, 0xf1, 0xf5);
        let foreground = theme.text.fg.and_then(rgb).unwrap_or((0xd0, 0xd0, 0xd0));
        let (r, g, b) = foreground;
        let luminance = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
        let background = match theme.text.bg.and_then(rgb) {
            Some(bg) => bg,
            None if luminance >= 128.0 => DARK,
            None => LIGHT,
        };
        Canvas {
            foreground,
            background,
        }
    }
}

/// The frame [`super::render`] draws for `app` on a `width`×`height` screen, off-screen.
pub fn frame(app: &App, width: u16, height: u16) -> Buffer {
    let draw = || -> Result<Buffer, std::convert::Infallible> {
        let mut terminal = Terminal::new(TestBackend::new(width, height))?;
        terminal.draw(|frame| super::render(frame, app))?;
        Ok(terminal.backend().buffer().clone())
    };
    match draw() {
        Ok(buffer) => buffer,
        Err(never) => match never {},
    }
}

/// The buffer's text, one line per row, trailing spaces kept (the screen's exact width).
pub fn to_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The buffer as an SVG document: a background, a rectangle per run of cells with their
/// own background, and one `<text>` per run of cells in the same style.
pub fn to_svg(buffer: &Buffer, canvas: Canvas) -> String {
    let area = buffer.area;
    let width = f64::from(area.width) * CELL_WIDTH;
    let height = f64::from(area.height) * CELL_HEIGHT;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.1}" height="{height:.1}" viewBox="0 0 {width:.1} {height:.1}" font-family="'DejaVu Sans Mono', Menlo, Consolas, monospace" font-size="{FONT_SIZE}">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect width="100%" height="100%" fill="{}"/>"#,
        hex(canvas.background)
    );
    let mut texts = String::new();
    for y in area.top()..area.bottom() {
        for run in runs(buffer, y, canvas) {
            let x = f64::from(run.column - area.left()) * CELL_WIDTH;
            let top = f64::from(y - area.top()) * CELL_HEIGHT;
            let length = f64::from(run.cells) * CELL_WIDTH;
            if run.look.background != canvas.background {
                let _ = writeln!(
                    svg,
                    r#"<rect x="{x:.1}" y="{top:.1}" width="{length:.1}" height="{CELL_HEIGHT:.1}" fill="{}"/>"#,
                    hex(run.look.background)
                );
            }
            let mut attributes = format!(r#" fill="{}""#, hex(run.look.foreground));
            let modifiers = run.look.modifiers;
            if modifiers.contains(Modifier::BOLD) {
                attributes.push_str(r#" font-weight="bold""#);
            }
            if modifiers.contains(Modifier::ITALIC) {
                attributes.push_str(r#" font-style="italic""#);
            }
            if modifiers.contains(Modifier::DIM) {
                attributes.push_str(r#" fill-opacity="0.6""#);
            }
            if modifiers.contains(Modifier::UNDERLINED) {
                attributes.push_str(r#" text-decoration="underline""#);
            }
            if modifiers.contains(Modifier::CROSSED_OUT) {
                attributes.push_str(r#" text-decoration="line-through""#);
            }
            let _ = writeln!(
                texts,
                r#"<text xml:space="preserve" x="{x:.1}" y="{:.1}" textLength="{length:.1}" lengthAdjust="spacingAndGlyphs"{attributes}>{}</text>"#,
                top + BASELINE,
                escape(&run.text)
            );
        }
    }
    svg.push_str(&texts);
    svg.push_str("</svg>\n");
    svg
}

/// How a cell looks, with `Reset` and `REVERSED` resolved.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Look {
    foreground: (u8, u8, u8),
    background: (u8, u8, u8),
    modifiers: Modifier,
}

/// Cells of one row in the same look.
struct Run {
    column: u16,
    cells: u16,
    text: String,
    look: Look,
}

fn look(cell: &Cell, canvas: Canvas) -> Look {
    let colour = |c: Color, default| rgb(c).unwrap_or(default);
    let mut foreground = colour(cell.fg, canvas.foreground);
    let mut background = colour(cell.bg, canvas.background);
    if cell.modifier.contains(Modifier::REVERSED) {
        std::mem::swap(&mut foreground, &mut background);
    }
    if cell.modifier.contains(Modifier::HIDDEN) {
        foreground = background;
    }
    Look {
        foreground,
        background,
        // What changes drawing, not what was resolved above.
        modifiers: cell.modifier - Modifier::REVERSED - Modifier::HIDDEN,
    }
}

fn runs(buffer: &Buffer, y: u16, canvas: Canvas) -> Vec<Run> {
    let area = buffer.area;
    let mut runs: Vec<Run> = Vec::new();
    for x in area.left()..area.right() {
        let cell = &buffer[(x, y)];
        let cell_look = look(cell, canvas);
        match runs.last_mut() {
            Some(run) if run.look == cell_look => {
                run.cells += 1;
                run.text.push_str(cell.symbol());
            }
            _ => runs.push(Run {
                column: x,
                cells: 1,
                text: cell.symbol().to_string(),
                look: cell_look,
            }),
        }
    }
    runs
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows no other control characters; the screen shows none.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    const CANVAS: Canvas = Canvas {
        foreground: (200, 200, 200),
        background: (0, 0, 0),
    };

    #[test]
    fn one_text_per_run_of_the_same_style_and_a_rect_per_background() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 6, 1));
        buffer.set_string(0, 0, "ab", Style::new().fg(Color::Rgb(255, 0, 0)));
        buffer.set_string(2, 0, "<&", Style::new().bg(Color::Indexed(21)));
        let svg = to_svg(&buffer, CANVAS);
        assert_eq!(svg.matches("<text").count(), 3, "{svg}");
        assert!(svg.contains(r##"fill="#ff0000">ab</text>"##), "{svg}");
        assert!(svg.contains("&lt;&amp;</text>"), "{svg}");
        assert!(
            svg.contains(r##"width="16.8" height="17.0" fill="#0000ff""##),
            "{svg}"
        );
        assert_eq!(to_text(&buffer), "ab<&  \n");
    }

    #[test]
    fn reversed_cells_swap_colours() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 1, 1));
        buffer.set_string(0, 0, "x", Style::new().add_modifier(Modifier::REVERSED));
        let svg = to_svg(&buffer, CANVAS);
        assert!(
            svg.contains(r##"fill="#c8c8c8"/>"##),
            "background rect: {svg}"
        );
        assert!(svg.contains(r##"fill="#000000">x</text>"##), "{svg}");
    }
}
