//! `lsnn-rl train`, `lsnn-rl eval` and `lsnn-rl config`: the neural agents.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use lsnn_rl_a2c::config::ScheduleChoice;
use lsnn_rl_a2c::run::{Progress, RunDir, Start};
use lsnn_rl_a2c::{ActionMode, EpisodeLog, EvalSummary, LogRow, RunConfig, UpdateStats};
use lsnn_rl_env::TaskDistribution;

use crate::cli::{ConfigArgs, DeviceArg, EvalArgs, TrainArgs};
use crate::output::write_atomically;

pub(crate) fn device(arg: DeviceArg) -> anyhow::Result<tch::Device> {
    match arg {
        DeviceArg::Cpu => Ok(tch::Device::Cpu),
        DeviceArg::Cuda if tch::Cuda::is_available() => Ok(tch::Device::Cuda(0)),
        DeviceArg::Cuda => {
            bail!(
                "--device cuda: LibTorch sees no CUDA GPU (none on this machine, or this binary was built without LSNN_RL_CUDA=1); use --device cpu"
            )
        }
    }
}

fn threads(n: Option<u64>) {
    // Before any tensor work; one thread is usually fastest for small networks.
    tch::set_num_threads(n.unwrap_or(1) as i32);
}

pub(crate) fn make_dist(spec: &str) -> anyhow::Result<Arc<dyn TaskDistribution>> {
    let registry = crate::registry::builtin()?;
    let dist = registry
        .make(spec)
        .context("run `lsnn-rl envs` to see the environments and their parameters")?;
    Ok(Arc::from(dist))
}

/// The configuration a `train` command asks for: defaults for the agent and
/// environment, then the --config file, then --set overrides, then flags.
fn resolve_config(args: &TrainArgs) -> anyhow::Result<RunConfig> {
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read --config {}", path.display()))?;
            RunConfig::from_toml(&text).with_context(|| format!("in {}", path.display()))?
        }
        None => {
            let env = args
                .env
                .clone()
                .unwrap_or_else(|| "bandit-dependent".to_string());
            let agent = args.agent.unwrap_or(crate::cli::AgentArg::Lsnn);
            RunConfig::new(&env, agent.into(), args.seed.unwrap_or(0))
        }
    };
    config = config.with_overrides(&args.set)?;
    // The flags come last: they win over the file and over --set.
    if let Some(env) = &args.env {
        config.env = env.clone();
    }
    if let Some(agent) = args.agent {
        config.agent.kind = agent.into();
    }
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    if let Some(updates) = args.updates {
        config.train.updates = updates as usize;
    }
    config.validate()?;
    Ok(config)
}

/// A progress bar on a terminal, a log line every few percent otherwise;
/// stops the run when SIGINT or SIGTERM arrived.
struct Reporter {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    quiet: bool,
    last_line: usize,
    stop: Arc<AtomicBool>,
}

impl Reporter {
    fn new(quiet: bool, total: usize, done: usize) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} updates  {msg}  ETA {eta}",
                )
                .expect("a valid template"),
            );
            bar.set_position(done as u64);
            bar
        });
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        // One handler per process: `train` builds one Reporter.
        // The first signal stops at the next update boundary; a second one at once.
        let _ = ctrlc::set_handler(move || {
            if flag.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
        Self {
            bar,
            started: Instant::now(),
            quiet,
            last_line: done,
            stop,
        }
    }
}

impl Progress for Reporter {
    fn update(&mut self, stats: &UpdateStats, eval: Option<&EvalSummary>, total: usize) -> bool {
        let rate = stats.env_steps as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
        let eval_text = eval.map_or(String::new(), |e| {
            format!("  eval {:.2}", e.mean_total_reward)
        });
        let message = format!(
            "reward {:.2}{eval_text}  {rate:.0} steps/s",
            stats.mean_trial_reward
        );
        if let Some(bar) = &self.bar {
            bar.set_position(stats.update as u64);
            bar.set_message(message);
        } else if !self.quiet
            && (eval.is_some()
                || stats.update == total
                || stats.update >= self.last_line + total.div_ceil(20))
        {
            self.last_line = stats.update;
            eprintln!("update {}/{total}: {message}", stats.update);
        }
        // The update in flight has finished; the run writes a checkpoint and stops.
        !self.stop.load(Ordering::SeqCst)
    }
}

/// `lsnn-rl train`.
pub fn run_train(args: &TrainArgs) -> anyhow::Result<()> {
    threads(args.threads);
    let device = device(args.device)?;
    let run_dir = RunDir::new(&args.out);
    let config = if args.resume {
        let stored = run_dir.read_config()?;
        match args.updates.map(|u| u as usize) {
            Some(updates) if updates > stored.train.updates => {
                let choice = match args.schedule {
                    crate::cli::ScheduleArg::Keep => ScheduleChoice::Keep,
                    crate::cli::ScheduleArg::Restart => ScheduleChoice::Restart,
                };
                let (extended, message) = stored.extended(updates, choice);
                eprintln!("{message}");
                extended
            }
            Some(updates) => {
                let mut shorter = stored;
                shorter.train.updates = updates;
                shorter
            }
            None => stored,
        }
    } else {
        resolve_config(args)?
    };
    let dist = make_dist(&config.env)?;
    // Checked before anything is written, so a fix of the flags can rerun.
    config.validate()?;
    if device != tch::Device::Cpu && config.train.bptt == lsnn_rl_a2c::Bptt::Manual {
        bail!(
            "train.bptt = \"manual\" runs on the CPU only; use --device cpu, or train.bptt = \"auto\" on a GPU"
        );
    }
    if args.overwrite && run_dir.config().exists() {
        // A run another process is writing is not removed under it.
        drop(lsnn_rl_trainer::lock::RunLock::acquire(&args.out)?);
        // Only a folder that holds a run is removed, never an arbitrary one.
        std::fs::remove_dir_all(&args.out)
            .with_context(|| format!("cannot remove the old run {}", args.out.display()))?;
    }
    let total = config.train.updates;
    let mut reporter = Reporter::new(args.quiet, total, 0);
    let started = Instant::now();
    let start = if args.resume {
        Start::Resume(config)
    } else {
        Start::Fresh(config)
    };
    let trainer = lsnn_rl_a2c::run::train(&run_dir, start, dist.clone(), device, &mut reporter)?;
    if let Some(bar) = &reporter.bar {
        bar.finish_and_clear();
    }
    if trainer.updates_done() < trainer.config().train.updates {
        bail!(
            "interrupted after update {} of {}; the checkpoint is written and train.csv is complete; continue with: lsnn-rl train --out {} --resume",
            trainer.updates_done(),
            trainer.config().train.updates,
            args.out.display()
        );
    }
    let summary = trainer.evaluate(
        dist.as_ref(),
        trainer.config().train.eval_trials,
        FINAL_EVAL_SEED,
        ActionMode::Sample,
        None,
    )?;
    if !args.quiet {
        eprintln!(
            "trained {} updates ({} env steps) in {:.1} s; run directory {}",
            trainer.updates_done(),
            trainer.env_steps(),
            started.elapsed().as_secs_f64(),
            args.out.display()
        );
    }
    let label = agent_label(trainer.config(), &args.out);
    if args.baselines {
        let baseline_args = crate::cli::BaselinesArgs {
            env: Some(trainer.config().env.clone()),
            suite: None,
            trials: summary.trials as u64,
            seed: FINAL_EVAL_SEED,
            algos: None,
            csv: None,
            episodes_csv: None,
            threads: None,
            quiet: args.quiet,
        };
        let mut rows = crate::baselines::compute(&baseline_args)?.rows;
        rows.insert(0, agent_row(dist.spec(), &label, &summary, FINAL_EVAL_SEED));
        print!("{}", crate::baselines::env_table(&rows));
    } else {
        let row = agent_row(dist.spec(), &label, &summary, FINAL_EVAL_SEED);
        print!("{}", crate::baselines::env_table(&[row]));
    }
    Ok(())
}

/// Seed of the evaluation `train` prints at its end (and the default of
/// `eval`): its tasks are never drawn in training, which uses a salted stream.
pub(crate) const FINAL_EVAL_SEED: u64 = 1_000_003;

pub(crate) fn agent_label(config: &RunConfig, run: &Path) -> String {
    let kind = serde_json::to_value(config.agent.kind)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    format!("{kind} ({})", run.display())
}

/// The agent's evaluation (on tasks of `seed`) as a row of the baselines' table.
pub(crate) fn agent_row(
    env: &str,
    label: &str,
    summary: &EvalSummary,
    seed: u64,
) -> crate::baselines::BaselineRow {
    crate::baselines::BaselineRow {
        env: env.to_string(),
        algo: label.to_string(),
        trials: summary.trials as u64,
        mean_total_reward: summary.mean_total_reward,
        ci95: summary.ci95,
        mean_regret: summary.mean_regret,
        regret_ci95: summary.regret_ci95,
        goals: summary.goals,
        episodes: summary.episodes.clone(),
        seed,
    }
}

/// `lsnn-rl eval`.
pub fn run_eval(args: &EvalArgs) -> anyhow::Result<()> {
    threads(args.threads);
    let device = device(args.device)?;
    let run_dir = RunDir::new(&args.run);
    let config = run_dir.read_config()?;
    let spec = args.env.clone().unwrap_or_else(|| config.env.clone());
    let dist = make_dist(&spec)?;
    let trainer = lsnn_rl_a2c::run::load_for_eval(
        &run_dir,
        config,
        args.checkpoint.as_deref(),
        dist.clone(),
        device,
    )?;
    let mode = if args.greedy {
        ActionMode::Greedy
    } else {
        ActionMode::Sample
    };
    let mut log = EpisodeLog {
        rows: Vec::new(),
        spikes: args.spikes.as_ref().map(|_| Vec::new()),
    };
    let wants_log = args.csv.is_some() || args.spikes.is_some();
    let progress = crate::output::Progress::spinner(
        args.quiet,
        &format!("evaluating {} trials of {}", args.trials, dist.spec()),
    );
    let summary = trainer.evaluate(
        dist.as_ref(),
        args.trials as usize,
        args.seed,
        mode,
        wants_log.then_some(&mut log),
    )?;
    progress.finish();
    let config = trainer.config();
    let label = agent_label(config, &args.run);
    let row = agent_row(dist.spec(), &label, &summary, args.seed);
    print!("{}", crate::baselines::env_table(&[row]));
    if let Some(path) = &args.csv {
        let label = config.agent.kind.as_str();
        write_atomically(path, &episode_csv(&[(label, &log.rows)])?)?;
        eprintln!("wrote {} ({} rows)", path.display(), log.rows.len());
    }
    if let (Some(path), Some(events)) = (&args.spikes, &log.spikes) {
        let mut out = String::from("trial,step,neuron,population\n");
        for e in events {
            out.push_str(&format!(
                "{},{},{},{}\n",
                e.trial,
                e.step,
                e.neuron,
                if e.adaptive { "alif" } else { "lif" }
            ));
        }
        write_atomically(path, out.as_bytes())?;
        eprintln!("wrote {} ({} spikes)", path.display(), events.len());
    }
    Ok(())
}

/// The episode log as CSV: a row per step per trial of each algorithm, with
/// fixed columns, then every info key any row has, in order of first
/// appearance (empty where a row lacks it). `value` is empty for policies
/// without a critic, `spikes` 0 for networks without spikes.
pub fn episode_csv(groups: &[(&str, &[LogRow])]) -> anyhow::Result<Vec<u8>> {
    let mut keys: Vec<&'static str> = Vec::new();
    for (_, rows) in groups {
        for row in rows.iter() {
            for (key, _) in row.info.entries() {
                if *key != "episode" && !keys.contains(key) {
                    keys.push(key);
                }
            }
        }
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "algo", "trial", "episode", "step", "action", "reward", "done", "value", "spikes",
    ];
    header.extend(keys.iter().copied());
    writer.write_record(&header)?;
    for (algo, rows) in groups {
        for row in rows.iter() {
            let mut record = vec![
                algo.to_string(),
                row.trial.to_string(),
                row.episode.to_string(),
                row.step.to_string(),
                row.action.clone(),
                row.reward.to_string(),
                (row.done as u8).to_string(),
                if row.value.is_nan() {
                    String::new()
                } else {
                    row.value.to_string()
                },
                row.spikes.to_string(),
            ];
            record.extend(
                keys.iter()
                    .map(|k| row.info.get(k).map_or(String::new(), |v| v.to_string())),
            );
            writer.write_record(&record)?;
        }
    }
    Ok(writer.into_inner()?)
}

/// `lsnn-rl config`.
pub fn run_config(args: &ConfigArgs) -> anyhow::Result<()> {
    let registry = crate::registry::builtin()?;
    registry
        .params(&args.env)
        .context("run `lsnn-rl envs` to see the environments and their parameters")?;
    let config = RunConfig::new(&args.env, args.agent.into(), 0);
    print!("{}", config.to_commented_toml());
    Ok(())
}
