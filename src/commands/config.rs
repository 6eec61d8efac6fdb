//! `lsnn-rl config`: the full configuration a fresh run would get (the
//! defaults, with the tuned recipe of the family where the suite ships
//! one), commented, as TOML.

use anyhow::Context;
use lsnn_rl_a2c::RunConfig;
use lsnn_rl_env::Registry;
use lsnn_rl_neural::AgentKind;

/// A `lsnn-rl config` request.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigRequest {
    /// The network.
    pub agent: AgentKind,
    /// Environment spec.
    pub env: String,
    /// The plain defaults, not the family's tuned recipe.
    pub no_recipe: bool,
}

/// Prints the configuration.
pub fn run(registry: &Registry, request: &ConfigRequest) -> anyhow::Result<()> {
    registry
        .params(&request.env)
        .context("run `lsnn-rl envs` to see the environments and their parameters")?;
    let defaults = RunConfig::new(&request.env, request.agent, 0);
    let config = match crate::common::recipes::find(&request.env, request.agent) {
        Some(recipe) if !request.no_recipe => recipe.apply(&defaults)?,
        _ => defaults,
    };
    print!("{}", config.to_commented_toml());
    Ok(())
}
