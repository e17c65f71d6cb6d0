//! Headless Chromium (Debian's `chromium`) for the page tests: the DOM
//! after the page ran, screenshots decoded by pypng, and axe-core run in
//! a copy of a page.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::cli::{oracle_python, root};

/// The Chromium binary on PATH.
pub fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let path = dir.join(name);
            if path.exists() {
                return path;
            }
        }
    }
    panic!("Chromium is missing: run tests/setup (it installs Debian's chromium)");
}

/// Runs headless Chromium with `args` on `url`, with its own profile;
/// returns its stdout.
pub fn run(profile: &Path, args: &[&str], url: &str) -> String {
    let out = Command::new("timeout")
        .arg("180")
        .arg(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--allow-file-access-from-files",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A screenshot of `url` at `width` × `height` into `file`, and its
/// statistics from `tests/oracles/png_stats.py` (pypng decodes it).
pub fn screenshot(profile: &Path, url: &str, file: &Path, width: u32, height: u32) -> Value {
    run(
        profile,
        &[
            &format!("--screenshot={}", file.display()),
            &format!("--window-size={width},{height}"),
        ],
        url,
    );
    assert!(file.exists(), "chromium wrote no screenshot");
    serde_json::from_str(&oracle_python("png_stats.py", &[file.display().to_string()])[0]).unwrap()
}

/// Runs axe-core (tests/oracles/node_modules) over `html` in Chromium at
/// `width` px: the page is copied into `dir` without its
/// Content-Security-Policy `<meta>` (which would refuse axe's script),
/// axe is added inline and writes its violations into the DOM. Returns
/// the violations: `{id, impact, nodes, help, targets}` each.
pub fn axe(profile: &Path, dir: &Path, html: &str, width: u32) -> Vec<Value> {
    let axe = root().join("tests/oracles/node_modules/axe-core/axe.min.js");
    let axe = std::fs::read_to_string(&axe)
        .unwrap_or_else(|_| panic!("{} is missing: run tests/setup", axe.display()));
    let page: String = html
        .lines()
        .filter(|l| !l.contains("http-equiv=\"Content-Security-Policy\""))
        .map(|l| format!("{l}\n"))
        .collect();
    let runner = "<script>axe.run(document,{resultTypes:['violations']}).then(function(r){\
        var out=r.violations.map(function(v){return {id:v.id,impact:v.impact,nodes:v.nodes.length,help:v.help,\
        targets:v.nodes.slice(0,3).map(function(n){return n.target.join(' ');})};});\
        var s=document.createElement('script');s.type='text/plain';s.id='axe-out';\
        s.textContent=JSON.stringify(out).replace(/</g,'\\\\u003c');document.body.appendChild(s);},\
        function(e){var s=document.createElement('script');s.type='text/plain';s.id='axe-out';\
        s.textContent=JSON.stringify([{id:'axe-error',impact:'critical',help:String(e)}]);document.body.appendChild(s);});</script>";
    let page = page.replace(
        "</body>",
        &format!("<script>{axe}</script>\n{runner}\n</body>"),
    );
    let file = dir.join(format!("axe-{width}.html"));
    std::fs::write(&file, page).unwrap();
    let dom = run(
        profile,
        &[
            "--dump-dom",
            "--virtual-time-budget=60000",
            &format!("--window-size={width},1400"),
        ],
        &format!("file://{}", file.display()),
    );
    let start = dom
        .find("id=\"axe-out\">")
        .unwrap_or_else(|| panic!("axe wrote no results; the DOM ends:\n{}", tail(&dom)));
    let rest = &dom[start + "id=\"axe-out\">".len()..];
    let json = &rest[..rest.find("</script>").expect("end of the results")];
    serde_json::from_str::<Value>(json)
        .expect("axe results are JSON")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn tail(text: &str) -> &str {
    let cut = text.len().saturating_sub(2000);
    let cut = (cut..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    &text[cut..]
}
