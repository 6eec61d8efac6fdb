//! The LibTorch set-up script (scripts/torch-env.sh): idempotent, and clear
//! about what is wrong. These tests build fake caches in temporary folders,
//! so they never download anything.

use std::path::Path;
use std::process::{Command, Output};

const TORCH_VERSION: &str = "2.11.0";

/// Sources the script in bash with the given cache and Python, and prints
/// the variables it exports.
fn source_script(cache: &Path, python: &str) -> Output {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/torch-env.sh");
    Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{script}' && echo \"VIRTUAL_ENV=$VIRTUAL_ENV\" && echo \"USE=$LIBTORCH_USE_PYTORCH\" && echo \"LIB=$LSNN_RL_TORCH_LIB\""
        ))
        .env("LSNN_RL_CACHE_DIR", cache)
        .env("LSNN_RL_PYTHON", python)
        .output()
        .expect("bash runs")
}

/// A cache that looks like a finished install of `version`.
fn fake_install(cache: &Path, version: &str) -> std::path::PathBuf {
    let venv = cache.join(format!("torch-{TORCH_VERSION}"));
    let torch = venv.join("lib/python3.11/site-packages/torch");
    std::fs::create_dir_all(torch.join("lib")).unwrap();
    std::fs::write(
        torch.join("version.py"),
        format!("__version__ = '{version}+cu130'\ngit_version = 'x'\n"),
    )
    .unwrap();
    std::fs::write(venv.join(".lsnn-rl-complete"), "").unwrap();
    venv
}

#[test]
fn a_finished_install_is_found_without_python() {
    let cache = tempfile::tempdir().unwrap();
    let venv = fake_install(cache.path(), TORCH_VERSION);
    // No Python is needed once the cache is complete: nothing is reinstalled.
    let out = source_script(cache.path(), "/nonexistent/python3");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("VIRTUAL_ENV={}", venv.display())),
        "{text}"
    );
    assert!(text.contains("USE=1"));
    assert!(text.contains("site-packages/torch/lib"), "{text}");
}

#[test]
fn another_torch_version_in_the_cache_is_a_clear_error() {
    let cache = tempfile::tempdir().unwrap();
    fake_install(cache.path(), "2.9.1");
    let out = source_script(cache.path(), "python3");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("holds torch '2.9.1'"), "{err}");
    assert!(err.contains(TORCH_VERSION), "{err}");
    assert!(err.contains("LSNN_RL_CACHE_DIR"), "{err}");
}

#[test]
fn a_missing_python_is_a_clear_error() {
    let cache = tempfile::tempdir().unwrap();
    let out = source_script(cache.path(), "/nonexistent/python3");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("/nonexistent/python3 not found"), "{err}");
    assert!(err.contains("LSNN_RL_PYTHON"), "{err}");
}

#[test]
fn a_python_without_venv_or_pip_is_a_clear_error() {
    let cache = tempfile::tempdir().unwrap();
    // A "python" that fails like one whose venv module is missing.
    let python = cache.path().join("python-without-venv");
    std::fs::write(
        &python,
        "#!/bin/sh\necho 'No module named venv' >&2\nexit 1\n",
    )
    .unwrap();
    let mut perms = std::fs::metadata(&python).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&python, perms).unwrap();
    let out = source_script(cache.path(), python.to_str().unwrap());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("-m venv failed"), "{err}");
    assert!(err.contains("python3-venv"), "{err}");
    // No stamp: the next run tries again instead of trusting a broken folder.
    assert!(
        !cache
            .path()
            .join(format!("torch-{TORCH_VERSION}/.lsnn-rl-complete"))
            .exists()
    );
}
