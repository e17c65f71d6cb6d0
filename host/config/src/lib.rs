//! Reading and validating the policy folder.
//!
//! `load(dir)` reads `peerwell.toml`, the people file or folder and every
//! file under `groups/`, and returns either the validated
//! [`Organization`] or every problem found, each
//! with file, line, column, the offending text and a hint.
//!
//! The files are parsed with `toml`'s span-keeping parser and walked by hand
//! (`walk`), so one run reports every wrong key, type, value and reference
//! instead of stopping at the first.
//!
//! The crate is data and parsing only: it compiles no WebAssembly. Plugins
//! named in `peerwell.toml` become formats through the
//! [`PluginLoader`] the caller
//! hands to [`load`], so each group's settings are still checked by its own
//! format.
//!
//! # Layout
//!
//! - this file: [`load`] and [`load_with_access`], reading the files in
//!   order (organization, people, groups) and sorting what went wrong.
//! - `diagnostic`: [`Diagnostic`] and [`Diagnostics`], a problem at its
//!   file, line and column, rendered for a terminal or, without text of the
//!   file, for logs and `/healthz`.
//! - [`files`]: [`FileAccess`], which policy and calendar files may be
//!   opened (inside the policy folder or `allow_outside`, regular, not too
//!   large) and reading them safely.
//! - [`server`]: `[server]`, the daemon's settings, with the `PEERWELL_*`
//!   environment applied ([`server::EnvError`]).
//! - `org`: `peerwell.toml` itself (name, zone, horizon, working hours,
//!   holidays, where people and groups are).
//! - `people`: the people file or folder, one `[[person]]` at a time.
//! - `groups`: one group file: schedule, members, quorum, roles, window.
//! - `charter`: a group's charter, escalation resources and format
//!   settings (checked by the format).
//! - `mail`: `[mail]` and the mail keys of people and groups.
//! - `plugins`: `[plugins.<name>]`, turned into
//!   [`PluginSpec`](peerwell_core::plugin_spec::PluginSpec)s.
//! - `values`: values written as text (time spans, cadences, weekdays,
//!   ids, emails, links, zones, working hours).
//! - `walk`: typed reads over a span-keeping TOML tree that report wrong
//!   types, missing and unknown keys.
//! - `source`: one file's text and turning byte spans into diagnostics.
//! - `suggest`: "did you mean": the closest known name ([`closest`]).

#![deny(missing_docs)]

mod charter;
mod diagnostic;
pub mod files;
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
pub use files::FileAccess;
pub use suggest::closest;

use org::PeopleSource;
use peerwell_core::formats::Formats;
use peerwell_core::model::Organization;
use peerwell_core::plugin_spec::PluginLoader;
use source::{SourceFile, file_error};
use walk::Out;

/// Reads and checks the policy folder `dir`.
///
/// Every field of the returned [`Organization`] is resolved: defaults
/// applied, member ids and tags expanded, zones looked up, and paths made
/// relative to the file that names them. On failure, returns every problem
/// found, sorted by file, line and column, with paths relative to `dir`.
/// Files that resolve outside the policy folder (and every folder
/// `allow_outside` lists) are refused unread.
/// Plugins named in `peerwell.toml` are turned into formats by `plugins`,
/// so each group's settings are checked by its own format.
pub fn load(dir: &Path, plugins: &dyn PluginLoader) -> Result<Organization, Diagnostics> {
    load_with_access(dir, plugins).map(|(org, _)| org)
}

/// As [`load`], with the rules for reading calendar files: which folders
/// they may be in and how large they may be.
pub fn load_with_access(
    dir: &Path,
    plugins: &dyn PluginLoader,
) -> Result<(Organization, FileAccess), Diagnostics> {
    let mut out: Out = Vec::new();
    let mut access = FileAccess::new(dir);
    let Some(org_file) = read_org_file(dir, &access, &mut out) else {
        return Err(finish(out));
    };
    for folder in &org_file.allow_outside {
        access.allow(folder.clone());
    }
    access.set_calendar_mib(org_file.calendar_mib);
    let org = org_file.org;
    let mut formats = Formats::builtin();
    plugins.register(&mut formats, &org_file.plugins);

    let files = Files {
        dir,
        access: &access,
    };
    let people = read_all_people(&files, org_file.people.as_ref(), &org, &mut out);

    let cx = groups::Context {
        org: &org,
        people: &people,
        formats: &formats,
    };
    let mut groups = Vec::new();
    if let Some(folder) = &org_file.groups {
        for path in toml_files(&files, folder, "groups", &mut out) {
            groups.extend(read_group(&files, &path, &cx, &mut out));
        }
    }

    if !out.is_empty() {
        return Err(finish(out));
    }
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    let people: BTreeMap<_, _> = people.by_id;
    let org = Organization {
        org,
        people,
        groups,
        formats: std::sync::Arc::new(formats),
    };
    Ok((org, access))
}

/// Reads `peerwell.toml`: its settings, or fallback settings (so the other
/// files are still checked) when it does not parse; `None` when it cannot
/// be read at all.
fn read_org_file(dir: &Path, access: &FileAccess, out: &mut Out) -> Option<org::OrgFile> {
    let path = dir.join("peerwell.toml");
    if let Err(files::ReadError::Outside) = access.resolve(&path) {
        // `allow_outside` is read from this file, so it cannot allow it.
        out.push(file_error(
            Path::new("peerwell.toml"),
            "the file resolves (through a link) outside the policy folder; refused",
            Some(
                "peerwell.toml itself must be inside the policy folder; \
                 run peerwell on the folder that holds it"
                    .to_string(),
            ),
        ));
        return None;
    }
    let src = read_source(dir, access, &path, out)?;
    Some(match parse(&src, out) {
        Some(root) => org::read(&src, &root, dir.to_path_buf(), out),
        None => org::fallback(dir.to_path_buf()),
    })
}

/// The policy folder and the rules for reading files from it.
struct Files<'a> {
    dir: &'a Path,
    access: &'a FileAccess,
}

fn read_group(
    files: &Files<'_>,
    path: &Path,
    cx: &groups::Context<'_>,
    out: &mut Out,
) -> Option<peerwell_core::model::Group> {
    let src = read_source(files.dir, files.access, path, out)?;
    let root = parse(&src, out)?;
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
    groups::read(&src, &root, &stem, settings, cx, out)
}

/// Everyone in the people file or folder.
fn read_all_people(
    files: &Files<'_>,
    source: Option<&PeopleSource>,
    org: &peerwell_core::model::Org,
    out: &mut Out,
) -> people::People {
    let mut people = people::People {
        complete: true,
        ..Default::default()
    };
    match source {
        Some(PeopleSource::File(path)) => read_people(files, path, org, &mut people, out),
        Some(PeopleSource::Folder(folder)) => {
            for path in toml_files(files, folder, "people", out) {
                read_people(files, &path, org, &mut people, out);
            }
        }
        None => people.complete = false,
    }
    people
}

fn read_people(
    files: &Files<'_>,
    path: &Path,
    org: &peerwell_core::model::Org,
    people: &mut people::People,
    out: &mut Out,
) {
    let Some(src) = read_source(files.dir, files.access, path, out) else {
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

/// Reads the policy file at `path` (only a regular file, inside the
/// folders `access` allows, of at most 4 MiB, in UTF-8), or reports why not.
fn read_source(dir: &Path, access: &FileAccess, path: &Path, out: &mut Out) -> Option<SourceFile> {
    let name = relative(dir, path);
    let problem = |message: String, hint: Option<String>| file_error(&name, message, hint);
    match access.read_policy(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => return Some(SourceFile::new(name, path.to_path_buf(), text)),
            Err(_) => out.push(problem(
                "the file is not valid UTF-8 text".to_string(),
                Some("save it as UTF-8".to_string()),
            )),
        },
        Err(files::ReadError::NotFound) => out.push(problem(
            "file not found".to_string(),
            Some(format!("create {}", name.display())),
        )),
        Err(e) => {
            let mut d = problem(format!("the file {e}"), None);
            d.exhausted = e.out_of_descriptors();
            out.push(d);
        }
    }
    None
}

/// Parses TOML keeping spans. On a syntax error, reports the first one
/// (later ones are usually consequences) and gives up on the file.
fn parse<'i>(src: &'i SourceFile, out: &mut Out) -> Option<toml::de::DeTable<'i>> {
    let (root, errors) = toml::de::DeTable::parse_recoverable(&src.text);
    if let Some(e) = errors.first() {
        let span = e.span().unwrap_or(0..0);
        out.push(src.syntax_error(
            span,
            format!("invalid TOML: {}", e.message()),
            Some("fix the syntax; the rest of this file is checked once it parses".to_string()),
        ));
        return None;
    }
    Some(root.into_inner())
}

/// The `*.toml` files directly in `folder`, sorted by name; none when the
/// folder resolves outside the folders files may be read from. Entries
/// that are not regular files are kept, so that reading them reports why.
fn toml_files(files: &Files<'_>, folder: &Path, what: &str, out: &mut Out) -> Vec<PathBuf> {
    let name = relative(files.dir, folder);
    if let Err(e) = files.access.resolve(folder) {
        let message = match e {
            files::ReadError::NotFound => format!("the {what} folder does not exist"),
            e => format!("the {what} folder {e}"),
        };
        out.push(file_error(&name, message, None));
        return Vec::new();
    }
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) => {
            out.push(file_error(
                &name,
                format!("cannot read the {what} folder: {e}"),
                None,
            ));
            return Vec::new();
        }
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            !p.is_dir()
                && p.extension().is_some_and(|x| x == "toml")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    found.sort();
    found
}
