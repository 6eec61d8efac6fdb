//! Tests of the run configuration.

use super::*;
use lsnn_rl_neural::AgentKind;

#[test]
fn schedules_move_from_start_to_end() {
    for s in [Schedule::Linear, Schedule::Cosine] {
        assert_eq!(s.value(1.0, 0.0, 0, 11), 1.0);
        assert!((s.value(1.0, 0.0, 10, 11)).abs() < 1e-12);
        assert!((s.value(1.0, 0.0, 5, 11) - 0.5).abs() < 1e-12);
    }
    assert_eq!(Schedule::Constant.value(2.0, 0.0, 7, 11), 2.0);
    assert!((Schedule::Linear.value(1.0, 0.0, 2, 11) - 0.8).abs() < 1e-12);
    assert!(Schedule::Cosine.value(1.0, 0.0, 2, 11) > 0.8);
}

#[test]
fn extending_a_run_keeps_or_restarts_its_schedules() {
    let mut config = RunConfig::new("bandit-dependent", AgentKind::Lsnn, 3);
    config.train.updates = 100;
    let last = config.schedules_at(99);
    assert!((last.lr - config.train.lr_final).abs() < 1e-12);
    assert!((last.entropy_weight - config.train.entropy_final).abs() < 1e-12);
    let (keep, said) = config.extended(300, ScheduleChoice::Keep);
    assert!(said.contains("keep their final values"), "{said}");
    // Every later update stays at the final values: no jump back up.
    for u in [100, 150, 299] {
        assert_eq!(keep.schedules_at(u), last);
    }
    // The updates already done saw the same values as before.
    for u in [0, 37, 99] {
        assert_eq!(keep.schedules_at(u), config.schedules_at(u));
    }
    let (restart, said) = config.extended(300, ScheduleChoice::Restart);
    assert!(said.contains("start again"), "{said}");
    let first = restart.schedules_at(100);
    assert_eq!(
        (first.lr, first.entropy_weight),
        (config.train.lr, config.train.entropy_weight)
    );
    assert_eq!(restart.schedules_at(299), last);
    restart.validate().unwrap();
    // Stretching (the old behaviour) would have raised the rate mid-run.
    let mut stretched = config.clone();
    stretched.train.updates = 300;
    assert!(stretched.schedules_at(100).lr > last.lr);
}

#[test]
fn the_discount_is_constant_unless_scheduled() {
    let mut config = RunConfig::new("bandit-dependent", AgentKind::Lsnn, 3);
    config.train.updates = 11;
    config.train.gamma = 0.9;
    config.train.gamma_final = 0.99;
    // The default schedule is constant: gamma_final is not used.
    for u in [0, 5, 10, 20] {
        assert_eq!(config.schedules_at(u).gamma, 0.9);
    }
    config.train.gamma_schedule = Schedule::Linear;
    assert_eq!(config.schedules_at(0).gamma, 0.9);
    assert!((config.schedules_at(5).gamma - 0.945).abs() < 1e-12);
    assert!((config.schedules_at(10).gamma - 0.99).abs() < 1e-12);
    assert!((config.schedules_at(30).gamma - 0.99).abs() < 1e-12);
    // An extended run keeps the final discount, or runs the schedule again.
    let (keep, said) = config.extended(30, ScheduleChoice::Keep);
    assert!((keep.schedules_at(20).gamma - 0.99).abs() < 1e-12);
    assert!(said.contains("discount 0.99"), "{said}");
    let (restart, said) = config.extended(30, ScheduleChoice::Restart);
    assert_eq!(restart.schedules_at(11).gamma, 0.9);
    assert!(said.contains("discount 0.9 "), "{said}");
    // Set by key, and checked like gamma.
    let set = config
        .with_overrides(&["train.gamma_final=0.95".into()])
        .unwrap();
    assert_eq!(set.train.gamma_final, 0.95);
    let err = config
        .with_overrides(&["train.gamma_final=1.5".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("train.gamma_final"), "{err}");
}

#[test]
fn toml_round_trips_and_overrides_apply() {
    let config = RunConfig::new("bandit-dependent", AgentKind::Lsnn, 3);
    assert_eq!(RunConfig::from_toml(&config.to_toml()).unwrap(), config);
    let changed = config
        .with_overrides(&[
            "train.lr=0.001".into(),
            "agent.n_alif=7".into(),
            "env=bandit-bernoulli:arms=5".into(),
        ])
        .unwrap();
    assert_eq!(changed.train.lr, 0.001);
    assert_eq!(changed.agent.n_alif, 7);
    assert_eq!(changed.env, "bandit-bernoulli:arms=5");
}

#[test]
fn unknown_keys_and_bad_values_are_named() {
    let config = RunConfig::new("bandit-dependent", AgentKind::Lsnn, 3);
    let err = config
        .with_overrides(&["train.lrr=0.1".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("lrr"), "{err}");
    let err = config
        .with_overrides(&["trian.lr=0.1".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("trian"), "{err}");
    let err = config
        .with_overrides(&["train.batch=0".into()])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("train.batch") && err.contains("at least 1"),
        "{err}"
    );
    let err = config
        .with_overrides(&["train.gamma=1.5".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("train.gamma"), "{err}");
    let err = config
        .with_overrides(&["nonsense".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("key=value"), "{err}");
}

#[test]
fn an_override_of_the_wrong_type_is_named() {
    let config = RunConfig::new("bandit-dependent", AgentKind::Lsnn, 3);
    // The second override is the bad one; the error names it, not a line of
    // the merged TOML.
    let err = config
        .with_overrides(&["train.lr=0.001".into(), "agent.k_steps=abc".into()])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("agent.k_steps=abc:") && err.contains("expected usize"),
        "{err}"
    );
    assert!(!err.contains("line"), "{err}");
    let err = config
        .with_overrides(&["agent.readout=potentials".into()])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("agent.readout=potentials:") && err.contains("membrane"),
        "{err}"
    );
    // An integer where a float is expected is still fine.
    let config = config.with_overrides(&["train.lr=1".into()]).unwrap();
    assert_eq!(config.train.lr, 1.0);
}

#[test]
fn bad_connectivity_and_rewiring_settings_are_named() {
    let config = RunConfig::new("bandit-dependent", AgentKind::Lsnn, 3);
    let error = |sets: &[&str]| {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        config.with_overrides(&sets).unwrap_err().to_string()
    };
    let err = error(&["agent.connectivity=1.5"]);
    assert!(
        err.contains("agent.connectivity must be in (0, 1]"),
        "{err}"
    );
    let err = error(&["agent.connectivity=0"]);
    assert!(err.contains("agent.connectivity"), "{err}");
    let err = error(&["train.rewiring=true"]);
    assert!(
        err.contains("train.rewiring") && err.contains("agent.connectivity below 1"),
        "{err}"
    );
    let err = error(&["agent.kind=\"lstm\"", "agent.dale=true"]);
    assert!(
        err.contains("agent.dale") && err.contains("spiking kinds"),
        "{err}"
    );
    let err = error(&["agent.connectivity=0.1", "train.rewiring_temperature=-1"]);
    assert!(err.contains("train.rewiring_temperature"), "{err}");
    let fine = config
        .with_overrides(&[
            "agent.connectivity=0.12".into(),
            "agent.dale=true".into(),
            "train.rewiring=true".into(),
        ])
        .unwrap();
    assert!(fine.agent.constrained() && fine.train.rewiring);
}

#[test]
fn a_bad_reward_code_is_named() {
    let config = RunConfig::new("bandit-dependent", AgentKind::Lsnn, 3);
    let error = |sets: &[&str]| {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        config.with_overrides(&sets).unwrap_err().to_string()
    };
    let err = error(&["inputs.reward_units=1"]);
    assert!(
        err.contains("inputs.reward_units = 1") && err.contains("at least 2"),
        "{err}"
    );
    let err = error(&["inputs.reward_units=4", "inputs.reward_high=-1"]);
    assert!(err.contains("inputs.reward_high = -1"), "{err}");
    let fine = config
        .with_overrides(&["inputs.reward_units=11".into()])
        .unwrap();
    assert_eq!(fine.inputs.reward_units, 11);
}

#[test]
fn a_configuration_written_before_ppo_and_schedule_windows_still_loads() {
    let config = RunConfig::new("bandit-dependent", AgentKind::Lsnn, 3);
    let newer = [
        "algo",
        "reward_units",
        "reward_low",
        "reward_high",
        "schedule_start",
        "schedule_end",
        "ppo_epochs",
        "ppo_minibatches",
        "ppo_clip",
        "ppo_value_clip",
        "ppo_normalize_advantages",
    ];
    let text = config.to_toml();
    let old: Vec<&str> = text
        .lines()
        .filter(|line| {
            !newer
                .iter()
                .any(|key| line.starts_with(&format!("{key} = ")))
        })
        .collect();
    let old = old.join("\n");
    assert!(!old.contains("ppo_clip") && !old.contains("algo ="));
    assert_eq!(RunConfig::from_toml(&old).unwrap(), config);
}

#[test]
fn a_stored_run_written_before_the_eprop_default_keeps_its_model() {
    // A run stored before `model`, the thresholds and the rate penalty had
    // keys ran the 2018 reference equations without a penalty: reading it
    // back must not give it today's defaults.
    let config = RunConfig::new("bandit-dependent", AgentKind::Lsnn, 3);
    let text = config.to_toml();
    let old: Vec<&str> = text
        .lines()
        .filter(|line| {
            !["model", "thr_lif", "thr_alif", "rate_weight", "rate_target"]
                .iter()
                .any(|key| line.starts_with(&format!("{key} = ")))
        })
        .collect();
    let old = old.join("\n");
    let stored = RunConfig::from_stored_toml(&old).unwrap();
    assert_eq!(stored.agent.model, lsnn_rl_neural::NeuronModel::Bellec2018);
    assert_eq!((stored.agent.thr_lif, stored.agent.thr_alif), (0.01, 0.01));
    assert_eq!(
        (stored.train.rate_weight, stored.train.rate_target),
        (0.0, 0.01)
    );
    // A user's file without those keys gets today's defaults.
    let fresh = RunConfig::from_toml(&old).unwrap();
    assert_eq!(fresh.agent.model, lsnn_rl_neural::NeuronModel::Eprop2020);
    assert_eq!(fresh.train.rate_weight, 1.0);
    // Keys that are present are kept as written.
    assert_eq!(
        RunConfig::from_stored_toml(&config.to_toml()).unwrap(),
        config
    );
}
