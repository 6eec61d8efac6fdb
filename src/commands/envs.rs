//! `lsnn-rl envs`: what can be trained and evaluated.

use lsnn_rl_env::Registry;
use serde::Serialize;

/// A `lsnn-rl envs` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnvsRequest {
    /// Print JSON (one array of environments) instead of text.
    pub json: bool,
}

#[derive(Serialize)]
struct EnvListing {
    id: &'static str,
    description: &'static str,
    /// Spaces with the default parameters.
    observation_space: String,
    action_space: String,
    episodes_per_trial: usize,
    params: Vec<lsnn_rl_env::ParamInfo>,
}

/// Prints every registered environment.
pub fn run(registry: &Registry, request: &EnvsRequest) -> anyhow::Result<()> {
    let mut listings = Vec::new();
    for entry in registry.entries() {
        let dist = registry.make(entry.id)?;
        listings.push(EnvListing {
            id: entry.id,
            description: entry.description,
            observation_space: dist.observation_space().to_string(),
            action_space: dist.action_space().to_string(),
            episodes_per_trial: dist.episodes_per_trial(),
            params: entry.params.clone(),
        });
    }
    if request.json {
        println!("{}", serde_json::to_string_pretty(&listings)?);
        return Ok(());
    }
    for env in &listings {
        println!("{}  {}", env.id, env.description);
        println!(
            "    action {}, observation {}, {} episode(s) per trial (with defaults)",
            env.action_space, env.observation_space, env.episodes_per_trial
        );
        let width = env
            .params
            .iter()
            .map(|p| p.name.len() + p.default.len() + 1)
            .max()
            .unwrap_or(0);
        for p in &env.params {
            let assignment = format!("{}={}", p.name, p.default);
            println!("    {assignment:<width$}  {}", p.help);
        }
    }
    println!("\nA spec sets parameters after a colon: ID:key=value,key=value");
    Ok(())
}
