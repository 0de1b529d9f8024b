//! The YAML path of a value (where an [`Origin`](super::Origin) points), packed in place.
//!
//! A build of 10k articles keeps 230,000 origins of front-matter values (each event, claim,
//! and id it names), all two or four segments long (`events[2]`, `events[2].sources[0]`).
//! Allocated one by one they took 17 MB, a twentieth of the build's peak memory; packed,
//! they take none. Paths that do not pack (longer, or through a key this module does not
//! list) are allocated as before.

use crate::yaml::Seg;

/// An owned [`Seg`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnedSeg {
    /// A mapping key.
    Key(&'static str),
    /// A list index.
    Index(usize),
}

impl OwnedSeg {
    /// The segment as [`crate::yaml::locate`] takes it.
    pub fn seg(self) -> Seg<'static> {
        match self {
            OwnedSeg::Key(k) => Seg::Key(k),
            OwnedSeg::Index(i) => Seg::Index(i),
        }
    }
}

/// The keys a packed path can hold: those of front matter and registries that hold a
/// value an origin points to, or that lead to one.
const KEYS: [&str; 27] = [
    "sources",
    "entities",
    "events",
    "claims",
    "updates",
    "tags",
    "id",
    "title",
    "date",
    "updated",
    "summary",
    "slug",
    "draft",
    "publisher",
    "kind",
    "url",
    "published",
    "accessed",
    "archive",
    "via",
    "name",
    "aka",
    "role",
    "description",
    "text",
    "status",
    "note",
];

/// Segments a packed path holds at most.
const PACKED: usize = 4;

/// The flag of a packed key; the other bits are its index in [`KEYS`]. Without it, a
/// packed segment is a list index.
const KEY: u32 = 1 << 31;

/// A YAML path: a list of segments from the document's root.
#[derive(Clone, PartialEq, Eq)]
pub struct YamlPath(Repr);

#[derive(Clone, PartialEq, Eq)]
enum Repr {
    Packed { len: u8, segs: [u32; PACKED] },
    Boxed(Box<[OwnedSeg]>),
}

impl YamlPath {
    /// The path made of `segs`.
    pub fn new(segs: &[OwnedSeg]) -> YamlPath {
        let root = YamlPath(Repr::Packed {
            len: 0,
            segs: [0; PACKED],
        });
        segs.iter().fold(root, |path, &seg| path.child(seg))
    }

    /// This path followed by `seg`.
    pub fn child(&self, seg: OwnedSeg) -> YamlPath {
        if let (Repr::Packed { len, segs }, Some(code)) = (&self.0, pack(seg))
            && usize::from(*len) < PACKED
        {
            let mut segs = *segs;
            segs[usize::from(*len)] = code;
            return YamlPath(Repr::Packed { len: len + 1, segs });
        }
        let mut all = self.segs();
        all.push(seg);
        YamlPath(Repr::Boxed(all.into()))
    }

    /// The segments, from the root.
    pub fn segs(&self) -> Vec<OwnedSeg> {
        match &self.0 {
            Repr::Packed { len, segs } => segs[..usize::from(*len)].iter().map(unpack).collect(),
            Repr::Boxed(segs) => segs.to_vec(),
        }
    }

    /// Whether the path is held in place, without an allocation.
    #[cfg(test)]
    pub(crate) fn is_packed(&self) -> bool {
        matches!(self.0, Repr::Packed { .. })
    }

    /// The last segment (`None` for the root).
    pub fn last(&self) -> Option<OwnedSeg> {
        match &self.0 {
            Repr::Packed { len, segs } => usize::from(*len)
                .checked_sub(1)
                .and_then(|i| segs.get(i))
                .map(unpack),
            Repr::Boxed(segs) => segs.last().copied(),
        }
    }
}

impl std::fmt::Debug for YamlPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.segs()).finish()
    }
}

fn pack(seg: OwnedSeg) -> Option<u32> {
    match seg {
        OwnedSeg::Key(key) => KEYS.iter().position(|&k| k == key).map(|i| KEY | i as u32),
        OwnedSeg::Index(i) => u32::try_from(i).ok().filter(|&i| i & KEY == 0),
    }
}

fn unpack(&code: &u32) -> OwnedSeg {
    if code & KEY == 0 {
        OwnedSeg::Index(code as usize)
    } else {
        // Only `pack` makes codes with the flag, from a position in `KEYS`.
        OwnedSeg::Key(
            KEYS.get((code & !KEY) as usize)
                .copied()
                .unwrap_or_default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OwnedSeg::{Index, Key};

    #[test]
    fn a_path_gives_back_its_segments_packed_or_not() {
        let big = (KEY as usize) + 3;
        let table: [(&[OwnedSeg], bool); 9] = [
            (&[], true),
            (&[Index(0)], true),
            (&[Key("events"), Index(2)], true),
            (&[Key("events"), Index(2), Key("sources"), Index(0)], true),
            (&[Key("claims"), Index(1), Key("status")], true),
            // Five segments, a key not listed, an index too large: allocated.
            (
                &[Key("events"), Index(2), Key("sources"), Index(0), Key("id")],
                false,
            ),
            (&[Key("an unknown key"), Index(1)], false),
            (&[Key("events"), Index(big)], false),
            (&[Index(u32::MAX as usize)], false),
        ];
        for (segs, packed) in table {
            let path = YamlPath::new(segs);
            assert_eq!(path.segs(), segs, "{segs:?}");
            assert_eq!(path.last(), segs.last().copied(), "{segs:?}");
            assert_eq!(path.is_packed(), packed, "{segs:?}");
        }
    }

    #[test]
    fn a_child_is_the_path_followed_by_its_segment() {
        let table: [(&[OwnedSeg], OwnedSeg); 5] = [
            (&[], Key("events")),
            (&[Key("events")], Index(7)),
            (&[Key("events"), Index(7), Key("entities")], Index(1)),
            (
                &[Key("events"), Index(7), Key("entities"), Index(1)],
                Key("id"),
            ),
            (&[Key("not listed")], Index(0)),
        ];
        for (segs, seg) in table {
            let mut whole = segs.to_vec();
            whole.push(seg);
            let child = YamlPath::new(segs).child(seg);
            assert_eq!(child.segs(), whole);
            assert_eq!(child, YamlPath::new(&whole), "{whole:?}");
        }
    }

    #[test]
    fn every_listed_key_packs_and_a_packed_path_needs_no_allocation() {
        for key in KEYS {
            assert_eq!(pack(Key(key)).map(|code| unpack(&code)), Some(Key(key)));
        }
        // As large as the boxed slice it replaces, but for the length and tag.
        assert!(std::mem::size_of::<YamlPath>() <= 24);
    }
}
