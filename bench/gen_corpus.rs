//! Deterministic generator of a synthetic news-briefing site for benchmarking `brief`.
//!
//! ```sh
//! cargo run --release --example gen_corpus -- --articles 10000 --out /tmp/corpus-10k [--seed 1] [--own-sources | --hubs]
//! ```
//!
//! Writes `brief.yaml`, `content/_sources.yaml`, `content/_entities.yaml` and N articles in
//! `content/YYYY/MM/`. The same seed gives byte-identical files (an inline splitmix64, one
//! stream per article, so the articles can be generated in parallel). Every id referenced
//! exists, every registry source is cited somewhere and has a URL or a publication date,
//! and events shared between articles have the same date and title everywhere, so the
//! corpus builds without errors or warnings. With `--own-sources` there is no
//! `_sources.yaml`: each article defines and cites 3–6 sources of its own, so the site has
//! a page per article source (the corpus without the flag is unchanged). With `--hubs`
//! every article also reports one event, cites one source and mentions one entity that
//! all the others share (likewise).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use clap::Parser;
use rayon::prelude::*;

/// Generate a synthetic briefing site.
#[derive(Parser)]
struct Args {
    /// Number of articles.
    #[arg(long)]
    articles: usize,
    /// Site folder to create (brief.yaml and content/ are written into it).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Seed of the pseudo-random generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Replace an existing DIR/content folder.
    #[arg(long)]
    force: bool,
    /// Every article defines its own 3–6 sources in its front matter, and there is no
    /// shared registry: a site with a page per article source (about 45k at 10k articles),
    /// the other shape a briefing can take.
    #[arg(long)]
    own_sources: bool,
    /// Every article also reports one event, mentions one entity and cites one registry
    /// source that all the others do, and gives that event the same source and entity: a
    /// briefing about a single event, where a page that shows what many articles share
    /// must not cost the square of their number. Not with `--own-sources`.
    #[arg(long)]
    hubs: bool,
}

// ---------------------------------------------------------------------------------------
// Pseudo-random numbers: splitmix64.

struct Rng(u64);

impl Rng {
    /// A stream for one purpose (`salt`) and one item (`index`) of a seeded run.
    fn new(seed: u64, salt: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ salt.wrapping_mul(0xA076_1D64_78BD_642F));
        r.0 ^= r
            .next()
            .wrapping_add(index.wrapping_mul(0xE703_7ED1_A0B4_28DB));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// lo..=hi.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` %.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// `k` distinct indices of 0..n, in the order drawn.
    fn distinct(&mut self, n: usize, k: usize) -> Vec<usize> {
        let k = k.min(n);
        let mut out: Vec<usize> = Vec::with_capacity(k);
        while out.len() < k {
            let i = self.below(n);
            if !out.contains(&i) {
                out.push(i);
            }
        }
        out
    }
}

const SALT_SOURCE: u64 = 1;
const SALT_ENTITY: u64 = 2;
const SALT_ARTICLE: u64 = 3;
const SALT_EVENT: u64 = 4;
const SALT_ASSIGN: u64 = 5;
const SALT_OWN_SOURCE: u64 = 6;

// ---------------------------------------------------------------------------------------
// Vocabulary.

#[rustfmt::skip]
const ADJ: &[&str] = &[
    "senior", "regional", "armed", "national", "local", "foreign", "military", "civilian", "rival",
    "interim", "former", "new", "joint", "provincial", "disputed", "fragile", "sudden", "heavy",
    "limited", "renewed", "prolonged", "public", "secret", "economic", "diplomatic",
    "humanitarian", "independent", "official", "unnamed", "northern", "southern", "eastern",
    "western", "central", "key", "emergency", "temporary", "violent", "peaceful", "contested",
    "powerful", "exiled", "elected", "caretaker", "neighbouring", "strategic", "federal", "tribal",
    "coastal", "rural",
];

#[rustfmt::skip]
const NOUN: &[&str] = &[
    "ministry", "government", "parliament", "militia", "coalition", "commander", "spokesman",
    "spokeswoman", "delegation", "embassy", "council", "committee", "agency", "court", "governor",
    "prime minister", "president", "army", "police", "opposition", "movement", "alliance",
    "convoy", "ceasefire", "agreement", "deadline", "referendum", "election", "budget", "pipeline",
    "border crossing", "airport", "port", "refinery", "checkpoint", "base", "compound", "province",
    "capital", "district", "camp", "hospital", "university", "central bank", "oil field", "dam",
    "power station", "highway", "mission", "inquiry", "sanctions regime", "peace plan", "corridor",
    "negotiating team", "security service", "press office", "envoy", "tribunal", "resolution",
];

#[rustfmt::skip]
const PLURAL: &[&str] = &[
    "officials", "protesters", "fighters", "troops", "diplomats", "residents", "workers",
    "families", "analysts", "lawmakers", "refugees", "detainees", "contractors", "journalists",
    "observers", "negotiators", "soldiers", "students", "doctors", "farmers", "traders",
    "engineers", "pilgrims", "volunteers", "investigators", "ministers", "donors", "inspectors",
    "militiamen", "voters",
];

#[rustfmt::skip]
const VERB: &[&str] = &[
    "announced", "rejected", "approved", "suspended", "condemned", "welcomed", "reviewed",
    "postponed", "extended", "blocked", "confirmed", "denied", "criticised", "defended", "signed",
    "delayed", "expanded", "withdrew from", "called for", "warned against", "pushed back on",
    "accepted", "questioned", "disputed", "endorsed", "reopened", "closed", "restored", "ordered",
    "investigated", "negotiated", "proposed", "abandoned", "revived", "secured", "tightened",
    "eased", "challenged", "dismissed", "backed",
];

#[rustfmt::skip]
const OBJ: &[&str] = &[
    "the agreement", "the proposal", "a new round of talks", "the deployment", "the curfew",
    "the inquiry", "the ceasefire", "the reconstruction plan", "the aid convoy", "the budget",
    "the sanctions", "the withdrawal timetable", "the election law", "the border closure",
    "the prisoner exchange", "the arms shipment", "the emergency decree", "the oil contract",
    "the security pact", "the travel ban", "the power-sharing deal", "the evacuation order",
    "the investigation", "the compensation scheme", "the transition plan", "the draft resolution",
    "the water agreement", "the amnesty", "the loan package", "the troop rotation",
];

#[rustfmt::skip]
const PREP: &[&str] = &[
    "after days of talks", "despite objections from", "in response to pressure from",
    "following a meeting with", "without consulting", "at the request of", "in a letter to",
    "during a visit to", "in talks with", "under pressure from", "in a statement addressed to",
    "shortly after a call with", "in coordination with", "ahead of a meeting with",
];

#[rustfmt::skip]
const TIME: &[&str] = &[
    "on Monday", "on Tuesday", "on Wednesday", "late on Thursday", "on Friday", "over the weekend",
    "earlier this week", "in the following days", "overnight", "within hours",
    "by the end of the month", "last year", "in the weeks before", "the next morning",
    "two days later", "at dawn", "shortly before midnight", "in early spring", "after the holiday",
    "during the night",
];

#[rustfmt::skip]
const SPEAKER: &[&str] = &[
    "a government spokesman", "two officials who spoke on condition of anonymity",
    "a senior diplomat", "local residents", "a statement from the ministry",
    "people familiar with the talks", "a military source", "witnesses", "a regional analyst",
    "an aid worker", "the state news agency", "a parliamentary aide", "opposition leaders",
    "a security official", "hospital staff",
];

#[rustfmt::skip]
const CONNECTIVE: &[&str] = &[
    "Meanwhile", "At the same time", "Separately", "In a further sign of strain", "By contrast",
    "Earlier", "Later", "In the capital", "Elsewhere", "According to the latest figures",
    "As a result", "Even so", "For now", "In private",
];

#[rustfmt::skip]
const PLACES: &[&str] = &[
    "Baghdad", "Basra", "Erbil", "Mosul", "Kirkuk", "Najaf", "Karbala", "Tehran", "Isfahan",
    "Damascus", "Aleppo", "Beirut", "Amman", "Riyadh", "Doha", "Kuwait City", "Ankara", "Cairo",
    "Geneva", "Vienna", "Brussels", "Washington", "Moscow", "Sulaymaniyah", "Fallujah", "Ramadi",
    "Tikrit", "Duhok", "Qom", "Muscat",
];

#[rustfmt::skip]
const FIRST: &[&str] = &[
    "Amira", "Hassan", "Layla", "Omar", "Nadia", "Karim", "Sara", "Yusuf", "Huda", "Tariq", "Mona",
    "Ali", "Rania", "Samir", "Zainab", "Faisal", "Dina", "Ibrahim", "Leila", "Mustafa", "John",
    "Maria", "Peter", "Anna", "David", "Elena", "Thomas", "Claire", "Robert", "Julia",
];

#[rustfmt::skip]
const LAST: &[&str] = &[
    "Haddad", "Rahimi", "Jaber", "Karimi", "Mansour", "Saleh", "Nouri", "Hashemi", "Barzani",
    "Khalil", "Ahmadi", "Sadr", "Hakim", "Talabani", "Yazdi", "Rostami", "Obeidi", "Jubouri",
    "Tamimi", "Kazemi", "Miller", "Schneider", "Dubois", "Rossi", "Novak", "Larsen", "Walsh",
    "Moreau", "Fischer", "Costa",
];

#[rustfmt::skip]
const ORG_HEAD: &[&str] = &[
    "Popular", "National", "Islamic", "United", "Democratic", "Revolutionary", "Independent",
    "Patriotic", "Federal", "Supreme", "Joint", "International", "Regional", "Free",
];

#[rustfmt::skip]
const ORG_TAIL: &[&str] = &[
    "Front", "Council", "Alliance", "Brigades", "Movement", "Party", "Commission", "Authority",
    "Coalition", "Union", "Bloc", "Forces", "Assembly", "Directorate", "Committee",
];

#[rustfmt::skip]
const ROLES: &[&str] = &[
    "Minister of the interior", "Militia commander", "Opposition leader",
    "Government spokesperson", "Special envoy", "Armed group", "Political party",
    "Ruling coalition", "Security agency", "Aid organisation", "Provincial governor",
    "Military commander", "Member of parliament", "Cleric", "Protest organiser", "Regional power",
    "Capital city", "Border town", "Oil hub", "Negotiator", "UN agency", "State broadcaster",
];

#[rustfmt::skip]
const TAGS: &[&str] = &[
    "iraq", "iran", "syria", "lebanon", "jordan", "turkey", "kuwait", "saudi-arabia", "qatar",
    "united-states", "russia", "european-union", "united-nations", "diplomacy", "sanctions", "oil",
    "energy", "economy", "elections", "protests", "militias", "security", "terrorism",
    "human-rights", "refugees", "humanitarian-aid", "nuclear-deal", "ceasefire", "airstrikes",
    "kurdistan", "water", "corruption", "courts", "media", "public-health", "migration",
    "reconstruction", "borders", "trade", "analysis",
];

#[rustfmt::skip]
const SOURCE_KINDS: &[&str] = &[
    "official", "wire", "press", "broadcast", "social", "document", "other",
];

fn publishers(kind: &str) -> &'static [&'static str] {
    match kind {
        "official" => &[
            "US Department of State",
            "Iraqi Prime Minister's Office",
            "UN Security Council",
            "Iranian Ministry of Foreign Affairs",
            "Kurdistan Regional Government",
            "NATO",
            "European External Action Service",
            "US Central Command",
        ],
        "wire" => &[
            "Reuters",
            "AP",
            "AFP",
            "dpa",
            "Anadolu Agency",
            "Xinhua",
            "EFE",
        ],
        "press" => &[
            "The Guardian",
            "Le Monde",
            "The New York Times",
            "Al-Monitor",
            "The National",
            "Financial Times",
            "The Washington Post",
            "Asharq Al-Awsat",
            "Der Spiegel",
        ],
        "broadcast" => &[
            "BBC",
            "Al Jazeera",
            "CNN",
            "France 24",
            "Deutsche Welle",
            "Al Arabiya",
            "NPR",
        ],
        "social" => &["Twitter", "Telegram", "Facebook", "YouTube", "Instagram"],
        "document" => &[
            "UN Assistance Mission for Iraq",
            "Congressional Research Service",
            "International Crisis Group",
            "Human Rights Watch",
            "Amnesty International",
            "International Atomic Energy Agency",
            "World Bank",
        ],
        _ => &[
            "Unnamed officials",
            "Local residents",
            "A person familiar with the matter",
            "Hospital sources",
        ],
    }
}

#[rustfmt::skip]
const STATUSES: &[&str] = &[
    "confirmed", "reported", "claimed", "disputed", "denied", "unverified",
];

#[rustfmt::skip]
const OFFSETS: &[&str] = &[
    "Z", "+03:00", "+03:30", "+01:00", "-05:00", "+02:00", "+04:00", "-04:00", "+05:30",
];

// ---------------------------------------------------------------------------------------
// Dates.

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// 2016-01-01 in days since the epoch, and the span of publication dates.
const FIRST_DAY: i64 = 16_801;
const SPAN_DAYS: i64 = 3_653;

fn day_str(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn month_str(days: i64) -> String {
    let (y, m, _) = civil(days);
    format!("{y:04}-{m:02}")
}

fn year_str(days: i64) -> String {
    civil(days).0.to_string()
}

/// A date of varied precision and form on (or starting on) day `days`.
fn event_date(r: &mut Rng, days: i64) -> String {
    let roll = r.below(100);
    let time = |r: &mut Rng, secs: bool| {
        let (h, m) = (r.below(24), r.below(60));
        let off = r.pick(OFFSETS);
        if secs {
            format!("T{h:02}:{m:02}:{:02}{off}", r.below(60))
        } else {
            format!("T{h:02}:{m:02}{off}")
        }
    };
    match roll {
        0..=29 => day_str(days),
        30..=39 => month_str(days),
        40..=44 => year_str(days),
        45..=59 => format!("{}{}", day_str(days), time(r, false)),
        60..=64 => format!("{}{}", day_str(days), time(r, true)),
        65..=69 => format!("{}~", month_str(days)),
        70..=72 => format!("{}~", year_str(days)),
        73..=76 => format!("{}~", day_str(days)),
        77..=79 => format!("{}?", day_str(days)),
        80..=81 => format!("{}%", month_str(days)),
        82..=94 => format!("{}/{}", day_str(days), day_str(days + r.range(1, 6) as i64)),
        _ => format!(
            "{}/{}",
            month_str(days),
            month_str(days + r.range(31, 92) as i64)
        ),
    }
}

/// A publication date: mostly a day, sometimes a datetime.
fn pub_date(r: &mut Rng, days: i64) -> String {
    if r.chance(15) {
        format!(
            "{}T{:02}:{:02}{}",
            day_str(days),
            r.below(24),
            r.below(60),
            r.pick(OFFSETS)
        )
    } else {
        day_str(days)
    }
}

// ---------------------------------------------------------------------------------------
// Text.

fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A YAML scalar: plain when that is safe, else double-quoted.
fn yaml_str(s: &str) -> String {
    let plain_ok = !s.is_empty()
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`0123456789 ".contains(c))
        && !s.contains(['"', '\\', '[', ']', '{', '}', ','])
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "yes" | "no" | "true" | "false" | "null" | "on" | "off" | "y" | "n" | "~"
        );
    if plain_ok {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn subject(r: &mut Rng) -> String {
    match r.below(5) {
        0 => format!("the {} {}", r.pick(ADJ), r.pick(NOUN)),
        1 => format!("{} {}", r.pick(PLACES), r.pick(PLURAL)),
        2 => format!("the {}", r.pick(NOUN)),
        3 => format!("{} {}", r.pick(ADJ), r.pick(PLURAL)),
        _ => format!("{} of the {}", r.pick(PLURAL), r.pick(NOUN)),
    }
}

/// One sentence as words, without final punctuation.
fn sentence_words(r: &mut Rng) -> Vec<String> {
    let s = match r.below(8) {
        0 => format!(
            "{} {} {} {}",
            subject(r),
            r.pick(VERB),
            r.pick(OBJ),
            r.pick(TIME)
        ),
        1 => format!(
            "{} {} {} {} the {} {}",
            subject(r),
            r.pick(VERB),
            r.pick(OBJ),
            r.pick(PREP),
            r.pick(ADJ),
            r.pick(NOUN)
        ),
        2 => format!(
            "According to {}, {} {} {}",
            r.pick(SPEAKER),
            subject(r),
            r.pick(VERB),
            r.pick(OBJ)
        ),
        3 => format!(
            "{}, {} {} {} in {}",
            r.pick(CONNECTIVE),
            subject(r),
            r.pick(VERB),
            r.pick(OBJ),
            r.pick(PLACES)
        ),
        4 => format!(
            "At least {} {} were {} in {} {}",
            r.range(2, 480),
            r.pick(PLURAL),
            r.pick(&[
                "killed",
                "wounded",
                "detained",
                "displaced",
                "evacuated",
                "released"
            ]),
            r.pick(PLACES),
            r.pick(TIME)
        ),
        5 => format!(
            "{} said that {} had {} {} and would {} the {} {}",
            capitalise(r.pick(SPEAKER)),
            subject(r),
            r.pick(VERB),
            r.pick(OBJ),
            r.pick(&[
                "review", "revisit", "monitor", "study", "contest", "support"
            ]),
            r.pick(ADJ),
            r.pick(NOUN)
        ),
        6 => format!(
            "The {} {} by {} per cent {}, the {} {} said",
            r.pick(&[
                "budget",
                "price of oil",
                "number of arrivals",
                "turnout",
                "death toll",
                "deficit"
            ]),
            r.pick(&["rose", "fell", "grew", "dropped"]),
            r.range(2, 60),
            r.pick(TIME),
            r.pick(ADJ),
            r.pick(NOUN)
        ),
        _ => format!(
            "{} {} {} while {} {} {}",
            subject(r),
            r.pick(VERB),
            r.pick(OBJ),
            r.pick(PLURAL),
            r.pick(&["waited", "gathered", "protested", "watched", "negotiated"]),
            r.pick(TIME)
        ),
    };
    let mut words: Vec<String> = s.split(' ').map(str::to_string).collect();
    words[0] = capitalise(&words[0]);
    words
}

fn headline(r: &mut Rng) -> String {
    let s = match r.below(6) {
        0 => format!(
            "{} {} {} {}",
            capitalise(&subject(r)),
            r.pick(VERB),
            r.pick(OBJ),
            r.pick(TIME)
        ),
        1 => format!(
            "{} {} {} in {}",
            capitalise(&subject(r)),
            r.pick(VERB),
            r.pick(OBJ),
            r.pick(PLACES)
        ),
        2 => format!(
            "Analysis: why {} {} {}",
            subject(r),
            r.pick(VERB),
            r.pick(OBJ)
        ),
        3 => format!(
            "In {}, {} {} {}",
            r.pick(PLACES),
            r.pick(PLURAL),
            r.pick(&["wait for", "protest against", "prepare for", "question"]),
            r.pick(OBJ)
        ),
        4 => format!(
            "{} {} {} {} the {}",
            capitalise(&subject(r)),
            r.pick(VERB),
            r.pick(OBJ),
            r.pick(PREP),
            r.pick(NOUN)
        ),
        _ => format!(
            "What {} means for {} {}",
            r.pick(OBJ),
            r.pick(PLACES),
            r.pick(PLURAL)
        ),
    };
    capitalise(&s)
}

/// Builds a Markdown paragraph from atomic tokens (wrapped at about 78 columns between
/// tokens, never inside a link or citation).
#[derive(Default)]
struct Para {
    tokens: Vec<String>,
}

impl Para {
    fn push(&mut self, t: impl Into<String>) {
        self.tokens.push(t.into());
    }

    /// Appends text to the last token (punctuation).
    fn attach(&mut self, t: &str) {
        if let Some(last) = self.tokens.last_mut() {
            last.push_str(t);
        }
    }

    fn words(&self) -> usize {
        self.tokens.iter().map(|t| t.split(' ').count()).sum()
    }

    fn render(&self, out: &mut String, prefix: &str, first_prefix: &str) {
        let mut line = String::from(first_prefix);
        let mut empty = true;
        for t in &self.tokens {
            if !empty && line.len() + 1 + t.len() > 78 {
                out.push_str(&line);
                out.push('\n');
                line = String::from(prefix);
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(t);
            empty = false;
        }
        out.push_str(&line);
        out.push('\n');
    }
}

// ---------------------------------------------------------------------------------------
// Registries.

struct Source {
    id: String,
    kind: &'static str,
    title: String,
    publisher: &'static str,
    url: Option<String>,
    published: String,
    accessed: Option<String>,
    archive: Option<String>,
}

/// Source `k` of article `i` (slug `slug`, published on `day`) with `--own-sources`.
fn own_source(seed: u64, i: usize, k: usize, slug: &str, day: i64) -> Source {
    let mut r = Rng::new(seed, SALT_OWN_SOURCE, (i * 8 + k) as u64);
    let kind = SOURCE_KINDS[(i + k) % SOURCE_KINDS.len()];
    let publisher = r.pick(publishers(kind));
    let title = headline(&mut r);
    let published_day = day - r.range(0, 20) as i64;
    let url = r.chance(80).then(|| {
        format!(
            "https://{}.example/{}/{}-{i}",
            slugify(publisher),
            month_str(published_day).replace('-', "/"),
            slugify(&title)
        )
    });
    let accessed = r.chance(30).then(|| day_str(day));
    Source {
        id: format!("{slug}-s{}", k + 1),
        kind,
        title,
        publisher,
        url,
        published: day_str(published_day),
        accessed,
        archive: None,
    }
}

fn source(seed: u64, j: usize) -> Source {
    let mut r = Rng::new(seed, SALT_SOURCE, j as u64);
    let kind = SOURCE_KINDS[j % SOURCE_KINDS.len()];
    let publisher = r.pick(publishers(kind));
    let id = format!("{}-{j}", slugify(publisher));
    let title = headline(&mut r);
    let day = FIRST_DAY - 60 + r.below(SPAN_DAYS as usize + 60) as i64;
    let published = pub_date(&mut r, day);
    let domain = slugify(publisher);
    let url = r.chance(70).then(|| {
        format!(
            "https://{domain}.example/{}/{}-{j}",
            month_str(day).replace('-', "/"),
            slugify(&title)
        )
    });
    let accessed = r.chance(30).then(|| day_str(day + r.range(0, 30) as i64));
    let archive = (url.is_some() && r.chance(15))
        .then(|| format!("https://archive.example/{:012x}", r.next() >> 16));
    Source {
        id,
        kind,
        title,
        publisher,
        url,
        published,
        accessed,
        archive,
    }
}

fn write_source(out: &mut String, s: &Source, indent: &str) {
    let _ = writeln!(out, "{indent}- id: {}", s.id);
    let _ = writeln!(out, "{indent}  title: {}", yaml_str(&s.title));
    let _ = writeln!(out, "{indent}  publisher: {}", yaml_str(s.publisher));
    let _ = writeln!(out, "{indent}  kind: {}", s.kind);
    if let Some(url) = &s.url {
        let _ = writeln!(out, "{indent}  url: {url}");
    }
    let _ = writeln!(out, "{indent}  published: {}", s.published);
    if let Some(a) = &s.accessed {
        let _ = writeln!(out, "{indent}  accessed: {a}");
    }
    if let Some(a) = &s.archive {
        let _ = writeln!(out, "{indent}  archive: {a}");
    }
}

struct Entity {
    id: String,
    name: String,
    kind: &'static str,
    aka: Vec<String>,
    role: String,
    description: String,
}

fn entity(seed: u64, j: usize) -> Entity {
    let mut r = Rng::new(seed, SALT_ENTITY, j as u64);
    let (kind, name, aka) = match j % 10 {
        0..=3 => {
            let (f, l) = (r.pick(FIRST), r.pick(LAST));
            let aka = if r.chance(40) {
                vec![format!("{}. {l}", &f[..1])]
            } else {
                vec![]
            };
            ("person", format!("{f} {l}"), aka)
        }
        4..=6 => {
            let name = format!(
                "{} {} {}",
                r.pick(ORG_HEAD),
                r.pick(ORG_TAIL),
                r.pick(&[
                    "of Iraq",
                    "",
                    "for Reform",
                    "of the South",
                    "",
                    "for Change"
                ])
            );
            let name = name.trim().to_string();
            let initials: String = name
                .split(' ')
                .filter(|w| w.len() > 3)
                .map(|w| &w[..1])
                .collect();
            let mut aka = vec![initials];
            if r.chance(30) {
                aka.push(format!("the {}", name.split(' ').nth(1).unwrap_or("Front")));
            }
            ("organisation", name, aka)
        }
        7..=8 => {
            let place = r.pick(PLACES);
            let name = match r.below(3) {
                0 => place.to_string(),
                1 => format!(
                    "{place} {}",
                    r.pick(&["airport", "province", "refinery", "port", "district"])
                ),
                _ => format!(
                    "{} {place}",
                    r.pick(&["Greater", "Old", "New", "North", "South"])
                ),
            };
            ("place", name, vec![])
        }
        _ => {
            let name = format!(
                "Operation {} {}",
                capitalise(r.pick(ADJ)),
                capitalise(r.pick(&["Shield", "Dawn", "Storm", "Resolve", "Horizon", "Gate"]))
            );
            ("other", name, vec![])
        }
    };
    let id = format!("{}-{j}", slugify(&name));
    let role = r.pick(ROLES).to_string();
    let mut desc = sentence_words(&mut r).join(" ");
    desc.push('.');
    Entity {
        id,
        name,
        kind,
        aka,
        role,
        description: desc,
    }
}

// ---------------------------------------------------------------------------------------
// Shared events: the same id, date and title in every article that reports them.

struct Event {
    id: Option<String>,
    date: String,
    title: String,
}

fn shared_event(seed: u64, k: usize, pool: usize) -> Event {
    let mut r = Rng::new(seed, SALT_EVENT, k as u64);
    let day = FIRST_DAY - 30 + (k as i64 * SPAN_DAYS) / pool as i64 + r.below(10) as i64;
    let date = event_date(&mut r, day);
    let title = sentence_words(&mut r).join(" ");
    Event {
        id: Some(format!("ev-{k}-{}", slugify(r.pick(NOUN)))),
        date,
        title,
    }
}

// ---------------------------------------------------------------------------------------
// Articles.

struct Ctx<'a> {
    seed: u64,
    n: usize,
    sources: &'a [Source],
    entities: &'a [Entity],
    shared_pool: usize,
    must_cite: &'a [Vec<usize>],
    own_sources: bool,
    hubs: bool,
}

/// The id of the event that every article reports with `--hubs`.
const HUB_EVENT: &str = "hub-event";

/// The event that every article reports with `--hubs`.
fn hub_event() -> Event {
    Event {
        id: Some(HUB_EVENT.to_string()),
        date: day_str(FIRST_DAY - 90),
        title: "The event that every article of this briefing reports".to_string(),
    }
}

struct Article {
    rel_path: String,
    text: String,
}

/// A reference to an article source: a registry index or the local source.
fn cite_one(para: &mut Para, r: &mut Rng, ids: &[String], next: &mut usize) {
    // Cite each of the article's sources once in order, then at random.
    let mut take = |r: &mut Rng| {
        if *next < ids.len() {
            *next += 1;
            ids[*next - 1].clone()
        } else {
            ids[r.below(ids.len())].clone()
        }
    };
    let roll = r.below(10);
    let c = if roll < 6 || ids.len() < 2 {
        format!("[@{}]", take(r))
    } else if roll < 8 {
        let a = take(r);
        let mut b = take(r);
        if b == a {
            b = ids.iter().find(|x| **x != a).cloned().unwrap_or(b);
        }
        format!("[@{a}; @{b}]")
    } else {
        let loc = match r.below(3) {
            0 => format!("para. {}", r.range(1, 14)),
            1 => format!("p. {}", r.range(1, 40)),
            _ => format!("paras. {}–{}", r.range(1, 5), r.range(6, 12)),
        };
        format!("[@{}, {loc}]", take(r))
    };
    para.push(c);
}

fn mention(r: &mut Rng, e: &Entity) -> String {
    if r.chance(50) {
        format!("[[{}]]", e.id)
    } else {
        let text = if e.kind == "person" && r.chance(50) {
            e.name.split(' ').next_back().unwrap_or(&e.name).to_string()
        } else {
            e.aka
                .first()
                .filter(|a| !a.is_empty())
                .cloned()
                .unwrap_or_else(|| e.name.clone())
        };
        format!("[[{}|{}]]", e.id, text)
    }
}

fn article(ctx: &Ctx, i: usize) -> Article {
    let mut r = Rng::new(ctx.seed, SALT_ARTICLE, i as u64);
    let day = FIRST_DAY + (i as i64 * SPAN_DAYS) / ctx.n.max(1) as i64;
    let (year, month, _) = civil(day);
    let title = headline(&mut r);
    let base: String = slugify(&title)
        .split('-')
        .take(6)
        .collect::<Vec<_>>()
        .join("-");
    let slug = format!("{base}-{i}");
    let explicit_slug = r.chance(10);
    let file = if explicit_slug {
        format!("{i:06}.md")
    } else {
        format!("{slug}.md")
    };

    // Sources cited: the registry sources this article must cite, random others, maybe a local
    // one; or, with `--own-sources`, sources of its own only.
    let want = r.range(3, 6);
    let local = (!ctx.own_sources && r.chance(15)).then(|| Source {
        id: format!("{slug}-doc"),
        kind: "document",
        title: format!("{} (document)", headline(&mut r)),
        publisher: r.pick(publishers("document")),
        url: Some(format!("https://documents.example/{year}/{slug}.pdf")),
        published: day_str(day - r.range(0, 20) as i64),
        accessed: Some(day_str(day)),
        archive: None,
    });
    let locals: Vec<Source> = if ctx.own_sources {
        (0..want)
            .map(|k| own_source(ctx.seed, i, k, &slug, day))
            .collect()
    } else {
        local.into_iter().collect()
    };
    let mut picked: Vec<usize> = ctx.must_cite[i].clone();
    // The hub source is the registry's first.
    if ctx.hubs && !picked.contains(&0) {
        picked.insert(0, 0);
    }
    let registry_want = want - locals.len();
    while picked.len() < registry_want {
        let j = r.below(ctx.sources.len());
        if !picked.contains(&j) {
            picked.push(j);
        }
    }
    let mut cite_ids: Vec<String> = picked.iter().map(|&j| ctx.sources[j].id.clone()).collect();
    for l in &locals {
        cite_ids.insert(r.below(cite_ids.len() + 1), l.id.clone());
    }

    // Entities: half of them from a core of 20 that recur everywhere.
    let core = ctx.entities.len().min(20);
    let mut ents: Vec<usize> = Vec::new();
    for _ in 0..r.range(2, 6) {
        let j = if r.chance(50) {
            r.below(core)
        } else {
            r.below(ctx.entities.len())
        };
        if !ents.contains(&j) {
            ents.push(j);
        }
    }
    // The hub entity is the registry's first.
    if ctx.hubs && !ents.contains(&0) {
        ents.insert(0, 0);
    }
    let inline_entity = r.chance(5).then(|| Entity {
        id: format!("{slug}-witness"),
        name: format!("{} {}", r.pick(FIRST), r.pick(LAST)),
        kind: "person",
        aka: vec![],
        role: "Witness quoted in this article".to_string(),
        description: String::new(),
    });

    // Claims.
    let mut anchored: Vec<String> = ctx.must_cite[i]
        .iter()
        .map(|&j| ctx.sources[j].id.clone())
        .collect();
    if !ctx.own_sources {
        anchored.extend(locals.iter().map(|l| l.id.clone()));
    }
    let claims: Vec<(String, String, &str, Vec<String>)> = (0..r.range(1, 4))
        .map(|c| {
            let id = format!(
                "{}-{}",
                slugify(r.pick(OBJ).trim_start_matches("the ")),
                c + 1
            );
            let mut text = sentence_words(&mut r).join(" ");
            text.push('.');
            let status = r.pick(STATUSES);
            let n = r.range(1, 2.min(cite_ids.len()));
            let mut srcs: Vec<String> = r
                .distinct(cite_ids.len(), n)
                .into_iter()
                .map(|k| cite_ids[k].clone())
                .collect();
            if c == 0 {
                // The first claim rests on the sources this article must cite, so that every
                // source counts as cited even where only the front matter is read.
                for id in anchored.iter().rev() {
                    if !srcs.contains(id) {
                        srcs.insert(0, id.clone());
                    }
                }
            }
            (id, text, status, srcs)
        })
        .collect();

    // Events: some shared with other articles, the rest the article's own.
    let n_events = r.range(2, 5);
    let mut events: Vec<Event> = Vec::new();
    if ctx.hubs {
        events.push(hub_event());
    }
    let n_shared = r.below(3).min(n_events);
    let centre = i * ctx.shared_pool / ctx.n.max(1);
    let mut used: Vec<usize> = Vec::new();
    for _ in 0..n_shared {
        let k = (centre + r.below(7))
            .saturating_sub(3)
            .min(ctx.shared_pool - 1);
        if !used.contains(&k) {
            used.push(k);
            events.push(shared_event(ctx.seed, k, ctx.shared_pool));
        }
    }
    while events.len() < n_events + usize::from(ctx.hubs) {
        let e_day = day - r.range(0, 120) as i64;
        let date = event_date(&mut r, e_day);
        let title = sentence_words(&mut r).join(" ");
        let id = r
            .chance(50)
            .then(|| format!("{slug}-e{}", events.len() + 1));
        events.push(Event { id, date, title });
    }

    let updates: Vec<(String, String)> = if r.chance(25) {
        let mut d = day;
        (0..r.range(1, 2))
            .map(|_| {
                d += r.range(1, 10) as i64;
                let mut note = sentence_words(&mut r).join(" ");
                note.push('.');
                (day_str(d), note)
            })
            .collect()
    } else {
        Vec::new()
    };

    // ---- front matter
    let mut t = String::with_capacity(8 * 1024);
    t.push_str("---\n");
    let _ = writeln!(t, "title: {}", yaml_str(&title));
    let _ = writeln!(t, "date: {}", pub_date(&mut r, day));
    if let Some((last, _)) = updates.last() {
        let _ = writeln!(t, "updated: {last}");
    } else if r.chance(10) {
        let _ = writeln!(t, "updated: {}T{:02}:00Z", day_str(day + 1), r.below(24));
    }
    let mut summary = sentence_words(&mut r).join(" ");
    summary.push('.');
    let _ = writeln!(t, "summary: {}", yaml_str(&summary));
    if explicit_slug {
        let _ = writeln!(t, "slug: {slug}");
    }
    let n_tags = r.range(2, 4);
    let tags: Vec<&str> = r
        .distinct(TAGS.len(), n_tags)
        .into_iter()
        .map(|k| TAGS[k])
        .collect();
    let _ = writeln!(t, "tags: [{}]", tags.join(", "));
    if r.chance(20) {
        t.push_str("draft: false\n");
    }
    if !locals.is_empty() {
        t.push_str("sources:\n");
        for l in &locals {
            write_source(&mut t, l, "  ");
        }
    } else if r.chance(30) {
        t.push_str("sources: []\n");
    }
    let ent_ids: Vec<&str> = ents.iter().map(|&j| ctx.entities[j].id.as_str()).collect();
    match &inline_entity {
        Some(e) => {
            t.push_str("entities:\n");
            for id in &ent_ids {
                let _ = writeln!(t, "  - {id}");
            }
            let _ = writeln!(
                t,
                "  - id: {}\n    name: {}\n    kind: {}\n    role: {}",
                e.id,
                yaml_str(&e.name),
                e.kind,
                yaml_str(&e.role)
            );
        }
        None => {
            let _ = writeln!(t, "entities: [{}]", ent_ids.join(", "));
        }
    }
    t.push_str("events:\n");
    for e in &events {
        let mut first = true;
        let mut field = |t: &mut String, s: String| {
            let _ = writeln!(t, "{}{s}", if first { "  - " } else { "    " });
            first = false;
        };
        if let Some(id) = &e.id {
            field(&mut t, format!("id: {id}"));
        }
        let date = if r.chance(10) {
            format!("\"{}\"", e.date)
        } else {
            e.date.clone()
        };
        field(&mut t, format!("date: {date}"));
        field(&mut t, format!("title: {}", yaml_str(&e.title)));
        if ctx.hubs && e.id.as_deref() == Some(HUB_EVENT) {
            // Every article gives the hub event the same source and entity.
            field(&mut t, format!("sources: [{}]", ctx.sources[0].id));
            field(&mut t, format!("entities: [{}]", ctx.entities[0].id));
            continue;
        }
        let n = r.range(1, 2.min(cite_ids.len()));
        let srcs: Vec<&str> = r
            .distinct(cite_ids.len(), n)
            .into_iter()
            .map(|k| cite_ids[k].as_str())
            .collect();
        field(&mut t, format!("sources: [{}]", srcs.join(", ")));
        if r.chance(70) {
            let n = r.range(1, 2.min(ent_ids.len()));
            let es: Vec<&str> = r
                .distinct(ent_ids.len(), n)
                .into_iter()
                .map(|k| ent_ids[k])
                .collect();
            field(&mut t, format!("entities: [{}]", es.join(", ")));
        }
    }
    t.push_str("claims:\n");
    for (id, text, status, srcs) in &claims {
        let _ = writeln!(
            t,
            "  - id: {id}\n    text: {}\n    status: {status}\n    sources: [{}]",
            yaml_str(text),
            srcs.join(", ")
        );
    }
    if !updates.is_empty() {
        t.push_str("updates:\n");
        for (d, note) in &updates {
            let _ = writeln!(t, "  - date: {d}\n    note: {}", yaml_str(note));
        }
    }
    t.push_str("---\n\n");

    // ---- body
    let target = r.range(570, 800);
    let mut words = 0;
    let mut next_cite = 0;
    let mut claim_marks: Vec<usize> = (0..claims.len()).collect();
    let n_notes = r.range(1, 2);
    let mut notes_placed = 0;
    let mut blocks_done = [false; 3]; // list, table, quote
    let n_sections = r.range(3, 5);
    let mut headings: Vec<String> = Vec::new();
    let mut body = String::with_capacity(6 * 1024);

    let paragraph = |r: &mut Rng,
                     body: &mut String,
                     words: &mut usize,
                     next_cite: &mut usize,
                     notes_placed: &mut usize,
                     claim_marks: &mut Vec<usize>| {
        let mut p = Para::default();
        for s in 0..r.range(2, 5) {
            let mut w = sentence_words(r);
            if !claim_marks.is_empty() && r.chance(40) {
                // The claim mark covers the sentence, or its second half.
                let c = claim_marks.remove(0);
                let start = if r.chance(50) { 0 } else { w.len() / 2 };
                w[start].insert(0, '[');
                let last = w.len() - 1;
                w[last].push_str(&format!("](claim:{})", claims[c].0));
            }
            if r.chance(35) {
                let e = &ctx.entities[r.pick(&ents)];
                let last = w.len() - 1;
                w[last].push(',');
                let lead = match e.kind {
                    "place" => r.pick(&["in", "near", "outside"]),
                    _ => r.pick(&["according to", "said", "a statement by", "as reported by"]),
                };
                w.extend(lead.split(' ').map(str::to_string));
                w.push(mention(r, e));
            }
            if let Some(e) = inline_entity.as_ref().filter(|_| r.chance(5)) {
                w.push("said".to_string());
                w.push(format!("[[{}|{}]]", e.id, e.name));
            }
            for word in w {
                p.push(word);
            }
            if r.chance(70) || s == 0 {
                cite_one(&mut p, r, &cite_ids, next_cite);
            }
            if *notes_placed < n_notes && r.chance(8) {
                *notes_placed += 1;
                p.attach(&format!(".[^{notes_placed}]"));
            } else {
                p.attach(".");
            }
        }
        *words += p.words();
        p.render(body, "", "");
        body.push('\n');
    };

    // Lead, then sections; each section writes towards its share of the target length.
    paragraph(
        &mut r,
        &mut body,
        &mut words,
        &mut next_cite,
        &mut notes_placed,
        &mut claim_marks,
    );
    for s in 0..n_sections {
        let heading = loop {
            let h = match r.below(5) {
                0 => format!("The {} {}", r.pick(ADJ), r.pick(NOUN)),
                1 => format!("{} responds", r.pick(PLACES)),
                2 => format!("What the {} said", r.pick(PLURAL)),
                3 => capitalise(&format!(
                    "{} and {}",
                    r.pick(OBJ).trim_start_matches("the "),
                    r.pick(OBJ)
                )),
                _ => format!("Reactions in {}", r.pick(PLACES)),
            };
            if !headings.contains(&h) {
                break h;
            }
        };
        let _ = writeln!(body, "## {heading}\n");
        headings.push(heading);
        words += 3;
        let last = s + 1 == n_sections;
        let goal = if last {
            target
        } else {
            (target - 120) * (s + 1) / n_sections
        };
        paragraph(
            &mut r,
            &mut body,
            &mut words,
            &mut next_cite,
            &mut notes_placed,
            &mut claim_marks,
        );
        while words + 30 < goal {
            paragraph(
                &mut r,
                &mut body,
                &mut words,
                &mut next_cite,
                &mut notes_placed,
                &mut claim_marks,
            );
        }
        // One list, one table and one block quote, placed by the time the last section is written.
        for (b, done) in blocks_done.iter_mut().enumerate() {
            if *done || !(r.chance(45) || s + 2 >= n_sections) {
                continue;
            }
            *done = true;
            match b {
                0 => {
                    for _ in 0..r.range(3, 5) {
                        let mut p = Para::default();
                        for word in sentence_words(&mut r) {
                            p.push(word);
                        }
                        if r.chance(60) {
                            cite_one(&mut p, &mut r, &cite_ids, &mut next_cite);
                        }
                        words += p.words();
                        p.render(&mut body, "  ", "- ");
                    }
                    body.push('\n');
                }
                1 => {
                    let _ = writeln!(
                        body,
                        "| Place | {} | Change | Source |",
                        capitalise(r.pick(PLURAL))
                    );
                    body.push_str("|---|---:|---:|---|\n");
                    for _ in 0..r.range(3, 5) {
                        let mut p = Para::default();
                        cite_one(&mut p, &mut r, &cite_ids, &mut next_cite);
                        let sign = if r.chance(50) { "+" } else { "−" };
                        let _ = writeln!(
                            body,
                            "| {} | {} | {sign}{}% | {} |",
                            r.pick(PLACES),
                            r.range(10, 9_000),
                            r.range(1, 40),
                            p.tokens.join(" ")
                        );
                        words += 5;
                    }
                    body.push('\n');
                }
                _ => {
                    let mut p = Para::default();
                    for _ in 0..r.range(1, 2) {
                        for w in sentence_words(&mut r) {
                            p.push(w);
                        }
                        p.attach(".");
                    }
                    p.tokens[0].insert(0, '"');
                    p.attach("\"");
                    p.push("—");
                    for w in r.pick(SPEAKER).split(' ') {
                        p.push(w);
                    }
                    cite_one(&mut p, &mut r, &cite_ids, &mut next_cite);
                    words += p.words();
                    p.render(&mut body, "> ", "> ");
                    body.push('\n');
                }
            }
        }
    }
    // Unplaced footnotes and claim marks go into a closing paragraph.
    if notes_placed == 0 || !claim_marks.is_empty() || next_cite < cite_ids.len() {
        let mut p = Para::default();
        for w in sentence_words(&mut r) {
            p.push(w);
        }
        for c in std::mem::take(&mut claim_marks) {
            p.push("and");
            p.push(format!("[{}](claim:{})", r.pick(OBJ), claims[c].0));
        }
        while next_cite < cite_ids.len() {
            cite_one(&mut p, &mut r, &cite_ids, &mut next_cite);
        }
        if notes_placed == 0 {
            notes_placed = 1;
            p.attach(".[^1]");
        } else {
            p.attach(".");
        }
        p.render(&mut body, "", "");
        body.push('\n');
    }
    for n in 1..=notes_placed {
        let mut p = Para::default();
        for w in sentence_words(&mut r) {
            p.push(w);
        }
        cite_one(&mut p, &mut r, &cite_ids, &mut next_cite);
        p.attach(".");
        p.tokens[0] = format!("[^{n}]: {}", p.tokens[0]);
        p.render(&mut body, "    ", "");
        body.push('\n');
    }
    while body.ends_with("\n\n") {
        body.pop();
    }
    t.push_str(&body);

    let rel_path = format!("content/{year:04}/{month:02}/{file}");
    Article { rel_path, text: t }
}

// ---------------------------------------------------------------------------------------

fn write(root: &Path, rel: &str, text: &str) -> std::io::Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, text)
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let n = args.articles;
    if n == 0 {
        eprintln!("--articles must be at least 1");
        std::process::exit(2);
    }
    let content = args.out.join("content");
    if content.exists() {
        if !args.force {
            eprintln!("{} exists; pass --force to replace it", content.display());
            std::process::exit(2);
        }
        fs::remove_dir_all(&content)?;
    }
    if args.hubs && args.own_sources {
        eprintln!("--hubs needs the source registry: it cannot go with --own-sources");
        std::process::exit(2);
    }
    let seed = args.seed;
    let n_sources = if args.own_sources { 0 } else { (n / 5).max(50) };
    let n_entities = (n / 10).max(30);
    let shared_pool = (n / 4).max(20);

    let sources: Vec<Source> = (0..n_sources).map(|j| source(seed, j)).collect();
    let entities: Vec<Entity> = (0..n_entities).map(|j| entity(seed, j)).collect();

    // Every registry source is assigned to one article that must cite it.
    let mut must_cite: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut assign = Rng::new(seed, SALT_ASSIGN, 0);
    for j in 0..n_sources {
        must_cite[assign.below(n)].push(j);
    }

    let mut text = String::new();
    let _ = writeln!(
        text,
        "# Synthetic briefing for benchmarks: {n} articles, seed {seed} (bench/gen_corpus.rs)."
    );
    let _ = writeln!(text, "title: Synthetic briefing ({n} articles)");
    text.push_str(
        "description: A generated corpus of news-briefing articles for measuring build time.\n",
    );
    text.push_str(
        "base_url: https://bench.example/briefing/\nlanguage: en\nauthors: [Bench desk]\n",
    );
    write(&args.out, "brief.yaml", &text)?;

    if !args.own_sources {
        let mut text = String::from("# Shared source registry (generated).\n\n");
        for s in &sources {
            write_source(&mut text, s, "");
            text.push('\n');
        }
        write(&args.out, "content/_sources.yaml", &text)?;
    }

    let mut text = String::from("# Shared entity registry (generated).\n\n");
    for e in &entities {
        let _ = writeln!(
            text,
            "- id: {}\n  name: {}\n  kind: {}",
            e.id,
            yaml_str(&e.name),
            e.kind
        );
        let aka: Vec<String> = e.aka.iter().map(|a| yaml_str(a)).collect();
        let _ = writeln!(text, "  aka: [{}]", aka.join(", "));
        let _ = writeln!(
            text,
            "  role: {}\n  description: {}\n",
            yaml_str(&e.role),
            yaml_str(&e.description)
        );
    }
    write(&args.out, "content/_entities.yaml", &text)?;

    let ctx = Ctx {
        seed,
        n,
        sources: &sources,
        entities: &entities,
        shared_pool,
        must_cite: &must_cite,
        own_sources: args.own_sources,
        hubs: args.hubs,
    };
    let (bytes, words) = (0..n)
        .into_par_iter()
        .map(|i| {
            let a = article(&ctx, i);
            write(&args.out, &a.rel_path, &a.text)
                .map(|()| (a.text.len(), a.text.split_whitespace().count()))
        })
        .try_reduce(|| (0, 0), |a, b| Ok((a.0 + b.0, a.1 + b.1)))?;
    eprintln!(
        "wrote {n} articles ({:.1} MiB, {} words/article incl. front matter), {}, {n_entities} entities, {shared_pool} shared events into {}",
        bytes as f64 / 1048576.0,
        words / n,
        if args.own_sources {
            "3–6 sources of its own per article".to_string()
        } else {
            format!("{n_sources} sources")
        },
        args.out.display()
    );
    Ok(())
}
