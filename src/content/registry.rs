//! The shared registries: every source and entity of the site by id, from the registry files and articles.

use std::sync::Arc;

use crate::content::front_matter::{RawEntity, RawSource};
use crate::content::{Article, Doc, Entity, Origin, Source, SourceFile, article};
use crate::diag::Diagnostic;
use crate::yaml::{self, Root};

/// Every source and entity of the site, by id. An id names one thing site-wide: it has one page.
#[derive(Debug, Default)]
pub struct Registry {
    /// Sources by id: those an article defines are shared with it (at 10k articles with
    /// 45k sources of their own, a copy of each held 15 MiB for the whole build).
    pub sources: ahash::AHashMap<String, Arc<Source>>,
    /// Entities by id.
    pub entities: ahash::AHashMap<String, Entity>,
}

fn registry_doc(file: SourceFile) -> Arc<Doc> {
    let len = file.text.len();
    Arc::new(Doc::new(file, 0..len, 0, len..len))
}

/// Parses `content/_sources.yaml`: a list of sources. Valid entries are kept even when others are not.
pub fn parse_sources(file: SourceFile) -> (Vec<Source>, Vec<Diagnostic>) {
    let doc = registry_doc(file);
    let text = doc.read();
    let raw: Option<Vec<RawSource>> =
        match yaml::decode(text.yaml_text(), Root::Sequence, &text.placement()) {
            Ok(raw) => raw,
            Err(problems) => return (Vec::new(), problems),
        };
    drop(text);
    let mut problems = Vec::new();
    let sources = raw
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(i, s)| article::source(s, Origin::item(&doc, None, i), &mut problems))
        .collect();
    (sources, problems)
}

/// Parses `content/_entities.yaml`: a list of entities. Valid entries are kept even when others are not.
pub fn parse_entities(file: SourceFile) -> (Vec<Entity>, Vec<Diagnostic>) {
    let doc = registry_doc(file);
    let text = doc.read();
    let raw: Option<Vec<RawEntity>> =
        match yaml::decode(text.yaml_text(), Root::Sequence, &text.placement()) {
            Ok(raw) => raw,
            Err(problems) => return (Vec::new(), problems),
        };
    drop(text);
    let mut problems = Vec::new();
    let entities = raw
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(i, e)| article::entity(e, Origin::item(&doc, None, i), &mut problems))
        .collect();
    (entities, problems)
}

/// Merges registry files and article-local definitions; the same id defined twice with
/// different data is an error naming both places.
pub fn build(
    sources: Vec<Source>,
    entities: Vec<Entity>,
    articles: &[Arc<Article>],
) -> (Registry, Vec<Diagnostic>) {
    let mut registry = Registry::default();
    let mut problems = Vec::new();
    let local_sources = articles.iter().flat_map(|a| a.sources.iter().cloned());
    for source in sources.into_iter().map(Arc::new).chain(local_sources) {
        insert(
            &mut registry.sources,
            source.id.clone(),
            source,
            |a, b| a.same_data(b),
            |s| &s.origin,
            "source",
            &mut problems,
        );
    }
    let local_entities = articles
        .iter()
        .flat_map(|a| a.inline_entities.iter().cloned());
    for entity in entities.into_iter().chain(local_entities) {
        insert(
            &mut registry.entities,
            entity.id.clone(),
            entity,
            Entity::same_data,
            |e| &e.origin,
            "entity",
            &mut problems,
        );
    }
    (registry, problems)
}

fn insert<T>(
    map: &mut ahash::AHashMap<String, T>,
    id: String,
    value: T,
    same: fn(&T, &T) -> bool,
    origin: fn(&T) -> &Origin,
    what: &str,
    problems: &mut Vec<Diagnostic>,
) {
    match map.get(&id) {
        Some(existing) if !same(existing, &value) => problems.push(
            origin(&value)
                .error("ID-DUPLICATE", format!("{what} '{id}' is already defined differently at {}", origin(existing).describe()))
                .with_help(format!("give one of them another id, or make both definitions identical (one {what} id has one page)")),
        ),
        Some(_) => {}
        None => {
            map.insert(id, value);
        }
    }
}
