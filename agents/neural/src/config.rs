//! The network's configuration: a plain serde struct, validated in one place.

use serde::{Deserialize, Serialize};

/// Which recurrent core the actor-critic network uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AgentKind {
    /// Long short-term memory spiking network: `n_lif` LIF plus `n_alif` adaptive neurons.
    Lsnn,
    /// The same spiking network with no adaptation (beta = 0 for every neuron).
    Lif,
    /// A single-layer LSTM of `hidden` units.
    Lstm,
    /// A single-layer GRU of `hidden` units.
    Gru,
}

impl AgentKind {
    /// True for the spiking cores (LSNN and LIF).
    pub fn is_spiking(self) -> bool {
        matches!(self, AgentKind::Lsnn | AgentKind::Lif)
    }

    /// The name used in configuration files ("lsnn", "lif", "lstm", "gru").
    pub fn as_str(self) -> &'static str {
        match self {
            AgentKind::Lsnn => "lsnn",
            AgentKind::Lif => "lif",
            AgentKind::Lstm => "lstm",
            AgentKind::Gru => "gru",
        }
    }
}

impl std::fmt::Display for AgentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which LSNN equations the spiking neurons follow (see the crate README).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NeuronModel {
    /// The NeurIPS 2018 reference code: spike read off the previous voltage v_t,
    /// input scaled by (1 - alpha), reset by the adaptive threshold A, pseudo-derivative
    /// on (v - A) / A.
    Bellec2018,
    /// The e-prop follow-up (2020): no (1 - alpha) or (1 - rho) factors, reset by the
    /// base threshold, spike read off the new voltage, pseudo-derivative on (v - A) / thr.
    Eprop2020,
}

impl NeuronModel {
    /// The name used in configuration files ("bellec2018", "eprop2020").
    pub fn as_str(self) -> &'static str {
        match self {
            NeuronModel::Bellec2018 => "bellec2018",
            NeuronModel::Eprop2020 => "eprop2020",
        }
    }
}

impl std::fmt::Display for NeuronModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the observation vector enters the spiking network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InputEncoding {
    /// Observation values are injected as input currents (through W_in) on every network step.
    Current,
    /// Each input is a Poisson (Bernoulli per network step) spike train with probability
    /// clamp(value * poisson_max_rate, 0, 1); for place-cell observations.
    Poisson,
}

/// What the heads of a spiking core read, low-pass filtered with `tau_out`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Readout {
    /// The neurons' spikes (0 or 1): the paper's readout.
    #[default]
    Spikes,
    /// The neurons' membrane potentials after each network step.
    Membrane,
    /// Both side by side: 2n features per sample, the filtered spikes of the
    /// n neurons first, then their filtered potentials.
    Both,
}

impl Readout {
    /// Features per neuron: 2 for [`Readout::Both`], else 1.
    pub fn features_per_neuron(self) -> usize {
        match self {
            Readout::Both => 2,
            Readout::Spikes | Readout::Membrane => 1,
        }
    }

    /// Whether the heads read the filtered spikes.
    pub fn reads_spikes(self) -> bool {
        self != Readout::Membrane
    }

    /// Whether the heads read the filtered membrane potentials.
    pub fn reads_membrane(self) -> bool {
        self != Readout::Spikes
    }
}

/// Everything configurable about the network (the `[agent]` table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AgentConfig {
    /// Recurrent core: "lsnn", "lif" (no adaptation), "lstm" or "gru".
    pub kind: AgentKind,
    /// LSNN equations: "eprop2020" (default: it learns best, docs/search.md) or
    /// "bellec2018" (the NeurIPS 2018 reference code, with thresholds 0.01).
    pub model: NeuronModel,
    /// Number of plain LIF neurons (spiking kinds).
    pub n_lif: usize,
    /// Number of adaptive (ALIF) neurons (spiking kinds; plain LIF when kind = "lif").
    pub n_alif: usize,
    /// Membrane time constant in network steps (1 step = 1 ms); alpha = exp(-1/tau_m).
    pub tau_m: f64,
    /// Adaptation time constant of the ALIF neurons in steps; rho = exp(-1/tau_a).
    pub tau_a: f64,
    /// Adaptation strength of the ALIF neurons (threshold A = thr + beta * b); ignored for "lif".
    pub beta: f64,
    /// Base firing threshold of the LIF neurons (default 0.6 for e-prop; the 2018
    /// reference code uses 0.01).
    pub thr_lif: f64,
    /// Base firing threshold of the ALIF neurons (default 0.6 for e-prop; the 2018
    /// reference code uses 0.01).
    pub thr_alif: f64,
    /// Scale gamma of the surrogate spike gradient gamma * max(0, 1 - |v_scaled|).
    pub dampening: f64,
    /// Steps after a spike during which a neuron cannot spike again (0 = none).
    pub n_refractory: usize,
    /// Initial weight scale: W_in ~ N(0, s^2 / n_in), W_rec ~ N(0, s^2 / n_rec).
    pub weight_scale: f64,
    /// Time constant in steps of the low-pass filter of what the heads read.
    pub tau_out: f64,
    /// What the heads read: "spikes" (default), "membrane" (potentials) or
    /// "both" (2n features: the filtered spikes, then the filtered potentials).
    pub readout: Readout,
    /// Network steps per environment step (the observation is held for all of them).
    pub k_steps: usize,
    /// Units of the LSTM or GRU core.
    pub hidden: usize,
    /// How observations enter a spiking core: "current" or "poisson".
    pub input_encoding: InputEncoding,
    /// Poisson encoding only: spike probability per network step at input value 1, in (0, 1].
    pub poisson_max_rate: f64,
    /// Initial log standard deviation of a Gaussian (continuous-action) policy.
    pub log_std_init: f64,
    /// Spiking kinds: share of the possible recurrent synapses that exist, in (0, 1]
    /// (1 = dense; the paper's networks: 0.12). Self-connections never exist.
    pub connectivity: f64,
    /// Spiking kinds: share of the possible input synapses that exist, in (0, 1]
    /// (default 1 = dense). The readout (policy and value heads) is always dense.
    pub input_connectivity: f64,
    /// Spiking kinds: Dale's law. Each neuron is excitatory or inhibitory, and all
    /// its outgoing recurrent synapses carry its sign for the whole run (the
    /// input synapses keep the random signs they were drawn with).
    pub dale: bool,
    /// With `dale`: share of excitatory neurons, in (0, 1) (the first ones of
    /// each population, LIF and ALIF alike; default 0.75).
    pub excitatory_fraction: f64,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            kind: AgentKind::Lsnn,
            model: NeuronModel::Eprop2020,
            n_lif: 50,
            n_alif: 50,
            tau_m: 20.0,
            tau_a: 200.0,
            beta: 1.8,
            thr_lif: 0.6,
            thr_alif: 0.6,
            dampening: 0.3,
            n_refractory: 0,
            weight_scale: 1.0,
            tau_out: 3.0,
            readout: Readout::Spikes,
            k_steps: 1,
            hidden: 48,
            input_encoding: InputEncoding::Current,
            poisson_max_rate: 0.2,
            log_std_init: 0.0,
            connectivity: 1.0,
            input_connectivity: 1.0,
            dale: false,
            excitatory_fraction: 0.75,
        }
    }
}

/// A configuration value, or a network shape, that cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// A key of the `[agent]` table holds a value outside its valid range.
    #[error("agent.{key} must be {expected}, got {got}")]
    Invalid {
        /// The key, without the `agent.` prefix.
        key: &'static str,
        /// The valid range, in words.
        expected: &'static str,
        /// The offending value, as written.
        got: String,
    },
    /// The network was asked for a shape it cannot have (from the environment, not the config).
    #[error("the network needs {what} of at least 1, got {got}")]
    Shape {
        /// What was too small ("an observation size", "a number of actions", ...).
        what: &'static str,
        /// The value given.
        got: usize,
    },
}

fn invalid(key: &'static str, expected: &'static str, got: impl ToString) -> ConfigError {
    ConfigError::Invalid {
        key,
        expected,
        got: got.to_string(),
    }
}

fn positive(key: &'static str, value: f64) -> Result<(), ConfigError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(invalid(key, "positive (> 0)", value))
    }
}

fn non_negative(key: &'static str, value: f64) -> Result<(), ConfigError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(invalid(key, "non-negative (>= 0)", value))
    }
}

impl AgentConfig {
    /// Checks every field; the error names the first bad key and its valid range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        positive("tau_m", self.tau_m)?;
        positive("tau_a", self.tau_a)?;
        non_negative("beta", self.beta)?;
        positive("thr_lif", self.thr_lif)?;
        positive("thr_alif", self.thr_alif)?;
        non_negative("dampening", self.dampening)?;
        positive("weight_scale", self.weight_scale)?;
        positive("tau_out", self.tau_out)?;
        if self.k_steps == 0 {
            return Err(invalid("k_steps", "at least 1", self.k_steps));
        }
        if self.hidden == 0 {
            return Err(invalid("hidden", "at least 1", self.hidden));
        }
        if self.kind.is_spiking() && self.n_lif + self.n_alif == 0 {
            return Err(invalid(
                "n_lif + agent.n_alif",
                "at least 1 for kind = \"lsnn\" or \"lif\"",
                0,
            ));
        }
        if !(self.poisson_max_rate.is_finite()
            && self.poisson_max_rate > 0.0
            && self.poisson_max_rate <= 1.0)
        {
            return Err(invalid(
                "poisson_max_rate",
                "in (0, 1]",
                self.poisson_max_rate,
            ));
        }
        if !self.log_std_init.is_finite() {
            return Err(invalid(
                "log_std_init",
                "a finite number",
                self.log_std_init,
            ));
        }
        for (key, value) in [
            ("connectivity", self.connectivity),
            ("input_connectivity", self.input_connectivity),
        ] {
            if !(value.is_finite() && value > 0.0 && value <= 1.0) {
                return Err(invalid(key, "in (0, 1]", value));
            }
        }
        if !(self.excitatory_fraction > 0.0 && self.excitatory_fraction < 1.0) {
            return Err(invalid(
                "excitatory_fraction",
                "in (0, 1)",
                self.excitatory_fraction,
            ));
        }
        if self.constrained() && self.n_lif + self.n_alif < 2 {
            return Err(invalid(
                "n_lif + agent.n_alif",
                "at least 2 for a sparse or Dale network (one neuron has no recurrent synapse)",
                self.n_lif + self.n_alif,
            ));
        }
        if self.dale && self.kind.is_spiking() {
            let (n_lif, n_alif) = match self.kind {
                AgentKind::Lsnn => (self.n_lif, self.n_alif),
                _ => (self.n_lif + self.n_alif, 0),
            };
            let signs = crate::connectivity::dale_signs(n_lif, n_alif, self.excitatory_fraction);
            let excitatory = signs.iter().filter(|&&e| e).count();
            if excitatory == 0 || excitatory == signs.len() {
                return Err(invalid(
                    "excitatory_fraction",
                    "a share that leaves both excitatory and inhibitory neurons with agent.dale (rounded per population)",
                    self.excitatory_fraction,
                ));
            }
        }
        if !self.kind.is_spiking() {
            let spiking_only = "left at its default for kind = \"lstm\" or \"gru\" (sparse connectivity and Dale's law are for the spiking kinds)";
            if self.connectivity != 1.0 {
                return Err(invalid("connectivity", spiking_only, self.connectivity));
            }
            if self.input_connectivity != 1.0 {
                return Err(invalid(
                    "input_connectivity",
                    spiking_only,
                    self.input_connectivity,
                ));
            }
            if self.dale {
                return Err(invalid("dale", spiking_only, self.dale));
            }
        }
        Ok(())
    }

    /// True when the spiking core's synapses carry a constraint: fewer than all
    /// possible synapses exist, or Dale's law holds (see `connectivity`).
    pub fn constrained(&self) -> bool {
        self.kind.is_spiking()
            && (self.connectivity < 1.0 || self.input_connectivity < 1.0 || self.dale)
    }

    /// Number of spiking neurons (n_lif + n_alif) for spiking kinds, 0 otherwise.
    pub fn n_neurons(&self) -> usize {
        if self.kind.is_spiking() {
            self.n_lif + self.n_alif
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(config: &AgentConfig) -> String {
        config.validate().unwrap_err().to_string()
    }

    #[test]
    fn defaults_are_valid_and_use_the_eprop_equations() {
        let c = AgentConfig::default();
        c.validate().unwrap();
        assert_eq!(c.kind, AgentKind::Lsnn);
        assert_eq!(c.model, NeuronModel::Eprop2020);
        assert_eq!((c.n_lif, c.n_alif), (50, 50));
        assert_eq!((c.tau_m, c.tau_a, c.beta), (20.0, 200.0, 1.8));
        assert_eq!((c.thr_lif, c.thr_alif, c.dampening), (0.6, 0.6, 0.3));
        assert_eq!((c.tau_out, c.k_steps, c.hidden), (3.0, 1, 48));
    }

    #[test]
    fn rejects_bad_values_naming_the_key() {
        let bad = |f: fn(&mut AgentConfig)| {
            let mut c = AgentConfig::default();
            f(&mut c);
            message(&c)
        };
        assert_eq!(
            bad(|c| c.tau_m = -3.0),
            "agent.tau_m must be positive (> 0), got -3"
        );
        assert_eq!(
            bad(|c| c.tau_a = 0.0),
            "agent.tau_a must be positive (> 0), got 0"
        );
        assert_eq!(
            bad(|c| c.tau_m = f64::NAN),
            "agent.tau_m must be positive (> 0), got NaN"
        );
        assert_eq!(
            bad(|c| c.beta = -0.1),
            "agent.beta must be non-negative (>= 0), got -0.1"
        );
        assert_eq!(
            bad(|c| c.thr_lif = 0.0),
            "agent.thr_lif must be positive (> 0), got 0"
        );
        assert_eq!(
            bad(|c| c.thr_alif = -1.0),
            "agent.thr_alif must be positive (> 0), got -1"
        );
        assert_eq!(
            bad(|c| c.dampening = -0.3),
            "agent.dampening must be non-negative (>= 0), got -0.3"
        );
        assert_eq!(
            bad(|c| c.weight_scale = 0.0),
            "agent.weight_scale must be positive (> 0), got 0"
        );
        assert_eq!(
            bad(|c| c.tau_out = -1.0),
            "agent.tau_out must be positive (> 0), got -1"
        );
        assert_eq!(
            bad(|c| c.k_steps = 0),
            "agent.k_steps must be at least 1, got 0"
        );
        assert_eq!(
            bad(|c| c.hidden = 0),
            "agent.hidden must be at least 1, got 0"
        );
        assert_eq!(
            bad(|c| c.poisson_max_rate = 1.5),
            "agent.poisson_max_rate must be in (0, 1], got 1.5"
        );
        assert_eq!(
            bad(|c| c.connectivity = 0.0),
            "agent.connectivity must be in (0, 1], got 0"
        );
        assert_eq!(
            bad(|c| c.input_connectivity = 1.2),
            "agent.input_connectivity must be in (0, 1], got 1.2"
        );
        assert_eq!(
            bad(|c| c.excitatory_fraction = 1.0),
            "agent.excitatory_fraction must be in (0, 1), got 1"
        );
        let msg = bad(|c| {
            c.kind = AgentKind::Lstm;
            c.dale = true;
        });
        assert!(
            msg.starts_with("agent.dale must be left at its default"),
            "{msg}"
        );
        let msg = bad(|c| {
            c.n_lif = 1;
            c.n_alif = 0;
            c.connectivity = 0.5;
        });
        assert!(
            msg.contains("at least 2 for a sparse or Dale network"),
            "{msg}"
        );
        let msg = bad(|c| {
            c.n_lif = 1;
            c.n_alif = 1;
            c.dale = true;
        });
        assert!(
            msg.starts_with("agent.excitatory_fraction must be a share"),
            "{msg}"
        );
        let msg = bad(|c| {
            c.kind = AgentKind::Gru;
            c.connectivity = 0.1;
        });
        assert!(msg.contains("for the spiking kinds"), "{msg}");
        let msg = bad(|c| {
            c.n_lif = 0;
            c.n_alif = 0;
        });
        assert!(msg.contains("agent.n_lif + agent.n_alif"), "{msg}");
        assert!(msg.contains("at least 1"), "{msg}");
    }

    #[test]
    fn empty_spiking_population_is_fine_for_lstm_and_gru() {
        for kind in [AgentKind::Lstm, AgentKind::Gru] {
            let c = AgentConfig {
                kind,
                n_lif: 0,
                n_alif: 0,
                ..AgentConfig::default()
            };
            c.validate().unwrap();
            assert_eq!(c.n_neurons(), 0);
        }
        let c = AgentConfig {
            kind: AgentKind::Lif,
            n_lif: 0,
            n_alif: 0,
            ..Default::default()
        };
        assert!(message(&c).starts_with("agent.n_lif"));
    }

    #[test]
    fn serde_names_and_defaults() {
        let c: AgentConfig = serde_json::from_str(
            r#"{"kind": "lstm", "model": "eprop2020", "input_encoding": "poisson"}"#,
        )
        .unwrap();
        assert_eq!(c.kind, AgentKind::Lstm);
        assert_eq!(c.model, NeuronModel::Eprop2020);
        assert_eq!(c.input_encoding, InputEncoding::Poisson);
        assert_eq!(c.n_alif, 50);
        let json = serde_json::to_string(&AgentConfig::default()).unwrap();
        assert!(json.contains(r#""kind":"lsnn""#), "{json}");
        assert!(json.contains(r#""model":"eprop2020""#), "{json}");
        assert!(json.contains(r#""input_encoding":"current""#), "{json}");
        let back: AgentConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, AgentConfig::default());
        for kind in ["lsnn", "lif", "lstm", "gru"] {
            let k: AgentKind = serde_json::from_str(&format!("\"{kind}\"")).unwrap();
            assert_eq!(k.to_string(), kind);
        }
        let err = serde_json::from_str::<AgentConfig>(r#"{"tau_mm": 3}"#).unwrap_err();
        assert!(err.to_string().contains("tau_mm"), "{err}");
    }
}
