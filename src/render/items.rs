//! What a build makes per item of the site (article, source, entity, topic, event) and per
//! keyed page, by position, and which of it an edit of one article leaves valid.

use std::sync::OnceLock;

use crate::content::Date;
use crate::model::Site;

use super::data::EventJsonText;
use super::views::Part;
use super::{PartKind, PartMemo};

/// How many numbered links to each source are kept: articles rarely cite more sources.
pub(super) const NUMBERED_LINKS: usize = 12;

/// A source's links with reference numbers 1 to [`NUMBERED_LINKS`].
pub(super) type NumberedLinks = [OnceLock<Part>; NUMBERED_LINKS];

/// The parts and fingerprints a build made per item, each made when first needed. A session
/// keeps them for its next build when that build's site is the same but for one article
/// (see [`Items::forget_article`]): after an edit of one title at 10k articles, finding the
/// 27,907 events' parts and the 15,000 pages' keys again took most of the time the
/// rebuild spent on pages that had not changed.
#[derive(Default)]
pub struct Items {
    /// Per article: `{name, url}`.
    pub(super) article_links: Vec<OnceLock<Part>>,
    /// Per article: its entry in lists (front page, topic pages).
    pub(super) summaries: Vec<OnceLock<Part>>,
    /// Per source: a link without an article's reference number.
    pub(super) source_links: Vec<OnceLock<Part>>,
    /// Per source: the links with reference numbers 1 to [`NUMBERED_LINKS`], which every
    /// article that gives the source that number shows alike (in its events and claims).
    /// Made for a source when an article first cites it: only article pages show them, and
    /// the empty cells of every source took 25 MB in the pass that renders the other pages
    /// of a site of 10k articles with 45k sources of their own.
    pub(super) numbered_links: Vec<OnceLock<Box<NumberedLinks>>>,
    /// Per entity.
    pub(super) entity_links: Vec<OnceLock<Part>>,
    /// Per tag.
    pub(super) tag_views: Vec<OnceLock<Part>>,
    /// Per timeline event: its view outside an article.
    pub(super) events: Vec<OnceLock<Part>>,
    /// Per timeline event: the links to the articles that report it, one list that every
    /// view of the event shares.
    pub(super) event_articles: Vec<OnceLock<Part>>,
    /// Per timeline event: the fingerprint of what it shows but those articles, which
    /// every article page that shows the event covers in its key.
    pub(super) event_core_keys: Vec<OnceLock<u64>>,
    /// Per article: its claims' views outside the article (source and entity pages).
    pub(super) claims: Vec<OnceLock<Vec<Part>>>,
    /// Per source: what `source_facts` prints for it.
    pub(super) source_facts: Vec<OnceLock<Option<Part>>>,
    /// Per source: its view without its citers (the index of sources, `source_facts`, and
    /// the fingerprint of what an article page shows of it).
    pub(super) source_parts: Vec<OnceLock<Part>>,
    /// Per source: the fingerprints of its link and of its view without its citers, for
    /// the keys of a session's pages. Made from the views without converting them to
    /// template values, which only the pages rendered again need.
    pub(super) source_link_keys: Vec<OnceLock<u64>>,
    pub(super) source_view_keys: Vec<OnceLock<u64>>,
    /// Per article and per entity: the fingerprint of its link, likewise.
    pub(super) article_link_keys: Vec<OnceLock<u64>>,
    pub(super) entity_link_keys: Vec<OnceLock<u64>>,
    /// Per article, source and entity: the key of its page (with the length of the
    /// fragments a source or entity page lists).
    pub(super) article_pages: Vec<OnceLock<u64>>,
    /// Per article: the part of its page's key that its events do not make.
    pub(super) article_own_keys: Vec<OnceLock<u64>>,
    pub(super) source_pages: Vec<OnceLock<(u64, usize)>>,
    pub(super) entity_pages: Vec<OnceLock<(u64, usize)>>,
    /// Per event: its entry in `timeline.json` as JSON text (empty until that file is made).
    pub(super) timeline_json: Vec<EventJsonText>,
    /// The views of dates, which depend on nothing else.
    pub(super) dates: ahash::AHashMap<Date, Part>,
    /// Per month of the timeline page: its events' `timeline_html` joined, with the
    /// fingerprint of the events' parts it was joined from (empty until that page is made).
    pub(super) timeline_months: Vec<(u64, Option<Part>)>,
    /// The fingerprints of what an edit that skips assembly leaves as it was, which
    /// [`Items::forget_article`] keeps: the TimelineJS file (made of the events' ids, dates
    /// and titles) and the sitemap's list of pages.
    pub(super) timelinejs_key: OnceLock<u64>,
    pub(super) sitemap_pages_key: OnceLock<u64>,
    /// The fingerprint of the site-wide values (`site`, `statuses`) that the pages keyed
    /// above were last made with: a page whose key is kept is the last build's page only
    /// if these are the same too.
    pub(super) page_globals: Option<u64>,
}

impl std::fmt::Debug for Items {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items")
            .field("articles", &self.article_links.len())
            .field("sources", &self.source_links.len())
            .field("entities", &self.entity_links.len())
            .field("events", &self.events.len())
            .finish_non_exhaustive()
    }
}

fn lazy<T>(n: usize) -> Vec<OnceLock<T>> {
    (0..n).map(|_| OnceLock::new()).collect()
}

impl Items {
    /// Nothing made yet, for `site`.
    pub(super) fn new(site: &Site) -> Items {
        let (articles, sources, entities) =
            (site.articles.len(), site.sources.len(), site.entities.len());
        Items {
            article_links: lazy(articles),
            summaries: lazy(articles),
            source_links: lazy(sources),
            numbered_links: lazy(sources),
            entity_links: lazy(entities),
            tag_views: lazy(site.tags.len()),
            events: lazy(site.timeline.len()),
            event_articles: lazy(site.timeline.len()),
            event_core_keys: lazy(site.timeline.len()),
            claims: lazy(articles),
            source_facts: lazy(sources),
            source_parts: lazy(sources),
            source_link_keys: lazy(sources),
            source_view_keys: lazy(sources),
            article_link_keys: lazy(articles),
            entity_link_keys: lazy(entities),
            article_pages: lazy(articles),
            article_own_keys: lazy(articles),
            source_pages: lazy(sources),
            entity_pages: lazy(entities),
            timeline_json: Vec::new(),
            dates: ahash::AHashMap::new(),
            timeline_months: Vec::new(),
            timelinejs_key: OnceLock::new(),
            sitemap_pages_key: OnceLock::new(),
            page_globals: None,
        }
    }

    /// The parts with a fragment made, by their fingerprint, for a build that cannot take
    /// them by position (its site was assembled anew).
    pub fn memo(&self) -> PartMemo {
        let mut parts = ahash::AHashMap::new();
        let mut keep = |kind, part: &Part| {
            parts.insert((kind, part.hash()), part.clone());
        };
        (self.summaries.iter().filter_map(OnceLock::get)).for_each(|p| keep(PartKind::Summary, p));
        (self.events.iter().filter_map(OnceLock::get)).for_each(|p| keep(PartKind::Event, p));
        (self.claims.iter().filter_map(OnceLock::get).flatten())
            .for_each(|p| keep(PartKind::Claim, p));
        PartMemo {
            parts,
            timeline_json: self
                .timeline_json
                .iter()
                .map(EventJsonText::entry)
                .collect(),
            dates: self.dates.clone(),
        }
    }

    /// Whether these items were made for a site with as many of each item as `site`.
    pub(super) fn fit(&self, site: &Site) -> bool {
        // Only `Items::new` (or `default`, all empty) makes the vectors, each kind's with one
        // length, and only their cells change afterwards: one vector per kind says it.
        let made = (
            self.article_links.len(),
            self.source_links.len(),
            self.entity_links.len(),
        );
        let needed = (site.articles.len(), site.sources.len(), site.entities.len());
        made == needed
            && self.tag_views.len() == site.tags.len()
            && self.events.len() == site.timeline.len()
    }

    /// Forgets what article `edited` feeds, for `site`: the same site as the one these items
    /// were made for but for what pages print of that article (see
    /// [`crate::model::assembles_alike`]), so every item sits at the same position. Kept:
    /// sources, entities and topics, which show nothing of the articles but counts that an
    /// edit of that kind does not change; the article's link, summary and claims, its
    /// events, and the keys of the pages that show them, are made again. The other
    /// articles' pages are keyed again from what they keep (`article_own_keys`) and their
    /// events.
    pub fn forget_article(&mut self, site: &Site, edited: usize) {
        let (true, Some(article)) = (self.fit(site), site.articles.get(edited)) else {
            *self = Items::new(site);
            return;
        };
        for cell in [
            &mut self.article_link_keys[edited],
            &mut self.article_pages[edited],
            &mut self.article_own_keys[edited],
        ] {
            cell.take();
        }
        self.article_links[edited].take();
        self.summaries[edited].take();
        self.claims[edited].take();
        let mut events = vec![false; site.timeline.len()];
        for &e in &article.events {
            if let Some(dirty) = events.get_mut(e) {
                *dirty = true;
                self.events[e].take();
                self.event_articles[e].take();
                self.event_core_keys[e].take();
            }
        }
        let shows = |e: &usize| events.get(*e).copied().unwrap_or(true);
        for (b, a) in site.articles.iter().enumerate() {
            if a.events.iter().any(shows) {
                self.article_pages[b].take();
            }
        }
        let lists = |articles: &[usize], claims: &[(usize, usize)], listed: &[usize]| {
            articles.contains(&edited)
                || claims.iter().any(|&(a, _)| a == edited)
                || listed.iter().any(shows)
        };
        for (i, s) in site.sources.iter().enumerate() {
            if lists(&s.articles, &s.claims, &s.events) {
                self.source_pages[i].take();
            }
        }
        for (i, e) in site.entities.iter().enumerate() {
            if lists(&e.articles, &e.claims, &e.events) {
                self.entity_pages[i].take();
            }
        }
    }

    /// Forgets the key of article `edited`'s page after an edit of its body alone, which
    /// that page and the feed (keyed anew every build) are the only ones to print.
    pub fn forget_body(&mut self, edited: usize) {
        for cells in [&mut self.article_pages, &mut self.article_own_keys] {
            if let Some(cell) = cells.get_mut(edited) {
                cell.take();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_made_for_another_site_are_made_anew() {
        let site = crate::render::tests::example().site;
        assert!(Items::new(&site).fit(&site));
        let mut other = Items::default();
        assert!(!other.fit(&site));
        other.forget_article(&site, 0);
        assert!(other.fit(&site));
    }
}
