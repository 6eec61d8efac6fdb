//! The range checks of a run configuration: what types cannot express.

use super::{Algo, Bptt, ConfigError, RunConfig};

impl RunConfig {
    /// Checks ranges that types cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.agent.validate()?;
        if let Some(problem) = self.inputs.problem() {
            return Err(ConfigError::Inputs(problem));
        }
        let t = &self.train;
        let invalid = |key: &str, value: String, reason: &str| ConfigError::Invalid {
            key: key.to_string(),
            value,
            reason: reason.to_string(),
        };
        let positive = [
            ("train.updates", t.updates),
            ("train.batch", t.batch),
            ("train.n_step", t.n_step),
            ("train.eval_trials", t.eval_trials),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(invalid(key, value.to_string(), "must be at least 1"));
            }
        }
        let unit = [
            ("train.gamma", t.gamma),
            ("train.gamma_final", t.gamma_final),
            ("train.gae_lambda", t.gae_lambda),
        ];
        for (key, value) in unit {
            if !(0.0..=1.0).contains(&value) {
                return Err(invalid(key, value.to_string(), "must lie in [0, 1]"));
            }
        }
        // Adam's bias correction divides by 1 - beta^t.
        for (key, value) in [
            ("train.adam_beta1", t.adam_beta1),
            ("train.adam_beta2", t.adam_beta2),
        ] {
            if !(0.0..1.0).contains(&value) {
                return Err(invalid(key, value.to_string(), "must lie in [0, 1)"));
            }
        }
        let non_negative = [
            ("train.value_weight", t.value_weight),
            ("train.entropy_weight", t.entropy_weight),
            ("train.entropy_final", t.entropy_final),
            ("train.rate_weight", t.rate_weight),
            ("train.rate_target", t.rate_target),
            ("train.lr", t.lr),
            ("train.lr_final", t.lr_final),
            ("train.grad_clip", t.grad_clip),
            ("train.rewiring_l1", t.rewiring_l1),
            ("train.rewiring_temperature", t.rewiring_temperature),
        ];
        for (key, value) in non_negative {
            if !value.is_finite() || value < 0.0 {
                return Err(invalid(
                    key,
                    value.to_string(),
                    "must be a finite number >= 0",
                ));
            }
        }
        if t.rewiring && !(self.agent.connectivity < 1.0 || self.agent.input_connectivity < 1.0) {
            return Err(invalid(
                "train.rewiring",
                "true".into(),
                "needs a sparse spiking network (set agent.connectivity below 1, e.g. 0.12): a dense network has no dormant synapse to wake",
            ));
        }
        if !(t.rollback_lr_factor > 0.0 && t.rollback_lr_factor < 1.0) {
            return Err(invalid(
                "train.rollback_lr_factor",
                t.rollback_lr_factor.to_string(),
                "must lie in (0, 1)",
            ));
        }
        let spiking = matches!(
            self.agent.kind,
            lsnn_rl_neural::AgentKind::Lsnn | lsnn_rl_neural::AgentKind::Lif
        );
        if t.bptt == Bptt::Manual
            && (!spiking || self.agent.input_encoding != lsnn_rl_neural::InputEncoding::Current)
        {
            return Err(invalid(
                "train.bptt",
                "manual".to_string(),
                "needs an lsnn or lif agent with current input encoding; use \"auto\" or \"autograd\"",
            ));
        }
        if t.algo == Algo::Ppo {
            if t.ppo_epochs == 0 {
                return Err(invalid(
                    "train.ppo_epochs",
                    "0".into(),
                    "must be at least 1",
                ));
            }
            if t.ppo_minibatches == 0 || t.ppo_minibatches > t.batch {
                return Err(invalid(
                    "train.ppo_minibatches",
                    t.ppo_minibatches.to_string(),
                    "must lie in [1, train.batch]: each minibatch holds whole trials",
                ));
            }
            if !(t.ppo_clip > 0.0 && t.ppo_clip.is_finite()) {
                return Err(invalid(
                    "train.ppo_clip",
                    t.ppo_clip.to_string(),
                    "must be positive",
                ));
            }
            if !(t.ppo_value_clip >= 0.0 && t.ppo_value_clip.is_finite()) {
                return Err(invalid(
                    "train.ppo_value_clip",
                    t.ppo_value_clip.to_string(),
                    "must be a finite number >= 0 (0 = no value clipping)",
                ));
            }
            if self.agent.input_encoding == lsnn_rl_neural::InputEncoding::Poisson {
                return Err(invalid(
                    "agent.input_encoding",
                    "poisson".into(),
                    "PPO re-runs the trials and would draw other input spikes than the rollout's; use \"current\" with train.algo = \"ppo\"",
                ));
            }
            if t.truncate != 0 {
                return Err(invalid(
                    "train.truncate",
                    t.truncate.to_string(),
                    "PPO re-runs whole trials from their start; set train.truncate = 0 with train.algo = \"ppo\"",
                ));
            }
        }
        if t.schedule_end == 0 && t.schedule_start > 0 && t.schedule_start >= t.updates {
            return Err(invalid(
                "train.schedule_start",
                t.schedule_start.to_string(),
                "must be less than train.updates (or set train.schedule_end)",
            ));
        }
        if t.schedule_end != 0 && t.schedule_end <= t.schedule_start {
            return Err(invalid(
                "train.schedule_end",
                t.schedule_end.to_string(),
                "must be 0 (= train.updates) or greater than train.schedule_start",
            ));
        }
        if t.adam_eps.is_nan() || t.adam_eps <= 0.0 {
            return Err(invalid(
                "train.adam_eps",
                t.adam_eps.to_string(),
                "must be positive",
            ));
        }
        Ok(())
    }
}
