//! "Did you mean …?": the closest known name by edit distance.

/// Optimal-string-alignment distance (Levenshtein plus adjacent
/// transpositions), compared case-insensitively.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[n][m]
}

/// The candidate closest to `input`, if it is close enough to be a likely
/// typo: at most a third of the input's length away (at least 1, at most 3).
/// Ties go to the alphabetically first candidate, so the answer is stable.
pub fn closest<'c, I>(input: &str, candidates: I) -> Option<&'c str>
where
    I: IntoIterator<Item = &'c str>,
{
    let limit = (input.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .filter(|c| *c != input)
        .map(|c| (distance(input, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// The closest IANA zone name: compares the whole name, and for an input
/// without a `/` also the city part (`Chicago` → `America/Chicago`).
pub(crate) fn closest_zone<'c>(input: &str, names: &'c [String]) -> Option<&'c str> {
    let limit = (input.chars().count() / 3).clamp(1, 3);
    names
        .iter()
        .filter_map(|name| {
            let full = distance(input, name);
            let city = if input.contains('/') {
                usize::MAX
            } else {
                name.rsplit('/')
                    .next()
                    .map_or(usize::MAX, |c| distance(input, c))
            };
            let d = full.min(city);
            (d <= limit).then_some((d, name.as_str()))
        })
        .min()
        .map(|(_, c)| c)
}

/// `hint` text for a suggestion.
pub(crate) fn did_you_mean(candidate: Option<&str>) -> Option<String> {
    candidate.map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests;
