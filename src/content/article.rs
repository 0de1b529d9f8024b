//! Articles and registry entries: from the raw YAML shapes to validated values, with located errors.

use std::sync::Arc;

use crate::content::front_matter::{
    self, RawArticle, RawClaim, RawEntity, RawEntityRef, RawEvent, RawSource, RawText, Text,
};
use crate::content::{
    Article, Claim, Date, Doc, Entity, Event, IdRef, Origin, OwnedSeg, Source, SourceFile, Tag,
    Update, slug,
};
use crate::diag::{Diagnostic, Pos};
use crate::yaml::{self, Root};

/// Parses one article file: fences, YAML, then every field's own rules. All problems of the file are returned.
pub fn parse(file: SourceFile) -> Result<Article, Vec<Diagnostic>> {
    let split = front_matter::split(&file.path, &file.text).map_err(|d| vec![d])?;
    let doc = Arc::new(Doc::new(
        file,
        split.yaml,
        split.yaml_line_offset,
        split.body,
    ));
    let text = doc.read();
    if text.yaml_text().trim().is_empty() {
        return Err(vec![
            Diagnostic::error(
                "FM-MISSING-KEY",
                &doc.path,
                Some(Pos::START),
                "the front matter is empty",
            )
            .with_help("add at least `title: ...` and `date: YYYY-MM-DD`")
            .with_source(text.text()),
        ]);
    }
    let raw: RawArticle = yaml::decode(text.yaml_text(), Root::Mapping, &text.placement())?;
    drop(text);
    let mut problems = Vec::new();
    match convert(raw, &doc, &mut problems) {
        Some(article) if problems.is_empty() => Ok(article),
        _ => Err(problems),
    }
}

fn convert(raw: RawArticle, doc: &Arc<Doc>, problems: &mut Vec<Diagnostic>) -> Option<Article> {
    let title = required_text(raw.title, &Origin::field(doc, "title"), problems);
    let date = parse_date(&raw.date, &Origin::field(doc, "date"), problems);
    let updated = raw
        .updated
        .as_ref()
        .and_then(|d| parse_date(d, &Origin::field(doc, "updated"), problems));
    let slug = match raw.slug {
        Some(slug) => {
            if let Err(why) = slug::check(&slug) {
                problems.push(
                    Origin::field(doc, "slug")
                        .error(
                            "PATH-SLUG",
                            format!("slug '{slug}' is not a single portable path segment: {why}"),
                        )
                        .with_help(format!(
                            "use lowercase a-z, 0-9 and -, for example: slug: {}",
                            fallback_slug(&slug)
                        )),
                );
            }
            slug
        }
        None => {
            let stem = doc
                .path
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .trim_end_matches(".md");
            let slug = slug::slugify(stem);
            if slug.is_empty() {
                problems.push(
                    Diagnostic::error(
                        "PATH-SLUG",
                        &doc.path,
                        Some(Pos::START),
                        "the file name gives an empty slug",
                    )
                    .with_help("rename the file or add `slug: some-words` to the front matter"),
                );
            }
            slug
        }
    };
    let mut tags: Vec<Tag> = Vec::new();
    for (i, name) in raw.tags.into_iter().enumerate() {
        let slug = slug::slugify(&name);
        if slug.is_empty() {
            problems.push(Origin::field(doc, "tags").child(OwnedSeg::Index(i)).error(
                "FM-TAG-EMPTY",
                format!("tag '{name}' has no letters or digits"),
            ));
        } else if !tags.iter().any(|t| t.slug == slug) {
            tags.push(Tag {
                slug,
                name: name.trim().to_string(),
            });
        }
    }
    let sources = raw
        .sources
        .into_iter()
        .enumerate()
        .filter_map(|(i, s)| source(s, Origin::item(doc, Some("sources"), i), problems))
        .map(Arc::new)
        .collect();
    let mut entities = Vec::new();
    let mut inline_entities = Vec::new();
    for (i, item) in raw.entities.into_iter().enumerate() {
        let origin = Origin::item(doc, Some("entities"), i);
        match item {
            RawEntityRef::Id(id) => entities.push(IdRef { id, origin }),
            RawEntityRef::Inline(raw) => {
                if let Some(entity) = entity(raw, origin.clone(), problems) {
                    entities.push(IdRef {
                        id: entity.id.clone(),
                        origin,
                    });
                    inline_entities.push(entity);
                }
            }
        }
    }
    let events = raw
        .events
        .into_iter()
        .enumerate()
        .filter_map(|(i, e)| event(e, Origin::item(doc, Some("events"), i), problems))
        .collect();
    let claims = raw
        .claims
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| claim(c, Origin::item(doc, Some("claims"), i), problems))
        .collect();
    let updates = raw
        .updates
        .into_iter()
        .enumerate()
        .filter_map(|(i, u)| {
            let origin = Origin::item(doc, Some("updates"), i);
            let date = parse_date(&u.date, &origin.child(OwnedSeg::Key("date")), problems)?;
            let note = required_text(u.note, &origin.child(OwnedSeg::Key("note")), problems);
            Some(Update { date, note })
        })
        .collect();
    Some(Article {
        doc: Arc::clone(doc),
        slug,
        title,
        date: date?,
        updated,
        summary: raw
            .summary
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        tags,
        draft: raw.draft,
        sources,
        entities,
        inline_entities,
        events,
        claims,
        updates,
    })
}

fn fallback_slug(written: &str) -> String {
    let s = slug::slugify(written);
    if s.is_empty() { "my-article".into() } else { s }
}

fn required_text(text: Text, origin: &Origin, problems: &mut Vec<Diagnostic>) -> String {
    let text = text.0.unwrap_or_default();
    let trimmed = text.trim();
    if trimmed.is_empty() {
        let key = match origin.path.last() {
            Some(OwnedSeg::Key(k)) => k,
            _ => "value",
        };
        problems.push(
            origin
                .error("FM-EMPTY", format!("'{key}' must not be empty"))
                .with_help("write some text"),
        );
    }
    trimmed.to_string()
}

/// Parses a date value, reporting a located error pointing into the value.
pub fn parse_date(raw: &RawText, origin: &Origin, problems: &mut Vec<Diagnostic>) -> Option<Date> {
    match Date::parse(&raw.0) {
        Ok(date) => Some(date),
        Err(err) => {
            let mut d = origin
                .error(
                    "FM-DATE",
                    format!("invalid date \"{}\": {}", raw.0, err.message),
                )
                .with_help(err.help);
            if let Some(pos) = d.pos.as_mut() {
                let line = d.line_text.as_deref().unwrap_or_default();
                let quoted = matches!(line.chars().nth(pos.col - 1), Some('"' | '\''));
                pos.col +=
                    raw.0.get(..err.offset).map_or(0, |s| s.chars().count()) + usize::from(quoted);
            }
            problems.push(d);
            None
        }
    }
}

fn check_id(id: &str, origin: &Origin, what: &str, problems: &mut Vec<Diagnostic>) -> bool {
    match slug::check(id) {
        Ok(()) => true,
        Err(why) => {
            problems.push(
                origin
                    .child(OwnedSeg::Key("id"))
                    .error(
                        "ID-INVALID",
                        format!("{what} id '{id}' is not usable in a URL: {why}"),
                    )
                    .with_help(format!("for example: id: {}", fallback_slug(id))),
            );
            false
        }
    }
}

/// Checks a URL written by an author: http or https only, after trimming and case-folding the scheme.
pub fn check_url(url: &str) -> Result<(), String> {
    let trimmed = url.trim_matches(|c: char| c.is_whitespace() || c.is_control());
    let scheme_end = trimmed
        .find(':')
        .filter(|i| !trimmed[..*i].contains(['/', '?', '#']));
    let Some(end) = scheme_end else {
        return Err("it is not an absolute URL (expected https://...)".into());
    };
    let scheme = trimmed[..end].to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(format!(
            "scheme '{scheme}' is not allowed; only http and https are"
        ));
    }
    if !trimmed[end..].starts_with("://") || trimmed.len() <= end + 3 {
        return Err("it has no host (expected https://host/...)".into());
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) || trimmed != url {
        return Err("it contains spaces or control characters".into());
    }
    Ok(())
}

fn url_field(
    value: Option<String>,
    origin: &Origin,
    key: &'static str,
    problems: &mut Vec<Diagnostic>,
) -> Option<String> {
    let url = value?;
    match check_url(&url) {
        Ok(()) => Some(url),
        Err(why) => {
            problems.push(
                origin
                    .child(OwnedSeg::Key(key))
                    .error("CITE-URL-SCHEME", format!("invalid {key} '{url}': {why}"))
                    .with_help("use an http:// or https:// address, or leave the field out"),
            );
            None
        }
    }
}

/// Validates a source definition.
pub fn source(raw: RawSource, origin: Origin, problems: &mut Vec<Diagnostic>) -> Option<Source> {
    let before = problems.len();
    check_id(&raw.id, &origin, "source", problems);
    let title = required_text(raw.title, &origin.child(OwnedSeg::Key("title")), problems);
    let url = url_field(raw.url, &origin, "url", problems);
    let archive = url_field(raw.archive, &origin, "archive", problems);
    let published = raw
        .published
        .as_ref()
        .and_then(|d| parse_date(d, &origin.child(OwnedSeg::Key("published")), problems));
    let accessed = raw
        .accessed
        .as_ref()
        .and_then(|d| parse_date(d, &origin.child(OwnedSeg::Key("accessed")), problems));
    (problems.len() == before).then(|| Source {
        id: raw.id,
        title,
        publisher: raw
            .publisher
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty()),
        kind: raw.kind,
        url,
        published,
        accessed,
        archive,
        via: raw.via.map(|id| IdRef {
            id,
            origin: origin.child(OwnedSeg::Key("via")),
        }),
        origin,
    })
}

/// Validates an entity definition.
pub fn entity(raw: RawEntity, origin: Origin, problems: &mut Vec<Diagnostic>) -> Option<Entity> {
    let before = problems.len();
    check_id(&raw.id, &origin, "entity", problems);
    let name = required_text(raw.name, &origin.child(OwnedSeg::Key("name")), problems);
    (problems.len() == before).then(|| Entity {
        id: raw.id,
        name,
        kind: raw.kind,
        aka: raw
            .aka
            .into_iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
        role: raw
            .role
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
        description: raw
            .description
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty()),
        origin,
    })
}

fn id_refs(ids: Vec<String>, origin: &Origin, key: &'static str) -> Vec<IdRef> {
    let list = origin.child(OwnedSeg::Key(key));
    ids.into_iter()
        .enumerate()
        .map(|(i, id)| IdRef {
            id,
            origin: list.child(OwnedSeg::Index(i)),
        })
        .collect()
}

fn event(raw: RawEvent, origin: Origin, problems: &mut Vec<Diagnostic>) -> Option<Event> {
    let before = problems.len();
    if let Some(id) = &raw.id {
        check_id(id, &origin, "event", problems);
    }
    let date = parse_date(&raw.date, &origin.child(OwnedSeg::Key("date")), problems);
    let title = required_text(raw.title, &origin.child(OwnedSeg::Key("title")), problems);
    let date = date.filter(|_| problems.len() == before)?;
    Some(Event {
        id: raw.id,
        date,
        title,
        sources: id_refs(raw.sources, &origin, "sources"),
        entities: id_refs(raw.entities, &origin, "entities"),
        origin,
    })
}

fn claim(raw: RawClaim, origin: Origin, problems: &mut Vec<Diagnostic>) -> Option<Claim> {
    let before = problems.len();
    check_id(&raw.id, &origin, "claim", problems);
    let text = required_text(raw.text, &origin.child(OwnedSeg::Key("text")), problems);
    if raw.sources.is_empty() {
        problems.push(
            origin
                .child(OwnedSeg::Key("id"))
                .error(
                    "CLAIM-NO-SOURCE",
                    format!("claim '{}' has no sources", raw.id),
                )
                .with_help("add `sources: [source-id]`: every claim must say who made it"),
        );
    }
    (problems.len() == before).then(|| Claim {
        id: raw.id,
        text,
        status: raw.status,
        sources: id_refs(raw.sources, &origin, "sources"),
        origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of front matter that keeps an origin, each used once.
    const ANNOTATED: &str = "---
title: A strike at the airport
date: 2020-01-03
tags: [iraq]
sources:
  - id: wire
    title: A wire report
    kind: press
    via: agency
entities:
  - soleimani
  - id: airport
    name: Baghdad International Airport
    kind: place
events:
  - id: strike
    date: 2020-01-03
    title: The strike
    sources: [wire]
    entities: [soleimani, airport]
claims:
  - id: ordered
    text: The President ordered it.
    status: claimed
    sources: [wire, pentagon]
updates:
  - date: 2020-01-04
    note: Corrected.
---
Body.
";

    #[test]
    fn every_origin_of_front_matter_is_packed_in_place() {
        let file = SourceFile {
            path: "content/a.md".into(),
            text: ANNOTATED.into(),
        };
        let article = parse(file).unwrap_or_else(|problems| panic!("{problems:?}"));
        let mut origins: Vec<&Origin> = Vec::new();
        for source in &article.sources {
            origins.push(&source.origin);
            origins.extend(source.via.iter().map(|v| &v.origin));
        }
        origins.extend(article.entities.iter().map(|e| &e.origin));
        origins.extend(article.inline_entities.iter().map(|e| &e.origin));
        for event in &article.events {
            origins.push(&event.origin);
            origins.extend(
                event
                    .sources
                    .iter()
                    .chain(&event.entities)
                    .map(|r| &r.origin),
            );
        }
        for claim in &article.claims {
            origins.push(&claim.origin);
            origins.extend(claim.sources.iter().map(|r| &r.origin));
        }
        // sources 1 + via 1, entities 1 + inline 1, event 1 + its 3 ids, claim 1 + its 2 ids.
        assert_eq!(origins.len(), 12);
        for origin in origins {
            assert!(origin.path.is_packed(), "{:?}", origin.path);
        }
    }

    #[test]
    fn urls_are_checked_by_scheme() {
        let ok = ["https://example.org/a", "http://x.y", "HTTPS://EXAMPLE.ORG"];
        let bad = [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:x",
            "data:text/html,x",
            "ftp://x",
            "example.org",
            "https://",
            "https://a b",
            "/relative",
        ];
        for url in ok {
            assert_eq!(check_url(url), Ok(()), "{url}");
        }
        for url in bad {
            assert!(check_url(url).is_err(), "{url}");
        }
    }
}
