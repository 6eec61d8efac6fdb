//! A training run in memory: the network, its optimiser, the counters, and
//! the algorithm that computes each update.

use std::sync::Arc;

use lsnn_rl_env::{Objective, Space, TaskDistribution, derive_seed};
use lsnn_rl_neural::{ActionHead, ActorCritic, SpikingKernel};
use tch::Device;

use crate::TrainError;
use crate::adam::Adam;
use crate::algorithm::{Algorithm, UpdateContext};
use crate::config::{Algo, Bptt, RunConfig, ValidRunConfig};
use crate::memory::Purpose;
use crate::records::{PhaseTimes, UpdateStats};
use crate::rollout::Batch;

/// Salt of the training-task stream, so training never replays the tasks
/// an evaluation with the run's own seed would draw.
const TRAIN_STREAM: u64 = 0x5452_4149_4E49_4E47;
/// Salt of LibTorch's generator seeds (Poisson input spikes).
pub(crate) const TORCH_SALT: u64 = 0x544F_5243_485F_5247;
/// Salt of the periodic-evaluation stream.
pub(crate) const EVAL_STREAM: u64 = 0x4556_414C_5541_5445;

/// A training run in memory: the network, the optimiser, the counters and
/// the algorithm.
pub struct Trainer {
    pub(crate) config: RunConfig,
    pub(crate) dist: Arc<dyn TaskDistribution>,
    pub(crate) agent: ActorCritic,
    adam: Adam,
    pub(crate) device: Device,
    updates_done: usize,
    env_steps: u64,
    lr_factor: f64,
    algorithm: Box<dyn Algorithm>,
}

impl Trainer {
    /// A fresh run: weights from the run's seed, zero optimiser state.
    ///
    /// The configuration was validated where it was made; the network's
    /// memory for training is estimated first and a network that would not
    /// fit is refused.
    pub fn new(
        config: ValidRunConfig,
        dist: Arc<dyn TaskDistribution>,
        device: Device,
        algorithm: Box<dyn Algorithm>,
    ) -> Result<Self, TrainError> {
        Self::build(config, dist, device, algorithm, Purpose::Training)
    }

    /// [`Trainer::new`] for a network that will only be evaluated (weights
    /// loaded from a checkpoint next): its memory check leaves out the
    /// record of backpropagation through time, which evaluation never keeps.
    pub fn for_evaluation(
        config: ValidRunConfig,
        dist: Arc<dyn TaskDistribution>,
        device: Device,
        algorithm: Box<dyn Algorithm>,
    ) -> Result<Self, TrainError> {
        Self::build(config, dist, device, algorithm, Purpose::Evaluation)
    }

    fn build(
        config: ValidRunConfig,
        dist: Arc<dyn TaskDistribution>,
        device: Device,
        algorithm: Box<dyn Algorithm>,
        purpose: Purpose,
    ) -> Result<Self, TrainError> {
        let config = config.into_inner();
        // A built-in algorithm must be the one the configuration names (its
        // config.toml and checkpoints say so); an algorithm of the caller's
        // own is the caller's choice.
        let built_in = [Algo::A2c, Algo::Ppo, Algo::Supervised].map(Algo::as_str);
        if built_in.contains(&algorithm.name()) && algorithm.name() != config.train.algo.as_str() {
            return Err(crate::ConfigError::Invalid {
                key: "train.algo".to_string(),
                value: config.train.algo.as_str().to_string(),
                reason: format!(
                    "this trainer was given the {} algorithm; build it with the algorithm the configuration names",
                    algorithm.name()
                ),
            }
            .into());
        }
        if built_in.contains(&algorithm.name()) {
            check_objective(&config, dist.as_ref())?;
        }
        let probe = Batch::start(dist.as_ref(), config.inputs, 0, 0, 1)?;
        let obs_size = probe.obs().len();
        let head = match probe.action_space() {
            Space::Discrete { n } => ActionHead::Discrete(*n),
            Space::Box(b) => ActionHead::Gaussian(b.low.len()),
        };
        crate::memory::check(&config, obs_size, head.size(), probe.trial_steps, purpose)?;
        let agent = ActorCritic::new(
            &config.agent,
            obs_size,
            head,
            derive_seed(config.seed, 0),
            device,
        )?;
        let t = &config.train;
        if t.bptt == Bptt::Manual && (device != Device::Cpu || agent.spiking_kernel().is_none()) {
            return Err(crate::ConfigError::Invalid {
                key: "train.bptt".to_string(),
                value: "manual".to_string(),
                reason: "needs the CPU (--device cpu); use \"auto\" or \"autograd\" on a GPU"
                    .to_string(),
            }
            .into());
        }
        let adam = Adam::new(agent.var_store(), t.adam_beta1, t.adam_beta2, t.adam_eps);
        Ok(Self {
            config,
            dist,
            agent,
            adam,
            device,
            updates_done: 0,
            env_steps: 0,
            lr_factor: 1.0,
            algorithm,
        })
    }

    /// Starts the run over in place: weights from the seed, zero optimiser
    /// state, counters at zero, learning-rate factor 1 (a roll-back to the
    /// start, or before loading an earlier checkpoint).
    pub fn restart(&mut self) -> Result<(), TrainError> {
        let obs_size = self.agent.obs_size();
        let head = self.agent.action_head();
        self.agent = ActorCritic::new(
            &self.config.agent,
            obs_size,
            head,
            derive_seed(self.config.seed, 0),
            self.device,
        )?;
        let t = &self.config.train;
        self.adam = Adam::new(
            self.agent.var_store(),
            t.adam_beta1,
            t.adam_beta2,
            t.adam_eps,
        );
        self.updates_done = 0;
        self.env_steps = 0;
        self.lr_factor = 1.0;
        Ok(())
    }

    /// The run's configuration.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// The task distribution the run trains on.
    pub fn distribution(&self) -> &Arc<dyn TaskDistribution> {
        &self.dist
    }

    /// The network.
    pub fn agent(&self) -> &ActorCritic {
        &self.agent
    }

    /// The network, mutable (for loading weights).
    pub fn agent_mut(&mut self) -> &mut ActorCritic {
        &mut self.agent
    }

    /// The optimiser.
    pub fn adam(&self) -> &Adam {
        &self.adam
    }

    /// The optimiser, mutable (for loading its state).
    pub fn adam_mut(&mut self) -> &mut Adam {
        &mut self.adam
    }

    /// Every weight of the network by name, sorted by name, as plain values
    /// (for comparing runs, e.g. a resumed run with an uninterrupted one).
    pub fn weights(&self) -> Result<Vec<(String, Vec<f32>)>, TrainError> {
        let mut named = Vec::new();
        for (name, tensor) in self.agent.var_store().variables() {
            let values: Vec<f32> = tensor
                .f_flatten(0, -1)?
                .f_to_device(Device::Cpu)?
                .try_into()?;
            named.push((name, values));
        }
        named.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(named)
    }

    /// The algorithm's name (`"a2c"`).
    pub fn algorithm(&self) -> &'static str {
        self.algorithm.name()
    }

    /// Updates done.
    pub fn updates_done(&self) -> usize {
        self.updates_done
    }

    /// Environment steps taken.
    pub fn env_steps(&self) -> u64 {
        self.env_steps
    }

    /// Sets the counters (when resuming from a checkpoint).
    pub fn set_progress(&mut self, updates_done: usize, env_steps: u64) {
        self.updates_done = updates_done;
        self.env_steps = env_steps;
    }

    /// Factor on the scheduled learning rate (1 until a roll-back after
    /// non-finite updates lowers it).
    pub fn lr_factor(&self) -> f64 {
        self.lr_factor
    }

    /// Sets the learning-rate factor (a roll-back, or resuming).
    pub fn set_lr_factor(&mut self, factor: f64) {
        self.lr_factor = factor;
    }

    /// One update by the run's algorithm. Everything random in it (tasks,
    /// reward noise, actions) derives from the run's seed and the update's
    /// index, so a resumed run replays exactly what an uninterrupted one
    /// would.
    pub fn update(&mut self) -> Result<UpdateStats, TrainError> {
        let t = &self.config.train;
        let update = self.updates_done;
        let scheduled = self.config.schedules_at(update);
        let (lr, entropy_weight) = (scheduled.lr * self.lr_factor, scheduled.entropy_weight);
        let batch_size = t.batch;
        let train_seed = derive_seed(self.config.seed, TRAIN_STREAM);
        // Poisson input spikes are drawn by LibTorch's generator: seeding it from
        // (seed, update) makes them replay on resume, whatever ran in between.
        tch::manual_seed(derive_seed(train_seed, update as u64 ^ TORCH_SALT) as i64);
        let mut batch = Batch::start(
            self.dist.as_ref(),
            self.config.inputs,
            train_seed,
            (update * batch_size) as u64,
            batch_size,
        )?;
        self.adam.zero_grad();
        let kernel = self.manual_kernel();
        let mut ctx = UpdateContext {
            config: &self.config,
            agent: &self.agent,
            device: self.device,
            batch: &mut batch,
            update,
            lr,
            entropy_weight,
            gamma: scheduled.gamma,
            kernel,
            adam: &mut self.adam,
            inject_armed: self.lr_factor == 1.0,
            steps_taken: 0,
            rewired: 0,
        };
        let report = self.algorithm.update(&mut ctx)?;
        let rewired = ctx.rewired;
        let synapses = self
            .agent
            .connectivity()
            .map(|c| (c.recurrent + c.input) as u64);
        self.updates_done += 1;
        self.env_steps += report.env_steps;
        let regrets: Option<Vec<f64>> = batch.regret.iter().copied().collect();
        Ok(UpdateStats {
            update: self.updates_done,
            env_steps: self.env_steps,
            mean_trial_reward: batch.total_reward.iter().sum::<f64>() / batch_size as f64,
            mean_regret: regrets.map(|r| r.iter().sum::<f64>() / batch_size as f64),
            policy_loss: report.policy_loss,
            value_loss: report.value_loss,
            entropy: report.entropy,
            grad_norm: report.grad_norm,
            rate_lif: report.rate_lif,
            rate_alif: report.rate_alif,
            lr,
            entropy_weight,
            skipped: report.skipped,
            approx_kl: report.approx_kl,
            clip_fraction: report.clip_fraction,
            rewired: synapses.map(|_| rewired as u64),
            synapses,
            mse: report.mse,
            phases: PhaseTimes {
                rollout: report.rollout,
                backward: report.backward,
                optimiser: report.optimiser,
            },
        })
    }

    /// Whether updates compute gradients with the CPU kernel's hand-derived
    /// backward pass (else autograd); see [`Bptt`].
    pub fn uses_manual_bptt(&self) -> bool {
        self.manual_kernel().is_some()
    }

    /// The CPU kernel when this update computes gradients by hand (see
    /// [`Bptt`]); None for autograd.
    pub(crate) fn manual_kernel(&self) -> Option<SpikingKernel> {
        match self.config.train.bptt {
            Bptt::Autograd => None,
            Bptt::Auto if self.device != Device::Cpu => None,
            Bptt::Auto | Bptt::Manual => self.agent.spiking_kernel(),
        }
    }
}

/// A built-in algorithm must fit what the tasks teach: the supervised
/// trainer needs targets (and one prediction per step), the RL trainers need
/// rewards.
fn check_objective(config: &RunConfig, dist: &dyn TaskDistribution) -> Result<(), TrainError> {
    let algo = config.train.algo;
    let spec = dist.spec();
    let reason = match (algo, dist.objective()) {
        (Algo::Supervised, Objective::Reward) => format!(
            "the supervised trainer (and a network it trained) needs a task with targets, such as the function-* families; {spec} is a reward task, for \"a2c\" or \"ppo\""
        ),
        (Algo::A2c | Algo::Ppo, Objective::Regression) => format!(
            "{spec} is a supervised task (targets, not rewards): it trains with \"supervised\" (lsnn-rl train picks it when no algorithm is named), and a network trained by meta-RL cannot be scored on it"
        ),
        (Algo::Supervised, Objective::Regression) => match dist.action_space() {
            Space::Box(b) if b.low.len() == 1 => return Ok(()),
            space => format!(
                "the supervised trainer predicts one value per step, but {spec} asks for actions in {space}; give the task a Box action space of one value"
            ),
        },
        _ => return Ok(()),
    };
    Err(crate::ConfigError::Invalid {
        key: "train.algo".to_string(),
        value: algo.as_str().to_string(),
        reason,
    }
    .into())
}
