//! Rendering: the Tera environment (embedded theme plus the site's overrides) and every page of the site.

mod items;
pub mod theme;
pub mod views;

use std::hash::Hash;
use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::content::{ClaimStatus, Date, EntityKind, SourceKind};
use crate::diag::{Diagnostic, Pos};
use crate::model::{BuiltArticle, Site, TimelineEvent};
pub use items::Items;
use items::NUMBERED_LINKS;
pub use theme::Theme;
use views::*;

/// One output file: a path relative to the output folder and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Relative path with `/` separators, e.g. `articles/x/index.html`.
    pub path: String,
    /// File content.
    pub bytes: Vec<u8>,
}

/// Compiles the theme's templates once; reports every template error, located.
pub fn compile(theme: &Theme) -> Result<Tera, Vec<Diagnostic>> {
    let mut tera = Tera::new();
    tera.autoescape_on([".html", ".xml"]);
    let templates = theme
        .templates
        .iter()
        .map(|t| (t.name.as_str(), t.text.as_str()));
    match tera.add_raw_templates(templates) {
        Ok(()) => Ok(tera),
        Err(err) => {
            // Find every syntax error by compiling each template on its own; fall back to the combined error.
            let mut problems: Vec<Diagnostic> = theme
                .templates
                .iter()
                .filter_map(|t| {
                    let mut alone = Tera::new();
                    match alone.add_raw_template(&t.name, &t.text) {
                        Err(e) if matches!(e.kind(), tera::ErrorKind::SyntaxError(_)) => {
                            Some(template_error(&e, theme, "TPL-PARSE", None))
                        }
                        _ => None,
                    }
                })
                .collect();
            if problems.is_empty() {
                problems.push(template_error(&err, theme, "TPL-PARSE", None));
            }
            Err(problems)
        }
    }
}

/// Turns a Tera error into a diagnostic naming the template file, line and column, and the page being rendered.
fn template_error(
    err: &tera::Error,
    theme: &Theme,
    code: &'static str,
    page: Option<&str>,
) -> Diagnostic {
    let while_rendering = page
        .map(|p| format!(" (while rendering {p})"))
        .unwrap_or_default();
    match err.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            let span = report.span();
            let pos = Pos {
                line: span.start_line.max(1),
                col: span.start_col + 1,
            };
            let (path, text) = theme.describe(report.filename());
            Diagnostic::error(
                code,
                &path,
                Some(pos),
                format!("{}{while_rendering}", report.message()),
            )
            .with_source(text)
            .with_help("fix the template; see the Tera 2 documentation for the syntax")
        }
        _ => {
            let mut message = err.to_string();
            let mut source = std::error::Error::source(err);
            while let Some(inner) = source {
                message.push_str(": ");
                message.push_str(&inner.to_string());
                source = inner.source();
            }
            let template = match err.kind() {
                tera::ErrorKind::CircularExtend { tpl, .. }
                | tera::ErrorKind::CircularInclude { tpl, .. } => Some(tpl.as_str()),
                tera::ErrorKind::MissingParent { current, .. } => Some(current.as_str()),
                _ => None,
            };
            let path = template.map_or_else(|| "templates".to_string(), |t| theme.describe(t).0);
            let help = if message.contains("recursion") {
                "a component calls itself without end; give the recursion a base case"
            } else {
                "check the template names used in {% extends %} and {% include %}"
            };
            Diagnostic::error(code, &path, None, format!("{message}{while_rendering}"))
                .with_help(help)
        }
    }
}

/// Everything a template may need, shared by all pages: the views that appear on many
/// pages are converted to template values once ([`Part`]), when first needed (so that
/// rendering a few pages builds only what they show).
pub(crate) struct Shared<'a> {
    site: &'a Site,
    site_view: SiteView<'a>,
    statuses: Vec<StatusView>,
    /// The parts and fingerprints made per item (see [`Items`]).
    items: Items,
    /// Per date: its view. Events, sources and articles share far fewer distinct dates
    /// than they have uses; formatting each once saved about 0.2 s of CPU at 10k articles.
    dates: Mutex<ahash::AHashMap<Date, Part>>,
    /// Compute fingerprints (for a later incremental build)?
    track: bool,
    /// For the fragments: events and claims as the theme's components print them.
    tera: &'a Tera,
    /// The parts of the previous build of a session (same templates), for reuse.
    reuse: Option<&'a PartMemo>,
    /// The events of `timeline.json` as JSON text, made by a build of a session.
    timeline_json: OnceLock<Vec<data::EventJsonText>>,
    /// The timeline page's months joined (see [`Items::timeline_months`]), likewise.
    timeline_months: OnceLock<Vec<(u64, Option<Part>)>>,
    /// The header of the pages of each section (in the order of [`SECTIONS`]), on the
    /// section's index and on its other pages.
    headers: [OnceLock<Option<Part>>; 2 * SECTIONS.len()],
    /// Every page's sitemap entry, made once for the sitemap's files.
    sitemap_urls: OnceLock<Vec<SitemapUrl>>,
    /// The key of the sitemap's files in a session, likewise.
    sitemap_key: OnceLock<u64>,
    /// Whether article pages may print the articles that report each of their events
    /// (`event.articles`): true unless the templates that print an article page are the
    /// built-in ones, which print that list on the timeline only. When false, an article
    /// page's key leaves that list out (see [`Self::event_core_key`]).
    reporters_on_article_pages: bool,
}

/// The parts with a fragment that one build made, by kind and by the fingerprint of the
/// view they were made from, for the next build of a session: the same view printed by the
/// same templates gives the same part. After an edit of one article's title at 10k
/// articles, building the parts of the timeline's 27,907 events again (each printed by
/// `event_item`) took 215 ms of the timeline page's job alone.
#[derive(Debug, Default)]
pub struct PartMemo {
    parts: ahash::AHashMap<(PartKind, u64), Part>,
    /// The events of `timeline.json` as JSON text, by the fingerprint of their values.
    timeline_json: ahash::AHashMap<u64, std::sync::Arc<serde_json::value::RawValue>>,
    /// The views of dates, which depend on nothing else: converting the few thousand
    /// dates of 10k articles to template values again was 3 % of a title edit.
    dates: ahash::AHashMap<Date, Part>,
}

/// Which kind of part a [`PartMemo`] entry is: views of different kinds could share a
/// fingerprint, and they are printed by different components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum PartKind {
    Summary,
    Event,
    Claim,
}

/// What the previous build of a session left for the next one to compare with and reuse.
/// Valid only while the templates and the configuration are the same.
#[derive(Debug)]
pub struct Previous<'a> {
    /// Every page's fingerprint.
    pub fingerprints: &'a Fingerprints,
    /// The parts it made, by fingerprint (see [`Items::memo`]).
    pub parts: Option<&'a PartMemo>,
    /// What it made per item, when this build's site is the same but for what
    /// [`Items::forget_article`] has forgotten. Its pages are then the previous build's,
    /// and only those rendered again are handed over and fingerprinted in the report: at
    /// 10k articles with 56k pages, handing over and filing the others took a third of an
    /// edit of one article's title. Must come from the build that left `fingerprints`:
    /// a page whose key the items kept is taken to be that build's without comparing.
    pub items: Option<Items>,
}

/// The fingerprints of `parts` listed on a page, adding the length of their fragments to
/// `listed` (to size the page).
fn part_hashes<'p>(parts: impl Iterator<Item = &'p Part>, listed: &mut usize) -> Vec<u64> {
    parts
        .map(|p| {
            *listed += p.html_len();
            p.hash()
        })
        .collect()
}

/// The fingerprint of a shared view for the keys of a session's pages, kept in `key`: its
/// part's when the part is made, else the view's, which is the same (see [`Part::new`])
/// and costs no conversion to a template value (only pages rendered again need that).
fn view_key<T: Hash>(key: &OnceLock<u64>, part: &OnceLock<Part>, view: impl FnOnce() -> T) -> u64 {
    *key.get_or_init(|| part.get().map_or_else(|| fingerprint(&view()), Part::hash))
}

impl<'a> Shared<'a> {
    fn new(
        site: &'a Site,
        tera: &'a Tera,
        track: bool,
        reuse: Option<&'a PartMemo>,
        items: Option<Items>,
    ) -> Self {
        let config = &site.config;
        let mut site_view = SiteView {
            title: &config.title,
            description: config.description.as_deref(),
            base_url: &config.base_url,
            base_path: &config.base_path,
            language: &config.language,
            authors: &config.authors,
            article_count: site.articles.len(),
            event_count: site.timeline.len(),
            source_count: site.sources.len(),
            entity_count: site.entities.len(),
            footer_html: None,
        };
        // Every page shows the same footer. Printed on each, its counts and links cost
        // 21,000 instructions a page, as much as the rest of the frame around it.
        site_view.footer_html = fragment(tera, SITE_FOOTER, "site", &site_view)
            .map(|html| Part::safe_html(&html, track));
        Shared {
            site,
            site_view,
            statuses: ClaimStatus::ALL
                .iter()
                .map(|s| {
                    // The legend of every article page with claims shows every badge.
                    let html = fragment(tera, STATUS_BADGE, "status", s.as_str());
                    // Every claim shows its status's badge with the meaning as its title.
                    let mut context = Context::new();
                    context.insert("status", s.as_str());
                    context.insert("meaning", s.meaning());
                    let titled = render_fragment(tera, STATUS_BADGE, &context);
                    StatusView {
                        status: s.as_str(),
                        meaning: s.meaning(),
                        html: html.map(|h| Part::safe_html(&h, track)),
                        titled_html: titled.map(|h| Part::safe_html(&h, track)),
                    }
                })
                .collect(),
            items: items
                .filter(|i| track && i.fit(site))
                .unwrap_or_else(|| Items::new(site)),
            dates: Mutex::default(),
            track,
            tera,
            reuse: reuse.filter(|_| track),
            timeline_json: OnceLock::new(),
            timeline_months: OnceLock::new(),
            headers: Default::default(),
            sitemap_urls: OnceLock::new(),
            sitemap_key: OnceLock::new(),
            reporters_on_article_pages: true,
        }
    }

    /// This, knowing which templates print an article page (see
    /// [`Self::reporters_on_article_pages`]).
    fn for_theme(self, theme: &Theme) -> Self {
        Shared {
            reporters_on_article_pages: !ARTICLE_PAGE_TEMPLATES
                .iter()
                .all(|name| theme.is_built_in(name)),
            ..self
        }
    }

    /// The part of a view with `component`'s fragment (see [`Self::with_fragment`]), taken
    /// from the previous build of the session when it made one with the same `key`. The key
    /// is known without making the view (see [`Self::event_key`]), which is made only when
    /// it is not found; it becomes the part's fingerprint, so it must cover everything the
    /// view shows (0 outside a session, which compares nothing).
    fn fragment_part<T: Serialize>(
        &self,
        kind: PartKind,
        key: u64,
        view: impl FnOnce() -> T,
        component: &str,
        arg: &'static str,
    ) -> Part {
        if let Some(part) = self.reuse.and_then(|reuse| reuse.parts.get(&(kind, key))) {
            return part.clone();
        }
        let part = self.with_fragment(Part::with_hash(&view(), key), component, arg);
        match kind {
            _ if !self.track => part,
            PartKind::Event => self.with_session_fragment(
                part,
                (EVENT_ITEM, "event"),
                ("timeline", true.into()),
                "timeline_html",
            ),
            PartKind::Summary => self.with_session_fragment(
                part,
                (ARTICLE_ITEM, "article"),
                ("level", 3.into()),
                "front_html",
            ),
            PartKind::Claim => part,
        }
    }

    /// `part` with a second fragment, as the one page that lists every item of its kind
    /// prints it: an event's `timeline_html` (`event_item` with `timeline` set: the timeline
    /// page), a summary's `front_html` (`article_item` with `level` 3: the front page). Only
    /// in a session (`serve`, `watch`), whose next builds reuse them: after an edit of one
    /// title at 10k articles, printing the timeline's 27,907 events again took 0.17 s, and
    /// the front page's 10,000 articles 0.08 s, for an edit that changes a handful of them.
    /// A one-off build prints each once anyway, and holding them all (29 MB and 6 MB at
    /// 10k) would raise its peak memory.
    fn with_session_fragment(
        &self,
        part: Part,
        (component, arg): (&str, &'static str),
        (name, value): (&'static str, tera::Value),
        field: &'static str,
    ) -> Part {
        let mut context = Context::new();
        context.insert(arg, &part);
        context.insert(name, &value);
        match render_fragment(self.tera, component, &context) {
            Some(html) => part.with_field(field, &html),
            None => part,
        }
    }

    /// The items made while rendering, with the `timeline.json` texts, the timeline's
    /// months and the dates this build made or reused, for the next build.
    fn into_items(self) -> Items {
        let mut items = self.items;
        if let Some(texts) = self.timeline_json.into_inner() {
            items.timeline_json = texts;
        }
        if let Some(months) = self.timeline_months.into_inner() {
            items.timeline_months = months;
        }
        let dates = self.dates.into_inner().unwrap_or_else(|e| e.into_inner());
        match self.reuse {
            Some(memo) if items.dates.is_empty() => items.dates = memo.dates.clone(),
            _ => {}
        }
        items.dates.extend(dates);
        items
    }

    fn article_link(&self, i: usize) -> Part {
        self.article_link_ref(i).clone()
    }

    /// [`Self::article_link`] without a clone, for a fingerprint: the parts' values are
    /// shared by both threads, and every clone is an atomic count they contend for.
    fn article_link_ref(&self, i: usize) -> &Part {
        self.items.article_links[i].get_or_init(|| self.part(&self.article_link_view(i)))
    }

    fn article_link_view(&self, i: usize) -> Link {
        let a = &self.site.articles[i];
        Link {
            name: a.article.title.clone(),
            url: self.article_url(a),
        }
    }

    /// The fingerprint of article `i`'s link.
    fn article_link_hash(&self, i: usize) -> u64 {
        view_key(
            &self.items.article_link_keys[i],
            &self.items.article_links[i],
            || self.article_link_view(i),
        )
    }

    fn summary_part(&self, i: usize) -> Part {
        self.items.summaries[i]
            .get_or_init(|| {
                let a = &self.site.articles[i];
                // A summary shows the front matter and the number of sources.
                let key = self
                    .track
                    .then(|| fingerprint(&(a.article.doc.front_fingerprint(), a.references.len())));
                let view = || self.summary(a);
                let (kind, component) = (PartKind::Summary, ARTICLE_ITEM);
                self.fragment_part(kind, key.unwrap_or(0), view, component, "article")
            })
            .clone()
    }

    fn source_link_part(&self, i: usize) -> Part {
        self.source_link_ref(i).clone()
    }

    /// [`Self::source_link_part`] without a clone (see [`Self::article_link_ref`]).
    fn source_link_ref(&self, i: usize) -> &Part {
        self.items.source_links[i]
            .get_or_init(|| self.part(&self.source_link_view(&self.site.sources[i].source, None)))
    }

    fn entity_link_part(&self, i: usize) -> Part {
        self.entity_link_ref(i).clone()
    }

    /// [`Self::entity_link_part`] without a clone (see [`Self::article_link_ref`]).
    fn entity_link_ref(&self, i: usize) -> &Part {
        self.items.entity_links[i]
            .get_or_init(|| self.part(&self.entity_link_view(&self.site.entities[i])))
    }

    /// The fingerprint of entity `id`'s link, if it is known.
    fn entity_link_hash(&self, id: &str) -> Option<u64> {
        let i = self.site.entity_at(id)?;
        Some(view_key(
            &self.items.entity_link_keys[i],
            &self.items.entity_links[i],
            || self.entity_link_view(&self.site.entities[i]),
        ))
    }

    /// The fingerprint of source `id`'s link without a reference number, if it is known:
    /// the same as its part's (see [`Part::new`]).
    fn source_link_hash(&self, id: &str) -> Option<u64> {
        let i = self.site.source_at(id)?;
        Some(view_key(
            &self.items.source_link_keys[i],
            &self.items.source_links[i],
            || self.source_link_view(&self.site.sources[i].source, None),
        ))
    }

    fn tag_part(&self, i: usize) -> Part {
        self.items.tag_views[i]
            .get_or_init(|| self.part(&self.tag_view(&self.site.tags[i])))
            .clone()
    }

    fn all_tags(&self) -> Vec<Part> {
        (0..self.site.tags.len())
            .map(|i| self.tag_part(i))
            .collect()
    }

    /// The topics of the articles that report event `i` (for the timeline filter).
    fn event_tags(&self, i: usize) -> String {
        let mut tags: Vec<&str> = self.site.timeline[i]
            .articles
            .iter()
            .flat_map(|&a| {
                self.site.articles[a]
                    .article
                    .tags
                    .iter()
                    .map(|t| t.slug.as_str())
            })
            .collect();
        tags.sort_unstable();
        tags.dedup();
        tags.join(" ")
    }

    fn event_part(&self, i: usize) -> Part {
        self.event_part_ref(i).clone()
    }

    /// [`Self::event_part`] without a clone (see [`Self::article_link_ref`]).
    fn event_part_ref(&self, i: usize) -> &Part {
        self.items.events[i].get_or_init(|| {
            let key = if self.track { self.event_key(i) } else { 0 };
            let view = || self.event_view(i, None, self.event_tags(i));
            self.fragment_part(PartKind::Event, key, view, EVENT_ITEM, "event")
        })
    }

    /// What event `i`'s view outside an article is made from, as one fingerprint, without
    /// making the view: the event, and the fingerprints of the links it shows and of the
    /// front matter of the articles that report it (their topics feed the timeline's
    /// filter). After an edit of one title at 10k articles, making the views of the
    /// timeline's 27,907 events to fingerprint them took 0.13 s of the timeline page's job.
    ///
    /// Whatever [`Self::event_view`] shows must be covered here (see
    /// [`Self::article_page_key`]).
    fn event_key(&self, i: usize) -> u64 {
        let e = &self.site.timeline[i];
        let articles: Vec<(u64, u64)> = (e.articles.iter())
            .map(|&a| {
                let front = self.site.articles[a].article.doc.front_fingerprint();
                (self.article_link_hash(a), front)
            })
            .collect();
        fingerprint(&(self.event_core_key(i), articles))
    }

    /// What event `i` shows but the articles that report it: its date, title, sources and
    /// entities. An article page of the built-in theme shows no more of the event (see
    /// [`Self::reporters_on_article_pages`]), so its key covers only this: with one
    /// event that all 10,000 articles report, an edit of one title had rendered all their
    /// pages again to print the same bytes: 647 ms from save to reload, 87 ms since.
    fn event_core_key(&self, i: usize) -> u64 {
        *self.items.event_core_keys[i].get_or_init(|| self.make_event_core_key(i))
    }

    fn make_event_core_key(&self, i: usize) -> u64 {
        let e = &self.site.timeline[i];
        let sources: Vec<Option<u64>> = (e.sources.iter())
            .map(|id| self.source_link_hash(id))
            .collect();
        let entities: Vec<Option<u64>> = (e.entities.iter())
            .map(|id| self.entity_link_hash(id))
            .collect();
        let event = (&e.anchor, &e.date, &e.title, &e.entities);
        fingerprint(&(event, sources, entities))
    }

    fn claim_part(&self, a: usize, c: usize) -> Option<Part> {
        self.claim_part_ref(a, c).cloned()
    }

    /// [`Self::claim_part`] without a clone (see [`Self::article_link_ref`]).
    fn claim_part_ref(&self, a: usize, c: usize) -> Option<&Part> {
        self.items.claims[a]
            .get_or_init(|| {
                let article = &self.site.articles[a];
                let front = self.track.then(|| article.article.doc.front_fingerprint());
                (article.article.claims.iter().enumerate())
                    .map(|(c, claim)| {
                        // A claim listed outside its article shows what its article's front
                        // matter says of it, and links to its sources and its article.
                        let key = front.map(|front| {
                            let sources: Vec<Option<u64>> = (claim.sources.iter())
                                .map(|r| self.source_link_hash(&r.id))
                                .collect();
                            fingerprint(&(front, c, sources, self.article_link_hash(a)))
                        });
                        let view = || self.claim_view(a, c, false);
                        let (kind, component) = (PartKind::Claim, CLAIM_ITEM);
                        self.fragment_part(kind, key.unwrap_or(0), view, component, "claim")
                    })
                    .collect()
            })
            .get(c)
    }

    /// `part` with its `html`: what `component` prints for it with its other arguments left
    /// at their defaults. An event or a claim is listed on several pages (its sources',
    /// its entities'); printing it once and pasting it saved a tenth of the CPU time of a
    /// build at 10k articles. A component that fails (or that the theme lacks) leaves the
    /// part without `html`: the page that calls the component itself then reports the
    /// error, located.
    fn with_fragment(&self, part: Part, component: &str, arg: &'static str) -> Part {
        match fragment(self.tera, component, arg, &part) {
            Some(html) => part.with_html(&html),
            None => part,
        }
    }

    /// What `source_facts` prints for source `i` (publisher, kind, dates): the same in
    /// every article that cites it. Only a source whose fragment is kept has one: for a
    /// source that one article cites, in a one-off build, the article page calls the
    /// component with its reference, which holds the same facts, rather than a view of
    /// the source made for that one print (9,000 instructions each; with 4,500 sources
    /// of their own at 1k articles, 1.2 % of the build).
    fn source_facts(&self, i: usize) -> Option<Part> {
        if !self.keeps_for_citers(i) {
            return None;
        }
        let make = || {
            let source = self.source_part(i);
            fragment(self.tera, SOURCE_FACTS, "source", &source)
                .map(|html| Part::safe_html(&html, self.track))
        };
        self.items.source_facts[i].get_or_init(make).clone()
    }

    /// Whether what article pages show of source `i` alike is kept for the next page that
    /// shows it: in a session, always (the next build reuses it); in a one-off build, when
    /// more than one article cites it. At 10k articles with 45k sources of their own, each
    /// cited by one article, keeping them held 64 MiB until the article pages were done.
    fn keeps_for_citers(&self, i: usize) -> bool {
        self.track || self.site.sources[i].articles.len() > 1
    }

    /// Source `i`'s view without its citers, as a part. Only a session keeps it (see
    /// [`Self::source_key`]): a one-off build asks for it twice per source, once for its
    /// facts on the article pages and once for the index of sources, each pass with items
    /// of its own, and keeping them cost 80 MB until the end of the second pass at 10k
    /// articles with 45k sources of their own.
    fn source_part(&self, i: usize) -> Part {
        let make = || self.part(&self.source_view(i, false));
        if self.track {
            self.items.source_parts[i].get_or_init(make).clone()
        } else {
            make()
        }
    }

    /// The fingerprint of source `i`'s view without its citers: everything an article page
    /// shows of a source it lists (its facts, its `via` and the sources it relays, its
    /// counts) is in that view.
    fn source_key(&self, i: usize) -> u64 {
        view_key(
            &self.items.source_view_keys[i],
            &self.items.source_parts[i],
            || self.source_view(i, false),
        )
    }

    /// What article page `i` is made from, as one fingerprint, without making its view:
    /// the article's file up to its body, the body as rendered (its HTML, citations and
    /// headings), its numbered sources, and the fingerprints of the shared views it shows
    /// (its sources', events' and entities'). Making the view of every article page to
    /// fingerprint it took a third of the thread time of a rebuild after an edit of one
    /// article's front matter at 10k articles; this takes a few words per source and event.
    ///
    /// Whatever [`Self::article_view`] shows must be covered here: a value left out would
    /// leave the page as it was after a change of that value alone (`tests/incremental.rs`
    /// edits every field and compares with a full build).
    fn article_page_key(&self, i: usize) -> u64 {
        *self.items.article_pages[i].get_or_init(|| self.make_article_page_key(i))
    }

    fn make_article_page_key(&self, i: usize) -> u64 {
        let events: Vec<u64> = (self.site.articles[i].events.iter())
            .map(|&e| {
                if self.reporters_on_article_pages {
                    self.event_part_ref(e).hash()
                } else {
                    self.event_core_key(e)
                }
            })
            .collect();
        fingerprint(&(self.article_own_key(i), events))
    }

    /// What article page `i` is made from but its events: an edit of another article
    /// leaves it as it was (sources and entities are kept, see [`Items::forget_article`]).
    /// With one event that all 10,000 articles report, making these again for every
    /// article after an edit of one title took about 20 ms.
    fn article_own_key(&self, i: usize) -> u64 {
        *self.items.article_own_keys[i].get_or_init(|| {
            let a = &self.site.articles[i];
            let source = |id: &str| self.site.source_at(id).map(|at| self.source_key(at));
            let claim_sources = a.article.claims.iter().flat_map(|c| &c.sources);
            let keys: Vec<Option<u64>> = (a.references.iter().map(|r| source(&r.id)))
                .chain(claim_sources.map(|r| source(&r.id)))
                .chain(a.entities.iter().map(|id| self.entity_link_hash(id)))
                .collect();
            fingerprint(&(
                a.article.doc.front_fingerprint(),
                a.body.html_fingerprint(),
                a.body.lists_fingerprint(),
                (&a.references, &a.entities),
                keys,
            ))
        })
    }

    /// What source page `i` is made from, as one fingerprint, without making its view: the
    /// source's view without its citers, and the fingerprints of the parts it lists (its
    /// articles, claims and events). Also the length of their fragments, to size the page.
    fn source_page_key(&self, i: usize) -> (u64, usize) {
        *self.items.source_pages[i].get_or_init(|| self.make_source_page_key(i))
    }

    fn make_source_page_key(&self, i: usize) -> (u64, usize) {
        let entry = &self.site.sources[i];
        let (listing, listed) = self.listing_hashes(&entry.articles, &entry.claims, &entry.events);
        (fingerprint(&(self.source_key(i), listing)), listed)
    }

    /// The fingerprints of the articles, claims and events a source or entity page lists,
    /// and the length of their fragments (links have none).
    fn listing_hashes(
        &self,
        articles: &[usize],
        claims: &[(usize, usize)],
        events: &[usize],
    ) -> ([Vec<u64>; 3], usize) {
        let mut listed = 0;
        let articles = articles
            .iter()
            .map(|&a| self.article_link_hash(a))
            .collect();
        let claims = claims
            .iter()
            .filter_map(|&(a, c)| self.claim_part_ref(a, c));
        let claims = part_hashes(claims, &mut listed);
        let events = events.iter().map(|&e| self.event_part_ref(e));
        let events = part_hashes(events, &mut listed);
        ([articles, claims, events], listed)
    }

    fn entity_view(&self, i: usize) -> EntityView {
        let entry = &self.site.entities[i];
        let e = &entry.entity;
        EntityView {
            id: e.id.clone(),
            name: e.name.clone(),
            kind: e.kind.as_str(),
            kind_label: e.kind.label(),
            aka: e.aka.clone(),
            role: e.role.clone(),
            description: e.description.clone(),
            url: self.url(&["entities/", &e.id, "/"]),
            articles: (entry.articles.iter())
                .map(|&a| self.article_link(a))
                .collect(),
            claims: (entry.claims.iter())
                .filter_map(|&(a, c)| self.claim_part(a, c))
                .collect(),
            events: entry.events.iter().map(|&i| self.event_part(i)).collect(),
        }
    }

    /// What entity page `i` is made from, as one fingerprint, without making its view
    /// (see [`Self::source_page_key`]): the entity's fields and the fingerprints of the
    /// articles, claims and events it lists; also the length of their fragments. Making
    /// the views of the 1,528 entity pages of 10k articles, whose links to the articles
    /// that name the most common entities run to thousands, was 3 % of a title edit.
    ///
    /// Whatever [`Self::entity_view`] shows must be covered here.
    fn entity_page_key(&self, i: usize) -> (u64, usize) {
        *self.items.entity_pages[i].get_or_init(|| self.make_entity_page_key(i))
    }

    fn make_entity_page_key(&self, i: usize) -> (u64, usize) {
        let entry = &self.site.entities[i];
        let e = &entry.entity;
        let (listing, listed) = self.listing_hashes(&entry.articles, &entry.claims, &entry.events);
        let fields = (&e.id, &e.name, e.kind, &e.aka, &e.role, &e.description);
        (fingerprint(&(fields, listing)), listed)
    }

    fn date(&self, date: &Date) -> Part {
        let kept = self.reuse.map_or(&self.items.dates, |r| &r.dates);
        if let Some(part) = kept.get(date) {
            return part.clone();
        }
        let mut dates = self.dates.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(part) = dates.get(date) {
            return part.clone();
        }
        let part = self.part(&date_view(date));
        dates.insert(date.clone(), part.clone());
        part
    }

    fn part<T: Serialize + Hash + ?Sized>(&self, view: &T) -> Part {
        Part::new(view, self.track)
    }

    /// The address of `parts` joined, under the base path. Joined without `format!`:
    /// a large build makes millions of these.
    fn url(&self, parts: &[&str]) -> String {
        let base = self.site.config.base_path.as_str();
        let mut url =
            String::with_capacity(base.len() + parts.iter().map(|p| p.len()).sum::<usize>());
        url.push_str(base);
        parts.iter().for_each(|p| url.push_str(p));
        url
    }

    fn meta(
        &self,
        title: &str,
        description: Option<&str>,
        rel: &str,
        section: &'static str,
    ) -> PageMeta {
        let url = self.url(&[rel]);
        let index = url
            .strip_prefix(self.site.config.base_path.as_str())
            .and_then(|rest| rest.strip_prefix(section))
            == Some("/");
        PageMeta {
            title: title.to_string(),
            description: description
                .or(self.site.config.description.as_deref())
                .map(str::to_string),
            url,
            canonical: [self.site.config.base_url.as_str(), rel].concat(),
            section,
            header_html: self.header(section, index),
        }
    }

    /// What `site_header` prints for the pages of `section` (its index page when `index`).
    /// Only the section and the site's values make it differ: 11,000 instructions a page
    /// when every page printed its own.
    fn header(&self, section: &'static str, index: bool) -> Option<Part> {
        let at = SECTIONS.iter().position(|&s| s == section)?;
        let make = || {
            let mut context = Context::new();
            context.insert("site", &self.site_view);
            context.insert("section", section);
            context.insert("index", &index);
            render_fragment(self.tera, SITE_HEADER, &context)
                .map(|html| Part::safe_html(&html, self.track))
        };
        self.headers[2 * at + usize::from(index)]
            .get_or_init(make)
            .clone()
    }

    fn tag_view(&self, t: &crate::model::TagEntry) -> TagView {
        TagView {
            name: t.name.clone(),
            slug: t.slug.clone(),
            url: self.url(&["tags/", &t.slug, "/"]),
            count: t.articles.len(),
        }
    }

    fn article_url(&self, a: &BuiltArticle) -> String {
        self.url(&["articles/", &a.article.slug, "/"])
    }

    fn tag_links(&self, a: &BuiltArticle) -> Vec<Link> {
        a.article
            .tags
            .iter()
            .map(|t| Link {
                name: t.name.clone(),
                url: self.url(&["tags/", &t.slug, "/"]),
            })
            .collect()
    }

    fn summary(&self, a: &BuiltArticle) -> ArticleSummary {
        ArticleSummary {
            title: a.article.title.clone(),
            url: self.article_url(a),
            date: self.date(&a.article.date),
            updated: a.article.updated.as_ref().map(|d| self.date(d)),
            summary: a.article.summary.clone(),
            tags: self.tag_links(a),
            source_count: a.references.len(),
            claim_count: a.article.claims.len(),
        }
    }

    fn entity_link_view(&self, entry: &crate::model::EntityEntry) -> EntityLink {
        let e = &entry.entity;
        EntityLink {
            id: e.id.clone(),
            name: e.name.clone(),
            kind: e.kind.as_str(),
            role: e.role.clone(),
            url: self.url(&["entities/", &e.id, "/"]),
            article_count: entry.articles.len(),
        }
    }

    fn entity_link(&self, id: &str) -> Option<Part> {
        self.site.entity_at(id).map(|i| self.entity_link_part(i))
    }

    fn source_link_view(&self, s: &crate::content::Source, number: Option<usize>) -> SourceLink {
        SourceLink {
            id: s.id.clone(),
            title: s.title.clone(),
            publisher: s.publisher.clone(),
            url: self.url(&["sources/", &s.id, "/"]),
            number,
            ref_anchor: number.map(|n| numbered("ref-", n)),
        }
    }

    /// A link to a source; on an article page (`article`) it carries the article's
    /// reference number when the article lists the source.
    fn source_link(&self, id: &str, article: Option<&BuiltArticle>) -> Option<Part> {
        let index = self.site.source_at(id)?;
        let number = article
            .and_then(|a| a.references.iter().find(|r| r.id == id))
            .map(|r| r.number);
        Some(match number {
            Some(n) => self.numbered_source_link(index, n),
            None => self.source_link_part(index),
        })
    }

    /// The link to source `index` as the source numbered `number` in an article.
    fn numbered_source_link(&self, index: usize, number: usize) -> Part {
        let make =
            || self.part(&self.source_link_view(&self.site.sources[index].source, Some(number)));
        match number.checked_sub(1).filter(|&i| i < NUMBERED_LINKS) {
            Some(i) if self.keeps_for_citers(index) => {
                let cells = self.items.numbered_links[index]
                    .get_or_init(|| Box::new(std::array::from_fn(|_| OnceLock::new())));
                cells[i].get_or_init(make).clone()
            }
            _ => make(),
        }
    }

    /// An event's view; `article` as for [`Self::source_link`]. `tag_slugs` feeds the
    /// timeline filter (the topics of the articles that report it).
    fn event_view(
        &self,
        index: usize,
        article: Option<&BuiltArticle>,
        tag_slugs: String,
    ) -> EventView {
        let e: &TimelineEvent = &self.site.timeline[index];
        EventView {
            anchor: e.anchor.clone(),
            url: self.url(&["timeline/#", &e.anchor]),
            date: self.date(&e.date),
            title: e.title.clone(),
            sources: e
                .sources
                .iter()
                .filter_map(|id| self.source_link(id, article))
                .collect(),
            entities: e
                .entities
                .iter()
                .filter_map(|id| self.entity_link(id))
                .collect(),
            articles: self.event_articles(index),
            entity_ids: e.entities.join(" "),
            tag_slugs,
        }
    }

    /// The links to the articles that report event `i`, made once: each of those articles
    /// shows the event on its page, with this list in its view, and copying the list into
    /// each view made the work grow with the square of their number (an event reported by
    /// 4,000 articles tripled a build's time as the articles doubled).
    fn event_articles(&self, i: usize) -> Part {
        (self.items.event_articles[i].get_or_init(|| {
            let links: Vec<Part> = (self.site.timeline[i].articles.iter())
                .map(|&a| self.article_link(a))
                .collect();
            self.part(&links)
        }))
        .clone()
    }

    fn claim_view(
        &self,
        article_index: usize,
        claim_index: usize,
        in_article: bool,
    ) -> Option<ClaimView> {
        let a = &self.site.articles[article_index];
        let c = a.article.claims.get(claim_index)?;
        let anchor = ["claim-", &c.id].concat();
        Some(ClaimView {
            id: c.id.clone(),
            text: c.text.clone(),
            status: c.status.as_str(),
            status_meaning: c.status.meaning(),
            badge_html: (self.statuses.iter())
                .find(|s| s.status == c.status.as_str())
                .and_then(|s| s.titled_html.clone()),
            sources: c
                .sources
                .iter()
                .filter_map(|r| self.source_link(&r.id, in_article.then_some(a)))
                .collect(),
            article: self.article_link(article_index),
            url: self.url(&["articles/", &a.article.slug, "/#", &anchor]),
            anchor,
        })
    }

    fn source_view(&self, index: usize, with_citers: bool) -> SourceView {
        let entry = &self.site.sources[index];
        let s = &entry.source;
        let mut view = SourceView {
            id: s.id.clone(),
            title: s.title.clone(),
            publisher: s.publisher.clone(),
            kind: s.kind.as_str(),
            kind_label: s.kind.label(),
            published: s.published.as_ref().map(|d| self.date(d)),
            accessed: s.accessed.as_ref().map(|d| self.date(d)),
            external_url: s.url.clone(),
            archive_url: s.archive.clone(),
            via: s.via.as_ref().and_then(|v| self.source_link(&v.id, None)),
            relayed: entry
                .relayed
                .iter()
                .map(|&i| self.source_link_part(i))
                .collect(),
            url: self.url(&["sources/", &s.id, "/"]),
            articles: Vec::new(),
            claims: Vec::new(),
            events: Vec::new(),
            article_count: entry.articles.len(),
            claim_count: entry.claims.len(),
            event_count: entry.events.len(),
        };
        if with_citers {
            view.articles = entry
                .articles
                .iter()
                .map(|&a| self.article_link(a))
                .collect();
            view.claims = entry
                .claims
                .iter()
                .filter_map(|&(a, c)| self.claim_part(a, c))
                .collect();
            view.events = entry.events.iter().map(|&e| self.event_part(e)).collect();
        }
        view
    }

    fn article_view(&self, article_index: usize) -> ArticleView<'a> {
        let a = &self.site.articles[article_index];
        let references = a
            .references
            .iter()
            .filter_map(|r| {
                let at = self.site.source_at(&r.id)?;
                let s = &self.site.sources[at].source;
                let mut locators: Vec<String> =
                    a.uses(r).iter().filter_map(|u| u.locator.clone()).collect();
                locators.dedup();
                Some(ReferenceView {
                    number: r.number,
                    anchor: numbered("ref-", r.number),
                    id: s.id.clone(),
                    title: s.title.clone(),
                    publisher: s.publisher.clone(),
                    kind: s.kind.as_str(),
                    kind_label: s.kind.label(),
                    published: s.published.as_ref().map(|d| self.date(d)),
                    accessed: s.accessed.as_ref().map(|d| self.date(d)),
                    facts_html: self.source_facts(at),
                    external_url: s.url.clone(),
                    archive_url: s.archive.clone(),
                    via: s
                        .via
                        .as_ref()
                        .and_then(|v| self.source_link(&v.id, Some(a))),
                    url: self.url(&["sources/", &s.id, "/"]),
                    backlinks_html: a
                        .citation(r)
                        .and_then(|c| c.backlinks_html())
                        .map(|html| Part::safe_html(&html, self.track)),
                    locators,
                })
            })
            .collect();
        ArticleView {
            title: a.article.title.clone(),
            url: self.article_url(a),
            date: self.date(&a.article.date),
            updated: a.article.updated.as_ref().map(|d| self.date(d)),
            summary: a.article.summary.clone(),
            tags: self.tag_links(a),
            body_html: KeptHtml::new(
                &a.body.html,
                if self.track {
                    a.body.html_fingerprint()
                } else {
                    0
                },
            ),
            headings: a
                .body
                .headings
                .iter()
                .map(|h| HeadingView {
                    level: h.level,
                    id: h.id.clone(),
                    text: h.text.clone(),
                })
                .collect(),
            references,
            claims: (0..a.article.claims.len())
                .filter_map(|c| self.claim_view(article_index, c, true))
                .collect(),
            entities: a
                .entities
                .iter()
                .filter_map(|id| self.entity_link(id))
                .collect(),
            events: a
                .events
                .iter()
                .map(|&e| self.event_view(e, Some(a), String::new()))
                .collect(),
            updates: a
                .article
                .updates
                .iter()
                .map(|u| UpdateView {
                    date: self.date(&u.date),
                    note: u.note.clone(),
                })
                .collect(),
        }
    }
}

/// `prefix` then the number `n`, as in "ref-3".
fn numbered(prefix: &str, n: usize) -> String {
    [prefix, itoa::Buffer::new().format(n)].concat()
}

/// A date as templates see it.
pub fn date_view(d: &Date) -> DateView {
    DateView {
        display: d.display(),
        datetime: d.html_datetime(),
        iso: d.iso(),
        rfc3339: d.rfc3339(),
        approximate: d.is_approximate(),
        uncertain: d.is_uncertain(),
    }
}

/// What one output file is made from, before rendering: a template and its variables,
/// or bytes made without a template (the data files).
enum Input<'a> {
    Template {
        template: &'static str,
        build: Box<dyn FnOnce() -> Context + 'a>,
        /// The size the page's buffer starts at.
        capacity: usize,
    },
    /// Made to measure.
    Bytes(Box<dyn FnOnce() -> Vec<u8> + 'a>),
}

/// One page to produce: its path, the fingerprint of everything it is made from, and how
/// to make it. Making it is deferred so that an unchanged page (same fingerprint as in
/// the previous build) costs only its fingerprint.
struct Job<'a> {
    path: String,
    fingerprint: u64,
    input: Input<'a>,
}

impl Job<'_> {
    /// Sizes the page's buffer for at least `printed` bytes of fragments printed as they are.
    fn reserve(mut self, printed: usize) -> Self {
        if let Input::Template { capacity, .. } = &mut self.input {
            *capacity = (*capacity).max(PAGE_CAPACITY + printed + printed / 16);
        }
        self
    }

    /// Sizes the page's buffer for `listed` bytes of fragments (see [`page_capacity`]).
    fn listing(mut self, listed: usize) -> Self {
        if let Input::Template { capacity, .. } = &mut self.input {
            *capacity = page_capacity(listed);
        }
        self
    }
}

/// The buffer for a page that lists `listed` bytes of fragments (the `html` of its parts).
/// From [`RESERVE_FROM`] up, room for them and the page around them, with a quarter to
/// spare for the forms a template prints differently (the timeline's events): the
/// timeline of 50k articles (146 MB) was grown by doubling into a buffer of 256 MB, for a
/// moment with its 128 MB predecessor, and reserving took 6 % of the page faults and 11 %
/// of the user time off that build. Below, [`PAGE_CAPACITY`], grown by doubling: reserving
/// for every list longer than that gained nothing at 10k articles and made their peak
/// memory go over 400 MiB in 2 of 10 builds (0 of 10 without).
fn page_capacity(listed: usize) -> usize {
    if listed >= RESERVE_FROM {
        PAGE_CAPACITY + listed + listed / 4
    } else {
        PAGE_CAPACITY
    }
}

/// The length of a page's fragments from which its buffer is sized for them.
const RESERVE_FROM: usize = 32 << 20;

/// Total length of the fragments of `parts`.
fn listed<'p>(parts: impl IntoIterator<Item = &'p Part>) -> usize {
    parts.into_iter().map(Part::html_len).sum()
}

fn job<'a, V: Serialize + Hash + 'a>(
    track: bool,
    path: String,
    template: &'static str,
    page: PageMeta,
    vars: V,
) -> Job<'a> {
    let fingerprint = if track {
        fingerprint(&(template, &page, &vars))
    } else {
        0
    };
    Job {
        path,
        fingerprint,
        input: Input::Template {
            template,
            capacity: PAGE_CAPACITY,
            build: Box::new(move || context_of(&vars, &page)),
        },
    }
}

/// A page of a session's build whose fingerprint, `key`, is known without making its
/// variables or its `page` values (which must follow from what the key covers): they are
/// made only if the page is rendered.
fn keyed_job<'a, V: Serialize>(
    path: String,
    template: &'static str,
    key: u64,
    page: impl FnOnce() -> PageMeta + 'a,
    vars: impl FnOnce() -> V + 'a,
) -> Job<'a> {
    Job {
        path,
        fingerprint: fingerprint(&(template, key)),
        input: Input::Template {
            template,
            capacity: PAGE_CAPACITY,
            build: Box::new(move || context_of(&vars(), &page())),
        },
    }
}

/// A page's template context: its variables and `page`.
fn context_of<V: Serialize>(vars: &V, page: &PageMeta) -> Context {
    let mut context = Context::from_serialize(vars).unwrap_or_default();
    context.insert("page", page);
    context
}

fn data_job<'a, V: Serialize + Hash + 'a>(track: bool, path: &str, data: V) -> Job<'a> {
    Job {
        path: path.to_string(),
        fingerprint: if track { fingerprint(&data) } else { 0 },
        input: Input::Bytes(Box::new(move || data::to_json(&data))),
    }
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Index,
    Article(usize),
    Timeline,
    TimelineJson,
    TimelineJs,
    Sources,
    Source(usize),
    Entities,
    Entity(usize),
    Tags,
    Tag(usize),
    NotFound,
    Feed,
    /// `sitemap.xml`: every page's URL, or the index of the files below when there are
    /// more URLs than one file may list.
    Sitemap,
    /// The nth file (from 0) of a sitemap split into several.
    SitemapPart(usize),
}

/// How many pages have a URL (a folder with an `index.html`) and so an entry in the
/// sitemap: the front page, the timeline and the three indexes, then one per item.
fn page_count(site: &Site) -> usize {
    5 + site.articles.len() + site.sources.len() + site.entities.len() + site.tags.len()
}

/// How many URLs one file of the sitemap lists at most (at least one).
fn sitemap_file_urls(site: &Site) -> usize {
    site.config.sitemap_max_urls.max(1)
}

/// How many files a sitemap of `urls` entries is split into when one may list `most`
/// (at least 1): none when `sitemap.xml` lists them all.
fn sitemap_parts(urls: usize, most: usize) -> usize {
    if urls <= most { 0 } else { urls.div_ceil(most) }
}

/// When an article last changed: its last update, or its publication.
fn last_change(a: &BuiltArticle) -> &Date {
    a.article.updated.as_ref().unwrap_or(&a.article.date)
}

/// The path of the nth file (from 0) of a split sitemap.
fn sitemap_part_path(n: usize) -> String {
    format!("sitemap-{}.xml", n + 1)
}

/// Every page, the largest first so that they do not end up alone on one core at the end.
/// The index of sources comes first: it makes a part for every source and frees them when
/// it is done, and at 10k articles with 45k sources of their own, making them last, on
/// top of the parts every other page had kept, raised the peak memory by 80 MB.
fn targets(site: &Site) -> Vec<Target> {
    let mut list = vec![
        Target::Sources,
        Target::TimelineJson,
        Target::Timeline,
        Target::TimelineJs,
        Target::Index,
        Target::Sitemap,
    ];
    let parts = sitemap_parts(page_count(site), sitemap_file_urls(site));
    list.extend((0..parts).map(Target::SitemapPart));
    list.extend((0..site.entities.len()).map(Target::Entity));
    list.extend((0..site.tags.len()).map(Target::Tag));
    list.extend((0..site.sources.len()).map(Target::Source));
    list.extend((0..site.articles.len()).map(Target::Article));
    list.extend([
        Target::Entities,
        Target::Tags,
        Target::NotFound,
        Target::Feed,
    ]);
    list
}

fn target_dir(site: &Site, target: Target) -> Option<String> {
    Some(match target {
        Target::Index => String::new(),
        Target::Article(i) => ["articles/", &site.articles[i].article.slug, "/"].concat(),
        Target::Timeline => "timeline/".into(),
        Target::Sources => "sources/".into(),
        Target::Source(i) => ["sources/", &site.sources[i].source.id, "/"].concat(),
        Target::Entities => "entities/".into(),
        Target::Entity(i) => ["entities/", &site.entities[i].entity.id, "/"].concat(),
        Target::Tags => "tags/".into(),
        Target::Tag(i) => ["tags/", &site.tags[i].slug, "/"].concat(),
        Target::NotFound
        | Target::Feed
        | Target::Sitemap
        | Target::SitemapPart(_)
        | Target::TimelineJson
        | Target::TimelineJs => return None,
    })
}

fn target_path(site: &Site, target: Target) -> String {
    path_in(target, target_dir(site, target).as_deref())
}

/// The path of `target`'s file, given its folder (see [`target_dir`]).
fn path_in(target: Target, dir: Option<&str>) -> String {
    match (target, dir) {
        (_, Some(dir)) => [dir, "index.html"].concat(),
        (Target::NotFound, None) => "404.html".into(),
        (Target::Feed, None) => "feed.xml".into(),
        (Target::Sitemap, None) => "sitemap.xml".into(),
        (Target::SitemapPart(n), None) => sitemap_part_path(n),
        (Target::TimelineJson, None) => "timeline.json".into(),
        (Target::TimelineJs, None) => "timeline/timelinejs.json".into(),
        (_, None) => "index.html".into(),
    }
}

#[derive(Serialize, Hash)]
struct Empty {}

#[derive(Serialize, Hash)]
struct IndexVars {
    lead: Option<Part>,
    articles: Vec<Part>,
    latest_events: Vec<Part>,
    key_entities: Vec<Part>,
}

#[derive(Serialize, Hash)]
struct FeedEntry {
    title: String,
    url: String,
    published: String,
    updated: String,
    summary: Option<String>,
    /// Atom's `type="html"` content is HTML as text: this is not marked safe, so the
    /// template escapes it.
    body_html: String,
}

/// An entry of a sitemap: a page, or (in a sitemap index) one of the sitemap's files.
#[derive(Serialize, Hash)]
struct SitemapUrl {
    loc: String,
    lastmod: Option<String>,
    /// When `lastmod` is, to find the latest of a file's pages.
    #[serde(skip)]
    changed: Option<i64>,
}

#[derive(Serialize, Hash)]
struct GroupsVars {
    groups: Vec<Group<Part>>,
}

/// The templates that print an article page: `article.html`, what it extends, and the
/// components it calls (components cannot be defined twice, so a template added to the
/// theme cannot change one of these).
const ARTICLE_PAGE_TEMPLATES: [&str; 3] = ["article.html", "base.html", "components.html"];

/// The component that lists an event outside its article and the timeline; its output is
/// kept as the event's `html`.
const EVENT_ITEM: &str = "event_item";
/// The component that lists a claim outside its article; kept as the claim's `html`.
const CLAIM_ITEM: &str = "claim_item";
/// The component that lists an article on its topics' pages; kept as the summary's `html`.
const ARTICLE_ITEM: &str = "article_item";

/// The component that prints a source's publisher, kind and dates; kept per source.
const SOURCE_FACTS: &str = "source_facts";
/// The component of a claim status's badge; kept per status for the legend.
const STATUS_BADGE: &str = "status_badge";
/// The component of the footer every page shows (defined in `base.html`); printed once.
const SITE_FOOTER: &str = "site_footer";
/// The component of the header of every page (defined in `base.html`); printed once per
/// section.
const SITE_HEADER: &str = "site_header";
/// The sections of the site, as `page.section` names them.
const SECTIONS: [&str; 7] = [
    "home", "article", "timeline", "sources", "entities", "tags", "notfound",
];

/// What `component` prints with `value` as its argument `arg` (the others at their
/// defaults), or None when it fails: the page that calls the component itself then reports
/// the error.
fn fragment<T: Serialize + ?Sized>(
    tera: &Tera,
    component: &str,
    arg: &'static str,
    value: &T,
) -> Option<String> {
    let mut context = Context::new();
    context.insert(arg, value);
    render_fragment(tera, component, &context)
}

/// What `component` prints with the arguments in `context`, or None when it fails.
fn render_fragment(tera: &Tera, component: &str, context: &Context) -> Option<String> {
    tera.render_component(component, context, None, true).ok()
}

/// Number of events on the front page.
const FRONT_PAGE_EVENTS: usize = 6;
/// Number of entities on the front page.
const FRONT_PAGE_ENTITIES: usize = 10;
/// Number of articles in the feed: the newest; feed readers poll, they do not archive.
const FEED_ENTRIES: usize = 50;

impl<'a> Shared<'a> {
    /// Whether `target`'s page is keyed by a cell of the items that was kept from the
    /// previous build: only the page's own job fills that cell, so before the job it holds
    /// the key the previous build made the page with, unless [`Items::forget_article`]
    /// cleared it because the page shows something that changed.
    fn kept_page(&self, target: Target) -> bool {
        let items = &self.items;
        match target {
            Target::Article(i) => items.article_pages[i].get().is_some(),
            Target::Source(i) => items.source_pages[i].get().is_some(),
            Target::Entity(i) => items.entity_pages[i].get().is_some(),
            _ => false,
        }
    }

    fn job(&self, target: Target) -> Job<'_> {
        let site = self.site;
        let dir = target_dir(site, target);
        let path = path_in(target, dir.as_deref());
        let dir = dir.unwrap_or_default();
        match target {
            Target::Index => {
                let mut key_entities: Vec<usize> = (0..site.entities.len())
                    .filter(|&i| !site.entities[i].articles.is_empty())
                    .collect();
                key_entities.sort_by(|&a, &b| {
                    let (a, b) = (&site.entities[a], &site.entities[b]);
                    b.articles
                        .len()
                        .cmp(&a.articles.len())
                        .then_with(|| a.entity.name.cmp(&b.entity.name))
                });
                let vars = IndexVars {
                    lead: (!site.articles.is_empty()).then(|| self.summary_part(0)),
                    articles: (0..site.articles.len())
                        .map(|i| self.summary_part(i))
                        .collect(),
                    latest_events: (0..site.timeline.len())
                        .rev()
                        .take(FRONT_PAGE_EVENTS)
                        .map(|i| self.event_part(i))
                        .collect(),
                    key_entities: key_entities
                        .iter()
                        .take(FRONT_PAGE_ENTITIES)
                        .map(|&i| self.entity_link_part(i))
                        .collect(),
                };
                let listed = listed(vars.articles.iter().chain(&vars.latest_events));
                job(
                    self.track,
                    path,
                    "index.html",
                    self.meta(&site.config.title, None, &dir, "home"),
                    vars,
                )
                .listing(listed)
            }
            Target::Article(i) => {
                #[derive(Serialize, Hash)]
                struct Vars<'a> {
                    article: ArticleView<'a>,
                }
                let a = &site.articles[i].article;
                let meta = move || self.meta(&a.title, a.summary.as_deref(), &dir, "article");
                if self.track {
                    // The view is made only if the page is rendered (see `article_page_key`).
                    let key = self.article_page_key(i);
                    let vars = move || Vars {
                        article: self.article_view(i),
                    };
                    return keyed_job(path, "article.html", key, meta, vars);
                }
                job(
                    self.track,
                    path,
                    "article.html",
                    meta(),
                    Vars {
                        article: self.article_view(i),
                    },
                )
            }
            Target::Timeline => self.timeline_job(path),
            Target::TimelineJson if self.track => {
                let kept = |i: usize, hash: u64| match self.reuse {
                    Some(memo) => memo.timeline_json.get(&hash).cloned(),
                    None => (self.items.timeline_json.get(i)).and_then(|t| t.json_if(hash)),
                };
                let (data, texts) = data::timeline_json_kept(site, self, kept);
                let _ = self.timeline_json.set(texts);
                data_job(self.track, &path, data)
            }
            Target::TimelineJson => data_job(self.track, &path, data::timeline_json(site)),
            Target::TimelineJs if self.track => {
                let timelinejs = || data::timelinejs(site);
                let key = self
                    .items
                    .timelinejs_key
                    .get_or_init(|| fingerprint(&timelinejs()));
                Job {
                    path,
                    fingerprint: *key,
                    input: Input::Bytes(Box::new(move || data::to_json(&timelinejs()))),
                }
            }
            Target::TimelineJs => data_job(self.track, &path, data::timelinejs(site)),
            Target::Source(i) => {
                #[derive(Serialize, Hash)]
                struct Vars {
                    source: SourceView,
                }
                if self.track {
                    // The view is made only if the page is rendered (see `source_page_key`).
                    let (key, listed) = self.source_page_key(i);
                    let title = &site.sources[i].source.title;
                    let meta = move || self.meta(title, None, &dir, "sources");
                    let vars = move || Vars {
                        source: self.source_view(i, true),
                    };
                    return keyed_job(path, "source.html", key, meta, vars).listing(listed);
                }
                let view = self.source_view(i, true);
                let listed = listed(view.articles.iter().chain(&view.claims).chain(&view.events));
                let meta = self.meta(&view.title, None, &dir, "sources");
                job(self.track, path, "source.html", meta, Vars { source: view }).listing(listed)
            }
            Target::Sources => {
                let groups = groups_by_kind(
                    &SourceKind::ALL,
                    |k| (k.as_str(), k.plural_label()),
                    |i| site.sources[i].source.kind,
                    site.sources.len(),
                    |i| self.source_part(i),
                );
                job(
                    self.track,
                    path,
                    "sources.html",
                    self.meta("Sources", None, &dir, "sources"),
                    GroupsVars { groups },
                )
            }
            Target::Entity(i) => {
                #[derive(Serialize, Hash)]
                struct Vars {
                    entity: EntityView,
                }
                let e = &site.entities[i].entity;
                let meta = move || self.meta(&e.name, e.description.as_deref(), &dir, "entities");
                if self.track {
                    // The view is made only if the page is rendered (see `entity_page_key`).
                    let (key, listed) = self.entity_page_key(i);
                    let vars = move || Vars {
                        entity: self.entity_view(i),
                    };
                    return keyed_job(path, "entity.html", key, meta, vars).listing(listed);
                }
                let view = self.entity_view(i);
                let listed = listed(view.claims.iter().chain(&view.events));
                job(
                    self.track,
                    path,
                    "entity.html",
                    meta(),
                    Vars { entity: view },
                )
                .listing(listed)
            }
            Target::Entities => {
                let groups = groups_by_kind(
                    &EntityKind::ALL,
                    |k| (k.as_str(), k.plural_label()),
                    |i| site.entities[i].entity.kind,
                    site.entities.len(),
                    |i| self.entity_link_part(i),
                );
                job(
                    self.track,
                    path,
                    "entities.html",
                    self.meta("Entities", None, &dir, "entities"),
                    GroupsVars { groups },
                )
            }
            Target::Tag(i) => {
                #[derive(Serialize, Hash)]
                struct Vars {
                    tag: Part,
                    articles: Vec<Part>,
                }
                let t = &site.tags[i];
                let meta = self.meta(&format!("Topic: {}", t.name), None, &dir, "tags");
                let articles: Vec<Part> =
                    t.articles.iter().map(|&a| self.summary_part(a)).collect();
                let listed = listed(&articles);
                job(
                    self.track,
                    path,
                    "tag.html",
                    meta,
                    Vars {
                        tag: self.tag_part(i),
                        articles,
                    },
                )
                .listing(listed)
            }
            Target::Tags => {
                #[derive(Serialize, Hash)]
                struct Vars {
                    tags: Vec<Part>,
                }
                job(
                    self.track,
                    path,
                    "tags.html",
                    self.meta("Topics", None, &dir, "tags"),
                    Vars {
                        tags: self.all_tags(),
                    },
                )
            }
            Target::NotFound => job(
                self.track,
                path,
                "404.html",
                self.meta("Page not found", None, "404.html", "notfound"),
                Empty {},
            ),
            Target::Feed => self.feed_job(path),
            Target::Sitemap => self.sitemap_job(path),
            Target::SitemapPart(n) => self.sitemap_part_job(n, path),
        }
    }

    fn feed_job(&self, path: String) -> Job<'a> {
        #[derive(Serialize, Hash)]
        struct Vars {
            updated: String,
            entries: Vec<FeedEntry>,
        }
        let site = self.site;
        let mut newest: Vec<&BuiltArticle> = site.articles.iter().collect();
        // Each key read once: read in every comparison, through each article's own
        // allocation, the sort took a sixth of an in-place rebuild at 10k articles.
        newest.sort_by_cached_key(|a| std::cmp::Reverse(last_change(a).sort_key()));
        let entries = newest
            .iter()
            .take(FEED_ENTRIES)
            .map(|a| FeedEntry {
                title: a.article.title.clone(),
                url: [
                    site.config.base_url.as_str(),
                    "articles/",
                    &a.article.slug,
                    "/",
                ]
                .concat(),
                published: a.article.date.rfc3339(),
                updated: last_change(a).rfc3339(),
                summary: a.article.summary.clone(),
                body_html: a.body.html.clone(),
            })
            .collect();
        let updated = newest.first().map_or_else(
            || "1970-01-01T00:00:00Z".to_string(),
            |a| last_change(a).rfc3339(),
        );
        job(
            self.track,
            path,
            "feed.xml",
            self.meta("Feed", None, "feed.xml", "home"),
            Vars { updated, entries },
        )
    }

    /// Every page's sitemap entry, in the order of their paths, with the date its article
    /// last changed.
    fn sitemap_urls(&self) -> &[SitemapUrl] {
        self.sitemap_urls.get_or_init(|| {
            let site = self.site;
            let mut urls: Vec<(String, Option<&Date>)> = targets(site)
                .into_iter()
                .filter_map(|t| {
                    let changed = match t {
                        Target::Article(i) => Some(last_change(&site.articles[i])),
                        _ => None,
                    };
                    Some((target_dir(site, t)?, changed))
                })
                .collect();
            urls.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            (urls.into_iter())
                .map(|(dir, changed)| SitemapUrl {
                    loc: [site.config.base_url.as_str(), &dir].concat(),
                    lastmod: changed.map(Date::html_datetime),
                    changed: changed.map(|d| d.sort_key().0),
                })
                .collect()
        })
    }

    /// The key of a session's sitemap files: their pages, and the date each article last
    /// changed, found without making the entries.
    fn sitemap_key(&self) -> u64 {
        *self.sitemap_key.get_or_init(|| {
            let site = self.site;
            let pages = self.items.sitemap_pages_key.get_or_init(|| {
                let dirs: Vec<String> = (targets(site).into_iter())
                    .filter_map(|t| target_dir(site, t))
                    .collect();
                fingerprint(&dirs)
            });
            let changed: Vec<&Date> = site.articles.iter().map(last_change).collect();
            fingerprint(&(pages, changed))
        })
    }

    /// `sitemap.xml`: every page's URL, or, for a site with more pages than one sitemap
    /// file may list, the index of the files that list them ([`Self::sitemap_part_job`]).
    fn sitemap_job(&self, path: String) -> Job<'_> {
        let most = sitemap_file_urls(self.site);
        if sitemap_parts(page_count(self.site), most) == 0 {
            return self.sitemap_file_job(path, || self.sitemap_urls());
        }
        #[derive(Serialize, Hash)]
        struct Vars {
            sitemaps: Vec<SitemapUrl>,
        }
        let vars = move || {
            let base_url = self.site.config.base_url.as_str();
            let sitemaps = (self.sitemap_urls().chunks(most).enumerate())
                .map(|(n, urls)| {
                    let latest = urls
                        .iter()
                        .filter(|u| u.changed.is_some())
                        .max_by_key(|u| u.changed);
                    SitemapUrl {
                        loc: [base_url, &sitemap_part_path(n)].concat(),
                        lastmod: latest.and_then(|u| u.lastmod.clone()),
                        changed: latest.and_then(|u| u.changed),
                    }
                })
                .collect();
            Vars { sitemaps }
        };
        let meta = move || self.meta("Sitemap", None, "sitemap.xml", "home");
        if !self.track {
            return job(self.track, path, "sitemap_index.xml", meta(), vars());
        }
        keyed_job(path, "sitemap_index.xml", self.sitemap_key(), meta, vars)
    }

    /// The nth file (from 0) of a sitemap split into several.
    fn sitemap_part_job(&self, n: usize, path: String) -> Job<'_> {
        let most = sitemap_file_urls(self.site);
        self.sitemap_file_job(path, move || {
            self.sitemap_urls().chunks(most).nth(n).unwrap_or_default()
        })
    }

    /// A file of the sitemap listing `urls`.
    fn sitemap_file_job<'s>(
        &'s self,
        path: String,
        urls: impl FnOnce() -> &'s [SitemapUrl] + 's,
    ) -> Job<'s> {
        #[derive(Serialize, Hash)]
        struct Vars<'u> {
            urls: &'u [SitemapUrl],
        }
        let meta_path = path.clone();
        let meta = move || self.meta("Sitemap", None, &meta_path, "home");
        if !self.track {
            return job(
                self.track,
                path,
                "sitemap.xml",
                meta(),
                Vars { urls: urls() },
            );
        }
        keyed_job(path, "sitemap.xml", self.sitemap_key(), meta, move || {
            Vars { urls: urls() }
        })
    }

    fn timeline_job(&self, path: String) -> Job<'a> {
        let site = self.site;
        let mut years: Vec<YearGroup> = Vec::new();
        for i in 0..site.timeline.len() {
            let e = &site.timeline[i];
            // Events are in UTC order, groups by the date as written: an offset can put an event
            // "before" its group's predecessor; it then joins the current group, so each group
            // appears once, in order.
            let year = e.date.year();
            if years.last().is_none_or(|y| year > y.year) {
                years.push(YearGroup {
                    year,
                    anchor: format!("y{year}"),
                    months: Vec::new(),
                });
            }
            let Some(group) = years.last_mut() else {
                continue;
            };
            let year = group.year;
            let month = e.date.month().filter(|_| e.date.year() == year);
            if group.months.last().is_none_or(|last| month > last.month) {
                let (label, anchor) = match month {
                    Some(m) => (month_label(m, year), format!("m{year}-{m:02}")),
                    None => (format!("{year}"), format!("m{year}")),
                };
                group.months.push(MonthGroup {
                    label,
                    anchor,
                    month,
                    events: Vec::new(),
                    events_html: None,
                });
            }
            if let Some(month) = group.months.last_mut() {
                month.events.push(self.event_part(i));
            }
        }
        let mut filter_entities: Vec<usize> = (0..site.entities.len())
            .filter(|&i| !site.entities[i].events.is_empty())
            .collect();
        filter_entities.sort_by(|&a, &b| {
            site.entities[a]
                .entity
                .name
                .cmp(&site.entities[b].entity.name)
        });
        #[derive(Serialize, Hash)]
        struct Vars {
            years: Vec<YearGroup>,
            filter_entities: Vec<Part>,
            filter_tags: Vec<Part>,
        }
        let meta = self.meta(
            "Timeline",
            Some("Every dated event of the briefing, merged from all articles."),
            "timeline/",
            "timeline",
        );
        let listed = listed(years.iter().flat_map(|y| &y.months).flat_map(|m| &m.events));
        // In a session the page prints the months' joined events as they are: its buffer is
        // made to measure (grown by doubling, the 29 MB page of 10k articles was copied
        // into ever larger ones at every edit).
        let mut joined = 0;
        if self.track {
            let kept = &self.items.timeline_months;
            let mut months = Vec::new();
            for (k, month) in years.iter_mut().flat_map(|y| &mut y.months).enumerate() {
                let hash = fingerprint(&month.events);
                let html = match kept.get(k) {
                    // The same events: the same text, shared rather than joined again.
                    Some((kept, html)) if *kept == hash => html.clone(),
                    _ => joined_timeline_html(&month.events).map(|h| Part::safe_html(&h, false)),
                };
                joined += html.as_ref().map_or(0, Part::html_len);
                months.push((hash, html.clone()));
                month.events_html = html;
            }
            let _ = self.timeline_months.set(months);
        }
        job(
            self.track,
            path,
            "timeline.html",
            meta,
            Vars {
                years,
                filter_entities: filter_entities
                    .into_iter()
                    .map(|i| self.entity_link_part(i))
                    .collect(),
                filter_tags: self.all_tags(),
            },
        )
        .listing(listed)
        .reserve(joined)
    }
}

/// The `timeline_html` of `events`, each followed by a line break as `timeline.html` prints
/// them, if every one has it.
fn joined_timeline_html(events: &[Part]) -> Option<String> {
    let htmls: Option<Vec<&str>> = events.iter().map(|e| e.field("timeline_html")).collect();
    let htmls = htmls?;
    let mut joined = String::with_capacity(htmls.iter().map(|h| h.len() + 1).sum());
    for html in htmls {
        joined.push_str(html);
        joined.push('\n');
    }
    Some(joined)
}

/// Items `0..count` grouped by kind (`names`: the kind's id and plural label), in the
/// order of `kinds`; empty groups are left out.
fn groups_by_kind<K: Copy + PartialEq>(
    kinds: &[K],
    names: impl Fn(K) -> (&'static str, &'static str),
    kind_of: impl Fn(usize) -> K,
    count: usize,
    item: impl Fn(usize) -> Part,
) -> Vec<Group<Part>> {
    let mut groups: Vec<Group<Part>> = kinds
        .iter()
        .map(|&kind| {
            let (id, label) = names(kind);
            Group {
                kind: id,
                label,
                items: Vec::new(),
            }
        })
        .collect();
    // One pass over the items, not one per kind: the index of 45k sources has 8 kinds.
    for i in 0..count {
        let kind = kind_of(i);
        if let Some(at) = kinds.iter().position(|&k| k == kind) {
            groups[at].items.push(item(i));
        }
    }
    groups.retain(|g| !g.items.is_empty());
    groups
}

fn month_label(month: i8, year: i16) -> String {
    let name = crate::content::date::month_name(month);
    format!("{name} {year}")
}

/// Fingerprints of the pages of a previous build, by path: a page whose fingerprint is
/// unchanged is not rendered again (`brief serve` and `brief watch` keep these between builds).
pub type Fingerprints = ahash::AHashMap<String, u64>;

/// One output file as the renderer hands it over.
#[derive(Debug)]
pub enum Output {
    /// Newly rendered (or a static file).
    Fresh(Page),
    /// Made from exactly the same values as in the previous build: the same bytes.
    Same(String),
}

/// What [`render_each`] did.
#[derive(Debug, Default)]
pub struct RenderReport {
    /// Template errors, located.
    pub problems: Vec<Diagnostic>,
    /// Fingerprint of every page made from a template or data (not static files).
    pub fingerprints: Fingerprints,
    /// How many pages were rendered (the others were the same as before).
    pub rendered: usize,
    /// How many pages were looked at: their values made or keyed, and compared with the
    /// previous build's. The others were known to be the same without (see
    /// [`Previous::items`]).
    pub examined: usize,
    /// Pages longer than the buffer reserved for them (see `Job::listing`), which was
    /// then copied into larger ones as they grew.
    pub outgrown: Vec<String>,
    /// With `track`, what was made per item, for the next build to reuse.
    pub items: Option<Items>,
}

/// The path of every file the site will have, before rendering any: templates' pages,
/// data files and static files.
pub fn paths(site: &Site, theme: &Theme) -> Vec<String> {
    targets(site)
        .into_iter()
        .map(|t| target_path(site, t))
        .chain(theme.statics.iter().map(|f| f.path.clone()))
        .collect()
}

/// Renders every file of the site in parallel and hands each to `sink` as soon as it is
/// made (on the worker threads, in no particular order). Every template error is reported.
///
/// With `track`, every page's fingerprint is computed and returned; with `previous` too,
/// pages whose fingerprint is unchanged are handed over as [`Output::Same`] without rendering.
pub fn render_each(
    site: &Site,
    theme: &Theme,
    tera: &Tera,
    track: bool,
    previous: Option<Previous<'_>>,
    sink: &(dyn Fn(Output) + Sync),
) -> RenderReport {
    render_part(site, theme, tera, track, previous, Pages::All, sink)
}

/// A part of the site's files, for a build that renders them in rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pages {
    /// Every file.
    All,
    /// The pages that print articles' bodies: the articles' own pages and the feed.
    WithBodies,
    /// Every other file (static files too).
    WithoutBodies,
}

/// [`render_each`] for a part of the site's files. Rendering the pages that print the
/// bodies first lets a build free the bodies before the rest (see
/// [`Site::release_bodies`](crate::model::Site::release_bodies)).
pub fn render_part(
    site: &Site,
    theme: &Theme,
    tera: &Tera,
    track: bool,
    previous: Option<Previous<'_>>,
    pages: Pages,
    sink: &(dyn Fn(Output) + Sync),
) -> RenderReport {
    let mut targets = targets(site);
    if pages != Pages::All {
        let with_bodies = pages == Pages::WithBodies;
        targets.retain(|t| matches!(t, Target::Article(_) | Target::Feed) == with_bodies);
    }
    let report = render_targets(site, theme, tera, track, previous, targets, sink);
    if pages != Pages::WithBodies {
        for file in &theme.statics {
            sink(Output::Fresh(Page {
                path: file.path.clone(),
                bytes: file.bytes.clone(),
            }));
        }
    }
    report
}

/// Renders the pages that show an article's body (its own page and the feed), with their
/// fingerprints: after an edit of the body alone, the other pages are the same.
pub fn render_body_pages(
    site: &Site,
    theme: &Theme,
    tera: &Tera,
    article: usize,
    sink: &(dyn Fn(Output) + Sync),
) -> RenderReport {
    let targets = vec![Target::Article(article), Target::Feed];
    render_targets(site, theme, tera, true, None, targets, sink)
}

fn render_targets(
    site: &Site,
    theme: &Theme,
    tera: &Tera,
    track: bool,
    previous: Option<Previous<'_>>,
    targets: Vec<Target>,
    sink: &(dyn Fn(Output) + Sync),
) -> RenderReport {
    let previous = previous.filter(|_| track);
    let (previous, reuse, items) = match previous {
        Some(p) => (Some(p.fingerprints), p.parts, p.items),
        None => (None, None, None),
    };
    let changes_only = items.is_some();
    let shared = Shared::new(site, tera, track, reuse, items).for_theme(theme);
    let mut globals = Context::new();
    globals.insert("site", &shared.site_view);
    globals.insert("statuses", &shared.statuses);
    // Pages see the site-wide values too: a change there changes every page.
    let global_fingerprint = fingerprint(&(&shared.site_view, &shared.statuses));
    // With items taken by position, an article, source or entity page whose key the last
    // build left in them is that build's page: no job is made for it. After an edit of one
    // title at 10k articles with sources of their own, making the jobs of the 56k pages
    // that stay the same (their paths, keys and look-ups) took 33 ms of CPU (perf).
    let skip_kept = changes_only && shared.items.page_globals == Some(global_fingerprint);
    // Per page: path, fingerprint, and whether rendering it worked (None: unchanged).
    // Rendered: whether the page outgrew the buffer reserved for it.
    type Done = (String, u64, Option<Result<bool, Diagnostic>>);
    let examined = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<Done> = targets
        .into_par_iter()
        // Pieces of a few pages, so that a thread left without work takes over the pages
        // queued behind a long one (the timeline, `timeline.json` and the front page come
        // first and were made one after another by the same thread).
        .with_max_len(4)
        .filter_map(|target| {
            if skip_kept && shared.kept_page(target) {
                return None;
            }
            examined.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let job = shared.job(target);
            let fingerprint = job.fingerprint ^ global_fingerprint.rotate_left(1);
            if previous.and_then(|p| p.get(&job.path)) == Some(&fingerprint) {
                // Same values, same templates (a template change rebuilds from scratch).
                if changes_only {
                    return None;
                }
                sink(Output::Same(job.path.clone()));
                return Some((job.path, fingerprint, None));
            }
            // The bytes, and whether they outgrew the buffer reserved for them.
            let made = match job.input {
                Input::Template {
                    template,
                    build,
                    capacity,
                } => {
                    let mut context = build();
                    context.extend(globals.clone());
                    // Most pages are 20–50 KB: a buffer grown by doubling from nothing
                    // was copied a dozen times, 2 % of a build's instructions.
                    let mut bytes = Vec::with_capacity(capacity);
                    tera.render_to(template, &context, &mut bytes)
                        .map(|()| {
                            let outgrew = bytes.capacity() > capacity;
                            (bytes, outgrew)
                        })
                        .map_err(|err| template_error(&err, theme, "TPL-RENDER", Some(&job.path)))
                }
                Input::Bytes(make) => Ok((make(), false)),
            };
            let outcome = made.map(|(bytes, outgrew)| {
                sink(Output::Fresh(Page {
                    path: job.path.clone(),
                    bytes,
                }));
                outgrew
            });
            Some((job.path, fingerprint, Some(outcome)))
        })
        .collect();
    let mut report = RenderReport {
        fingerprints: Fingerprints::with_capacity(results.len()),
        examined: examined.into_inner(),
        ..RenderReport::default()
    };
    let mut items = shared.into_items();
    if track {
        items.page_globals = Some(global_fingerprint);
        report.items = Some(items);
    } else {
        crate::free_in_background(items);
    }
    for (path, fingerprint, outcome) in results {
        match outcome {
            Some(Err(d)) => report.problems.push(d),
            Some(Ok(outgrew)) => {
                report.rendered += 1;
                if outgrew {
                    report.outgrown.push(path.clone());
                }
                report.fingerprints.insert(path, fingerprint);
            }
            None => {
                report.fingerprints.insert(path, fingerprint);
            }
        }
    }
    report
}

/// The size a page's buffer starts at, before room for what it lists.
pub const PAGE_CAPACITY: usize = 64 * 1024;

pub mod data;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn a_sitemap_is_split_only_when_it_has_more_urls_than_one_file_may_list() {
        for (urls, most, parts) in [
            (0, 3, 0),
            (3, 3, 0),
            (4, 3, 2),
            (6, 3, 2),
            (7, 3, 3),
            (5, 1, 5),
            (50_000, 50_000, 0),
            (50_001, 50_000, 2),
            (120_000, 50_000, 3),
        ] {
            assert_eq!(
                sitemap_parts(urls, most),
                parts,
                "{urls} URLs, {most} a file"
            );
        }
    }

    #[test]
    fn the_articles_that_report_an_event_share_one_list_of_them_in_its_views() {
        let p = example();
        let site = &p.site;
        let e = (0..site.timeline.len())
            .max_by_key(|&e| site.timeline[e].articles.len())
            .expect("the example has events");
        let reporters = &site.timeline[e].articles;
        assert!(reporters.len() >= 3, "{} articles", reporters.len());
        for track in [false, true] {
            let shared = Shared::new(site, &p.tera, track, None, None);
            let list = shared.event_articles(e);
            let list = list.value().as_array().expect("a list");
            assert_eq!(list.len(), reporters.len());
            // Each article page's view of the event, and the event's view elsewhere, holds
            // that list, not a copy of it: copied, it made the pages of an event reported by
            // every article cost the square of their number.
            let views = (reporters.iter())
                .map(|&a| shared.event_view(e, Some(&site.articles[a]), String::new()))
                .chain([shared.event_view(e, None, String::new())]);
            for view in views {
                let value = tera::Value::from_serializable(&view);
                let articles = (value.as_map())
                    .and_then(|m| m.get(&tera::value::Key::from("articles")))
                    .and_then(tera::Value::as_array)
                    .expect("articles");
                assert!(std::ptr::eq(articles, list), "track {track}");
            }
        }
    }

    #[test]
    fn source_facts_are_printed_ahead_only_where_kept_and_read_the_same_from_a_reference() {
        let p = example();
        let site = &p.site;
        let once = Shared::new(site, &p.tera, false, None, None);
        let session = Shared::new(site, &p.tera, true, None, None);
        // Sources cited by one article, then by several, as the example has both.
        let mut seen = [false, false];
        for (i, entry) in site.sources.iter().enumerate() {
            let Some(&first_citer) = entry.articles.first() else {
                continue;
            };
            let several = entry.articles.len() > 1;
            seen[usize::from(several)] = true;
            let id = &entry.source.id;
            let ahead = session
                .source_facts(i)
                .expect("a session keeps every source's facts");
            let ahead = ahead.value().as_str().expect("html").to_string();
            assert!(ahead.contains("class=\"kind\""), "{id}: {ahead}");
            // A one-off build prints them ahead only when more than one article pastes them.
            assert_eq!(once.source_facts(i).is_some(), several, "{id}");
            // Where it does not, the article page calls the component with its reference,
            // which must print what the source's own view printed.
            let view = once.article_view(first_citer);
            let reference = (view.references.iter())
                .find(|r| &r.id == id)
                .expect("the citing article lists the source");
            let from_reference = fragment(&p.tera, SOURCE_FACTS, "source", reference);
            assert_eq!(from_reference.as_deref(), Some(ahead.as_str()), "{id}");
        }
        assert_eq!(seen, [true, true]);
    }

    #[test]
    fn the_footer_is_printed_once_for_every_page() {
        let p = example();
        for track in [false, true] {
            let shared = Shared::new(&p.site, &p.tera, track, None, None);
            let footer = shared.site_view.footer_html.as_ref().expect("a footer");
            let html = footer.value().as_str().expect("html");
            assert!(html.starts_with("<footer class=\"site-footer\">"), "{html}");
            assert!(
                html.contains(&format!(">{} articles<", p.site.articles.len())),
                "{html}"
            );
        }
    }

    #[test]
    fn the_sitemap_counts_every_page_that_has_a_url() {
        let p = example();
        let with_url = (targets(&p.site).into_iter())
            .filter(|&t| target_dir(&p.site, t).is_some())
            .count();
        assert_eq!(page_count(&p.site), with_url);
    }

    #[test]
    fn a_month_joins_its_events_timeline_html_only_when_each_has_one() {
        let event = |html: Option<&str>| {
            let part = Part::new(&std::collections::BTreeMap::from([("title", "t")]), true);
            match html {
                Some(html) => part.with_field("timeline_html", html),
                None => part,
            }
        };
        let table: [(&[Option<&str>], Option<&str>); 4] = [
            (&[], Some("")),
            (
                &[Some("<article>a</article>")],
                Some("<article>a</article>\n"),
            ),
            (&[Some("a"), Some("b")], Some("a\nb\n")),
            (&[Some("a"), None], None),
        ];
        for (htmls, joined) in table {
            let events: Vec<Part> = htmls.iter().map(|h| event(*h)).collect();
            assert_eq!(
                joined_timeline_html(&events).as_deref(),
                joined,
                "{htmls:?}"
            );
        }
    }

    #[test]
    fn only_long_lists_get_a_buffer_of_their_size() {
        let table = [
            (0, PAGE_CAPACITY),
            (PAGE_CAPACITY * 2, PAGE_CAPACITY),
            (RESERVE_FROM - 1, PAGE_CAPACITY),
            (RESERVE_FROM, PAGE_CAPACITY + RESERVE_FROM / 4 * 5),
            (100 << 20, PAGE_CAPACITY + (125 << 20)),
        ];
        for (listed, capacity) in table {
            assert_eq!(page_capacity(listed), capacity, "listed {listed}");
        }
    }

    type Pages = std::collections::BTreeMap<String, Vec<u8>>;

    /// The example site (the repository's `content/`), prepared for rendering.
    pub(crate) fn example() -> crate::Prepared {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let options = crate::Options {
            root: root.to_path_buf(),
            ..crate::Options::default()
        };
        let (inputs, _) = crate::load(root);
        let (prepared, problems) = crate::prepare(inputs, &options);
        prepared.unwrap_or_else(|| panic!("the example site builds: {problems:?}"))
    }

    /// Renders every page of the prepared site with fingerprints, reusing `previous`.
    fn render_all(p: &crate::Prepared, previous: Option<Previous<'_>>) -> (RenderReport, Pages) {
        let pages = Mutex::new(Pages::new());
        let report = render_each(&p.site, &p.theme, &p.tera, true, previous, &|o| {
            if let (Output::Fresh(page), Ok(mut pages)) = (o, pages.lock()) {
                pages.insert(page.path, page.bytes);
            }
        });
        (report, pages.into_inner().unwrap_or_default())
    }

    #[test]
    fn the_pages_without_bodies_need_nothing_that_releasing_the_bodies_frees() {
        let mut p = example();
        let (_, all) = render_all(&p, None);
        let html: usize = p.site.articles.iter().map(|a| a.body.html.capacity()).sum();
        assert_eq!(p.site.release_bodies(), html);
        for a in &p.site.articles {
            let body = &a.body;
            assert!(
                body.html.is_empty() && body.citations.is_empty(),
                "{}",
                a.article.slug
            );
            assert!(body.headings.is_empty() && body.mentions.is_empty() && body.claims.is_empty());
        }
        let rest = Mutex::new(Pages::new());
        let (site, without) = (&p.site, super::Pages::WithoutBodies);
        let report = render_part(site, &p.theme, &p.tera, false, None, without, &|o| {
            if let (Output::Fresh(page), Ok(mut rest)) = (o, rest.lock()) {
                rest.insert(page.path, page.bytes);
            }
        });
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        let rest = rest.into_inner().unwrap_or_default();
        // Every page but the articles' own and the feed, byte for byte as before.
        assert_eq!(rest.len(), all.len() - p.site.articles.len() - 1);
        for (path, bytes) in &rest {
            assert!(all.get(path) == Some(bytes), "{path} changed");
        }
    }

    #[test]
    fn a_one_off_build_keeps_only_the_views_that_its_pages_share() {
        let p = example();
        let site = &p.site;
        // A source's view without its citers: a one-off build makes it once per pass, so
        // only a session keeps it; numbered links: only article pages show them.
        for track in [false, true] {
            let shared = Shared::new(site, &p.tera, track, None, None);
            // What rendering the page takes from `shared` (a session's jobs make their
            // values only when the page is rendered).
            let make = |target| match shared.job(target).input {
                Input::Template { build, .. } => drop(build()),
                Input::Bytes(make) => drop(make()),
            };
            for target in targets(site) {
                if !matches!(target, Target::Article(_)) {
                    make(target);
                }
            }
            let kept =
                |cells: &[OnceLock<Part>]| cells.iter().filter(|c| c.get().is_some()).count();
            assert_eq!(
                kept(&shared.items.source_parts),
                if track { site.sources.len() } else { 0 },
                "track {track}"
            );
            let numbered = |shared: &Shared| {
                (shared.items.numbered_links.iter())
                    .filter(|cells| cells.get().is_some())
                    .count()
            };
            assert_eq!(numbered(&shared), 0, "track {track}");
            assert!(kept(&shared.items.events) == site.timeline.len());

            // An article page makes the numbered links of the sources it cites.
            let cited = (0..site.articles.len())
                .max_by_key(|&a| site.articles[a].references.len())
                .expect("the example has articles");
            make(Target::Article(cited));
            assert!(numbered(&shared) > 0, "track {track}");

            // What every article page that cites a source shows of it alike (its facts,
            // its numbered links): a one-off build keeps it only for a source that more
            // than one article cites.
            for target in targets(site) {
                if matches!(target, Target::Article(_)) {
                    make(target);
                }
            }
            let citers = |i: usize| site.sources[i].articles.len();
            assert!((0..site.sources.len()).any(|i| citers(i) == 1));
            assert!((0..site.sources.len()).any(|i| citers(i) > 1));
            for (i, entry) in site.sources.iter().enumerate() {
                let id = &entry.source.id;
                let kept_facts = shared.items.source_facts[i].get().is_some();
                let kept_numbered = shared.items.numbered_links[i].get().is_some();
                let shared_by_pages = citers(i) > 1 || (track && citers(i) > 0);
                assert_eq!(kept_facts, shared_by_pages, "{id}, track {track}");
                assert!(!kept_numbered || shared_by_pages, "{id}, track {track}");
            }
        }
    }

    #[test]
    fn the_next_build_of_a_session_reuses_the_parts_made_from_the_same_views() {
        let p = example();
        let (first, pages) = render_all(&p, None);
        let memo = |report: &RenderReport| report.items.as_ref().map(Items::memo).expect("tracked");
        let first = memo(&first);
        let kept = |kind| first.parts.keys().filter(|k| k.0 == kind).count();
        assert_eq!(kept(PartKind::Event), p.site.timeline.len());
        assert_eq!(kept(PartKind::Summary), p.site.articles.len());
        assert!(kept(PartKind::Claim) > 0);
        assert_eq!(first.timeline_json.len(), p.site.timeline.len());

        // The same views give the same parts, and so the same pages.
        let nothing = Fingerprints::default();
        let reusing = |parts| Previous {
            fingerprints: &nothing,
            parts: Some(parts),
            items: None,
        };
        let (second, again) = render_all(&p, Some(reusing(&first)));
        let second = memo(&second);
        assert_eq!(pages, again);
        assert_eq!(second.parts.len(), first.parts.len());
        assert_eq!(second.timeline_json.len(), first.timeline_json.len());

        // Reused means taken from the memo, not made again: an event marked there shows
        // on the source page and the timeline page that paste it, and in timeline.json.
        let marked_json: std::sync::Arc<serde_json::value::RawValue> =
            serde_json::value::to_raw_value(&"from the memo")
                .expect("a string")
                .into();
        let marked = PartMemo {
            parts: (first.parts.iter())
                .map(|(&(kind, hash), part)| {
                    let part = match kind {
                        PartKind::Event => part
                            .clone()
                            .with_html("<li>from the memo</li>")
                            .with_field("timeline_html", "<article>from the memo</article>"),
                        _ => part.clone(),
                    };
                    ((kind, hash), part)
                })
                .collect(),
            timeline_json: (first.timeline_json.keys())
                .map(|&hash| (hash, std::sync::Arc::clone(&marked_json)))
                .collect(),
            dates: (first.dates.iter())
                .map(|(date, part)| {
                    let marked = part.clone().with_field("display", "date from the memo");
                    (date.clone(), marked)
                })
                .collect(),
        };
        let shows = |pages: &Pages, path: &str, mark: &str| {
            String::from_utf8_lossy(&pages[path]).matches(mark).count()
        };
        let marks = [
            (
                "sources/news-report/index.html",
                "<li>from the memo</li>",
                1..,
            ),
            (
                "timeline/index.html",
                "<article>from the memo</article>",
                2..,
            ),
            ("timeline.json", "\"from the memo\"", 2..),
            (
                "articles/baghdad-airport-strike/index.html",
                ">date from the memo</time>",
                1..,
            ),
        ];
        let (_, from_marked) = render_all(&p, Some(reusing(&marked)));
        for (path, mark, count) in marks {
            assert_eq!(shows(&pages, path, mark), 0, "{path}");
            let shown = shows(&from_marked, path, mark);
            assert!(count.contains(&shown), "{path}: {shown}");
        }
        assert_eq!(
            shows(&from_marked, "timeline.json", "from the memo"),
            p.site.timeline.len()
        );
    }

    #[test]
    fn with_items_taken_by_position_only_pages_rendered_again_are_handed_over() {
        let p = example();
        let (first, _) = render_all(&p, None);
        let items = first.items.expect("tracked");
        // (files rendered, static files, pages the same as before)
        let count = |previous| {
            let counts = Mutex::new((0, 0, 0));
            let report = render_each(&p.site, &p.theme, &p.tera, true, Some(previous), &|o| {
                let mut counts = counts.lock().expect("counts");
                match o {
                    Output::Fresh(page) if p.theme.statics.iter().any(|f| f.path == page.path) => {
                        counts.1 += 1
                    }
                    Output::Fresh(_) => counts.0 += 1,
                    Output::Same(_) => counts.2 += 1,
                }
            });
            (report, counts.into_inner().expect("counts"))
        };
        let pages = first.fingerprints.len();
        let statics = p.theme.statics.len();
        assert!(
            pages > 40 && statics > 0,
            "{pages} pages, {statics} static files"
        );
        // By fingerprint: every page is handed over, as the same.
        let (report, counts) = count(Previous {
            fingerprints: &first.fingerprints,
            parts: None,
            items: None,
        });
        assert_eq!(counts, (0, statics, pages));
        assert_eq!((report.rendered, report.fingerprints.len()), (0, pages));
        assert_eq!(report.examined, pages);
        // By position: only what is rendered again, here nothing but the static files.
        // The pages of articles, sources and entities, whose keys are kept, are not even
        // looked at.
        let keyed = p.site.articles.len() + p.site.sources.len() + p.site.entities.len();
        let (report, counts) = count(Previous {
            fingerprints: &first.fingerprints,
            parts: None,
            items: Some(items),
        });
        assert_eq!(counts, (0, statics, 0));
        assert_eq!((report.rendered, report.fingerprints.len()), (0, 0));
        assert!(keyed > 20, "{keyed} keyed pages");
        assert_eq!(report.examined, pages - keyed);
        // Those whose keys an edit forgot are keyed again, and found the same.
        let mut items = report.items.expect("tracked");
        items.forget_article(&p.site, 0);
        let (report, counts) = count(Previous {
            fingerprints: &first.fingerprints,
            parts: None,
            items: Some(items),
        });
        assert_eq!(counts, (0, statics, 0));
        assert!(report.examined > pages - keyed, "{}", report.examined);
        assert!(report.examined < pages, "{}", report.examined);
        // A page whose fingerprint differs is rendered and reported alone.
        let mut changed = first.fingerprints.clone();
        *changed.get_mut("timeline/index.html").expect("a timeline") ^= 1;
        let (report, counts) = count(Previous {
            fingerprints: &changed,
            parts: None,
            items: report.items,
        });
        assert_eq!(counts, (1, statics, 0));
        assert_eq!(report.rendered, 1);
        assert_eq!(
            report.fingerprints.get("timeline/index.html"),
            first.fingerprints.get("timeline/index.html")
        );
    }

    #[test]
    fn items_carried_to_the_next_build_are_taken_by_position_not_made_again() {
        let p = example();
        let (first, pages) = render_all(&p, None);
        let nothing = Fingerprints::default();
        // With no fingerprints to compare with, every page is rendered: none is taken as
        // the last build's for the keys the items kept (which a session's items come with).
        let carrying = |mut items: Items| {
            items.page_globals = None;
            Previous {
                fingerprints: &nothing,
                parts: None,
                items: Some(items),
            }
        };
        // Taken as they are, the items give the same pages.
        let (second, again) = render_all(&p, Some(carrying(first.items.expect("tracked"))));
        assert_eq!(pages, again);

        // An event, a date, a summary and a month of the timeline marked in the items show
        // on the pages.
        let mut items = second.items.expect("tracked");
        let (month, _) = items.timeline_months[1].clone();
        items.timeline_months[1] = (month, Some(Part::safe_html("<p>carried month</p>", false)));
        let event = items.events[0].get().cloned().expect("made");
        items.events[0] = OnceLock::from(
            event
                .with_html("<li>carried</li>")
                .with_field("timeline_html", "<article>carried</article>"),
        );
        for part in items.dates.values_mut() {
            *part = part.clone().with_field("display", "carried date");
        }
        // The front page lists every article but the first, the lead.
        let summary = items.summaries[1].get().cloned().expect("made");
        items.summaries[1] =
            OnceLock::from(summary.with_field("front_html", "<li>carried summary</li>"));
        let (_, marked) = render_all(&p, Some(carrying(items)));
        let shows =
            |path: &str, mark: &str| String::from_utf8_lossy(&marked[path]).matches(mark).count();
        assert_eq!(shows("timeline/index.html", "<p>carried month</p>"), 1);
        // The first month's events, one of them marked, are the same as the last build's
        // by their fingerprints: that month is not joined again either.
        assert_eq!(
            shows("timeline/index.html", "<article>carried</article>"),
            0
        );
        assert_eq!(shows("index.html", "<li>carried summary</li>"), 1);
        assert!(
            shows(
                "articles/baghdad-airport-strike/index.html",
                ">carried date</time>"
            ) > 0
        );
        let listed = (p.site.sources.iter().enumerate())
            .find(|(_, s)| s.events.contains(&0))
            .map(|(i, _)| format!("sources/{}/index.html", p.site.sources[i].source.id));
        let listed = listed.expect("a source lists the first event");
        assert_eq!(shows(&listed, "<li>carried</li>"), 1, "{listed}");
    }
}
