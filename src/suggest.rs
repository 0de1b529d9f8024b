//! "Did you mean" suggestions for misspelt keys and ids.

/// The candidate closest to `wrong`, if any is close enough to be a plausible typo.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(wrong, c), c))
        .filter(|(distance, c)| {
            *distance <= (wrong.chars().count().max(c.chars().count()) / 3).max(2)
        })
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_near_misses_only() {
        let keys = ["title", "date", "summary", "sources"];
        let cases = [
            ("tittle", Some("title")),
            ("dat", Some("date")),
            ("sumary", Some("summary")),
            ("zzzzzzzz", None),
        ];
        for (wrong, want) in cases {
            assert_eq!(closest(wrong, keys), want, "{wrong}");
        }
    }
}
