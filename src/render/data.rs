//! Data exports of the timeline: `timeline.json` (brief's own schema) and a TimelineJS-compatible file.

use std::hash::Hash;
use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use super::Shared;
use crate::model::{Site, TimelineEvent};

/// Version of the `timeline.json` schema (documented in the README).
const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize, Hash)]
struct TimelineJson<'a, E> {
    version: u32,
    title: &'a str,
    base_url: &'a str,
    events: Vec<E>,
}

/// One event of `timeline.json` as JSON text, with the fingerprint of the values it was
/// made from: a session keeps them for its next build, which writes an unchanged event's
/// text again instead of serialising it. After an edit of one title at 10k articles,
/// serialising the 27,907 events again took 0.13 s, and the edit changes a handful.
#[derive(Debug, Clone)]
pub struct EventJsonText {
    hash: u64,
    json: Arc<RawValue>,
}

impl EventJsonText {
    /// The text by the fingerprint of its values, for the next build.
    pub(super) fn entry(&self) -> (u64, Arc<RawValue>) {
        (self.hash, Arc::clone(&self.json))
    }

    /// The text, if it was made from values with fingerprint `hash`.
    pub(super) fn json_if(&self, hash: u64) -> Option<Arc<RawValue>> {
        (self.hash == hash).then(|| Arc::clone(&self.json))
    }
}

impl Hash for EventJsonText {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.hash.hash(state);
    }
}

impl Serialize for EventJsonText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(serializer)
    }
}

/// An absolute URL, `base` `prefix` `id` `suffix`, written out only as it is serialised:
/// the timeline of 10k articles names 200,000 of them, 30 MB as strings.
#[derive(Hash)]
struct Url<'a> {
    base: &'a str,
    prefix: &'static str,
    id: &'a str,
    suffix: &'static str,
}

impl Serialize for Url<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Url {
            base,
            prefix,
            id,
            suffix,
        } = self;
        // One string and one escaping pass: `collect_str` of `format_args!` went through
        // the formatting machinery, 7 % more instructions for all of `to_json`.
        serializer.serialize_str(&[base, *prefix, id, *suffix].concat())
    }
}

#[derive(Serialize, Hash)]
struct EventJson<'a> {
    id: &'a str,
    url: Url<'a>,
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
    url: Url<'a>,
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
pub(super) fn timeline_json(site: &Site) -> impl Serialize + Hash + '_ {
    timeline(site, event_jsons(site).collect())
}

/// [`timeline_json`] for a build of a session, with each event as JSON text: taken from
/// `kept` (the previous build's, by position or by fingerprint) when made from the same
/// values, serialised otherwise.
/// Also returns the texts, for the next build.
pub(super) fn timeline_json_kept<'a>(
    site: &'a Site,
    shared: &Shared,
    kept: impl Fn(usize, u64) -> Option<Arc<RawValue>>,
) -> (impl Serialize + Hash + 'a, Vec<EventJsonText>) {
    let texts: Vec<EventJsonText> = (site.timeline.iter().enumerate())
        .map(|(i, e)| {
            // An entry shows the event's view (the fingerprint of its part, which the
            // timeline page makes anyway) and other forms of its date: an unchanged event's
            // entry is not even made (27,907 of them took 0.13 s of an edit at 10k articles).
            let hash = crate::fingerprint::of(&(shared.event_part_ref(i).hash(), &e.date));
            let json = kept(i, hash).or_else(|| {
                let event = event_json(site, e);
                serde_json::value::to_raw_value(&event).ok().map(Arc::from)
            });
            // Serialising a value of plain strings and numbers does not fail.
            let json = json.unwrap_or_else(|| Arc::from(RawValue::NULL.to_owned()));
            EventJsonText { hash, json }
        })
        .collect();
    (timeline(site, texts.clone()), texts)
}

fn timeline<E>(site: &Site, events: Vec<E>) -> TimelineJson<'_, E> {
    TimelineJson {
        version: SCHEMA_VERSION,
        title: &site.config.title,
        base_url: &site.config.base_url,
        events,
    }
}

/// Every event of the timeline as `timeline.json` gives it.
fn event_jsons(site: &Site) -> impl Iterator<Item = EventJson<'_>> {
    site.timeline.iter().map(move |e| event_json(site, e))
}

/// An event as `timeline.json` gives it.
fn event_json<'a>(site: &'a Site, e: &'a TimelineEvent) -> EventJson<'a> {
    let url = move |prefix, id, suffix| Url {
        base: &site.config.base_url,
        prefix,
        id,
        suffix,
    };
    // A source, entity or article the event names: its id, title and page.
    let link = move |prefix, id: &'a str, title: &'a str| IdTitle {
        id,
        title,
        url: url(prefix, id, "/"),
    };
    EventJson {
        id: &e.anchor,
        url: url("timeline/#", &e.anchor, ""),
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
            .filter_map(|id| site.source_at(id).map(|i| &site.sources[i].source))
            .map(|s| link("sources/", &s.id, &s.title))
            .collect(),
        entities: e
            .entities
            .iter()
            .filter_map(|id| site.entity_at(id).map(|i| &site.entities[i].entity))
            .map(|en| link("entities/", &en.id, &en.name))
            .collect(),
        articles: e
            .articles
            .iter()
            .map(|&a| &site.articles[a].article)
            .map(|a| link("articles/", &a.slug, &a.title))
            .collect(),
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
///
/// The bytes are counted first and the buffer made to measure: grown by doubling, the
/// 33 MB timeline of 10k articles briefly needed 96 MB (the 32 MiB buffer and the 64 MiB
/// one it was copied to), the peak memory of the whole build. Counting costs a tenth of
/// the time of writing.
pub(super) fn to_json(value: &impl Serialize) -> Vec<u8> {
    let mut counter = Counter(0);
    let _ = serde_json::to_writer(&mut counter, value);
    let mut bytes = Vec::with_capacity(counter.0 + 1);
    if serde_json::to_writer(&mut bytes, value).is_err() {
        bytes.clear();
    }
    bytes.push(b'\n');
    bytes
}

/// A writer that only counts the bytes.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_compact_newline_terminated_and_made_to_measure() {
        let url = Url {
            base: "https://x.example/b/",
            prefix: "sources/",
            id: "a\"b",
            suffix: "/",
        };
        let cases: [(&dyn erased::Json, &str); 4] = [
            (&0u8, "0\n"),
            (&"é\u{2028}<", "\"é\u{2028}<\"\n"),
            (&url, "\"https://x.example/b/sources/a\\\"b/\"\n"),
            (&vec![("k", [1, 2]); 2], "[[\"k\",[1,2]],[\"k\",[1,2]]]\n"),
        ];
        for (value, want) in cases {
            let bytes = value.json();
            assert_eq!(String::from_utf8_lossy(&bytes), want);
            assert_eq!(bytes.capacity(), bytes.len(), "{want:?}: no spare capacity");
        }
    }

    /// `to_json` over values of different types, for one table.
    mod erased {
        pub trait Json {
            fn json(&self) -> Vec<u8>;
        }

        impl<T: serde::Serialize> Json for T {
            fn json(&self) -> Vec<u8> {
                super::to_json(self)
            }
        }
    }
}
