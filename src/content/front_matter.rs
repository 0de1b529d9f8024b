//! Front matter: splitting `---` fences from the body and the raw shapes authors write in YAML.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::content::{ClaimStatus, EntityKind, SourceKind};
use crate::diag::{Diagnostic, Pos};

/// Where the front matter and the body are in an article file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Byte range of the YAML text.
    pub yaml: std::ops::Range<usize>,
    /// Lines before the YAML text (the opening fence).
    pub yaml_line_offset: usize,
    /// Byte range of the body.
    pub body: std::ops::Range<usize>,
}

fn is_fence(line: &str) -> bool {
    line.trim_end_matches([' ', '\t']) == "---"
}

/// Splits an article into front matter and body; the text uses `\n` line breaks.
pub fn split(path: &str, text: &str) -> Result<Split, Diagnostic> {
    let first_line = text.split('\n').next().unwrap_or_default();
    if !is_fence(first_line) {
        return Err(Diagnostic::error(
            "FM-MISSING",
            path,
            Some(Pos::START),
            "no front matter: an article must start with a line `---`",
        )
        .with_help(
            "begin the file with ---, then `title: ...` and `date: YYYY-MM-DD`, then a closing ---",
        )
        .with_source(text));
    }
    let yaml_start = (first_line.len() + 1).min(text.len());
    let mut offset = yaml_start;
    for line in text[yaml_start..].split('\n') {
        if is_fence(line) {
            let body_start = (offset + line.len() + 1).min(text.len());
            return Ok(Split {
                yaml: yaml_start..offset,
                yaml_line_offset: 1,
                body: body_start..text.len(),
            });
        }
        offset += line.len() + 1;
    }
    Err(Diagnostic::error(
        "FM-UNCLOSED",
        path,
        Some(Pos::START),
        "front matter opened here is never closed",
    )
    .with_help("add a line containing only --- after the last front-matter key")
    .with_source(text))
}

/// Text that YAML may have typed as a number (`1998`) or a date-like plain scalar; kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawText(pub String);

impl<'de> Deserialize<'de> for RawText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date such as 2019-12-27, 2019-12 or 1998")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawText, E> {
                Ok(RawText(v.trim().to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawText, E> {
                Ok(RawText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawText, E> {
                Ok(RawText(v.to_string()))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A required text field that YAML may have written as null (`title: ~`, `title:`): kept apart
/// from a missing key so each gets its own message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<String>::deserialize(deserializer).map(Text)
    }
}

/// An article's front matter as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArticle {
    pub title: Text,
    pub date: RawText,
    pub updated: Option<RawText>,
    pub summary: Option<String>,
    pub slug: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub sources: Vec<RawSource>,
    #[serde(default)]
    pub entities: Vec<RawEntityRef>,
    #[serde(default)]
    pub events: Vec<RawEvent>,
    #[serde(default)]
    pub claims: Vec<RawClaim>,
    #[serde(default)]
    pub updates: Vec<RawUpdate>,
}

/// A source as written in front matter or `_sources.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub id: String,
    pub title: Text,
    pub publisher: Option<String>,
    pub kind: SourceKind,
    pub url: Option<String>,
    pub published: Option<RawText>,
    pub accessed: Option<RawText>,
    pub archive: Option<String>,
    pub via: Option<String>,
}

/// An entity as written in `_entities.yaml` or inline in front matter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEntity {
    pub id: String,
    pub name: Text,
    pub kind: EntityKind,
    #[serde(default)]
    pub aka: Vec<String>,
    pub role: Option<String>,
    pub description: Option<String>,
}

/// An item of an article's `entities:` list: an id, or an inline definition.
#[derive(Debug)]
pub enum RawEntityRef {
    /// A registry id.
    Id(String),
    /// An inline definition.
    Inline(RawEntity),
}

impl<'de> Deserialize<'de> for RawEntityRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEntityRef;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an entity id or {id, name, kind}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawEntityRef, E> {
                Ok(RawEntityRef::Id(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawEntityRef, A::Error> {
                RawEntity::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawEntityRef::Inline)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A timeline event as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub date: RawText,
    pub title: Text,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub entities: Vec<String>,
    pub id: Option<String>,
}

/// A key claim as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClaim {
    pub id: String,
    pub text: Text,
    pub status: ClaimStatus,
    #[serde(default)]
    pub sources: Vec<String>,
}

/// A change-log entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUpdate {
    pub date: RawText,
    pub note: Text,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_are_found_or_reported() {
        // (input, Ok((yaml, body)) or Err(code))
        type Case<'a> = (&'a str, Result<(&'a str, &'a str), &'a str>);
        let cases: &[Case] = &[
            ("---\ntitle: a\n---\nbody\n", Ok(("title: a\n", "body\n"))),
            ("---\ntitle: a\n---", Ok(("title: a\n", ""))),
            ("---  \ntitle: a\n--- \nbody", Ok(("title: a\n", "body"))),
            (
                "---\ntitle: a\n---\n\n---\nmore\n",
                Ok(("title: a\n", "\n---\nmore\n")),
            ),
            ("---\n---\n", Ok(("", ""))),
            (
                "---\ntitle: a\n\nBody with no closing fence.\n",
                Err("FM-UNCLOSED"),
            ),
            ("---\ntitle: a\n----\n", Err("FM-UNCLOSED")),
            ("\n---\ntitle: a\n---\n", Err("FM-MISSING")),
            ("# Just a heading\n", Err("FM-MISSING")),
            ("", Err("FM-MISSING")),
        ];
        for (text, want) in cases {
            let got = split("a.md", text)
                .map(|s| (&text[s.yaml], &text[s.body]))
                .map_err(|d| d.code);
            assert_eq!(&got, want, "{text:?}");
        }
    }
}
