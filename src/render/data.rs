//! Data exports of the timeline: `timeline.json` (brief's own schema) and a TimelineJS-compatible file.

use std::hash::Hash;

use serde::Serialize;

use super::Shared;
use crate::model::Site;

/// Version of the `timeline.json` schema (documented in the README).
const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize, Hash)]
struct TimelineJson<'a> {
    version: u32,
    title: &'a str,
    base_url: &'a str,
    events: Vec<EventJson<'a>>,
}

#[derive(Serialize, Hash)]
struct EventJson<'a> {
    id: &'a str,
    url: String,
    date: String,
    start: String,
    precision: &'static str,
    approximate: bool,
    uncertain: bool,
    display_date: String,
    title: &'a str,
    sources: Vec<IdTitle<'a>>,
    entities: Vec<IdTitle<'a>>,
    articles: Vec<IdTitle<'a>>,
}

#[derive(Serialize, Hash)]
struct IdTitle<'a> {
    id: &'a str,
    title: &'a str,
    url: String,
}

#[derive(Serialize, Hash)]
struct TimelineJs<'a> {
    title: TjsSlide<'a>,
    events: Vec<TjsEvent<'a>>,
}

#[derive(Serialize, Hash)]
struct TjsSlide<'a> {
    text: TjsText<'a>,
}

#[derive(Serialize, Hash)]
struct TjsText<'a> {
    headline: &'a str,
    text: String,
}

#[derive(Serialize, Hash)]
struct TjsDate {
    year: i16,
    #[serde(skip_serializing_if = "Option::is_none")]
    month: Option<i8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    day: Option<i8>,
    display_date: String,
}

#[derive(Serialize, Hash)]
struct TjsEvent<'a> {
    unique_id: &'a str,
    start_date: TjsDate,
    text: TjsText<'a>,
}

fn precision_name(p: crate::content::date::Precision) -> &'static str {
    use crate::content::date::Precision;
    match p {
        Precision::Year => "year",
        Precision::Month => "month",
        Precision::Day => "day",
        Precision::Minute => "minute",
        Precision::Second => "second",
    }
}

/// The content of `timeline.json`.
pub(super) fn timeline_json<'a>(site: &'a Site, shared: &Shared) -> impl Serialize + Hash + 'a {
    let abs = |rel: String| format!("{}{rel}", site.config.base_url);
    let events: Vec<EventJson> = site
        .timeline
        .iter()
        .map(|e| EventJson {
            id: &e.anchor,
            url: abs(format!("timeline/#{}", e.anchor)),
            date: e.date.iso(),
            start: e.date.rfc3339(),
            precision: precision_name(e.date.precision()),
            approximate: e.date.is_approximate(),
            uncertain: e.date.is_uncertain(),
            display_date: e.date.display(),
            title: &e.title,
            sources: e
                .sources
                .iter()
                .filter_map(|id| {
                    shared
                        .source_at
                        .get(id.as_str())
                        .map(|&i| &site.sources[i].source)
                })
                .map(|s| IdTitle {
                    id: &s.id,
                    title: &s.title,
                    url: abs(format!("sources/{}/", s.id)),
                })
                .collect(),
            entities: e
                .entities
                .iter()
                .filter_map(|id| {
                    shared
                        .entity_at
                        .get(id.as_str())
                        .map(|&i| &site.entities[i].entity)
                })
                .map(|en| IdTitle {
                    id: &en.id,
                    title: &en.name,
                    url: abs(format!("entities/{}/", en.id)),
                })
                .collect(),
            articles: e
                .articles
                .iter()
                .map(|&a| &site.articles[a].article)
                .map(|a| IdTitle {
                    id: &a.slug,
                    title: &a.title,
                    url: abs(format!("articles/{}/", a.slug)),
                })
                .collect(),
        })
        .collect();
    TimelineJson {
        version: SCHEMA_VERSION,
        title: &site.config.title,
        base_url: &site.config.base_url,
        events,
    }
}

/// The content of `timeline/timelinejs.json`.
pub(super) fn timelinejs(site: &Site) -> impl Serialize + Hash + '_ {
    TimelineJs {
        title: TjsSlide {
            text: TjsText {
                headline: &site.config.title,
                text: site.config.description.clone().unwrap_or_default(),
            },
        },
        events: site
            .timeline
            .iter()
            .map(|e| TjsEvent {
                unique_id: &e.anchor,
                start_date: TjsDate {
                    year: e.date.year(),
                    month: e.date.month(),
                    day: e.date.day(),
                    display_date: e.date.display(),
                },
                text: TjsText {
                    headline: &e.title,
                    text: String::new(),
                },
            })
            .collect(),
    }
}

/// Compact JSON (the timeline of a large site is tens of megabytes; indentation would add a third).
pub(super) fn to_json(value: &impl Serialize) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}
