//! Lesions and state recording of a probed evaluation: a lesion of a part
//! that is zero (or without effect) changes nothing, a real one changes the
//! trials, a part the network lacks is a clear error, and the recorded
//! state has the network's populations.

use std::sync::Arc;

use lsnn_rl_a2c::lesion::Lesion;
use lsnn_rl_a2c::probe::{Probe, RecordedStep};
use lsnn_rl_a2c::{ActionMode, Bptt, RunConfig, Trainer};
use lsnn_rl_env::{Registry, TaskDistribution};
use lsnn_rl_neural::{AgentKind, Readout};
use tch::Device;

const SPEC: &str = "bandit-dependent:difficulty=easy,pulls=20";

fn dist() -> Arc<dyn TaskDistribution> {
    let mut registry = Registry::new();
    lsnn_rl_bandits::register(&mut registry).unwrap();
    Arc::from(registry.make(SPEC).unwrap())
}

fn trainer(kind: AgentKind, bptt: Bptt) -> Trainer {
    let mut config = RunConfig::new(SPEC, kind, 5);
    config.agent.n_lif = 6;
    config.agent.n_alif = if kind == AgentKind::Lif { 0 } else { 6 };
    config.agent.hidden = 8;
    // A low threshold makes the neurons fire, so every part of the state moves.
    config.agent.thr_lif = 0.01;
    config.agent.thr_alif = 0.01;
    config.train.bptt = bptt;
    config.train.batch = 4;
    lsnn_rl_a2c::trainer(config, dist(), Device::Cpu).unwrap()
}

/// Six trials with `lesion`, states recorded.
fn probed(trainer: &Trainer, lesion: Option<&str>) -> Probe {
    let mut probe = Probe {
        lesion: lesion.map(|l| l.parse::<Lesion>().unwrap()),
        record: true,
        ..Probe::default()
    };
    trainer
        .evaluate_probed(dist().as_ref(), 6, 17, ActionMode::Sample, None, &mut probe)
        .unwrap();
    probe
}

/// The recorded state of the first trial at `step`.
fn first_trial_step(probe: &Probe, step: usize) -> &RecordedStep {
    probe
        .steps
        .iter()
        .find(|s| s.trial == 0 && s.step == step)
        .unwrap()
}

#[test]
fn resets_at_step_zero_change_nothing_because_the_state_starts_at_zero() {
    for (kind, bptt, parts) in [
        (
            AgentKind::Lsnn,
            Bptt::Manual,
            &["adaptation", "membrane", "spikes", "readout"][..],
        ),
        (
            AgentKind::Lsnn,
            Bptt::Autograd,
            &["adaptation", "membrane", "spikes", "readout"][..],
        ),
        (AgentKind::Lstm, Bptt::Auto, &["state"][..]),
    ] {
        let trainer = trainer(kind, bptt);
        let intact = probed(&trainer, None);
        for part in parts {
            let lesioned = probed(&trainer, Some(&format!("{part}@0:reset")));
            assert_eq!(lesioned.trials, intact.trials, "{kind:?} {bptt:?} {part}");
            assert_eq!(lesioned.steps, intact.steps, "{kind:?} {bptt:?} {part}");
        }
    }
}

#[test]
fn adaptation_held_at_zero_changes_nothing_without_adaptive_neurons() {
    for bptt in [Bptt::Manual, Bptt::Autograd] {
        let trainer = trainer(AgentKind::Lif, bptt);
        let intact = probed(&trainer, None);
        let lesioned = probed(&trainer, Some("adaptation@0:zero"));
        assert_eq!(lesioned.trials, intact.trials, "{bptt:?}");
        assert_eq!(lesioned.steps, intact.steps, "{bptt:?}");
    }
}

#[test]
fn a_real_lesion_changes_the_state_from_its_step_on_only() {
    for (kind, bptt, lesion) in [
        (AgentKind::Lsnn, Bptt::Manual, "membrane@5:zero"),
        (AgentKind::Lsnn, Bptt::Autograd, "adaptation@5:zero"),
        (AgentKind::Lstm, Bptt::Auto, "state@5:hold"),
    ] {
        let trainer = trainer(kind, bptt);
        let intact = probed(&trainer, None);
        let lesioned = probed(&trainer, Some(lesion));
        let before =
            |p: &Probe| -> Vec<_> { p.steps.iter().filter(|s| s.step < 5).cloned().collect() };
        assert_eq!(
            before(&lesioned),
            before(&intact),
            "{lesion}: steps before it"
        );
        assert_ne!(lesioned.steps, intact.steps, "{lesion}: steps from it on");
    }
}

#[test]
fn the_readout_lesion_is_the_spikes_lesion_when_the_heads_read_spikes() {
    for bptt in [Bptt::Manual, Bptt::Autograd] {
        let trainer = trainer(AgentKind::Lsnn, bptt);
        let intact = probed(&trainer, None);
        let readout = probed(&trainer, Some("readout@5:zero"));
        let spikes = probed(&trainer, Some("spikes@5:zero"));
        assert_eq!(readout.steps, spikes.steps, "{bptt:?}");
        assert_ne!(readout.steps, intact.steps, "{bptt:?}");
    }
}

#[test]
fn a_lesion_of_a_part_the_network_lacks_is_an_error_naming_what_it_has() {
    let lstm = trainer(AgentKind::Lstm, Bptt::Auto);
    let mut probe = Probe {
        lesion: Some("adaptation@3".parse().unwrap()),
        ..Probe::default()
    };
    let err = lstm
        .evaluate_probed(dist().as_ref(), 2, 1, ActionMode::Sample, None, &mut probe)
        .unwrap_err()
        .to_string();
    assert!(err.contains("LSTM network has no adaptation"), "{err}");
    assert!(err.contains("state"), "{err}");
    let lsnn = trainer(AgentKind::Lsnn, Bptt::Manual);
    let mut probe = Probe {
        lesion: Some("state@3".parse().unwrap()),
        ..Probe::default()
    };
    let err = lsnn
        .evaluate_probed(dist().as_ref(), 2, 1, ActionMode::Sample, None, &mut probe)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("adaptation, membrane, spikes or readout"),
        "{err}"
    );
}

#[test]
fn a_membrane_readout_is_recorded_by_name_and_refuses_only_the_spikes_lesion() {
    for bptt in [Bptt::Manual, Bptt::Autograd] {
        let mut config = RunConfig::new(SPEC, AgentKind::Lsnn, 5);
        config.agent.readout = Readout::Membrane;
        config.train.bptt = bptt;
        config.train.batch = 4;
        let tau_out = config.agent.tau_out;
        let membrane = lsnn_rl_a2c::trainer(config, dist(), Device::Cpu).unwrap();
        let run = |lesion: Option<&str>, record: bool| {
            let mut probe = Probe {
                lesion: lesion.map(|l| l.parse::<Lesion>().unwrap()),
                record,
                ..Probe::default()
            };
            membrane
                .evaluate_probed(dist().as_ref(), 2, 1, ActionMode::Sample, None, &mut probe)
                .map(|_| probe)
        };
        let err = run(Some("spikes@3"), false).unwrap_err().to_string();
        assert!(err.contains("agent.readout"), "{err}");
        assert!(
            err.contains("lesion its adaptation, membrane or readout instead"),
            "{err}"
        );
        // The same check, before anything runs (what `eval --lesion` calls first).
        let spikes: Lesion = "spikes@3".parse().unwrap();
        assert_eq!(membrane.check_lesion(&spikes).unwrap_err().to_string(), err);
        for lesion in ["membrane@3", "readout@3", "adaptation@3"] {
            let parsed: Lesion = lesion.parse().unwrap();
            membrane.check_lesion(&parsed).unwrap();
            run(Some(lesion), false).unwrap();
        }
        // The heads' input is recorded under its own name, and it is the
        // low-pass filter of the recorded potentials (not of any spikes), in
        // both populations.
        let probe = run(None, true).unwrap();
        assert_eq!(
            probe.components,
            [
                "filtered_membrane_lif",
                "membrane_lif",
                "filtered_membrane_alif",
                "membrane_alif",
                "threshold_alif"
            ],
            "{bptt:?}"
        );
        let (first, second) = (first_trial_step(&probe, 0), first_trial_step(&probe, 1));
        let rate = 1.0 - (-1.0 / tau_out as f32).exp(); // one network step per env step
        for (filtered, potential) in [(0, 1), (2, 3)] {
            assert!(
                second.values[potential].iter().any(|&v| v != 0.0),
                "{bptt:?}: the potentials move"
            );
            for j in 0..first.values[filtered].len() {
                let previous = first.values[filtered][j];
                let expected = previous + rate * (second.values[potential][j] - previous);
                let recorded = second.values[filtered][j];
                assert!(
                    (recorded - expected).abs() < 1e-5,
                    "{bptt:?} component {filtered} neuron {j}"
                );
            }
        }
    }
}

#[test]
fn the_record_has_every_step_and_population() {
    let probe = probed(&trainer(AgentKind::Lsnn, Bptt::Manual), None);
    assert_eq!(
        probe.components,
        [
            "spikes_lif",
            "membrane_lif",
            "spikes_alif",
            "membrane_alif",
            "threshold_alif"
        ]
    );
    assert_eq!(probe.steps.len(), 6 * 20);
    assert_eq!(probe.trials.len(), 6);
    for step in &probe.steps {
        assert!(step.values.iter().all(|v| v.len() == 6));
        assert!(step.info.get("best_arm").is_some());
        // ALIF thresholds never fall below their base.
        assert!(step.values[4].iter().all(|&t| t >= 0.01 - 1e-6));
    }
    let lstm = probed(&trainer(AgentKind::Lstm, Bptt::Auto), None);
    assert_eq!(lstm.components, ["h", "c"]);
    assert!(
        lstm.steps
            .iter()
            .all(|s| s.values.iter().all(|v| v.len() == 8))
    );
}

#[test]
fn a_readout_of_both_is_recorded_as_both_and_refuses_only_the_spikes_lesion() {
    let mut recorded = Vec::new();
    for bptt in [Bptt::Manual, Bptt::Autograd] {
        let mut config = RunConfig::new(SPEC, AgentKind::Lsnn, 5);
        config.agent.readout = Readout::Both;
        config.agent.thr_lif = 0.01;
        config.agent.thr_alif = 0.01;
        config.train.bptt = bptt;
        config.train.batch = 4;
        let tau_out = config.agent.tau_out;
        let both = lsnn_rl_a2c::trainer(config, dist(), Device::Cpu).unwrap();
        let spikes: Lesion = "spikes@3".parse().unwrap();
        let err = both.check_lesion(&spikes).unwrap_err().to_string();
        assert!(err.contains("agent.readout = \"both\""), "{err}");
        assert!(
            err.contains("lesion its adaptation, membrane or readout instead"),
            "{err}"
        );
        for lesion in ["membrane@3", "readout@3", "adaptation@3"] {
            both.check_lesion(&lesion.parse().unwrap()).unwrap();
        }
        let mut probe = Probe {
            record: true,
            ..Probe::default()
        };
        both.evaluate_probed(dist().as_ref(), 2, 1, ActionMode::Sample, None, &mut probe)
            .unwrap();
        // Each population: filtered spikes, filtered potentials, potentials.
        assert_eq!(
            probe.components,
            [
                "spikes_lif",
                "filtered_membrane_lif",
                "membrane_lif",
                "spikes_alif",
                "filtered_membrane_alif",
                "membrane_alif",
                "threshold_alif"
            ],
            "{bptt:?}"
        );
        let (first, second) = (first_trial_step(&probe, 0), first_trial_step(&probe, 1));
        let rate = 1.0 - (-1.0 / tau_out as f32).exp();
        for (spikes, filtered, potential) in [(0, 1, 2), (3, 4, 5)] {
            // Filtered spikes lie in [0, 1]; the filtered potentials follow
            // the recorded potentials.
            assert!(
                second.values[spikes]
                    .iter()
                    .all(|&s| (0.0..=1.0).contains(&s))
            );
            assert!(second.values[spikes].iter().any(|&s| s > 0.0), "{bptt:?}");
            for j in 0..first.values[filtered].len() {
                let previous = first.values[filtered][j];
                let expected = previous + rate * (second.values[potential][j] - previous);
                let got = second.values[filtered][j];
                assert!((got - expected).abs() < 1e-5, "{bptt:?} {filtered} {j}");
            }
        }
        recorded.push(probe.steps);
    }
    // The kernel and the tensor network record the same states.
    let (manual, autograd) = (&recorded[0], &recorded[1]);
    assert_eq!(manual.len(), autograd.len());
    for (m, a) in manual.iter().zip(autograd) {
        for (mv, av) in m.values.iter().zip(&a.values) {
            for (x, y) in mv.iter().zip(av) {
                assert!((x - y).abs() < 1e-4, "step {} of trial {}", m.step, m.trial);
            }
        }
    }
}
