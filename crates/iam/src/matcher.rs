//! Wildcard matching for IAM patterns: `*` (any run of characters, `/` and
//! `:` included) and `?` (exactly one character), plus the ARN-aware form
//! used by the `ArnLike`/`ArnEquals` operators, which matches the six
//! colon-separated ARN parts one by one.
//!
//! Patterns are compiled once (see [`Seg`]) and matched with the classic
//! greedy algorithm that backtracks only to the last `*`: O(pattern × text)
//! in the worst case, never exponential, and no allocation.

/// One piece of a compiled pattern or template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// Literal text (for action patterns it is stored lower-cased).
    Lit(Box<str>),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
    /// A policy variable, substituted from the request before matching.
    Var(Var),
}

/// A policy variable `${name}` or `${name, 'default'}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Var {
    /// The context key to read, lower-cased (key names are case-insensitive).
    pub(crate) name: Box<str>,
    /// The value to use when the key has no single value in the request.
    pub(crate) default: Option<Box<str>>,
}

/// A borrowed, variable-free view of a segment: what the matcher runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok<'a> {
    Lit(&'a str),
    Star,
    One,
    /// Matches nothing (an unresolved variable that slipped through).
    Never,
}

/// Anything the matcher can read as a [`Tok`].
pub(crate) trait AsTok {
    fn tok(&self) -> Tok<'_>;
}

impl AsTok for Seg {
    fn tok(&self) -> Tok<'_> {
        match self {
            Seg::Lit(s) => Tok::Lit(s),
            Seg::Star => Tok::Star,
            Seg::One => Tok::One,
            Seg::Var(_) => Tok::Never,
        }
    }
}

impl AsTok for Tok<'_> {
    fn tok(&self) -> Tok<'_> {
        *self
    }
}

/// Whether `text` matches the whole of `pat`. With `fold_ascii`, literal
/// text compares ASCII-case-insensitively (the pattern's literals must then
/// be lower-case already; `text` may be in any case).
pub(crate) fn wildcard_match<T: AsTok>(pat: &[T], text: &str, fold_ascii: bool) -> bool {
    let bytes = text.as_bytes();
    let mut p = 0usize;
    let mut t = 0usize;
    // (pattern index just after the last `*`, text position that `*` ends at)
    let mut star: Option<(usize, usize)> = None;
    loop {
        let advanced = match pat.get(p).map(AsTok::tok) {
            Some(Tok::Star) => {
                p += 1;
                if p == pat.len() {
                    return true;
                }
                star = Some((p, t));
                continue;
            }
            Some(Tok::One) => match char_len_at(text, t) {
                Some(n) => {
                    t += n;
                    true
                }
                None => false,
            },
            Some(Tok::Lit(s)) => {
                if lit_at(bytes, t, s.as_bytes(), fold_ascii) {
                    t += s.len();
                    true
                } else {
                    false
                }
            }
            Some(Tok::Never) => false,
            None => {
                if t == bytes.len() {
                    return true;
                }
                false
            }
        };
        if advanced {
            p += 1;
            continue;
        }
        // Mismatch: let the last `*` swallow one more character and retry.
        let Some((sp, st)) = star else {
            return false;
        };
        let Some(n) = char_len_at(text, st) else {
            return false;
        };
        star = Some((sp, st + n));
        p = sp;
        t = st + n;
    }
}

fn char_len_at(text: &str, at: usize) -> Option<usize> {
    text.get(at..)?.chars().next().map(char::len_utf8)
}

fn lit_at(text: &[u8], at: usize, lit: &[u8], fold_ascii: bool) -> bool {
    let Some(end) = at.checked_add(lit.len()) else {
        return false;
    };
    match text.get(at..end) {
        Some(window) if fold_ascii => window.eq_ignore_ascii_case(lit),
        Some(window) => window == lit,
        None => false,
    }
}

/// Compiles `s` into segments: `*` and `?` are wildcards, everything else is
/// literal. Consecutive `*` collapse into one. With `lower`, literals are
/// ASCII-lower-cased (for case-insensitive matching).
pub(crate) fn compile_glob(s: &str, lower: bool) -> Vec<Seg> {
    let mut segs = Vec::new();
    let mut lit = String::new();
    for c in s.chars() {
        match c {
            '*' => {
                flush(&mut segs, &mut lit);
                push_star(&mut segs);
            }
            '?' => {
                flush(&mut segs, &mut lit);
                segs.push(Seg::One);
            }
            c if lower => lit.push(c.to_ascii_lowercase()),
            c => lit.push(c),
        }
    }
    flush(&mut segs, &mut lit);
    segs
}

/// Appends `*` unless the previous segment already is one.
pub(crate) fn push_star(segs: &mut Vec<Seg>) {
    if segs.last() != Some(&Seg::Star) {
        segs.push(Seg::Star);
    }
}

/// Moves pending literal text into `segs` as one literal segment.
pub(crate) fn flush(segs: &mut Vec<Seg>, lit: &mut String) {
    if !lit.is_empty() {
        let text = std::mem::take(lit);
        // Merge with a preceding literal (e.g. text after `${*}`).
        if let Some(Seg::Lit(prev)) = segs.last_mut() {
            let mut joined = String::with_capacity(prev.len() + text.len());
            joined.push_str(prev);
            joined.push_str(&text);
            *prev = joined.into_boxed_str();
        } else {
            segs.push(Seg::Lit(text.into_boxed_str()));
        }
    }
}

/// Splits an ARN into its six parts `arn:partition:service:region:account:resource`.
/// The resource part keeps any further colons. `None` unless there are at
/// least six parts and the first is `arn`.
pub(crate) fn split_arn(s: &str) -> Option<[&str; 6]> {
    let mut it = s.splitn(6, ':');
    let parts = [
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    ];
    (parts[0] == "arn").then_some(parts)
}

/// Splits compiled segments on the first five `:` found in literal text,
/// the way [`split_arn`] splits a request ARN. Colons produced by variables
/// or inside the resource part do not split. `None` unless there are six
/// parts.
pub(crate) fn split_arn_segs(segs: &[Seg]) -> Option<[Vec<Seg>; 6]> {
    let mut parts: Vec<Vec<Seg>> = vec![Vec::new()];
    for seg in segs {
        let Seg::Lit(text) = seg else {
            if let Some(cur) = parts.last_mut() {
                cur.push(seg.clone());
            }
            continue;
        };
        let mut rest: &str = text;
        while parts.len() < 6 {
            let Some((head, tail)) = rest.split_once(':') else {
                break;
            };
            if !head.is_empty() {
                if let Some(cur) = parts.last_mut() {
                    cur.push(Seg::Lit(head.into()));
                }
            }
            parts.push(Vec::new());
            rest = tail;
        }
        if !rest.is_empty() {
            if let Some(cur) = parts.last_mut() {
                cur.push(Seg::Lit(rest.into()));
            }
        }
    }
    parts.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &str, t: &str) -> bool {
        wildcard_match(&compile_glob(p, false), t, false)
    }

    #[test]
    fn literals_and_wildcards() {
        assert!(glob("abc", "abc"));
        assert!(!glob("abc", "abcd"));
        assert!(!glob("abc", "ab"));
        assert!(glob("", ""));
        assert!(!glob("", "a"));
        assert!(glob("*", ""));
        assert!(glob("*", "anything/at:all"));
        assert!(glob("a*c", "abbbc"));
        assert!(glob("a*c", "ac"));
        assert!(!glob("a*c", "acb"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*b*b*", "abxbyb"));
        assert!(!glob("*b*b*", "abx"));
        assert!(glob("?*", "x"));
        assert!(!glob("?*", ""));
    }

    #[test]
    fn wildcards_span_separators() {
        let p = "arn:aws:dynamodb:*:123456789012:table/*";
        assert!(glob(
            p,
            "arn:aws:dynamodb:us-east-1:123456789012:table/Music"
        ));
        assert!(glob(
            p,
            "arn:aws:dynamodb:us-east-1:123456789012:table/Music/index/ByArtist"
        ));
        assert!(!glob(
            p,
            "arn:aws:dynamodb:us-east-1:999999999999:table/Music"
        ));
        assert!(glob("arn:*", "arn:a:b:c:d:e"));
    }

    #[test]
    fn resource_matching_is_case_sensitive() {
        assert!(!glob(
            "arn:aws:dynamodb:*:*:table/music",
            "arn:aws:dynamodb:r:1:table/Music"
        ));
    }

    #[test]
    fn unicode_question_mark_takes_one_char() {
        assert!(glob("t?t", "tét"));
        assert!(!glob("t??t", "tét"));
        assert!(glob("*é", "café"));
    }

    #[test]
    fn case_folding() {
        let p = compile_glob("DynamoDB:Get*", true);
        assert!(wildcard_match(&p, "dynamodb:GetItem", true));
        assert!(wildcard_match(&p, "DYNAMODB:GETITEM", true));
        assert!(!wildcard_match(&p, "dynamodb:PutItem", true));
    }

    #[test]
    fn consecutive_stars_collapse() {
        assert_eq!(compile_glob("a**b", false).len(), 3);
    }

    #[test]
    fn pathological_patterns_are_fast() {
        // Exponential backtracking would never finish this.
        let pat = format!("{}b", "a*".repeat(40));
        let text = "a".repeat(5000);
        let start = std::time::Instant::now();
        assert!(!glob(&pat, &text));
        assert!(start.elapsed().as_secs() < 5);
    }

    /// Reference: the obvious dynamic program over characters.
    fn reference(p: &[char], t: &[char]) -> bool {
        let mut dp = vec![vec![false; t.len() + 1]; p.len() + 1];
        dp[0][0] = true;
        for i in 1..=p.len() {
            for j in 0..=t.len() {
                dp[i][j] = match p[i - 1] {
                    '*' => dp[i - 1][j] || (j > 0 && dp[i][j - 1]),
                    '?' => j > 0 && dp[i - 1][j - 1],
                    c => j > 0 && t[j - 1] == c && dp[i - 1][j - 1],
                };
            }
        }
        dp[p.len()][t.len()]
    }

    #[test]
    fn agrees_with_reference_matcher() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        for _ in 0..20_000 {
            let plen = next(7);
            let tlen = next(8);
            let p: String = (0..plen)
                .map(|_| ['a', 'b', '*', '?', 'é'][next(5) as usize])
                .collect();
            let t: String = (0..tlen)
                .map(|_| ['a', 'b', 'é'][next(3) as usize])
                .collect();
            let pc: Vec<char> = p.chars().collect();
            let tc: Vec<char> = t.chars().collect();
            assert_eq!(
                glob(&p, &t),
                reference(&pc, &tc),
                "pattern {p:?} text {t:?}"
            );
        }
    }

    #[test]
    fn splits_arns() {
        assert_eq!(
            split_arn("arn:aws:dynamodb:us-east-1:1:table/T/stream/2015-05-11T21:21:33.291"),
            Some([
                "arn",
                "aws",
                "dynamodb",
                "us-east-1",
                "1",
                "table/T/stream/2015-05-11T21:21:33.291"
            ])
        );
        assert_eq!(
            split_arn("arn:aws:s3:::bucket"),
            Some(["arn", "aws", "s3", "", "", "bucket"])
        );
        assert_eq!(split_arn("arn:aws:s3::bucket"), None);
        assert_eq!(split_arn("nra:aws:s3:::bucket"), None);
    }

    #[test]
    fn splits_segments_like_arns() {
        let segs = vec![
            Seg::Lit("arn:aws:sns:".into()),
            Seg::Star,
            Seg::Lit(":123:topic:".into()),
            Seg::Var(Var {
                name: "aws:username".into(),
                default: None,
            }),
        ];
        let parts = split_arn_segs(&segs).unwrap();
        assert_eq!(parts[0], vec![Seg::Lit("arn".into())]);
        assert_eq!(parts[3], vec![Seg::Star]);
        assert_eq!(parts[4], vec![Seg::Lit("123".into())]);
        assert_eq!(
            parts[5],
            vec![
                Seg::Lit("topic:".into()),
                Seg::Var(Var {
                    name: "aws:username".into(),
                    default: None
                })
            ]
        );
        assert!(split_arn_segs(&[Seg::Star]).is_none());
        let empty_parts = split_arn_segs(&[Seg::Lit("arn:aws:s3:::b".into())]).unwrap();
        assert!(empty_parts[3].is_empty() && empty_parts[4].is_empty());
    }
}
