//! YAML documents (front matter, registries, config): strict checks, typed decoding and positions.
//!
//! This is the only module that touches YAML. Two parsers play distinct parts:
//! `saphyr-parser` streams events with positions, which is how anchors, aliases,
//! tags, duplicate keys and nesting depth are refused before any value is built
//! and how a field's position is found when a later check fails; `serde_yaml`
//! (the `yaml_serde` package) then decodes the checked text into typed structs.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use serde::de::DeserializeOwned;

use crate::diag::{Diagnostic, Pos};

/// Deepest nesting accepted; briefings never need more than a handful of levels.
pub const MAX_DEPTH: usize = 64;

/// Where a YAML document sits inside its file, so positions can be reported in file terms.
#[derive(Debug, Clone, Copy)]
pub struct Placement<'a> {
    /// Path of the file, relative to the site root.
    pub path: &'a str,
    /// The whole file text (for snippets).
    pub file_text: &'a str,
    /// Number of file lines before the YAML text starts.
    pub line_offset: usize,
}

impl Placement<'_> {
    /// Converts a position inside the YAML text to a position in the file.
    pub fn file_pos(&self, yaml_pos: Pos) -> Pos {
        Pos {
            line: yaml_pos.line + self.line_offset,
            col: yaml_pos.col,
        }
    }

    /// An error located at a position inside the YAML text.
    pub fn error(
        &self,
        code: &'static str,
        yaml_pos: Pos,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::error(code, self.path, Some(self.file_pos(yaml_pos)), message)
            .with_source(self.file_text)
    }
}

/// The shape a document's top level must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// A mapping of keys (front matter, config).
    Mapping,
    /// A list (registries).
    Sequence,
}

/// One step of a path into a document: a mapping key or a list index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg<'a> {
    /// A mapping key.
    Key(&'a str),
    /// A 0-based list index.
    Index(usize),
}

/// Checks and decodes a YAML document into `T`, reporting every structural problem found.
pub fn decode<T: DeserializeOwned>(
    yaml: &str,
    root: Root,
    at: &Placement,
) -> Result<T, Vec<Diagnostic>> {
    // Anchors, aliases and tags need one of these characters. Without them the strict
    // check runs only when decoding fails (duplicate keys, wrong shape and excessive
    // depth all make the typed decoding fail), which halves the cost of valid files.
    let may_need_refusal = yaml.contains(['&', '*', '!']) || may_nest_deeply(yaml);
    if may_need_refusal {
        check(yaml, root, at)?;
    }
    serde_yaml::from_str(yaml).map_err(|err| {
        if !may_need_refusal && let Err(problems) = check(yaml, root, at) {
            return problems;
        }
        vec![decode_error(&err, yaml, at)]
    })
}

/// A cheap over-estimate of nesting: deep flow brackets or deep indentation send the text
/// through the strict, non-recursive check first, which refuses it quickly.
fn may_nest_deeply(yaml: &str) -> bool {
    const LIMIT: usize = 16;
    let bytes = yaml.as_bytes();
    // A depth above the limit takes more opening brackets than the limit: they are
    // counted first (a loop the compiler vectorises), and the depth is followed only
    // when there are that many. Every front matter goes through here.
    let opening = bytes.iter().filter(|&&b| b == b'[' || b == b'{').count();
    if opening > LIMIT {
        let mut depth = 0usize;
        for &b in bytes {
            match b {
                b'[' | b'{' => {
                    depth += 1;
                    if depth > LIMIT {
                        return true;
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    // More than 2 * LIMIT spaces and dashes starting a line. Line starts are found with
    // `memchr` rather than `str::lines`, which cost three quarters of this function.
    let starts = std::iter::once(0).chain(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
    starts.into_iter().any(|start| {
        (bytes.get(start..start + 2 * LIMIT + 1))
            .is_some_and(|lead| lead.iter().all(|&b| b == b' ' || b == b'-'))
    })
}

fn span_pos(span: &Span) -> Pos {
    Pos {
        line: span.start.line(),
        col: span.start.col() + 1,
    }
}

enum Frame {
    Map {
        keys: HashMap<String, Pos>,
        expecting_key: bool,
    },
    Seq,
}

/// Refuses anchors, aliases, tags, duplicate keys, non-text keys and excessive nesting.
fn check(yaml: &str, root: Root, at: &Placement) -> Result<(), Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut seen_root = false;
    for item in Parser::new_from_str(yaml) {
        let (event, span) = match item {
            Ok(pair) => pair,
            Err(err) => {
                let marker = err.marker();
                let pos = Pos {
                    line: marker.line(),
                    col: marker.col() + 1,
                };
                if err.info().contains("recursion limit") {
                    problems.push(
                        at.error(
                            "FM-DEPTH",
                            pos,
                            format!("nesting deeper than {MAX_DEPTH} levels"),
                        )
                        .with_help("flatten the structure"),
                    );
                    return Err(problems);
                }
                problems.push(
                    at.error("YAML-SYNTAX", pos, format!("invalid YAML: {}", err.info()))
                        .with_help("quote values that contain ': ' or start with a special character, indent with spaces (not tabs), and close every [ and \""),
                );
                return Err(problems);
            }
        };
        let pos = span_pos(&span);
        let (anchor, tagged, opens, is_scalar) = match &event {
            Event::Alias(_) => {
                problems.push(
                    at.error("FM-ALIAS", pos, "YAML aliases are not allowed")
                        .with_help("write the value out in full instead of referring to an anchor"),
                );
                (0, false, false, true)
            }
            Event::Scalar(_, _, anchor, tag) => (*anchor, tag.is_some(), false, true),
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                (*anchor, tag.is_some(), true, false)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                value_done(&mut stack);
                continue;
            }
            _ => continue,
        };
        if anchor != 0 {
            problems.push(
                at.error("FM-ALIAS", pos, "YAML anchors (&name) are not allowed")
                    .with_help("remove the anchor and write values out in full"),
            );
        }
        if tagged {
            problems.push(
                at.error("FM-TAG", pos, "YAML tags (!tag) are not supported")
                    .with_help("remove the tag; quote the value if it should be text"),
            );
        }
        if !seen_root {
            seen_root = true;
            let is_map = matches!(event, Event::MappingStart(..));
            let is_seq = matches!(event, Event::SequenceStart(..));
            let ok = match root {
                Root::Mapping => {
                    is_map
                        || matches!(&event, Event::Scalar(v, ScalarStyle::Plain, _, _) if v.is_empty() || v == "~" || v == "null")
                }
                Root::Sequence => {
                    is_seq
                        || matches!(&event, Event::Scalar(v, ScalarStyle::Plain, _, _) if v.is_empty() || v == "~" || v == "null")
                }
            };
            if !ok {
                let (code, want) = match root {
                    Root::Mapping => ("FM-NOT-MAPPING", "a mapping of `key: value` lines"),
                    Root::Sequence => ("YAML-NOT-LIST", "a list of `- ` items"),
                };
                problems.push(at.error(code, pos, format!("expected {want} here")));
                return Err(problems);
            }
        }
        // A scalar in key position of a mapping: check for duplicates.
        if let Some(Frame::Map {
            keys,
            expecting_key: true,
        }) = stack.last_mut()
        {
            if let Event::Scalar(key, ..) = &event {
                if let Some(first) = keys.get(key.as_ref()) {
                    let first = at.file_pos(*first);
                    problems.push(
                        at.error(
                            "FM-DUPKEY",
                            pos,
                            format!(
                                "duplicate key '{key}' (first defined at {}:{})",
                                first.line, first.col
                            ),
                        )
                        .with_help("keep one of the two entries"),
                    );
                } else {
                    keys.insert(key.to_string(), pos);
                }
                if let Some(Frame::Map { expecting_key, .. }) = stack.last_mut() {
                    *expecting_key = false;
                }
                continue;
            }
            problems.push(
                at.error("FM-KEY", pos, "keys must be plain text")
                    .with_help("write `key: value`"),
            );
            return Err(problems);
        }
        if opens {
            if stack.len() >= MAX_DEPTH {
                problems.push(
                    at.error(
                        "FM-DEPTH",
                        pos,
                        format!("nesting deeper than {MAX_DEPTH} levels"),
                    )
                    .with_help("flatten the structure"),
                );
                return Err(problems);
            }
            stack.push(if matches!(event, Event::MappingStart(..)) {
                Frame::Map {
                    keys: HashMap::new(),
                    expecting_key: true,
                }
            } else {
                Frame::Seq
            });
        } else if is_scalar {
            value_done(&mut stack);
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// After a complete value inside a mapping, the next scalar is a key again.
fn value_done(stack: &mut [Frame]) {
    if let Some(Frame::Map { expecting_key, .. }) = stack.last_mut() {
        *expecting_key = true;
    }
}

/// Finds where the value at `path` starts in the document (its key for mapping entries, when `key` is true).
pub fn locate(yaml: &str, path: &[Seg], key: bool) -> Option<Pos> {
    // Walk the events, tracking the current path as (segment, counter) frames.
    enum Walk {
        Map {
            current_key: Option<String>,
            key_pos: Pos,
            expecting_key: bool,
        },
        Seq {
            next_index: usize,
        },
    }
    let mut stack: Vec<Walk> = Vec::new();
    let matches_path = |stack: &[Walk]| -> bool {
        // The path of the value about to start is the stack's current segments.
        if stack.len() != path.len() {
            return false;
        }
        stack
            .iter()
            .zip(path)
            .all(|(frame, seg)| match (frame, seg) {
                (
                    Walk::Map {
                        current_key: Some(k),
                        ..
                    },
                    Seg::Key(want),
                ) => k == want,
                (Walk::Seq { next_index }, Seg::Index(want)) => next_index == want,
                _ => false,
            })
    };
    for item in Parser::new_from_str(yaml) {
        let (event, span) = item.ok()?;
        let pos = span_pos(&span);
        match &event {
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                advance(&mut stack);
                continue;
            }
            Event::Scalar(..)
            | Event::Alias(_)
            | Event::SequenceStart(..)
            | Event::MappingStart(..) => {}
            _ => continue,
        }
        if let Some(Walk::Map {
            current_key,
            key_pos,
            expecting_key,
        }) = stack.last_mut()
            && *expecting_key
        {
            if let Event::Scalar(k, ..) = &event {
                *current_key = Some(k.to_string());
                *key_pos = pos;
                *expecting_key = false;
            }
            continue;
        }
        if matches_path(&stack) {
            if key && let Some(Walk::Map { key_pos, .. }) = stack.last() {
                return Some(*key_pos);
            }
            return Some(pos);
        }
        match event {
            Event::MappingStart(..) => stack.push(Walk::Map {
                current_key: None,
                key_pos: pos,
                expecting_key: true,
            }),
            Event::SequenceStart(..) => stack.push(Walk::Seq { next_index: 0 }),
            _ => advance(&mut stack),
        }
    }
    fn advance(stack: &mut [Walk]) {
        match stack.last_mut() {
            Some(Walk::Map { expecting_key, .. }) => *expecting_key = true,
            Some(Walk::Seq { next_index }) => *next_index += 1,
            None => {}
        }
    }
    None
}

/// Turns a decoding error into a located diagnostic with a stable code and an actionable hint.
fn decode_error(err: &serde_yaml::Error, yaml: &str, at: &Placement) -> Diagnostic {
    let pos = err
        .location()
        .map(|l| Pos {
            line: l.line(),
            col: l.column(),
        })
        .unwrap_or(Pos::START);
    let full = err.to_string();
    let text = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => full.as_str(),
    };
    // serde_yaml prefixes the path of the failing value: "events[1]: unknown field ...".
    let (field_path, message) = match text.split_once(": ") {
        Some((p, m)) if !p.contains(' ') => (Some(p), m),
        _ => (None, text),
    };
    let context = field_path.map(|p| format!(" in '{p}'")).unwrap_or_default();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or_default();
        let expected: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
        let key_pos = locate_key(yaml, key, pos);
        let help = match crate::suggest::closest(key, expected.iter().copied()) {
            Some(best) => format!(
                "did you mean '{best}'? Known keys here: {}",
                expected.join(", ")
            ),
            None => format!("known keys here: {}", expected.join(", ")),
        };
        return at
            .error(
                "FM-UNKNOWN-KEY",
                key_pos,
                format!("unknown key '{key}'{context}"),
            )
            .with_help(help);
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let value = rest.split('`').next().unwrap_or_default();
        let allowed: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
        let help = match crate::suggest::closest(value, allowed.iter().copied()) {
            Some(best) => format!("did you mean '{best}'? Allowed: {}", allowed.join(", ")),
            None => format!("allowed: {}", allowed.join(", ")),
        };
        return at
            .error("FM-VOCAB", pos, format!("unknown value '{value}'{context}"))
            .with_help(help);
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or_default();
        return at
            .error(
                "FM-MISSING-KEY",
                pos,
                format!("missing required key '{key}'{context}"),
            )
            .with_help(format!("add `{key}: ...`"));
    }
    let help = if message.contains("expected a string") || message.contains("expected a boolean") {
        "booleans are written true or false; put text in quotes, e.g. title: \"no\""
    } else {
        "check the value's type against the reference in the README"
    };
    let what = match field_path {
        Some(p) => format!("'{p}': {message}"),
        None => message.to_string(),
    };
    at.error("FM-TYPE", pos, what).with_help(help)
}

/// serde reports an unknown field at the value; point at the key itself when it can be found on that line.
fn locate_key(yaml: &str, key: &str, near: Pos) -> Pos {
    let line = yaml
        .lines()
        .nth(near.line.saturating_sub(1))
        .unwrap_or_default();
    match line.find(key) {
        Some(byte) => Pos {
            line: near.line,
            col: line[..byte].chars().count() + 1,
        },
        None => near,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_suspected_from_brackets_or_indentation() {
        let deep_flow = format!("a: {}{}", "[".repeat(17), "]".repeat(17));
        let flat_flow = format!("a: {}", "[]".repeat(40));
        let indented = |n: usize| format!("a:\n{}b: 1\n", " ".repeat(n));
        let dashes = format!("{}x\n", "- ".repeat(17));
        let cases = [
            ("title: x\ntags: [a, b]\n", false),
            (deep_flow.as_str(), true),
            (&deep_flow[..deep_flow.len() - 17], true),
            (flat_flow.as_str(), false),
            (&format!("a: {}", "{".repeat(16)), false),
            (&indented(32), false),
            (&indented(33), true),
            (&format!("x: '{}'\n", " ".repeat(40)), false),
            (dashes.as_str(), true),
            (&format!("a:\r\n{}b\r\n", " ".repeat(33)), true),
        ];
        for (yaml, want) in cases {
            assert_eq!(may_nest_deeply(yaml), want, "{yaml:?}");
        }
    }
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        title: String,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        draft: bool,
    }

    fn at(text: &str) -> Placement<'_> {
        Placement {
            path: "content/a.md",
            file_text: text,
            line_offset: 1,
        }
    }

    fn first_error(yaml: &str) -> (String, Pos) {
        let file = format!("---\n{yaml}---\n");
        let errs = decode::<Doc>(yaml, Root::Mapping, &at(&file)).expect_err("should fail");
        (errs[0].code.to_string(), errs[0].pos.unwrap_or_default())
    }

    #[test]
    fn structural_problems_are_refused_at_their_position() {
        let cases: &[(&str, &str, (usize, usize))] = &[
            ("title: a\nx: &a [1]\n", "FM-ALIAS", (3, 4)),
            ("title: a\nx: *a\n", "YAML-SYNTAX", (3, 4)),
            ("title: !!binary aGVsbG8=\n", "FM-TAG", (2, 8)),
            ("title: a\ntitle: b\n", "FM-DUPKEY", (3, 1)),
            ("- a\n- b\n", "FM-NOT-MAPPING", (2, 1)),
            ("hello\n", "FM-NOT-MAPPING", (2, 1)),
            ("title: This thing: crashes\n", "YAML-SYNTAX", (2, 18)),
            ("tags: [a, b\n", "YAML-SYNTAX", (3, 1)),
            ("tittle: x\n", "FM-UNKNOWN-KEY", (2, 1)),
            ("tags: [a]\n", "FM-MISSING-KEY", (2, 1)),
            ("title: a\ndraft: \"false\"\n", "FM-TYPE", (3, 8)),
        ];
        for (yaml, code, (line, col)) in cases {
            let (got_code, pos) = first_error(yaml);
            assert_eq!(
                (got_code.as_str(), pos.line, pos.col),
                (*code, *line, *col),
                "{yaml:?}"
            );
        }
    }

    #[test]
    fn deep_nesting_and_alias_bombs_fail_fast() {
        let deep = format!("title: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let file = format!("---\n{deep}---\n");
        let errs = decode::<Doc>(&deep, Root::Mapping, &at(&file)).expect_err("deep");
        assert_eq!(errs[0].code, "FM-DEPTH");
        let bomb = "title: b\na: &a [\"lol\",\"lol\"]\nb: &b [*a,*a]\nc: [*b,*b]\n";
        assert_eq!(first_error(bomb).0, "FM-ALIAS");
    }

    #[test]
    fn implicit_typing_keeps_text_as_written() {
        for (yaml, want) in [
            ("title: no\n", "no"),
            ("title: 1.10\n", "1.10"),
            ("title: 123\n", "123"),
        ] {
            let doc: Doc = decode(yaml, Root::Mapping, &at(yaml)).expect("decodes");
            assert_eq!(doc.title, want);
        }
    }

    #[test]
    fn locate_finds_values_and_keys() {
        let yaml = "title: a\nevents:\n  - date: 1998\n    sources: [x, y]\n  - {date: 2019, sources: [z]}\n";
        let cases: &[(&[Seg], bool, (usize, usize))] = &[
            (&[Seg::Key("title")], false, (1, 8)),
            (
                &[Seg::Key("events"), Seg::Index(0), Seg::Key("date")],
                false,
                (3, 11),
            ),
            (
                &[
                    Seg::Key("events"),
                    Seg::Index(0),
                    Seg::Key("sources"),
                    Seg::Index(1),
                ],
                false,
                (4, 18),
            ),
            (
                &[
                    Seg::Key("events"),
                    Seg::Index(1),
                    Seg::Key("sources"),
                    Seg::Index(0),
                ],
                false,
                (5, 28),
            ),
            (
                &[Seg::Key("events"), Seg::Index(1), Seg::Key("date")],
                true,
                (5, 6),
            ),
        ];
        for (path, key, (line, col)) in cases {
            assert_eq!(
                locate(yaml, path, *key),
                Some(Pos {
                    line: *line,
                    col: *col
                }),
                "{path:?}"
            );
        }
        assert_eq!(locate(yaml, &[Seg::Key("nope")], false), None);
    }
}
