//! Theme suggestions by text similarity: TF-IDF vectors of card texts, cosine similarity,
//! and average-linkage agglomerative clustering. Deterministic (same cards in any order
//! give the same groups), in plain Rust, no network model. The facilitator accepts, edits
//! or rejects what comes out; nothing here changes a board.

use std::collections::{BTreeMap, BTreeSet};

/// A suggested theme: a label from the cards' most characteristic words, and the cards.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub label: String,
    /// Card ids, sorted.
    pub cards: Vec<String>,
}

/// Words too common to say anything about a theme.
const STOPWORDS: &[&str] = &[
    "a", "about", "all", "also", "and", "any", "are", "as", "at", "be", "been", "being", "but",
    "by", "can", "could", "do", "does", "for", "from", "get", "has", "have", "how", "in", "into",
    "is", "it", "its", "more", "most", "must", "need", "needs", "not", "of", "on", "or", "our",
    "should", "so", "that", "the", "their", "them", "there", "these", "they", "this", "those",
    "through", "to", "up", "us", "was", "we", "what", "when", "where", "which", "who", "will",
    "with", "would", "you", "your",
];

/// Lowercase word stems of a text: letters and digits in any script, stop words and words
/// under three letters dropped, a plural `s` taken off.
pub fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(|w| w.to_lowercase())
        .filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(&w.as_str()))
        .map(|w| {
            if w.chars().count() > 4 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_string()
            } else {
                w
            }
        })
        .collect()
}

type Vector = BTreeMap<usize, f64>;

fn cosine(a: &Vector, b: &Vector) -> f64 {
    // Vectors are unit length.
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .iter()
        .filter_map(|(k, x)| large.get(k).map(|y| x * y))
        .sum()
}

/// Group cards `(id, text)` whose texts are similar. `threshold` is the least average
/// cosine similarity between two groups for them to merge (0.15-0.3 works for short
/// cards). Only groups of two or more cards are returned, largest first.
pub fn suggest_themes(cards: &[(String, String)], threshold: f64) -> Vec<Suggestion> {
    // A canonical order makes the result independent of the input order.
    let mut cards: Vec<&(String, String)> = cards.iter().collect();
    cards.sort_by(|a, b| a.0.cmp(&b.0));
    let docs: Vec<Vec<String>> = cards.iter().map(|(_, t)| terms(t)).collect();
    let vocab: BTreeSet<&String> = docs.iter().flatten().collect();
    let index: BTreeMap<&String, usize> = vocab.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    let n = docs.len() as f64;
    let mut df = vec![0usize; index.len()];
    for d in &docs {
        for t in d.iter().collect::<BTreeSet<_>>() {
            df[index[t]] += 1;
        }
    }
    let vectors: Vec<Vector> = docs
        .iter()
        .map(|d| {
            let mut v = Vector::new();
            for t in d {
                *v.entry(index[t]).or_default() += 1.0;
            }
            for (k, x) in v.iter_mut() {
                let idf = ((1.0 + n) / (1.0 + df[*k] as f64)).ln() + 1.0;
                *x = *x / d.len() as f64 * idf;
            }
            let norm = v.values().map(|x| x * x).sum::<f64>().sqrt();
            if norm > 0.0 {
                v.values_mut().for_each(|x| *x /= norm);
            }
            v
        })
        .collect();
    let sim: Vec<Vec<f64>> = vectors
        .iter()
        .map(|a| vectors.iter().map(|b| cosine(a, b)).collect())
        .collect();

    // Average-linkage agglomeration; ties go to the lowest indexes.
    let mut groups: Vec<Vec<usize>> = (0..cards.len()).map(|i| vec![i]).collect();
    loop {
        let mut best: Option<(f64, usize, usize)> = None;
        for i in 0..groups.len() {
            for j in i + 1..groups.len() {
                let total: f64 = groups[i]
                    .iter()
                    .flat_map(|a| groups[j].iter().map(move |b| (a, b)))
                    .map(|(a, b)| sim[*a][*b])
                    .sum();
                let avg = total / (groups[i].len() * groups[j].len()) as f64;
                if avg >= threshold && best.is_none_or(|(s, _, _)| avg > s + 1e-12) {
                    best = Some((avg, i, j));
                }
            }
        }
        let Some((_, i, j)) = best else { break };
        let merged = groups.remove(j);
        groups[i].extend(merged);
        groups[i].sort_unstable();
    }

    let mut out: Vec<Suggestion> = groups
        .into_iter()
        .filter(|g| g.len() >= 2)
        .map(|g| {
            let mut weight: BTreeMap<usize, f64> = BTreeMap::new();
            for &c in &g {
                for (k, x) in &vectors[c] {
                    *weight.entry(*k).or_default() += x;
                }
            }
            let mut top: Vec<(usize, f64)> = weight.into_iter().collect();
            top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let words: Vec<&str> = top
                .iter()
                .take(3)
                .map(|(k, _)| vocab.iter().nth(*k).map(|s| s.as_str()).unwrap_or(""))
                .collect();
            let mut ids: Vec<String> = g.iter().map(|&c| cards[c].0.clone()).collect();
            ids.sort();
            Suggestion {
                label: words.join(", "),
                cards: ids,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.cards
            .len()
            .cmp(&a.cards.len())
            .then(a.cards.cmp(&b.cards))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Vec<(String, String)> {
        [
            ("t1", "Protected time for learning and development"),
            ("t2", "Time set aside in the job plan for development"),
            ("t3", "Protected development time every month"),
            ("m1", "Mentoring from an experienced consultant"),
            ("m2", "A mentor outside my own team"),
            ("m3", "Peer mentoring and clinical supervision"),
            ("v1", "Patients and carers shape the service"),
            (
                "v2",
                "People with lived experience shape decisions as equal partners",
            ),
            ("v3", "Patients and carers as partners in decisions"),
            ("x1", "Funding"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    }

    fn groups(s: &[Suggestion]) -> Vec<Vec<&str>> {
        s.iter()
            .map(|g| g.cards.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn a_fixed_corpus_falls_into_sensible_groups() {
        let s = suggest_themes(&corpus(), 0.2);
        let g = groups(&s);
        assert!(g.contains(&vec!["t1", "t2", "t3"]), "{s:#?}");
        assert!(g.contains(&vec!["v1", "v2", "v3"]), "{s:#?}");
        assert!(
            g.iter()
                .any(|grp| grp.contains(&"m1") && grp.contains(&"m3")),
            "mentoring cards share a group: {s:#?}"
        );
        assert!(
            g.iter().all(|grp| !grp.contains(&"x1")),
            "an unrelated card stays alone"
        );
        let time = s
            .iter()
            .find(|x| x.cards.contains(&"t1".to_string()))
            .unwrap();
        assert!(
            time.label.contains("time") || time.label.contains("development"),
            "{}",
            time.label
        );
    }

    #[test]
    fn results_do_not_depend_on_card_order() {
        let a = suggest_themes(&corpus(), 0.2);
        let mut reversed = corpus();
        reversed.reverse();
        let mut shuffled = corpus();
        shuffled.rotate_left(4);
        assert_eq!(a, suggest_themes(&reversed, 0.2));
        assert_eq!(a, suggest_themes(&shuffled, 0.2));
    }

    #[test]
    fn degenerate_inputs() {
        assert!(suggest_themes(&[], 0.2).is_empty());
        let one = vec![("a".to_string(), "only one".to_string())];
        assert!(suggest_themes(&one, 0.2).is_empty());
        let empty = vec![("a".into(), "".into()), ("b".into(), "   ".into())];
        assert!(
            suggest_themes(&empty, 0.2).is_empty(),
            "empty cards never group"
        );
        assert_eq!(
            terms("Équipe, équipes! Kümmern — 日本語"),
            ["équipe", "équipe", "kümmern", "日本語"]
        );
    }
}
