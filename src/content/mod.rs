//! The content of a briefing as plain values: articles, sources, entities, events, claims.

pub mod article;
pub mod date;
pub mod front_matter;
pub mod load;
pub mod registry;
pub mod slug;
pub mod yaml_path;

use std::ops::Range;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Pos};
use crate::yaml::{self, Seg};
pub use date::Date;
pub use yaml_path::{OwnedSeg, YamlPath};

/// A text file of the site as read from disk: BOM removed, line breaks normalised to `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the site root, with `/` separators.
    pub path: String,
    /// The text.
    pub text: String,
}

/// A parsed input file with the places of its YAML and Markdown parts, so later
/// checks can point back into it without keeping positions for every value.
///
/// Every value parsed from the file keeps the document (in its [`Origin`]), so the text
/// lives as long as they do unless it is released: a build that has checked everything
/// has no more use for it, and at 10k articles it is 75 MB of the peak memory.
#[derive(Debug)]
pub struct Doc {
    /// Path of the file relative to the site root, with `/` separators.
    pub path: String,
    /// The file's text; empty once released.
    text: Mutex<Arc<String>>,
    /// Byte range of the YAML text within the file.
    pub yaml: Range<usize>,
    /// Number of lines before the YAML text.
    pub yaml_line_offset: usize,
    /// Byte range of the Markdown body (empty for registries).
    pub body: Range<usize>,
    /// Fingerprint of the path and of the text before the body (see [`Doc::front_fingerprint`]).
    front_fingerprint: std::sync::OnceLock<u64>,
}

/// A document's text, held while it is read (see [`Doc::read`]).
pub struct DocText<'a> {
    doc: &'a Doc,
    text: Arc<String>,
}

impl DocText<'_> {
    /// The whole file.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The YAML part of the file.
    pub fn yaml_text(&self) -> &str {
        self.text.get(self.doc.yaml.clone()).unwrap_or_default()
    }

    /// The Markdown body.
    pub fn body_text(&self) -> &str {
        self.text.get(self.doc.body.clone()).unwrap_or_default()
    }

    /// The placement of the YAML part, for decoding.
    pub fn placement(&self) -> yaml::Placement<'_> {
        yaml::Placement {
            path: &self.doc.path,
            file_text: &self.text,
            line_offset: self.doc.yaml_line_offset,
        }
    }
}

impl Doc {
    /// The document of `file`, whose YAML and body are at `yaml` and `body`.
    pub fn new(
        file: SourceFile,
        yaml: Range<usize>,
        yaml_line_offset: usize,
        body: Range<usize>,
    ) -> Doc {
        Doc {
            path: file.path,
            text: Mutex::new(Arc::new(file.text)),
            yaml,
            yaml_line_offset,
            body,
            front_fingerprint: std::sync::OnceLock::new(),
        }
    }

    /// The fingerprint of the path and of everything before the body (the front matter),
    /// made on first use and kept: an incremental build takes it for every article page
    /// after each edit. The front part of the text outlives [`Doc::release_body`]; a
    /// fingerprint first asked for after [`Doc::release_text`] would be of an empty text,
    /// but only one-off builds, which compare nothing, release the text.
    pub fn front_fingerprint(&self) -> u64 {
        *self.front_fingerprint.get_or_init(|| {
            let text = self.read();
            let front = text.text().get(..self.body.start).unwrap_or_default();
            crate::fingerprint::of(&(self.path.as_str(), front))
        })
    }

    /// The text, for reading (empty once released).
    pub fn read(&self) -> DocText<'_> {
        let text = self.text.lock().unwrap_or_else(|e| e.into_inner());
        DocText {
            doc: self,
            text: Arc::clone(&text),
        }
    }

    /// Frees the Markdown body of the text and keeps the front matter (and what precedes
    /// it), once the body is rendered and its diagnostics made: nothing else reads the body,
    /// and every later diagnostic about the file is about its front matter. The bodies are
    /// four fifths of a site's text; freed while the other bodies are rendered, their
    /// memory is reused for those.
    pub fn release_body(&self) {
        let mut text = self.text.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(front) = text.get(..self.body.start)
            && front.len() < text.len()
        {
            *text = Arc::new(front.to_string());
        }
    }

    /// Frees the text. Diagnostics made after this have no line to quote and point at
    /// the start of the file, so only a build that reports nothing more about its
    /// content does it.
    pub fn release_text(&self) {
        *self.text.lock().unwrap_or_else(|e| e.into_inner()) = Arc::default();
    }

    /// Where the YAML value at `path` is in the file (falls back to the start of the YAML).
    pub fn pos_of(&self, path: &[Seg], key: bool) -> Pos {
        let text = self.read();
        match yaml::locate(text.yaml_text(), path, key) {
            Some(pos) => text.placement().file_pos(pos),
            None => Pos::START,
        }
    }

    /// A diagnostic located at the YAML value at `path`.
    pub fn diag_at(
        &self,
        severity_error: bool,
        code: &'static str,
        path: &[Seg],
        message: impl Into<String>,
    ) -> Diagnostic {
        let pos = Some(self.pos_of(path, false));
        let d = if severity_error {
            Diagnostic::error(code, &self.path, pos, message)
        } else {
            Diagnostic::warning(code, &self.path, pos, message)
        };
        d.with_source(self.read().text())
    }

    /// A diagnostic located at a byte offset of the body.
    pub fn body_diag(
        &self,
        severity_error: bool,
        code: &'static str,
        body_offset: usize,
        message: impl Into<String>,
    ) -> Diagnostic {
        let text = self.read();
        let pos = Some(crate::diag::pos_at(
            text.text(),
            self.body.start + body_offset,
        ));
        let d = if severity_error {
            Diagnostic::error(code, &self.path, pos, message)
        } else {
            Diagnostic::warning(code, &self.path, pos, message)
        };
        d.with_source(text.text())
    }
}

/// Where a value was defined: a document and the YAML path inside it.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The document.
    pub doc: Arc<Doc>,
    /// The YAML path of the value.
    pub path: YamlPath,
}

impl Origin {
    /// The origin of a top-level field.
    pub fn field(doc: &Arc<Doc>, key: &'static str) -> Origin {
        Origin {
            doc: Arc::clone(doc),
            path: YamlPath::new(&[OwnedSeg::Key(key)]),
        }
    }

    /// The origin of a list item under a top-level key (`key: None` for a top-level list).
    pub fn item(doc: &Arc<Doc>, key: Option<&'static str>, index: usize) -> Origin {
        let index = OwnedSeg::Index(index);
        Origin {
            doc: Arc::clone(doc),
            path: match key {
                Some(key) => YamlPath::new(&[OwnedSeg::Key(key), index]),
                None => YamlPath::new(&[index]),
            },
        }
    }

    /// The origin of a field or list element below this one.
    pub fn child(&self, seg: OwnedSeg) -> Origin {
        Origin {
            doc: Arc::clone(&self.doc),
            path: self.path.child(seg),
        }
    }

    fn segs(&self) -> Vec<Seg<'static>> {
        self.path.segs().into_iter().map(OwnedSeg::seg).collect()
    }

    /// `path:line:col` of this value, for messages that name a second place.
    pub fn describe(&self) -> String {
        let pos = self.pos();
        format!("{}:{}:{}", self.doc.path, pos.line, pos.col)
    }

    /// The file position of this value.
    pub fn pos(&self) -> Pos {
        self.doc.pos_of(&self.segs(), false)
    }

    /// An error located at this value.
    pub fn error(&self, code: &'static str, message: impl Into<String>) -> Diagnostic {
        self.doc.diag_at(true, code, &self.segs(), message)
    }

    /// A warning located at this value.
    pub fn warning(&self, code: &'static str, message: impl Into<String>) -> Diagnostic {
        self.doc.diag_at(false, code, &self.segs(), message)
    }
}

/// Kinds of source, a closed vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A government, military or institutional statement.
    Official,
    /// A news agency report.
    Wire,
    /// A newspaper or magazine.
    Press,
    /// Television or radio.
    Broadcast,
    /// A social-media post.
    Social,
    /// A document, report or filing.
    Document,
    /// Anything else (e.g. an unnamed official speaking to reporters).
    Other,
}

impl SourceKind {
    /// Every kind, in display order.
    pub const ALL: [SourceKind; 7] = [
        SourceKind::Official,
        SourceKind::Wire,
        SourceKind::Press,
        SourceKind::Broadcast,
        SourceKind::Social,
        SourceKind::Document,
        SourceKind::Other,
    ];

    /// The vocabulary word.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Official => "official",
            SourceKind::Wire => "wire",
            SourceKind::Press => "press",
            SourceKind::Broadcast => "broadcast",
            SourceKind::Social => "social",
            SourceKind::Document => "document",
            SourceKind::Other => "other",
        }
    }

    /// Name of the kind for one source.
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::Official => "Official statement",
            SourceKind::Wire => "News agency",
            SourceKind::Press => "Press",
            SourceKind::Broadcast => "Broadcast",
            SourceKind::Social => "Social media",
            SourceKind::Document => "Document",
            SourceKind::Other => "Other",
        }
    }

    /// Heading for a group of sources of this kind.
    pub fn plural_label(self) -> &'static str {
        match self {
            SourceKind::Official => "Official statements",
            SourceKind::Wire => "News agencies",
            SourceKind::Press => "Press",
            SourceKind::Broadcast => "Broadcasters",
            SourceKind::Social => "Social media",
            SourceKind::Document => "Documents",
            SourceKind::Other => "Other sources",
        }
    }
}

/// A source that claims rest on.
#[derive(Debug, Clone)]
pub struct Source {
    /// Id used in citations (`[@id]`).
    pub id: String,
    /// Title of the statement, article, post or document.
    pub title: String,
    /// Who published it.
    pub publisher: Option<String>,
    /// What kind of source it is.
    pub kind: SourceKind,
    /// Where to read it (http/https only).
    pub url: Option<String>,
    /// When it was published.
    pub published: Option<Date>,
    /// When it was consulted.
    pub accessed: Option<Date>,
    /// An archived copy.
    pub archive: Option<String>,
    /// The source through which this one is known (a statement quoted in a news report).
    pub via: Option<IdRef>,
    /// Where it was defined.
    pub origin: Origin,
}

impl Source {
    /// Do two definitions carry the same data (so defining both is harmless)?
    pub fn same_data(&self, other: &Source) -> bool {
        let via = |s: &Source| s.via.as_ref().map(|v| v.id.clone());
        (
            &self.title,
            &self.publisher,
            self.kind,
            &self.url,
            &self.published,
            &self.accessed,
            &self.archive,
            via(self),
        ) == (
            &other.title,
            &other.publisher,
            other.kind,
            &other.url,
            &other.published,
            &other.accessed,
            &other.archive,
            via(other),
        )
    }
}

/// Kinds of entity, a closed vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    /// A person.
    Person,
    /// An organisation, institution, armed group, government body.
    Organisation,
    /// A place.
    Place,
    /// Anything else.
    Other,
}

impl EntityKind {
    /// Every kind, in display order.
    pub const ALL: [EntityKind; 4] = [
        EntityKind::Person,
        EntityKind::Organisation,
        EntityKind::Place,
        EntityKind::Other,
    ];

    /// The vocabulary word.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organisation => "organisation",
            EntityKind::Place => "place",
            EntityKind::Other => "other",
        }
    }

    /// Name of the kind for one entity.
    pub fn label(self) -> &'static str {
        match self {
            EntityKind::Person => "Person",
            EntityKind::Organisation => "Organisation",
            EntityKind::Place => "Place",
            EntityKind::Other => "Other",
        }
    }

    /// Heading for a group of entities of this kind.
    pub fn plural_label(self) -> &'static str {
        match self {
            EntityKind::Person => "People",
            EntityKind::Organisation => "Organisations",
            EntityKind::Place => "Places",
            EntityKind::Other => "Other",
        }
    }
}

/// A person, organisation or place.
#[derive(Debug, Clone)]
pub struct Entity {
    /// Id used in mentions (`[[id]]`) and URLs.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What it is.
    pub kind: EntityKind,
    /// Other names.
    pub aka: Vec<String>,
    /// Role in the story, shown on hover.
    pub role: Option<String>,
    /// A sentence or two.
    pub description: Option<String>,
    /// Where it was defined.
    pub origin: Origin,
}

impl Entity {
    /// Do two definitions carry the same data?
    pub fn same_data(&self, other: &Entity) -> bool {
        (
            &self.name,
            self.kind,
            &self.aka,
            &self.role,
            &self.description,
        ) == (
            &other.name,
            other.kind,
            &other.aka,
            &other.role,
            &other.description,
        )
    }
}

/// An id reference written in front matter, with its origin for error messages.
#[derive(Debug, Clone)]
pub struct IdRef {
    /// The id as written.
    pub id: String,
    /// Where it was written.
    pub origin: Origin,
}

/// A dated event, merged into the timeline.
#[derive(Debug, Clone)]
pub struct Event {
    /// Optional id: the same id in several articles is one event.
    pub id: Option<String>,
    /// When.
    pub date: Date,
    /// What happened, one sentence.
    pub title: String,
    /// Sources it rests on.
    pub sources: Vec<IdRef>,
    /// Entities involved.
    pub entities: Vec<IdRef>,
    /// Where it was defined.
    pub origin: Origin,
}

/// How firm a claim is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimStatus {
    /// Established by the actor itself or by independent evidence.
    Confirmed,
    /// Reported by a credible source, not independently confirmed.
    Reported,
    /// Asserted by an interested party.
    Claimed,
    /// Contested by other credible sources.
    Disputed,
    /// Denied by a party concerned.
    Denied,
    /// Not verified by anyone yet.
    Unverified,
}

impl ClaimStatus {
    /// Every status, in legend order.
    pub const ALL: [ClaimStatus; 6] = [
        ClaimStatus::Confirmed,
        ClaimStatus::Reported,
        ClaimStatus::Claimed,
        ClaimStatus::Disputed,
        ClaimStatus::Denied,
        ClaimStatus::Unverified,
    ];

    /// The vocabulary word.
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Confirmed => "confirmed",
            ClaimStatus::Reported => "reported",
            ClaimStatus::Claimed => "claimed",
            ClaimStatus::Disputed => "disputed",
            ClaimStatus::Denied => "denied",
            ClaimStatus::Unverified => "unverified",
        }
    }

    /// What the status means, for the legend.
    pub fn meaning(self) -> &'static str {
        match self {
            ClaimStatus::Confirmed => {
                "established by the party concerned or by independent evidence"
            }
            ClaimStatus::Reported => "reported by a credible source, not independently confirmed",
            ClaimStatus::Claimed => "asserted by an interested party",
            ClaimStatus::Disputed => "contested by other credible sources",
            ClaimStatus::Denied => "denied by a party concerned",
            ClaimStatus::Unverified => "not verified by anyone yet",
        }
    }
}

/// A key claim of an article with its attribution status.
#[derive(Debug, Clone)]
pub struct Claim {
    /// Id used in claim marks (`[text](claim:id)`).
    pub id: String,
    /// The claim, one sentence.
    pub text: String,
    /// How firm it is.
    pub status: ClaimStatus,
    /// Sources it rests on.
    pub sources: Vec<IdRef>,
    /// Where it was defined.
    pub origin: Origin,
}

/// A change-log entry.
#[derive(Debug, Clone)]
pub struct Update {
    /// When.
    pub date: Date,
    /// What changed.
    pub note: String,
}

/// A tag as written and its URL slug.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag {
    /// Slug used in the URL.
    pub slug: String,
    /// Text as first written.
    pub name: String,
}

/// One article: its front matter, validated, and its Markdown body (not yet rendered).
#[derive(Debug, Clone)]
pub struct Article {
    /// The parsed file.
    pub doc: Arc<Doc>,
    /// URL segment under `/articles/`.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Publication date.
    pub date: Date,
    /// Last update.
    pub updated: Option<Date>,
    /// Plain summary for lists, feeds and meta tags.
    pub summary: Option<String>,
    /// Topics.
    pub tags: Vec<Tag>,
    /// Drafts are built only with `--drafts`.
    pub draft: bool,
    /// Sources defined in this article (shared with the site's register of sources).
    pub sources: Vec<Arc<Source>>,
    /// Entities listed in the front matter (ids; inline definitions are in `inline_entities`).
    pub entities: Vec<IdRef>,
    /// Entities defined inline in this article.
    pub inline_entities: Vec<Entity>,
    /// Dated events.
    pub events: Vec<Event>,
    /// Key claims.
    pub claims: Vec<Claim>,
    /// Change log.
    pub updates: Vec<Update>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Doc {
        let text = "---\ntitle: A\nsources:\n  - id: x\n---\nBody [@y].\n";
        let file = SourceFile {
            path: "content/a.md".into(),
            text: text.into(),
        };
        Doc::new(file, 4..32, 1, 36..text.len())
    }

    #[test]
    fn a_released_text_leaves_diagnostics_unlocated_but_whole() {
        let doc = doc();
        let path = [Seg::Key("sources"), Seg::Index(0)];
        // (diagnostic, position and quoted line before the release, the same after)
        type Make = fn(&Doc, &[Seg]) -> Diagnostic;
        let cases: [(Make, Pos, &str); 2] = [
            (
                |d, p| d.diag_at(true, "X", p, "m"),
                Pos { line: 4, col: 5 },
                "  - id: x",
            ),
            (
                |d, _| d.body_diag(false, "Y", 5, "m"),
                Pos { line: 6, col: 6 },
                "Body [@y].",
            ),
        ];
        for (make, pos, line) in cases {
            let d = make(&doc, &path);
            assert_eq!((d.pos, d.line_text.as_deref()), (Some(pos), Some(line)));
        }
        assert_eq!(doc.read().body_text(), "Body [@y].\n");
        doc.release_text();
        assert_eq!(doc.read().text(), "");
        for (make, _, _) in cases {
            let d = make(&doc, &path);
            assert_eq!(d.path, "content/a.md");
            assert_eq!((d.pos, d.line_text), (Some(Pos::START), None));
        }
    }

    #[test]
    fn a_released_body_keeps_the_front_matter_located() {
        let doc = doc();
        doc.release_body();
        assert_eq!(
            doc.read().text(),
            "---\ntitle: A\nsources:\n  - id: x\n---\n"
        );
        assert_eq!(doc.read().body_text(), "");
        let d = doc.diag_at(true, "X", &[Seg::Key("sources"), Seg::Index(0)], "m");
        let located = (d.pos, d.line_text.as_deref());
        assert_eq!(located, (Some(Pos { line: 4, col: 5 }), Some("  - id: x")));
        // A body diagnostic made after it (none is, in a build) points at the end.
        let d = doc.body_diag(false, "Y", 5, "m");
        assert_eq!((d.pos, d.line_text), (Some(Pos { line: 6, col: 1 }), None));
        doc.release_body();
        assert_eq!(doc.read().text().len(), 36);
    }
}
