//! Rendering: the Tera environment (embedded theme plus the site's overrides) and every page of the site.

pub mod theme;
pub mod views;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::content::{ClaimStatus, Date, EntityKind, SourceKind};
use crate::diag::{Diagnostic, Pos};
use crate::model::{BuiltArticle, Site, TimelineEvent};
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

/// Everything a template may need, built once per build and shared by all pages.
struct Shared<'a> {
    site: &'a Site,
    site_view: SiteView<'a>,
    statuses: Vec<StatusView>,
    source_at: HashMap<&'a str, usize>,
    entity_at: HashMap<&'a str, usize>,
    /// Tag slugs per timeline event (from the articles that report it), for the filter.
    event_tags: Vec<String>,
    /// Each timeline event's view outside an article: built once, since the timeline,
    /// source, entity and front pages all list events (profiling showed this mattered).
    event_views: Vec<EventView>,
}

impl<'a> Shared<'a> {
    fn new(site: &'a Site) -> Self {
        let config = &site.config;
        let event_tags = site
            .timeline
            .iter()
            .map(|e| {
                let mut tags: Vec<&str> = e
                    .articles
                    .iter()
                    .flat_map(|&a| {
                        site.articles[a]
                            .article
                            .tags
                            .iter()
                            .map(|t| t.slug.as_str())
                    })
                    .collect();
                tags.sort_unstable();
                tags.dedup();
                tags.join(" ")
            })
            .collect();
        Shared {
            site,
            site_view: SiteView {
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
            },
            statuses: ClaimStatus::ALL
                .iter()
                .map(|s| StatusView {
                    status: s.as_str(),
                    meaning: s.meaning(),
                })
                .collect(),
            source_at: site.source_index(),
            entity_at: site.entity_index(),
            event_tags,
            event_views: Vec::new(),
        }
        .with_event_views()
    }

    fn with_event_views(mut self) -> Self {
        self.event_views = (0..self.site.timeline.len())
            .into_par_iter()
            .map(|i| self.make_event_view(i, None))
            .collect();
        self
    }

    fn url(&self, rel: &str) -> String {
        format!("{}{rel}", self.site.config.base_path)
    }

    fn meta(
        &self,
        title: &str,
        description: Option<&str>,
        rel: &str,
        section: &'static str,
    ) -> PageMeta {
        PageMeta {
            title: title.to_string(),
            description: description
                .or(self.site.config.description.as_deref())
                .map(str::to_string),
            url: self.url(rel),
            canonical: format!("{}{rel}", self.site.config.base_url),
            section,
        }
    }

    fn tag_view(&self, t: &crate::model::TagEntry) -> TagView {
        TagView {
            name: t.name.clone(),
            slug: t.slug.clone(),
            url: self.url(&format!("tags/{}/", t.slug)),
            count: t.articles.len(),
        }
    }

    fn article_url(&self, a: &BuiltArticle) -> String {
        self.url(&format!("articles/{}/", a.article.slug))
    }

    fn article_link(&self, index: usize) -> Link {
        let a = &self.site.articles[index];
        Link {
            name: a.article.title.clone(),
            url: self.article_url(a),
        }
    }

    fn tag_links(&self, a: &BuiltArticle) -> Vec<Link> {
        a.article
            .tags
            .iter()
            .map(|t| Link {
                name: t.name.clone(),
                url: self.url(&format!("tags/{}/", t.slug)),
            })
            .collect()
    }

    fn summary(&self, a: &BuiltArticle) -> ArticleSummary {
        ArticleSummary {
            title: a.article.title.clone(),
            url: self.article_url(a),
            date: date_view(&a.article.date),
            updated: a.article.updated.as_ref().map(date_view),
            summary: a.article.summary.clone(),
            tags: self.tag_links(a),
            source_count: a.references.len(),
            claim_count: a.article.claims.len(),
        }
    }

    fn entity_link(&self, id: &str) -> Option<EntityLink> {
        let entry = &self.site.entities[*self.entity_at.get(id)?];
        let e = &entry.entity;
        Some(EntityLink {
            id: e.id.clone(),
            name: e.name.clone(),
            kind: e.kind.as_str(),
            role: e.role.clone(),
            url: self.url(&format!("entities/{}/", e.id)),
            article_count: entry.articles.len(),
        })
    }

    /// A link to a source; inside an article, `article` gives the reference-list number.
    fn source_link(&self, id: &str, article: Option<&BuiltArticle>) -> Option<SourceLink> {
        let s = &self.site.sources[*self.source_at.get(id)?].source;
        let number = article
            .and_then(|a| a.references.iter().find(|r| r.id == id))
            .map(|r| r.number);
        Some(SourceLink {
            id: s.id.clone(),
            title: s.title.clone(),
            publisher: s.publisher.clone(),
            url: self.url(&format!("sources/{}/", s.id)),
            number,
            ref_anchor: number.map(|n| format!("ref-{n}")),
        })
    }

    /// An event's view; inside an article its sources carry the article's reference numbers.
    fn event_view(&self, index: usize, article: Option<&BuiltArticle>) -> EventView {
        match (article, self.event_views.get(index)) {
            (None, Some(view)) => view.clone(),
            _ => self.make_event_view(index, article),
        }
    }

    fn make_event_view(&self, index: usize, article: Option<&BuiltArticle>) -> EventView {
        let e: &TimelineEvent = &self.site.timeline[index];
        EventView {
            anchor: e.anchor.clone(),
            url: self.url(&format!("timeline/#{}", e.anchor)),
            date: date_view(&e.date),
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
            articles: e.articles.iter().map(|&a| self.article_link(a)).collect(),
            entity_ids: e.entities.join(" "),
            tag_slugs: self.event_tags[index].clone(),
        }
    }

    fn claim_view(
        &self,
        article_index: usize,
        claim_index: usize,
        in_article: bool,
    ) -> Option<ClaimView> {
        let a = &self.site.articles[article_index];
        let c = a.article.claims.get(claim_index)?;
        let anchor = format!("claim-{}", c.id);
        let article_url = self.article_url(a);
        Some(ClaimView {
            id: c.id.clone(),
            text: c.text.clone(),
            status: c.status.as_str(),
            status_meaning: c.status.meaning(),
            sources: c
                .sources
                .iter()
                .filter_map(|r| self.source_link(&r.id, in_article.then_some(a)))
                .collect(),
            article: Link {
                name: a.article.title.clone(),
                url: article_url.clone(),
            },
            url: format!("{article_url}#{anchor}"),
            anchor,
        })
    }

    /// A source; `with_citers` adds the lists of what cites it (its own page), not only the counts.
    fn source_view(&self, index: usize, with_citers: bool) -> SourceView {
        let entry = &self.site.sources[index];
        let s = &entry.source;
        let mut view = SourceView {
            id: s.id.clone(),
            title: s.title.clone(),
            publisher: s.publisher.clone(),
            kind: s.kind.as_str(),
            kind_label: s.kind.label(),
            published: s.published.as_ref().map(date_view),
            accessed: s.accessed.as_ref().map(date_view),
            external_url: s.url.clone(),
            archive_url: s.archive.clone(),
            via: s.via.as_ref().and_then(|v| self.source_link(&v.id, None)),
            relayed: entry
                .relayed
                .iter()
                .filter_map(|&i| self.source_link(&self.site.sources[i].source.id, None))
                .collect(),
            url: self.url(&format!("sources/{}/", s.id)),
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
                .filter_map(|&(a, c)| self.claim_view(a, c, false))
                .collect();
            view.events = entry
                .events
                .iter()
                .map(|&e| self.event_view(e, None))
                .collect();
        }
        view
    }

    fn article_view(&self, article_index: usize) -> ArticleView {
        let a = &self.site.articles[article_index];
        let references = a
            .references
            .iter()
            .filter_map(|r| {
                let s = &self.site.sources[*self.source_at.get(r.id.as_str())?].source;
                let mut locators: Vec<String> =
                    r.uses.iter().filter_map(|u| u.locator.clone()).collect();
                locators.dedup();
                Some(ReferenceView {
                    number: r.number,
                    anchor: format!("ref-{}", r.number),
                    id: s.id.clone(),
                    title: s.title.clone(),
                    publisher: s.publisher.clone(),
                    kind: s.kind.as_str(),
                    kind_label: s.kind.label(),
                    published: s.published.as_ref().map(date_view),
                    accessed: s.accessed.as_ref().map(date_view),
                    external_url: s.url.clone(),
                    archive_url: s.archive.clone(),
                    via: s
                        .via
                        .as_ref()
                        .and_then(|v| self.source_link(&v.id, Some(a))),
                    url: self.url(&format!("sources/{}/", s.id)),
                    uses: r
                        .uses
                        .iter()
                        .enumerate()
                        .map(|(i, u)| CitationUseView {
                            anchor: u.anchor.clone(),
                            label: use_label(i),
                            locator: u.locator.clone(),
                        })
                        .collect(),
                    locators,
                })
            })
            .collect();
        ArticleView {
            title: a.article.title.clone(),
            url: self.article_url(a),
            date: date_view(&a.article.date),
            updated: a.article.updated.as_ref().map(date_view),
            summary: a.article.summary.clone(),
            tags: self.tag_links(a),
            body_html: a.body.html.clone(),
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
                .map(|&e| self.event_view(e, Some(a)))
                .collect(),
            updates: a
                .article
                .updates
                .iter()
                .map(|u| UpdateView {
                    date: date_view(&u.date),
                    note: u.note.clone(),
                })
                .collect(),
        }
    }
}

/// Back-link labels: a, b, …, z, aa, ab, …
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

/// The reader-facing forms of a date.
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

/// A page to render: output path, template, and its own variables.
struct Job {
    path: String,
    template: &'static str,
    context: Context,
}

fn job(path: String, template: &'static str, page: PageMeta, vars: impl Serialize) -> Job {
    let mut context = Context::from_serialize(&vars).unwrap_or_default();
    context.insert("page", &page);
    Job {
        path,
        template,
        context,
    }
}

/// Every HTML or XML page of the site. Listed first (cheap), then each is turned into a
/// [`Job`] and rendered on a worker thread, so views are built in parallel and dropped as
/// soon as their page is done.
#[derive(Debug, Clone, Copy)]
enum Target {
    Index,
    Article(usize),
    Timeline,
    Sources,
    Source(usize),
    Entities,
    Entity(usize),
    Tags,
    Tag(usize),
    NotFound,
    Feed,
    Sitemap,
}

fn targets(site: &Site) -> Vec<Target> {
    // The few large pages first, so they run alongside the many small ones instead of last.
    let mut list = vec![
        Target::Timeline,
        Target::Sources,
        Target::Index,
        Target::Sitemap,
    ];
    list.extend((0..site.articles.len()).map(Target::Article));
    list.extend((0..site.sources.len()).map(Target::Source));
    list.push(Target::Entities);
    list.extend((0..site.entities.len()).map(Target::Entity));
    list.push(Target::Tags);
    list.extend((0..site.tags.len()).map(Target::Tag));
    list.extend([Target::NotFound, Target::Feed]);
    list
}

/// The folder of a page, relative to the site root (`""` for the front page).
fn target_dir(site: &Site, target: Target) -> Option<String> {
    Some(match target {
        Target::Index => String::new(),
        Target::Article(i) => format!("articles/{}/", site.articles[i].article.slug),
        Target::Timeline => "timeline/".into(),
        Target::Sources => "sources/".into(),
        Target::Source(i) => format!("sources/{}/", site.sources[i].source.id),
        Target::Entities => "entities/".into(),
        Target::Entity(i) => format!("entities/{}/", site.entities[i].entity.id),
        Target::Tags => "tags/".into(),
        Target::Tag(i) => format!("tags/{}/", site.tags[i].slug),
        Target::NotFound | Target::Feed | Target::Sitemap => return None,
    })
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct IndexVars {
    lead: Option<ArticleSummary>,
    articles: Vec<ArticleSummary>,
    latest_events: Vec<EventView>,
    key_entities: Vec<EntityLink>,
}

#[derive(Serialize)]
struct FeedEntry {
    title: String,
    url: String,
    published: String,
    updated: String,
    summary: Option<String>,
    body_html: String,
}

#[derive(Serialize)]
struct SitemapUrl {
    loc: String,
    lastmod: Option<String>,
}

#[derive(Serialize)]
struct GroupsVars<T> {
    groups: Vec<Group<T>>,
}

/// Number of events on the front page.
const FRONT_PAGE_EVENTS: usize = 6;
/// Number of entities on the front page.
const FRONT_PAGE_ENTITIES: usize = 10;
/// Number of articles in the feed: the newest; feed readers poll, they do not archive.
const FEED_ENTRIES: usize = 50;

impl Shared<'_> {
    fn job(&self, target: Target) -> Job {
        let site = self.site;
        let dir = target_dir(site, target).unwrap_or_default();
        let index_html = format!("{dir}index.html");
        match target {
            Target::Index => {
                let mut key_entities: Vec<&crate::model::EntityEntry> = site
                    .entities
                    .iter()
                    .filter(|e| !e.articles.is_empty())
                    .collect();
                key_entities.sort_by(|a, b| {
                    b.articles
                        .len()
                        .cmp(&a.articles.len())
                        .then_with(|| a.entity.name.cmp(&b.entity.name))
                });
                let vars = IndexVars {
                    lead: site.articles.first().map(|a| self.summary(a)),
                    articles: site.articles.iter().map(|a| self.summary(a)).collect(),
                    latest_events: (0..site.timeline.len())
                        .rev()
                        .take(FRONT_PAGE_EVENTS)
                        .map(|i| self.event_view(i, None))
                        .collect(),
                    key_entities: key_entities
                        .iter()
                        .take(FRONT_PAGE_ENTITIES)
                        .filter_map(|e| self.entity_link(&e.entity.id))
                        .collect(),
                };
                job(
                    index_html,
                    "index.html",
                    self.meta(&site.config.title, None, &dir, "home"),
                    vars,
                )
            }
            Target::Article(i) => {
                #[derive(Serialize)]
                struct Vars {
                    article: ArticleView,
                }
                let a = &site.articles[i].article;
                let meta = self.meta(&a.title, a.summary.as_deref(), &dir, "article");
                job(
                    index_html,
                    "article.html",
                    meta,
                    Vars {
                        article: self.article_view(i),
                    },
                )
            }
            Target::Timeline => self.timeline_job(),
            Target::Source(i) => {
                #[derive(Serialize)]
                struct Vars {
                    source: SourceView,
                }
                let view = self.source_view(i, true);
                let meta = self.meta(&view.title, None, &dir, "sources");
                job(index_html, "source.html", meta, Vars { source: view })
            }
            Target::Sources => {
                let groups: Vec<Group<SourceView>> = SourceKind::ALL
                    .iter()
                    .map(|kind| Group {
                        kind: kind.as_str(),
                        label: kind.plural_label(),
                        items: (0..site.sources.len())
                            .filter(|&i| site.sources[i].source.kind == *kind)
                            .map(|i| self.source_view(i, false))
                            .collect(),
                    })
                    .filter(|g| !g.items.is_empty())
                    .collect();
                job(
                    index_html,
                    "sources.html",
                    self.meta("Sources", None, &dir, "sources"),
                    GroupsVars { groups },
                )
            }
            Target::Entity(i) => {
                #[derive(Serialize)]
                struct Vars {
                    entity: EntityView,
                }
                let entry = &site.entities[i];
                let e = &entry.entity;
                let view = EntityView {
                    id: e.id.clone(),
                    name: e.name.clone(),
                    kind: e.kind.as_str(),
                    kind_label: e.kind.label(),
                    aka: e.aka.clone(),
                    role: e.role.clone(),
                    description: e.description.clone(),
                    url: self.url(&dir),
                    articles: entry
                        .articles
                        .iter()
                        .map(|&a| self.article_link(a))
                        .collect(),
                    claims: entry
                        .claims
                        .iter()
                        .filter_map(|&(a, c)| self.claim_view(a, c, false))
                        .collect(),
                    events: entry
                        .events
                        .iter()
                        .map(|&i| self.event_view(i, None))
                        .collect(),
                };
                let meta = self.meta(&e.name, e.description.as_deref(), &dir, "entities");
                job(index_html, "entity.html", meta, Vars { entity: view })
            }
            Target::Entities => {
                let groups: Vec<Group<EntityLink>> = EntityKind::ALL
                    .iter()
                    .map(|kind| Group {
                        kind: kind.as_str(),
                        label: kind.plural_label(),
                        items: site
                            .entities
                            .iter()
                            .filter(|e| e.entity.kind == *kind)
                            .filter_map(|e| self.entity_link(&e.entity.id))
                            .collect(),
                    })
                    .filter(|g| !g.items.is_empty())
                    .collect();
                job(
                    index_html,
                    "entities.html",
                    self.meta("Entities", None, &dir, "entities"),
                    GroupsVars { groups },
                )
            }
            Target::Tag(i) => {
                #[derive(Serialize)]
                struct Vars {
                    tag: TagView,
                    articles: Vec<ArticleSummary>,
                }
                let t = &site.tags[i];
                let meta = self.meta(&format!("Topic: {}", t.name), None, &dir, "tags");
                let articles = t
                    .articles
                    .iter()
                    .map(|&a| self.summary(&site.articles[a]))
                    .collect();
                job(
                    index_html,
                    "tag.html",
                    meta,
                    Vars {
                        tag: self.tag_view(t),
                        articles,
                    },
                )
            }
            Target::Tags => {
                #[derive(Serialize)]
                struct Vars {
                    tags: Vec<TagView>,
                }
                let tags = site.tags.iter().map(|t| self.tag_view(t)).collect();
                job(
                    index_html,
                    "tags.html",
                    self.meta("Topics", None, &dir, "tags"),
                    Vars { tags },
                )
            }
            Target::NotFound => job(
                "404.html".into(),
                "404.html",
                self.meta("Page not found", None, "404.html", "notfound"),
                Empty {},
            ),
            Target::Feed => self.feed_job(),
            Target::Sitemap => self.sitemap_job(),
        }
    }

    fn feed_job(&self) -> Job {
        #[derive(Serialize)]
        struct Vars {
            updated: String,
            entries: Vec<FeedEntry>,
        }
        let site = self.site;
        let last_change = |a: &'_ BuiltArticle| {
            a.article
                .updated
                .clone()
                .unwrap_or_else(|| a.article.date.clone())
        };
        let mut newest: Vec<&BuiltArticle> = site.articles.iter().collect();
        newest.sort_by_key(|a| std::cmp::Reverse(last_change(a).sort_key()));
        let entries = newest
            .iter()
            .take(FEED_ENTRIES)
            .map(|a| FeedEntry {
                title: a.article.title.clone(),
                url: format!("{}articles/{}/", site.config.base_url, a.article.slug),
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
            "feed.xml".into(),
            "feed.xml",
            self.meta("Feed", None, "feed.xml", "home"),
            Vars { updated, entries },
        )
    }

    fn sitemap_job(&self) -> Job {
        #[derive(Serialize)]
        struct Vars {
            urls: Vec<SitemapUrl>,
        }
        let site = self.site;
        let urls = targets(site)
            .into_iter()
            .filter_map(|t| {
                let dir = target_dir(site, t)?;
                let lastmod = match t {
                    Target::Article(i) => {
                        let a = &site.articles[i].article;
                        Some(a.updated.as_ref().unwrap_or(&a.date).html_datetime())
                    }
                    _ => None,
                };
                Some(SitemapUrl {
                    loc: format!("{}{dir}", site.config.base_url),
                    lastmod,
                })
            })
            .collect();
        job(
            "sitemap.xml".into(),
            "sitemap.xml",
            self.meta("Sitemap", None, "sitemap.xml", "home"),
            Vars { urls },
        )
    }

    fn timeline_job(&self) -> Job {
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
            let (label, anchor) = match month {
                Some(m) => (month_label(m, year), format!("m{year}-{m:02}")),
                None => (format!("{year}"), format!("m{year}")),
            };
            if group.months.last().is_none_or(|last| month > last.month) {
                group.months.push(MonthGroup {
                    label,
                    anchor,
                    month,
                    events: Vec::new(),
                });
            }
            if let Some(month) = group.months.last_mut() {
                month.events.push(self.event_view(i, None));
            }
        }
        let mut filter_entities: Vec<EntityLink> = site
            .entities
            .iter()
            .filter(|e| !e.events.is_empty())
            .filter_map(|e| self.entity_link(&e.entity.id))
            .collect();
        filter_entities.sort_by(|a, b| a.name.cmp(&b.name));
        let filter_tags = site.tags.iter().map(|t| self.tag_view(t)).collect();
        #[derive(Serialize)]
        struct Vars {
            years: Vec<YearGroup>,
            filter_entities: Vec<EntityLink>,
            filter_tags: Vec<TagView>,
        }
        let meta = self.meta(
            "Timeline",
            Some("Every dated event of the briefing, merged from all articles."),
            "timeline/",
            "timeline",
        );
        job(
            "timeline/index.html".into(),
            "timeline.html",
            meta,
            Vars {
                years,
                filter_entities,
                filter_tags,
            },
        )
    }
}

fn month_label(month: i8, year: i16) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let name = MONTHS
        .get((month as usize).saturating_sub(1))
        .copied()
        .unwrap_or("?");
    format!("{name} {year}")
}

/// Renders every page of the site (in parallel) plus the data files; all template errors are reported.
pub fn render(site: &Site, theme: &Theme, tera: &Tera) -> (Vec<Page>, Vec<Diagnostic>) {
    let shared = Shared::new(site);
    let mut globals = Context::new();
    globals.insert("site", &shared.site_view);
    globals.insert("statuses", &shared.statuses);
    let results: Vec<Result<Page, Diagnostic>> = targets(site)
        .into_par_iter()
        .map(|target| {
            let mut job = shared.job(target);
            job.context.extend(globals.clone());
            tera.render(job.template, &job.context)
                .map(|html| Page {
                    path: job.path.clone(),
                    bytes: html.into_bytes(),
                })
                .map_err(|err| template_error(&err, theme, "TPL-RENDER", Some(&job.path)))
        })
        .collect();
    let mut pages = Vec::with_capacity(results.len() + theme.statics.len() + 2);
    let mut problems = Vec::new();
    for r in results {
        match r {
            Ok(page) => pages.push(page),
            Err(d) => problems.push(d),
        }
    }
    pages.extend(crate::render::data::timeline_files(site, &shared));
    for file in &theme.statics {
        pages.push(Page {
            path: file.path.clone(),
            bytes: file.bytes.clone(),
        });
    }
    (pages, problems)
}

pub mod data;
