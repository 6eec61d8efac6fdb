//! `lsnn-rl eval`: a trained agent evaluated with fixed weights; writes the
//! episode log and spikes on request, and with `--lesion` compares lesioned
//! evaluations with the intact one on the same trials.

use std::path::PathBuf;

use lsnn_rl_a2c::EpisodeLog;
use lsnn_rl_a2c::lesion::Lesion;
use lsnn_rl_a2c::probe::Probe;
use lsnn_rl_env::{Objective, Registry};

use crate::common::agent::{agent_label, agent_row};
use crate::common::analysis::{analysis_dir, lesions_csv_path, write_rows};
use crate::common::baselines::tables::env_table;
use crate::common::episodes::episode_csv;
use crate::common::fewshot;
use crate::common::lesions::{lesion_row, lesion_table};
use crate::common::output::{Indicator, write_atomically};
use crate::common::runtime::{DeviceChoice, device, set_threads};

/// A `lsnn-rl eval` request.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalRequest {
    /// The run directory of a `lsnn-rl train`.
    pub run: PathBuf,
    /// A checkpoint instead of the newest.
    pub checkpoint: Option<PathBuf>,
    /// Environment spec (default: the run's).
    pub env: Option<String>,
    /// Trials to play.
    pub trials: u64,
    /// Seed of the evaluation tasks.
    pub seed: u64,
    /// Write the episode log to this CSV.
    pub csv: Option<PathBuf>,
    /// Write spike events to this CSV.
    pub spikes: Option<PathBuf>,
    /// Take the most likely action instead of sampling.
    pub greedy: bool,
    /// Lesions, each evaluated on its own on the same trials as the intact
    /// network (empty: the plain evaluation).
    pub lesions: Vec<Lesion>,
    /// Threads of the CPU kernel (default: every core) and LibTorch (default 1).
    pub threads: Option<u64>,
    /// Where tensors live.
    pub device: DeviceChoice,
    /// No progress output.
    pub quiet: bool,
}

/// `lsnn-rl eval`.
pub fn run(registry: &Registry, request: &EvalRequest) -> anyhow::Result<()> {
    set_threads(request.threads);
    let device = device(request.device)?;
    let (run_dir, config, dist) =
        crate::common::runtime::open_run(registry, &request.run, request.env.as_deref())?;
    let trainer = crate::common::runtime::load_for_eval(
        &run_dir,
        config,
        request.checkpoint.as_deref(),
        dist.clone(),
        device,
    )?;
    let mode = crate::common::runtime::action_mode(request.greedy);
    let mut log = EpisodeLog {
        rows: Vec::new(),
        spikes: request.spikes.as_ref().map(|_| Vec::new()),
    };
    let wants_log = request.csv.is_some() || request.spikes.is_some();
    let progress = Indicator::spinner(
        request.quiet,
        &format!("evaluating {} trials of {}", request.trials, dist.spec()),
    );
    if dist.objective() == Objective::Regression && request.lesions.is_empty() {
        let untrained = fewshot::untrained(trainer.config(), &dist, device)?;
        let curve = fewshot::error_curve(
            registry,
            &trainer,
            &untrained,
            &dist,
            request.trials as usize,
            request.seed,
            wants_log.then_some(&mut log),
            request.quiet,
        )?;
        progress.finish();
        print!("{}", curve.table());
        let path = fewshot::curve_csv_path(&request.run);
        curve.write(&path)?;
        eprintln!("wrote {}", path.display());
        return write_logs(request, trainer.config(), &log);
    }
    // Every lesion is checked before the first trial, so a bad one stops
    // the command at once rather than after the others have run.
    for lesion in &request.lesions {
        trainer.check_lesion(lesion)?;
    }
    let mut intact = Probe::default();
    let summary = trainer.evaluate_probed(
        dist.as_ref(),
        request.trials as usize,
        request.seed,
        mode,
        wants_log.then_some(&mut log),
        &mut intact,
    )?;
    let mut lesion_rows = Vec::new();
    if !request.lesions.is_empty() {
        let spec = dist.spec();
        lesion_rows.push(lesion_row(
            spec,
            request.seed,
            "none",
            &intact.trials,
            &intact.trials,
        ));
        for lesion in &request.lesions {
            progress.message(&format!("lesion {lesion}"));
            let mut probe = Probe {
                lesion: Some(*lesion),
                ..Probe::default()
            };
            trainer.evaluate_probed(
                dist.as_ref(),
                request.trials as usize,
                request.seed,
                mode,
                None,
                &mut probe,
            )?;
            let name = lesion.to_string();
            lesion_rows.push(lesion_row(
                spec,
                request.seed,
                &name,
                &probe.trials,
                &intact.trials,
            ));
        }
    }
    progress.finish();
    let config = trainer.config();
    let label = agent_label(config, &request.run);
    let row = agent_row(dist.spec(), &label, &summary, request.seed);
    print!("{}", env_table(&[row]));
    if !lesion_rows.is_empty() {
        println!();
        print!("{}", lesion_table(&lesion_rows));
        let path = lesions_csv_path(&analysis_dir(&request.run));
        write_rows(&path, &lesion_rows)?;
        eprintln!("wrote {}", path.display());
    }
    write_logs(request, config, &log)
}

/// Writes the episode log and the spikes where the request asks for them.
fn write_logs(
    request: &EvalRequest,
    config: &lsnn_rl_a2c::RunConfig,
    log: &EpisodeLog,
) -> anyhow::Result<()> {
    if let Some(path) = &request.csv {
        let label = config.agent.kind.as_str();
        write_atomically(path, &episode_csv(&[(label, &log.rows)])?)?;
        eprintln!("wrote {} ({} rows)", path.display(), log.rows.len());
    }
    if let (Some(path), Some(events)) = (&request.spikes, &log.spikes) {
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
