//! `lsnn-rl train`: trains a recurrent agent by actor-critic meta-RL into a
//! run directory, then prints its final evaluation.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::bail;
use lsnn_rl_a2c::{ActionMode, EvalSummary, UpdateStats};
use lsnn_rl_env::{Objective, Registry};
use lsnn_rl_trainer::run::{Progress, RunDir, Start};
use lsnn_rl_trainer::{Algo, ScheduleChoice};

use crate::common::agent::{agent_label, agent_row};
use crate::common::baselines::tables::env_table;
use crate::common::baselines::{ScoreRequest, compute, gittins_cache};
use crate::common::config::{ConfigLayers, ValidatedConfig};
use crate::common::fewshot;
use crate::common::runtime::{
    DeviceChoice, FINAL_EVAL_SEED, algorithm, device, make_dist, set_threads,
};

/// Where a run's configuration comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigSource {
    /// A fresh run, configured from these layers.
    Fresh(ConfigLayers),
    /// Continue the run in the output folder from its newest checkpoint,
    /// with its stored configuration; `updates` is the run's new total.
    Resume {
        /// The run's total updates (default: the stored configuration's).
        updates: Option<usize>,
        /// What the schedules do if `updates` extends the run.
        schedule: ScheduleChoice,
    },
}

/// A `lsnn-rl train` request.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainRequest {
    /// The configuration (fresh) or the run to continue.
    pub config: ConfigSource,
    /// The run directory.
    pub out: PathBuf,
    /// Threads of the CPU kernel (default: every core) and LibTorch (default 1).
    pub threads: Option<u64>,
    /// Replace the run in `out` if there is one.
    pub overwrite: bool,
    /// Also score the classical baselines on the final evaluation's tasks.
    pub baselines: bool,
    /// Where tensors live.
    pub device: DeviceChoice,
    /// No progress output.
    pub quiet: bool,
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
pub fn run(registry: &Registry, request: &TrainRequest) -> anyhow::Result<()> {
    set_threads(request.threads);
    let device = device(request.device)?;
    let run_dir = RunDir::new(&request.out);
    // Built and checked once, before anything is written, so a fix of the
    // flags can rerun.
    let config = match &request.config {
        ConfigSource::Resume { updates, schedule } => {
            let (config, said) = ValidatedConfig::resume(&run_dir, *updates, *schedule)?;
            if let Some(said) = said {
                eprintln!("{said}");
            }
            config
        }
        ConfigSource::Fresh(layers) => ValidatedConfig::resolve(layers)?,
    };
    let resume = matches!(request.config, ConfigSource::Resume { .. });
    let dist = make_dist(registry, &config.get().env)?;
    let config = match &request.config {
        // A task with targets trains by the supervised trainer unless the
        // user named an algorithm (the trainer refuses a mismatch).
        ConfigSource::Fresh(layers)
            if dist.objective() == Objective::Regression
                && config.get().train.algo != Algo::Supervised
                && !layers.names_algo() =>
        {
            config.with_algo(Algo::Supervised)?
        }
        _ => config,
    };
    let config_file = match &request.config {
        ConfigSource::Fresh(layers) => layers.file.as_deref(),
        ConfigSource::Resume { .. } => None,
    };
    match (&config.get().recipe, resume, config_file) {
        (Some(recipe), false, Some(file)) => eprintln!(
            // The file's keys apply, not today's recipe file.
            "{} records that it started from the tuned recipe {recipe}; its own keys apply",
            file.display()
        ),
        // Said first, even with --quiet: the run is not on the plain defaults.
        (Some(recipe), false, None) => eprintln!(
            "using the tuned recipe {recipe} for {} + {} (docs/search.md); --set overrides its keys, --no-recipe starts from the plain defaults",
            config.get().env,
            config.get().agent.kind.as_str()
        ),
        _ => {}
    }
    let config = config.into_inner();

    let total = config.train.updates;
    let mut reporter = Reporter::new(request.quiet, total, 0);
    let started = Instant::now();
    let algorithm = algorithm(&config);
    // --overwrite: the old run goes only once the new network is built
    // and the directory's lock is held.
    let start = if resume {
        Start::Resume(config)
    } else if request.overwrite {
        Start::Replace(config)
    } else {
        Start::Fresh(config)
    };
    let trainer = lsnn_rl_trainer::run::train(
        &run_dir,
        start,
        dist.clone(),
        device,
        algorithm,
        &mut reporter,
    )?;
    if let Some(bar) = &reporter.bar {
        bar.finish_and_clear();
    }
    if trainer.updates_done() < trainer.config().train.updates {
        bail!(
            "interrupted after update {} of {}; the checkpoint is written and train.csv is complete; continue with: lsnn-rl train --out {} --resume",
            trainer.updates_done(),
            trainer.config().train.updates,
            request.out.display()
        );
    }
    if !request.quiet {
        eprintln!(
            "trained {} updates ({} env steps) in {:.1} s; run directory {}",
            trainer.updates_done(),
            trainer.env_steps(),
            started.elapsed().as_secs_f64(),
            request.out.display()
        );
    }
    if dist.objective() == Objective::Regression {
        return print_error_curve(registry, request, &trainer, &dist, device);
    }
    let summary = trainer.evaluate(
        dist.as_ref(),
        trainer.config().train.eval_trials,
        FINAL_EVAL_SEED,
        ActionMode::Sample,
        None,
    )?;
    let label = agent_label(trainer.config(), &request.out);
    if request.baselines {
        let score = ScoreRequest {
            envs: vec![trainer.config().env.clone()],
            trials: summary.trials as u64,
            seed: FINAL_EVAL_SEED,
            algos: None,
            keep_logs: false,
            threads: None,
            gittins_cache: gittins_cache(),
        };
        let mut rows = compute(registry, &score, request.quiet)?.rows;
        rows.insert(0, agent_row(dist.spec(), &label, &summary, FINAL_EVAL_SEED));
        print!("{}", env_table(&rows));
    } else {
        let row = agent_row(dist.spec(), &label, &summary, FINAL_EVAL_SEED);
        print!("{}", env_table(&[row]));
    }
    Ok(())
}

/// The end of a supervised run: the error per examples seen of the trained
/// network beside the untrained one and the few-shot baselines, printed and
/// written to `analysis/fewshot-curve.csv`.
fn print_error_curve(
    registry: &Registry,
    request: &TrainRequest,
    trainer: &lsnn_rl_a2c::Trainer,
    dist: &Arc<dyn lsnn_rl_env::TaskDistribution>,
    device: tch::Device,
) -> anyhow::Result<()> {
    let untrained = fewshot::untrained(trainer.config(), dist, device)?;
    let curve = fewshot::error_curve(
        registry,
        trainer,
        &untrained,
        dist,
        trainer.config().train.eval_trials,
        FINAL_EVAL_SEED,
        None,
        request.quiet,
    )?;
    print!("{}", curve.table());
    let path = fewshot::curve_csv_path(&request.out);
    curve.write(&path)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
