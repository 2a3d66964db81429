//! How many colours the terminal shows, and theme colours mapped down to them: truecolor
//! themes over an old SSH client get the nearest of the xterm-256 palette or of the 16
//! ANSI colours instead of whatever the terminal makes of an RGB escape. Also the RGB
//! value of every terminal colour (xterm's defaults), for pictures of the screen.

use ratatui::style::{Color, Style};

/// What the terminal can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColourDepth {
    /// The 16 ANSI colours.
    Ansi16,
    /// The xterm-256 palette.
    Ansi256,
    /// Any RGB colour.
    TrueColor,
}

impl ColourDepth {
    /// From `COLORTERM` and `TERM`, as terminals announce themselves: `truecolor`/`24bit`
    /// in COLORTERM, else `256color` in TERM, else 16 colours (`linux`, `vt100`, `screen`,
    /// `xterm`). An unset TERM is not a terminal anyone configured: full colour.
    pub fn detect(colorterm: Option<&str>, term: Option<&str>) -> ColourDepth {
        let colorterm = colorterm.unwrap_or_default().to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" {
            return ColourDepth::TrueColor;
        }
        match term.map(str::to_ascii_lowercase) {
            None => ColourDepth::TrueColor,
            Some(term) if term.contains("direct") || term.contains("truecolor") => {
                ColourDepth::TrueColor
            }
            Some(term) if term.contains("256") => ColourDepth::Ansi256,
            Some(_) => ColourDepth::Ansi16,
        }
    }

    /// From this process's environment.
    pub fn from_environment() -> ColourDepth {
        let colorterm = std::env::var("COLORTERM").ok();
        let term = std::env::var("TERM").ok();
        ColourDepth::detect(colorterm.as_deref(), term.as_deref())
    }

    /// `colour` as this depth can show it: the nearest colour it has.
    pub fn map(self, colour: Color) -> Color {
        let Color::Rgb(r, g, b) = colour else {
            // Named colours are the 16 every terminal has; indexed ones need 256.
            return match (self, colour) {
                (ColourDepth::Ansi16, Color::Indexed(i)) => nearest_ansi16(rgb_of_index(i)),
                _ => colour,
            };
        };
        match self {
            ColourDepth::TrueColor => colour,
            ColourDepth::Ansi256 => Color::Indexed(nearest_256((r, g, b))),
            ColourDepth::Ansi16 => nearest_ansi16((r, g, b)),
        }
    }

    /// `style` with its colours mapped down.
    pub fn map_style(self, style: Style) -> Style {
        let mut mapped = style;
        mapped.fg = style.fg.map(|c| self.map(c));
        mapped.bg = style.bg.map(|c| self.map(c));
        mapped
    }
}

/// The 16 ANSI colours in index order, as xterm draws them by default.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

/// The steps of xterm's 6×6×6 colour cube.
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The RGB value of a terminal colour (xterm's defaults); `None` for the terminal's own
/// default (`Reset`).
pub fn rgb(colour: Color) -> Option<(u8, u8, u8)> {
    match colour {
        Color::Reset => None,
        Color::Rgb(r, g, b) => Some((r, g, b)),
        Color::Indexed(i) => Some(rgb_of_index(i)),
        named => ANSI16
            .iter()
            .find(|(c, _)| *c == named)
            .map(|(_, value)| *value),
    }
}

fn rgb_of_index(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[usize::from(i)].1,
        16..=231 => {
            let i = i - 16;
            (
                CUBE[usize::from(i / 36)],
                CUBE[usize::from(i / 6 % 6)],
                CUBE[usize::from(i % 6)],
            )
        }
        _ => {
            let level = 8 + 10 * (i - 232);
            (level, level, level)
        }
    }
}

/// Squared distance, weighted for the eye (green counts most).
fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| u32::from(x.abs_diff(y)).pow(2);
    2 * d(a.0, b.0) + 4 * d(a.1, b.1) + 3 * d(a.2, b.2)
}

/// The nearest of the cube and the grey ramp (16–255); the first 16 are left out as
/// terminals redefine them.
fn nearest_256(target: (u8, u8, u8)) -> u8 {
    (16..=255u8)
        .min_by_key(|&i| distance(rgb_of_index(i), target))
        .unwrap_or(16)
}

fn nearest_ansi16(target: (u8, u8, u8)) -> Color {
    ANSI16
        .iter()
        .min_by_key(|(_, value)| distance(*value, target))
        .map_or(Color::Reset, |(colour, _)| *colour)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_comes_from_colorterm_then_term() {
        let detect = ColourDepth::detect;
        assert_eq!(
            detect(Some("truecolor"), Some("xterm")),
            ColourDepth::TrueColor
        );
        assert_eq!(detect(Some("24bit"), None), ColourDepth::TrueColor);
        assert_eq!(detect(None, Some("xterm-256color")), ColourDepth::Ansi256);
        assert_eq!(detect(None, Some("screen-256color")), ColourDepth::Ansi256);
        assert_eq!(detect(None, Some("xterm-direct")), ColourDepth::TrueColor);
        assert_eq!(detect(None, Some("xterm")), ColourDepth::Ansi16);
        assert_eq!(detect(None, Some("linux")), ColourDepth::Ansi16);
        assert_eq!(detect(Some(""), Some("vt100")), ColourDepth::Ansi16);
    }

    #[test]
    fn the_palette_is_xterms() {
        assert_eq!(rgb(Color::Indexed(16)), Some((0, 0, 0)));
        assert_eq!(rgb(Color::Indexed(196)), Some((255, 0, 0)));
        assert_eq!(rgb(Color::Indexed(231)), Some((255, 255, 255)));
        assert_eq!(rgb(Color::Indexed(232)), Some((8, 8, 8)));
        assert_eq!(rgb(Color::Indexed(255)), Some((238, 238, 238)));
        assert_eq!(rgb(Color::Indexed(1)), rgb(Color::Red));
        assert_eq!(rgb(Color::Reset), None);
    }

    #[test]
    fn colours_map_to_the_nearest_the_terminal_has() {
        let orange = Color::Rgb(255, 135, 0);
        assert_eq!(ColourDepth::TrueColor.map(orange), orange);
        assert_eq!(ColourDepth::Ansi256.map(orange), Color::Indexed(208));
        assert_eq!(
            ColourDepth::Ansi256.map(Color::Rgb(0, 0, 0)),
            Color::Indexed(16)
        );
        assert_eq!(
            ColourDepth::Ansi256.map(Color::Rgb(128, 128, 128)),
            Color::Indexed(244)
        );
        assert_eq!(ColourDepth::Ansi16.map(Color::Rgb(220, 40, 30)), Color::Red);
        assert_eq!(
            ColourDepth::Ansi16.map(Color::Rgb(60, 220, 80)),
            Color::Green
        );
        assert_eq!(
            ColourDepth::Ansi16.map(Color::Indexed(196)),
            Color::LightRed
        );
        // Named colours and the terminal's default are left alone.
        assert_eq!(ColourDepth::Ansi16.map(Color::Yellow), Color::Yellow);
        assert_eq!(ColourDepth::Ansi16.map(Color::Reset), Color::Reset);
        assert_eq!(
            ColourDepth::Ansi256.map(Color::Indexed(42)),
            Color::Indexed(42)
        );
        let style = Style::new().fg(orange).bg(Color::Rgb(0, 0, 0));
        let mapped = ColourDepth::Ansi256.map_style(style);
        assert_eq!(
            (mapped.fg, mapped.bg),
            (Some(Color::Indexed(208)), Some(Color::Indexed(16)))
        );
    }
}
