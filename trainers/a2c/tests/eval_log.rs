//! The evaluation's episode log records the ALIF neurons' mean adaptive
//! threshold at every step, where the network has ALIF neurons.

use std::sync::Arc;

use lsnn_rl_a2c::{ActionMode, EpisodeLog, RunConfig};
use lsnn_rl_env::{Registry, TaskDistribution};
use lsnn_rl_neural::AgentKind;
use tch::Device;

fn dist() -> Arc<dyn TaskDistribution> {
    let mut registry = Registry::new();
    lsnn_rl_bandits::register(&mut registry).unwrap();
    Arc::from(
        registry
            .make("bandit-dependent:difficulty=easy,pulls=30")
            .unwrap(),
    )
}

fn logged(kind: AgentKind) -> (RunConfig, EpisodeLog) {
    let mut config = RunConfig::new("bandit-dependent:difficulty=easy,pulls=30", kind, 5);
    config.agent.n_lif = 6;
    config.agent.n_alif = 6;
    // A low threshold and strong input make the ALIF neurons fire and adapt.
    config.agent.thr_alif = 0.01;
    config.agent.beta = 1.8;
    let dist = dist();
    let trainer = lsnn_rl_a2c::trainer(config.clone(), dist.clone(), Device::Cpu).unwrap();
    let mut log = EpisodeLog {
        rows: Vec::new(),
        spikes: Some(Vec::new()),
    };
    trainer
        .evaluate(dist.as_ref(), 3, 11, ActionMode::Sample, Some(&mut log))
        .unwrap();
    (config, log)
}

#[test]
fn alif_thresholds_start_at_thr_and_rise_with_adaptive_spikes() {
    let (config, log) = logged(AgentKind::Lsnn);
    assert_eq!(log.rows.len(), 90);
    let thresholds: Vec<f64> = log
        .rows
        .iter()
        .map(|r| r.alif_threshold.expect("an LSNN logs its ALIF threshold"))
        .collect();
    let thr = config.agent.thr_alif;
    // b >= 0 and beta >= 0: the threshold never falls below its base.
    assert!(
        thresholds.iter().all(|&t| t >= thr - 1e-6),
        "{thresholds:?}"
    );
    let alif_spikes = log
        .spikes
        .as_ref()
        .unwrap()
        .iter()
        .filter(|e| e.adaptive)
        .count();
    assert!(alif_spikes > 0, "the seeded network's ALIF neurons fire");
    // Before any spike the threshold is the base; after them it has risen.
    assert!((thresholds[0] - thr).abs() < 1e-6, "{}", thresholds[0]);
    let highest = thresholds.iter().copied().fold(f64::MIN, f64::max);
    assert!(highest > thr + 1e-4, "spikes without adaptation: {highest}");
}

#[test]
fn networks_without_alif_neurons_log_no_threshold() {
    for kind in [AgentKind::Lif, AgentKind::Lstm] {
        let (_, log) = logged(kind);
        assert!(!log.rows.is_empty());
        assert!(
            log.rows.iter().all(|r| r.alif_threshold.is_none()),
            "{kind:?}"
        );
    }
}
