//! Embeds the MLOps templates' seed code (`mlops/seed-code/<template>/`) in the engine: the
//! engine zips it into each environment's MLOps bucket, so the seed a project starts from is the
//! one this version of the engine was built and tested with.
//!
//! Writes `$OUT_DIR/seed_code.rs`: one `&[(&str, &[u8])]` per template directory, the files'
//! paths (relative, `/`-separated, sorted) and contents. Caches and virtualenv leftovers are
//! skipped; a file that is not valid to ship (a path that is not UTF-8) fails the build.

// A build script reports a broken checkout by failing loudly; there is no caller to recover.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Directory and file names that are never seed code.
const SKIPPED: &[&str] = &[
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".venv",
    ".DS_Store",
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("..").join("mlops").join("seed-code");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut out = String::new();
    for (konst, dir) in [("MODEL_BUILD_TRAIN", "build"), ("MODEL_DEPLOY", "deploy")] {
        let base = root.join(dir);
        let mut files = Vec::new();
        collect(&base, &base, &mut files);
        files.sort();
        writeln!(out, "/// The seed code under `mlops/seed-code/{dir}/`.").unwrap();
        writeln!(out, "pub(super) const {konst}: &[(&str, &[u8])] = &[").unwrap();
        for (relative, absolute) in files {
            writeln!(
                out,
                "    ({relative:?}, include_bytes!({:?})),",
                absolute.display().to_string()
            )
            .unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("seed_code.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(base: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let entry = entry.expect("readable directory entry");
        let name = entry.file_name();
        let name = name.to_str().expect("seed code paths are UTF-8");
        if SKIPPED.contains(&name) || name.ends_with(".pyc") {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect(base, &path, files);
        } else {
            println!("cargo:rerun-if-changed={}", path.display());
            let relative = path
                .strip_prefix(base)
                .expect("under the base")
                .components()
                .map(|c| c.as_os_str().to_str().expect("UTF-8").to_string())
                .collect::<Vec<_>>()
                .join("/");
            files.push((relative, path.canonicalize().expect("exists")));
        }
    }
}
