//! The environments this program knows: every environment crate registers
//! its ids here.

use lsnn_rl_env::Registry;

/// The registry of every built-in environment.
pub fn builtin() -> anyhow::Result<Registry> {
    let mut registry = Registry::new();
    lsnn_rl_bandits::register(&mut registry)?;
    lsnn_rl_mazes::register(&mut registry)?;
    Ok(registry)
}

/// The folder for caches (Gittins tables, the PyTorch install):
/// `$LSNN_RL_CACHE_DIR`, else `$XDG_CACHE_HOME/lsnn-rl`, else `~/.cache/lsnn-rl`.
pub fn cache_dir() -> Option<std::path::PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("LSNN_RL_CACHE_DIR") {
        return Some(dir.into());
    }
    if let Some(xdg) = var("XDG_CACHE_HOME") {
        return Some(std::path::PathBuf::from(xdg).join("lsnn-rl"));
    }
    var("HOME").map(|home| {
        std::path::PathBuf::from(home)
            .join(".cache")
            .join("lsnn-rl")
    })
}
