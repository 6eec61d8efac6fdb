//! The tuned recipes shipped with the suite: `configs/FAMILY/AGENT.toml`,
//! one per environment family (the environment ID, without parameters) and
//! network, found by the search of docs/search.md. A recipe lists only the
//! keys that differ from the defaults, in `[agent]`, `[train]` and
//! `[inputs]` tables; `train` layers it over the defaults when no `--config`
//! is given. The files are compiled into the binary, so a recipe applies
//! wherever the binary runs.

use anyhow::{Context, bail};
use lsnn_rl_a2c::RunConfig;
use lsnn_rl_neural::AgentKind;

/// One recipe file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recipe {
    /// Its path in the repository, which `config.toml` records.
    pub path: &'static str,
    /// The environment ID it is for.
    pub family: &'static str,
    /// The network it is for ("lsnn", "lif", "lstm", "gru").
    pub agent: &'static str,
    /// The TOML text.
    pub text: &'static str,
}

/// The recipe `configs/FAMILY/AGENT.toml`, its text compiled in.
macro_rules! recipe {
    ($family:literal, $agent:literal) => {
        Recipe {
            path: concat!("configs/", $family, "/", $agent, ".toml"),
            family: $family,
            agent: $agent,
            text: include_str!(concat!("../../configs/", $family, "/", $agent, ".toml")),
        }
    };
}

/// Every recipe; a test checks that this list and the `configs/` folder
/// agree.
pub const RECIPES: &[Recipe] = &[
    recipe!("bandit-bernoulli", "lsnn"),
    recipe!("bandit-bernoulli", "lstm"),
    recipe!("bandit-bernoulli", "gru"),
    recipe!("maze-water-grid", "lsnn"),
    recipe!("maze-water-grid", "lstm"),
    recipe!("maze-water-grid", "gru"),
    recipe!("arena-water", "lsnn"),
    recipe!("arena-water", "lstm"),
    recipe!("arena-water", "gru"),
    recipe!("maze-random", "lsnn"),
    recipe!("function-net", "lsnn"),
    recipe!("bandit-eleven-arm", "lsnn"),
];

/// The sections a recipe may set.
const SECTIONS: [&str; 3] = ["agent", "train", "inputs"];

/// The recipe for the environment spec's family and this network, if the
/// suite ships one.
pub fn find(env_spec: &str, agent: AgentKind) -> Option<&'static Recipe> {
    let family = env_spec.split(':').next().unwrap_or(env_spec).trim();
    RECIPES
        .iter()
        .find(|r| r.family == family && r.agent == agent.as_str())
}

impl Recipe {
    /// `config` with the recipe's keys layered on it, recording the recipe's
    /// path. Errors name the recipe and the key.
    pub fn apply(&self, config: &RunConfig) -> anyhow::Result<RunConfig> {
        let overrides = self.overrides()?;
        let mut applied = config
            .apply_overrides(&overrides)
            .with_context(|| format!("in the recipe {}", self.path))?;
        applied.recipe = Some(self.path.to_string());
        Ok(applied)
    }

    /// The recipe as `section.key=value` overrides, in file order.
    fn overrides(&self) -> anyhow::Result<Vec<String>> {
        let table: toml::Table = toml::from_str(self.text)
            .with_context(|| format!("the recipe {} is not valid TOML", self.path))?;
        let mut overrides = Vec::new();
        for (section, value) in &table {
            let (true, toml::Value::Table(keys)) = (SECTIONS.contains(&section.as_str()), value)
            else {
                bail!(
                    "the recipe {} sets '{section}'; a recipe holds only [agent], [train] and [inputs] tables",
                    self.path
                );
            };
            for (key, value) in keys {
                if section == "agent" && key == "kind" {
                    bail!(
                        "the recipe {} sets agent.kind; the network is given by its file name",
                        self.path
                    );
                }
                overrides.push(format!("{section}.{key}={value}"));
            }
        }
        Ok(overrides)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_under_configs_is_listed_and_every_listed_one_is_a_file() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut on_disk = Vec::new();
        for family in std::fs::read_dir(root.join("configs")).unwrap() {
            let family = family.unwrap().path();
            for file in std::fs::read_dir(&family).unwrap() {
                let file = file.unwrap().path();
                let relative = file
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                on_disk.push(relative);
            }
        }
        on_disk.sort();
        let mut listed: Vec<String> = RECIPES.iter().map(|r| r.path.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
        for recipe in RECIPES {
            assert_eq!(
                recipe.path,
                format!("configs/{}/{}.toml", recipe.family, recipe.agent)
            );
        }
    }

    #[test]
    fn every_recipe_applies_to_its_family_and_validates() {
        for recipe in RECIPES {
            let agent: AgentKind =
                serde_json::from_value(serde_json::Value::String(recipe.agent.into())).unwrap();
            assert_eq!(find(recipe.family, agent), Some(recipe));
            let defaults = RunConfig::new(recipe.family, agent, 0);
            let applied = recipe.apply(&defaults).unwrap();
            assert_eq!(applied.recipe.as_deref(), Some(recipe.path));
            assert_ne!(
                RunConfig {
                    recipe: None,
                    ..applied.clone()
                },
                defaults,
                "{} changes nothing",
                recipe.path
            );
            applied.validated().unwrap();
        }
    }

    #[test]
    fn a_recipe_is_found_by_family_whatever_the_parameters() {
        let recipe = find("maze-water-grid:size=9", AgentKind::Lsnn).unwrap();
        assert_eq!(recipe.path, "configs/maze-water-grid/lsnn.toml");
        assert!(find("maze-random", AgentKind::Gru).is_none());
        assert!(find("bandit-dependent", AgentKind::Lsnn).is_none());
    }

    #[test]
    fn a_recipe_outside_its_tables_or_with_an_unknown_key_is_an_error() {
        let bad = |text: &'static str| {
            let recipe = Recipe {
                path: "configs/test/lsnn.toml",
                family: "bandit-dependent",
                agent: "lsnn",
                text,
            };
            let config = RunConfig::new("bandit-dependent", AgentKind::Lsnn, 0);
            format!("{:#}", recipe.apply(&config).unwrap_err())
        };
        assert!(
            bad("seed = 3").contains("only [agent]"),
            "{}",
            bad("seed = 3")
        );
        assert!(bad("[agent]\nkind = \"lstm\"").contains("agent.kind"));
        let unknown = bad("[train]\nlearning_rate = 0.1");
        assert!(
            unknown.contains("configs/test/lsnn.toml") && unknown.contains("learning_rate"),
            "{unknown}"
        );
    }
}
