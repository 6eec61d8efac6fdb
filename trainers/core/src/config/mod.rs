//! The run configuration: one serde struct per component, read from TOML,
//! with `key=value` overrides.

use lsnn_rl_env::MetaInputs;
use lsnn_rl_neural::AgentConfig;
use serde::{Deserialize, Serialize};

/// How a quantity moves from its start value to its final value over the
/// run's updates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// Stays at the start value.
    Constant,
    /// Straight line from start to final.
    Linear,
    /// Half a cosine from start to final.
    Cosine,
}

impl Schedule {
    /// The value at `update` of `total` (0-based), from `start` to `end`.
    pub fn value(self, start: f64, end: f64, update: usize, total: usize) -> f64 {
        let progress = if total <= 1 {
            0.0
        } else {
            (update as f64 / (total - 1) as f64).clamp(0.0, 1.0)
        };
        match self {
            Schedule::Constant => start,
            Schedule::Linear => start + (end - start) * progress,
            Schedule::Cosine => {
                end + (start - end) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
            }
        }
    }
}

/// Which firing rates the firing-rate penalty pulls towards `rate_target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RatePenalty {
    /// Every neuron's rate, from above and below: `(rate_j - target)^2`.
    Both,
    /// Only rates above the target: `max(0, rate_j - target)^2`, a ceiling
    /// that leaves quiet neurons alone.
    Above,
}

/// How advantages are estimated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Advantage {
    /// Generalised advantage estimation with `gae_lambda`.
    Gae,
    /// `n_step`-step bootstrapped returns minus the value.
    Nstep,
}

/// How gradients through time are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Bptt {
    /// "manual" where it applies (a spiking core with current inputs, on the CPU),
    /// else "autograd".
    Auto,
    /// LibTorch's autograd through the per-step tensor graph (any core, any device).
    Autograd,
    /// The hand-derived backward pass of the CPU spiking kernel
    /// (`lsnn_rl_neural::SpikingKernel`): LSNN or LIF cores, current input encoding,
    /// CPU only.
    Manual,
}

/// The training algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Algo {
    /// Synchronous advantage actor-critic: one optimiser step per update.
    A2c,
    /// Proximal policy optimisation for recurrent policies: several epochs
    /// of clipped-surrogate steps over minibatches of whole trials per update.
    Ppo,
    /// Supervised learning-to-learn: backpropagation through time of the
    /// predictions' mean squared error over whole trials of a task family
    /// with targets (`function-*`); one optimiser step per update.
    Supervised,
}

impl Algo {
    /// The name users write (`"a2c"`, `"ppo"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Algo::A2c => "a2c",
            Algo::Ppo => "ppo",
            Algo::Supervised => "supervised",
        }
    }
}

/// What the schedules (learning rate, entropy weight, a scheduled discount)
/// do when a finished run is
/// extended (`lsnn-rl train --resume` with a larger `--updates`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleChoice {
    /// Keep the old schedule: continue at its final values.
    Keep,
    /// Run the schedules again from their start values over the new updates.
    Restart,
}

/// What a run does after `nonfinite_limit` non-finite updates in a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnNonFinite {
    /// Go back to the last checkpoint written before the streak and go on
    /// with the learning rate times `rollback_lr_factor`.
    Rollback,
    /// Stop with an error; the last good checkpoint stays the newest.
    Stop,
}

/// The actor-critic optimisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// The algorithm: "a2c", "ppo" or "supervised" (tasks with targets).
    pub algo: Algo,
    /// Total updates of the run (each: `batch` trials, one optimiser step).
    pub updates: usize,
    /// Trials rolled out in lockstep per update, each on its own task.
    pub batch: usize,
    /// Discount per environment step, across the episodes of a trial (at
    /// the first update when `gamma_schedule` moves it).
    pub gamma: f64,
    /// Discount at the last update (with a `gamma_schedule` other than
    /// "constant"): a short horizon while the policy is crude, a long one
    /// once it is good enough to value exploration. Like `lr_final` it has
    /// its own default (0.9), so set it with the schedule.
    pub gamma_final: f64,
    /// How the discount moves from `gamma` to `gamma_final`: "constant"
    /// (default: `gamma` throughout), "linear" or "cosine"; over the same
    /// updates as the learning-rate and entropy schedules.
    pub gamma_schedule: Schedule,
    /// How advantages are estimated: "gae" or "nstep".
    pub advantage: Advantage,
    /// GAE lambda (1 = discounted Monte-Carlo returns minus the value).
    pub gae_lambda: f64,
    /// Steps of the n-step returns (advantage = "nstep").
    pub n_step: usize,
    /// Weight of the value loss, 0.5 x squared error.
    pub value_weight: f64,
    /// Entropy bonus weight at the first update.
    pub entropy_weight: f64,
    /// Entropy bonus weight at the last update.
    pub entropy_final: f64,
    /// How the entropy weight moves: "constant", "linear" or "cosine".
    pub entropy_schedule: Schedule,
    /// Weight of the firing-rate penalty sum_j (rate_j - rate_target)^2
    /// (spiking agents; default 1.0, which keeps rates near the target; with
    /// `rate_penalty = "above"` only rates above the target count).
    pub rate_weight: f64,
    /// Target firing rate per network step (default 0.05, i.e. 50 Hz at dt = 1 ms).
    pub rate_target: f64,
    /// Which rates the penalty pulls: "both" (default, towards the target
    /// from either side) or "above" (a ceiling: only rates above the target).
    pub rate_penalty: RatePenalty,
    /// Adam learning rate at the first update.
    pub lr: f64,
    /// Learning rate at the last update.
    pub lr_final: f64,
    /// How the learning rate moves: "constant", "linear" or "cosine".
    pub lr_schedule: Schedule,
    /// Update at which the learning-rate, entropy and discount schedules start from
    /// their start values (0; `lsnn-rl train --resume --schedule restart`
    /// sets it to where the extended run had ended).
    pub schedule_start: usize,
    /// Update at which the schedules reach their final values and stay
    /// there (0 = `updates`; `--resume --schedule keep` sets it to the
    /// extended run's old end).
    pub schedule_end: usize,
    /// Adam beta1.
    pub adam_beta1: f64,
    /// Adam beta2.
    pub adam_beta2: f64,
    /// Adam epsilon.
    pub adam_eps: f64,
    /// Clip the gradient's global norm to this (0 = no clipping).
    pub grad_clip: f64,
    /// Truncate backpropagation every this many steps, carrying the state
    /// detached (0 = through the whole trial).
    pub truncate: usize,
    /// How gradients through time are computed: "auto", "autograd" or "manual".
    pub bptt: Bptt,
    /// PPO: passes over the update's trials.
    pub ppo_epochs: usize,
    /// PPO: minibatches of whole trials per pass (each one optimiser step).
    pub ppo_minibatches: usize,
    /// PPO: the ratio clip epsilon of the surrogate objective.
    pub ppo_clip: f64,
    /// PPO: clip the value prediction to within this of the rollout's value
    /// (0 = no value clipping).
    pub ppo_value_clip: f64,
    /// PPO: normalise the advantages over the update's trials (mean 0, std 1).
    pub ppo_normalize_advantages: bool,
    /// Evaluate every this many updates (0 = never during training).
    pub eval_every: usize,
    /// Trials of each periodic evaluation.
    pub eval_trials: usize,
    /// Write a checkpoint every this many updates (and at the end).
    pub checkpoint_every: usize,
    /// Checkpoints kept (the newest; 0 = keep all).
    pub keep_checkpoints: usize,
    /// Non-finite updates in a row (NaN or infinite loss or gradient; each
    /// one is skipped) after which `on_nonfinite` acts (0 = never: keep skipping).
    pub nonfinite_limit: usize,
    /// What happens then: "rollback" (to the last checkpoint before the
    /// streak, with a lower learning rate) or "stop" (with an error).
    pub on_nonfinite: OnNonFinite,
    /// Learning-rate factor of each roll-back, in (0, 1).
    pub rollback_lr_factor: f64,
    /// Roll-backs allowed in a run; one more stops it with an error.
    pub max_rollbacks: usize,
    /// Deep R: after every optimiser step, synapses whose weight would change
    /// sign go dormant and as many dormant ones are woken at random
    /// (needs a sparse network: `agent.connectivity` or
    /// `agent.input_connectivity` below 1).
    pub rewiring: bool,
    /// Deep R's L1 weight: each existing synapse's |w| shrinks by lr x this
    /// per optimiser step (rewiring only).
    pub rewiring_l1: f64,
    /// Deep R's temperature T: noise sqrt(2 lr T) N(0, 1) on each existing
    /// |w| per optimiser step (rewiring only; 0 = none).
    pub rewiring_temperature: f64,
    /// Testing only: updates (1-based) whose loss is forced to NaN, as long
    /// as no roll-back has lowered the learning rate. Leave empty.
    pub inject_nonfinite: Vec<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            algo: Algo::A2c,
            updates: 5000,
            batch: 32,
            gamma: 0.9,
            gamma_final: 0.9,
            gamma_schedule: Schedule::Constant,
            advantage: Advantage::Gae,
            gae_lambda: 1.0,
            n_step: 5,
            value_weight: 0.25,
            entropy_weight: 0.05,
            entropy_final: 0.005,
            entropy_schedule: Schedule::Linear,
            rate_weight: 1.0,
            rate_target: 0.05,
            rate_penalty: RatePenalty::Both,
            lr: 3e-3,
            lr_final: 3e-4,
            lr_schedule: Schedule::Cosine,
            schedule_start: 0,
            schedule_end: 0,
            adam_beta1: 0.9,
            adam_beta2: 0.999,
            adam_eps: 1e-8,
            grad_clip: 10.0,
            truncate: 0,
            bptt: Bptt::Auto,
            ppo_epochs: 4,
            ppo_minibatches: 4,
            ppo_clip: 0.2,
            ppo_value_clip: 0.0,
            ppo_normalize_advantages: true,
            eval_every: 250,
            eval_trials: 200,
            checkpoint_every: 250,
            keep_checkpoints: 3,
            nonfinite_limit: 5,
            on_nonfinite: OnNonFinite::Rollback,
            rollback_lr_factor: 0.5,
            max_rollbacks: 5,
            rewiring: false,
            rewiring_l1: 1e-2,
            rewiring_temperature: 0.0,
            inject_nonfinite: Vec::new(),
        }
    }
}

/// A [`RunConfig`] that passed [`RunConfig::validate`]: what the trainer
/// takes. It is made once, where the configuration is parsed
/// ([`RunConfig::validated`], or reading a run's `config.toml`), and nothing
/// below re-validates it.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidRunConfig(RunConfig);

impl ValidRunConfig {
    /// The configuration, no longer marked as checked (to change it).
    pub fn into_inner(self) -> RunConfig {
        self.0
    }

    /// Made only by code of this crate that has just validated the value,
    /// or that keeps a valid one valid.
    pub(crate) fn trusted(config: RunConfig) -> Self {
        Self(config)
    }

    /// The run extended to `updates` updates, more than it has (see
    /// [`RunConfig::extended`]); checked, since the schedule window it sets
    /// must end after it starts.
    pub fn extended(
        &self,
        updates: usize,
        choice: ScheduleChoice,
    ) -> Result<(ValidRunConfig, String), ConfigError> {
        let (config, said) = self.0.extended(updates, choice);
        Ok((config.validated()?, said))
    }
}

impl std::ops::Deref for ValidRunConfig {
    type Target = RunConfig;

    fn deref(&self) -> &RunConfig {
        &self.0
    }
}

impl TryFrom<RunConfig> for ValidRunConfig {
    type Error = ConfigError;

    fn try_from(config: RunConfig) -> Result<Self, ConfigError> {
        config.validated()
    }
}

/// Everything that defines a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Environment spec, `ID[:key=value,...]`.
    pub env: String,
    /// Seed of the run: weights, tasks, actions.
    pub seed: u64,
    /// The tuned recipe (`configs/FAMILY/AGENT.toml`) the configuration was
    /// built on, if any: a record, not read back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipe: Option<String>,
    /// Meta-RL inputs appended to each observation.
    #[serde(default)]
    pub inputs: MetaInputs,
    /// The network.
    #[serde(default)]
    pub agent: AgentConfig,
    /// The optimisation.
    #[serde(default)]
    pub train: TrainConfig,
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The TOML does not parse or names an unknown key.
    #[error("{0}")]
    Toml(String),
    /// A `--set` override is not `key=value`.
    #[error("override '{0}' is not key=value (e.g. train.lr=0.001)")]
    Override(String),
    /// A value is out of range.
    #[error("{key} = {value} is invalid: {reason}")]
    Invalid {
        /// Dotted key.
        key: String,
        /// The value, printed.
        value: String,
        /// The valid range.
        reason: String,
    },
    /// The agent section is invalid.
    #[error(transparent)]
    Agent(#[from] lsnn_rl_neural::ConfigError),
    /// The meta-RL inputs cannot be built (`MetaInputs::problem`).
    #[error("{0}")]
    Inputs(String),
}

/// The values the schedules give one update ([`RunConfig::schedules_at`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scheduled {
    /// Learning rate, before any roll-back factor.
    pub lr: f64,
    /// Entropy bonus weight.
    pub entropy_weight: f64,
    /// Discount (`train.gamma` throughout unless `train.gamma_schedule` moves it).
    pub gamma: f64,
}

impl RunConfig {
    /// The defaults for an environment and agent kind.
    pub fn new(env: &str, agent: lsnn_rl_neural::AgentKind, seed: u64) -> Self {
        Self {
            env: env.to_string(),
            seed,
            recipe: None,
            inputs: MetaInputs::all(),
            agent: AgentConfig {
                kind: agent,
                ..AgentConfig::default()
            },
            train: TrainConfig::default(),
        }
    }

    /// The scheduled values at `update` (0-based): each schedule runs from
    /// `train.schedule_start` to `train.schedule_end` (0: `train.updates`)
    /// and keeps its final value after that.
    pub fn schedules_at(&self, update: usize) -> Scheduled {
        let t = &self.train;
        let end = if t.schedule_end == 0 {
            t.updates
        } else {
            t.schedule_end
        };
        let at = update.saturating_sub(t.schedule_start);
        let total = end.saturating_sub(t.schedule_start);
        Scheduled {
            lr: t.lr_schedule.value(t.lr, t.lr_final, at, total),
            entropy_weight: t
                .entropy_schedule
                .value(t.entropy_weight, t.entropy_final, at, total),
            gamma: t.gamma_schedule.value(t.gamma, t.gamma_final, at, total),
        }
    }

    /// This run's configuration extended to `updates` updates (more than it
    /// has), with `choice` deciding what the schedules do; returns the new
    /// configuration and a sentence that says what happens.
    pub fn extended(&self, updates: usize, choice: ScheduleChoice) -> (RunConfig, String) {
        let mut next = self.clone();
        let old = self.train.updates;
        next.train.updates = updates;
        let old_end = if self.train.schedule_end == 0 {
            old
        } else {
            self.train.schedule_end
        };
        let message = match choice {
            ScheduleChoice::Keep => {
                next.train.schedule_end = old_end;
                let last = next.schedules_at(old_end);
                // Printed to 9 decimals: the schedules' last bits are noise.
                let round = |x: f64| (x * 1e9).round() / 1e9;
                let (lr, entropy) = (round(last.lr), round(last.entropy_weight));
                let discount = self.scheduled_discount(round(last.gamma));
                format!(
                    "extending the run from {old} to {updates} updates: the schedules keep their final values (lr {lr}, entropy weight {entropy}{discount}) after update {old_end}; pass --schedule restart to run them again over updates {} to {updates}",
                    old + 1
                )
            }
            ScheduleChoice::Restart => {
                next.train.schedule_start = old;
                next.train.schedule_end = updates;
                let discount = self.scheduled_discount(self.train.gamma);
                format!(
                    "extending the run from {old} to {updates} updates: the schedules start again from lr {} and entropy weight {}{discount} over updates {} to {updates}; pass --schedule keep to continue at their final values",
                    self.train.lr,
                    self.train.entropy_weight,
                    old + 1
                )
            }
        };
        (next, message)
    }

    /// ", discount G" for the extend messages where the discount is
    /// scheduled, else nothing.
    fn scheduled_discount(&self, gamma: f64) -> String {
        if self.train.gamma_schedule == Schedule::Constant {
            String::new()
        } else {
            format!(", discount {gamma}")
        }
    }

    /// Checks the configuration once and marks it checked.
    pub fn validated(self) -> Result<ValidRunConfig, ConfigError> {
        self.validate()?;
        Ok(ValidRunConfig(self))
    }
}

#[cfg(test)]
mod tests;
mod text;
mod validate;
