//! Diagnostics: located errors and warnings, collected across a run and printed with a snippet.

use std::fmt::Write as _;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Fails the build.
    Error,
    /// Reported; fails the build only with `--strict`.
    Warning,
}

/// A position in a source file: 1-based line and column (column counts Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub col: usize,
}

impl Pos {
    /// The start of a file.
    pub const START: Pos = Pos { line: 1, col: 1 };
}

/// One problem found in the user's input, located in the original file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code such as `FM-DATE`, part of the interface.
    pub code: &'static str,
    /// Path relative to the site root, with `/` separators.
    pub path: String,
    /// Where in the file; `None` when the problem concerns the file as a whole.
    pub pos: Option<Pos>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The source line the position points into, if known.
    pub line_text: Option<String>,
    /// Byte offset, for the rare cases where no line/column can be known (invalid UTF-8).
    pub byte_offset: Option<usize>,
}

impl Diagnostic {
    /// An error at a position in a file.
    pub fn error(
        code: &'static str,
        path: &str,
        pos: Option<Pos>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            path: path.to_string(),
            pos,
            message: message.into(),
            help: None,
            line_text: None,
            byte_offset: None,
        }
    }

    /// A warning at a position in a file.
    pub fn warning(
        code: &'static str,
        path: &str,
        pos: Option<Pos>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, path, pos, message)
        }
    }

    /// Adds a "how to fix it" line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Attaches the text of the line the position points into, for the snippet.
    pub fn with_source(mut self, text: &str) -> Self {
        if let Some(pos) = self.pos {
            self.line_text = text
                .lines()
                .nth(pos.line.saturating_sub(1))
                .map(str::to_string);
        }
        self
    }

    /// Is this an error (as opposed to a warning)?
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic as the user sees it:
    /// `path:line:col: error[CODE]: message`, the source line with a caret, and a help line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&self.path);
        if let Some(pos) = self.pos {
            let _ = write!(out, ":{}:{}", pos.line, pos.col);
        }
        if let Some(offset) = self.byte_offset {
            let _ = write!(out, " (byte offset {offset})");
        }
        let _ = writeln!(
            out,
            ": {kind}[{}]: {}",
            self.code,
            escape_control(&self.message)
        );
        if let (Some(pos), Some(line)) = (self.pos, &self.line_text) {
            let (shown, caret_col) = excerpt(line, pos.col);
            let number = pos.line.to_string();
            let pad = " ".repeat(number.len());
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{number} | {shown}");
            let _ = writeln!(out, "{pad} | {}^", " ".repeat(caret_col.saturating_sub(1)));
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {}", escape_control(help));
        }
        out
    }
}

/// Longest stretch of a source line shown in a snippet, in characters.
const EXCERPT_WIDTH: usize = 120;

/// Cuts a long line down to a window around `col` and escapes control characters;
/// returns the text to show and the caret's column within it.
fn excerpt(line: &str, col: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    let start = if chars.len() > EXCERPT_WIDTH && col > EXCERPT_WIDTH / 2 {
        (col - EXCERPT_WIDTH / 2).min(chars.len().saturating_sub(EXCERPT_WIDTH))
    } else {
        0
    };
    let end = (start + EXCERPT_WIDTH).min(chars.len());
    let mut shown = String::new();
    let mut caret = 1;
    if start > 0 {
        shown.push('…');
        caret += 1;
    }
    for (i, c) in chars[start..end].iter().enumerate() {
        let piece = escape_control(&c.to_string());
        if start + i + 1 < col {
            caret += piece.chars().count();
        }
        shown.push_str(&piece);
    }
    if end < chars.len() {
        shown.push('…');
    }
    (shown, caret)
}

/// Shows control characters as `\u{..}` (tabs as a space) so echoed input cannot drive the terminal.
pub fn escape_control(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            c if c.is_control() && c != '\n' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Sorts diagnostics for output: by path, then position, then code.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (&a.path, a.pos, a.code, &a.message).cmp(&(&b.path, b.pos, b.code, &b.message))
    });
}

/// The line and column of a byte offset in `text` (which uses `\n` line breaks).
pub fn pos_at(text: &str, offset: usize) -> Pos {
    let offset = offset.min(text.len());
    let mut cut = offset;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let before = &text[..cut];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    Pos { line, col }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pos_at_counts_lines_and_characters() {
        let text = "ab\ncé\nx";
        let cases = [
            (0, (1, 1)),
            (2, (1, 3)),
            (3, (2, 1)),
            (6, (2, 3)),
            (7, (3, 1)),
            (99, (3, 2)),
        ];
        for (offset, (line, col)) in cases {
            assert_eq!(pos_at(text, offset), Pos { line, col }, "offset {offset}");
        }
    }

    #[test]
    fn render_shows_location_snippet_and_help() {
        let d = Diagnostic::error(
            "FM-DATE",
            "content/a.md",
            Some(Pos { line: 2, col: 7 }),
            "invalid date",
        )
        .with_help("write YYYY-MM-DD")
        .with_source("---\ndate: 2019-13-45\n");
        assert_eq!(
            d.render(),
            "content/a.md:2:7: error[FM-DATE]: invalid date\n  |\n2 | date: 2019-13-45\n  |       ^\n  = help: write YYYY-MM-DD\n"
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_column_and_controls_escaped() {
        let line = format!("{}\u{1b}X{}", "a".repeat(500), "b".repeat(500));
        let (shown, caret) = excerpt(&line, 502);
        assert!(shown.chars().count() < 140, "{}", shown.len());
        assert!(shown.contains("\\u{1b}X"));
        assert_eq!(shown.chars().nth(caret - 1), Some('X'));
    }
}
