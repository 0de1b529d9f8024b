//! The values templates see: serialisable views built from the assembled site, kept apart from the domain types.

use std::hash::{Hash, Hasher};

use serde::{Serialize, Serializer};

/// A view converted once to a template value, with its fingerprint: shared by every page
/// that shows it (an event appears on the timeline, its articles', sources' and entities'
/// pages). Cloning is cheap (template values are reference-counted), and hashing a view
/// that holds parts costs one word per part, which keeps page fingerprints cheap.
#[derive(Debug, Clone)]
pub struct Part {
    value: tera::Value,
    hash: u64,
    /// Length of the `html` fragment, 0 without one: what a page that lists the part is
    /// expected to print for it, to size that page's buffer.
    html_len: usize,
}

impl Part {
    /// With `track` false the fingerprint is not computed (a one-off build never compares).
    pub fn new<T: Serialize + Hash + ?Sized>(view: &T, track: bool) -> Part {
        Part::with_hash(view, if track { fingerprint(view) } else { 0 })
    }

    /// [`Part::new`] for a view whose fingerprint is already known.
    pub fn with_hash<T: Serialize + ?Sized>(view: &T, hash: u64) -> Part {
        Part {
            value: tera::Value::from_serializable(view),
            hash,
            html_len: 0,
        }
    }

    /// The fingerprint of the view (0 when it was not computed).
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// An HTML fragment the template prints as it is (already escaped or sanitised).
    pub fn safe_html(html: &str, track: bool) -> Part {
        Part {
            value: tera::Value::safe_string(html),
            hash: if track { fingerprint(html) } else { 0 },
            html_len: html.len(),
        }
    }
}

impl Part {
    /// This part (a map) with one more field, `html`: the part as a component printed it,
    /// for the templates that show it in that form. The fingerprint stays the part's: the
    /// fragment follows from the part and the templates, and a template change rebuilds
    /// everything.
    pub fn with_html(self, html: &str) -> Part {
        let html_len = html.len();
        Part {
            html_len,
            ..self.with_field("html", html)
        }
    }

    /// This part (a map) with one more HTML field, `name`, printed as it is. The
    /// fingerprint stays the part's, as for [`Part::with_html`].
    pub fn with_field(self, name: &'static str, html: &str) -> Part {
        if self.value.as_map().is_none() {
            return self;
        }
        let mut map = self.value.into_map().unwrap_or_default();
        map.insert(name.into(), tera::Value::safe_string(html));
        Part {
            value: tera::Value::from(map),
            ..self
        }
    }

    /// Length of the HTML this part was printed as (0 when it was not).
    pub fn html_len(&self) -> usize {
        self.html_len
    }

    /// The template value, for the tests of what views share.
    #[cfg(test)]
    pub(crate) fn value(&self) -> &tera::Value {
        &self.value
    }

    /// The HTML field `name` added by [`Part::with_field`], if it has one.
    pub fn field(&self, name: &'static str) -> Option<&str> {
        let key = tera::value::Key::from(name);
        self.value.as_map()?.get(&key)?.as_str()
    }
}

impl Serialize for Part {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Converting a view that holds parts to a template value clones each part's value.
        self.value.serialize(serializer)
    }
}

impl Hash for Part {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

pub use crate::fingerprint::of as fingerprint;

/// Site-wide values, available to every template as `site`.
#[derive(Debug, Serialize, Hash)]
pub struct SiteView<'a> {
    pub title: &'a str,
    pub description: Option<&'a str>,
    /// Absolute, ends in `/`.
    pub base_url: &'a str,
    /// Root-relative prefix of every internal link, `/` or `/sub/path/`.
    pub base_path: &'a str,
    pub language: &'a str,
    pub authors: &'a [String],
    /// Counts for the footer / front page.
    pub article_count: usize,
    pub event_count: usize,
    pub source_count: usize,
    pub entity_count: usize,
    /// What the `site_footer` component printed with the values above, once per build:
    /// every page shows the same footer.
    pub footer_html: Option<Part>,
}

/// Per-page values, available as `page`.
#[derive(Debug, Serialize, Hash)]
pub struct PageMeta {
    /// Text of `<title>` (before the site title).
    pub title: String,
    /// Meta description.
    pub description: Option<String>,
    /// Root-relative URL of the page.
    pub url: String,
    /// Absolute URL (canonical link).
    pub canonical: String,
    /// Which section the page belongs to, for the navigation: home | article | timeline | sources | entities | tags | notfound.
    pub section: &'static str,
    /// What the `site_header` component printed for the page's section, and for whether
    /// the page is that section's index: made once for all the pages that share both.
    pub header_html: Option<Part>,
}

/// A date, ready for display and for `<time datetime>`.
#[derive(Debug, Serialize, Clone, Hash)]
pub struct DateView {
    /// "27 December 2019", "c. 1998".
    pub display: String,
    /// Valid `datetime` attribute value.
    pub datetime: String,
    /// As written ("2019-12/2020-01"), for JSON.
    pub iso: String,
    /// RFC 3339 first instant, for feeds.
    pub rfc3339: String,
    pub approximate: bool,
    pub uncertain: bool,
}

#[derive(Debug, Serialize, Clone, Hash)]
pub struct Link {
    pub name: String,
    pub url: String,
}

/// An article in a list.
#[derive(Debug, Serialize, Hash)]
pub struct ArticleSummary {
    pub title: String,
    pub url: String,
    pub date: Part,
    pub updated: Option<Part>,
    pub summary: Option<String>,
    pub tags: Vec<Link>,
    pub source_count: usize,
    pub claim_count: usize,
}

/// An entity in a list or a mention.
#[derive(Debug, Serialize, Clone, Hash)]
pub struct EntityLink {
    pub id: String,
    pub name: String,
    /// person | organisation | place | other
    pub kind: &'static str,
    pub role: Option<String>,
    pub url: String,
    /// Number of articles listing or mentioning it.
    pub article_count: usize,
}

/// A source named by an event or claim.
#[derive(Debug, Serialize, Clone, Hash)]
pub struct SourceLink {
    pub id: String,
    pub title: String,
    pub publisher: Option<String>,
    /// The source's own page.
    pub url: String,
    /// In an article: the number and anchor (`#ref-N`) of its entry in the article's source list.
    pub number: Option<usize>,
    pub ref_anchor: Option<String>,
}

/// One event of the timeline.
#[derive(Debug, Serialize, Clone, Hash)]
pub struct EventView {
    pub anchor: String,
    /// Root-relative URL of the event on the timeline page (`<base_path>timeline/#anchor`).
    pub url: String,
    pub date: Part,
    pub title: String,
    pub sources: Vec<Part>,
    pub entities: Vec<Part>,
    /// Links to the articles that report the event: a list.
    pub articles: Part,
    /// Space-separated entity ids and tag slugs, for the timeline filter (`data-` attributes).
    pub entity_ids: String,
    pub tag_slugs: String,
}

/// An entry of an article's numbered source list.
#[derive(Debug, Serialize, Hash)]
pub struct ReferenceView {
    pub number: usize,
    /// `ref-N`.
    pub anchor: String,
    pub id: String,
    pub title: String,
    pub publisher: Option<String>,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub published: Option<Part>,
    pub accessed: Option<Part>,
    /// What `source_facts` prints for the source, made once per build.
    pub facts_html: Option<Part>,
    /// External address (http/https only, checked).
    pub external_url: Option<String>,
    pub archive_url: Option<String>,
    /// The source through which this one is known.
    pub via: Option<Part>,
    /// The source's page on this site.
    pub url: String,
    /// Links back to each use in the text (`Citation::backlinks_html`).
    pub backlinks_html: Option<Part>,
    /// Distinct locators used ("para. 4").
    pub locators: Vec<String>,
}

/// A claim with its status and sources.
#[derive(Debug, Serialize, Hash)]
pub struct ClaimView {
    pub id: String,
    /// `claim-<id>`.
    pub anchor: String,
    pub text: String,
    /// confirmed | reported | claimed | disputed | denied | unverified
    pub status: &'static str,
    pub status_meaning: &'static str,
    /// Its badge as `status_badge` prints it with `meaning`, made once per status.
    pub badge_html: Option<Part>,
    pub sources: Vec<Part>,
    /// The article it belongs to (for lists outside the article).
    pub article: Part,
    /// Root-relative URL of the claim (`<base_path>articles/slug/#claim-id`).
    pub url: String,
}

/// A status of the legend.
#[derive(Debug, Serialize, Hash)]
pub struct StatusView {
    pub status: &'static str,
    pub meaning: &'static str,
    /// Its badge as `status_badge` prints it (without `meaning`), made once per build.
    pub html: Option<Part>,
    /// Its badge with `meaning` as the title, as every claim shows it.
    pub titled_html: Option<Part>,
}

#[derive(Debug, Serialize, Hash)]
pub struct UpdateView {
    pub date: Part,
    pub note: String,
}

#[derive(Debug, Serialize, Hash)]
pub struct HeadingView {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// HTML that brief made and keeps for the whole build (an article's body), printed as it
/// is. Its template value is made when the page is rendered, not when the page's
/// fingerprint is taken, and its fingerprint is the one kept with the body: after an edit
/// in `serve`, the pages that did not change cost neither a copy nor a hash of their body.
#[derive(Debug)]
pub struct KeptHtml<'a> {
    html: &'a str,
    hash: u64,
}

impl<'a> KeptHtml<'a> {
    /// `hash` is the fingerprint of `html` (0 when the build does not compare).
    pub fn new(html: &'a str, hash: u64) -> KeptHtml<'a> {
        KeptHtml { html, hash }
    }
}

impl Serialize for KeptHtml<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        tera::Value::safe_string(self.html).serialize(serializer)
    }
}

impl Hash for KeptHtml<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// The article page.
#[derive(Debug, Serialize, Hash)]
pub struct ArticleView<'a> {
    pub title: String,
    pub url: String,
    pub date: Part,
    pub updated: Option<Part>,
    pub summary: Option<String>,
    pub tags: Vec<Link>,
    /// Rendered, sanitised Markdown body: the only HTML from content that templates print unescaped.
    pub body_html: KeptHtml<'a>,
    pub headings: Vec<HeadingView>,
    pub references: Vec<ReferenceView>,
    pub claims: Vec<ClaimView>,
    pub entities: Vec<Part>,
    pub events: Vec<EventView>,
    pub updates: Vec<UpdateView>,
}

/// A source with who said what.
#[derive(Debug, Serialize, Hash)]
pub struct SourceView {
    pub id: String,
    pub title: String,
    pub publisher: Option<String>,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub published: Option<Part>,
    pub accessed: Option<Part>,
    pub external_url: Option<String>,
    pub archive_url: Option<String>,
    /// The source through which this one is known.
    pub via: Option<Part>,
    /// Sources known through this one.
    pub relayed: Vec<Part>,
    pub url: String,
    /// Who cites it; left empty in the list of all sources, which shows only the counts.
    pub articles: Vec<Part>,
    pub claims: Vec<Part>,
    pub events: Vec<Part>,
    pub article_count: usize,
    pub claim_count: usize,
    pub event_count: usize,
}

/// A group of sources or entities of one kind.
#[derive(Debug, Serialize, Hash)]
pub struct Group<T> {
    pub kind: &'static str,
    pub label: &'static str,
    pub items: Vec<T>,
}

/// An entity page.
#[derive(Debug, Serialize, Hash)]
pub struct EntityView {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub aka: Vec<String>,
    pub role: Option<String>,
    pub description: Option<String>,
    pub url: String,
    pub articles: Vec<Part>,
    pub claims: Vec<Part>,
    pub events: Vec<Part>,
}

/// A tag in the tag index.
#[derive(Debug, Serialize, Hash)]
pub struct TagView {
    pub name: String,
    pub slug: String,
    pub url: String,
    pub count: usize,
}

/// Timeline events of one month.
#[derive(Debug, Serialize, Hash)]
pub struct MonthGroup {
    /// "December 2019", or "Undated month" for year-precision events.
    pub label: String,
    pub anchor: String,
    /// Month number, `None` for events dated to the year only.
    pub month: Option<i8>,
    pub events: Vec<Part>,
    /// In a session, the events' `timeline_html` one after another, each on its line: the
    /// timeline page prints a few dozen of these instead of 27,907 events at 10k articles.
    pub events_html: Option<Part>,
}

/// Timeline events of one year.
#[derive(Debug, Serialize, Hash)]
pub struct YearGroup {
    pub year: i16,
    pub anchor: String,
    pub months: Vec<MonthGroup>,
}
