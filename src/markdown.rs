//! Markdown bodies to HTML: citations, entity mentions, claim marks, heading ids, side notes.
//!
//! [`render`] runs pulldown-cmark (tables, GFM footnotes, strikethrough, smart
//! punctuation, wiki links) over an article body and rewrites its event
//! stream in linear time, without recursion per nesting level. Every
//! [`Problem`] carries the byte offset of its cause in the body.
//!
//! * **Citations** `[@id]`, `[@a; @b]`, `[@id, para. 4]`, `[@a, p. 3; @b]`,
//!   also `[@a][@b]` (ids are `[A-Za-z0-9_.:-]+`; the locator is the text
//!   after the first comma). pulldown-cmark hands every `[...]` without a link
//!   definition to the broken-link callback, which accepts those whose *source
//!   text* parses as a citation group, so smart punctuation and emphasis never
//!   touch ids or locators. Sources are numbered in order of first use (body
//!   order; a footnote's citations count where the footnote is first
//!   referenced) and each use renders as
//!   `<sup class="cite"><a class="cite-link" href="#ref-N" id="cite-N-K">N</a></sup>`,
//!   with `data-locator="…"` (escaped) on the link when the use has a
//!   locator; several ids in one bracket are adjacent sups joined by
//!   `<sup class="cite-sep">,</sup>`. The markup carries no card: without
//!   script the citation is a plain link to the reference list entry
//!   `id="ref-N"` that the template renders (title, publisher, dates,
//!   locators, back links), and the theme's `brief.js` shows a card on hover
//!   and focus filled from that entry (and `data-locator`). Side-note copies
//!   of a footnote's citations carry no id.
//!   Inside a link or claim mark (links do not nest) a use is
//!   `<sup class="cite" id="cite-N-K">N</sup>`, so the reference list's back
//!   link still resolves. Unknown ids: error `CITE-UNKNOWN`, rendered as
//!   `<span class="cite-unknown">[@id]</span>`. `[@]`, `[@x` and other
//!   near-citations stay literal text with a warning `CITE-MALFORMED`.
//! * **Mentions** `[[id]]`, `[[id|text]]` →
//!   `<a class="mention" href="{base}entities/{id}/" title="{role}">` (the
//!   role shows as the native tooltip; the entity's name is the text when
//!   there is no `|text`). Unknown ids: error
//!   `ENTITY-UNKNOWN`, rendered as `<span class="mention mention-unknown">`.
//! * **Claim marks** `[text](claim:id)` →
//!   `<a class="claim-mark claim-{status}" href="#claim-{id}"><mark>text</mark><span class="claim-status"> ({status})</span></a>`
//!   (the template gives each claim of the panel `id="claim-{id}"`). Unknown
//!   ids: error `CLAIM-UNKNOWN`, rendered as the bare text.
//! * **Links and images** keep their destination only when it is relative,
//!   a `#fragment`, `http:`, `https:` or `mailto:`, checked after removing
//!   tabs and newlines, trimming whitespace and control characters and
//!   lower-casing the scheme (entities are already decoded by the parser).
//!   Anything else is error `LINK-SCHEME` and renders as the text (alt
//!   text) only. Inside a link, nested mentions, claim marks and citations
//!   render without their own `<a>` so anchors never nest.
//! * **Citations and mentions inside link text** (`[it was ordered
//!   [@dod]](claim:c1)`, `[[[soleimani]] ordered it](claim:c1)`, `[see the
//!   report [@a]](https://…)`): the parser would make the inner `[@dod]` or
//!   `[[soleimani]]` a link of its own and, links not nesting, drop the
//!   outer one. So when a `]` that closes nothing is followed by `(` or `[`,
//!   the body is parsed again without wiki links and citation links to find
//!   the citations and mentions in link (and image) text, then once more
//!   with their brackets masked (replaced by `%`: same offsets), which keeps
//!   the outer link; the rewriter renders them from their source spans. Any
//!   that the masked parse puts inside a wiki link are left as they were.
//! * **Headings** are demoted one level (`#` → `<h2>`, …, `######` stays
//!   `<h6>`) and get ids: an ASCII slug of the text (common Latin diacritics
//!   transliterated, other characters are separators, empty → `section`),
//!   `h-` prefixed when it would start with `ref-`, `cite-`, `claim-`, `fn-`
//!   or `fnref-`, then `-2`, `-3`, … for repeats.
//! * **Footnotes** render twice. At the first reference from the body text
//!   (not inside a heading or link): `<sup class="fn-ref" id="fnref-L"><a
//!   href="#fn-L">n</a></sup>` followed by `<span class="sidenote"
//!   role="note"><span class="sidenote-number">n</span> …</span>`, whose
//!   blocks become spans (`sidenote-p`, `sidenote-h`, `sidenote-quote`,
//!   `sidenote-list`, `sidenote-li`, `sidenote-table`, `sidenote-tr`,
//!   `sidenote-td`, `<code class="sidenote-code">`) and which carries no ids.
//!   Later references are `id="fnref-L_k"` without a side note. At the end:
//!   `<section class="footnotes" aria-label="Notes"><ol><li id="fn-L">…` with
//!   one `<a class="fn-back">` back link per reference. `L` is the label
//!   reduced to `[A-Za-z0-9-]` and made unique; notes are numbered by first
//!   reference; undefined references stay literal text; unreferenced
//!   definitions are dropped with a warning `FOOTNOTE-UNUSED` (their content
//!   is not checked); a repeated label is a warning `FOOTNOTE-DUPLICATE`.
//!
//! Raw HTML (see [`Options::raw_html_trusted`]). Untrusted (the default):
//! each HTML *block* is cleaned on its own by ammonia's allow-list (no script,
//! style, iframe, base, svg, form controls, `on*`/`style`/`id`/`class`
//! attributes; URL schemes http, https, mailto; comments removed). Inline
//! HTML arrives tag by tag, so it cannot be cleaned as a unit: it is escaped
//! and shown as text, except comments, which are dropped. A block nested more
//! than 128 deep or with more than 24 unclosed inline formatting tags (which
//! would make the HTML5 tree builder superlinear) is shown escaped in
//! `<pre class="raw-html">` with a warning `HTML-TOO-COMPLEX`. Sanitising
//! makes raw HTML safe, not valid: an author's `<b><p>…` stays misnested.
//! Trusted: raw HTML passes through unchanged.

use ahash::{AHashMap as HashMap, AHashSet as HashSet};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::ops::Range;

use pulldown_cmark::{
    BrokenLink, CowStr, Event, HeadingLevel, LinkType, Options as CmarkOptions, Parser, Tag,
    TagEnd, html,
};

/// What the renderer needs to know about the rest of the site. Answers
/// borrow from the lookup: rendering copies only what it writes.
pub trait Lookup {
    /// Whether a source id is known (article-local first, then the registry:
    /// the caller handles that). A citation needs nothing else: its card is
    /// filled in the browser from the reference list.
    fn has_source(&self, id: &str) -> bool;
    /// An entity by id.
    fn entity(&self, id: &str) -> Option<EntityCard<'_>>;
    /// A claim of the article being rendered.
    fn claim(&self, id: &str) -> Option<ClaimCard<'_>>;
    /// The closest known id, for "did you mean" (may return None).
    fn suggest(&self, kind: RefKind, id: &str) -> Option<String>;
}

/// The kind of id a body refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    /// `[@id]`
    Source,
    /// `[[id]]`
    Entity,
    /// `[text](claim:id)`
    Claim,
}

/// What a mention shows.
#[derive(Debug, Clone, Copy)]
pub struct EntityCard<'l> {
    /// Shown for `[[id]]`.
    pub name: &'l str,
    /// Shown on hover (`title`).
    pub role: Option<&'l str>,
}

/// What a claim mark shows.
#[derive(Debug, Clone, Copy)]
pub struct ClaimCard<'l> {
    /// confirmed | reported | claimed | disputed | denied | unverified
    pub status: &'l str,
}

/// Rendering options.
pub struct Options<'a> {
    /// Site path prefix, e.g. `"/briefings/"`; always starts and ends with '/'.
    pub base_path: &'a str,
    /// `false` (the default in `brief.yaml`): HTML blocks are sanitised with
    /// ammonia and inline HTML is escaped as text. `true`: raw HTML passes
    /// through unchanged.
    pub raw_html_trusted: bool,
}

/// A cited source and every place it is cited.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Citation {
    /// The source id.
    pub id: String,
    /// 1-based, order of first use.
    pub number: usize,
    /// Every use, in the order they were rendered (K of `cite-N-K` is the index + 1).
    pub uses: Vec<CitationUse>,
}

impl Citation {
    /// Id of the element in the text of use `index` (of `uses`), e.g. "cite-2-1". Made
    /// when asked for rather than kept: a site of 10k articles has 458,000 uses.
    pub fn use_anchor(&self, index: usize) -> String {
        let mut anchor = String::with_capacity(16);
        self.push_use_anchor(&mut anchor, index);
        anchor
    }

    /// [`Self::use_anchor`] appended to `out`.
    fn push_use_anchor(&self, out: &mut String, index: usize) {
        out.push_str("cite-");
        out.push_str(itoa::Buffer::new().format(self.number));
        out.push('-');
        out.push_str(itoa::Buffer::new().format(index + 1));
    }

    /// The links from a reference back to each use in the text, as the reference list
    /// prints them (`None` for a source that is never cited in the text). Printed here,
    /// not by the template: a template loop over one value per use cost 7 % of a
    /// build's instructions (bench/README.md).
    pub fn backlinks_html(&self) -> Option<String> {
        if self.uses.is_empty() {
            return None;
        }
        let mut html = String::with_capacity(64 + 72 * self.uses.len());
        html.push_str(
            "<span class=\"backlinks\"><span aria-hidden=\"true\">\u{21a9}&#xFE0E;</span>",
        );
        for (i, used) in self.uses.iter().enumerate() {
            let label = use_label(i);
            html.push_str(" <a href=\"#");
            self.push_use_anchor(&mut html, i);
            html.push_str("\" aria-label=\"Back to citation ");
            html.push_str(&label);
            if let Some(locator) = &used.locator {
                html.push_str(" (");
                esc_into(&mut html, locator);
                html.push(')');
            }
            html.push_str("\">");
            html.push_str(&label);
            html.push_str("</a>");
        }
        html.push_str("</span>");
        Some(html)
    }
}

/// The label of use `i` of a citation: "a" to "z", then "aa", "ab", ...
fn use_label(i: usize) -> String {
    let mut n = i;
    let mut label = Vec::new();
    loop {
        label.push(b'a' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    label.reverse();
    String::from_utf8(label).unwrap_or_default()
}

/// One citation of a source in the text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CitationUse {
    /// The text after the first comma, e.g. "para. 4".
    pub locator: Option<String>,
}

/// A heading of the body, for a table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Heading {
    /// The rendered level (2..=6: body headings are demoted by one).
    pub level: u8,
    /// The `id` attribute, unique within the body.
    pub id: String,
    /// Plain text (citations and notes left out), whitespace collapsed.
    pub text: String,
}

/// Something wrong in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Byte offset into the body text.
    pub offset: usize,
    /// E.g. `CITE-UNKNOWN`, `CITE-MALFORMED`, `ENTITY-UNKNOWN`, `CLAIM-UNKNOWN`,
    /// `LINK-SCHEME`, `HTML-TOO-COMPLEX`, `FOOTNOTE-UNUSED`, `FOOTNOTE-DUPLICATE`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Errors fail the build; warnings do not.
    pub is_error: bool,
}

/// The result of [`render`].
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The body as an HTML fragment (end notes included).
    pub html: String,
    /// Cited sources in number order.
    pub citations: Vec<Citation>,
    /// Entity ids in order of first mention, deduplicated.
    pub mentions: Vec<String>,
    /// Claim ids marked in the body, deduplicated.
    pub claims: Vec<String>,
    /// Headings in order, for a table of contents.
    pub headings: Vec<Heading>,
    /// Errors and warnings, sorted by offset.
    pub problems: Vec<Problem>,
    /// Fingerprint of `html`, made on first use and kept with the body: an incremental
    /// build takes the fingerprint of every article page after each edit.
    html_fingerprint: std::sync::OnceLock<u64>,
    /// Fingerprint of `citations` and `headings`, kept likewise.
    lists_fingerprint: std::sync::OnceLock<u64>,
}

impl Rendered {
    /// The fingerprint of `html` (see [`crate::fingerprint`]).
    pub fn html_fingerprint(&self) -> u64 {
        *(self.html_fingerprint).get_or_init(|| crate::fingerprint::of(self.html.as_str()))
    }

    /// The fingerprint of `citations` and `headings`: hashing them for each of 10k article
    /// pages after every edit of front matter took a tenth of the thread time of the
    /// pages' keys.
    pub fn lists_fingerprint(&self) -> u64 {
        *(self.lists_fingerprint)
            .get_or_init(|| crate::fingerprint::of(&(&self.citations, &self.headings)))
    }
}

/// Renders a Markdown body. Pure: no I/O, no global state, linear time, never panics.
pub fn render(body: &str, lookup: &dyn Lookup, options: &Options) -> Rendered {
    let cmark = CmarkOptions::ENABLE_TABLES
        | CmarkOptions::ENABLE_FOOTNOTES
        | CmarkOptions::ENABLE_GFM
        | CmarkOptions::ENABLE_STRIKETHROUGH
        | CmarkOptions::ENABLE_SMART_PUNCTUATION
        | CmarkOptions::ENABLE_WIKILINKS;
    let mut sh = Shared {
        body,
        lookup,
        options,
        sanitizer: None,
        citations: Vec::new(),
        cite_index: HashMap::new(),
        mentions: Vec::new(),
        mention_set: HashSet::new(),
        claims: Vec::new(),
        claim_set: HashSet::new(),
        headings: Vec::new(),
        heading_ids: IdSet::default(),
        problems: Vec::new(),
        notes: Notes::default(),
        inner: Vec::new(),
        cite_spans: CiteSpans::default(),
    };

    // Pass 1: split footnote definitions from the main flow. A citation or
    // mention inside a link's text ends the link (links do not nest), so when
    // the parse may have lost a link that way, the body is parsed again with
    // their brackets masked (see `inner_constructs`).
    let mut lost = false;
    let scanned = RefCell::new(CiteSpans::default());
    let events = parse(body, body, cmark, &scanned).inspect(|(event, range)| {
        lost = lost || closes_nothing_before_link(body, event, range);
    });
    let mut main = split_notes(&mut sh, events);
    if lost {
        let mut inner = inner_constructs(body, cmark - CmarkOptions::ENABLE_WIKILINKS);
        if let Some(events) = parse_masked(body, cmark, &mut inner, &scanned) {
            sh.notes = Notes::default();
            sh.problems.clear();
            main = split_notes(&mut sh, events.into_iter());
            sh.inner = inner;
        }
    }

    sh.cite_spans = scanned.into_inner();

    // Pass 2: rewrite the main flow, then every footnote it (transitively) uses.
    let main_pieces = walk(&mut sh, main, false);
    let mut next = 0;
    while let Some(&index) = sh.notes.order.get(next) {
        next += 1;
        transform_def(&mut sh, index);
    }
    for def in &sh.notes.defs {
        if def.number == 0 {
            sh.problems.push(Problem {
                offset: def.offset,
                code: "FOOTNOTE-UNUSED",
                message: format!("footnote '[^{}]' is never referenced", def.label),
                help: Some("reference it with [^label] or remove it".to_string()),
                is_error: false,
            });
        }
    }

    // Pass 3: emit HTML. Events borrow the pieces' text where they can.
    // A note's pieces are emitted twice (as a side note and in the end notes), each
    // wrapped in a few events.
    let note_pieces: usize = (sh.notes.defs.iter())
        .map(|d| d.pieces.as_ref().map_or(0, Vec::len) + 4)
        .sum();
    let mut events: Vec<Event<'_>> = Vec::with_capacity(main_pieces.len() + 2 * note_pieces + 8);
    let cx = EmitCx {
        notes: &sh.notes,
        citations: &sh.citations,
    };
    emit(&main_pieces, Mode::Full, &cx, &mut events);
    if !sh.notes.order.is_empty() {
        events.push(Event::Html(
            "<section class=\"footnotes\" aria-label=\"Notes\">\n<ol>\n".into(),
        ));
        for &index in &sh.notes.order {
            let Some(def) = sh.notes.defs.get(index) else {
                continue;
            };
            events.push(Event::Html(
                format!("<li id=\"fn-{}\">\n", def.html_id).into(),
            ));
            if let Some(pieces) = &def.pieces {
                emit(pieces, Mode::Full, &cx, &mut events);
            }
            let mut back = String::new();
            for k in 1..=def.refs {
                if k == 1 {
                    let _ = write!(
                        back,
                        "<a href=\"#fnref-{}\" class=\"fn-back\" aria-label=\"Back to text\">\u{21a9}</a>",
                        def.html_id
                    );
                } else {
                    let _ = write!(
                        back,
                        " <a href=\"#fnref-{}_{k}\" class=\"fn-back\" aria-label=\"Back to reference {k}\">\u{21a9}<sup>{k}</sup></a>",
                        def.html_id
                    );
                }
            }
            back.push_str("\n</li>\n");
            events.push(Event::Html(back.into()));
        }
        events.push(Event::Html("</ol>\n</section>\n".into()));
    }
    // Citation and mention markup makes the HTML two to three times as long as the text.
    let mut out = String::with_capacity(body.len() * 5 / 2);
    html::push_html(&mut out, events.into_iter());

    sh.problems.sort_by_key(|p| p.offset);
    Rendered {
        html: out,
        citations: sh.citations,
        mentions: sh.mentions,
        claims: sh.claims,
        headings: sh.headings,
        problems: sh.problems,
        html_fingerprint: std::sync::OnceLock::new(),
        lists_fingerprint: std::sync::OnceLock::new(),
    }
}

/// Moves footnote definitions out of the main flow into `sh.notes`.
fn split_notes<'a>(
    sh: &mut Shared<'a, '_>,
    events: impl Iterator<Item = (Event<'a>, Range<usize>)>,
) -> Vec<(Event<'a>, Range<usize>)> {
    // About one event per dozen bytes of prose: growing the list step by step from empty
    // cost more than the parse itself on long bodies.
    let mut main: Vec<(Event<'a>, Range<usize>)> = Vec::with_capacity(sh.body.len() / 12);
    let mut stack: Vec<Option<usize>> = Vec::new();
    for (event, range) in events {
        match event {
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let key = label.to_lowercase();
                if sh.notes.by_label.contains_key(&key) {
                    sh.problem(
                        range.start,
                        "FOOTNOTE-DUPLICATE",
                        format!(
                            "footnote '[^{label}]' is defined twice; the first definition is used"
                        ),
                        Some("give each footnote its own label".to_string()),
                        false,
                    );
                    stack.push(None);
                } else {
                    let index = sh.notes.defs.len();
                    sh.notes.by_label.insert(key, index);
                    sh.notes.defs.push(Def {
                        label: label.to_string(),
                        offset: range.start,
                        events: Vec::new(),
                        pieces: None,
                        number: 0,
                        html_id: String::new(),
                        refs: 0,
                        sidenote_done: false,
                    });
                    stack.push(Some(index));
                }
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                stack.pop();
            }
            event => match stack.last() {
                None => main.push((event, range)),
                Some(Some(index)) => {
                    if let Some(def) = sh.notes.defs.get_mut(*index) {
                        def.events.push((event, range));
                    }
                }
                Some(None) => {}
            },
        }
    }

    main
}

// ---------------------------------------------------------------------------
// State

struct Shared<'a, 'r> {
    body: &'a str,
    lookup: &'r dyn Lookup,
    options: &'r Options<'r>,
    sanitizer: Option<ammonia::Builder<'static>>,
    citations: Vec<Citation>,
    /// Citation index by source id (ids borrowed from the body).
    cite_index: HashMap<&'a str, usize>,
    mentions: Vec<String>,
    mention_set: HashSet<String>,
    claims: Vec<String>,
    claim_set: HashSet<String>,
    headings: Vec<Heading>,
    heading_ids: IdSet,
    problems: Vec<Problem>,
    notes: Notes<'a>,
    /// Citations and mentions inside link text, sorted by offset.
    inner: Vec<Inner>,
    /// The citation spans the parser accepted, scanned (see [`CiteSpans`]).
    cite_spans: CiteSpans<'a>,
}

#[derive(Default)]
struct Notes<'a> {
    defs: Vec<Def<'a>>,
    by_label: HashMap<String, usize>,
    /// Def indices in footnote-number order.
    order: Vec<usize>,
    html_ids: IdSet,
}

/// Unique ids: `base`, then `base-2`, `base-3`, … (amortised linear).
#[derive(Default)]
struct IdSet {
    used: HashSet<String>,
    next: HashMap<String, usize>,
}

impl IdSet {
    fn unique(&mut self, base: String) -> String {
        if self.used.insert(base.clone()) {
            return base;
        }
        let mut n = self.next.get(&base).copied().unwrap_or(2);
        loop {
            let candidate = format!("{base}-{n}");
            n += 1;
            if self.used.insert(candidate.clone()) {
                self.next.insert(base, n);
                return candidate;
            }
        }
    }
}

struct Def<'a> {
    label: String,
    offset: usize,
    events: Vec<(Event<'a>, Range<usize>)>,
    pieces: Option<Vec<Piece<'a>>>,
    /// 0 until first referenced.
    number: usize,
    /// Sanitised label, unique, `[A-Za-z0-9-]` only (so `_` can separate ref counts).
    html_id: String,
    refs: usize,
    sidenote_done: bool,
}

/// The rewritten stream; rendered once with ids (body, end notes) and, for
/// footnotes, once more without ids and with inline-only markup (side notes).
enum Piece<'a> {
    Ev(Event<'a>),
    /// Id-free phrasing markup, emitted verbatim in every mode.
    Inline(Cow<'static, str>),
    /// Sanitised or trusted block HTML; left out of side notes.
    Block(String),
    /// The `k`th use of `citations[cite]` (its locator is in that use).
    Cite {
        cite: usize,
        k: usize,
        linked: bool,
    },
    FnRef {
        def: usize,
        k: usize,
        linked: bool,
        sidenote: bool,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Full,
    Side,
}

enum LinkAction {
    EndLink,
    EndImage,
    Close {
        html: Cow<'static, str>,
        anchor: bool,
    },
    Nothing,
}

impl Shared<'_, '_> {
    fn problem(
        &mut self,
        offset: usize,
        code: &'static str,
        message: String,
        help: Option<String>,
        is_error: bool,
    ) {
        self.problems.push(Problem {
            offset,
            code,
            message,
            help,
            is_error,
        });
    }

    fn unknown(&mut self, offset: usize, kind: RefKind, id: &str) {
        let (code, what, generic) = match kind {
            RefKind::Source => (
                "CITE-UNKNOWN",
                "source",
                "define it under sources: in the front matter or in content/_sources.yaml",
            ),
            RefKind::Entity => (
                "ENTITY-UNKNOWN",
                "entity",
                "define it under entities: in the front matter or in content/_entities.yaml",
            ),
            RefKind::Claim => (
                "CLAIM-UNKNOWN",
                "claim",
                "define it under claims: in the front matter",
            ),
        };
        let help = match self.lookup.suggest(kind, id) {
            Some(s) => format!("did you mean '{s}'?"),
            None => generic.to_string(),
        };
        self.problem(
            offset,
            code,
            format!("unknown {what} '{id}'"),
            Some(help),
            true,
        );
    }

    /// Cleans one raw HTML block with ammonia. Blocks whose nesting could
    /// make the HTML5 tree builder superlinear are shown as text instead.
    fn sanitize(&mut self, offset: usize, html: &str) -> String {
        if html_too_complex(html) {
            self.problem(
                offset,
                "HTML-TOO-COMPLEX",
                "raw HTML block is nested too deeply to be sanitised; it is shown as text"
                    .to_string(),
                Some(format!(
                    "keep raw HTML under {MAX_HTML_DEPTH} levels and {MAX_HTML_FORMATTING} unclosed inline tags, or use Markdown"
                )),
                false,
            );
            return format!("<pre class=\"raw-html\">{}</pre>\n", esc(html));
        }
        let builder = self.sanitizer.get_or_insert_with(|| {
            let mut b = ammonia::Builder::default();
            b.url_schemes(std::collections::HashSet::from(["http", "https", "mailto"]));
            // `target` is not allowed, so `rel=noopener` is moot, and on an
            // `<a>` without `href` it would be invalid HTML.
            b.link_rel(None);
            b
        });
        builder.clean(html).to_string()
    }

    fn heading_id(&mut self, text: &str) -> String {
        let mut base = slugify(text);
        if ["ref-", "cite-", "claim-", "fn-", "fnref-"]
            .iter()
            .any(|p| base.starts_with(p))
        {
            base.insert_str(0, "h-");
        }
        self.heading_ids.unique(base)
    }

    /// Numbers a footnote on first reference; returns (number, k).
    fn footnote_ref(&mut self, index: usize) -> Option<(usize, usize)> {
        let next_number = self.notes.order.len() + 1;
        let def = self.notes.defs.get_mut(index)?;
        if def.number == 0 {
            def.number = next_number;
            let mut base: String = def
                .label
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            if base.is_empty() {
                base = next_number.to_string();
            }
            def.html_id = self.notes.html_ids.unique(base);
            self.notes.order.push(index);
        }
        def.refs += 1;
        Some((def.number, def.refs))
    }
}

fn transform_def(sh: &mut Shared<'_, '_>, index: usize) {
    let events = match sh.notes.defs.get_mut(index) {
        Some(def) if def.pieces.is_none() => std::mem::take(&mut def.events),
        _ => return,
    };
    let pieces = walk(sh, events, true);
    if let Some(def) = sh.notes.defs.get_mut(index) {
        def.pieces = Some(pieces);
    }
}

// ---------------------------------------------------------------------------
// Parsing, and citations and mentions inside link text

/// Parses `src` (the body, or the body with some brackets masked: the same
/// offsets); citation spans are checked against the body itself.
fn parse<'s, 'b>(
    src: &'s str,
    body: &'b str,
    cmark: CmarkOptions,
    scanned: &RefCell<CiteSpans<'b>>,
) -> impl Iterator<Item = (Event<'s>, Range<usize>)> {
    // Accept a broken link only when its source text is a citation group. The
    // destination is empty so that it uses none of the parser's expansion budget.
    let callback = move |link: BrokenLink<'_>| {
        let items = parse_cite_span(body.get(link.span.clone())?)?;
        scanned
            .borrow_mut()
            .insert(link.span.start, (link.span.end, items));
        Some((CowStr::Borrowed(""), CowStr::Borrowed("")))
    };
    Parser::new_with_broken_link_callback(src, cmark, Some(callback)).into_offset_iter()
}

/// The items of the citation spans the parser's broken-link callback accepted, by the
/// span's start (with its end): the walker takes them instead of scanning each span a
/// second time, which took 0.3 % of a build's instructions (callgrind, 1k articles).
type CiteSpans<'b> = HashMap<usize, (usize, Vec<CiteItem<'b>>)>;

/// Whether the event is a `]` that closes nothing but is followed by `(` or
/// `[`: maybe the end of a link whose text held a citation or a mention,
/// which the parser made a link of its own, so the outer one was dropped.
fn closes_nothing_before_link(body: &str, event: &Event<'_>, range: &Range<usize>) -> bool {
    matches!(event, Event::Text(text) if &**text == "]")
        && body.get(range.clone()) == Some("]")
        && matches!(body.as_bytes().get(range.end), Some(b'(' | b'['))
}

/// A citation or mention inside the text of a link (or an image's alt text),
/// whose brackets are masked for the final parse so that the link survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Inner {
    start: usize,
    end: usize,
    kind: InnerKind,
    /// The live brackets: the first two, and the last two (or one) of the span.
    brackets: [usize; 4],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InnerKind {
    /// `[group]`, `[group][]` or `[group][group]`.
    Cite,
    /// `[[dest]]` or `[[dest|display]]` (offset of the '|').
    Mention { pipe: Option<usize> },
}

impl Inner {
    /// The raw wiki text of a mention.
    fn dest(&self) -> Range<usize> {
        let end = match self.kind {
            InnerKind::Mention { pipe: Some(pipe) } => pipe,
            _ => self.end.saturating_sub(2),
        };
        self.start + 2..end
    }

    /// The display text of a `[[dest|display]]` mention.
    fn display(&self) -> Option<Range<usize>> {
        match self.kind {
            InnerKind::Mention { pipe: Some(pipe) } => Some(pipe + 1..self.end.saturating_sub(2)),
            _ => None,
        }
    }
}

/// Citations and mentions inside the text of links and images, sorted by
/// offset: found with a parse without wiki links and citation links, where
/// they are plain bracket text. Linear in the size of the body.
fn inner_constructs(body: &str, cmark: CmarkOptions) -> Vec<Inner> {
    let mut found = Vec::new();
    let mut depth = 0usize;
    // Offsets and bytes of the unescaped brackets in the current link's text.
    let mut brackets: Vec<(usize, u8)> = Vec::new();
    // The last unescaped brackets outside links, in this inline run.
    let mut recent: [Option<(usize, u8)>; 4] = [None; 4];
    // A citation `[@x]` right before a link: once the link's text is masked,
    // the final parse would take both as a full reference `[@x][text]`.
    let mut before: Option<Inner> = None;
    for (event, range) in Parser::new_ext(body, cmark).into_offset_iter() {
        match event {
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => {
                if depth == 0 && body.as_bytes().get(range.start) == Some(&b'[') {
                    before = cite_before(body, recent, range.start);
                }
                depth += 1;
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    let from = found.len();
                    find_inner(body, &brackets, &mut found);
                    if let Some(cite) = before.take()
                        && found.len() > from
                    {
                        found.insert(from, cite);
                    }
                    brackets.clear();
                    recent = [None; 4];
                }
            }
            Event::Text(text)
                if matches!(&*text, "[" | "]")
                    && body.get(range.clone()) == Some(&*text)
                    && !is_escaped(body, range.start) =>
            {
                let bracket = (
                    range.start,
                    text.as_bytes().first().copied().unwrap_or(b'['),
                );
                if depth > 0 {
                    brackets.push(bracket);
                } else {
                    recent = [recent[1], recent[2], recent[3], Some(bracket)];
                }
            }
            Event::Start(tag) if !is_inline(&tag) => recent = [None; 4],
            Event::End(tag) if !is_inline_end(tag) => recent = [None; 4],
            _ => {}
        }
    }
    found
}

/// The citation whose brackets are the last of `recent` and which ends right
/// before `link`: `[group]`, or `[a][b]` when that is one citation group.
fn cite_before(body: &str, recent: [Option<(usize, u8)>; 4], link: usize) -> Option<Inner> {
    let [b0, b1, Some((open, b'[')), Some((close, b']'))] = recent else {
        return None;
    };
    if close + 1 != link {
        return None;
    }
    if let (Some((open0, b'[')), Some((close0, b']'))) = (b0, b1)
        && close0 + 1 == open
        && body.get(open0..link).is_some_and(is_cite_span)
    {
        return Some(Inner {
            start: open0,
            end: link,
            kind: InnerKind::Cite,
            brackets: [open0, close0, open, close],
        });
    }
    if !body.get(open..link).is_some_and(is_cite_span) {
        return None;
    }
    Some(Inner {
        start: open,
        end: link,
        kind: InnerKind::Cite,
        brackets: [open, close, close, close],
    })
}

fn is_inline(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

fn is_inline_end(tag: TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// Mentions and citations made of consecutive `brackets` of one link's text,
/// the way the final parse would find them outside a link.
fn find_inner(body: &str, brackets: &[(usize, u8)], found: &mut Vec<Inner>) {
    let mut i = 0;
    while let Some(&(p, open)) = brackets.get(i) {
        let here = i;
        let at = move |k: usize| brackets.get(here + k).copied();
        i += 1;
        if open != b'[' {
            continue;
        }
        // `[[dest]]`, `[[dest|display]]`: the first '|' splits; dest is not empty.
        if let (Some((p1, b'[')), Some((q, b']')), Some((q1, b']'))) = (at(1), at(2), at(3))
            && p1 == p + 1
            && q1 == q + 1
            && q > p + 2
        {
            let pipe = body
                .get(p + 2..q)
                .and_then(|text| text.find('|'))
                .map(|k| p + 2 + k);
            if pipe != Some(p + 2) {
                found.push(Inner {
                    start: p,
                    end: q + 2,
                    kind: InnerKind::Mention { pipe },
                    brackets: [p, p1, q, q1],
                });
                i += 3;
                continue;
            }
        }
        // `[group]`, `[group][]`, `[group][group]`, as the broken-link callback sees them.
        if let Some((c, b']')) = at(1) {
            let (end, last, used) = match (at(2), at(3)) {
                (Some((n, b'[')), Some((d, b']'))) if n == c + 1 => (d + 1, [n, d], 3),
                _ => (c + 1, [c, c], 1),
            };
            if body.get(p..end).is_some_and(is_cite_span) {
                found.push(Inner {
                    start: p,
                    end,
                    kind: InnerKind::Cite,
                    brackets: [p, c, last[0], last[1]],
                });
                i += used;
            }
        }
    }
}

/// The body with the brackets of `inner` replaced by '%' (ASCII punctuation
/// like a bracket, so emphasis and smart quotes around it are unchanged, but
/// inert): the same length, so every offset still points into the body.
fn mask(body: &str, inner: &[Inner]) -> String {
    let mut bytes = body.as_bytes().to_vec();
    for c in inner {
        for &at in &c.brackets {
            if let Some(b) = bytes.get_mut(at)
                && matches!(*b, b'[' | b']')
            {
                *b = b'%';
            }
        }
    }
    // Only ASCII brackets were replaced, by an ASCII byte.
    String::from_utf8(bytes).unwrap_or_else(|_| body.to_string())
}

/// Parses the body with the brackets of `inner` masked. Constructs that the
/// final parse puts inside a wiki link (the mask can let an enclosing `[[`
/// and `]]` pair up) are left as they were: dropped from `inner`, then the
/// body is parsed again. `None` when nothing is left to mask.
fn parse_masked<'a>(
    body: &'a str,
    cmark: CmarkOptions,
    inner: &mut Vec<Inner>,
    scanned: &RefCell<CiteSpans<'a>>,
) -> Option<Vec<(Event<'a>, Range<usize>)>> {
    // Each round drops at least one construct; a few rounds settle real text.
    for _ in 0..4 {
        if inner.is_empty() {
            return None;
        }
        let masked = mask(body, inner);
        let events: Vec<_> = parse(&masked, body, cmark, scanned).collect();
        let mut inside = vec![false; inner.len()];
        for (event, range) in &events {
            if let Event::Start(
                Tag::Link {
                    link_type: LinkType::WikiLink { .. },
                    ..
                }
                | Tag::Image {
                    link_type: LinkType::WikiLink { .. },
                    ..
                },
            ) = event
            {
                let first = inner.partition_point(|c| c.end <= range.start);
                for (flag, c) in inside.iter_mut().zip(inner.iter()).skip(first) {
                    if c.start >= range.end {
                        break;
                    }
                    *flag = true;
                }
            }
        }
        if !inside.contains(&true) {
            return Some(unmask(events, &masked, body, inner));
        }
        let mut flags = inside.into_iter();
        inner.retain(|_| !flags.next().unwrap_or(false));
    }
    None
}

/// The events of the masked parse for the body: text restored from the body
/// and split at the bounds of `inner` (so that each lies in one part of a
/// construct); other strings copied.
fn unmask<'a>(
    events: Vec<(Event<'_>, Range<usize>)>,
    masked: &str,
    body: &'a str,
    inner: &[Inner],
) -> Vec<(Event<'a>, Range<usize>)> {
    let mut bounds: Vec<usize> = Vec::with_capacity(inner.len() * 4);
    for c in inner {
        bounds.extend([c.start, c.end]);
        if let Some(display) = c.display() {
            bounds.extend([display.start, display.end]);
        }
    }
    bounds.sort_unstable();
    bounds.dedup();
    let mut out = Vec::with_capacity(events.len() + bounds.len());
    for (event, range) in events {
        // Verbatim text only: entities, escapes and smart punctuation hold no mask.
        let verbatim =
            matches!(&event, Event::Text(text) if masked.get(range.clone()) == Some(&**text));
        if !verbatim {
            out.push((event.into_static(), range));
            continue;
        }
        let first = bounds.partition_point(|&b| b <= range.start);
        let mut from = range.start;
        let cuts = bounds.get(first..).unwrap_or(&[]).iter().copied();
        for to in cuts.take_while(|&b| b < range.end).chain([range.end]) {
            if let Some(text) = body.get(from..to) {
                out.push((Event::Text(text.into()), from..to));
            }
            from = to;
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Pass 2: the event rewriter

struct Walker<'a, 'r, 's> {
    sh: &'s mut Shared<'a, 'r>,
    in_def: bool,
    out: Vec<Piece<'a>>,
    links: Vec<LinkAction>,
    anchor_depth: usize,
    image_depth: usize,
    /// Depth of events being skipped (content replaced by our own markup).
    skip: usize,
    code_block: bool,
    /// (index of the Start piece, source level, text so far)
    heading: Option<(usize, HeadingLevel, String)>,
    /// Untrusted HTML block being collected: (offset, source).
    html_block: Option<(usize, String)>,
    /// Offset of a '[' that ended the previous text event.
    pending_bracket: Option<usize>,
    /// The citation or mention of `Shared::inner` being rendered.
    inner: Option<InnerState<'a>>,
}

/// Progress through a citation or mention inside link text. Its events are
/// dropped (its markup is emitted on entry) except a mention's display text;
/// tags that cross its bounds are kept balanced.
struct InnerState<'a> {
    /// Parts still to pass, last first: (end offset, is display text).
    parts: Vec<(usize, bool)>,
    /// Dropped start tags whose end has not come yet (replayed after the part).
    starts: Vec<(Event<'a>, Range<usize>)>,
    /// Open tags in the display text.
    depth: usize,
    /// A mention's wrapper: (index of its opening piece, closing markup, is an anchor).
    wrapper: Option<(usize, &'static str, bool)>,
}

fn walk<'a>(
    sh: &mut Shared<'a, '_>,
    events: Vec<(Event<'a>, Range<usize>)>,
    in_def: bool,
) -> Vec<Piece<'a>> {
    let mut w = Walker {
        sh,
        in_def,
        out: Vec::with_capacity(events.len()),
        links: Vec::new(),
        anchor_depth: 0,
        image_depth: 0,
        skip: 0,
        code_block: false,
        heading: None,
        html_block: None,
        pending_bracket: None,
        inner: None,
    };
    for (event, range) in events {
        w.event(event, range);
    }
    w.cancel_wrapper();
    w.inner = None;
    if let Some((offset, buf)) = w.html_block.take() {
        let clean = w.sh.sanitize(offset, &buf);
        w.out.push(Piece::Block(clean));
    }
    w.out
}

impl<'a> Walker<'a, '_, '_> {
    fn event(&mut self, event: Event<'a>, range: Range<usize>) {
        if self.skip > 0 {
            match event {
                Event::Start(_) => self.skip += 1,
                Event::End(_) => self.skip -= 1,
                _ => {}
            }
            return;
        }
        if self.inner.is_none() && self.sh.inner.is_empty() {
            self.plain(event, range);
        } else if let Some(event) = self.inner_event(event, &range) {
            self.plain(event, range);
        }
    }

    /// Passes an event through the citation or mention inside link text it
    /// belongs to, if any; returns it when it is to be rendered as usual.
    fn inner_event(&mut self, event: Event<'a>, range: &Range<usize>) -> Option<Event<'a>> {
        loop {
            let Some(state) = &mut self.inner else {
                if matches!(event, Event::Text(_))
                    && let Ok(index) = self
                        .sh
                        .inner
                        .binary_search_by_key(&range.start, |c| c.start)
                    && let Some(&construct) = self.sh.inner.get(index)
                {
                    self.enter_inner(construct);
                    continue;
                }
                return Some(event);
            };
            let Some(&(until, display)) = state.parts.last() else {
                self.inner = None;
                continue;
            };
            let is_end = matches!(event, Event::End(_));
            // End events carry their start's range: they never end a part.
            if !is_end && range.start >= until {
                self.leave_part();
                continue;
            }
            if display {
                match event {
                    Event::Start(_) => state.depth += 1,
                    Event::End(_) if state.depth > 0 => state.depth -= 1,
                    // Closes a tag opened before the mention: drop the wrapper.
                    Event::End(_) => self.cancel_wrapper(),
                    _ => {}
                }
                return Some(event);
            }
            return match event {
                Event::Start(_) => {
                    state.starts.push((event, range.clone()));
                    None
                }
                Event::End(_) if state.starts.pop().is_some() => None,
                Event::End(_) => {
                    self.cancel_wrapper();
                    Some(event)
                }
                _ => None,
            };
        }
    }

    fn enter_inner(&mut self, construct: Inner) {
        self.pending_bracket = None;
        let mut state = InnerState {
            parts: vec![(construct.end, false)],
            starts: Vec::new(),
            depth: 0,
            wrapper: None,
        };
        match construct.kind {
            InnerKind::Cite => self.citation(construct.start..construct.end),
            InnerKind::Mention { .. } => {
                let dest = construct.dest();
                let raw = self.sh.body.get(dest.clone()).unwrap_or("");
                let at = dest.start + (raw.len() - raw.trim_start().len());
                let display = construct.display();
                if self.image_depth > 0 {
                    // Alt text: the wiki text only.
                    if display.is_none() {
                        self.push_text(raw.into());
                    }
                } else {
                    let (close, anchor, name) = self.open_mention(raw, at);
                    if display.is_some() {
                        state.wrapper = Some((self.out.len().saturating_sub(1), close, anchor));
                    } else {
                        self.push_text(name.unwrap_or_else(|| raw.to_string()).into());
                        self.out.push(Piece::Inline(Cow::Borrowed(close)));
                        if anchor {
                            self.anchor_depth = self.anchor_depth.saturating_sub(1);
                        }
                    }
                }
                if let Some(display) = display {
                    state.parts.push((display.end, true));
                    state.parts.push((display.start, false));
                }
            }
        }
        self.inner = Some(state);
    }

    /// Ends the current part of the citation or mention being rendered.
    fn leave_part(&mut self) {
        let Some(state) = &mut self.inner else {
            return;
        };
        let Some((_, display)) = state.parts.pop() else {
            self.inner = None;
            return;
        };
        if display {
            if state.depth > 0 {
                // A tag opened in the display text is still open: no wrapper.
                self.cancel_wrapper();
            } else if let Some((_, close, anchor)) = state.wrapper.take() {
                self.out.push(Piece::Inline(Cow::Borrowed(close)));
                if anchor {
                    self.anchor_depth = self.anchor_depth.saturating_sub(1);
                }
            }
            if let Some(state) = &mut self.inner {
                state.depth = 0;
            }
            return;
        }
        let starts = std::mem::take(&mut state.starts);
        let into_display = state.parts.last().is_some_and(|&(_, display)| display);
        if into_display {
            state.depth += starts.len();
        }
        if state.parts.is_empty() {
            self.inner = None;
        }
        // Tags that start in a dropped part and end after it.
        for (event, range) in starts {
            self.plain(event, range);
        }
    }

    /// Drops the wrapper of the mention being rendered (its content stays).
    fn cancel_wrapper(&mut self) {
        let Some((index, _, anchor)) = self.inner.as_mut().and_then(|s| s.wrapper.take()) else {
            return;
        };
        if let Some(piece) = self.out.get_mut(index) {
            *piece = Piece::Inline(Cow::Borrowed(""));
        }
        if anchor {
            self.anchor_depth = self.anchor_depth.saturating_sub(1);
        }
    }

    /// Renders an event outside dropped parts of inner citations and mentions.
    fn plain(&mut self, event: Event<'a>, range: Range<usize>) {
        let is_text = matches!(event, Event::Text(_));
        if !is_text {
            self.pending_bracket = None;
        }
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => {
                if self.image_depth == 0 && !self.code_block {
                    self.scan_malformed(&text, &range);
                }
                self.push_text(text);
            }
            Event::Code(code) => {
                if let Some((_, _, t)) = &mut self.heading {
                    t.push_str(&code);
                }
                self.out.push(Piece::Ev(Event::Code(code)));
            }
            Event::Html(html) => {
                if self.sh.options.raw_html_trusted {
                    self.out.push(Piece::Block(html.to_string()));
                } else if let Some((_, buf)) = &mut self.html_block {
                    buf.push_str(&html);
                } else {
                    let clean = self.sh.sanitize(range.start, &html);
                    self.out.push(Piece::Block(clean));
                }
            }
            Event::InlineHtml(html) => {
                if self.sh.options.raw_html_trusted && self.image_depth == 0 {
                    self.out.push(Piece::Ev(Event::InlineHtml(html)));
                } else if !html.trim_start().starts_with("<!--") {
                    self.out.push(Piece::Ev(Event::Text(html)));
                }
            }
            Event::FootnoteReference(label) => self.footnote_ref(&label),
            other => self.out.push(Piece::Ev(other)),
        }
    }

    fn push_text(&mut self, text: CowStr<'a>) {
        if let Some((_, _, t)) = &mut self.heading {
            t.push_str(&text);
        }
        self.out.push(Piece::Ev(Event::Text(text)));
    }

    fn scan_malformed(&mut self, text: &str, range: &Range<usize>) {
        let pending = self.pending_bracket.take();
        // Only text that is verbatim source can hold an unescaped '['.
        if self.sh.body.get(range.clone()) != Some(text) {
            return;
        }
        if let Some(at) = pending
            && text.starts_with('@')
        {
            self.malformed(at);
        }
        let mut from = 0;
        // A search for '[' then a look at the next byte: a two-byte pattern search
        // costs a setup on every text event, and `str::find` one of its own: `memchr`.
        while let Some(i) = (text.as_bytes().get(from..)).and_then(|t| memchr::memchr(b'[', t)) {
            if text.as_bytes().get(from + i + 1) == Some(&b'@') {
                self.malformed(range.start + from + i);
                from += i + 2;
            } else {
                from += i + 1;
            }
        }
        if text.ends_with('[') {
            self.pending_bracket = Some(range.end - 1);
        }
    }

    fn malformed(&mut self, offset: usize) {
        // `\[@x` is an escaped bracket: the author wants the literal text.
        if is_escaped(self.sh.body, offset) {
            return;
        }
        self.sh.problem(
            offset,
            "CITE-MALFORMED",
            "malformed citation; it is shown as plain text".to_string(),
            Some(
                "write [@id], [@id, locator] or [@a; @b]; use \\[ for a literal bracket"
                    .to_string(),
            ),
            false,
        );
    }

    fn start(&mut self, tag: Tag<'a>, range: Range<usize>) {
        match tag {
            Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            } => match link_type {
                LinkType::ShortcutUnknown
                | LinkType::CollapsedUnknown
                | LinkType::ReferenceUnknown => {
                    self.skip = 1;
                    self.citation(range);
                }
                _ if self.image_depth > 0 => self.links.push(LinkAction::Nothing),
                LinkType::WikiLink { has_pothole } => {
                    self.mention(&dest_url, has_pothole, range);
                }
                _ => self.link(link_type, dest_url, title, id, range),
            },
            Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            } => {
                if self.image_depth > 0 {
                    self.links.push(LinkAction::Nothing);
                    return;
                }
                match check_dest(&dest_url, false) {
                    // An image without a source is its alt text.
                    Ok(clean) if clean.is_empty() => self.links.push(LinkAction::Nothing),
                    Ok(clean) => {
                        self.image_depth += 1;
                        self.links.push(LinkAction::EndImage);
                        self.out.push(Piece::Ev(Event::Start(Tag::Image {
                            link_type,
                            dest_url: clean.into(),
                            title,
                            id,
                        })));
                    }
                    Err(scheme) => {
                        self.refused(range.start, &scheme);
                        self.links.push(LinkAction::Nothing);
                    }
                }
            }
            Tag::Heading { level, .. } => {
                let index = self.out.len();
                self.out.push(Piece::Ev(Event::Start(Tag::Heading {
                    level: demote(level),
                    id: None,
                    classes: Vec::new(),
                    attrs: Vec::new(),
                })));
                self.heading = Some((index, level, String::new()));
            }
            Tag::HtmlBlock => {
                if !self.sh.options.raw_html_trusted {
                    self.html_block = Some((range.start, String::new()));
                }
            }
            Tag::CodeBlock(kind) => {
                self.code_block = true;
                self.out.push(Piece::Ev(Event::Start(Tag::CodeBlock(kind))));
            }
            Tag::FootnoteDefinition(_) => {}
            other => self.out.push(Piece::Ev(Event::Start(other))),
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Link | TagEnd::Image => match self.links.pop() {
                Some(LinkAction::EndLink) => {
                    self.anchor_depth = self.anchor_depth.saturating_sub(1);
                    self.out.push(Piece::Ev(Event::End(TagEnd::Link)));
                }
                Some(LinkAction::EndImage) => {
                    self.image_depth = self.image_depth.saturating_sub(1);
                    self.out.push(Piece::Ev(Event::End(TagEnd::Image)));
                }
                Some(LinkAction::Close { html, anchor }) => {
                    if anchor {
                        self.anchor_depth = self.anchor_depth.saturating_sub(1);
                    }
                    self.out.push(Piece::Inline(html));
                }
                Some(LinkAction::Nothing) | None => {}
            },
            TagEnd::Heading(_) => {
                let Some((index, level, text)) = self.heading.take() else {
                    return;
                };
                let level = demote(level);
                let text = collapse_ws(&text);
                if !self.in_def {
                    let id = self.sh.heading_id(&text);
                    if let Some(piece) = self.out.get_mut(index) {
                        *piece = Piece::Ev(Event::Start(Tag::Heading {
                            level,
                            id: Some(id.clone().into()),
                            classes: Vec::new(),
                            attrs: Vec::new(),
                        }));
                    }
                    self.sh.headings.push(Heading {
                        level: level as u8,
                        id,
                        text,
                    });
                }
                self.out.push(Piece::Ev(Event::End(TagEnd::Heading(level))));
            }
            TagEnd::HtmlBlock => {
                if let Some((offset, buf)) = self.html_block.take() {
                    let clean = self.sh.sanitize(offset, &buf);
                    self.out.push(Piece::Block(clean));
                }
            }
            TagEnd::CodeBlock => {
                self.code_block = false;
                self.out.push(Piece::Ev(Event::End(TagEnd::CodeBlock)));
            }
            TagEnd::FootnoteDefinition => {}
            other => self.out.push(Piece::Ev(Event::End(other))),
        }
    }

    fn refused(&mut self, offset: usize, scheme: &str) {
        self.sh.problem(
            offset,
            "LINK-SCHEME",
            format!("link scheme '{scheme}' is not allowed"),
            Some("use an http(s) or mailto link, or a relative path".to_string()),
            true,
        );
    }

    fn citation(&mut self, range: Range<usize>) {
        let body = self.sh.body;
        let raw = body.get(range.clone()).unwrap_or("");
        let scanned = (self.sh.cite_spans.remove(&range.start))
            .filter(|&(end, _)| end == range.end)
            .map(|(_, items)| items);
        let Some(items) = scanned.or_else(|| parse_cite_span(raw)) else {
            self.push_text(raw.into());
            return;
        };
        if self.image_depth > 0 {
            for item in &items {
                if !self.sh.lookup.has_source(item.id) {
                    self.sh
                        .unknown(range.start + item.at, RefKind::Source, item.id);
                }
            }
            self.push_text(raw.into());
            return;
        }
        let linked = self.anchor_depth == 0;
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.out.push(Piece::Inline(Cow::Borrowed(
                    "<sup class=\"cite-sep\">,</sup>",
                )));
            }
            if !self.sh.lookup.has_source(item.id) {
                self.sh
                    .unknown(range.start + item.at, RefKind::Source, item.id);
                let mut html = String::from("<span class=\"cite-unknown\">[@");
                esc_into(&mut html, item.id);
                html.push_str("]</span>");
                self.out.push(Piece::Inline(Cow::Owned(html)));
                continue;
            }
            let sh = &mut *self.sh;
            let cite = *sh.cite_index.entry(item.id).or_insert_with(|| {
                let index = sh.citations.len();
                sh.citations.push(Citation {
                    id: item.id.to_string(),
                    number: index + 1,
                    uses: Vec::new(),
                });
                index
            });
            let Some(citation) = sh.citations.get_mut(cite) else {
                continue;
            };
            let k = citation.uses.len() + 1;
            citation.uses.push(CitationUse {
                locator: item
                    .locator
                    .map(normalize_locator)
                    .filter(|l| !l.is_empty()),
            });
            self.out.push(Piece::Cite { cite, k, linked });
        }
    }

    fn mention(&mut self, dest: &str, has_pothole: bool, range: Range<usize>) {
        let raw = self.sh.body.get(range.clone()).unwrap_or("");
        let at = if raw.starts_with("[[") {
            range.start + 2 + (dest.len() - dest.trim_start().len())
        } else {
            range.start
        };
        let (close, anchor, name) = self.open_mention(dest, at);
        match name {
            Some(name) if !has_pothole => {
                self.push_text(name.into());
                self.out.push(Piece::Inline(Cow::Borrowed(close)));
                if anchor {
                    self.anchor_depth = self.anchor_depth.saturating_sub(1);
                }
                self.skip = 1;
            }
            // The wiki link's own text follows: the display text, or the id.
            _ => self.links.push(LinkAction::Close {
                html: Cow::Borrowed(close),
                anchor,
            }),
        }
    }

    /// Pushes the opening markup of a mention of `dest` (raw wiki text; `at` is
    /// the offset of its id) and counts an anchor it opens. Returns the closing
    /// markup, whether it is an anchor and the entity's name if it is known.
    fn open_mention(&mut self, dest: &str, at: usize) -> (&'static str, bool, Option<String>) {
        let id = dest.trim();
        let lookup = self.sh.lookup;
        let Some(entity) = lookup.entity(id) else {
            self.sh.unknown(at, RefKind::Entity, id);
            self.out.push(Piece::Inline(Cow::Borrowed(
                "<span class=\"mention mention-unknown\">",
            )));
            return ("</span>", false, None);
        };
        if !self.sh.mention_set.contains(id) {
            self.sh.mention_set.insert(id.to_string());
            self.sh.mentions.push(id.to_string());
        }
        let linked = self.anchor_depth == 0;
        let mut open = String::with_capacity(64 + id.len() + entity.role.map_or(0, str::len));
        if linked {
            open.push_str("<a class=\"mention\" href=\"");
            esc_into(&mut open, self.sh.options.base_path);
            open.push_str("entities/");
            pct_into(&mut open, id);
            open.push_str("/\"");
        } else {
            open.push_str("<span class=\"mention\"");
        }
        if let Some(role) = entity.role {
            open.push_str(" title=\"");
            esc_into(&mut open, role);
            open.push('"');
        }
        open.push('>');
        self.out.push(Piece::Inline(Cow::Owned(open)));
        if linked {
            self.anchor_depth += 1;
        }
        let close = if linked { "</a>" } else { "</span>" };
        (close, linked, Some(entity.name.to_string()))
    }

    fn link(
        &mut self,
        link_type: LinkType,
        dest_url: CowStr<'a>,
        title: CowStr<'a>,
        id: CowStr<'a>,
        range: Range<usize>,
    ) {
        let checked = check_dest(&dest_url, true);
        if let Ok(clean) = &checked
            && let Some(rest) = strip_prefix_ignore_case(clean, "claim:")
        {
            self.claim_mark(rest.trim().to_string(), range);
            return;
        }
        match checked {
            Err(scheme) => {
                self.refused(range.start, &scheme);
                self.links.push(LinkAction::Nothing);
            }
            Ok(_) if self.anchor_depth > 0 => self.links.push(LinkAction::Nothing),
            Ok(clean) => {
                self.anchor_depth += 1;
                self.links.push(LinkAction::EndLink);
                self.out.push(Piece::Ev(Event::Start(Tag::Link {
                    link_type,
                    dest_url: clean.into(),
                    title,
                    id,
                })));
            }
        }
    }

    fn claim_mark(&mut self, claim: String, range: Range<usize>) {
        let lookup = self.sh.lookup;
        let Some(card) = lookup.claim(&claim) else {
            let raw = self.sh.body.get(range.clone()).unwrap_or("");
            let at = raw
                .to_ascii_lowercase()
                .rfind("claim:")
                .map_or(range.start, |i| range.start + i + 6);
            self.sh.unknown(at, RefKind::Claim, &claim);
            self.links.push(LinkAction::Nothing);
            return;
        };
        let linked = self.anchor_depth == 0;
        let mut open = String::with_capacity(64 + claim.len());
        open.push_str(if linked {
            "<a class=\"claim-mark claim-"
        } else {
            "<span class=\"claim-mark claim-"
        });
        open.extend(card.status.chars().filter_map(|c| {
            let c = c.to_ascii_lowercase();
            (c.is_ascii_alphanumeric() || c == '-').then_some(c)
        }));
        if linked {
            open.push_str("\" href=\"#claim-");
            pct_into(&mut open, &claim);
        }
        open.push_str("\"><mark>");
        let mut close = String::from("</mark><span class=\"claim-status\"> (");
        esc_into(&mut close, card.status);
        close.push_str(if linked {
            ")</span></a>"
        } else {
            ")</span></span>"
        });
        self.out.push(Piece::Inline(Cow::Owned(open)));
        if linked {
            self.anchor_depth += 1;
        }
        self.links.push(LinkAction::Close {
            html: Cow::Owned(close),
            anchor: linked,
        });
        if !self.sh.claim_set.contains(&claim) {
            self.sh.claim_set.insert(claim.clone());
            self.sh.claims.push(claim);
        }
    }

    fn footnote_ref(&mut self, label: &str) {
        let index = self.sh.notes.by_label.get(&label.to_lowercase()).copied();
        let Some(index) = index.filter(|_| self.image_depth == 0) else {
            self.push_text(format!("[^{label}]").into());
            return;
        };
        let Some((_, k)) = self.sh.footnote_ref(index) else {
            return;
        };
        let linked = self.anchor_depth == 0;
        let mut sidenote = false;
        // No side note inside headings (a note is not part of a heading's name).
        if !self.in_def && linked && self.heading.is_none() {
            if let Some(def) = self.sh.notes.defs.get_mut(index) {
                sidenote = !def.sidenote_done;
                def.sidenote_done = true;
            }
            if sidenote {
                transform_def(self.sh, index);
            }
        }
        self.out.push(Piece::FnRef {
            def: index,
            k,
            linked,
            sidenote,
        });
    }
}

// ---------------------------------------------------------------------------
// Pass 3: pieces to events

/// What [`emit`] reads besides the pieces.
struct EmitCx<'p, 'a> {
    notes: &'p Notes<'a>,
    citations: &'p [Citation],
}

/// Pieces to events. Text and markup are borrowed from the pieces, not copied.
fn emit<'p, 'a: 'p>(
    pieces: &'p [Piece<'a>],
    mode: Mode,
    cx: &EmitCx<'p, 'a>,
    out: &mut Vec<Event<'p>>,
) {
    for piece in pieces {
        match piece {
            Piece::Ev(event) => {
                if mode == Mode::Side
                    && let Some(html) = side_markup(event)
                {
                    if !html.is_empty() {
                        out.push(Event::InlineHtml(html.into()));
                    }
                    continue;
                }
                out.push(match event {
                    Event::Text(text) => Event::Text(CowStr::Borrowed(text)),
                    Event::Code(code) => Event::Code(CowStr::Borrowed(code)),
                    Event::InlineHtml(html) => Event::InlineHtml(CowStr::Borrowed(html)),
                    Event::Html(html) => Event::Html(CowStr::Borrowed(html)),
                    other => other.clone(),
                });
            }
            Piece::Inline(html) => out.push(Event::InlineHtml(CowStr::Borrowed(html))),
            Piece::Block(html) => {
                if mode == Mode::Full {
                    out.push(Event::Html(CowStr::Borrowed(html)));
                }
            }
            Piece::Cite { cite, k, linked } => {
                let Some(citation) = cx.citations.get(*cite) else {
                    continue;
                };
                let locator = citation
                    .uses
                    .get(k.wrapping_sub(1))
                    .and_then(|u| u.locator.as_deref());
                out.push(Event::InlineHtml(
                    cite_html(citation.number, *k, mode == Mode::Full, *linked, locator).into(),
                ));
            }
            Piece::FnRef {
                def,
                k,
                linked,
                sidenote,
            } => {
                let Some(d) = cx.notes.defs.get(*def) else {
                    continue;
                };
                let n = d.number;
                let fid = &d.html_id;
                let mut html = String::with_capacity(64);
                html.push_str("<sup class=\"fn-ref\"");
                if mode == Mode::Full {
                    if *k == 1 {
                        let _ = write!(html, " id=\"fnref-{fid}\"");
                    } else {
                        let _ = write!(html, " id=\"fnref-{fid}_{k}\"");
                    }
                }
                if *linked {
                    let _ = write!(html, "><a href=\"#fn-{fid}\">{n}</a></sup>");
                } else {
                    let _ = write!(html, ">{n}</sup>");
                }
                out.push(Event::InlineHtml(html.into()));
                if *sidenote
                    && mode == Mode::Full
                    && let Some(inner) = &d.pieces
                {
                    out.push(Event::InlineHtml(
                        format!(
                            "<span class=\"sidenote\" role=\"note\"><span class=\"sidenote-number\">{n}</span> "
                        )
                        .into(),
                    ));
                    emit(inner, Mode::Side, cx, out);
                    out.push(Event::InlineHtml("</span>".into()));
                }
            }
        }
    }
}

/// One use of source `number` (its `k`th): a superscript link to the
/// reference list, with an id (`with_id`: not in side notes) and the
/// escaped locator; inside another link (`!linked`) the bare number.
fn cite_html(
    number: usize,
    k: usize,
    with_id: bool,
    linked: bool,
    locator: Option<&str>,
) -> String {
    // Built by hand, not with `write!`: a large build makes half a million of these.
    let mut digits = itoa::Buffer::new();
    let number = digits.format(number);
    let mut html = String::with_capacity(80 + locator.map_or(0, |l| l.len() + 16));
    html.push_str("<sup class=\"cite\"");
    if linked {
        html.push_str("><a class=\"cite-link\" href=\"#ref-");
        html.push_str(number);
        html.push('"');
    }
    if with_id {
        html.push_str(" id=\"cite-");
        html.push_str(number);
        html.push('-');
        html.push_str(itoa::Buffer::new().format(k));
        html.push('"');
    }
    if linked {
        if let Some(locator) = locator {
            html.push_str(" data-locator=\"");
            esc_into(&mut html, locator);
            html.push('"');
        }
        html.push('>');
        html.push_str(number);
        html.push_str("</a></sup>");
    } else {
        html.push('>');
        html.push_str(number);
        html.push_str("</sup>");
    }
    html
}

/// In a side note, block structure becomes inline spans (`None`: keep the event).
fn side_markup(event: &Event<'_>) -> Option<&'static str> {
    Some(match event {
        Event::Start(tag) => match tag {
            Tag::Paragraph => "<span class=\"sidenote-p\">",
            Tag::Heading { .. } => "<span class=\"sidenote-p sidenote-h\">",
            Tag::BlockQuote(_) => "<span class=\"sidenote-quote\">",
            Tag::CodeBlock(_) => "<code class=\"sidenote-code\">",
            Tag::List(_) => "<span class=\"sidenote-list\">",
            Tag::Item => "<span class=\"sidenote-li\">",
            Tag::Table(_) => "<span class=\"sidenote-table\">",
            Tag::TableHead | Tag::TableRow => "<span class=\"sidenote-tr\">",
            Tag::TableCell => "<span class=\"sidenote-td\">",
            Tag::HtmlBlock
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => "<span>",
            _ => return None,
        },
        Event::End(tag) => match tag {
            TagEnd::CodeBlock => "</code> ",
            TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell => "</span> ",
            TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::Table
            | TagEnd::TableHead
            | TagEnd::TableRow
            | TagEnd::HtmlBlock
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_) => "</span>",
            _ => return None,
        },
        Event::Rule | Event::Html(_) => "",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// Helpers

const MAX_HTML_DEPTH: usize = 128;
const MAX_HTML_FORMATTING: usize = 24;

/// A conservative model of the HTML5 tree builder's open-element stack and
/// list of active formatting elements: html5ever's cost per token grows with
/// both (deep `<div>` nesting or `<p><b title=…></p>` repeated are quadratic
/// or worse), so blocks that could make either long are not parsed at all.
fn html_too_complex(html: &str) -> bool {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "param", "keygen",
    ];
    const FORMATTING: &[&str] = &[
        "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt",
        "u",
    ];
    let mut stack: Vec<String> = Vec::new();
    let mut open: HashMap<String, usize> = HashMap::new();
    let mut formatting: HashMap<String, usize> = HashMap::new();
    let mut formatting_total = 0usize;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = rest.get(lt + 1..).unwrap_or("");
        if let Some(comment) = rest.strip_prefix("!--") {
            rest = comment
                .find("-->")
                .map_or("", |end| comment.get(end + 3..).unwrap_or(""));
            continue;
        }
        let closing = rest.starts_with('/');
        if closing {
            rest = rest.get(1..).unwrap_or("");
        }
        let len = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
        if len == 0 {
            continue;
        }
        let name = rest.get(..len).unwrap_or("").to_ascii_lowercase();
        rest = rest.get(len..).unwrap_or("");
        let is_formatting = FORMATTING.contains(&name.as_str());
        if closing {
            if is_formatting
                && let Some(count) = formatting.get_mut(&name)
                && *count > 0
            {
                *count -= 1;
                formatting_total -= 1;
            }
            if open.get(&name).is_some_and(|&n| n > 0) {
                while let Some(top) = stack.pop() {
                    if let Some(n) = open.get_mut(&top) {
                        *n = n.saturating_sub(1);
                    }
                    if top == name {
                        break;
                    }
                }
            }
        } else if !VOID.contains(&name.as_str()) {
            if is_formatting {
                *formatting.entry(name.clone()).or_insert(0) += 1;
                formatting_total += 1;
                if formatting_total > MAX_HTML_FORMATTING {
                    return true;
                }
            }
            *open.entry(name.clone()).or_insert(0) += 1;
            stack.push(name);
            if stack.len() > MAX_HTML_DEPTH {
                return true;
            }
        }
    }
    false
}

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

/// One `@id` of a citation group, borrowed from the span's source text.
#[derive(Debug, PartialEq, Eq)]
struct CiteItem<'r> {
    id: &'r str,
    /// Byte offset of the '@' in the span's source text.
    at: usize,
    /// The raw text after the first comma (see [`normalize_locator`]).
    locator: Option<&'r str>,
}

/// Whether the byte at `offset` follows an odd number of backslashes.
fn is_escaped(body: &str, offset: usize) -> bool {
    let before = body.as_bytes().get(..offset).unwrap_or(&[]);
    before.iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
}

fn is_id_byte(b: u8) -> bool {
    ID_BYTES[usize::from(b)]
}

/// Which bytes an id may hold: ASCII letters and digits, `_ . : -` (a table: ids are
/// long slugs, and every citation of every body is scanned).
static ID_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':' | b'-');
        b += 1;
    }
    table
};

/// Whether the source text of a bracketed span is a citation (no allocation).
fn is_cite_span(raw: &str) -> bool {
    scan_cite_span(raw, &mut |_| {}).is_some()
}

/// The items of a citation span (see [`scan_cite_span`]).
fn parse_cite_span(raw: &str) -> Option<Vec<CiteItem<'_>>> {
    let mut items = Vec::new();
    scan_cite_span(raw, &mut |item| items.push(item))?;
    Some(items)
}

/// Scans the source text of a bracketed span: `[group]`, `[group][]` or
/// `[group][group]`, where a group is `@id[, locator]` items separated by ';'.
/// Calls `item` for each item; `None` (after maybe some calls) when it is not
/// a citation.
fn scan_cite_span<'r>(raw: &'r str, item: &mut dyn FnMut(CiteItem<'r>)) -> Option<()> {
    if !raw.starts_with('[') {
        return None;
    }
    let close = group_end(raw, 1)?;
    scan_group(raw.get(1..close)?, 1, item)?;
    let rest = raw.get(close + 1..)?;
    if rest.is_empty() || rest == "[]" {
        return Some(());
    }
    if !rest.starts_with('[') {
        return None;
    }
    let start = close + 2;
    let close2 = group_end(raw, start)?;
    if close2 + 1 != raw.len() {
        return None;
    }
    scan_group(raw.get(start..close2)?, start, item)
}

/// Index of the ']' closing a group whose content starts at `from`.
fn group_end(raw: &str, from: usize) -> Option<usize> {
    let bytes = raw.as_bytes();
    let mut i = from;
    // A search for the three bytes that matter, not a test of every byte: source ids
    // are long slugs, and every citation is scanned.
    while let Some(k) = memchr::memchr3(b'\\', b'[', b']', bytes.get(i..)?) {
        i += k;
        match bytes.get(i) {
            Some(b'\\') => i += 2,
            Some(b']') => return Some(i),
            _ => return None,
        }
    }
    None
}

fn scan_group<'r>(content: &'r str, base: usize, item: &mut dyn FnMut(CiteItem<'r>)) -> Option<()> {
    // Byte by byte, and each byte once: every citation is scanned (by the parser's
    // broken-link callback), and `split` then `trim_matches` cost 1,000 instructions a
    // span.
    let mut part_start = 0;
    loop {
        let part = content.get(part_start..)?;
        let lead = space_len(part);
        let after_at = part.get(lead..)?.strip_prefix('@')?;
        let id_len = after_at.bytes().take_while(|&b| is_id_byte(b)).count();
        if id_len == 0 {
            return None;
        }
        let (id, after_id) = after_at.split_at_checked(id_len)?;
        let tail = after_id.get(space_len(after_id)..)?;
        // Where the next item starts, relative to `tail`, if there is one.
        let (locator, next) = match tail.as_bytes().first() {
            None => (None, None),
            Some(b';') => (None, Some(1)),
            Some(b',') => {
                let text = tail.get(1..)?;
                match text.bytes().position(|b| b == b';') {
                    Some(end) => (Some(text.get(..end)?), Some(end + 2)),
                    None => (Some(text), None),
                }
            }
            Some(_) => return None,
        };
        item(CiteItem {
            id,
            at: base + part_start + lead,
            locator,
        });
        let Some(next) = next else {
            return Some(());
        };
        part_start = content.len() - tail.len() + next;
    }
}

/// Length of the leading whitespace and '>' of `s` (block-quote markers, where a group
/// runs over lines in a quote).
fn space_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0B' | b'\x0C' | b'>' => i += 1,
            0x80.. => {
                // Other Unicode white space: the general test from here on.
                let rest = s.get(i..).unwrap_or("");
                let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '>');
                return s.len() - trimmed.len();
            }
            _ => break,
        }
    }
    i
}

/// Collapses whitespace (and block-quote markers after line breaks) to single
/// spaces and removes backslash escapes.
fn normalize_locator(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            space = true;
            if c == '\n' || c == '\r' {
                while chars.peek().is_some_and(|&n| n.is_whitespace() || n == '>') {
                    chars.next();
                }
            }
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        if c == '\\' && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) {
            if let Some(n) = chars.next() {
                out.push(n);
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// The cleaned destination, or the refused scheme (`claim:` only where `allow_claim`).
fn check_dest(dest: &str, allow_claim: bool) -> Result<String, String> {
    let cleaned: String = dest
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c.is_control() || c.is_whitespace());
    let bytes = trimmed.as_bytes();
    if bytes.first().is_some_and(|b| b.is_ascii_alphabetic()) {
        let len = bytes
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
            .count();
        if bytes.get(len) == Some(&b':') {
            let scheme = trimmed.get(..len).unwrap_or("").to_ascii_lowercase();
            let allowed = matches!(scheme.as_str(), "http" | "https" | "mailto")
                || (allow_claim && scheme == "claim");
            if !allowed {
                return Err(scheme);
            }
        }
    }
    Ok(fix_url(trimmed))
}

/// Percent-encodes what pulldown-cmark's `escape_href` leaves but HTML
/// validators reject: `^`, a '%' not starting an escape, a second '#'.
fn fix_url(url: &str) -> String {
    let bytes = url.as_bytes();
    let mut out = String::with_capacity(url.len());
    let mut seen_hash = false;
    for (i, c) in url.char_indices() {
        match c {
            '^' => out.push_str("%5E"),
            '%' if !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)) =>
            {
                out.push_str("%25");
            }
            '#' if seen_hash => out.push_str("%23"),
            c => {
                seen_hash |= c == '#';
                out.push(c);
            }
        }
    }
    out
}

/// Lower-case ASCII slug; common Latin letters with diacritics are transliterated.
fn slugify(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let piece: Option<&str> = if lower.is_ascii_alphanumeric() {
            None
        } else {
            match transliterate(lower) {
                Some(t) => Some(t),
                None => {
                    dash = true;
                    continue;
                }
            }
        };
        if dash && !out.is_empty() {
            out.push('-');
        }
        dash = false;
        match piece {
            Some(t) => out.push_str(t),
            None => out.push(lower),
        }
    }
    if out.is_empty() {
        "section".to_string()
    } else {
        out
    }
}

fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ł' | 'ľ' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' => "r",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

fn strip_prefix_ignore_case<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))?
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes text for HTML content and quoted attribute values (also used by the dev server's overlay).
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    esc_into(&mut out, s);
    out
}

/// [`esc`] appending to `out`; runs without special characters are copied whole.
fn esc_into(out: &mut String, s: &str) {
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both slices fall on char boundaries.
        out.push_str(s.get(from..i).unwrap_or(""));
        out.push_str(entity);
        from = i + 1;
    }
    out.push_str(s.get(from..).unwrap_or(""));
}

/// Percent-encodes everything but unreserved URL characters (one path
/// segment or fragment), appending to `out`. The result needs no HTML escaping.
fn pct_into(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TestLookup;

    const SOURCES: &[&str] = &["a", "b", "c", "smith2021", "ap--1227", "dod:statement.v2"];

    impl Lookup for TestLookup {
        fn has_source(&self, id: &str) -> bool {
            SOURCES.contains(&id)
        }
        fn entity(&self, id: &str) -> Option<EntityCard<'_>> {
            match id {
                "soleimani" => Some(EntityCard {
                    name: "Qassem Soleimani",
                    role: Some("Commander of the \"Quds Force\""),
                }),
                "quds-force" => Some(EntityCard {
                    name: "Quds Force",
                    role: None,
                }),
                _ => None,
            }
        }
        fn claim(&self, id: &str) -> Option<ClaimCard<'_>> {
            match id {
                "strike-ordered" => Some(ClaimCard {
                    status: "confirmed",
                }),
                "toll" => Some(ClaimCard { status: "disputed" }),
                _ => None,
            }
        }
        fn suggest(&self, kind: RefKind, id: &str) -> Option<String> {
            match (kind, id) {
                (RefKind::Source, "smith2020") => Some("smith2021".into()),
                (RefKind::Entity, "soleimany") => Some("soleimani".into()),
                (RefKind::Claim, "strike-order") => Some("strike-ordered".into()),
                _ => None,
            }
        }
    }

    fn opts() -> Options<'static> {
        Options {
            base_path: "/briefings/",
            raw_html_trusted: false,
        }
    }

    fn r(body: &str) -> Rendered {
        render(body, &TestLookup, &opts())
    }

    fn codes(out: &Rendered) -> Vec<&'static str> {
        out.problems.iter().map(|p| p.code).collect()
    }

    /// All `id="…"` values of an HTML fragment.
    fn ids(html: &str) -> Vec<String> {
        html.match_indices(" id=\"")
            .filter_map(|(i, m)| {
                let rest = &html[i + m.len()..];
                rest.find('"').map(|end| rest[..end].to_string())
            })
            .collect()
    }

    /// A small stand-in for the Nu checker: tags balance, ids are unique,
    /// anchors do not nest, and nothing block-level opens inside phrasing content.
    fn assert_valid(html: &str) {
        const VOID: &[&str] = &["img", "br", "hr", "input", "wbr"];
        const BLOCK: &[&str] = &[
            "p",
            "div",
            "ul",
            "ol",
            "li",
            "table",
            "thead",
            "tbody",
            "tr",
            "td",
            "th",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "blockquote",
            "pre",
            "section",
            "hr",
        ];
        const PHRASING: &[&str] = &[
            "p", "span", "sup", "a", "em", "strong", "mark", "code", "del", "h1", "h2", "h3", "h4",
            "h5", "h6",
        ];
        let mut stack: Vec<String> = Vec::new();
        let mut rest = html;
        while let Some(lt) = rest.find('<') {
            rest = &rest[lt + 1..];
            let gt = rest.find('>').expect("unclosed tag");
            let tag = &rest[..gt];
            rest = &rest[gt + 1..];
            if tag.starts_with('!') {
                continue;
            }
            let closing = tag.starts_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if closing {
                let open = stack.pop();
                assert_eq!(open.as_deref(), Some(name.as_str()), "in {html}");
                continue;
            }
            if BLOCK.contains(&name.as_str())
                && let Some(bad) = stack.iter().find(|t| PHRASING.contains(&t.as_str()))
            {
                panic!("<{name}> inside <{bad}> in {html}");
            }
            if name == "a" {
                assert!(!stack.iter().any(|t| t == "a"), "nested <a> in {html}");
            }
            if !VOID.contains(&name.as_str()) && !tag.ends_with('/') {
                stack.push(name);
            }
        }
        assert!(stack.is_empty(), "unclosed {stack:?} in {html}");
        let all = ids(html);
        let unique: HashSet<&String> = all.iter().collect();
        assert_eq!(all.len(), unique.len(), "duplicate ids {all:?}");
    }

    /// The tags of an HTML fragment (text content left out).
    fn tags(html: &str) -> Vec<&str> {
        html.split('<')
            .skip(1)
            .filter_map(|t| t.find('>').map(|end| &t[..end]))
            .collect()
    }

    #[test]
    fn citations_are_numbered_by_first_use() {
        let out = r("One [@a] two [@b] three [@a].");
        assert_valid(&out.html);
        assert_eq!(
            out.citations,
            vec![
                Citation {
                    id: "a".into(),
                    number: 1,
                    uses: vec![CitationUse { locator: None }, CitationUse { locator: None },],
                },
                Citation {
                    id: "b".into(),
                    number: 2,
                    uses: vec![CitationUse { locator: None }],
                },
            ]
        );
        assert_eq!(
            (
                out.citations[0].use_anchor(1),
                out.citations[1].use_anchor(0)
            ),
            ("cite-1-2".to_string(), "cite-2-1".to_string())
        );
        for anchor in ["cite-1-1", "cite-1-2", "cite-2-1"] {
            assert!(out.html.contains(&format!("id=\"{anchor}\"")), "{anchor}");
        }
        assert_eq!(out.html.matches("href=\"#ref-1\"").count(), 2);
        assert_eq!(out.html.matches("href=\"#ref-2\"").count(), 1);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        // A plain link to the reference list: no card, no tooltip wiring.
        assert_eq!(
            out.html,
            "<p>One <sup class=\"cite\"><a class=\"cite-link\" href=\"#ref-1\" id=\"cite-1-1\">1</a></sup> \
             two <sup class=\"cite\"><a class=\"cite-link\" href=\"#ref-2\" id=\"cite-2-1\">2</a></sup> \
             three <sup class=\"cite\"><a class=\"cite-link\" href=\"#ref-1\" id=\"cite-1-2\">1</a></sup>.</p>\n"
        );
        for absent in ["cite-card", "tooltip", "aria-describedby", "hidden"] {
            assert!(!out.html.contains(absent), "{absent}: {}", out.html);
        }
    }

    #[test]
    fn citation_groups_and_locators() {
        // (body, expected (id, locator) per use in order)
        type Uses = &'static [(&'static str, Option<&'static str>)];
        let cases: &[(&str, Uses)] = &[
            ("x [@a; @b] y", &[("a", None), ("b", None)]),
            ("x [@a;@b;@c]", &[("a", None), ("b", None), ("c", None)]),
            ("x [@a, para. 4]", &[("a", Some("para. 4"))]),
            ("x [@a, p. 3; @b]", &[("a", Some("p. 3")), ("b", None)]),
            (
                "x [@a, \"para 4\" -- end...]",
                &[("a", Some("\"para 4\" -- end..."))],
            ),
            ("x [@a,]", &[("a", None)]),
            ("x [@a][@b]", &[("a", None), ("b", None)]),
            ("x [@a][]", &[("a", None)]),
            ("x [ @a ; @b ]", &[("a", None), ("b", None)]),
            (
                "x [@ap--1227] [@dod:statement.v2]",
                &[("ap--1227", None), ("dod:statement.v2", None)],
            ),
            (
                "> quoted [@a;\n> @b, p.\n> 7]",
                &[("a", None), ("b", Some("p. 7"))],
            ),
            ("| h |\n|---|\n| [@a; @b] |", &[("a", None), ("b", None)]),
            ("# Heading [@a]", &[("a", None)]),
            (
                "*[@a]* and **[@b, ch. 2]**",
                &[("a", None), ("b", Some("ch. 2"))],
            ),
        ];
        for (body, expected) in cases {
            let out = r(body);
            assert!(out.problems.is_empty(), "{body}: {:?}", out.problems);
            assert_valid(&out.html);
            let mut uses: Vec<(usize, usize, String, Option<String>)> = Vec::new();
            for c in &out.citations {
                for (i, u) in c.uses.iter().enumerate() {
                    let k = i + 1;
                    let pos = out
                        .html
                        .find(&format!("id=\"{}\"", c.use_anchor(i)))
                        .unwrap();
                    uses.push((pos, k, c.id.clone(), u.locator.clone()));
                }
            }
            uses.sort();
            let got: Vec<(&str, Option<&str>)> = uses
                .iter()
                .map(|(_, _, id, loc)| (id.as_str(), loc.as_deref()))
                .collect();
            assert_eq!(&got, expected, "{body}");
            assert!(!out.html.contains("[@"), "{body}: {}", out.html);
        }
        let out = r("x [@a; @b]");
        assert!(
            out.html
                .contains("</sup><sup class=\"cite-sep\">,</sup><sup class=\"cite\">")
        );
        let out = r("x [@a, para. 4] [@a]");
        assert!(out.html.contains(
            "<a class=\"cite-link\" href=\"#ref-1\" id=\"cite-1-1\" data-locator=\"para. 4\">1</a>"
        ), "{}", out.html);
        // Only the use with a locator carries one.
        assert!(
            out.html
                .contains("<a class=\"cite-link\" href=\"#ref-1\" id=\"cite-1-2\">1</a>"),
            "{}",
            out.html
        );
        assert_eq!(out.html.matches("data-locator").count(), 1);
    }

    #[test]
    fn locators_are_escaped_in_data_locator() {
        let body = "x [@a, p. 3\" onmouseover=\"alert(1)\" <b>x</b> & 'q'] y";
        let out = r(body);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_valid(&out.html);
        let want = "p. 3\" onmouseover=\"alert(1)\" <b>x</b> & 'q'";
        assert_eq!(out.citations[0].uses[0].locator.as_deref(), Some(want));
        assert!(
            out.html.contains(
                " data-locator=\"p. 3&quot; onmouseover=&quot;alert(1)&quot; &lt;b&gt;x&lt;/b&gt; &amp; &#39;q&#39;\">1</a>"
            ),
            "{}",
            out.html
        );
        assert!(!out.html.contains("<b>"), "{}", out.html);
        assert!(!out.html.contains(" onmouseover=\""), "{}", out.html);
        // The same in a side note (no id there).
        let out = r("x.[^n]\n\n[^n]: See [@a, <i>\"q\"</i>].");
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_valid(&out.html);
        assert!(out.html.contains(
            "<span class=\"sidenote-p\">See <sup class=\"cite\"><a class=\"cite-link\" href=\"#ref-1\" data-locator=\"&lt;i&gt;&quot;q&quot;&lt;/i&gt;\">1</a></sup>"
        ), "{}", out.html);
        assert!(!out.html.contains("<i>"), "{}", out.html);
    }

    #[test]
    fn unknown_source_reports_offset_and_help() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "As reported [@smith2020], ...",
                "smith2020",
                Some("did you mean 'smith2021'?"),
            ),
            (
                "Ünïcödé — “quoted” [@smith2020]",
                "smith2020",
                Some("did you mean 'smith2021'?"),
            ),
            ("日本語 [@a; @nobody]", "nobody", None),
            ("x [@a, p. 1;\n  @zzz]", "zzz", None),
        ];
        for (body, id, suggestion) in cases {
            let out = r(body);
            let errors: Vec<&Problem> = out.problems.iter().filter(|p| p.is_error).collect();
            assert_eq!(errors.len(), 1, "{body}: {:?}", out.problems);
            let p = errors[0];
            assert_eq!(p.code, "CITE-UNKNOWN");
            assert_eq!(p.message, format!("unknown source '{id}'"));
            assert_eq!(&body[p.offset..p.offset + 1 + id.len()], format!("@{id}"));
            match suggestion {
                Some(s) => assert_eq!(p.help.as_deref(), Some(*s)),
                None => assert!(p.help.as_deref().unwrap().contains("content/_sources.yaml")),
            }
            assert!(
                out.html
                    .contains(&format!("<span class=\"cite-unknown\">[@{id}]</span>"))
            );
            assert!(!out.html.contains(&format!("#ref-{id}")));
            assert!(out.citations.iter().all(|c| c.id != *id));
            assert_valid(&out.html);
        }
    }

    #[test]
    fn malformed_citations_stay_literal_with_a_warning() {
        let cases: &[(&str, usize)] = &[
            ("A [@] b", 1),
            ("unclosed [@smith2020 here", 1),
            ("two [@ and [@x", 2),
            ("[@a b] bad", 1),
            ("[@a; b] bad", 1),
            ("[@a\\_b] escaped", 1),
        ];
        for (body, warnings) in cases {
            let out = r(body);
            assert_eq!(out.problems.len(), *warnings, "{body}: {:?}", out.problems);
            for p in &out.problems {
                assert_eq!(p.code, "CITE-MALFORMED");
                assert!(!p.is_error);
                assert_eq!(&body[p.offset..p.offset + 2], "[@", "{body}");
            }
            assert!(out.citations.is_empty());
            assert!(!out.html.contains("class=\"cite"), "{}", out.html);
            assert!(out.html.contains("[@"), "{}", out.html);
        }
        // An escaped bracket is not a citation and not a warning.
        let out = r("literal \\[@a]");
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert!(out.html.contains("[@a]"));
        // Code is code.
        let out = r("`[@x` and\n\n```\n[@y\n```");
        assert!(out.problems.is_empty(), "{:?}", out.problems);
    }

    #[test]
    fn hostile_citation_ids_are_escaped() {
        for body in [
            "x [@a\"><script>alert(1)</script>] y",
            "x [@a\"onmouseover=alert(1)] y",
            "x [@<img src=x onerror=alert(1)>] y",
        ] {
            let out = r(body);
            assert!(!out.html.contains("<script"), "{}", out.html);
            assert!(!out.html.contains("<img"), "{}", out.html);
            assert!(!out.html.contains("\"onmouseover"), "{}", out.html);
            assert!(out.citations.is_empty());
            assert!(out.problems.iter().all(|p| !p.is_error));
            assert_valid(&out.html);
        }
        let out = r("x [@a\"><script>alert(1)</script>] y");
        assert!(
            out.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{}",
            out.html
        );
    }

    #[test]
    fn mentions() {
        let out = r("[[soleimani]], [[quds-force|the Force]] and [[ soleimani | him ]].");
        assert_valid(&out.html);
        assert!(out.html.contains(
            "<a class=\"mention\" href=\"/briefings/entities/soleimani/\" title=\"Commander of the &quot;Quds Force&quot;\">Qassem Soleimani</a>"
        ), "{}", out.html);
        assert!(out.html.contains(
            "<a class=\"mention\" href=\"/briefings/entities/quds-force/\">the Force</a>"
        ));
        assert!(out.html.contains("> him </a>"));
        assert_eq!(out.mentions, vec!["soleimani", "quds-force"]);
        assert!(out.problems.is_empty());

        let body = "Then [[soleimany]] and [[nobody|Somebody]].";
        let out = r(body);
        assert_valid(&out.html);
        assert_eq!(codes(&out), vec!["ENTITY-UNKNOWN", "ENTITY-UNKNOWN"]);
        assert_eq!(out.problems[0].message, "unknown entity 'soleimany'");
        assert_eq!(
            out.problems[0].help.as_deref(),
            Some("did you mean 'soleimani'?")
        );
        assert_eq!(&body[out.problems[0].offset..][..9], "soleimany");
        assert!(
            out.problems[1]
                .help
                .as_deref()
                .unwrap()
                .contains("_entities.yaml")
        );
        assert!(out.problems.iter().all(|p| p.is_error));
        assert!(!out.html.contains("href"), "{}", out.html);
        assert!(
            out.html
                .contains("<span class=\"mention mention-unknown\">soleimany</span>")
        );
        assert!(out.html.contains(">Somebody</span>"));
        assert!(out.mentions.is_empty());

        let hostile = r("[[<script>alert(1)</script>]]");
        assert!(!hostile.html.contains("<script"));
    }

    #[test]
    fn claim_marks() {
        let out = r("[The President ordered it](claim:strike-ordered) and [*seven*](claim:toll).");
        assert_valid(&out.html);
        assert!(out.html.contains(
            "<a class=\"claim-mark claim-confirmed\" href=\"#claim-strike-ordered\"><mark>The President ordered it</mark><span class=\"claim-status\"> (confirmed)</span></a>"
        ), "{}", out.html);
        assert!(out.html.contains(
            "<mark><em>seven</em></mark><span class=\"claim-status\"> (disputed)</span>"
        ));
        assert_eq!(out.claims, vec!["strike-ordered", "toll"]);
        assert!(out.problems.is_empty());

        let body = "[it](claim:strike-order) [x](claim:nope)";
        let out = r(body);
        assert_eq!(codes(&out), vec!["CLAIM-UNKNOWN", "CLAIM-UNKNOWN"]);
        assert_eq!(out.problems[0].message, "unknown claim 'strike-order'");
        assert_eq!(
            out.problems[0].help.as_deref(),
            Some("did you mean 'strike-ordered'?")
        );
        assert_eq!(&body[out.problems[0].offset..][..12], "strike-order");
        assert!(!out.html.contains("<a"), "{}", out.html);
        assert!(!out.html.contains("claim:"), "{}", out.html);
        assert!(out.claims.is_empty());
    }

    #[test]
    fn link_schemes() {
        let refused: &[(&str, &str)] = &[
            ("[click](javascript:alert(1))", "javascript"),
            ("![x](javascript:alert(1))", "javascript"),
            ("[x](&#x6A;avascript:alert(1))", "javascript"),
            ("[x](JaVaScRiPt:alert(1))", "javascript"),
            ("[x](<\tjavascript:alert(1)>)", "javascript"),
            ("[x](<java\tscript:alert(1)>)", "javascript"),
            ("[x](data:text/html,<script>alert(1)</script>)", "data"),
            ("![x](data:image/png;base64,AAAA)", "data"),
            ("[x](vbscript:msgbox)", "vbscript"),
            ("<javascript:alert(1)>", "javascript"),
            ("[x][r]\n\n[r]: javascript:alert(1)", "javascript"),
            ("![x](claim:strike-ordered)", "claim"),
            ("[x](file:///etc/passwd)", "file"),
            ("[x](page:1)", "page"),
        ];
        for (body, scheme) in refused {
            let out = r(body);
            assert_eq!(codes(&out), vec!["LINK-SCHEME"], "{body}");
            assert_eq!(
                out.problems[0].message,
                format!("link scheme '{scheme}' is not allowed")
            );
            assert_eq!(
                out.problems[0].help.as_deref(),
                Some("use an http(s) or mailto link, or a relative path")
            );
            assert!(out.problems[0].is_error);
            assert!(!out.html.contains("href"), "{body}: {}", out.html);
            assert!(!out.html.contains("src="), "{body}: {}", out.html);
            assert_valid(&out.html);
        }
        let allowed: &[(&str, &str)] = &[
            ("[x](http://example.org/a)", "href=\"http://example.org/a\""),
            ("[x](HTTPS://example.org)", "href=\"HTTPS://example.org\""),
            (
                "[x](mailto:desk@example.org)",
                "href=\"mailto:desk@example.org\"",
            ),
            ("[x](../articles/other/)", "href=\"../articles/other/\""),
            ("[x](/briefings/timeline/)", "href=\"/briefings/timeline/\""),
            ("[x](#section)", "href=\"#section\""),
            ("[x](./a:b)", "href=\"./a:b\""),
            ("<https://example.org>", "href=\"https://example.org\""),
            ("<desk@example.org>", "href=\"mailto:desk@example.org\""),
            ("![map](img/map.png)", "src=\"img/map.png\""),
            ("[x](a^b%zz#c#d)", "href=\"a%5Eb%25zz#c%23d\""),
            ("[x](<a b|c>)", "href=\"a%20b%7Cc\""),
            ("[x](caf%C3%A9)", "href=\"caf%C3%A9\""),
            ("[x](café)", "href=\"caf%C3%A9\""),
            ("![alt]()", "<p>alt</p>"),
        ];
        for (body, expected) in allowed {
            let out = r(body);
            assert!(out.problems.is_empty(), "{body}: {:?}", out.problems);
            assert!(out.html.contains(expected), "{body}: {}", out.html);
            assert_valid(&out.html);
        }
    }

    #[test]
    fn raw_html_is_sanitised_or_escaped() {
        let bodies = [
            "<script>alert(1)</script>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<base href=\"https://evil.example/\">",
            "<img src=x onerror=alert(1)>",
            "<svg><a><set attributeName=\"href\" to=\"javascript:alert(1)\"/><text y=\"20\">x</text></a></svg>",
            "<style>body{display:none}</style>",
            "<div onclick=\"alert(1)\">block <a href=\"javascript:alert(1)\">x</a></div>",
            "text <script>alert(1)</script> inline",
            "text <img src=x onerror=alert(1)> inline",
            "text <iframe src=x></iframe> <base href=x>",
            "- item\n\n  <script>alert(1)</script>",
            "> <iframe src=x>",
        ];
        for body in bodies {
            let out = r(body);
            // Escaped inline HTML may still show `onerror=` as inert text: look at tags only.
            let lower = tags(&out.html).join(" ").to_lowercase();
            for bad in [
                "<script",
                "onerror=",
                "onclick=",
                "<base",
                "<iframe",
                "<style",
                "<svg",
                "href=\"javascript:",
                "<set",
            ] {
                assert!(!lower.contains(bad), "{body} -> {}", out.html);
            }
            assert_valid(&out.html);
        }
        // Case 29 as body lines (HTML blocks): nothing of it survives, not even as text.
        let blocks = [bodies[0], bodies[1], bodies[2], bodies[3], bodies[5]];
        let out = r(&blocks.join("\n\n"));
        for bad in [
            "<script", "onerror=", "<base", "<iframe", "<style", "<svg", "alert(",
        ] {
            assert!(!out.html.contains(bad), "{}", out.html);
        }
        // Allowed markup survives sanitising; inline tags are shown as text.
        let out = r("<p>kept <em>em</em></p>\n\nand <b>inline</b> <!-- hidden -->");
        assert!(out.html.contains("<p>kept <em>em</em></p>"), "{}", out.html);
        assert!(
            out.html.contains("&lt;b&gt;inline&lt;/b&gt;"),
            "{}",
            out.html
        );
        assert!(!out.html.contains("hidden"));
        // Trusted: passed through unchanged.
        let trusted = Options {
            base_path: "/",
            raw_html_trusted: true,
        };
        let out = render(
            "<div class=\"x\">a</div>\n\nand <b>b</b>",
            &TestLookup,
            &trusted,
        );
        assert!(out.html.contains("<div class=\"x\">a</div>"));
        assert!(out.html.contains("<b>b</b>"));
    }

    #[test]
    fn raw_html_too_deep_for_the_sanitiser_is_shown_as_text() {
        let deep = "<div>".repeat(MAX_HTML_DEPTH + 1);
        let formatting: String = (0..=MAX_HTML_FORMATTING)
            .map(|i| format!("<p><b title=\"{i}\"></p>"))
            .collect();
        for body in [deep.as_str(), formatting.as_str()] {
            let out = r(&format!("before\n\n{body}\n\nafter"));
            assert_eq!(codes(&out), vec!["HTML-TOO-COMPLEX"]);
            assert!(!out.problems[0].is_error);
            assert_eq!(out.problems[0].offset, "before\n\n".len());
            assert!(
                out.html.contains("<pre class=\"raw-html\">&lt;"),
                "{}",
                out.html
            );
            assert!(
                !tags(&out.html)
                    .iter()
                    .any(|t| t.starts_with("div") || t.starts_with("b "))
            );
            assert_valid(&out.html);
        }
        // Within the limits, HTML is sanitised as usual.
        let fine = "<div>".repeat(MAX_HTML_DEPTH - 1) + "x";
        let out = r(&fine);
        assert!(out.problems.is_empty());
        assert!(out.html.starts_with("<div><div>"));
        let closed: String = (0..1000)
            .map(|i| format!("<p><b title=\"{i}\">x</b></p>"))
            .collect();
        let out = r(&closed);
        assert!(out.problems.is_empty());
        assert_eq!(out.html.matches("<b title=").count(), 1000);
    }

    #[test]
    fn headings_get_unique_demoted_ids() {
        let body = "# Intro\n\n## Intro\n\n### Intro\n\n#### Café & Crème\n\n##### Ref 1\n\n###### Deep\n\n# ***\n\n# Иран\n\n# Fn 2\n\n# Intro 2\n\n# Claim: strike [@a]\n\nSetext\n======";
        let out = r(body);
        assert_valid(&out.html);
        let got: Vec<(u8, &str, &str)> = out
            .headings
            .iter()
            .map(|h| (h.level, h.id.as_str(), h.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, "intro", "Intro"),
                (3, "intro-2", "Intro"),
                (4, "intro-3", "Intro"),
                (5, "cafe-creme", "Café & Crème"),
                (6, "h-ref-1", "Ref 1"),
                (6, "deep", "Deep"),
                (2, "section", "***"),
                (2, "section-2", "Иран"),
                (2, "h-fn-2", "Fn 2"),
                (2, "intro-2-2", "Intro 2"),
                (2, "h-claim-strike", "Claim: strike"),
                (2, "setext", "Setext"),
            ]
        );
        assert!(out.html.contains("<h2 id=\"intro\">Intro</h2>"));
        assert!(out.html.contains("<h6 id=\"deep\">Deep</h6>"));
        assert!(!out.html.contains("<h1"));
        // Many identical headings stay linear and unique.
        let many = "# Same\n\n".repeat(2000);
        let out = r(&many);
        assert_eq!(out.headings.len(), 2000);
        assert_eq!(out.headings[1999].id, "same-2000");
        assert_valid(&out.html);
    }

    #[test]
    fn footnotes_become_side_notes_and_end_notes() {
        let body = "First[^n] and second[^Note.2] and again[^n]. Missing [^none].\n\n\
                    [^n]: A *note* citing [@a].\n\n    A second paragraph.\n\n\
                    [^Note.2]: - a list\n    - in a note\n\n\
                    [^unused]: never referenced";
        let out = r(body);
        assert_valid(&out.html);
        let html = &out.html;
        assert!(html.contains(
            "First<sup class=\"fn-ref\" id=\"fnref-n\"><a href=\"#fn-n\">1</a></sup><span class=\"sidenote\" role=\"note\"><span class=\"sidenote-number\">1</span> <span class=\"sidenote-p\">A <em>note</em> citing "
        ), "{html}");
        assert!(html.contains("<sup class=\"fn-ref\" id=\"fnref-Note-2\"><a href=\"#fn-Note-2\">2</a></sup><span class=\"sidenote\" role=\"note\">"));
        assert!(
            html.contains(
                "<span class=\"sidenote-list\"><span class=\"sidenote-li\">a list</span> "
            )
        );
        // Second reference: its own id, no second side note.
        assert!(html.contains(
            "again<sup class=\"fn-ref\" id=\"fnref-n_2\"><a href=\"#fn-n\">1</a></sup>."
        ));
        assert_eq!(html.matches("class=\"sidenote\"").count(), 2);
        // Undefined footnote: literal text.
        assert!(html.contains("Missing [^none]."));
        // End notes in number order with back links.
        let section = &html[html
            .find("<section class=\"footnotes\" aria-label=\"Notes\">")
            .unwrap()..];
        let first = section.find("<li id=\"fn-n\">").unwrap();
        let second = section.find("<li id=\"fn-Note-2\">").unwrap();
        assert!(first < second);
        assert!(
            section.contains(
                "<a href=\"#fnref-n\" class=\"fn-back\" aria-label=\"Back to text\">↩</a>"
            )
        );
        assert!(section.contains("<a href=\"#fnref-n_2\" class=\"fn-back\""));
        assert!(section.contains("<a href=\"#fnref-Note-2\" class=\"fn-back\""));
        assert!(section.contains("<p>A second paragraph.</p>"));
        assert!(!section.contains("unused"));
        // The citation in the note is counted once, with its id only in the end note.
        assert_eq!(out.citations.len(), 1);
        assert_eq!(out.citations[0].uses.len(), 1);
        assert!(section.contains("id=\"cite-1-1\""));
        assert_eq!(html.matches("href=\"#ref-1\"").count(), 2);
        assert_eq!(codes(&out), vec!["FOOTNOTE-UNUSED"]);
        assert!(!out.problems[0].is_error);
    }

    #[test]
    fn footnote_edge_cases() {
        let cases = [
            // Chain of notes referencing each other, a self-reference, colliding labels.
            "a[^1]\n\n[^1]: see[^2]\n[^2]: see[^3] and[^2]\n[^3]: end",
            "a[^x] b[^X]\n\n[^x]: case-insensitive",
            "a[^a.b] b[^a-b] c[^a_b]\n\n[^a.b]: one\n[^a-b]: two\n[^a_b]: three",
            // Block content in a note: table, code, quote, heading, raw HTML.
            "a[^t]\n\n[^t]: | h |\n    |---|\n    | c |\n\n    ```\n    code\n    ```\n\n    > quote\n\n    # Head\n\n    <div>html</div>",
            // Reference inside a link and inside a heading and a table cell.
            "[link[^l]](http://x.org)\n\n# Head[^h]\n\n| a |\n|---|\n| b[^c] |\n\n[^l]: l [x](http://y.org)\n[^h]: h\n[^c]: c",
            // Duplicate definition.
            "a[^d]\n\n[^d]: first\n[^d]: second",
        ];
        for body in cases {
            let out = r(body);
            assert_valid(&out.html);
            assert!(
                out.problems.iter().all(|p| !p.is_error),
                "{body}: {:?}",
                out.problems
            );
        }
        let out = r(cases[2]);
        for id in ["fn-a-b", "fn-a-b-2", "fn-a-b-3"] {
            assert!(
                out.html.contains(&format!("<li id=\"{id}\">")),
                "{}",
                out.html
            );
        }
        let out = r(cases[0]);
        assert!(out.html.contains("<li id=\"fn-3\">"));
        assert!(out.html.contains("id=\"fnref-2_2\""));
        assert!(out.html.contains("href=\"#fnref-2_2\""));
    }

    #[test]
    fn citations_and_mentions_inside_links_keep_the_link() {
        // The three cases of the bug: the outer claim mark or link used to be lost.
        let out = r("One [it was ordered [@a]](claim:strike-ordered) two.");
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_valid(&out.html);
        assert!(
            out.html.contains(
                "One <a class=\"claim-mark claim-confirmed\" href=\"#claim-strike-ordered\"><mark>it was ordered <sup class=\"cite\" id=\"cite-1-1\">1</sup></mark><span class=\"claim-status\"> (confirmed)</span></a> two."
            ),
            "{}",
            out.html
        );
        assert_eq!(out.claims, vec!["strike-ordered"]);
        assert_eq!(out.citations.len(), 1);
        assert_eq!(out.citations[0].use_anchor(0), "cite-1-1");

        let out = r("Three [[[soleimani]] ordered it](claim:strike-ordered) four.");
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_valid(&out.html);
        assert!(
            out.html.contains(
                "Three <a class=\"claim-mark claim-confirmed\" href=\"#claim-strike-ordered\"><mark><span class=\"mention\" title=\"Commander of the &quot;Quds Force&quot;\">Qassem Soleimani</span> ordered it</mark><span class=\"claim-status\"> (confirmed)</span></a> four."
            ),
            "{}",
            out.html
        );
        assert_eq!(out.mentions, vec!["soleimani"]);
        assert_eq!(out.claims, vec!["strike-ordered"]);

        let out = r("Five [see the report [@b]](https://example.org/) six.");
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_valid(&out.html);
        assert!(
            out.html.contains(
                "Five <a href=\"https://example.org/\">see the report <sup class=\"cite\" id=\"cite-1-1\">1</sup></a> six."
            ),
            "{}",
            out.html
        );

        // Numbered and counted like any other citation, locators and groups included.
        let out = r(
            "[@b] then [x [@a, para. 4; @b]](http://x.org) and [@a].\n\n\
             > [as [@c;\n> @a, p.\n> 7] said](http://x.org)",
        );
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_valid(&out.html);
        let uses: Vec<(&str, String, Option<&str>)> = out
            .citations
            .iter()
            .flat_map(|c| {
                c.uses
                    .iter()
                    .enumerate()
                    .map(|(i, u)| (c.id.as_str(), c.use_anchor(i), u.locator.as_deref()))
            })
            .collect();
        assert_eq!(
            uses,
            vec![
                ("b", "cite-1-1".into(), None),
                ("b", "cite-1-2".into(), None),
                ("a", "cite-2-1".into(), Some("para. 4")),
                ("a", "cite-2-2".into(), None),
                ("a", "cite-2-3".into(), Some("p. 7")),
                ("c", "cite-3-1".into(), None),
            ]
        );
        for (_, anchor, _) in &uses {
            assert_eq!(out.html.matches(&format!("id=\"{anchor}\"")).count(), 1);
        }
        assert!(out.html.contains(
            "<a href=\"http://x.org\">x <sup class=\"cite\" id=\"cite-2-1\">2</sup><sup class=\"cite-sep\">,</sup><sup class=\"cite\" id=\"cite-1-2\">1</sup></a>"
        ), "{}", out.html);

        // Ids are checked and offsets exact inside links too.
        let body = "[it [@smith2020]](claim:strike-order) [see [[soleimany]]](http://x.org)";
        let out = r(body);
        assert_valid(&out.html);
        assert_eq!(
            codes(&out),
            vec!["CITE-UNKNOWN", "CLAIM-UNKNOWN", "ENTITY-UNKNOWN"]
        );
        assert_eq!(&body[out.problems[0].offset..][..10], "@smith2020");
        assert_eq!(&body[out.problems[1].offset..][..12], "strike-order");
        assert_eq!(&body[out.problems[2].offset..][..9], "soleimany");
        // An unknown claim is its bare text; an outer link refused: the text, linked inside.
        let out = r("[it [@a]](claim:nope) [see [@a]](javascript:x)");
        assert_eq!(codes(&out), vec!["CLAIM-UNKNOWN", "LINK-SCHEME"]);
        assert_valid(&out.html);
        assert_eq!(out.html.matches("class=\"cite-link\"").count(), 2);
        assert!(!out.html.contains("]("), "{}", out.html);

        // Display text, smart punctuation, footnotes, a citation right before the link.
        let out = r(
            "[see [[soleimani|*him*]] go](http://x.org) [it's \"so\" [@a, \"para 4\" -- end...]](http://x.org) \
             [@b][see [@a]](http://x.org)[^1]\n\n[^1]: [note [@c]](http://x.org)",
        );
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_valid(&out.html);
        assert!(out.html.contains(
            "<a href=\"http://x.org\">see <span class=\"mention\" title=\"Commander of the &quot;Quds Force&quot;\"><em>him</em></span> go</a>"
        ), "{}", out.html);
        assert_eq!(
            out.citations[0].uses[0].locator.as_deref(),
            Some("\"para 4\" -- end...")
        );
        assert_eq!(out.citations[1].id, "b");
        assert_eq!(out.html.matches("id=\"cite-3-1\"").count(), 1);
        assert!(
            out.html
                .contains("<span class=\"sidenote-p\"><a href=\"http://x.org\">note <sup class=\"cite\">3</sup></a></span>"),
            "{}",
            out.html
        );
        assert!(!out.html.contains("]("), "{}", out.html);

        // Tags that cross a citation's or a mention's bounds stay balanced.
        for body in [
            "*a [b [@a, c* d]](http://x.org)",
            "[x [@a, *b] c*](http://x.org) d",
            "[see [[soleimani|a *b]] c*](http://x.org)",
            "*a [see [[soleimani|b* c]]](http://x.org)",
            "[a [[soleimani]][@a][[quds-force|x]]](http://x.org)",
            "[[[@a]*|[@b])|][x]](http://x.org)",
            "[![alt [[soleimani]] [@a]](p.png) [[soleimani]]](http://x.org)",
        ] {
            let out = r(body);
            assert_valid(&out.html);
            assert!(
                out.problems.iter().all(|p| !p.is_error),
                "{body}: {:?}",
                out.problems
            );
            assert!(!out.html.contains('%'), "{body}: {}", out.html);
        }
    }

    #[test]
    fn tables_and_nesting_stay_valid() {
        let out = r(
            "| Date | Event [@a] |\n|:-----|-----:|\n| 3 Jan | [[soleimani]] killed[^1] |\n| 4 Jan |\n\n[^1]: note",
        );
        assert_valid(&out.html);
        assert!(
            out.html
                .contains("<table><thead><tr><th style=\"text-align: left\">Date</th>")
        );
        assert!(
            out.html
                .contains("<td style=\"text-align: right\"><a class=\"mention\"")
        );
        // Links never nest: mention inside a claim mark, wiki link inside a link.
        for body in [
            "[[[soleimani]] ordered it](claim:strike-ordered)",
            "[see [[soleimani|him]]](http://x.org)",
            "[[soleimani|see [x](http://y.org)]]",
            "![alt [@a] *em* [x](http://y.org)](pic.png)",
            "![a ![b](c.png)](d.png)",
            "[![logo](logo.png)](http://x.org)",
        ] {
            let out = r(body);
            assert_valid(&out.html);
            assert!(
                out.problems.iter().all(|p| !p.is_error),
                "{body}: {:?}",
                out.problems
            );
        }
        let out = r("![alt [@a] *em* [x](javascript:y)](pic.png)");
        assert!(
            out.html
                .contains("<img src=\"pic.png\" alt=\"alt [@a] em x\" />"),
            "{}",
            out.html
        );
        assert!(out.citations.is_empty());
    }

    #[test]
    fn pathological_inputs_finish() {
        let mut list = String::new();
        for i in 0..1000 {
            list.push_str(&"  ".repeat(i));
            list.push_str("* a\n");
        }
        let mut ticks = String::from("e");
        for i in 1..2000 {
            ticks.push_str(&"`".repeat(i % 50));
            ticks.push('e');
        }
        let inputs = [
            "[@a".repeat(20_000),
            "[[".repeat(20_000),
            "]]".repeat(20_000),
            "[[a|".repeat(20_000),
            "[@a]".repeat(20_000),
            "[@a; @b, p. 1] ".repeat(5_000),
            format!("{}a", "> ".repeat(5_000)),
            format!("{}a", "* ".repeat(5_000)),
            list,
            ticks,
            "*a **a ".repeat(5_000) + "b" + &" a** a*".repeat(5_000),
            "a]".repeat(20_000),
            "[a".repeat(20_000),
            format!("{}a{}", "[".repeat(20_000), "]".repeat(20_000)),
            "[a](<b".repeat(10_000),
            "[ (](".repeat(10_000),
            "[*_a".repeat(20_000),
            "!-- <".repeat(5_000),
            "]([\n".repeat(10_000),
            "x[^1] ".repeat(10_000) + "\n\n[^1]: y",
            (0..5_000)
                .map(|i| format!("a[^{i}]\n\n[^{i}]: b[^{}]\n\n", i + 1))
                .collect(),
            "<div>\n".repeat(5_000),
            (0..2_000)
                .map(|i| format!("<p><b title=\"{i}\"></p>"))
                .collect(),
            (0..200)
                .map(|j| {
                    (0..20)
                        .map(|i| format!("<p><b title=\"{j}-{i}\">x</p>"))
                        .collect::<String>()
                        + "\n\n"
                })
                .collect(),
            ("<ul><li>".repeat(60) + "\n\n").repeat(100),
            (0..5_000)
                .map(|i| {
                    format!(
                        "x[^a{}]\n\n[^a{}]: n\n\n",
                        char::from_u32(0x2000 + i).unwrap_or('-'),
                        char::from_u32(0x2000 + i).unwrap_or('-')
                    )
                })
                .collect(),
            "a <b> ".repeat(10_000),
            "# h\n".repeat(5_000),
            "[x](javascript:a) ".repeat(5_000),
            "[@".repeat(20_000),
            "[^".repeat(20_000),
            // Citations and mentions inside links (a second, masked parse).
            "[x [@a] [[soleimani|*y*]]](http://x.org) ".repeat(5_000),
            "[[ [@a] ".repeat(5_000) + &"]](u)".repeat(5_000),
            "[@a][see [@b]](u)".repeat(5_000),
            format!("[{}](u)", "[@a] [[x]] ".repeat(10_000)),
            "*a [b [@a, c* d]](u) ".repeat(5_000),
        ];
        for input in &inputs {
            let out = r(input);
            assert!(!out.html.is_empty() || input.trim().is_empty());
        }
    }

    #[test]
    fn random_bodies_render_valid_html() {
        // Markdown-significant fragments (no raw HTML blocks: the sanitiser
        // keeps an author's own misnesting, see the module docs).
        const TOKENS: &[&str] = &[
            "[@a]",
            "[@b; @a, p. 1]",
            "[@x]",
            "[@",
            "[",
            "]",
            "[[soleimani]]",
            "[[quds-force|t]]",
            "[[",
            "]]",
            "|",
            "[^1]",
            "[^2]",
            "\n\n[^1]: ",
            "\n\n[^2]: ",
            "\n",
            "\n\n",
            "> ",
            "- ",
            "1. ",
            "    ",
            "# ",
            "## ",
            "*",
            "_",
            "`",
            "```\n",
            "(claim:toll)",
            "(http://x)",
            "(javascript:y)",
            "](",
            ")",
            "!",
            "|---|",
            "| a |",
            "x",
            " ",
            "é",
            "(a^b)",
            "(<a b>)",
            "()",
            "&amp;",
            "\\",
            "<!--",
            "-->",
            "---",
            "***",
            "~~",
            "# x[^1] ",
            "[x](claim:toll)",
            "[[soleimani|[@a]]]",
            "![i](p.png)",
            "![[@a]](p.png)",
            "<b>",
            "<img src=x onerror=y>",
        ];
        let mut seed: u64 = 0x5eed;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for _ in 0..400 {
            let len = next() % 60;
            let body: String = (0..len).map(|_| TOKENS[next() % TOKENS.len()]).collect();
            let out = r(&body);
            assert_valid(&out.html);
            for p in &out.problems {
                assert!(body.is_char_boundary(p.offset), "{body:?}: {p:?}");
            }
            for tag in tags(&out.html) {
                let tag = tag.to_lowercase();
                // Attribute names only (quoted values such as alt text removed).
                let names: String = tag.split('"').step_by(2).collect();
                assert!(!names.contains("onerror"), "{body:?}: {tag}");
                assert!(!tag.contains("href=\"javascript"), "{body:?}: {tag}");
                assert!(!tag.contains("src=\"javascript"), "{body:?}: {tag}");
            }
        }
    }

    #[test]
    fn ids_never_collide_across_features() {
        let body =
            "# Fn n\n\n# Cite 1 1\n\n# Ref 1\n\nText[^n] [@a] [@a][^n].\n\n[^n]: Note [@a] [@b].";
        let out = r(body);
        assert_valid(&out.html);
        let all = ids(&out.html);
        assert!(all.contains(&"h-fn-n".to_string()));
        assert!(all.contains(&"h-cite-1-1".to_string()));
        assert!(all.contains(&"h-ref-1".to_string()));
    }

    #[test]
    fn snapshot_article() {
        let out = r(
            "# What happened\n\nA US strike killed [[soleimani]] near Baghdad airport [@a, para. 4]. \
             [It was ordered by the President](claim:strike-ordered) [@a; @b].[^time]\n\n\
             ## Reactions\n\nSee the [timeline](../timeline/ \"Timeline\").\n\n\
             [^time]: Local time, 3 January [@b].",
        );
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_valid(&out.html);
        insta::assert_snapshot!(out.html, @r##"
        <h2 id="what-happened">What happened</h2>
        <p>A US strike killed <a class="mention" href="/briefings/entities/soleimani/" title="Commander of the &quot;Quds Force&quot;">Qassem Soleimani</a> near Baghdad airport <sup class="cite"><a class="cite-link" href="#ref-1" id="cite-1-1" data-locator="para. 4">1</a></sup>. <a class="claim-mark claim-confirmed" href="#claim-strike-ordered"><mark>It was ordered by the President</mark><span class="claim-status"> (confirmed)</span></a> <sup class="cite"><a class="cite-link" href="#ref-1" id="cite-1-2">1</a></sup><sup class="cite-sep">,</sup><sup class="cite"><a class="cite-link" href="#ref-2" id="cite-2-1">2</a></sup>.<sup class="fn-ref" id="fnref-time"><a href="#fn-time">1</a></sup><span class="sidenote" role="note"><span class="sidenote-number">1</span> <span class="sidenote-p">Local time, 3 January <sup class="cite"><a class="cite-link" href="#ref-2">2</a></sup>.</span> </span></p>
        <h3 id="reactions">Reactions</h3>
        <p>See the <a href="../timeline/" title="Timeline">timeline</a>.</p>
        <section class="footnotes" aria-label="Notes">
        <ol>
        <li id="fn-time">
        <p>Local time, 3 January <sup class="cite"><a class="cite-link" href="#ref-2" id="cite-2-2">2</a></sup>.</p>
        <a href="#fnref-time" class="fn-back" aria-label="Back to text">↩</a>
        </li>
        </ol>
        </section>
        "##);
    }

    #[test]
    fn snapshot_errors_render_inert() {
        let out = r(
            "Reported [@smith2020]; [[nobody]]; [x](claim:nope); [y](javascript:alert(1)); [@]\n\n\
             <script>alert(1)</script>\n\n<p onclick=\"x()\">para</p>",
        );
        assert_valid(&out.html);
        insta::assert_snapshot!(out.html, @r##"
        <p>Reported <span class="cite-unknown">[@smith2020]</span>; <span class="mention mention-unknown">nobody</span>; x; y; [@]</p>

        <p>para</p>
        "##);
    }

    #[test]
    fn snapshot_table_and_notes() {
        let out = r("| Date | Event |\n|---|:---:|\n| 3 Jan | Strike[^1] |\n\n\
             [^1]: Two paragraphs.\n\n    - and\n    - a list");
        assert_valid(&out.html);
        insta::assert_snapshot!(out.html, @r##"
        <table><thead><tr><th>Date</th><th style="text-align: center">Event</th></tr></thead><tbody>
        <tr><td>3 Jan</td><td style="text-align: center">Strike<sup class="fn-ref" id="fnref-1"><a href="#fn-1">1</a></sup><span class="sidenote" role="note"><span class="sidenote-number">1</span> <span class="sidenote-p">Two paragraphs.</span> <span class="sidenote-list"><span class="sidenote-li">and</span> <span class="sidenote-li">a list</span> </span></span></td></tr>
        </tbody></table>
        <section class="footnotes" aria-label="Notes">
        <ol>
        <li id="fn-1">
        <p>Two paragraphs.</p>
        <ul>
        <li>and</li>
        <li>a list</li>
        </ul>
        <a href="#fnref-1" class="fn-back" aria-label="Back to text">↩</a>
        </li>
        </ol>
        </section>
        "##);
    }

    #[test]
    fn backlinks_label_escape_and_number_each_use() {
        let citation = |number: usize, locators: &[Option<&str>]| Citation {
            id: "s".to_string(),
            number,
            uses: (locators.iter())
                .map(|l| CitationUse {
                    locator: l.map(str::to_string),
                })
                .collect(),
        };
        let open = "<span class=\"backlinks\"><span aria-hidden=\"true\">\u{21a9}&#xFE0E;</span>";
        assert_eq!(citation(1, &[]).backlinks_html(), None);
        let cases: [(usize, Vec<Option<&str>>, String); 3] = [
            (
                2,
                vec![None],
                format!(
                    "{open} <a href=\"#cite-2-1\" aria-label=\"Back to citation a\">a</a></span>"
                ),
            ),
            (
                3,
                vec![None, Some("p. \"4\" & <5>")],
                format!(
                    "{open} <a href=\"#cite-3-1\" aria-label=\"Back to citation a\">a</a> \
                     <a href=\"#cite-3-2\" aria-label=\"Back to citation b (p. &quot;4&quot; &amp; &lt;5&gt;)\">b</a></span>"
                ),
            ),
            (1, vec![None; 28], String::new()),
        ];
        for (number, locators, want) in cases {
            let html = citation(number, &locators)
                .backlinks_html()
                .unwrap_or_default();
            if want.is_empty() {
                // Labels run a..z, then aa, ab: the 27th and 28th uses.
                assert!(
                    html.contains("href=\"#cite-1-26\" aria-label=\"Back to citation z\">z</a>")
                );
                assert!(
                    html.contains("href=\"#cite-1-27\" aria-label=\"Back to citation aa\">aa</a>")
                );
                assert!(html.ends_with(
                    "href=\"#cite-1-28\" aria-label=\"Back to citation ab\">ab</a></span>"
                ));
            } else {
                assert_eq!(html, want);
            }
        }
    }

    #[test]
    fn cite_spans_are_scanned_into_items() {
        // (span, items as (id, offset of '@', locator)), None when it is not a citation.
        type Items = Vec<(&'static str, usize, Option<&'static str>)>;
        let cases: Vec<(&str, Option<Items>)> = vec![
            ("[@a]", Some(vec![("a", 1, None)])),
            ("[@dpa-1324]", Some(vec![("dpa-1324", 1, None)])),
            ("[@a, p. 4]", Some(vec![("a", 1, Some(" p. 4"))])),
            (
                "[@a,p. 4; @b]",
                Some(vec![("a", 1, Some("p. 4")), ("b", 10, None)]),
            ),
            (
                "[ @a ;\t@b.c:d_e ]",
                Some(vec![("a", 2, None), ("b.c:d_e", 7, None)]),
            ),
            (
                "[@a;\n> @b, para. 2\n> ff.]",
                Some(vec![("a", 1, None), ("b", 7, Some(" para. 2\n> ff."))]),
            ),
            ("[\u{a0}@a\u{2003}]", Some(vec![("a", 3, None)])),
            ("[\u{b}@a\u{c}]", Some(vec![("a", 2, None)])),
            ("[@a][]", Some(vec![("a", 1, None)])),
            (
                "[@a][@b, x]",
                Some(vec![("a", 1, None), ("b", 5, Some(" x"))]),
            ),
            ("[@a, x \\] y]", Some(vec![("a", 1, Some(" x \\] y"))])),
            ("[@a] ", None),
            ("[@a][b]", None),
            ("[@a][@b] ", None),
            ("[@]", None),
            ("[@a b]", None),
            ("[@a;]", None),
            ("[a]", None),
            ("[@a", None),
            ("@a]", None),
            ("[@a [x]]", None),
            ("[@é]", None),
            ("[>@a]", Some(vec![("a", 2, None)])),
        ];
        for (span, want) in cases {
            let got = parse_cite_span(span).map(|items| {
                items
                    .iter()
                    .map(|i| (i.id, i.at, i.locator))
                    .collect::<Vec<_>>()
            });
            assert_eq!(got, want, "{span:?}");
            assert_eq!(is_cite_span(span), got.is_some(), "{span:?}");
        }
    }
}
