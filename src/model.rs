//! Assembling the site: resolving references, rendering bodies, merging the timeline and building indexes.

use std::collections::BTreeMap;
use std::sync::Arc;

use ahash::AHashMap;
use rayon::prelude::*;

use crate::config::Config;
use crate::content::registry::Registry;
use crate::content::{Article, Date, Entity, IdRef, Source};
use crate::diag::Diagnostic;
use crate::markdown::{self, ClaimCard, EntityCard, Lookup, RefKind};
use crate::suggest;

/// An article with its rendered body and its place in the site.
#[derive(Debug)]
pub struct BuiltArticle {
    /// The article as parsed.
    pub article: Arc<Article>,
    /// The rendered body and what it cites and mentions (shared with the body cache).
    pub body: Arc<markdown::Rendered>,
    /// Every source of the article, numbered: body citations first (in order of first use),
    /// then sources only named by its claims and events.
    pub references: Vec<Reference>,
    /// Entities listed in the front matter or mentioned in the body, deduplicated, in that order.
    pub entities: Vec<String>,
    /// Indices into [`Site::timeline`] of this article's events, in timeline order.
    pub events: Vec<usize>,
}

impl BuiltArticle {
    /// The body's citation of the source of `reference`, if the body cites it.
    pub fn citation(&self, reference: &Reference) -> Option<&markdown::Citation> {
        reference.citation.and_then(|i| self.body.citations.get(i))
    }

    /// The places in the body that cite the source of `reference`, with their locators.
    pub fn uses(&self, reference: &Reference) -> &[markdown::CitationUse] {
        self.citation(reference).map_or(&[], |c| c.uses.as_slice())
    }
}

/// A numbered entry of an article's source list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// Source id.
    pub id: String,
    /// Number shown in the text and the list.
    pub number: usize,
    /// Its entry in the body's citations (None: cited only by claims or events); the
    /// uses are read from there, not copied (half a million of them on a large site).
    pub citation: Option<usize>,
}

/// One event of the merged timeline.
#[derive(Debug)]
pub struct TimelineEvent {
    /// Anchor on the timeline page.
    pub anchor: String,
    /// The event's date.
    pub date: Date,
    /// What happened.
    pub title: String,
    /// Sources, deduplicated across the articles that report it.
    pub sources: Vec<String>,
    /// Entities, deduplicated.
    pub entities: Vec<String>,
    /// Indices of the articles that report it, in site order.
    pub articles: Vec<usize>,
}

/// A source with everything that cites it.
#[derive(Debug)]
pub struct SourceEntry {
    /// The source.
    pub source: Arc<Source>,
    /// Articles citing it (body, claims or events).
    pub articles: Vec<usize>,
    /// Claims resting on it, as (article index, claim index).
    pub claims: Vec<(usize, usize)>,
    /// Timeline events resting on it.
    pub events: Vec<usize>,
    /// Sources known through this one (their `via:` names it).
    pub relayed: Vec<usize>,
}

/// An entity with everything that involves it.
#[derive(Debug)]
pub struct EntityEntry {
    /// The entity.
    pub entity: Entity,
    /// Articles listing or mentioning it.
    pub articles: Vec<usize>,
    /// Timeline events involving it.
    pub events: Vec<usize>,
    /// Claims of articles involving it whose text names it, as (article index, claim index).
    pub claims: Vec<(usize, usize)>,
}

/// A tag and its articles.
#[derive(Debug)]
pub struct TagEntry {
    /// URL slug.
    pub slug: String,
    /// Name as first written.
    pub name: String,
    /// Articles, in site order.
    pub articles: Vec<usize>,
}

/// The assembled site: plain values, ready to render.
#[derive(Debug)]
pub struct Site {
    /// Configuration.
    pub config: Config,
    /// Articles, newest first (date, then slug), the site order everywhere.
    pub articles: Vec<BuiltArticle>,
    /// Sources sorted by id.
    pub sources: Vec<SourceEntry>,
    /// Entities sorted by name.
    pub entities: Vec<EntityEntry>,
    /// The merged timeline, in date order.
    pub timeline: Vec<TimelineEvent>,
    /// Tags sorted by slug.
    pub tags: Vec<TagEntry>,
    /// The position of each source in `sources` and of each entity in `entities`, by id.
    /// Made once, with the site: an edit applied to the last build's site keeps both lists
    /// (see [`assembles_alike`]). At 10k articles with 45k sources of their own, making
    /// such maps at every build took 5.3 ms of a title edit's rendering, and most of the
    /// 7.5–9 ms of putting the new version in the site; kept, the edit's median reload
    /// went from 82.5 to 71 ms (16 edits each, the versions taken in turn).
    source_at: AHashMap<String, usize>,
    entity_at: AHashMap<String, usize>,
}

impl Site {
    fn new(
        config: Config,
        articles: Vec<BuiltArticle>,
        sources: Vec<SourceEntry>,
        entities: Vec<EntityEntry>,
        timeline: Vec<TimelineEvent>,
        tags: Vec<TagEntry>,
    ) -> Site {
        let source_at = (sources.iter().enumerate())
            .map(|(i, s)| (s.source.id.clone(), i))
            .collect();
        let entity_at = (entities.iter().enumerate())
            .map(|(i, e)| (e.entity.id.clone(), i))
            .collect();
        Site {
            config,
            articles,
            sources,
            entities,
            timeline,
            tags,
            source_at,
            entity_at,
        }
    }

    /// The position in `sources` of the source `id`.
    pub fn source_at(&self, id: &str) -> Option<usize> {
        self.source_at.get(id).copied()
    }

    /// The position in `entities` of the entity `id`.
    pub fn entity_at(&self, id: &str) -> Option<usize> {
        self.entity_at.get(id).copied()
    }

    /// Frees the rendered bodies that nothing else holds, once the pages that print them
    /// are made: their HTML and what only an article's own page shows of its body (the
    /// uses of each citation, the headings): three fifths of what a large site holds at
    /// that point (at 10k articles, 108 MiB of HTML and 50 MiB of lists out of about
    /// 265 MiB). Those pages cannot be rendered again afterwards.
    /// Returns the number of bytes of HTML freed.
    pub fn release_bodies(&mut self) -> usize {
        // In parallel: the lists are hundreds of thousands of small values.
        (self.articles.par_iter_mut())
            .map(|a| match Arc::get_mut(&mut a.body) {
                Some(body) => std::mem::take(body).html.capacity(),
                None => 0,
            })
            .sum()
    }

    /// Frees the text of every input file, once nothing more is to be reported about the
    /// content (see [`Doc::release_text`](crate::content::Doc::release_text)): a build
    /// does it before rendering, which took the peak memory of 10k articles from about 510
    /// to 430 MB. `serve` keeps the texts, since its next build reports on them again.
    /// Done in parallel: freeing 10k texts from one thread took 25–30 ms between the phases.
    pub fn release_texts(&self) {
        (self.articles.par_iter()).for_each(|a| a.article.doc.release_text());
        let sources = self.sources.iter().map(|s| &s.source.origin.doc);
        let entities = self.entities.iter().map(|e| &e.entity.origin.doc);
        for doc in sources.chain(entities) {
            doc.release_text();
        }
    }
}

/// What a body may look up by id, every source and entity: the registries' (assembly) or
/// an assembled site's (an edit applied to the last build's site), both indexed by id.
#[derive(Clone, Copy)]
enum Registers<'a> {
    Registry(&'a Registry),
    Site(&'a Site),
}

impl<'a> Registers<'a> {
    fn has_source(self, id: &str) -> bool {
        match self {
            Registers::Registry(r) => r.sources.contains_key(id),
            Registers::Site(s) => s.source_at(id).is_some(),
        }
    }

    fn entity(self, id: &str) -> Option<&'a Entity> {
        match self {
            Registers::Registry(r) => r.entities.get(id),
            Registers::Site(s) => s.entity_at(id).map(|i| &s.entities[i].entity),
        }
    }

    /// Every source id, for suggestions (unordered).
    fn source_ids(self) -> Vec<&'a str> {
        match self {
            Registers::Registry(r) => r.sources.keys().map(String::as_str).collect(),
            Registers::Site(s) => s.sources.iter().map(|e| e.source.id.as_str()).collect(),
        }
    }

    /// Every entity id, for suggestions (unordered).
    fn entity_ids(self) -> Vec<&'a str> {
        match self {
            Registers::Registry(r) => r.entities.keys().map(String::as_str).collect(),
            Registers::Site(s) => s.entities.iter().map(|e| e.entity.id.as_str()).collect(),
        }
    }
}

struct BodyLookup<'a> {
    registers: Registers<'a>,
    article: &'a Article,
}

impl Lookup for BodyLookup<'_> {
    fn has_source(&self, id: &str) -> bool {
        self.registers.has_source(id)
    }

    fn entity(&self, id: &str) -> Option<EntityCard<'_>> {
        self.registers.entity(id).map(|e| EntityCard {
            name: &e.name,
            role: e.role.as_deref(),
        })
    }

    fn claim(&self, id: &str) -> Option<ClaimCard<'_>> {
        self.article
            .claims
            .iter()
            .find(|c| c.id == id)
            .map(|c| ClaimCard {
                status: c.status.as_str(),
            })
    }

    fn suggest(&self, kind: RefKind, id: &str) -> Option<String> {
        let found = match kind {
            RefKind::Source => suggest::closest(id, self.registers.source_ids()),
            RefKind::Entity => suggest::closest(id, self.registers.entity_ids()),
            RefKind::Claim => {
                suggest::closest(id, self.article.claims.iter().map(|c| c.id.as_str()))
            }
        };
        found.map(str::to_string)
    }
}

/// Applies an edit that changed only an article's body (its front matter is byte for byte
/// the same, and the old body had no problem) to an assembled site. The new body is rendered; when it cites, mentions and marks exactly what the old
/// one did, and has no problem, the article and its body are
/// replaced in place and the new body is returned. Nothing else in a site depends on a body
/// beyond those lists, so the site is then what assembling it anew would give. Otherwise the
/// site is left as it was and `None` returned (the caller assembles anew).
pub fn replace_body(
    site: &mut Site,
    index: usize,
    article: Arc<Article>,
) -> Option<Arc<markdown::Rendered>> {
    let old = site.articles.get(index)?;
    let (mut rendered, references, names_alike) = {
        let registers = Registers::Site(site);
        let lookup = BodyLookup {
            registers,
            article: &article,
        };
        let options = markdown::Options {
            base_path: &site.config.base_path,
            raw_html_trusted: site.config.raw_html == crate::config::RawHtml::Trusted,
        };
        let rendered = markdown::render(article.doc.read().body_text(), &lookup, &options);
        let references = references(&article, &rendered, &|id| lookup.has_source(id));
        let names_alike = claims_name_alike(registers, old, &article);
        (rendered, references, names_alike)
    };
    let same_lists = rendered.problems.is_empty()
        && names_alike
        && rendered.mentions == old.body.mentions
        && rendered.claims == old.body.claims
        && references.len() == old.references.len()
        && references
            .iter()
            .zip(&old.references)
            .all(|(new, old)| new.id == old.id && new.number == old.number);
    if !same_lists {
        return None;
    }
    rendered.html.shrink_to_fit();
    let body = Arc::new(rendered);
    let built = &mut site.articles[index];
    built.article = article;
    built.body = Arc::clone(&body);
    built.references = references;
    Some(body)
}

/// Whether the claims of an article's new version name (see [`claims_naming`]) each of its
/// entities that the old version's claims named: an entity's page lists those claims.
fn claims_name_alike(registers: Registers, old: &BuiltArticle, new: &Article) -> bool {
    let texts =
        |a: &Article| -> Vec<String> { a.claims.iter().map(|c| c.text.to_lowercase()).collect() };
    let (old_texts, new_texts) = (texts(&old.article), texts(new));
    if old_texts == new_texts {
        return true;
    }
    (old.entities.iter())
        .filter_map(|id| registers.entity(id))
        .all(|entity| {
            let names = entity_names(entity);
            claims_naming(&old_texts, &names) == claims_naming(&new_texts, &names)
        })
}

/// The names claim texts are searched for to find an entity: its name and other names,
/// lowercased.
fn entity_names(entity: &Entity) -> Vec<String> {
    (std::iter::once(&entity.name).chain(&entity.aka))
        .map(|n| n.to_lowercase())
        .collect()
}

/// The indices of the claims whose lowercased text contains one of `names`.
fn claims_naming(texts: &[String], names: &[String]) -> Vec<usize> {
    (texts.iter().enumerate())
        .filter(|(_, text)| names.iter().any(|n| text.contains(n.as_str())))
        .map(|(ci, _)| ci)
        .collect()
}

/// Whether an article's new version would leave everything assembly makes of the other
/// articles, the registers and the indexes as the old one did: the two may differ only in
/// what pages print of the article alone (its title, summary, `updated`, change log, its
/// claims' text and status) and in its body, which [`replace_body`] checks. Sources and
/// entities it defines must be defined alike.
pub fn assembles_alike(old: &Article, new: &Article) -> bool {
    fn ids(refs: &[IdRef]) -> impl Iterator<Item = &str> {
        refs.iter().map(|r| r.id.as_str())
    }
    // The site keeps copies of the sources and entities an article defines: the new
    // version must define the same ones, in the same order, with the same data. Their
    // copies then differ only in their origin, which only assembly reads (for diagnostics),
    // and the next assembly takes them from the new version.
    let own_alike = old.sources.len() == new.sources.len()
        && (old.sources.iter().zip(&new.sources)).all(|(o, n)| o.id == n.id && o.same_data(n))
        && old.inline_entities.len() == new.inline_entities.len()
        && (old.inline_entities.iter().zip(&new.inline_entities))
            .all(|(o, n)| o.id == n.id && o.same_data(n));
    let events_alike = old.events.len() == new.events.len()
        && old.events.iter().zip(&new.events).all(|(o, n)| {
            o.id == n.id
                && o.date == n.date
                && o.title == n.title
                && ids(&o.sources).eq(ids(&n.sources))
                && ids(&o.entities).eq(ids(&n.entities))
        });
    let claims_alike = old.claims.len() == new.claims.len()
        && old
            .claims
            .iter()
            .zip(&new.claims)
            .all(|(o, n)| o.id == n.id && ids(&o.sources).eq(ids(&n.sources)));
    own_alike
        && old.doc.path == new.doc.path
        && old.slug == new.slug
        && old.date == new.date
        && old.draft == new.draft
        && old.tags == new.tags
        && ids(&old.entities).eq(ids(&new.entities))
        && events_alike
        && claims_alike
}

fn check_refs<'a, T>(
    refs: impl IntoIterator<Item = &'a IdRef>,
    known: &AHashMap<String, T>,
    what: &str,
    code: &'static str,
    problems: &mut Vec<Diagnostic>,
) {
    for r in refs {
        if !known.contains_key(&r.id) {
            let help = match suggest::closest(&r.id, known.keys().map(String::as_str)) {
                Some(best) => format!("did you mean '{best}'?"),
                None => format!(
                    "define the {what} in content/_{what}s.yaml or in this article's front matter"
                ),
            };
            problems.push(
                r.origin
                    .error(code, format!("unknown {what} '{}'", r.id))
                    .with_help(help),
            );
        }
    }
}

fn push_unique(list: &mut Vec<String>, id: &str) {
    if !list.iter().any(|x| x == id) {
        list.push(id.to_string());
    }
}

/// The ids of `refs` that `known` holds, in order, without repeats.
fn known_ids<T>(refs: &[IdRef], known: &AHashMap<String, T>) -> Vec<String> {
    let mut ids = Vec::new();
    for r in refs.iter().filter(|r| known.contains_key(&r.id)) {
        push_unique(&mut ids, &r.id);
    }
    ids
}

/// Appends an index unless it is already the last one: callers visit indices in increasing
/// order, so this keeps lists duplicate-free in constant time.
fn push_index<T: PartialEq + Copy>(list: &mut Vec<T>, i: T) {
    if list.last() != Some(&i) {
        list.push(i);
    }
}

/// Assembles the site from parsed articles and the registry. Articles must be sorted by path.
/// Rendered bodies kept between builds (`serve`, `watch`), by article path: a body is rendered
/// again only when its file, the registries it looks up or the options changed.
#[derive(Debug, Default)]
pub struct BodyCache {
    bodies: AHashMap<String, CachedBody>,
}

#[derive(Debug)]
struct CachedBody {
    /// The article it was rendered from: the parse cache hands out the same `Arc` while the
    /// file is unchanged, and holding it here keeps a new article from taking its address.
    article: Arc<Article>,
    /// The fingerprint of the lookups and options it was rendered with.
    key: u64,
    rendered: Arc<markdown::Rendered>,
    problems: Vec<Diagnostic>,
}

impl BodyCache {
    /// Drops an article's body: the next build renders it.
    pub fn forget(&mut self, path: &str) {
        self.bodies.remove(path);
    }
}

/// A fingerprint of everything [`BodyLookup`] reads from the registries, whatever their order.
fn lookup_fingerprint(registry: &Registry) -> u64 {
    let sources = registry.sources.values().fold(0u64, |sum, s| {
        sum.wrapping_add(crate::fingerprint::of(&(
            &s.id,
            &s.title,
            &s.publisher,
            s.published.as_ref().map(Date::display),
        )))
    });
    let entities = registry.entities.values().fold(0u64, |sum, e| {
        sum.wrapping_add(crate::fingerprint::of(&(&e.id, &e.name, &e.role)))
    });
    crate::fingerprint::of(&(sources, entities))
}

/// Assembles the site from its parsed articles and registries.
pub fn assemble(
    config: Config,
    articles: Vec<Arc<Article>>,
    registry: Registry,
) -> (Site, Vec<Diagnostic>) {
    assemble_cached(config, articles, registry, None)
}

/// [`assemble`], reusing and refreshing `cache` for the bodies.
pub fn assemble_cached(
    config: Config,
    mut articles: Vec<Arc<Article>>,
    registry: Registry,
    cache: Option<&mut BodyCache>,
) -> (Site, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    // Site order: newest first, then by slug, so output never depends on file-system order.
    articles.sort_by(|a, b| {
        b.date
            .sort_key()
            .cmp(&a.date.sort_key())
            .then_with(|| a.slug.cmp(&b.slug))
    });
    check_collisions(&articles, &mut problems);

    let per_article: Vec<Vec<Diagnostic>> = articles
        .par_iter()
        .map(|a| {
            let mut problems = Vec::new();
            check_refs(
                a.claims.iter().flat_map(|c| &c.sources),
                &registry.sources,
                "source",
                "SOURCE-UNKNOWN",
                &mut problems,
            );
            check_refs(
                a.events.iter().flat_map(|e| &e.sources),
                &registry.sources,
                "source",
                "SOURCE-UNKNOWN",
                &mut problems,
            );
            check_refs(
                a.events.iter().flat_map(|e| &e.entities),
                &registry.entities,
                "entity",
                "ENTITY-UNKNOWN",
                &mut problems,
            );
            check_refs(
                &a.entities,
                &registry.entities,
                "entity",
                "ENTITY-UNKNOWN",
                &mut problems,
            );
            check_duplicate_ids(a, &mut problems);
            problems
        })
        .collect();
    problems.extend(per_article.into_iter().flatten());
    check_refs(
        registry.sources.values().filter_map(|s| s.via.as_ref()),
        &registry.sources,
        "source",
        "SOURCE-UNKNOWN",
        &mut problems,
    );
    for s in registry.sources.values() {
        if s.via.as_ref().is_some_and(|v| v.id == s.id) {
            problems.push(
                s.origin
                    .error(
                        "SOURCE-VIA-SELF",
                        format!("source '{}' cannot be known via itself", s.id),
                    )
                    .with_help("name the source that relays it, or remove `via:`"),
            );
        }
    }

    let options = markdown::Options {
        base_path: &config.base_path,
        raw_html_trusted: config.raw_html == crate::config::RawHtml::Trusted,
    };
    let lookup_key = cache.as_ref().map(|_| {
        crate::fingerprint::of(&(
            lookup_fingerprint(&registry),
            options.base_path,
            options.raw_html_trusted,
        ))
    });
    let previous = cache.as_ref().map(|c| &c.bodies);
    // Without a cache (a one-off build or check), no body is rendered again.
    let keep_bodies = cache.is_some();
    let key = lookup_key.unwrap_or_default();
    let registers = Registers::Registry(&registry);
    let bodies: Vec<(u64, Arc<markdown::Rendered>, Vec<Diagnostic>)> = articles
        .par_iter()
        .map(|a| {
            if let Some(hit) = previous
                .and_then(|p| p.get(&a.doc.path))
                .filter(|c| c.key == key && Arc::ptr_eq(&c.article, a))
            {
                return (key, Arc::clone(&hit.rendered), hit.problems.clone());
            }
            let lookup = BodyLookup {
                registers,
                article: a,
            };
            let mut rendered = markdown::render(a.doc.read().body_text(), &lookup, &options);
            // Every body is held until its page is rendered: no spare capacity (a tenth of
            // the peak memory of a large site).
            rendered.html.shrink_to_fit();
            let diags = std::mem::take(&mut rendered.problems)
                .into_iter()
                .map(|p| {
                    let d = a.doc.body_diag(p.is_error, p.code, p.offset, p.message);
                    match p.help {
                        Some(help) => d.with_help(help),
                        None => d,
                    }
                })
                .collect();
            if !keep_bodies {
                a.doc.release_body();
            }
            (key, Arc::new(rendered), diags)
        })
        .collect();
    if let Some(cache) = cache {
        cache.bodies = articles
            .iter()
            .zip(&bodies)
            .map(|(a, (key, rendered, problems))| {
                let entry = CachedBody {
                    article: Arc::clone(a),
                    key: *key,
                    rendered: Arc::clone(rendered),
                    problems: problems.clone(),
                };
                (a.doc.path.clone(), entry)
            })
            .collect();
    }

    let mut built: Vec<BuiltArticle> = articles
        .into_par_iter()
        .zip(bodies.par_iter())
        .map(|(article, (_, body, _))| {
            let references = references(&article, body, &|id| registry.sources.contains_key(id));
            let mut entities = Vec::new();
            for r in &article.entities {
                push_unique(&mut entities, &r.id);
            }
            for id in &body.mentions {
                push_unique(&mut entities, id);
            }
            entities.retain(|id| registry.entities.contains_key(id));
            BuiltArticle {
                article,
                body: Arc::clone(body),
                references,
                entities,
                events: Vec::new(),
            }
        })
        .collect();
    for (_, _, diags) in bodies {
        problems.extend(diags);
    }

    let timeline = merge_timeline(&mut built, &registry, &mut problems);
    let (sources, entities) = cross_index(&built, &timeline, registry, &mut problems);
    let tags = tag_index(&built, &mut problems);
    (
        Site::new(config, built, sources, entities, timeline, tags),
        problems,
    )
}

fn check_collisions(articles: &[Arc<Article>], problems: &mut Vec<Diagnostic>) {
    let mut by_slug: BTreeMap<String, Vec<&Arc<Article>>> = BTreeMap::new();
    for a in articles {
        by_slug.entry(a.slug.to_lowercase()).or_default().push(a);
    }
    for (slug, mut list) in by_slug {
        if list.len() > 1 {
            list.sort_by(|a, b| a.doc.path.cmp(&b.doc.path));
            let files: Vec<&str> = list.iter().map(|a| a.doc.path.as_str()).collect();
            for a in &list {
                let at_slug = crate::content::Origin::field(&a.doc, "slug");
                problems.push(
                    at_slug
                        .error(
                            "PATH-COLLISION",
                            format!(
                                "articles/{slug}/index.html would be written by {}",
                                files.join(" and ")
                            ),
                        )
                        .with_help("give one of the articles another `slug:`"),
                );
            }
        }
    }
}

fn check_duplicate_ids(a: &Article, problems: &mut Vec<Diagnostic>) {
    let mut seen: AHashMap<&str, &crate::content::Claim> = AHashMap::new();
    for c in &a.claims {
        if let Some(first) = seen.insert(&c.id, c) {
            problems.push(
                c.origin
                    .error(
                        "ID-DUPLICATE",
                        format!(
                            "claim '{}' is already defined at {}",
                            c.id,
                            first.origin.describe()
                        ),
                    )
                    .with_help("give each claim of an article its own id"),
            );
        }
    }
}

fn references(
    article: &Article,
    body: &markdown::Rendered,
    has_source: &dyn Fn(&str) -> bool,
) -> Vec<Reference> {
    let mut refs: Vec<Reference> = body
        .citations
        .iter()
        .enumerate()
        .map(|(i, c)| Reference {
            id: c.id.clone(),
            number: c.number,
            citation: Some(i),
        })
        .collect();
    let extra = article
        .claims
        .iter()
        .flat_map(|c| &c.sources)
        .chain(article.events.iter().flat_map(|e| &e.sources));
    for r in extra {
        if has_source(&r.id) && !refs.iter().any(|x| x.id == r.id) {
            let number = refs.len() + 1;
            refs.push(Reference {
                id: r.id.clone(),
                number,
                citation: None,
            });
        }
    }
    refs
}

fn event_anchor(id: Option<&str>, slug: &str, index: usize) -> String {
    match id {
        Some(id) => format!("event-{id}"),
        // Ids and slugs never contain `--`, so this cannot collide with `event-{id}`.
        None => format!("event-{slug}--{}", index + 1),
    }
}

fn merge_timeline(
    built: &mut [BuiltArticle],
    registry: &Registry,
    problems: &mut Vec<Diagnostic>,
) -> Vec<TimelineEvent> {
    struct Pending<'a> {
        event: TimelineEvent,
        first: &'a crate::content::Event,
        order: (usize, usize),
    }
    // What each event would be on its own (anchor, copies, its known references) does not
    // depend on the other articles: made in parallel, then merged in file order. At 10k
    // articles this loop ran alone on one thread for 70 ms, between the parallel phases.
    let mut drafts: Vec<Vec<TimelineEvent>> = built
        .par_iter()
        .map(|b| {
            let article = &b.article;
            (article.events.iter().enumerate())
                .map(|(ei, e)| TimelineEvent {
                    anchor: event_anchor(e.id.as_deref(), &article.slug, ei),
                    date: e.date.clone(),
                    title: e.title.clone(),
                    sources: known_ids(&e.sources, &registry.sources),
                    entities: known_ids(&e.entities, &registry.entities),
                    articles: Vec::new(),
                })
                .collect()
        })
        .collect();
    // Events in file order so "first definition" is the same on every run.
    let mut order: Vec<usize> = (0..built.len()).collect();
    order.sort_by(|&a, &b| built[a].article.doc.path.cmp(&built[b].article.doc.path));
    let count = drafts.iter().map(Vec::len).sum();
    let mut merged: Vec<Pending> = Vec::with_capacity(count);
    let mut by_id: AHashMap<&str, usize> = AHashMap::with_capacity(count);
    let mut owner: Vec<Vec<usize>> = vec![Vec::new(); built.len()];
    for &ai in &order {
        let article = &built[ai].article;
        let events = article.events.iter().enumerate();
        for ((ei, e), mut draft) in events.zip(std::mem::take(&mut drafts[ai])) {
            if let Some(&mi) = e.id.as_deref().and_then(|id| by_id.get(id)) {
                let pending = &mut merged[mi];
                if pending.first.date != e.date || pending.first.title != e.title {
                    let what = if pending.first.date != e.date {
                        "date"
                    } else {
                        "title"
                    };
                    problems.push(
                        e.origin
                            .error("EVENT-CONFLICT", format!("event '{}' has a different {what} at {}", e.id.as_deref().unwrap_or_default(), pending.first.origin.describe()))
                            .with_help("an event id names one event: give both the same date and title, or use another id"),
                    );
                }
                for id in &draft.sources {
                    push_unique(&mut pending.event.sources, id);
                }
                for id in &draft.entities {
                    push_unique(&mut pending.event.entities, id);
                }
                // Articles come one after another: one that reports the event twice
                // does it in a row. (A search of the whole list made an event that
                // every article reports cost the square of their number.)
                if pending.event.articles.last() != Some(&ai) {
                    pending.event.articles.push(ai);
                }
                owner[ai].push(mi);
                continue;
            }
            if e.sources.is_empty() {
                problems.push(
                    e.origin
                        .warning(
                            "EVENT-NO-SOURCE",
                            format!("event '{}' has no sources", e.title),
                        )
                        .with_help("add `sources: [source-id]`"),
                );
            }
            if let Some(id) = e.id.as_deref() {
                by_id.insert(id, merged.len());
            }
            owner[ai].push(merged.len());
            draft.articles.push(ai);
            merged.push(Pending {
                event: draft,
                first: e,
                order: (ai, ei),
            });
        }
    }
    // Date order; ties by the defining article's site position, then position in its list.
    let mut sorted: Vec<usize> = (0..merged.len()).collect();
    sorted.par_sort_by(|&a, &b| {
        merged[a]
            .event
            .date
            .sort_key()
            .cmp(&merged[b].event.date.sort_key())
            .then(merged[a].order.cmp(&merged[b].order))
    });
    let mut rank = vec![0; merged.len()];
    for (r, &i) in sorted.iter().enumerate() {
        rank[i] = r;
    }
    let mut events: Vec<Option<TimelineEvent>> =
        merged.into_iter().map(|p| Some(p.event)).collect();
    let mut timeline = Vec::with_capacity(events.len());
    for &i in &sorted {
        if let Some(mut e) = events[i].take() {
            e.articles.sort_unstable();
            timeline.push(e);
        }
    }
    for (ai, list) in owner.into_iter().enumerate() {
        let mut ranks: Vec<usize> = list.into_iter().map(|m| rank[m]).collect();
        ranks.sort_unstable();
        ranks.dedup();
        built[ai].events = ranks;
    }
    timeline
}

fn cross_index(
    built: &[BuiltArticle],
    timeline: &[TimelineEvent],
    registry: Registry,
    problems: &mut Vec<Diagnostic>,
) -> (Vec<SourceEntry>, Vec<EntityEntry>) {
    let mut sources: Vec<SourceEntry> = registry
        .sources
        .into_values()
        .map(|source| SourceEntry {
            source,
            articles: Vec::new(),
            claims: Vec::new(),
            events: Vec::new(),
            relayed: Vec::new(),
        })
        .collect();
    sources.sort_by(|a, b| a.source.id.cmp(&b.source.id));
    let mut entities: Vec<EntityEntry> = registry
        .entities
        .into_values()
        .map(|entity| EntityEntry {
            entity,
            articles: Vec::new(),
            events: Vec::new(),
            claims: Vec::new(),
        })
        .collect();
    entities.sort_by(|a, b| {
        a.entity
            .name
            .to_lowercase()
            .cmp(&b.entity.name.to_lowercase())
            .then_with(|| a.entity.id.cmp(&b.entity.id))
    });
    let source_at: AHashMap<String, usize> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.source.id.clone(), i))
        .collect();
    let entity_at: AHashMap<String, usize> = entities
        .iter()
        .enumerate()
        .map(|(i, e)| (e.entity.id.clone(), i))
        .collect();

    // Which sources and entities each article cites, found in parallel and filed in article
    // order below (at 10k articles the loop took 50 ms alone on one thread).
    struct Links {
        sources: Vec<usize>,
        claim_sources: Vec<(usize, usize)>,
        entities: Vec<(usize, Vec<usize>)>,
    }
    let names: Vec<Vec<String>> = entities
        .par_iter()
        .map(|e| entity_names(&e.entity))
        .collect();
    let links: Vec<Links> = built
        .par_iter()
        .map(|b| {
            let claims = &b.article.claims;
            let sources = (b.references.iter())
                .filter_map(|r| source_at.get(&r.id).copied())
                .collect();
            let claim_sources = (claims.iter().enumerate())
                .flat_map(|(ci, c)| c.sources.iter().map(move |r| (ci, r)))
                .filter_map(|(ci, r)| source_at.get(&r.id).map(|&si| (si, ci)))
                .collect();
            let texts: Vec<String> = if b.entities.is_empty() {
                Vec::new()
            } else {
                claims.iter().map(|c| c.text.to_lowercase()).collect()
            };
            let entities = (b.entities.iter())
                .filter_map(|id| entity_at.get(id).copied())
                .map(|ei| (ei, claims_naming(&texts, &names[ei])))
                .collect();
            Links {
                sources,
                claim_sources,
                entities,
            }
        })
        .collect();
    for (ai, found) in links.into_iter().enumerate() {
        for si in found.sources {
            push_index(&mut sources[si].articles, ai);
        }
        for (si, ci) in found.claim_sources {
            push_index(&mut sources[si].claims, (ai, ci));
        }
        for (ei, named) in found.entities {
            push_index(&mut entities[ei].articles, ai);
            (entities[ei].claims).extend(named.into_iter().map(|ci| (ai, ci)));
        }
    }
    for (ti, e) in timeline.iter().enumerate() {
        for id in &e.sources {
            if let Some(&si) = source_at.get(id) {
                sources[si].events.push(ti);
            }
        }
        for id in &e.entities {
            if let Some(&ei) = entity_at.get(id) {
                entities[ei].events.push(ti);
            }
        }
    }
    for i in 0..sources.len() {
        if let Some(&via) = sources[i]
            .source
            .via
            .as_ref()
            .and_then(|v| source_at.get(&v.id))
        {
            sources[via].relayed.push(i);
        }
    }
    let findable = |s: &Source| s.url.is_some() || s.published.is_some();
    for i in 0..sources.len() {
        sources[i].articles.sort_unstable();
        let entry = &sources[i];
        let cited =
            !entry.articles.is_empty() || !entry.events.is_empty() || !entry.relayed.is_empty();
        let s = &entry.source;
        let via = s
            .via
            .as_ref()
            .and_then(|v| source_at.get(&v.id))
            .map(|&j| &*sources[j].source);
        if !cited {
            problems.push(
                s.origin
                    .warning("SOURCE-UNUSED", format!("source '{}' is never cited", s.id))
                    .with_help("cite it with [@id] or remove it"),
            );
        } else if !findable(s) && !via.is_some_and(findable) {
            problems.push(
                s.origin
                    .warning("SOURCE-INCOMPLETE", format!("source '{}' has neither a url nor a published date", s.id))
                    .with_help("add `url:` or `published:` when known, or `via:` the source that relays it, so readers can find it"),
            );
        }
    }
    for entry in &mut entities {
        entry.articles.sort_unstable();
    }
    (sources, entities)
}

fn tag_index(built: &[BuiltArticle], problems: &mut Vec<Diagnostic>) -> Vec<TagEntry> {
    let mut tags: BTreeMap<String, TagEntry> = BTreeMap::new();
    for (ai, b) in built.iter().enumerate() {
        for (ti, t) in b.article.tags.iter().enumerate() {
            let entry = tags.entry(t.slug.clone()).or_insert_with(|| TagEntry {
                slug: t.slug.clone(),
                name: t.name.clone(),
                articles: Vec::new(),
            });
            if entry.name.to_lowercase() != t.name.to_lowercase() {
                let origin = crate::content::Origin::item(&b.article.doc, Some("tags"), ti);
                problems.push(
                    origin
                        .error(
                            "PATH-COLLISION",
                            format!(
                                "tag '{}' and tag '{}' would share the page tags/{}/",
                                t.name, entry.name, t.slug
                            ),
                        )
                        .with_help(format!("write the tag as '{}'", entry.name)),
                );
            }
            push_index(&mut entry.articles, ai);
        }
    }
    tags.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::SourceFile;

    #[test]
    fn a_site_finds_each_source_and_entity_by_id_and_nothing_else() {
        let site = crate::render::tests::example().site;
        assert!(site.sources.len() > 5 && site.entities.len() > 5);
        for (i, s) in site.sources.iter().enumerate() {
            assert_eq!(site.source_at(&s.source.id), Some(i), "{}", s.source.id);
        }
        for (i, e) in site.entities.iter().enumerate() {
            assert_eq!(site.entity_at(&e.entity.id), Some(i), "{}", e.entity.id);
        }
        for unknown in ["", "pentagon-", "PENTAGON", "nobody"] {
            assert_eq!(site.source_at(unknown), None, "{unknown}");
            assert_eq!(site.entity_at(unknown), None, "{unknown}");
        }
    }

    const ARTICLE: &str = "---
title: A strike at the airport
date: 2020-01-03
summary: What happened.
tags: [iraq]
entities: [soleimani]
events:
  - id: strike
    date: 2020-01-03
    title: The strike
    sources: [pentagon]
    entities: [soleimani]
claims:
  - id: ordered
    text: The President ordered it.
    status: claimed
    sources: [pentagon]
updates:
  - date: 2020-01-03
    note: First published.
---
Body [@pentagon].
";

    fn article(text: &str) -> Article {
        let file = SourceFile {
            path: "content/strike.md".into(),
            text: text.into(),
        };
        crate::content::article::parse(file).expect("the test article parses")
    }

    #[test]
    fn only_edits_of_what_pages_print_of_one_article_assemble_alike() {
        // (edit, from, to, alike)
        let table = [
            ("title", "title: A strike", "title: The strike", true),
            ("summary", "summary: What", "summary: All that", true),
            ("updated added", "tags:", "updated: 2020-01-04\ntags:", true),
            ("claim text", "The President", "The White House", true),
            ("claim status", "status: claimed", "status: disputed", true),
            ("change log", "First published.", "Published.", true),
            ("body", "Body [@pentagon].", "Another body.", true),
            (
                "date",
                "date: 2020-01-03\nsummary",
                "date: 2020-01-02\nsummary",
                false,
            ),
            ("slug", "tags:", "slug: strike-2\ntags:", false),
            ("draft", "tags:", "draft: true\ntags:", false),
            ("tag", "tags: [iraq]", "tags: [iraq, iran]", false),
            (
                "entity list",
                "entities: [soleimani]\nevents",
                "entities: []\nevents",
                false,
            ),
            ("event title", "title: The strike", "title: A strike", false),
            (
                "event date",
                "    date: 2020-01-03",
                "    date: 2020-01-04",
                false,
            ),
            ("event id", "id: strike", "id: the-strike", false),
            (
                "event sources",
                "    sources: [pentagon]\n    entities",
                "    sources: [pentagon, ap]\n    entities",
                false,
            ),
            (
                "event entities",
                "    entities: [soleimani]",
                "    entities: []",
                false,
            ),
            ("claim id", "id: ordered", "id: order", false),
            (
                "claim sources",
                "    sources: [pentagon]\nupdates",
                "    sources: [ap]\nupdates",
                false,
            ),
            (
                "own source",
                "tags:",
                "sources:\n  - id: leaflet\n    title: A leaflet\n    kind: document\ntags:",
                false,
            ),
            (
                "own entity",
                "entities: [soleimani]\nevents",
                "entities: [soleimani, {id: guard, name: A guard, kind: person}]\nevents",
                false,
            ),
        ];
        // Each edit of `base` alone, against `base`.
        let check = |base: &str, table: &[(&str, &str, &str, bool)]| {
            let old = article(base);
            assert!(assembles_alike(&old, &article(base)), "unchanged");
            for &(edit, from, to, alike) in table {
                assert!(base.contains(from), "{edit}: {from:?} is in the article");
                let new = article(&base.replacen(from, to, 1));
                assert_eq!(assembles_alike(&old, &new), alike, "{edit}");
            }
        };
        check(ARTICLE, &table);
        // An article defining sources and entities of its own: they must stay as they are.
        let own = ARTICLE
            .replacen(
                "tags:",
                "sources:\n  - id: leaflet\n    title: A leaflet\n    kind: document\n  - id: poster\n    title: A poster\n    kind: document\ntags:",
                1,
            )
            .replacen(
                "entities: [soleimani]\nevents",
                "entities: [soleimani, {id: guard, name: A guard, kind: person}]\nevents",
                1,
            );
        let own_table = [
            ("title", "title: A strike", "title: The strike", true),
            (
                "lines moved, data alike",
                "summary: What happened.\n",
                "summary: >-\n  What\n  happened.\n",
                true,
            ),
            ("source title", "title: A leaflet", "title: A flyer", false),
            ("source id", "id: leaflet", "id: flyer", false),
            (
                "source url",
                "title: A poster\n",
                "title: A poster\n    url: https://example.org/poster\n",
                false,
            ),
            (
                "sources swapped",
                "id: leaflet\n    title: A leaflet\n    kind: document\n  - id: poster\n    title: A poster",
                "id: poster\n    title: A poster\n    kind: document\n  - id: leaflet\n    title: A leaflet",
                false,
            ),
            ("entity name", "name: A guard", "name: The guard", false),
            ("entity kind", "kind: person}", "kind: other}", false),
            (
                "entity added",
                "kind: person}]",
                "kind: person}, {id: aide, name: An aide, kind: person}]",
                false,
            ),
        ];
        check(&own, &own_table);
    }
}
