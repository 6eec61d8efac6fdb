//! The run configuration of `train`, built once from its layers (defaults,
//! the `--config` TOML, `--set` overrides, flags), validated once, and
//! passed down as a [`ValidatedConfig`]; nothing below re-reads or
//! re-validates it.

use std::path::PathBuf;

use anyhow::Context;
use lsnn_rl_a2c::RunConfig;
use lsnn_rl_a2c::run::RunDir;
use lsnn_rl_neural::AgentKind;
use lsnn_rl_trainer::{ScheduleChoice, ValidRunConfig};

use crate::common::recipes;

/// The layers a fresh run's configuration is built from, lowest first:
/// defaults for the agent and environment (or the file), the `--set`
/// overrides, then the flags.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConfigLayers {
    /// A TOML configuration file (see `lsnn-rl config`).
    pub file: Option<PathBuf>,
    /// `KEY=VALUE` overrides, in order.
    pub set: Vec<String>,
    /// The environment spec flag (default: the file's, else bandit-dependent).
    pub env: Option<String>,
    /// The network flag (default lsnn).
    pub agent: Option<AgentKind>,
    /// The seed flag (default 0).
    pub seed: Option<u64>,
    /// The run's total updates (default: the configuration's).
    pub updates: Option<usize>,
    /// The training algorithm (default: the configuration's, a2c).
    pub algo: Option<lsnn_rl_trainer::Algo>,
    /// Start from the plain defaults even where the suite ships a tuned
    /// recipe for the environment family and network.
    pub no_recipe: bool,
}

/// A run configuration that has passed [`RunConfig::validate`]: only
/// [`ValidatedConfig::resolve`] and [`ValidatedConfig::resume`] make one.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidatedConfig(ValidRunConfig);

impl ConfigLayers {
    /// Whether a layer names the training algorithm: `--algo`, a `--set
    /// train.algo=...`, or `algo` in the file's `[train]` table. When none
    /// does, `train` picks it from the task.
    pub fn names_algo(&self) -> bool {
        let in_set = self.set.iter().any(|s| {
            s.split('=')
                .next()
                .is_some_and(|k| k.trim() == "train.algo")
        });
        let in_file = self.file.as_ref().is_some_and(|path| {
            std::fs::read_to_string(path).is_ok_and(|text| toml_names_algo(&text))
        });
        self.algo.is_some() || in_set || in_file
    }
}

/// Whether a run configuration's TOML text sets `algo` in its `[train]`
/// table (else the task decides: see `lsnn-rl train`).
pub fn toml_names_algo(text: &str) -> bool {
    text.parse::<toml::Table>()
        .is_ok_and(|t| t.get("train").and_then(|t| t.get("algo")).is_some())
}

impl ValidatedConfig {
    /// The configuration of a fresh run: the file (or the defaults of the
    /// agent and environment with the tuned recipe of their family, if the
    /// suite ships one and `no_recipe` is off), then `--set`, then the
    /// flags, which win over both; checked once at the end. The recipe used
    /// is recorded in the configuration's `recipe`. Without a file, a
    /// `train.schedule_end` beyond `train.updates` (a recipe's, with a
    /// shorter `--updates`) is an error that says what to do.
    pub fn resolve(layers: &ConfigLayers) -> anyhow::Result<Self> {
        let mut config = match &layers.file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read --config {}", path.display()))?;
                RunConfig::parse_toml(&text).with_context(|| format!("in {}", path.display()))?
            }
            None => {
                let env = layers.env.as_deref().unwrap_or("bandit-dependent");
                let agent = layers.agent.unwrap_or(AgentKind::Lsnn);
                let defaults = RunConfig::new(env, agent, layers.seed.unwrap_or(0));
                match recipes::find(env, agent) {
                    Some(recipe) if !layers.no_recipe => recipe.apply(&defaults)?,
                    _ => defaults,
                }
            }
        };
        if !layers.set.is_empty() {
            config = config.apply_overrides(&layers.set)?;
        }
        if let Some(env) = &layers.env {
            config.env = env.clone();
        }
        if let Some(agent) = layers.agent {
            config.agent.kind = agent;
        }
        if let Some(seed) = layers.seed {
            config.seed = seed;
        }
        if let Some(updates) = layers.updates {
            config.train.updates = updates;
        }
        if let Some(algo) = layers.algo {
            config.train.algo = algo;
        }
        // A recipe may end its schedules before its last update (the grid
        // maze's hold their final values for the last third); a run built
        // from it with fewer updates would stop them part-way, which no one
        // asks for knowingly. A --config file is trusted as written (the
        // config.toml of a resumed run cut short keeps its schedules on
        // purpose).
        let t = &config.train;
        if layers.file.is_none() && t.schedule_end > t.updates {
            let from = config
                .recipe
                .as_deref()
                .map(|recipe| format!(" (from the recipe {recipe})"))
                .unwrap_or_default();
            anyhow::bail!(
                "train.schedule_end = {}{from} lies beyond the run's {} updates: the schedules would stop part-way; train at least {} updates (--updates), or --set train.schedule_end=0 to run them over all {} updates",
                t.schedule_end,
                t.updates,
                t.schedule_end,
                t.updates
            );
        }
        Ok(Self(config.validated()?))
    }

    /// The stored configuration of the run in `run_dir` (read once; it was
    /// validated when read), with `updates` as the run's new total. A total
    /// beyond the stored one extends the run, with `schedule` deciding what
    /// the learning-rate and entropy schedules do; the sentence that says so
    /// comes back with it.
    pub fn resume(
        run_dir: &RunDir,
        updates: Option<usize>,
        schedule: ScheduleChoice,
    ) -> anyhow::Result<(Self, Option<String>)> {
        let stored = run_dir.read_config()?;
        Ok(match updates {
            Some(updates) if updates > stored.train.updates => {
                let (extended, said) = stored.extended(updates, schedule)?;
                (Self(extended), Some(said))
            }
            Some(updates) if updates < stored.train.updates => {
                // The schedules keep the window they had: a shorter total
                // must not squeeze them (the learning rate would jump).
                let mut shorter = stored.into_inner();
                if shorter.train.schedule_end == 0 {
                    shorter.train.schedule_end = shorter.train.updates;
                }
                shorter.train.updates = updates;
                (Self(shorter.validated()?), None)
            }
            _ => (Self(stored), None),
        })
    }

    /// The same configuration with the training algorithm `algo`, checked again.
    pub fn with_algo(self, algo: lsnn_rl_trainer::Algo) -> anyhow::Result<Self> {
        let mut config = self.0.into_inner();
        config.train.algo = algo;
        Ok(Self(config.validated()?))
    }

    /// The configuration.
    pub fn get(&self) -> &RunConfig {
        &self.0
    }

    /// The configuration, for the trainer.
    pub fn into_inner(self) -> ValidRunConfig {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_set_and_defaults_fill_the_rest() {
        let layers = ConfigLayers {
            set: vec!["seed=5".into(), "agent.tau_a=700".into()],
            seed: Some(9),
            updates: Some(12),
            ..ConfigLayers::default()
        };
        let config = ValidatedConfig::resolve(&layers).unwrap().into_inner();
        assert_eq!(config.seed, 9);
        assert_eq!(config.train.updates, 12);
        assert_eq!(config.agent.tau_a, 700.0);
        assert_eq!(config.env, "bandit-dependent");
    }

    #[test]
    fn the_family_recipe_is_layered_under_set_and_recorded() {
        let layers = ConfigLayers {
            env: Some("maze-water-grid".into()),
            set: vec!["train.lr=0.001".into()],
            ..ConfigLayers::default()
        };
        let config = ValidatedConfig::resolve(&layers).unwrap().into_inner();
        let recipe = recipes::find("maze-water-grid", AgentKind::Lsnn).unwrap();
        assert_eq!(config.recipe.as_deref(), Some(recipe.path));
        assert_eq!(config.agent.k_steps, 5);
        assert_eq!(config.train.lr, 0.001);
        // --set wins over the recipe.
        let set = ConfigLayers {
            set: vec!["agent.k_steps=2".into()],
            ..layers.clone()
        };
        let config = ValidatedConfig::resolve(&set).unwrap().into_inner();
        assert_eq!(config.agent.k_steps, 2);
        // --no-recipe: the plain defaults.
        let plain = ConfigLayers {
            no_recipe: true,
            ..layers.clone()
        };
        let config = ValidatedConfig::resolve(&plain).unwrap().into_inner();
        assert_eq!((config.recipe.as_ref(), config.agent.k_steps), (None, 1));
        // A family without a recipe: the defaults, nothing recorded.
        let config = ValidatedConfig::resolve(&ConfigLayers::default())
            .unwrap()
            .into_inner();
        assert_eq!(config.recipe, None);
    }

    #[test]
    fn the_gated_recipes_on_the_bernoulli_bandits_differ_only_where_searched() {
        let gated = |agent| {
            let layers = ConfigLayers {
                env: Some("bandit-bernoulli:arms=10,pulls=100".into()),
                agent: Some(agent),
                ..ConfigLayers::default()
            };
            ValidatedConfig::resolve(&layers).unwrap().into_inner()
        };
        let (gru, lstm) = (gated(AgentKind::Gru), gated(AgentKind::Lstm));
        // The GRU's recipe: 64 trials per update and a growing discount
        // (docs/search.md, rounds 11 and 16); the LSTM's keeps 32 and 0.9.
        assert_eq!((gru.train.batch, gru.train.gamma_final), (64, 0.99));
        assert_eq!((lstm.train.batch, lstm.train.gamma_final), (32, 0.9));
        assert_eq!((gru.agent.hidden, gru.train.updates), (128, 40_000));
        assert_eq!((lstm.agent.hidden, lstm.train.updates), (128, 40_000));
    }

    #[test]
    fn the_arena_recipe_trains_on_64_trials_per_update_with_the_membrane_readout() {
        let arena = |agent| {
            let layers = ConfigLayers {
                env: Some("arena-water:steps=100".into()),
                agent: Some(agent),
                ..ConfigLayers::default()
            };
            ValidatedConfig::resolve(&layers).unwrap().into_inner()
        };
        // The LSNN's recipe (docs/search.md, rounds 13 and 17): K = 5, the
        // heads on unfiltered membrane potentials, 64 trials per update, 60 000
        // updates with the schedules ending at 40 000.
        let lsnn = arena(AgentKind::Lsnn);
        let recipe = recipes::find("arena-water", AgentKind::Lsnn).unwrap();
        assert_eq!(lsnn.recipe.as_deref(), Some(recipe.path));
        assert_eq!((lsnn.agent.k_steps, lsnn.agent.tau_out), (5, 1.0));
        assert_eq!(lsnn.agent.readout, lsnn_rl_neural::Readout::Membrane);
        assert_eq!(lsnn.train.batch, 64);
        assert_eq!(
            (lsnn.train.updates, lsnn.train.schedule_end),
            (60_000, 40_000)
        );
        // The LSTM's recipe keeps 32 trials (64 gave it nothing, round 17).
        let lstm = arena(AgentKind::Lstm);
        let recipe = recipes::find("arena-water", AgentKind::Lstm).unwrap();
        assert_eq!(lstm.recipe.as_deref(), Some(recipe.path));
        assert_eq!((lstm.train.batch, lstm.agent.k_steps), (32, 1));
    }

    #[test]
    fn the_gated_navigation_recipes_train_their_comparison_rows_configurations() {
        // Each recipe's comments cite the runs it was measured on; trained
        // from the recipe, seed 2 resolves to that run's recorded
        // configuration (docs/results/search-configs/), key for key.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for (env, agent, run) in [
            ("maze-water-grid", AgentKind::Lstm, "maze-s21-lstm-40k-2"),
            ("maze-water-grid", AgentKind::Gru, "maze-s21-gru-40k-2"),
            (
                "arena-water:steps=100",
                AgentKind::Lstm,
                "arena-s21-lstm-60k-2",
            ),
            (
                "arena-water:steps=100",
                AgentKind::Gru,
                "arena-s21-gru-60k-2",
            ),
        ] {
            let from_recipe = ConfigLayers {
                env: Some(env.into()),
                agent: Some(agent),
                seed: Some(2),
                ..ConfigLayers::default()
            };
            let from_recipe = ValidatedConfig::resolve(&from_recipe)
                .unwrap()
                .into_inner()
                .into_inner();
            assert!(from_recipe.recipe.is_some(), "{run}: no recipe applied");
            let recorded = ConfigLayers {
                file: Some(root.join(format!("docs/results/search-configs/{run}.toml"))),
                ..ConfigLayers::default()
            };
            let recorded = ValidatedConfig::resolve(&recorded)
                .unwrap()
                .into_inner()
                .into_inner();
            let without_recipe = RunConfig {
                recipe: None,
                ..from_recipe
            };
            assert_eq!(without_recipe, recorded, "{run}");
        }
    }

    #[test]
    fn a_fresh_run_shorter_than_its_schedules_is_refused() {
        let layers = ConfigLayers {
            env: Some("maze-water-grid".into()),
            ..ConfigLayers::default()
        };
        // The maze recipe: 60 000 updates, the schedules ending at 40 000.
        let held = ValidatedConfig::resolve(&layers).unwrap().into_inner();
        assert_eq!(
            (held.train.updates, held.train.schedule_end),
            (60_000, 40_000)
        );
        let (late, last) = (held.schedules_at(40_000), held.schedules_at(59_999));
        assert_eq!(
            (late.lr, last.lr),
            (held.train.lr_final, held.train.lr_final)
        );
        assert!(held.schedules_at(20_000).lr > last.lr);
        // --updates 5000 with it: refused, with what to do.
        let short = ConfigLayers {
            updates: Some(5000),
            ..layers.clone()
        };
        let message = format!("{:#}", ValidatedConfig::resolve(&short).unwrap_err());
        for needle in [
            "train.schedule_end = 40000 (from the recipe configs/maze-water-grid/lsnn.toml)",
            "the run's 5000 updates",
            "--set train.schedule_end=0",
        ] {
            assert!(
                message.contains(needle),
                "'{needle}' missing from: {message}"
            );
        }
        let whole = ConfigLayers {
            set: vec!["train.schedule_end=0".into()],
            ..short
        };
        assert!(ValidatedConfig::resolve(&whole).is_ok());
    }

    #[test]
    fn every_recorded_search_configuration_still_loads() {
        // scripts/experiments/search-run.sh trains these files again: each
        // search run it lists must have one, and each must still be a valid
        // run configuration with the seed its name ends in.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let table = std::fs::read_to_string(root.join("scripts/experiments/search-runs.tsv"))
            .expect("the search-runs table");
        let names: Vec<&str> = table
            .lines()
            .filter(|line| !line.starts_with('#'))
            .map(|line| line.split('\t').next().unwrap())
            .collect();
        assert!(names.len() > 50, "{} runs listed", names.len());
        for name in names {
            let path = root.join(format!("docs/results/search-configs/{name}.toml"));
            let layers = ConfigLayers {
                file: Some(path.clone()),
                ..ConfigLayers::default()
            };
            let config = ValidatedConfig::resolve(&layers)
                .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()))
                .into_inner();
            let seed: u64 = name.rsplit('-').next().unwrap().parse().unwrap();
            assert_eq!(config.seed, seed, "{name}");
        }
    }

    #[test]
    fn invalid_values_and_missing_files_are_errors() {
        let bad = ConfigLayers {
            set: vec!["train.batch=0".into()],
            ..ConfigLayers::default()
        };
        assert!(ValidatedConfig::resolve(&bad).is_err());
        let missing = ConfigLayers {
            file: Some("/nonexistent/run.toml".into()),
            ..ConfigLayers::default()
        };
        let err = format!("{:#}", ValidatedConfig::resolve(&missing).unwrap_err());
        assert!(err.contains("cannot read --config"), "{err}");
    }
}
