use super::*;
use proptest::prelude::*;

fn folded(line: &str) -> String {
    let mut out = String::new();
    fold(line, &mut out);
    out
}

fn assert_folding(line: &str) {
    let out = folded(line);
    assert!(out.ends_with("\r\n"));
    let body = &out[..out.len() - 2];
    for (i, physical) in body.split("\r\n").enumerate() {
        assert!(
            physical.len() <= MAX_LINE_OCTETS,
            "line {i} has {} octets: {physical:?}",
            physical.len()
        );
        if i > 0 {
            assert!(physical.starts_with(' '), "continuation {i}: {physical:?}");
        }
    }
    assert_eq!(unfold(body), line);
}

#[test]
fn short_lines_are_not_folded() {
    assert_eq!(folded("VERSION:2.0"), "VERSION:2.0\r\n");
    let exact = "X".repeat(75);
    assert_eq!(folded(&exact), format!("{exact}\r\n"));
}

#[test]
fn long_lines_fold_at_75_then_74_plus_space() {
    let line = "A".repeat(75 + 74 + 3);
    let out = folded(&line);
    let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].len(), 75);
    assert_eq!(lines[1].len(), 75);
    assert_eq!(lines[2], " AAA");
}

#[test]
fn folding_never_splits_a_multibyte_character() {
    // 74 ASCII octets then a 4-octet emoji: the emoji must move whole.
    let line = format!("{}😀tail", "a".repeat(74));
    let out = folded(&line);
    assert!(out.starts_with(&format!("{}\r\n 😀tail", "a".repeat(74))));
    assert_folding(&line);
    assert_folding(&"é".repeat(200));
    assert_folding(&"日本語のテキスト".repeat(30));
}

#[test]
fn text_escaping() {
    assert_eq!(escape_text(r"a\b"), r"a\\b");
    assert_eq!(escape_text("a;b,c"), r"a\;b\,c");
    assert_eq!(
        escape_text("one\ntwo\r\nthree\rfour"),
        r"one\ntwo\nthree\nfour"
    );
    assert_eq!(escape_text("tab\there\u{7}bell"), "tab\there bell");
    assert_eq!(escape_text("colon: fine"), "colon: fine");
}

#[test]
fn parameter_quoting() {
    assert_eq!(param_value("America/New_York"), "America/New_York");
    assert_eq!(param_value("a:b"), "\"a:b\"");
    assert_eq!(param_value("a;b"), "\"a;b\"");
    assert_eq!(param_value("a,b"), "\"a,b\"");
    assert_eq!(param_value("say \"hi\""), "say 'hi'");
}

#[test]
fn offsets_and_stamps() {
    use jiff::tz::offset;
    assert_eq!(utc_offset(offset(-5)), "-0500");
    assert_eq!(utc_offset(offset(0)), "+0000");
    let ist = Offset::from_seconds(5 * 3600 + 30 * 60).unwrap();
    assert_eq!(utc_offset(ist), "+0530");
    let lmt = Offset::from_seconds(-(4 * 3600 + 56 * 60 + 2)).unwrap();
    assert_eq!(utc_offset(lmt), "-045602");
    let ts: Timestamp = "2026-03-08T07:00:00.5Z".parse().unwrap();
    assert_eq!(utc_stamp(ts), "20260308T070000Z");
}

/// RFC 5545 TEXT unescaping, as a reader does it.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') | Some('N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

proptest! {
    #[test]
    fn escaping_round_trips_and_leaves_no_bare_separators(
        s in "([a-z;,:\\\\\"\n\r\t]|\\PC){0,80}"
    ) {
        let escaped = escape_text(&s);
        prop_assert!(!escaped.contains(['\r', '\n']));
        // Every `;` and `,` is preceded by an odd run of backslashes.
        let bytes = escaped.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            if *b == b';' || *b == b',' {
                let run = bytes[..i].iter().rev().take_while(|c| **c == b'\\').count();
                prop_assert!(run % 2 == 1, "bare separator at {} in {:?}", i, escaped);
            }
        }
        let normalized = s.replace("\r\n", "\n").replace('\r', "\n");
        let expected: String = normalized
            .chars()
            .map(|c| if c.is_control() && c != '\n' && c != '\t' { ' ' } else { c })
            .collect();
        prop_assert_eq!(unescape(&escaped), expected);
    }

    #[test]
    fn folding_keeps_lines_short_and_unfolds_back(s in "\\PC{0,400}") {
        let line = format!("DESCRIPTION:{s}");
        let out = folded(&line);
        prop_assert!(out.ends_with("\r\n"));
        let body = &out[..out.len() - 2];
        for (i, physical) in body.split("\r\n").enumerate() {
            prop_assert!(physical.len() <= MAX_LINE_OCTETS);
            prop_assert!(i == 0 || physical.starts_with(' '));
        }
        prop_assert!(std::str::from_utf8(out.as_bytes()).is_ok());
        prop_assert_eq!(unfold(body), line);
    }

    #[test]
    fn folding_handles_emoji_and_mixed_widths(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("a"), Just("é"), Just("€"), Just("😀"), Just("👩‍⚕️"), Just(" "),
                Just("\\n"), Just("語"),
            ],
            0..300,
        )
    ) {
        let line = format!("SUMMARY:{}", parts.concat());
        let out = folded(&line);
        let body = &out[..out.len() - 2];
        for physical in body.split("\r\n") {
            prop_assert!(physical.len() <= MAX_LINE_OCTETS);
        }
        prop_assert_eq!(unfold(body), line);
    }
}
