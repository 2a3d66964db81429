//! The part of Prometheus' Go templates that alert annotations and labels use:
//! `{{ $value }}`, `{{ $labels.replica }}`, `{{ .Value }}`, `{{ .Labels.replica }}`,
//! pipelines into `humanize`, `humanizeDuration`, `humanizePercentage`, `humanize1024`,
//! `printf "%.2f" $value`, `toUpper`, `toLower`, `title`, `index $labels "name"`, trim
//! markers (`{{-`, `-}}`) and comments. Control structures (`if`, `range`, …) and `query`
//! are not supported and are reported as errors.

use super::gofmt;
use crate::model::Labels;

/// What a template sees: the alert instance's series labels and value.
#[derive(Clone, Copy, Debug)]
pub struct TemplateData<'a> {
    pub labels: &'a Labels,
    pub value: f64,
}

/// Expands a template; an error names the unsupported or malformed action.
pub fn expand(template: &str, data: &TemplateData<'_>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    let mut trim_next = false;
    while let Some(open) = rest.find("{{") {
        let text = &rest[..open];
        push_text(&mut out, text, trim_next);
        let inner_start = open + 2;
        let close = find_close(&rest[inner_start..])
            .ok_or_else(|| format!("unclosed action `{}`", excerpt(&rest[open..])))?;
        let mut action = &rest[inner_start..inner_start + close];
        rest = &rest[inner_start + close + 2..];
        // `{{- ` trims the whitespace before, ` -}}` the whitespace after.
        if let Some(a) = action
            .strip_prefix('-')
            .filter(|a| a.starts_with(char::is_whitespace))
        {
            let kept = out.trim_end().len();
            out.truncate(kept);
            action = a;
        }
        trim_next = false;
        if let Some(a) = action
            .strip_suffix('-')
            .filter(|a| a.ends_with(char::is_whitespace))
        {
            trim_next = true;
            action = a;
        }
        let action = action.trim();
        if action.starts_with("/*") && action.ends_with("*/") {
            continue;
        }
        out.push_str(&pipeline(action, data)?.to_text());
    }
    push_text(&mut out, rest, trim_next);
    Ok(out)
}

fn push_text(out: &mut String, text: &str, trim_start: bool) {
    out.push_str(if trim_start { text.trim_start() } else { text });
}

fn excerpt(text: &str) -> String {
    text.chars().take(30).collect()
}

/// The offset of the `}}` that ends an action, skipping string literals.
fn find_close(inner: &str) -> Option<usize> {
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = string_end(bytes, i, b'"')?,
            b'`' => i = string_end(bytes, i, b'`')?,
            b'}' if bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The index just past a string literal opening at `start`.
fn string_end(bytes: &[u8], start: usize, quote: u8) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// A value inside a template.
#[derive(Clone, Debug, PartialEq)]
enum Val<'a> {
    Float(f64),
    /// Integer literals: Go's `printf "%d"` tells them from floats.
    Int(i64),
    Str(String),
    Map(&'a Labels),
}

impl Val<'_> {
    fn to_text(&self) -> String {
        match self {
            Val::Float(v) => gofmt::value(*v),
            Val::Int(i) => i.to_string(),
            Val::Str(s) => s.clone(),
            Val::Map(m) => {
                let pairs: Vec<String> = m.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                format!("map[{}]", pairs.join(" "))
            }
        }
    }

    /// Prometheus' template functions take numbers, or strings that parse as numbers.
    fn to_float(&self) -> Result<f64, String> {
        match self {
            Val::Float(v) => Ok(*v),
            Val::Int(i) => Ok(*i as f64),
            Val::Str(s) => crate::prom::api::parse_value(s.trim())
                .map_err(|_| format!("strconv.ParseFloat: parsing \"{s}\": invalid syntax")),
            other => Err(format!("cannot use {} as a number", other.to_text())),
        }
    }

    fn go_type(&self) -> &'static str {
        match self {
            Val::Float(_) => "float64",
            Val::Int(_) => "int",
            Val::Str(_) => "string",
            Val::Map(_) => "map[string]string",
        }
    }
}

/// `cmd | cmd | …`: each command after the first gets the previous result as its last argument.
fn pipeline<'a>(action: &str, data: &TemplateData<'a>) -> Result<Val<'a>, String> {
    let words = split_words(action)?;
    let first = words.first().map(String::as_str).unwrap_or("");
    if matches!(
        first,
        "if" | "else"
            | "end"
            | "range"
            | "with"
            | "define"
            | "template"
            | "block"
            | "break"
            | "continue"
    ) {
        return Err(format!("unsupported template action `{first}`"));
    }
    if words.iter().any(|w| w == ":=" || w == "=") {
        return Err(format!("unsupported variable assignment in `{action}`"));
    }
    let mut result: Option<Val<'a>> = None;
    for command in words.split(|w| w == "|") {
        if command.is_empty() {
            return Err(format!("missing command in `{action}`"));
        }
        result = Some(run(command, result, data)?);
    }
    result.ok_or_else(|| "empty action".to_string())
}

/// Splits an action into words: operands, function names, `|`, string literals (kept with
/// their quotes so they are not mistaken for names).
fn split_words(action: &str) -> Result<Vec<String>, String> {
    let bytes = action.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        match bytes[i] {
            b if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'|' => i += 1,
            b'(' | b')' => return Err(format!("unsupported parentheses in `{action}`")),
            q @ (b'"' | b'`') => {
                i = string_end(bytes, i, q)
                    .ok_or_else(|| format!("unterminated string in `{action}`"))?;
            }
            _ => {
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'|' {
                    i += 1;
                }
            }
        }
        words.push(action[start..i].to_string());
    }
    Ok(words)
}

fn run<'a>(
    command: &[String],
    piped: Option<Val<'a>>,
    data: &TemplateData<'a>,
) -> Result<Val<'a>, String> {
    let (name, rest) = command.split_first().ok_or("empty command")?;
    let mut args = rest
        .iter()
        .map(|w| operand(w, data))
        .collect::<Result<Vec<_>, _>>()?;
    args.extend(piped);
    if is_function_name(name) {
        return call(name, &args);
    }
    let value = operand(name, data)?;
    if args.is_empty() {
        Ok(value)
    } else {
        Err(format!("can't give argument to non-function {name}"))
    }
}

fn is_function_name(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_alphabetic())
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn operand<'a>(word: &str, data: &TemplateData<'a>) -> Result<Val<'a>, String> {
    // Prometheus runs templates with `missingkey=zero`: a missing label is "".
    let lookup = |name: &str| Val::Str(data.labels.get(name).cloned().unwrap_or_default());
    match word {
        "$value" | ".Value" => return Ok(Val::Float(data.value)),
        "$labels" | ".Labels" => return Ok(Val::Map(data.labels)),
        _ => {}
    }
    if let Some(name) = word
        .strip_prefix("$labels.")
        .or_else(|| word.strip_prefix(".Labels."))
    {
        return Ok(lookup(name));
    }
    // No external labels are known locally.
    if word.starts_with("$externalLabels.") || word.starts_with(".ExternalLabels.") {
        return Ok(Val::Str(String::new()));
    }
    if let Some(quoted) = word.strip_prefix('`').and_then(|w| w.strip_suffix('`')) {
        return Ok(Val::Str(quoted.to_string()));
    }
    if word.starts_with('"') {
        return unquote(word).map(Val::Str);
    }
    if let Ok(i) = word.parse::<i64>() {
        return Ok(Val::Int(i));
    }
    if let Ok(f) = word.parse::<f64>() {
        return Ok(Val::Float(f));
    }
    if word.starts_with('$') {
        return Err(format!("undefined variable \"{word}\""));
    }
    Err(format!("unsupported operand `{word}`"))
}

/// A Go double-quoted string literal's value.
fn unquote(word: &str) -> Result<String, String> {
    let inner = word
        .strip_prefix('"')
        .and_then(|w| w.strip_suffix('"'))
        .ok_or_else(|| format!("malformed string {word}"))?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(c @ ('\\' | '"' | '\'')) => out.push(c),
            other => {
                return Err(format!(
                    "unsupported escape \\{} in {word}",
                    other.unwrap_or(' ')
                ));
            }
        }
    }
    Ok(out)
}

fn call<'a>(name: &str, args: &[Val<'a>]) -> Result<Val<'a>, String> {
    let one = || match args {
        [a] => Ok(a),
        _ => Err(format!(
            "wrong number of args for {name}: want 1 got {}",
            args.len()
        )),
    };
    let number =
        |f: fn(f64) -> String| -> Result<Val<'a>, String> { Ok(Val::Str(f(one()?.to_float()?))) };
    match name {
        "humanize" => number(gofmt::humanize),
        "humanize1024" => number(gofmt::humanize_1024),
        "humanizeDuration" => number(gofmt::humanize_duration),
        "humanizePercentage" => number(gofmt::humanize_percentage),
        "toUpper" => Ok(Val::Str(one()?.to_text().to_uppercase())),
        "toLower" => Ok(Val::Str(one()?.to_text().to_lowercase())),
        "title" => Ok(Val::Str(title(&one()?.to_text()))),
        "printf" => match args.split_first() {
            Some((Val::Str(format), rest)) => Ok(Val::Str(printf(format, rest))),
            _ => Err("printf needs a format string first".to_string()),
        },
        "index" => match args {
            [Val::Map(map), Val::Str(key)] => {
                Ok(Val::Str(map.get(key).cloned().unwrap_or_default()))
            }
            _ => Err("index needs a map and a string key".to_string()),
        },
        _ => Err(format!("function \"{name}\" not defined")),
    }
}

/// Go's deprecated `strings.Title`: upper-cases the first letter of each word.
fn title(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at_word_start = true;
    for c in text.chars() {
        if at_word_start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        at_word_start = !c.is_alphanumeric() && c != '_' && c != '\'';
    }
    out
}

/// Go's `fmt.Sprintf` for the verbs alert templates use: `%v %s %d %f %e %g %q %%`, with
/// flags `-+0 `, width and precision. Wrong types print like Go: `%!d(float64=7.5)`.
fn printf(format: &str, args: &[Val<'_>]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek().filter(|f| "-+0 #".contains(**f)) {
            flags.push(f);
            chars.next();
        }
        let width = digits(&mut chars);
        let precision = if chars.peek() == Some(&'.') {
            chars.next();
            Some(digits(&mut chars).unwrap_or(0))
        } else {
            None
        };
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.next() else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        let text = match format_arg(verb, precision, &flags, arg) {
            Some(text) => text,
            None => format!("%!{verb}({}={})", arg.go_type(), arg.to_text()),
        };
        out.push_str(&pad(text, width, &flags));
    }
    let extra: Vec<String> = args
        .map(|a| format!("{}={}", a.go_type(), a.to_text()))
        .collect();
    if !extra.is_empty() {
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

fn digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<usize> {
    let mut n: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
        chars.next();
    }
    n
}

/// One argument under one verb; `None` when Go would call it a bad verb for the type.
fn format_arg(verb: char, precision: Option<usize>, flags: &str, arg: &Val<'_>) -> Option<String> {
    let signed = |text: String, negative: bool| {
        if flags.contains('+') && !negative {
            format!("+{text}")
        } else if flags.contains(' ') && !negative {
            format!(" {text}")
        } else {
            text
        }
    };
    match (verb, arg) {
        ('v', Val::Float(v)) => Some(signed(gofmt::format_g(*v, precision), *v < 0.0)),
        ('v' | 'd', Val::Int(i)) => Some(signed(i.to_string(), *i < 0)),
        ('v' | 's', Val::Str(_) | Val::Map(_)) => {
            let text = arg.to_text();
            Some(match precision {
                Some(p) => text.chars().take(p).collect(),
                None => text,
            })
        }
        ('q', Val::Str(s)) => Some(format!("{s:?}")),
        ('f' | 'F', Val::Float(v)) => Some(signed(
            gofmt::format_f(*v, precision.unwrap_or(6)),
            *v < 0.0,
        )),
        ('e', Val::Float(v)) => Some(signed(
            gofmt::format_e(*v, precision.unwrap_or(6)),
            *v < 0.0,
        )),
        ('g', Val::Float(v)) => Some(signed(gofmt::format_g(*v, precision), *v < 0.0)),
        _ => None,
    }
}

fn pad(text: String, width: Option<usize>, flags: &str) -> String {
    let Some(width) = width else { return text };
    let len = text.chars().count();
    if len >= width {
        return text;
    }
    let fill = width - len;
    if flags.contains('-') {
        format!("{text}{}", " ".repeat(fill))
    } else if flags.contains('0')
        && text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+')
    {
        // Zeros go after the sign.
        let (sign, digits) = text.split_at(usize::from(text.starts_with(['-', '+'])));
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{text}", " ".repeat(fill))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        crate::model::labels::from_pairs(&[("replica", "replica-2"), ("instance", "db:9187")])
    }

    fn render(template: &str, value: f64) -> String {
        let labels = labels();
        expand(
            template,
            &TemplateData {
                labels: &labels,
                value,
            },
        )
        .unwrap()
    }

    fn error(template: &str) -> String {
        let labels = labels();
        expand(
            template,
            &TemplateData {
                labels: &labels,
                value: 1.0,
            },
        )
        .unwrap_err()
    }

    #[test]
    fn values_and_labels() {
        assert_eq!(
            render("Replication lag is {{ $value }}s", 7.5),
            "Replication lag is 7.5s"
        );
        assert_eq!(
            render("{{$value}} tasks in queue", 1e6),
            "1e+06 tasks in queue"
        );
        assert_eq!(render("{{ .Value }}", 0.9871234), "0.9871234");
        assert_eq!(render("on {{ $labels.replica }}", 1.0), "on replica-2");
        assert_eq!(render("on {{$labels.replica}}", 1.0), "on replica-2");
        assert_eq!(render("on {{ .Labels.replica }}", 1.0), "on replica-2");
        assert_eq!(render("[{{ $labels.missing }}]", 1.0), "[]");
        assert_eq!(render("{{ index $labels \"replica\" }}", 1.0), "replica-2");
        assert_eq!(render("no templates", 1.0), "no templates");
        assert_eq!(
            render("{{ $labels }}", 1.0),
            "map[instance:db:9187 replica:replica-2]"
        );
    }

    #[test]
    fn functions_and_pipelines() {
        assert_eq!(render("{{ $value | humanize }}", 1234.5678), "1.235k");
        assert_eq!(render("{{ humanize $value }}", 0.0125), "12.5m");
        assert_eq!(
            render("{{ $value | humanizeDuration }}", 3661.0),
            "1h 1m 1s"
        );
        assert_eq!(render("{{ $value | humanizePercentage }}", 0.05), "5%");
        assert_eq!(render("{{ printf \"%.2f\" $value }}", 7.456), "7.46");
        assert_eq!(render("{{ $value | printf \"%.1f\" }}", 7.456), "7.5");
        assert_eq!(
            render("{{ printf \"%s is %5.1f%%\" $labels.replica $value }}", 7.0),
            "replica-2 is   7.0%"
        );
        assert_eq!(
            render("{{ printf \"%d\" $value }}", 7.5),
            "%!d(float64=7.5)"
        );
        assert_eq!(render("{{ $labels.replica | toUpper }}", 1.0), "REPLICA-2");
        assert_eq!(render("{{ \"high lag\" | title }}", 1.0), "High Lag");
    }

    /// Expected strings are what `promtool test rules` (Prometheus 2.42) printed for the
    /// same template and values.
    #[test]
    fn matches_what_prometheus_renders() {
        let template = r#"{{ $value }}|{{ .Value }}|{{ $value | humanize }}|{{ humanizeDuration $value }}|{{ printf "%.2f" $value }}|{{ $value | humanizePercentage }}|{{ $value | humanize1024 }}|{{ printf "%5.1f|%d|%s|%e|%g" $value 3 "s" $value $value }}|{{ $labels }}|{{ $labels.x | toUpper }}|{{ "hello world" | title }}|  {{- $value -}}  |{{/* c */}}"#;
        let cases = [
            (
                "a",
                1000000.0,
                "1e+06|1e+06|1M|11d 13h 46m 40s|1000000.00|1e+08%|976.6ki|1000000.0|3|s|1.000000e+06|1e+06|map[__name__:m x:a]|A|Hello World|1e+06|",
            ),
            (
                "b",
                0.9871234,
                "0.9871234|0.9871234|987.1m|987.1ms|0.99|98.71%|0.9871|  1.0|3|s|9.871234e-01|0.9871234|map[__name__:m x:b]|B|Hello World|0.9871234|",
            ),
            (
                "c",
                1234567.0,
                "1.234567e+06|1.234567e+06|1.235M|14d 6h 56m 7s|1234567.00|1.235e+08%|1.177Mi|1234567.0|3|s|1.234567e+06|1.234567e+06|map[__name__:m x:c]|C|Hello World|1.234567e+06|",
            ),
            (
                "d",
                90061.5,
                "90061.5|90061.5|90.06k|1d 1h 1m 1s|90061.50|9.006e+06%|87.95ki|90061.5|3|s|9.006150e+04|90061.5|map[__name__:m x:d]|D|Hello World|90061.5|",
            ),
            (
                "e",
                0.00001234,
                "1.234e-05|1.234e-05|12.34u|12.34us|0.00|0.001234%|1.234e-05|  0.0|3|s|1.234000e-05|1.234e-05|map[__name__:m x:e]|E|Hello World|1.234e-05|",
            ),
            (
                "f",
                12345.0,
                "12345|12345|12.35k|3h 25m 45s|12345.00|1.234e+06%|12.06ki|12345.0|3|s|1.234500e+04|12345|map[__name__:m x:f]|F|Hello World|12345|",
            ),
        ];
        for (x, value, expected) in cases {
            let labels: Labels = crate::model::labels::from_pairs(&[("__name__", "m"), ("x", x)]);
            let data = TemplateData {
                labels: &labels,
                value,
            };
            assert_eq!(expand(template, &data).unwrap(), expected, "{value}");
        }
    }

    #[test]
    fn trim_markers_and_comments() {
        assert_eq!(render("a  {{- $value -}}  b", 1.0), "a1b");
        assert_eq!(render("a {{/* why */}}b", 1.0), "a b");
        assert_eq!(render("{{ \"}}\" }}", 1.0), "}}");
    }

    #[test]
    fn unsupported_and_malformed_actions_are_errors() {
        assert!(
            error("{{ if gt $value 1.0 }}x{{ end }}").contains("unsupported template action `if`")
        );
        assert!(error("{{ $value").contains("unclosed action"));
        assert!(error("{{ query \"up\" }}").contains("function \"query\" not defined"));
        assert!(error("{{ $foo }}").contains("undefined variable"));
        assert!(error("{{ $labels.replica | humanize }}").contains("ParseFloat"));
        assert!(error("{{ $x := 1 }}").contains("assignment"));
    }
}
