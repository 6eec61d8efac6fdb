//! Learning-to-learn from a teacher, measured: the squared error of a
//! trained network's predictions as a function of the examples it has seen
//! in the trial, beside the same network before training and the few-shot
//! baselines (the family's mean, kernel ridge regression) on the same
//! functions and inputs; and the prediction surface of one test function
//! after a few examples. `train`, `eval`, `plot` and `report` share it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use lsnn_rl_a2c::{ActionMode, EpisodeLog, LogRow, Trainer};
use lsnn_rl_env::{Env as _, Registry, TaskDistribution, start_eval_trial};
use lsnn_rl_functions::FunctionTasks;

use crate::common::baselines::{ScoreRequest, compute, gittins_cache};
use crate::common::output::write_atomically;

/// Examples seen after which the surface is drawn (where the trial is long enough).
pub const SURFACE_EXAMPLES: [usize; 3] = [1, 5, 20];

/// Points per input dimension of the surface grid over [-1, 1].
pub const SURFACE_GRID: usize = 25;

/// Mean squared error per examples seen, for each predictor.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorCurve {
    /// The environment spec.
    pub env: String,
    /// Trials averaged.
    pub trials: usize,
    /// Seed of the evaluation tasks.
    pub seed: u64,
    /// (predictor, mean squared error at 0, 1, 2, ... examples seen), the
    /// trained network first.
    pub series: Vec<(String, Vec<f64>)>,
}

/// The squared error per step (= examples seen) averaged over the trials
/// of an episode log: each step's reward is minus its squared error.
pub fn step_errors(rows: &[LogRow]) -> Vec<f64> {
    let steps = rows.iter().map(|r| r.step + 1).max().unwrap_or(0);
    let mut sums = vec![0.0; steps];
    let mut counts = vec![0usize; steps];
    for row in rows {
        sums[row.step] -= row.reward;
        counts[row.step] += 1;
    }
    sums.iter()
        .zip(&counts)
        .map(|(s, &n)| s / n.max(1) as f64)
        .collect()
}

/// The error curve of `trainer`'s network on `trials` functions of `dist`
/// (evaluation seed `seed`), of the same network with its initial weights
/// (`untrained`, built from the run's configuration and seed), and of the
/// few-shot baselines on the same functions and inputs. The trained
/// network's steps (and spikes, if asked) go to `log` when given.
#[allow(clippy::too_many_arguments)]
pub fn error_curve(
    registry: &Registry,
    trainer: &Trainer,
    untrained: &Trainer,
    dist: &Arc<dyn TaskDistribution>,
    trials: usize,
    seed: u64,
    log: Option<&mut EpisodeLog>,
    quiet: bool,
) -> anyhow::Result<ErrorCurve> {
    let mut own = EpisodeLog::default();
    let log = log.unwrap_or(&mut own);
    trainer.evaluate(dist.as_ref(), trials, seed, ActionMode::Greedy, Some(log))?;
    let score = ScoreRequest {
        envs: vec![dist.spec().to_string()],
        trials: trials as u64,
        seed,
        algos: None,
        keep_logs: true,
        threads: None,
        gittins_cache: gittins_cache(),
    };
    let computed =
        compute(registry, &score, quiet).context("cannot score the few-shot baselines")?;
    ErrorCurve::from_logs(untrained, dist, (trials, seed), &log.rows, &computed.logs)
}

impl ErrorCurve {
    /// The curve of a trained network's evaluation log `network` (of
    /// `trials` trials of `seed`), of `untrained` evaluated here on the same
    /// functions, and of the baselines' logs on them.
    pub fn from_logs(
        untrained: &Trainer,
        dist: &Arc<dyn TaskDistribution>,
        (trials, seed): (usize, u64),
        network: &[LogRow],
        baselines: &[(String, Vec<LogRow>)],
    ) -> anyhow::Result<Self> {
        let mut before = EpisodeLog::default();
        untrained.evaluate(
            dist.as_ref(),
            trials,
            seed,
            ActionMode::Greedy,
            Some(&mut before),
        )?;
        let mut series = vec![
            ("network".to_string(), step_errors(network)),
            ("untrained network".to_string(), step_errors(&before.rows)),
        ];
        for (algo, rows) in baselines {
            series.push((algo.clone(), step_errors(rows)));
        }
        Ok(ErrorCurve {
            env: dist.spec().to_string(),
            trials,
            seed,
            series,
        })
    }

    /// The curve as CSV: `examples` and one column per predictor.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("examples");
        for (name, _) in &self.series {
            out.push(',');
            out.push_str(&name.replace([' ', '-'], "_"));
        }
        out.push('\n');
        let steps = self.series.iter().map(|s| s.1.len()).max().unwrap_or(0);
        for k in 0..steps {
            let _ = write!(out, "{k}");
            for (_, values) in &self.series {
                let _ = match values.get(k) {
                    Some(v) => write!(out, ",{v}"),
                    None => write!(out, ","),
                };
            }
            out.push('\n');
        }
        out
    }

    /// A table of the curve at a few example counts, for the terminal.
    pub fn table(&self) -> String {
        let steps = self.series.iter().map(|s| s.1.len()).max().unwrap_or(0);
        let shown: Vec<usize> = [0, 1, 2, 3, 5, 10, 20, 50, 100]
            .into_iter()
            .filter(|&k| k < steps)
            .chain((steps > 0).then(|| steps - 1))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut out = format!(
            "{} ({} functions, seed {}): mean squared error after k examples\n",
            self.env, self.trials, self.seed
        );
        let width = self
            .series
            .iter()
            .map(|s| s.0.len())
            .max()
            .unwrap_or(0)
            .max(9);
        let _ = write!(out, "{:width$}", "predictor");
        for k in &shown {
            let _ = write!(out, " {:>9}", format!("k={k}"));
        }
        out.push('\n');
        for (name, values) in &self.series {
            let _ = write!(out, "{name:width$}");
            for &k in &shown {
                let _ = write!(out, " {:>9.4}", values.get(k).copied().unwrap_or(f64::NAN));
            }
            out.push('\n');
        }
        out
    }

    /// Writes the curve's CSV atomically to `path`.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        write_atomically(path, self.to_csv().as_bytes())
    }
}

/// The run's network with the weights it started from (its configuration
/// and seed): the "before training" row of the error curve.
pub fn untrained(
    config: &lsnn_rl_a2c::RunConfig,
    dist: &Arc<dyn TaskDistribution>,
    device: tch::Device,
) -> anyhow::Result<Trainer> {
    Ok(Trainer::for_evaluation(
        config.clone().validated()?,
        dist.clone(),
        device,
        crate::common::runtime::algorithm(config),
    )?)
}

/// Where `eval` and `train` write a run's error curve.
pub fn curve_csv_path(run: &Path) -> PathBuf {
    run.join("analysis").join("fewshot-curve.csv")
}

/// The target and the network's predictions over a grid of inputs, for one
/// test function, after a few examples of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Surface {
    /// Inputs of the function (1 or 2).
    pub inputs: usize,
    /// The grid points, `[points, inputs]` row-major.
    pub grid: Vec<f64>,
    /// f at the grid points.
    pub target: Vec<f64>,
    /// (examples seen, predictions at the grid points).
    pub predictions: Vec<(usize, Vec<f64>)>,
    /// The examples the network saw, (inputs, target), in order.
    pub examples: Vec<(Vec<f64>, f64)>,
}

/// The surface of test function `index` of evaluation seed `seed`: the
/// network plays that trial's first k examples exactly as in an evaluation,
/// then, in place of x_k, is asked every grid point (one sequence per
/// point, all sharing the first k steps). None for families of more than
/// two inputs or spec ids that are not function families.
pub fn surface(
    trainer: &Trainer,
    dist: &dyn TaskDistribution,
    seed: u64,
    index: u64,
) -> anyhow::Result<Option<Surface>> {
    let Ok(tasks) = FunctionTasks::from_spec(dist.spec()) else {
        return Ok(None);
    };
    let d = tasks.family().inputs();
    if d > 2 {
        return Ok(None);
    }
    let function = tasks.eval_function(seed, index);
    let axis: Vec<f64> = (0..SURFACE_GRID)
        .map(|i| -1.0 + 2.0 * i as f64 / (SURFACE_GRID - 1) as f64)
        .collect();
    let grid: Vec<f64> = if d == 1 {
        axis.clone()
    } else {
        axis.iter()
            .flat_map(|&y| axis.iter().flat_map(move |&x| [x, y]))
            .collect()
    };
    let points = grid.len() / d;
    let target = grid.chunks(d).map(|x| function.eval(x)).collect();
    let wanted: Vec<usize> = SURFACE_EXAMPLES
        .into_iter()
        .filter(|&k| k < tasks.examples())
        .collect();
    if wanted.is_empty() {
        // Trials too short to show a prediction after an example.
        return Ok(None);
    }
    let probe_seed = lsnn_rl_env::derive_seed(seed, index);
    // The trial as an evaluation plays it, greedy: its observations step by step.
    let (mut trial, first, _) = start_eval_trial(dist, seed, index, trainer.config().inputs)?;
    let mut observations = vec![first];
    let mut examples = Vec::new();
    let mut predictions = Vec::new();
    for t in 0..wanted.iter().copied().max().unwrap_or(0) {
        // Re-run from the start: the network's state after t steps is not kept.
        let prediction = trainer.outputs_for(&observations.concat(), t + 1, 1, probe_seed)?[t];
        let limit = lsnn_rl_functions::PREDICTION_LIMIT;
        let action = lsnn_rl_env::Action::Continuous(vec![prediction.clamp(-limit, limit)]);
        let step = trial.step(&action)?;
        let x: Vec<f64> = lsnn_rl_functions::INPUT_KEYS[..d]
            .iter()
            .map(|k| step.info.get(k).unwrap_or(f64::NAN))
            .collect();
        examples.push((x, step.info.get(lsnn_rl_env::TARGET).unwrap_or(f64::NAN)));
        observations.push(step.obs);
    }
    let obs_size = observations[0].len();
    for &k in &wanted {
        // Rows share the first k observations; at step k each row's x is a grid point.
        let mut obs = Vec::with_capacity((k + 1) * points * obs_size);
        for step in &observations[..k] {
            for _ in 0..points {
                obs.extend_from_slice(step);
            }
        }
        for x in grid.chunks(d) {
            let mut row = observations[k].clone();
            tasks.replace_input(&mut row, x);
            obs.extend_from_slice(&row);
        }
        let out = trainer.outputs_for(&obs, k + 1, points, probe_seed)?;
        let at_k = out[k * points..(k + 1) * points]
            .iter()
            .map(|&p| p as f64)
            .collect();
        predictions.push((k, at_k));
    }
    Ok(Some(Surface {
        inputs: d,
        grid,
        target,
        predictions,
        examples,
    }))
}
