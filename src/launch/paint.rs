//! A frame's changed cells as the bytes a terminal reads: cursor moves, colours,
//! attributes and symbols, gathered in one buffer that goes out in one write.
//!
//! The bytes are exactly those of ratatui's crossterm backend (a test holds them equal),
//! which formatted every escape sequence through `fmt` and sent a frame to standard
//! output's line buffer 1 KiB at a time: five writes to the terminal for a 200×60
//! dashboard's frame, and a twentieth of the dashboard's CPU spent formatting numbers.

use ratatui::buffer::Cell;
use ratatui::style::{Color, Modifier};

/// Appends to `out` what moves the terminal from showing its cells to showing `changes`
/// (positions left to right, top to bottom), then resets colours and attributes.
pub fn changes<'a>(out: &mut Vec<u8>, changes: impl IntoIterator<Item = (u16, u16, &'a Cell)>) {
    let (mut fg, mut bg, mut underline) = (Color::Reset, Color::Reset, Color::Reset);
    let mut modifier = Modifier::empty();
    let mut last: Option<(u16, u16)> = None;
    for (x, y, cell) in changes {
        // The cursor moves on after a symbol: a cell right after the last needs no move.
        if !matches!(last, Some((lx, ly)) if x == lx.wrapping_add(1) && y == ly) {
            out.extend_from_slice(b"\x1b[");
            number(out, u32::from(y) + 1);
            out.push(b';');
            number(out, u32::from(x) + 1);
            out.push(b'H');
        }
        last = Some((x, y));
        if cell.modifier != modifier {
            attributes(out, modifier, cell.modifier);
            modifier = cell.modifier;
        }
        if cell.fg != fg || cell.bg != bg {
            out.extend_from_slice(b"\x1b[");
            colour(out, Layer::Foreground, cell.fg);
            out.push(b';');
            colour(out, Layer::Background, cell.bg);
            out.push(b'm');
            (fg, bg) = (cell.fg, cell.bg);
        }
        if cell.underline_color != underline {
            out.extend_from_slice(b"\x1b[");
            colour(out, Layer::Underline, cell.underline_color);
            out.push(b'm');
            underline = cell.underline_color;
        }
        out.extend_from_slice(cell.symbol().as_bytes());
    }
    out.extend_from_slice(b"\x1b[39m\x1b[49m\x1b[59m\x1b[0m");
}

/// What a colour is set for: each has its own SGR codes.
#[derive(Clone, Copy)]
enum Layer {
    Foreground,
    Background,
    Underline,
}

/// A colour's SGR parameters: `39` for the default foreground, `38;5;N` for a palette
/// colour (the sixteen named ones by their index), `38;2;R;G;B` for a true colour.
fn colour(out: &mut Vec<u8>, layer: Layer, colour: Color) {
    let (set, default): (&[u8], &[u8]) = match layer {
        Layer::Foreground => (b"38;", b"39"),
        Layer::Background => (b"48;", b"49"),
        Layer::Underline => (b"58;", b"59"),
    };
    let index = match colour {
        Color::Reset => return out.extend_from_slice(default),
        Color::Rgb(r, g, b) => {
            out.extend_from_slice(set);
            out.extend_from_slice(b"2;");
            for (i, part) in [r, g, b].into_iter().enumerate() {
                if i > 0 {
                    out.push(b';');
                }
                number(out, u32::from(part));
            }
            return;
        }
        Color::Indexed(i) => i,
        named => named_index(named),
    };
    out.extend_from_slice(set);
    out.extend_from_slice(b"5;");
    number(out, u32::from(index));
}

/// The palette index of one of the sixteen named colours.
fn named_index(colour: Color) -> u8 {
    match colour {
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        // Black, and the colours handled before (Reset, Indexed, Rgb).
        _ => 0,
    }
}

/// The SGR attributes that turn `from` into `to`: what is removed first (bold and dim share
/// one "normal intensity" reset, after which the one kept is set again), then what is added.
fn attributes(out: &mut Vec<u8>, from: Modifier, to: Modifier) {
    let mut sgr = |code: u32| {
        out.extend_from_slice(b"\x1b[");
        number(out, code);
        out.push(b'm');
    };
    let removed = from - to;
    if removed.contains(Modifier::REVERSED) {
        sgr(27);
    }
    let intensity_reset = removed.intersects(Modifier::BOLD | Modifier::DIM);
    if intensity_reset {
        sgr(22);
        if to.contains(Modifier::DIM) {
            sgr(2);
        }
        if to.contains(Modifier::BOLD) {
            sgr(1);
        }
    }
    for (modifier, code) in [
        (Modifier::ITALIC, 23),
        (Modifier::UNDERLINED, 24),
        (Modifier::CROSSED_OUT, 29),
        (Modifier::HIDDEN, 28),
    ] {
        if removed.contains(modifier) {
            sgr(code);
        }
    }
    if removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK) {
        sgr(25);
    }
    let added = to - from;
    for (modifier, code) in [
        (Modifier::REVERSED, 7),
        (Modifier::BOLD, 1),
        (Modifier::ITALIC, 3),
        (Modifier::UNDERLINED, 4),
        (Modifier::DIM, 2),
        (Modifier::CROSSED_OUT, 9),
        (Modifier::HIDDEN, 8),
        (Modifier::SLOW_BLINK, 5),
        (Modifier::RAPID_BLINK, 6),
    ] {
        let set_again = intensity_reset && modifier.intersects(Modifier::BOLD | Modifier::DIM);
        if added.contains(modifier) && !set_again {
            sgr(code);
        }
    }
}

/// `n` in decimal digits.
fn number(out: &mut Vec<u8>, n: u32) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::{Backend, CrosstermBackend};
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    /// Every kind of colour: the default, the sixteen named, palette indices at both ends,
    /// true colours with one, two and three digits.
    const COLOURS: [Color; 24] = [
        Color::Reset,
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
        Color::Indexed(0),
        Color::Indexed(16),
        Color::Indexed(255),
        Color::Rgb(0, 0, 0),
        Color::Rgb(7, 42, 255),
        Color::Rgb(255, 255, 255),
        Color::Rgb(128, 9, 64),
    ];

    /// A cheap, repeatable pseudo-random sequence (no crate needed for a test's variety).
    struct Sequence(u64);

    impl Sequence {
        fn next(&mut self, below: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % below
        }
    }

    /// What ratatui's crossterm backend writes for the same cells.
    fn theirs(cells: &[(u16, u16, &Cell)]) -> Vec<u8> {
        let mut bytes = Vec::new();
        Backend::draw(
            &mut CrosstermBackend::new(&mut bytes),
            cells.iter().copied(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        bytes
    }

    #[test]
    fn the_bytes_are_those_of_ratatui_s_crossterm_backend() {
        // crossterm writes no colour at all under NO_COLOR (the dashboard then uses its
        // `mono` theme, whose colours are the defaults); compare where it writes them.
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return;
        }
        let symbols = ["a", " ", "│", "⣿", "界", "é", "🙂", "x"];
        let modifiers: Vec<Modifier> = Modifier::all().iter().collect();
        let mut random = Sequence(7);
        let area = Rect::new(0, 0, 40, 12);
        for round in 0..200 {
            let mut buffer = Buffer::empty(area);
            for cell in &mut buffer.content {
                // Runs of equal style, as real frames have, with a change now and then.
                if random.next(4) == 0 {
                    let mut modifier = Modifier::empty();
                    for _ in 0..random.next(4) {
                        modifier |= modifiers[random.next(modifiers.len())];
                    }
                    let style = Style::default()
                        .fg(COLOURS[random.next(COLOURS.len())])
                        .bg(COLOURS[random.next(COLOURS.len())])
                        .underline_color(COLOURS[random.next(COLOURS.len())])
                        .add_modifier(modifier);
                    cell.set_style(style);
                }
                cell.set_symbol(symbols[random.next(symbols.len())]);
            }
            // Some cells left out: the cursor jumps, on the same line and to another.
            let cells: Vec<(u16, u16, &Cell)> = (buffer.content.iter().enumerate())
                .filter(|_| random.next(3) > 0)
                .map(|(i, cell)| ((i % 40) as u16, (i / 40) as u16, cell))
                .collect();
            let mut ours = Vec::new();
            changes(&mut ours, cells.iter().copied());
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs(&cells)),
                "round {round}"
            );
        }
        // Every pair of modifier sets, one cell after the other.
        for from in Modifier::all().iter().chain([Modifier::empty()]) {
            for to in Modifier::all()
                .iter()
                .chain([Modifier::all(), Modifier::empty()])
            {
                let mut first = Cell::new("a");
                first.modifier = from | Modifier::BOLD;
                let mut second = Cell::new("b");
                second.modifier = to;
                let cells = [(0, 0, &first), (5, 0, &second)];
                let mut ours = Vec::new();
                changes(&mut ours, cells);
                assert_eq!(ours, theirs(&cells), "{from:?} → {to:?}");
            }
        }
        let mut ours = Vec::new();
        changes(&mut ours, []);
        assert_eq!(ours, theirs(&[]), "nothing changed");
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 7, 10, 99, 100, 255, 65_535, 65_536, u32::MAX] {
            let mut out = Vec::new();
            number(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }
}
