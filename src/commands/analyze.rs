//! `lsnn-rl analyze decode`: where a trained agent keeps what it has learned
//! about the current task. Rolls the agent out on new trials, records its
//! state at every step, and scores cross-validated linear decoders of a task
//! variable from each state component, per step and per phase of the trial.

use std::path::PathBuf;

use anyhow::Context;
use lsnn_rl_a2c::probe::{Probe, RecordedStep};
use lsnn_rl_decode::{CvOptions, Labels, cross_validate};
use lsnn_rl_env::{Registry, TaskVariable, VariableKind, find_variable};
use ndarray::Array2;
use rayon::prelude::*;

use crate::common::analysis::{
    DecodeRow, analysis_dir, decode_csv_path, decode_png_path, write_rows,
};
use crate::common::output::{Indicator, format_table, write_atomically};
use crate::common::pictures::decoding::decoding_plot;
use crate::common::runtime::{DeviceChoice, device, load_for_eval, set_threads};

/// A `lsnn-rl analyze decode` request.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeRequest {
    /// The run directory of a `lsnn-rl train`.
    pub run: PathBuf,
    /// A checkpoint instead of the newest.
    pub checkpoint: Option<PathBuf>,
    /// Environment spec (default: the run's).
    pub env: Option<String>,
    /// The task variable to decode.
    pub target: String,
    /// Trials to record.
    pub trials: u64,
    /// Seed of the trials (and of the folds and shuffles).
    pub seed: u64,
    /// Decode every `every`-th step (default: about 25 steps over the trial).
    pub every: Option<usize>,
    /// Outer folds.
    pub folds: usize,
    /// Label shuffles for the chance level.
    pub shuffles: usize,
    /// Where the CSV and plot go (default: RUN/analysis).
    pub out: Option<PathBuf>,
    /// Take the most likely action instead of sampling.
    pub greedy: bool,
    /// Threads (decoders and the CPU kernel; LibTorch 1 unless given).
    pub threads: Option<u64>,
    /// Where tensors live.
    pub device: DeviceChoice,
    /// No progress output.
    pub quiet: bool,
}

/// `lsnn-rl analyze decode`.
pub fn decode(registry: &Registry, request: &DecodeRequest) -> anyhow::Result<()> {
    set_threads(request.threads);
    let device = device(request.device)?;
    let (run_dir, config, dist) =
        crate::common::runtime::open_run(registry, &request.run, request.env.as_deref())?;
    // Checked before the (long) rollout: a bad name fails at once.
    let variable = find_variable(dist.as_ref(), &request.target)?;
    let trainer = load_for_eval(
        &run_dir,
        config,
        request.checkpoint.as_deref(),
        dist.clone(),
        device,
    )?;
    let progress = Indicator::spinner(
        request.quiet,
        &format!("recording {} trials of {}", request.trials, dist.spec()),
    );
    let mut probe = Probe {
        record: true,
        ..Probe::default()
    };
    let mode = crate::common::runtime::action_mode(request.greedy);
    trainer.evaluate_probed(
        dist.as_ref(),
        request.trials as usize,
        request.seed,
        mode,
        None,
        &mut probe,
    )?;
    let samples = Samples::new(&probe.steps, &variable)?;
    let every = request
        .every
        .unwrap_or_else(|| samples.trial_steps.div_ceil(25))
        .max(1);
    let options = CvOptions {
        folds: request.folds,
        shuffles: request.shuffles,
        seed: request.seed,
        ..CvOptions::default()
    };
    let jobs = samples.jobs(&probe.steps, &probe.components, every);
    progress.message(&format!("fitting {} decoders", jobs.len()));
    let rows: Vec<DecodeRow> = jobs
        .par_iter()
        .map(|job| samples.decode(job, &probe.steps, &variable, &options))
        .collect::<anyhow::Result<_>>()?;
    progress.finish();
    let dir = request
        .out
        .clone()
        .unwrap_or_else(|| analysis_dir(&request.run));
    let csv = decode_csv_path(&dir, variable.name);
    write_rows(&csv, &rows)?;
    let figure = decoding_plot(&rows)?;
    let png = decode_png_path(&dir, variable.name);
    write_atomically(&png, &figure.png)?;
    print!("{}", phase_table(&rows));
    eprintln!("wrote {} and {}", csv.display(), png.display());
    Ok(())
}

/// One decoder to fit: a component over a window of the trial.
struct Job {
    component: usize,
    name: &'static str,
    kind: &'static str,
    window: String,
    /// Indices of its labelled samples in the recorded steps.
    rows: Vec<usize>,
}

/// The recorded steps with their labels and phases.
struct Samples {
    /// The label of each recorded step (None where the info lacks it).
    labels: Vec<Option<f64>>,
    /// The phase of each recorded step.
    phases: Vec<&'static str>,
    /// Steps per trial.
    trial_steps: usize,
}

impl Samples {
    /// Labels and phases of `steps`: the phase is before or after the
    /// trial's first goal visit on tasks with goals (a step's state has seen
    /// the outcome of the step before it), else the first or second half of
    /// the trial.
    fn new(steps: &[RecordedStep], variable: &TaskVariable) -> anyhow::Result<Self> {
        let labels: Vec<Option<f64>> = steps.iter().map(|s| s.info.get(variable.name)).collect();
        if labels.iter().all(Option::is_none) {
            anyhow::bail!(
                "the environment declares the task variable '{}' but its steps' info never reports it",
                variable.name
            );
        }
        if let VariableKind::Categorical { classes } = variable.kind
            && let Some(bad) = labels
                .iter()
                .flatten()
                .find(|&&v| v < 0.0 || v as usize >= classes)
        {
            anyhow::bail!(
                "'{}' is declared with {classes} classes but a step reports {bad}",
                variable.name
            );
        }
        let trial_steps = steps.iter().map(|s| s.step + 1).max().unwrap_or(0);
        let goals = steps.iter().any(|s| s.info.get("goal_reached").is_some());
        let mut phases = Vec::with_capacity(steps.len());
        // Steps come batch by batch, step-major: trials interleave.
        let mut found_in: std::collections::HashMap<u64, bool> = std::collections::HashMap::new();
        for s in steps {
            let found = found_in.entry(s.trial).or_insert(false);
            phases.push(match (goals, *found) {
                (true, false) => "before_goal",
                (true, true) => "after_goal",
                (false, _) if s.step < trial_steps / 2 => "first_half",
                (false, _) => "second_half",
            });
            // The state of the next step has seen this step's reward.
            *found |= s.info.get("goal_reached") == Some(1.0);
        }
        Ok(Self {
            labels,
            phases,
            trial_steps,
        })
    }

    /// A decoder per component for every `every`-th step, and for each
    /// phase (pooling the labelled samples of those same steps).
    fn jobs(&self, steps: &[RecordedStep], components: &[&'static str], every: usize) -> Vec<Job> {
        let labelled =
            |i: &usize| self.labels[*i].is_some() && steps[*i].step.is_multiple_of(every);
        let mut phases: Vec<&'static str> = Vec::new();
        for p in &self.phases {
            if !phases.contains(p) {
                phases.push(p);
            }
        }
        phases.sort_by_key(|p| matches!(*p, "after_goal" | "second_half"));
        let mut windows: Vec<(&'static str, String, Vec<usize>)> = Vec::new();
        for step in (0..self.trial_steps).step_by(every) {
            let rows = (0..steps.len())
                .filter(labelled)
                .filter(|&i| steps[i].step == step);
            windows.push(("step", step.to_string(), rows.collect()));
        }
        for phase in phases {
            let rows = (0..steps.len())
                .filter(labelled)
                .filter(|&i| self.phases[i] == phase);
            windows.push(("phase", phase.to_string(), rows.collect()));
        }
        components
            .iter()
            .enumerate()
            .flat_map(|(component, &name)| {
                windows.iter().map(move |(kind, window, rows)| Job {
                    component,
                    name,
                    kind,
                    window: window.clone(),
                    rows: rows.clone(),
                })
            })
            .collect()
    }

    /// Fits and scores one job's decoders.
    fn decode(
        &self,
        job: &Job,
        steps: &[RecordedStep],
        variable: &TaskVariable,
        options: &CvOptions,
    ) -> anyhow::Result<DecodeRow> {
        let rows = &job.rows;
        let width = rows
            .first()
            .map_or(0, |&i| steps[i].values[job.component].len());
        let x = Array2::from_shape_fn((rows.len(), width), |(r, j)| {
            f64::from(steps[rows[r]].values[job.component][j])
        });
        let groups: Vec<u64> = rows.iter().map(|&i| steps[i].trial).collect();
        let values: Vec<f64> = rows.iter().filter_map(|&i| self.labels[i]).collect();
        let labels = match variable.kind {
            VariableKind::Continuous => Labels::Continuous(values),
            VariableKind::Categorical { .. } => {
                Labels::Categorical(values.iter().map(|&v| v.round() as usize).collect())
            }
        };
        let score = cross_validate(x.view(), &labels, &groups, options).with_context(|| {
            format!(
                "decoding {} from {} at {} {}",
                variable.name, job.name, job.kind, job.window
            )
        })?;
        Ok(DecodeRow {
            target: variable.name.to_string(),
            metric: score.metric.as_str().to_string(),
            component: job.name.to_string(),
            window_kind: job.kind.to_string(),
            window: job.window.clone(),
            samples: score.samples,
            trials: score.trials,
            score: score.score,
            ci95: score.ci95,
            chance: score.chance,
            chance_sd: score.chance_sd,
        })
    }
}

/// The phase rows as a table: component, then score and chance per phase.
fn phase_table(rows: &[DecodeRow]) -> String {
    let header = ["component", "phase", "metric", "score", "chance", "samples"].map(String::from);
    let body: Vec<Vec<String>> = rows
        .iter()
        .filter(|r| r.window_kind == "phase")
        .map(|r| {
            vec![
                r.component.clone(),
                r.window.clone(),
                r.metric.clone(),
                format!("{:.3} ± {:.3}", r.score, r.ci95),
                format!("{:.3} ± {:.3}", r.chance, r.chance_sd),
                r.samples.to_string(),
            ]
        })
        .collect();
    format_table(&header, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsnn_rl_env::Info;

    fn step(trial: u64, step: usize, reached: bool) -> RecordedStep {
        RecordedStep {
            trial,
            step,
            values: vec![vec![0.0]],
            info: Info::new()
                .with("goal_x", trial as f64)
                .with("goal_reached", if reached { 1.0 } else { 0.0 }),
        }
    }

    #[test]
    fn phases_follow_each_trials_first_goal_though_trials_interleave() {
        // Step-major, as a batch records them: trial 0 reaches the goal at
        // step 0, trial 1 at step 1.
        let steps = [
            step(0, 0, true),
            step(1, 0, false),
            step(0, 1, false),
            step(1, 1, true),
            step(0, 2, false),
            step(1, 2, false),
        ];
        let variable = TaskVariable::continuous("goal_x", "x");
        let samples = Samples::new(&steps, &variable).unwrap();
        assert_eq!(
            samples.phases,
            [
                "before_goal",
                "before_goal",
                "after_goal",
                "before_goal",
                "after_goal",
                "after_goal"
            ]
        );
        assert_eq!(samples.trial_steps, 3);
    }

    #[test]
    fn tasks_without_goals_are_split_in_halves() {
        let steps: Vec<RecordedStep> = (0..4)
            .map(|s| RecordedStep {
                trial: 0,
                step: s,
                values: vec![vec![0.0]],
                info: Info::new().with("best_arm", 1.0),
            })
            .collect();
        let variable = TaskVariable::categorical("best_arm", 2, "arm");
        let samples = Samples::new(&steps, &variable).unwrap();
        assert_eq!(
            samples.phases,
            ["first_half", "first_half", "second_half", "second_half"]
        );
    }

    #[test]
    fn a_class_out_of_range_is_an_error() {
        let steps = [RecordedStep {
            trial: 0,
            step: 0,
            values: vec![vec![0.0]],
            info: Info::new().with("best_arm", 5.0),
        }];
        let variable = TaskVariable::categorical("best_arm", 2, "arm");
        let err = Samples::new(&steps, &variable).err().unwrap().to_string();
        assert!(err.contains("2 classes"), "{err}");
    }
}
