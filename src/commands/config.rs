//! `lsnn-rl config`: the full default configuration of a run, commented,
//! as TOML.

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
}

/// Prints the configuration.
pub fn run(registry: &Registry, request: &ConfigRequest) -> anyhow::Result<()> {
    registry
        .params(&request.env)
        .context("run `lsnn-rl envs` to see the environments and their parameters")?;
    let config = RunConfig::new(&request.env, request.agent, 0);
    print!("{}", config.to_commented_toml());
    Ok(())
}
