//! `lsnn-rl bench`: the speed and memory of whole A2C updates (and of
//! inference-only rollouts) on fixed presets, a scaling table, or a trained
//! run's own configuration and weights.
//!
//! This module runs the measurements; `subject` says what is timed (the
//! presets, the scaling table, a trained run) and `output` prints and writes
//! the results.

mod output;
mod subject;

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use lsnn_rl_a2c::{ActionMode, Bptt, Trainer};
use lsnn_rl_env::{Registry, TaskDistribution};
use lsnn_rl_neural::NeuronModel;
use lsnn_rl_neural::cpu_kernel::{RecurrentProduct, time_bare_products};

use crate::common::output::Indicator;
use crate::common::runtime::{DeviceChoice, device};
use output::{print_table, write_csv};
use subject::{Job, Subject, chosen_presets};

/// A `lsnn-rl bench` request.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchRequest {
    /// Presets to run (empty: all of them, or the whole scaling table).
    pub presets: Vec<String>,
    /// The scaling table instead of the presets.
    pub scaling: bool,
    /// Thread counts to measure, each a row (rayon's pool for the CPU kernel
    /// and LibTorch's intra-op pool both get it).
    pub threads: Vec<usize>,
    /// The neuron model of the agent (the 2018 reference: what the Python
    /// reference computes).
    pub model: NeuronModel,
    /// How the CPU kernel computes the recurrent products.
    pub recurrent: RecurrentProduct,
    /// Shares of existing recurrent synapses, each a row: 1 is the dense
    /// network; below 1 a sparse one with Dale's law and Deep R rewiring
    /// after every optimiser step (what training such a network costs).
    pub connectivity: Vec<f64>,
    /// Also write the results as CSV.
    pub csv: Option<std::path::PathBuf>,
    /// Timed updates per preset and mode.
    pub repeats: u64,
    /// Untimed updates first.
    pub warmup: u64,
    /// Where tensors live.
    pub device: DeviceChoice,
    /// How gradients through time are computed.
    pub bptt: Bptt,
    /// No progress bar.
    pub quiet: bool,
    /// Time this trained run (its configuration, and the weights and
    /// optimiser state of its newest checkpoint) instead of the presets:
    /// its updates at the firing rates it trained to.
    pub run: Option<std::path::PathBuf>,
}

/// One line of the results.
struct Row {
    subject: Subject,
    mode: &'static str,
    threads: usize,
    recurrent: RecurrentProduct,
    /// Mean firing rate (spikes per neuron per step) of the timed train updates.
    rate: Option<f64>,
    device: String,
    bptt: &'static str,
    trial_steps: usize,
    env_steps_per_s: f64,
    median: Duration,
    min: Duration,
    max: Duration,
    /// Shares of rollout, backward and optimiser (train mode).
    shares: Option<[f64; 3]>,
    peak_rss_mb: Option<f64>,
    /// Median time of the bare matrix products of the update (CPU kernel only).
    gemm: Option<Duration>,
}

/// Resets the kernel's peak-resident-memory mark of this process (Linux
/// /proc/self/clear_refs); false where that is not possible.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident memory of this process in MB (VmHWM), where known.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn median_min_max(mut times: Vec<Duration>) -> (Duration, Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[0], times[times.len() - 1])
}

/// Runs `lsnn-rl bench`.
pub fn run(registry: &Registry, request: &BenchRequest) -> anyhow::Result<()> {
    let device = device(request.device)?;
    if let Some(bad) = request
        .connectivity
        .iter()
        .find(|c| !(c.is_finite() && **c > 0.0 && **c <= 1.0))
    {
        bail!(
            "--connectivity {bad} must lie in (0, 1]: the share of recurrent synapses that exist (1 = dense)"
        );
    }
    // Each row: a subject with one connectivity; the run's own when timing a run.
    let jobs: Vec<Job> = match &request.run {
        Some(run) => {
            let job = Job::Run(run.clone());
            vec![job]
        }
        None => chosen_presets(request)?
            .into_iter()
            .flat_map(|preset| {
                request
                    .connectivity
                    .iter()
                    .map(move |&c| Job::Preset(preset.clone(), c))
            })
            .collect(),
    };
    let measurements = 2 * jobs.len() * request.threads.len();
    let progress = Indicator::bar(request.quiet, measurements as u64, "measurements");
    let mut rows = Vec::new();
    for job in &jobs {
        for &threads in &request.threads {
            // A pool of its own per row: the process-wide pool keeps its size.
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .context("cannot start the thread pool")?;
            tch::set_num_threads(threads as i32);
            for mode in ["train", "infer"] {
                progress.message(&format!("{} ({mode}, {threads} threads)", job.name()));
                let row = pool
                    .install(|| {
                        let (trainer, dist, subject) = job.trainer(registry, request, device)?;
                        let setting = Setting {
                            mode,
                            threads,
                            device: format!("{device:?}").to_lowercase(),
                        };
                        measure(trainer, dist.as_ref(), subject, setting, request)
                    })
                    .with_context(|| format!("benchmark {}", job.name()))?;
                progress.inc(1);
                rows.push(row);
            }
        }
    }
    progress.finish();
    print_table(&rows);
    if let Some(path) = &request.csv {
        write_csv(path, &rows)?;
    }
    Ok(())
}

/// What one row varies besides its subject.
struct Setting {
    mode: &'static str,
    threads: usize,
    device: String,
}

/// Times `repeats` updates (mode "train") or evaluation rollouts ("infer")
/// of `trainer` after `warmup` untimed ones.
fn measure(
    mut trainer: Trainer,
    dist: &dyn TaskDistribution,
    subject: Subject,
    setting: Setting,
    request: &BenchRequest,
) -> anyhow::Result<Row> {
    let Setting {
        mode,
        threads,
        device,
    } = setting;
    let manual = trainer.uses_manual_bptt();
    let mut rates = Vec::new();
    let mut per_update =
        |trainer: &mut Trainer| -> anyhow::Result<(Duration, Option<[Duration; 3]>)> {
            if mode == "train" {
                let start = Instant::now();
                let stats = trainer.update()?;
                let elapsed = start.elapsed();
                let p = stats.phases;
                rates.extend(subject.rate(stats.rate_lif, stats.rate_alif));
                Ok((elapsed, Some([p.rollout, p.backward, p.optimiser])))
            } else {
                let start = Instant::now();
                trainer.evaluate(dist, subject.batch, 7, ActionMode::Sample, None)?;
                Ok((start.elapsed(), None))
            }
        };
    for _ in 0..request.warmup as usize {
        per_update(&mut trainer)?;
    }
    let rss_reset = reset_peak_rss();
    let mut times = Vec::with_capacity(request.repeats as usize);
    let mut phase_sums = [Duration::ZERO; 3];
    for _ in 0..request.repeats as usize {
        let (time, phases) = per_update(&mut trainer)?;
        times.push(time);
        if let Some(phases) = phases {
            for (sum, p) in phase_sums.iter_mut().zip(phases) {
                *sum += p;
            }
        }
    }
    let peak = if rss_reset { peak_rss_mb() } else { None };
    // The timed updates' rates (the warm-up's come first).
    let timed = &rates[rates.len().saturating_sub(request.repeats as usize)..];
    let rate = (!timed.is_empty()).then(|| timed.iter().sum::<f64>() / timed.len() as f64);
    let trial_steps =
        lsnn_rl_a2c::rollout::Batch::start(dist, trainer.config().inputs, 0, 0, 1)?.trial_steps;
    let total: Duration = times.iter().sum();
    let (median, min, max) = median_min_max(times);
    let shares = (mode == "train").then(|| {
        let t = total.as_secs_f64().max(1e-12);
        phase_sums.map(|p| p.as_secs_f64() / t)
    });
    let gemm = (mode == "train" && manual).then(|| {
        let obs = trainer.agent().obs_size();
        time_bare_products(
            obs,
            subject.neurons(),
            subject.k_steps,
            subject.batch,
            trial_steps,
            (request.repeats as usize).clamp(1, 5),
        )
    });
    Ok(Row {
        env_steps_per_s: (subject.batch * trial_steps) as f64 / median.as_secs_f64(),
        subject,
        mode,
        threads,
        recurrent: request.recurrent,
        rate,
        device,
        bptt: if manual { "manual" } else { "autograd" },
        trial_steps,
        median,
        min,
        max,
        shares,
        peak_rss_mb: peak,
        gemm,
    })
}
