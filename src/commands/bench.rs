//! `lsnn-rl bench`: the speed and memory of whole A2C updates (and of
//! inference-only rollouts) on fixed presets, a scaling table, or a trained
//! run's own configuration and weights.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use lsnn_rl_a2c::{ActionMode, Bptt, RunConfig, Trainer};
use lsnn_rl_env::MetaInputs;
use lsnn_rl_neural::cpu_kernel::{RecurrentProduct, time_bare_products};
use lsnn_rl_neural::{AgentKind, NeuronModel};
use lsnn_rl_trainer::checkpoint;

use lsnn_rl_env::{Registry, TaskDistribution};

use crate::common::output::{Indicator, write_atomically};
use crate::common::runtime::{DeviceChoice, device, make_dist, open_run};

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

/// One benchmark setting: an LSNN agent on a task, a batch and a truncation.
#[derive(Clone, Debug)]
pub struct Preset {
    /// Name printed and written to the CSV.
    pub name: String,
    /// Environment spec.
    pub env: String,
    /// Trials per update.
    pub batch: usize,
    /// LIF neurons (as many ALIF).
    pub half_neurons: usize,
    /// Truncation of BPTT (0 = whole trial).
    pub truncate: usize,
}

impl Preset {
    fn new(name: &str, env: &str, batch: usize, half_neurons: usize, truncate: usize) -> Self {
        Self {
            name: name.to_string(),
            env: env.to_string(),
            batch,
            half_neurons,
            truncate,
        }
    }
}

/// The named presets (issue 5 of the tracker defines them).
pub fn presets() -> Vec<Preset> {
    let bandit = "bandit-bernoulli:arms=2,pulls=100";
    let maze = "maze-water-grid:steps=2000";
    vec![
        Preset::new("small", bandit, 64, 50, 0),
        Preset::new("wide", bandit, 256, 200, 0),
        Preset::new("long", maze, 16, 50, 0),
        Preset::new("long-trunc", maze, 16, 50, 100),
        Preset::new("large", bandit, 64, 800, 0),
    ]
}

/// The scaling table: one factor varied at a time around the small preset.
fn scaling() -> Vec<Preset> {
    let bandit = |pulls: usize| format!("bandit-bernoulli:arms=2,pulls={pulls}");
    let mut out = Vec::new();
    for half in [50, 200, 800] {
        let name = format!("neurons={}", 2 * half);
        out.push(Preset::new(&name, &bandit(100), 64, half, 0));
    }
    for (pulls, truncate) in [(100, 0), (1000, 0), (100, 100), (1000, 100)] {
        let name = if truncate == 0 {
            format!("T={pulls}")
        } else {
            format!("T={pulls}/truncate={truncate}")
        };
        out.push(Preset::new(&name, &bandit(pulls), 64, 50, truncate));
    }
    for batch in [16, 64, 256] {
        let name = format!("batch={batch}");
        out.push(Preset::new(&name, &bandit(100), batch, 50, 0));
    }
    out
}

/// What one row times: a preset's fresh network or a trained run's.
#[derive(Clone, Debug)]
struct Subject {
    name: String,
    env: String,
    batch: usize,
    /// LIF and ALIF neurons of a spiking core; an LSTM's or GRU's hidden
    /// units and 0.
    groups: [usize; 2],
    truncate: usize,
    k_steps: usize,
    /// The neuron model (spiking cores only).
    model: Option<NeuronModel>,
    connectivity: f64,
}

impl Subject {
    fn neurons(&self) -> usize {
        self.groups[0] + self.groups[1]
    }

    /// Spikes per neuron per step of one update, from its LIF and ALIF
    /// groups' rates weighted by the groups' sizes.
    fn rate(&self, lif: Option<f64>, alif: Option<f64>) -> Option<f64> {
        let [n_lif, n_alif] = self.groups.map(|n| n as f64);
        match (lif, alif) {
            (Some(lif), Some(alif)) => Some((lif * n_lif + alif * n_alif) / (n_lif + n_alif)),
            (Some(one), None) | (None, Some(one)) => Some(one),
            (None, None) => None,
        }
    }
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

const CSV_HEADER: [&str; 18] = [
    "preset",
    "mode",
    "threads",
    "device",
    "bptt",
    "env",
    "batch",
    "neurons",
    "trial_steps",
    "truncate",
    "env_steps_per_s",
    "update_ms_median",
    "update_ms_min",
    "update_ms_max",
    "rollout_share",
    "backward_share",
    "optimiser_share",
    "peak_rss_mb",
];

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
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

/// The presets (or scaling rows) the request names; all of them if none.
fn chosen_presets(request: &BenchRequest) -> anyhow::Result<Vec<Preset>> {
    let all = if request.scaling {
        scaling()
    } else {
        presets()
    };
    if request.presets.is_empty() {
        return Ok(all);
    }
    let mut chosen = Vec::new();
    for name in &request.presets {
        match all.iter().find(|p| &p.name == name) {
            Some(p) => chosen.push(p.clone()),
            None => bail!(
                "unknown preset '{name}'; the presets are: {}",
                all.iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
    Ok(chosen)
}

/// What one row varies besides its subject.
struct Setting {
    mode: &'static str,
    threads: usize,
    device: String,
}

/// One subject of rows: a preset at one connectivity, or a trained run.
enum Job {
    Preset(Preset, f64),
    Run(std::path::PathBuf),
}

impl Job {
    fn name(&self) -> String {
        match self {
            Job::Preset(preset, c) if *c < 1.0 => format!("{} (connectivity {c})", preset.name),
            Job::Preset(preset, _) => preset.name.clone(),
            Job::Run(run) => format!("run:{}", run.display()),
        }
    }

    /// A trainer ready to time, its task distribution, and what it is.
    fn trainer(
        &self,
        registry: &Registry,
        request: &BenchRequest,
        device: tch::Device,
    ) -> anyhow::Result<(Trainer, Arc<dyn TaskDistribution>, Subject)> {
        let updates = (request.warmup + request.repeats) as usize;
        let (mut trainer, dist, subject) = match self {
            Job::Preset(preset, connectivity) => {
                preset_trainer(registry, preset, *connectivity, request, device)?
            }
            Job::Run(run) => {
                let (run_dir, config, dist) = open_run(registry, run, None)?;
                let mut config = config.into_inner();
                if request.bptt != Bptt::Auto {
                    config.train.bptt = request.bptt;
                }
                config.train.updates = config.train.updates.max(updates);
                let subject = Subject {
                    name: self.name(),
                    env: config.env.clone(),
                    batch: config.train.batch,
                    groups: if config.agent.kind.is_spiking() {
                        [config.agent.n_lif, config.agent.n_alif]
                    } else {
                        [config.agent.hidden, 0]
                    },
                    truncate: config.train.truncate,
                    k_steps: config.agent.k_steps,
                    model: config.agent.kind.is_spiking().then_some(config.agent.model),
                    connectivity: config.agent.connectivity,
                };
                let algorithm = crate::common::runtime::algorithm(&config);
                let mut trainer =
                    Trainer::new(config.validated()?, dist.clone(), device, algorithm)?;
                let newest = run_dir.latest_checkpoint()?.with_context(|| {
                    format!(
                        "{} has no complete checkpoint to time; train it on (lsnn-rl train --resume --out {})",
                        run_dir.checkpoints().display(),
                        run.display()
                    )
                })?;
                // Weights and optimiser state: the updates the run would take next.
                checkpoint::apply(&mut trainer, &checkpoint::load(&newest)?, true)?;
                (trainer, dist, subject)
            }
        };
        trainer.agent_mut().set_recurrent_product(request.recurrent);
        Ok((trainer, dist, subject))
    }
}

/// A fresh LSNN on a preset's task, sized as the preset says.
fn preset_trainer(
    registry: &Registry,
    preset: &Preset,
    connectivity: f64,
    request: &BenchRequest,
    device: tch::Device,
) -> anyhow::Result<(Trainer, Arc<dyn TaskDistribution>, Subject)> {
    let mut config = RunConfig::new(&preset.env, AgentKind::Lsnn, 0);
    if connectivity < 1.0 {
        config.agent.connectivity = connectivity;
        config.agent.dale = true;
        config.train.rewiring = true;
    }
    config.agent.n_lif = preset.half_neurons;
    config.agent.n_alif = preset.half_neurons;
    config.agent.k_steps = 1;
    config.agent.model = request.model;
    if request.model == NeuronModel::Bellec2018 {
        // The 2018 reference equations without a rate penalty: what the
        // eager Python reference (scripts/bench/python_reference.py)
        // computes, so the comparison stays like for like.
        config.agent.thr_lif = 0.01;
        config.agent.thr_alif = 0.01;
        config.train.rate_weight = 0.0;
    }
    config.inputs = MetaInputs {
        done_flag: false,
        ..MetaInputs::all()
    };
    config.train.batch = preset.batch;
    config.train.truncate = preset.truncate;
    config.train.bptt = request.bptt;
    config.train.updates = (request.warmup + request.repeats) as usize;
    let dist = make_dist(registry, &preset.env)?;
    let algorithm = crate::common::runtime::algorithm(&config);
    let trainer = Trainer::new(config.validated()?, dist.clone(), device, algorithm)?;
    let subject = Subject {
        name: preset.name.clone(),
        env: preset.env.clone(),
        batch: preset.batch,
        groups: [preset.half_neurons, preset.half_neurons],
        truncate: preset.truncate,
        k_steps: 1,
        model: Some(request.model),
        connectivity,
    };
    Ok((trainer, dist, subject))
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

fn print_table(rows: &[Row]) {
    println!(
        "{:<22} {:<5} {:>7} {:>6} {:>8} {:>12} {:>10} {:>17} {:>22} {:>8} {:>14}",
        "preset",
        "mode",
        "threads",
        "conn.",
        "bptt",
        "env-steps/s",
        "ms/update",
        "min..max ms",
        "rollout/backward/optim",
        "peak MB",
        "GEMM ms (x)"
    );
    for r in rows {
        let shares = r.shares.map_or("-".to_string(), |s| {
            format!(
                "{:.0}%/{:.0}%/{:.0}%",
                s[0] * 100.0,
                s[1] * 100.0,
                s[2] * 100.0
            )
        });
        let gemm = r.gemm.map_or("-".to_string(), |g| {
            format!("{:.2} ({:.2}x)", ms(g), ms(r.median) / ms(g))
        });
        println!(
            "{:<22} {:<5} {:>7} {:>6} {:>8} {:>12.0} {:>10.2} {:>17} {:>22} {:>8} {:>14}",
            r.subject.name,
            r.mode,
            r.threads,
            r.subject.connectivity,
            r.bptt,
            r.env_steps_per_s,
            ms(r.median),
            format!("{:.2}..{:.2}", ms(r.min), ms(r.max)),
            shares,
            r.peak_rss_mb.map_or("-".to_string(), |m| format!("{m:.0}")),
            gemm
        );
    }
}

fn write_csv(path: &Path, rows: &[Row]) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = CSV_HEADER.to_vec();
    header.extend([
        "gemm_ms",
        "update_over_gemm",
        "model",
        "recurrent",
        "rate",
        "connectivity",
    ]);
    writer.write_record(&header)?;
    for r in rows {
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.4}"));
        let share = |i: usize| opt(r.shares.map(|s| s[i]));
        writer.write_record([
            r.subject.name.clone(),
            r.mode.to_string(),
            r.threads.to_string(),
            r.device.clone(),
            r.bptt.to_string(),
            r.subject.env.clone(),
            r.subject.batch.to_string(),
            r.subject.neurons().to_string(),
            r.trial_steps.to_string(),
            r.subject.truncate.to_string(),
            format!("{:.1}", r.env_steps_per_s),
            format!("{:.4}", ms(r.median)),
            format!("{:.4}", ms(r.min)),
            format!("{:.4}", ms(r.max)),
            share(0),
            share(1),
            share(2),
            opt(r.peak_rss_mb),
            opt(r.gemm.map(ms)),
            opt(r.gemm.map(|g| ms(r.median) / ms(g))),
            r.subject
                .model
                .map_or(String::new(), |m| m.as_str().to_string()),
            format!("{:?}", r.recurrent).to_lowercase(),
            opt(r.rate),
            r.subject.connectivity.to_string(),
        ])?;
    }
    let bytes = writer.into_inner().context("CSV buffer")?;
    write_atomically(path, &bytes)
}
