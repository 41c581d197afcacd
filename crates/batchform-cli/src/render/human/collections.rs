//! Pairing up the elements of two sequences or maps for a diff (Terraform's `collections`
//! package, as of 1.11): sequences of equal length that are not a reordering are compared
//! element by element; otherwise a longest common subsequence decides which elements
//! stayed, and the rest are deletions and creations.

use super::diff::{Diff, compare_actions};
use batchform_engine::plan::Action;
use serde_json::{Map, Value as Json};
use similar::{Algorithm, DiffOp, capture_diff_slices};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Calls `process(before_ix, after_ix)` for every pair, in display order; an index equal to
/// the length of its side means "absent" (a creation or a deletion).
pub fn process_slice<T, K>(
    before: &[T],
    after: &[T],
    key: impl Fn(&T) -> K,
    is_object: impl Fn(&T) -> bool,
    mut process: impl FnMut(usize, usize),
) where
    K: std::hash::Hash + Eq,
{
    // Equal elements get equal ids, so the sequences can be compared in linear time.
    let mut ids: HashMap<K, usize> = HashMap::new();
    let mut id_of = |item: &T| {
        let next = ids.len();
        *ids.entry(key(item)).or_insert(next)
    };
    let before_ids: Vec<usize> = before.iter().map(&mut id_of).collect();
    let after_ids: Vec<usize> = after.iter().map(&mut id_of).collect();

    if before.len() == after.len() && !is_reorder(&before_ids, &after_ids) {
        for ix in 0..before.len() {
            process(ix, ix);
        }
        return;
    }

    let lcs = longest_common_subsequence(&before_ids, &after_ids);

    let (mut b, mut a, mut l) = (0usize, 0usize, 0usize);
    while b < before.len() || a < after.len() || l < lcs.len() {
        while b < before.len() && (l >= lcs.len() || before_ids[b] != lcs[l]) {
            let object_diff = is_object(&before[b])
                && a < after.len()
                && is_object(&after[a])
                && (l >= lcs.len() || after_ids[a] != lcs[l]);
            if object_diff {
                process(b, a);
                b += 1;
                a += 1;
                continue;
            }
            process(b, after.len());
            b += 1;
        }
        while a < after.len() && (l >= lcs.len() || after_ids[a] != lcs[l]) {
            process(before.len(), a);
            a += 1;
        }
        if l < lcs.len() {
            process(b, a);
            b += 1;
            a += 1;
            l += 1;
        }
    }
}

/// The longest common subsequence of two id sequences, chosen as Terraform chooses among
/// equally long ones. The common prefix and suffix always belong to it; the middle is solved
/// with Terraform's own dynamic programme when it is small enough, and with `similar`'s Myers
/// diff (linear for similar inputs) when it is not.
fn longest_common_subsequence(before: &[usize], after: &[usize]) -> Vec<usize> {
    const MAX_CELLS: usize = 1 << 20;
    let prefix = before.iter().zip(after).take_while(|(a, b)| a == b).count();
    let (before_rest, after_rest) = (&before[prefix..], &after[prefix..]);
    let suffix =
        before_rest.iter().rev().zip(after_rest.iter().rev()).take_while(|(a, b)| a == b).count();
    let xs = &before_rest[..before_rest.len() - suffix];
    let ys = &after_rest[..after_rest.len() - suffix];
    let mut lcs = before[..prefix].to_vec();
    if xs.len().saturating_mul(ys.len()) <= MAX_CELLS {
        lcs.extend(terraform_lcs(xs, ys));
    } else {
        for op in capture_diff_slices(Algorithm::Myers, xs, ys) {
            if let DiffOp::Equal { old_index, len, .. } = op {
                lcs.extend_from_slice(&xs[old_index..old_index + len]);
            }
        }
    }
    lcs.extend_from_slice(&before_rest[before_rest.len() - suffix..]);
    lcs
}

/// Terraform's `objchange.LongestCommonSubsequence` (a table of `xs.len() * ys.len()`
/// cells, walked back from the end).
fn terraform_lcs(xs: &[usize], ys: &[usize]) -> Vec<usize> {
    if xs.is_empty() || ys.is_empty() {
        return Vec::new();
    }
    let w = xs.len();
    let mut c = vec![0usize; xs.len() * ys.len()];
    for y in 0..ys.len() {
        for x in 0..xs.len() {
            c[w * y + x] = if xs[x] == ys[y] {
                if x == 0 || y == 0 { 1 } else { c[w * (y - 1) + x - 1] + 1 }
            } else {
                let l = if x > 0 { c[w * y + x - 1] } else { 0 };
                let u = if y > 0 { c[w * (y - 1) + x] } else { 0 };
                l.max(u)
            };
        }
    }
    let mut seq = Vec::with_capacity(c[c.len() - 1]);
    let (mut x, mut y) = (xs.len() as isize - 1, ys.len() as isize - 1);
    while x >= 0 && y >= 0 {
        let (xu, yu) = (x as usize, y as usize);
        if xs[xu] == ys[yu] {
            seq.push(xs[xu]);
            x -= 1;
            y -= 1;
        } else {
            let l = if xu > 0 { c[w * yu + xu - 1] } else { 0 };
            let u = if yu > 0 { c[w * (yu - 1) + xu] } else { 0 };
            if l > u {
                x -= 1;
            } else {
                y -= 1;
            }
        }
    }
    seq.reverse();
    seq
}

/// Terraform's `isReorder`: same length and every element of before occurs in after.
fn is_reorder(before: &[usize], after: &[usize]) -> bool {
    if before.len() != after.len() {
        return false;
    }
    let present: HashSet<usize> = after.iter().copied().collect();
    before.iter().all(|id| present.contains(id))
}

/// A canonical text of a JSON value (object keys sorted), for equality by hashing.
pub fn canonical(value: &Json) -> String {
    let bytes = batchform_state::json::to_vec_compact(&batchform_state::json::Sorted(value))
        .unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// Diff two JSON arrays element by element; returns the element diffs and the sequence's
/// action.
pub fn transform_slice(
    before: Option<&[Json]>,
    after: Option<&[Json]>,
    is_object: impl Fn(&Json) -> bool,
    mut process: impl FnMut(usize, usize) -> Diff,
) -> (Vec<Diff>, Action) {
    let mut current = match (before.is_some(), after.is_some()) {
        (true, false) => Action::Delete,
        (false, true) => Action::Create,
        _ => Action::NoOp,
    };
    let mut elements = Vec::new();
    process_slice(
        before.unwrap_or_default(),
        after.unwrap_or_default(),
        canonical,
        is_object,
        |b, a| {
            let element = process(b, a);
            current = compare_actions(current, element.action);
            elements.push(element);
        },
    );
    (elements, current)
}

/// Diff two JSON objects key by key over `keys`.
pub fn transform_map(
    before: Option<&Map<String, Json>>,
    after: Option<&Map<String, Json>>,
    keys: BTreeSet<String>,
    mut process: impl FnMut(&str) -> Diff,
) -> (BTreeMap<String, Diff>, Action) {
    let mut current = match (before.is_some(), after.is_some()) {
        (true, false) => Action::Delete,
        (false, true) => Action::Create,
        _ => Action::NoOp,
    };
    let mut elements = BTreeMap::new();
    for key in keys {
        let element = process(&key);
        current = compare_actions(current, element.action);
        elements.insert(key, element);
    }
    (elements, current)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(before: &[&str], after: &[&str]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        process_slice(before, after, |s| s.to_string(), |_| false, |b, a| out.push((b, a)));
        out
    }

    #[test]
    fn equal_lengths_compare_in_place() {
        assert_eq!(pairs(&["a", "b"], &["a", "c"]), vec![(0, 0), (1, 1)]);
    }

    #[test]
    fn insertions_and_deletions_around_the_common_subsequence() {
        // line two replaced by line 2, line five appended (the multi-line fixture).
        let before = ["one", "two", "three", "four"];
        let after = ["one", "2", "three", "four", "five"];
        assert_eq!(pairs(&before, &after), vec![(0, 0), (1, 5), (4, 1), (2, 2), (3, 3), (4, 4)]);
        // A reordering of the same elements goes through the subsequence too.
        assert_eq!(pairs(&["a", "b"], &["b", "a"]), vec![(0, 2), (1, 0), (2, 1)]);
    }

    #[test]
    fn long_sequences_use_a_linear_diff_and_still_pair_every_element() {
        // 3,000 x 3,000 is past the table Terraform's algorithm would need.
        let before: Vec<String> = (0..3000).map(|i| format!("b{i}")).collect();
        let mut after: Vec<String> = (0..3000).map(|i| format!("a{i}")).collect();
        after[1500] = "b1500".into();
        after.push("b2999".into());
        let (mut seen_before, mut seen_after) = (vec![0; before.len()], vec![0; after.len()]);
        let mut kept = 0;
        process_slice(
            &before,
            &after,
            |s| s.clone(),
            |_| false,
            |b, a| {
                if b < before.len() {
                    seen_before[b] += 1;
                }
                if a < after.len() {
                    seen_after[a] += 1;
                }
                if b < before.len() && a < after.len() {
                    assert_eq!(before[b], after[a]);
                    kept += 1;
                }
            },
        );
        assert!(seen_before.iter().chain(&seen_after).all(|n| *n == 1));
        assert_eq!(kept, 2);
    }
}
