//! The sweep file (TOML) and its plan: the cells, each a full run
//! configuration with a deterministic name and run directory.
//!
//! ```toml
//! output = "runs/example"            # relative to this file's folder
//! [base]                             # run configuration keys, as --set takes them
//! env = "bandit-bernoulli:arms=2,pulls=10"
//! train.updates = 4
//! [axes]                             # the cells are their Cartesian product
//! agent = ["lsnn", "lstm"]
//! seed = { start = 0, stop = 2 }     # 0, 1 (stop excluded)
//! [eval]
//! trials = 100
//! env_params = "pulls=200"           # optional: evaluate on a variant of each cell's env
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use lsnn_rl_a2c::RunConfig;
use lsnn_rl_env::{EnvSpec, Registry};
use serde::Deserialize;

pub use super::axis::{Axis, fnv1a};
use super::axis::{cell_name, value_text};

/// The default seed of the final evaluation: the one `train` and `eval` use,
/// whose tasks training never draws.
pub const DEFAULT_EVAL_SEED: u64 = 1_000_003;

/// `spec` with the `key=value,...` pairs of `params` replacing its own
/// values of those keys or added after them.
fn with_env_params(spec: &str, params: Option<&str>) -> anyhow::Result<String> {
    let Some(params) = params else {
        return Ok(spec.to_string());
    };
    let mut base: EnvSpec = spec.parse()?;
    let extra: EnvSpec = format!("{}:{params}", base.id).parse()?;
    for (key, value) in extra.params {
        match base.params.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => base.params.push((key, value)),
        }
    }
    let pairs: Vec<String> = base
        .params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    Ok(if pairs.is_empty() {
        base.id
    } else {
        format!("{}:{}", base.id, pairs.join(","))
    })
}

/// Builds the evaluation environment (so a bad value fails now, not after
/// training) and checks that a network trained on `train_env` can play it:
/// the same observation and action spaces.
fn check_eval_env(
    registry: &lsnn_rl_env::Registry,
    train_env: &str,
    eval_env: &str,
) -> anyhow::Result<()> {
    let hint = "run `lsnn-rl envs` to see the environments and their parameters";
    let eval = registry
        .make(eval_env)
        .with_context(|| format!("the evaluation environment {eval_env}; {hint}"))?;
    let train = registry.make(train_env).with_context(|| hint.to_string())?;
    if eval.observation_space() != train.observation_space()
        || eval.action_space() != train.action_space()
    {
        bail!(
            "the evaluation environment {eval_env} has observations {:?} and actions {:?}, but the cells train on {train_env} with {:?} and {:?}; give parameters that keep the spaces (e.g. the maze pool, not its size)",
            eval.observation_space(),
            eval.action_space(),
            train.observation_space(),
            train.action_space()
        );
    }
    Ok(())
}

/// A parsed sweep file and its cells.
#[derive(Debug)]
pub struct Sweep {
    /// The sweep file, as an absolute path.
    pub file: PathBuf,
    /// The sweep's name (`name`, else the file's stem): the Slurm job name.
    pub name: String,
    /// The output root (absolute): one run directory per cell inside it.
    pub output: PathBuf,
    /// The axes, in the order of the file.
    pub axes: Vec<Axis>,
    /// Every cell, the last axis varying fastest.
    pub cells: Vec<Cell>,
    /// How each cell trains.
    pub train: TrainSection,
    /// How each cell's final evaluation runs.
    pub eval: EvalSection,
}

/// One cell of the sweep: a run with its own directory.
#[derive(Debug)]
pub struct Cell {
    /// Position in the plan (the Slurm array index).
    pub index: usize,
    /// Directory name, built from the axis values.
    pub name: String,
    /// (axis key, value as text), in axis order.
    pub params: Vec<(String, String)>,
    /// The run configuration the cell trains.
    pub config: RunConfig,
    /// The environment spec of the final evaluation: the cell's own, with
    /// `[eval] env_params` applied.
    pub eval_env: String,
    /// The run directory.
    pub dir: PathBuf,
}

/// The `[train]` section: how each cell's `lsnn-rl train` runs.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainSection {
    /// Threads of each cell, the CPU kernel's and LibTorch's (also Slurm's
    /// default --cpus-per-task).
    pub threads: u64,
}

impl Default for TrainSection {
    fn default() -> Self {
        Self { threads: 1 }
    }
}

/// The `[eval]` section: each cell's final evaluation.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EvalSection {
    /// Trials played.
    pub trials: u64,
    /// Seed of the evaluation tasks (the same for every cell).
    pub seed: u64,
    /// Take the most likely action instead of sampling.
    pub greedy: bool,
    /// Environment parameters that replace or add to each cell's own for
    /// the final evaluation, e.g. `"layouts=test"` to test a maze agent on
    /// the layouts training never saw.
    pub env_params: Option<String>,
}

impl Default for EvalSection {
    fn default() -> Self {
        Self {
            trials: 1000,
            seed: DEFAULT_EVAL_SEED,
            greedy: false,
            env_params: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    name: Option<String>,
    output: Option<String>,
    #[serde(default)]
    base: toml::Table,
    #[serde(default)]
    axes: std::collections::BTreeMap<String, toml::Spanned<toml::Value>>,
    #[serde(default)]
    train: TrainSection,
    #[serde(default)]
    eval: EvalSection,
}

impl Sweep {
    /// Reads and checks a sweep file: every cell's configuration is resolved
    /// and validated, and every environment spec is checked.
    pub fn load(path: &Path, registry: &Registry) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the sweep file {}; check the path (docs/sweeps.md describes the format)",
                path.display()
            )
        })?;
        let file = std::path::absolute(path)
            .with_context(|| format!("cannot resolve {}", path.display()))?;
        Self::parse(&text, &file, registry)
            .with_context(|| format!("sweep file {}", path.display()))
    }

    fn parse(text: &str, file: &Path, registry: &Registry) -> anyhow::Result<Self> {
        let raw: RawSweep = toml::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "{} (top-level keys: name, output, [base], [axes], [train] threads, [eval] trials/seed/greedy/env_params; run configuration keys go in [base])",
                one_line(&e.to_string())
            )
        })?;
        let folder = file.parent().unwrap_or(Path::new("/")).to_path_buf();
        let output = match raw.output.as_deref() {
            Some(o) if !o.trim().is_empty() => folder.join(o),
            _ => bail!(
                "no output root: add e.g. output = \"runs/my-sweep\" (relative to the sweep file's folder)"
            ),
        };
        let name = raw.name.unwrap_or_else(|| {
            file.file_stem()
                .map_or("sweep".into(), |s| s.to_string_lossy().into_owned())
        });
        if raw.train.threads == 0 || raw.train.threads > 1024 {
            bail!("[train] threads = {}: give 1 to 1024", raw.train.threads);
        }
        if raw.eval.trials < 2 {
            bail!(
                "[eval] trials = {}: give at least 2 (the 95% interval needs two trials)",
                raw.eval.trials
            );
        }

        // The base configuration: a config file, then the [base] keys.
        let mut base = raw.base;
        let mut algo_named = false;
        let mut config = match base.remove("config") {
            Some(toml::Value::String(p)) => {
                let path = folder.join(&p);
                let text = std::fs::read_to_string(&path).with_context(|| {
                    format!(
                        "[base] config = \"{p}\": cannot read {} (the path is relative to the sweep file's folder)",
                        path.display()
                    )
                })?;
                algo_named = crate::common::config::toml_names_algo(&text);
                RunConfig::from_toml(&text).with_context(|| format!("in {}", path.display()))?
            }
            Some(other) => {
                bail!("[base] config = {other}: give the path of a run configuration as a string")
            }
            None => RunConfig::new("bandit-dependent", lsnn_rl_neural::AgentKind::Lsnn, 0),
        };
        let mut overrides = Vec::new();
        flatten("", &base, &mut overrides);
        let names_algo = |sets: &[String]| sets.iter().any(|s| s.starts_with("train.algo="));
        algo_named |= names_algo(&overrides);
        config = config
            .with_overrides(&overrides)
            .context("in [base] (its keys are those of `lsnn-rl config`)")?;

        // In the file's order: by where each axis is written.
        let mut written: Vec<_> = raw.axes.into_iter().collect();
        written.sort_by_key(|(_, v)| v.span().start);
        let axes = written
            .into_iter()
            .map(|(key, value)| Axis::parse(key, value.into_inner()))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut cells = Vec::new();
        // Each spec built once (a maze's layout pools take a moment).
        let mut objectives: Vec<(String, lsnn_rl_env::Objective)> = Vec::new();
        let total: usize = axes.iter().map(|a| a.values.len()).product();
        for index in 0..total {
            // Mixed radix, the last axis fastest.
            let mut rest = index;
            let mut picks = vec![0; axes.len()];
            for (i, axis) in axes.iter().enumerate().rev() {
                picks[i] = rest % axis.values.len();
                rest /= axis.values.len();
            }
            let mut params = Vec::new();
            let mut sets = Vec::new();
            for (axis, &pick) in axes.iter().zip(&picks) {
                let value = &axis.values[pick];
                params.push((axis.key.clone(), value_text(value)));
                sets.push(format!("{}={value}", axis.config_key));
            }
            let name = cell_name(&axes, &params);
            let mut cell_config = config
                .with_overrides(&sets)
                .with_context(|| format!("cell {name}"))?;
            let objective = match objectives.iter().find(|(spec, _)| *spec == cell_config.env) {
                Some((_, objective)) => *objective,
                None => {
                    let dist = registry.make(&cell_config.env).with_context(|| {
                        format!(
                            "cell {name}: run `lsnn-rl envs` to see the environments and their parameters"
                        )
                    })?;
                    objectives.push((cell_config.env.clone(), dist.objective()));
                    dist.objective()
                }
            };
            // As `lsnn-rl train`: a task with targets trains by the
            // supervised trainer unless the file names an algorithm.
            if objective == lsnn_rl_env::Objective::Regression && !algo_named && !names_algo(&sets)
            {
                cell_config.train.algo = lsnn_rl_trainer::Algo::Supervised;
            }
            let eval_env = with_env_params(&cell_config.env, raw.eval.env_params.as_deref())
                .with_context(|| format!("cell {name}: [eval] env_params"))?;
            if raw.eval.env_params.is_some() {
                check_eval_env(registry, &cell_config.env, &eval_env)
                    .with_context(|| format!("cell {name}: [eval] env_params"))?;
            }
            cells.push(Cell {
                index,
                dir: output.join(&name),
                name,
                params,
                config: cell_config,
                eval_env,
            });
        }
        let mut names: Vec<&str> = cells.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            bail!(
                "two cells share the name {}: an axis repeats a value; remove the duplicate",
                w[0]
            );
        }
        Ok(Self {
            file: file.to_path_buf(),
            name,
            output,
            axes,
            cells,
            train: raw.train,
            eval: raw.eval,
        })
    }

    /// The cell at `index`, or an error naming the valid range.
    pub fn cell(&self, index: usize) -> anyhow::Result<&Cell> {
        self.cells.get(index).ok_or_else(|| {
            anyhow::anyhow!(
                "cell index {index} is out of range: the sweep has {} cells (0 to {})",
                self.cells.len(),
                self.cells.len().saturating_sub(1)
            )
        })
    }
}

/// `[base]` as `key=value` overrides; `agent = "lstm"` is `agent.kind`.
fn flatten(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => flatten(&full, inner, out),
            toml::Value::String(_) if full == "agent" => out.push(format!("agent.kind={value}")),
            _ => out.push(format!("{full}={value}")),
        }
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Sweep> {
        Sweep::parse(
            text,
            Path::new("/tmp/sweeps/s.toml"),
            &crate::builtin_registry().unwrap(),
        )
    }

    #[test]
    fn function_families_train_by_the_supervised_trainer_unless_named() {
        let text = "output = \"out\"\n[base]\nenv = \"function-sine\"\n[axes]\nseed = [1, 2]\n";
        let sweep = parse(text).unwrap();
        assert!(
            sweep
                .cells
                .iter()
                .all(|c| c.config.train.algo == lsnn_rl_trainer::Algo::Supervised)
        );
        let named = text.replace("[axes]", "train.algo = \"a2c\"\n[axes]");
        let sweep = parse(&named).unwrap();
        assert_eq!(sweep.cells[0].config.train.algo, lsnn_rl_trainer::Algo::A2c);
        // Reward tasks keep the default.
        let bandit = text.replace("function-sine", "bandit-dependent");
        let sweep = parse(&bandit).unwrap();
        assert_eq!(sweep.cells[1].config.train.algo, lsnn_rl_trainer::Algo::A2c);
    }

    #[test]
    fn eval_env_params_replace_or_extend_the_cells_spec() {
        assert_eq!(
            with_env_params("maze-random:size=5,layouts=train", Some("layouts=test")).unwrap(),
            "maze-random:size=5,layouts=test"
        );
        assert_eq!(
            with_env_params("bandit-dependent", Some("pulls=200")).unwrap(),
            "bandit-dependent:pulls=200"
        );
        assert_eq!(with_env_params("arena-water", None).unwrap(), "arena-water");
        let text = format!("{SMALL}\n[eval]\nenv_params = \"pulls=20\"\n");
        let sweep = parse(&text).unwrap();
        assert!(
            sweep
                .cells
                .iter()
                .all(|c| c.eval_env == "bandit-bernoulli:arms=2,pulls=20")
        );
        let bad = format!("{SMALL}\n[eval]\nenv_params = \"pulls\"\n");
        let message = format!("{:#}", parse(&bad).unwrap_err());
        assert!(
            message.contains("env_params") && message.contains("'pulls' is not key=value"),
            "{message}"
        );
        let unknown = format!("{SMALL}\n[eval]\nenv_params = \"colour=red\"\n");
        let message = format!("{:#}", parse(&unknown).unwrap_err());
        assert!(
            message.contains("evaluation environment") && message.contains("colour"),
            "{message}"
        );
    }

    const SMALL: &str = r#"
        output = "runs"
        [base]
        env = "bandit-bernoulli:arms=2,pulls=10"
        train.updates = 3
        agent.n_lif = 8
        [axes]
        seed = { start = 4, stop = 6 }
        agent = ["lsnn", "lstm"]
        "train.lr" = [0.001]
    "#;

    #[test]
    fn cells_follow_the_file_order_last_axis_fastest() {
        let sweep = parse(SMALL).unwrap();
        let names: Vec<&str> = sweep.cells.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "seed-4_agent-lsnn_lr-0.001",
                "seed-4_agent-lstm_lr-0.001",
                "seed-5_agent-lsnn_lr-0.001",
                "seed-5_agent-lstm_lr-0.001"
            ]
        );
        let c = &sweep.cells[3];
        assert_eq!(c.config.seed, 5);
        assert_eq!(c.config.agent.kind, lsnn_rl_neural::AgentKind::Lstm);
        assert_eq!(c.config.agent.n_lif, 8);
        assert_eq!(c.config.train.updates, 3);
        assert_eq!(c.config.train.lr, 0.001);
        assert_eq!(
            c.dir,
            Path::new("/tmp/sweeps/runs/seed-5_agent-lstm_lr-0.001")
        );
        assert_eq!(sweep.name, "s");
        assert_eq!(sweep.eval.seed, DEFAULT_EVAL_SEED);
    }

    #[test]
    fn env_values_get_safe_distinct_names() {
        let sweep = parse(
            r#"output = "o"
            [axes]
            env = ["bandit-bernoulli:arms=2", "bandit-bernoulli"]"#,
        )
        .unwrap();
        assert!(
            sweep.cells[0]
                .name
                .starts_with("env-bandit-bernoulli-arms-2-")
        );
        assert_eq!(sweep.cells[1].name, "env-bandit-bernoulli");
        assert_ne!(sweep.cells[0].name, sweep.cells[1].name);
        let single = parse("output = \"o\"").unwrap();
        assert_eq!(single.cells.len(), 1);
        assert_eq!(single.cells[0].name, "base");
    }

    #[test]
    fn mistakes_are_named_with_their_fix() {
        let err = |text: &str| format!("{:#}", parse(text).unwrap_err());
        let e = err("[axes]\nseed = [1]");
        assert!(e.contains("no output root"), "{e}");
        let e = err("output = \"o\"\n[axes]\nseed = []");
        assert!(e.contains("seed has no values"), "{e}");
        let e = err("output = \"o\"\n[axes]\n\"train.lrr\" = [1.0]");
        assert!(e.contains("lrr"), "{e}");
        let e = err("output = \"o\"\n[base]\ntrain.batchh = 2");
        assert!(e.contains("batchh") && e.contains("[base]"), "{e}");
        let e = err("output = \"o\"\n[train]\nupdates = 2");
        assert!(e.contains("updates") && e.contains("[base]"), "{e}");
        let e = err("output = \"o\"\n[axes]\nenv = [\"no-such-env\"]");
        assert!(
            e.contains("no-such-env") && e.contains("lsnn-rl envs"),
            "{e}"
        );
        let e = err("output = \"o\"\n[axes]\nseed = 3");
        assert!(e.contains("list of values"), "{e}");
        let e = err("output = \"o\"\n[axes]\nseed = { start = 0 }");
        assert!(e.contains("start and stop"), "{e}");
        let e = err("output = \"o\"\n[axes]\nseed = [1, 1]");
        assert!(e.contains("share the name"), "{e}");
        let e = err("output = \"o\"\n[axes]\nagent = [\"lsnnn\"]");
        assert!(e.contains("lsnnn"), "{e}");
        let e = err("output = \"o\"\n[eval]\ntrials = 1");
        assert!(e.contains("at least 2"), "{e}");
        for e in [
            err("output = [\n"),
            err("output = \"o\"\n[eval]\ntrials = 0"),
        ] {
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }
}
