//! The values templates see: serialisable views built from the assembled site, kept apart from the domain types.

use serde::Serialize;

/// Site-wide values, available to every template as `site`.
#[derive(Debug, Serialize)]
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
}

/// Per-page values, available as `page`.
#[derive(Debug, Serialize)]
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
}

/// A date, ready for display and for `<time datetime>`.
#[derive(Debug, Serialize, Clone)]
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

#[derive(Debug, Serialize, Clone)]
pub struct Link {
    pub name: String,
    pub url: String,
}

/// An article in a list.
#[derive(Debug, Serialize)]
pub struct ArticleSummary {
    pub title: String,
    pub url: String,
    pub date: DateView,
    pub updated: Option<DateView>,
    pub summary: Option<String>,
    pub tags: Vec<Link>,
    pub source_count: usize,
    pub claim_count: usize,
}

/// An entity in a list or a mention.
#[derive(Debug, Serialize, Clone)]
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
#[derive(Debug, Serialize, Clone)]
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
#[derive(Debug, Serialize, Clone)]
pub struct EventView {
    pub anchor: String,
    /// Root-relative URL of the event on the timeline page (`<base_path>timeline/#anchor`).
    pub url: String,
    pub date: DateView,
    pub title: String,
    pub sources: Vec<SourceLink>,
    pub entities: Vec<EntityLink>,
    pub articles: Vec<Link>,
    /// Space-separated entity ids and tag slugs, for the timeline filter (`data-` attributes).
    pub entity_ids: String,
    pub tag_slugs: String,
}

/// A use of a citation in the body, for back-links.
#[derive(Debug, Serialize)]
pub struct CitationUseView {
    pub anchor: String,
    /// "a", "b", ... for back-link labels.
    pub label: String,
    pub locator: Option<String>,
}

/// An entry of an article's numbered source list.
#[derive(Debug, Serialize)]
pub struct ReferenceView {
    pub number: usize,
    /// `ref-N`.
    pub anchor: String,
    pub id: String,
    pub title: String,
    pub publisher: Option<String>,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub published: Option<DateView>,
    pub accessed: Option<DateView>,
    /// External address (http/https only, checked).
    pub external_url: Option<String>,
    pub archive_url: Option<String>,
    /// The source through which this one is known.
    pub via: Option<SourceLink>,
    /// The source's page on this site.
    pub url: String,
    pub uses: Vec<CitationUseView>,
    /// Distinct locators used ("para. 4").
    pub locators: Vec<String>,
}

/// A claim with its status and sources.
#[derive(Debug, Serialize)]
pub struct ClaimView {
    pub id: String,
    /// `claim-<id>`.
    pub anchor: String,
    pub text: String,
    /// confirmed | reported | claimed | disputed | denied | unverified
    pub status: &'static str,
    pub status_meaning: &'static str,
    pub sources: Vec<SourceLink>,
    /// The article it belongs to (for lists outside the article).
    pub article: Link,
    /// Root-relative URL of the claim (`<base_path>articles/slug/#claim-id`).
    pub url: String,
}

/// A status of the legend.
#[derive(Debug, Serialize)]
pub struct StatusView {
    pub status: &'static str,
    pub meaning: &'static str,
}

#[derive(Debug, Serialize)]
pub struct UpdateView {
    pub date: DateView,
    pub note: String,
}

#[derive(Debug, Serialize)]
pub struct HeadingView {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// The article page.
#[derive(Debug, Serialize)]
pub struct ArticleView {
    pub title: String,
    pub url: String,
    pub date: DateView,
    pub updated: Option<DateView>,
    pub summary: Option<String>,
    pub tags: Vec<Link>,
    /// Rendered, sanitised Markdown body: the only HTML from content that templates print unescaped.
    pub body_html: String,
    pub headings: Vec<HeadingView>,
    pub references: Vec<ReferenceView>,
    pub claims: Vec<ClaimView>,
    pub entities: Vec<EntityLink>,
    pub events: Vec<EventView>,
    pub updates: Vec<UpdateView>,
}

/// A source with who said what.
#[derive(Debug, Serialize)]
pub struct SourceView {
    pub id: String,
    pub title: String,
    pub publisher: Option<String>,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub published: Option<DateView>,
    pub accessed: Option<DateView>,
    pub external_url: Option<String>,
    pub archive_url: Option<String>,
    /// The source through which this one is known.
    pub via: Option<SourceLink>,
    /// Sources known through this one.
    pub relayed: Vec<SourceLink>,
    pub url: String,
    /// Who cites it; left empty in the list of all sources, which shows only the counts.
    pub articles: Vec<Link>,
    pub claims: Vec<ClaimView>,
    pub events: Vec<EventView>,
    pub article_count: usize,
    pub claim_count: usize,
    pub event_count: usize,
}

/// A group of sources or entities of one kind.
#[derive(Debug, Serialize)]
pub struct Group<T> {
    pub kind: &'static str,
    pub label: &'static str,
    pub items: Vec<T>,
}

/// An entity page.
#[derive(Debug, Serialize)]
pub struct EntityView {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub aka: Vec<String>,
    pub role: Option<String>,
    pub description: Option<String>,
    pub url: String,
    pub articles: Vec<Link>,
    pub claims: Vec<ClaimView>,
    pub events: Vec<EventView>,
}

/// A tag in the tag index.
#[derive(Debug, Serialize)]
pub struct TagView {
    pub name: String,
    pub slug: String,
    pub url: String,
    pub count: usize,
}

/// Timeline events of one month.
#[derive(Debug, Serialize)]
pub struct MonthGroup {
    /// "December 2019", or "Undated month" for year-precision events.
    pub label: String,
    pub anchor: String,
    /// Month number, `None` for events dated to the year only.
    pub month: Option<i8>,
    pub events: Vec<EventView>,
}

/// Timeline events of one year.
#[derive(Debug, Serialize)]
pub struct YearGroup {
    pub year: i16,
    pub anchor: String,
    pub months: Vec<MonthGroup>,
}
