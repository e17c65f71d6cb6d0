//! The crate layers (docs/ARCHITECTURE.md) as `cargo metadata` sees them:
//! no crate depends, for building or running, on a crate above it or
//! beside it, and the core's dependency tree holds no async runtime,
//! WebAssembly engine, database or HTTP (nor config's a WebAssembly
//! engine). Dev-dependencies are free: tests may use anything.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::process::Command;

use peerwell_tests::cli::root;
use serde_json::{Value, json};

/// The layers, lowest first. A crate may depend on crates of lower layers
/// only; crates of one layer must not depend on each other.
const LAYERS: &[&[&str]] = &[
    &["peerwell-rules"],
    &["peerwell-core"],
    &["peerwell-config", "peerwell-plugins", "peerwell-store"],
    &["peerwell"],
    &["peerwell-bench", "peerwell-tests"],
];

/// The test-support crates, each with the workspace crates it may depend
/// on: the builders on the core only, the private PostgreSQL cluster on
/// none. Only the top layer may depend on them (others as dev-dependencies).
const TEST_SUPPORT: &[(&str, &[&str])] = &[
    ("peerwell-testkit", &["peerwell-core"]),
    ("peerwell-pgtest", &[]),
];

/// The workspace crates test-support crate `name` may depend on, if it is one.
fn support(name: &str) -> Option<&'static [&'static str]> {
    TEST_SUPPORT
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, deps)| *deps)
}

/// Crates that must not be in a crate's dependency tree (normal and build
/// dependencies, followed transitively).
const BANNED: &[(&str, &[&str])] = &[
    ("peerwell-core", &["tokio", "wasmtime", "rusqlite", "hyper"]),
    ("peerwell-config", &["wasmtime"]),
];

/// `cargo metadata --format-version 1` over the workspace, with
/// `--no-deps` when `no_deps`.
fn metadata(no_deps: bool) -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut cmd = Command::new(cargo);
    cmd.args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root());
    if no_deps {
        cmd.arg("--no-deps");
    }
    let out = cmd.output().expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo metadata failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON")
}

/// The layer index of a crate, if it has one.
fn layer(name: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&name))
}

/// Whether `from` may have `to` (both workspace crates) as a normal or
/// build dependency.
fn may_depend(from: &str, to: &str) -> bool {
    if let Some(allowed) = support(from) {
        return allowed.contains(&to);
    }
    let top = LAYERS.len() - 1;
    match (layer(from), layer(to)) {
        (Some(f), _) if support(to).is_some() => f == top,
        (Some(f), Some(t)) => t < f,
        _ => false,
    }
}

/// A dependency kind that is built into the crate (not dev-only).
fn builds_in(kind: &Value) -> bool {
    kind.is_null() || kind == "build"
}

/// Every dependency between workspace crates that breaks the layers, and
/// every workspace crate that is in no layer, from `--no-deps` metadata.
fn layer_violations(meta: &Value) -> Vec<String> {
    let packages = meta["packages"].as_array().expect("packages");
    let ours: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut found = Vec::new();
    for name in &ours {
        if layer(name).is_none() && support(name).is_none() {
            found.push(format!(
                "{name} is in no layer (add it to tests/all/layers.rs)"
            ));
        }
    }
    for p in packages {
        let from = p["name"].as_str().unwrap_or_default();
        for d in p["dependencies"].as_array().into_iter().flatten() {
            let to = d["name"].as_str().unwrap_or_default();
            if ours.contains(to) && builds_in(&d["kind"]) && !may_depend(from, to) {
                let kind = d["kind"].as_str().unwrap_or("normal");
                found.push(format!("{from} has a {kind} dependency on {to}"));
            }
        }
    }
    found
}

/// The resolve graph's edges that are built in (normal or build), by
/// package id, and each package id's name.
fn graph(meta: &Value) -> (BTreeMap<&str, Vec<&str>>, BTreeMap<&str, &str>) {
    let names = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?)))
        .collect();
    let mut edges = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().expect("resolve graph") {
        let id = node["id"].as_str().expect("node id");
        let deps = node["deps"].as_array().into_iter().flatten();
        let built = deps.filter(|d| {
            let mut kinds = d["dep_kinds"].as_array().into_iter().flatten();
            kinds.any(|k| builds_in(&k["kind"]))
        });
        edges.insert(id, built.filter_map(|d| d["pkg"].as_str()).collect());
    }
    (edges, names)
}

/// For each banned crate in `krate`'s dependency tree, the chain that
/// pulls it in (`a -> b -> tokio`), from full metadata.
fn banned_in_tree(meta: &Value, krate: &str, banned: &[&str]) -> Vec<String> {
    let (edges, names) = graph(meta);
    let Some(start) = names.iter().find(|(_, n)| **n == krate).map(|(id, _)| *id) else {
        return vec![format!("{krate} is not in the workspace")];
    };
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    let mut found = Vec::new();
    while let Some(id) = queue.pop_front() {
        for &dep in edges.get(id).into_iter().flatten() {
            if dep == start || parent.contains_key(dep) {
                continue;
            }
            parent.insert(dep, id);
            queue.push_back(dep);
            if banned.contains(&names[dep]) {
                let mut chain = vec![names[dep]];
                let mut at = dep;
                while let Some(&up) = parent.get(at) {
                    chain.push(names[up]);
                    at = up;
                }
                chain.reverse();
                found.push(chain.join(" -> "));
            }
        }
    }
    found
}

/// Every banned crate in the trees `BANNED` names.
fn banned_violations(meta: &Value) -> Vec<String> {
    BANNED
        .iter()
        .flat_map(|(krate, banned)| banned_in_tree(meta, krate, banned))
        .collect()
}

#[test]
fn no_crate_depends_on_a_higher_or_sibling_crate() {
    let found = layer_violations(&metadata(true));
    assert!(found.is_empty(), "layer violations:\n{}", found.join("\n"));
}

#[test]
fn core_and_config_keep_runtime_engine_database_and_http_out() {
    let found = banned_violations(&metadata(false));
    assert!(
        found.is_empty(),
        "banned dependencies:\n{}",
        found.join("\n")
    );
}

// The checkers, on fabricated metadata.

/// A dependency `(name, kind)`, kind `None` for normal.
type Dep = (&'static str, Option<&'static str>);

/// A workspace crate and its dependencies.
type Crate = (&'static str, &'static [Dep]);

/// `--no-deps` metadata of workspace crates with the given dependencies.
fn fake_workspace(crates: &[Crate]) -> Value {
    let packages: Vec<Value> = crates
        .iter()
        .map(|(name, deps)| {
            let deps: Vec<Value> = deps
                .iter()
                .map(|(d, kind)| json!({ "name": d, "kind": kind }))
                .collect();
            json!({ "name": name, "id": name, "dependencies": deps })
        })
        .collect();
    json!({ "packages": packages })
}

/// Today's layers, correctly wired.
fn good_workspace() -> Vec<Crate> {
    vec![
        ("peerwell-rules", &[]),
        ("peerwell-core", &[("peerwell-rules", None), ("jiff", None)]),
        ("peerwell-config", &[("peerwell-core", None)]),
        ("peerwell-plugins", &[("peerwell-core", None)]),
        ("peerwell-store", &[("peerwell-core", None)]),
        ("peerwell-testkit", &[("peerwell-core", None)]),
        (
            "peerwell",
            &[
                ("peerwell-config", None),
                ("peerwell-plugins", None),
                ("peerwell-store", None),
                ("peerwell-testkit", Some("dev")),
            ],
        ),
        (
            "peerwell-bench",
            &[("peerwell", None), ("peerwell-testkit", None)],
        ),
        (
            "peerwell-tests",
            &[("peerwell", None), ("peerwell-testkit", None)],
        ),
    ]
}

/// The good workspace with `from`'s dependencies replaced by `deps`.
fn with(from: &str, deps: &'static [Dep]) -> Value {
    let mut crates = good_workspace();
    for c in crates.iter_mut().filter(|c| c.0 == from) {
        c.1 = deps;
    }
    fake_workspace(&crates)
}

#[test]
fn the_layer_checker_accepts_a_good_graph() {
    assert_eq!(
        layer_violations(&fake_workspace(&good_workspace())),
        Vec::<String>::new()
    );
}

#[test]
fn the_layer_checker_rejects_upward_sideways_and_unplaced_crates() {
    let cases: &[(Value, &str)] = &[
        (
            with("peerwell-core", &[("peerwell", None)]),
            "peerwell-core has a normal dependency on peerwell",
        ),
        (
            with("peerwell-rules", &[("peerwell-core", Some("build"))]),
            "peerwell-rules has a build dependency on peerwell-core",
        ),
        (
            with("peerwell-config", &[("peerwell-store", None)]),
            "peerwell-config has a normal dependency on peerwell-store",
        ),
        (
            with("peerwell-bench", &[("peerwell-tests", None)]),
            "peerwell-bench has a normal dependency on peerwell-tests",
        ),
        (
            with("peerwell-testkit", &[("peerwell-rules", None)]),
            "peerwell-testkit has a normal dependency on peerwell-rules",
        ),
        (
            with("peerwell-store", &[("peerwell-testkit", None)]),
            "peerwell-store has a normal dependency on peerwell-testkit",
        ),
        (
            fake_workspace(&[("peerwell-extra", &[])]),
            "peerwell-extra is in no layer (add it to tests/all/layers.rs)",
        ),
    ];
    for (meta, want) in cases {
        assert_eq!(layer_violations(meta), vec![want.to_string()]);
    }
}

#[test]
fn the_layer_checker_allows_dev_dependencies_anywhere() {
    let meta = with("peerwell-core", &[("peerwell-testkit", Some("dev"))]);
    assert_eq!(layer_violations(&meta), Vec::<String>::new());
}

/// Full metadata: packages by name, resolve edges `(from, to, kind)`.
fn fake_graph(edges: &[(&str, &str, Option<&str>)]) -> Value {
    let names: BTreeSet<&str> = edges.iter().flat_map(|(a, b, _)| [*a, *b]).collect();
    let packages: Vec<Value> = names
        .iter()
        .map(|n| json!({ "name": n, "id": n }))
        .collect();
    let nodes: Vec<Value> = names
        .iter()
        .map(|n| {
            let deps: Vec<Value> = edges
                .iter()
                .filter(|(a, _, _)| a == n)
                .map(|(_, b, k)| json!({ "name": b, "pkg": b, "dep_kinds": [{ "kind": k }] }))
                .collect();
            json!({ "id": n, "deps": deps })
        })
        .collect();
    json!({ "packages": packages, "resolve": { "nodes": nodes } })
}

#[test]
fn the_tree_checker_finds_a_banned_crate_however_deep() {
    let meta = fake_graph(&[
        ("peerwell-core", "jiff", None),
        ("peerwell-core", "helper", None),
        ("helper", "runtime-glue", Some("build")),
        ("runtime-glue", "tokio", None),
        ("peerwell-config", "peerwell-core", None),
        ("peerwell-config", "wasmtime", Some("dev")),
    ]);
    assert_eq!(
        banned_violations(&meta),
        vec!["peerwell-core -> helper -> runtime-glue -> tokio".to_string()]
    );
}

#[test]
fn the_tree_checker_ignores_dev_dependencies_and_other_crates() {
    let meta = fake_graph(&[
        ("peerwell-core", "jiff", None),
        ("peerwell-core", "tokio", Some("dev")),
        ("peerwell-config", "peerwell-core", None),
        ("peerwell-plugins", "wasmtime", None),
    ]);
    assert_eq!(banned_violations(&meta), Vec::<String>::new());
}
