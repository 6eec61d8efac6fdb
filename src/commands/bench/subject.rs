//! What a benchmark row times: a preset's fresh network (the named presets
//! and the scaling table) or a trained run with its newest checkpoint.

use std::sync::Arc;

use anyhow::{Context, bail};
use lsnn_rl_a2c::{Bptt, RunConfig, Trainer};
use lsnn_rl_env::{MetaInputs, Registry, TaskDistribution};
use lsnn_rl_neural::{AgentKind, NeuronModel};
use lsnn_rl_trainer::checkpoint;

use super::BenchRequest;
use crate::common::runtime::{make_dist, open_run};

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
pub(super) struct Subject {
    pub(super) name: String,
    pub(super) env: String,
    pub(super) batch: usize,
    /// LIF and ALIF neurons of a spiking core; an LSTM's or GRU's hidden
    /// units and 0.
    pub(super) groups: [usize; 2],
    pub(super) truncate: usize,
    pub(super) k_steps: usize,
    /// The neuron model (spiking cores only).
    pub(super) model: Option<NeuronModel>,
    pub(super) connectivity: f64,
}

impl Subject {
    pub(super) fn neurons(&self) -> usize {
        self.groups[0] + self.groups[1]
    }

    /// Spikes per neuron per step of one update, from its LIF and ALIF
    /// groups' rates weighted by the groups' sizes.
    pub(super) fn rate(&self, lif: Option<f64>, alif: Option<f64>) -> Option<f64> {
        let [n_lif, n_alif] = self.groups.map(|n| n as f64);
        match (lif, alif) {
            (Some(lif), Some(alif)) => Some((lif * n_lif + alif * n_alif) / (n_lif + n_alif)),
            (Some(one), None) | (None, Some(one)) => Some(one),
            (None, None) => None,
        }
    }
}

/// The presets (or scaling rows) the request names; all of them if none.
pub(super) fn chosen_presets(request: &BenchRequest) -> anyhow::Result<Vec<Preset>> {
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

/// One subject of rows: a preset at one connectivity, or a trained run.
pub(super) enum Job {
    Preset(Preset, f64),
    Run(std::path::PathBuf),
}

impl Job {
    pub(super) fn name(&self) -> String {
        match self {
            Job::Preset(preset, c) if *c < 1.0 => format!("{} (connectivity {c})", preset.name),
            Job::Preset(preset, _) => preset.name.clone(),
            Job::Run(run) => format!("run:{}", run.display()),
        }
    }

    /// A trainer ready to time, its task distribution, and what it is.
    pub(super) fn trainer(
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
