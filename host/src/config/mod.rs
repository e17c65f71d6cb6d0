//! Reading and validating the policy folder.
//!
//! `load(dir)` reads `peerwell.toml`, the people file or folder and every
//! file under `groups/`, and returns either the validated
//! [`Organization`](crate::model::Organization) or every problem found, each
//! with file, line, column, the offending text and a hint.
//!
//! The files are parsed with `toml`'s span-keeping parser and walked by hand
//! ([`walk`]), so one run reports every wrong key, type, value and reference
//! instead of stopping at the first.

mod charter;
mod diagnostic;
mod groups;
mod mail;
mod org;
mod people;
mod plugins;
pub mod server;
mod source;
mod suggest;
mod values;
mod walk;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Diagnostics};
pub(crate) use suggest::closest;

use crate::formats::Formats;
use crate::model::Organization;
use org::PeopleSource;
use source::{SourceFile, file_error};
use walk::Out;

/// Reads and checks the policy folder `dir`.
///
/// Every field of the returned [`Organization`] is resolved: defaults
/// applied, member ids and tags expanded, zones looked up, and paths made
/// relative to the file that names them. On failure, returns every problem
/// found, sorted by file, line and column, with paths relative to `dir`.
pub fn load(dir: &Path) -> Result<Organization, Diagnostics> {
    let mut out: Out = Vec::new();
    let org_path = dir.join("peerwell.toml");
    let org_file = match read_source(dir, &org_path, &mut out) {
        Some(src) => match parse(&src, &mut out) {
            Some(root) => org::read(&src, &root, dir.to_path_buf(), &mut out),
            None => org::fallback(dir.to_path_buf()),
        },
        None => return Err(finish(out)),
    };
    let org = org_file.org;
    let mut formats = Formats::builtin();
    crate::plugin::register(
        &mut formats,
        &org_file.plugins,
        crate::plugin::cache::default_dir().as_deref(),
    );

    let mut people = people::People {
        complete: true,
        ..Default::default()
    };
    match &org_file.people {
        Some(PeopleSource::File(path)) => read_people(dir, path, &org, &mut people, &mut out),
        Some(PeopleSource::Folder(folder)) => {
            for path in toml_files(dir, folder, "people", &mut out) {
                read_people(dir, &path, &org, &mut people, &mut out);
            }
        }
        None => people.complete = false,
    }

    let cx = groups::Context {
        org: &org,
        people: &people,
        formats: &formats,
    };
    let mut groups = Vec::new();
    if let Some(folder) = &org_file.groups {
        for path in toml_files(dir, folder, "groups", &mut out) {
            let Some(src) = read_source(dir, &path, &mut out) else {
                continue;
            };
            let Some(root) = parse(&src, &mut out) else {
                continue;
            };
            let settings = toml::from_str::<toml::Table>(&src.text)
                .ok()
                .and_then(|mut t| t.remove("settings"))
                .and_then(|v| match v {
                    toml::Value::Table(t) => Some(t),
                    _ => None,
                });
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if let Some(group) = groups::read(&src, &root, &stem, settings, &cx, &mut out) {
                groups.push(group);
            }
        }
    }

    if !out.is_empty() {
        return Err(finish(out));
    }
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    let people: BTreeMap<_, _> = people.by_id;
    Ok(Organization {
        org,
        people,
        groups,
        formats: std::sync::Arc::new(formats),
    })
}

fn read_people(
    dir: &Path,
    path: &Path,
    org: &crate::model::Org,
    people: &mut people::People,
    out: &mut Out,
) {
    let Some(src) = read_source(dir, path, out) else {
        people.complete = false;
        return;
    };
    match parse(&src, out) {
        Some(root) => people::read(&src, &root, org, people, out),
        None => people.complete = false,
    }
}

/// Sorts and deduplicates the diagnostics.
fn finish(mut out: Out) -> Diagnostics {
    out.sort();
    out.dedup();
    Diagnostics(out)
}

/// `path` relative to `dir` when it is inside it.
fn relative(dir: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(dir)
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

fn read_source(dir: &Path, path: &Path, out: &mut Out) -> Option<SourceFile> {
    let name = relative(dir, path);
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(SourceFile::new(name, path.to_path_buf(), text)),
            Err(_) => {
                out.push(file_error(
                    &name,
                    "the file is not valid UTF-8 text",
                    Some("save it as UTF-8".to_string()),
                ));
                None
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            out.push(file_error(
                &name,
                "file not found",
                Some(format!("create {}", name.display())),
            ));
            None
        }
        Err(e) => {
            out.push(file_error(
                &name,
                format!("cannot read the file: {e}"),
                None,
            ));
            None
        }
    }
}

/// Parses TOML keeping spans. On a syntax error, reports the first one
/// (later ones are usually consequences) and gives up on the file.
fn parse<'i>(src: &'i SourceFile, out: &mut Out) -> Option<toml::de::DeTable<'i>> {
    let (root, errors) = toml::de::DeTable::parse_recoverable(&src.text);
    if let Some(e) = errors.first() {
        let span = e.span().unwrap_or(0..0);
        out.push(src.error(
            span,
            format!("invalid TOML: {}", e.message()),
            Some("fix the syntax; the rest of this file is checked once it parses".to_string()),
        ));
        return None;
    }
    Some(root.into_inner())
}

/// The `*.toml` files directly in `folder`, sorted by name.
fn toml_files(dir: &Path, folder: &Path, what: &str, out: &mut Out) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) => {
            out.push(file_error(
                &relative(dir, folder),
                format!("cannot read the {what} folder: {e}"),
                None,
            ));
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|x| x == "toml")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
}
