use super::*;

fn file(text: &str) -> SourceFile {
    SourceFile::new("a.toml".into(), "/x/a.toml".into(), text.to_string())
}

#[test]
fn positions_count_characters_not_bytes() {
    let f = file("name = \"é\"\nzone = \"Amérique\"\n");
    let at = f.text.find("Am").unwrap_or(0);
    let d = f.error(at - 1..at + 10, "bad", None);
    assert_eq!((d.line, d.column, d.width), (2, 8, 10));
    assert_eq!(d.snippet.as_deref(), Some("zone = \"Amérique\""));
}

#[test]
fn multi_line_spans_stop_at_the_end_of_the_line() {
    let f = file("a = [\n 1,\n]\n");
    let d = f.error(4..12, "bad", None);
    assert_eq!((d.line, d.column, d.width), (1, 5, 1));
}

#[test]
fn a_long_line_is_quoted_in_a_window_around_the_column() {
    let line = format!("a = \"{}\"", "x".repeat(10_000));
    let f = file(&line);
    let d = f.error(5_000..5_003, "bad", None);
    let snippet = d.snippet.clone().unwrap_or_default();
    assert_eq!(snippet.chars().count(), SNIPPET_CHARS + 2);
    assert!(
        snippet.starts_with('…') && snippet.ends_with('…'),
        "{snippet}"
    );
    assert_eq!((d.column, d.caret, d.width), (5_001, 41, 3));
    let text = d.to_string();
    assert!(text.len() < 400, "{text}");
    let underline = text.lines().nth(3).unwrap_or_default();
    assert_eq!(underline.find('^'), Some("  | ".len() + 41), "{text}");
}

#[test]
fn the_public_rendering_quotes_no_text_of_the_file() {
    let f = file("name = \"ok\"\nmode = \"s3cret\"\n\"p@ss\" = 1\n");
    let at = |s: &str| {
        let i = f.text.find(s).unwrap_or(0);
        i..i + s.len()
    };
    let value = f.error(
        at("\"s3cret\""),
        "expected \"all\" or \"matching\", found \"s3cret\"",
        Some("did you mean `matching`?".to_string()),
    );
    let public = value.public().to_string();
    assert_eq!(
        public,
        "error: a.toml:2:8: expected \"all\" or \"matching\", found \"…\" (the value of `mode`)\n  = hint: did you mean `matching`?\n"
    );
    assert!(value.to_string().contains("mode = \"s3cret\""));
    let key = f.error(at("\"p@ss\""), "unknown key `p@ss` in the file", None);
    assert_eq!(
        key.public().to_string(),
        "error: a.toml:3:1: unknown key `…` in the file\n"
    );
    let syntax = f.syntax_error(at("s3cret"), "invalid TOML: oops", None);
    assert_eq!(
        syntax.public().to_string(),
        "error: a.toml:2:9: invalid TOML: oops\n"
    );
}

#[test]
fn spans_past_the_end_point_at_the_last_line() {
    let f = file("a = 1");
    let d = f.error(99..100, "bad", None);
    assert_eq!((d.line, d.column, d.width), (1, 6, 1));
}
