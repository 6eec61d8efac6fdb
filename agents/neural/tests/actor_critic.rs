//! The actor-critic network: shapes for every kind and head, seeded initialisation,
//! BPTT through several steps, truncation by `detach`, and construction errors.

use lsnn_rl_neural::{
    ActionHead, ActorCritic, AgentConfig, AgentKind, ConfigError, InputEncoding, NeuronModel,
    RecurrentState,
};
use tch::{Device, Kind, Tensor};

const KINDS: [AgentKind; 4] = [
    AgentKind::Lsnn,
    AgentKind::Lif,
    AgentKind::Lstm,
    AgentKind::Gru,
];

fn small(kind: AgentKind) -> AgentConfig {
    AgentConfig {
        kind,
        n_lif: 6,
        n_alif: 4,
        hidden: 8,
        ..AgentConfig::default()
    }
}

fn net(config: &AgentConfig, obs: usize, action: ActionHead, seed: u64) -> ActorCritic {
    ActorCritic::new(config, obs, action, seed, Device::Cpu).unwrap()
}

/// Uniform [0, 1) observations drawn in Rust, not from LibTorch's global
/// generator, which the tests running in parallel threads would share.
fn obs(batch: i64, size: i64, seed: i64) -> Tensor {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed as u64);
    let values: Vec<f32> = (0..batch * size).map(|_| rng.random::<f32>()).collect();
    Tensor::from_slice(&values).reshape([batch, size])
}

/// Every variable, by name, as f32 values.
fn weights(n: &ActorCritic) -> Vec<(String, Vec<f32>)> {
    let mut vars: Vec<_> = n
        .var_store()
        .variables()
        .into_iter()
        .map(|(name, t)| (name, Vec::<f32>::try_from(&t.flatten(0, -1)).unwrap()))
        .collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars
}

#[test]
fn shapes_for_every_kind_and_head() {
    for kind in KINDS {
        for (k_steps, model) in [(1, NeuronModel::Bellec2018), (3, NeuronModel::Eprop2020)] {
            let config = AgentConfig {
                k_steps,
                model,
                ..small(kind)
            };
            for action in [ActionHead::Discrete(3), ActionHead::Gaussian(2)] {
                let n = net(&config, 5, action, 7);
                let f: i64 = if kind.is_spiking() { 10 } else { 8 };
                assert_eq!(n.feature_size() as i64, f);
                let mut state = n.initial_state(4).unwrap();
                let expected_tensors = match kind {
                    AgentKind::Lsnn | AgentKind::Lif => 5,
                    AgentKind::Lstm => 2,
                    AgentKind::Gru => 1,
                };
                assert_eq!(state.tensors().len(), expected_tensors, "{kind}");
                let typed = matches!(
                    (&state, kind),
                    (RecurrentState::Spiking(_), AgentKind::Lsnn | AgentKind::Lif)
                        | (RecurrentState::Lstm(_), AgentKind::Lstm)
                        | (RecurrentState::Gru(_), AgentKind::Gru)
                );
                assert!(typed, "{kind}: state of kind {}", state.kind());
                assert_eq!(state.batch_size(), 4);
                let mut features = vec![];
                for t in 0..3 {
                    let (out, next) = n.step(&obs(4, 5, t), &state).unwrap();
                    assert_eq!(out.features.size(), [4, f], "{kind}");
                    assert_eq!(out.features.kind(), Kind::Float);
                    match &out.spikes {
                        Some(s) => {
                            assert!(kind.is_spiking());
                            assert_eq!(s.size(), [4, 10]);
                            let s = Vec::<f32>::try_from(&s.flatten(0, -1)).unwrap();
                            assert!(
                                s.iter()
                                    .all(|&c| c >= 0.0 && c <= k_steps as f32 && c.fract() == 0.0)
                            );
                        }
                        None => assert!(!kind.is_spiking()),
                    }
                    for t in next.tensors() {
                        assert_eq!(t.size(), [4, f]);
                    }
                    features.push(out.features);
                    state = next;
                }
                // Heads on stacked [T * B, F] features.
                let stacked = Tensor::cat(&features, 0);
                let (policy, value) = n.heads(&stacked);
                assert_eq!(policy.size(), [12, action.size() as i64]);
                assert_eq!(value.size(), [12]);
                match action {
                    ActionHead::Discrete(_) => assert!(n.log_std().is_none()),
                    ActionHead::Gaussian(d) => {
                        let log_std = n.log_std().unwrap();
                        assert_eq!(log_std.size(), [d as i64]);
                        assert!(log_std.requires_grad());
                    }
                }
                let counts = n.neuron_count();
                match kind {
                    AgentKind::Lsnn => assert_eq!(counts, (6, 4)),
                    AgentKind::Lif => assert_eq!(counts, (10, 0)),
                    _ => assert_eq!(counts, (0, 0)),
                }
                assert_eq!(n.config(), &config);
            }
        }
    }
}

#[test]
fn same_seed_same_weights_different_seed_different() {
    for kind in KINDS {
        let config = small(kind);
        let a = weights(&net(&config, 5, ActionHead::Gaussian(2), 11));
        let b = weights(&net(&config, 5, ActionHead::Gaussian(2), 11));
        assert_eq!(
            a, b,
            "{kind}: same seed must give the same weights bit for bit"
        );
        let c = weights(&net(&config, 5, ActionHead::Gaussian(2), 12));
        for ((name, x), (_, y)) in a.iter().zip(&c) {
            if name.contains("bias") || name == "log_std" {
                continue; // constant initialisations
            }
            assert_ne!(x, y, "{kind}: {name} must change with the seed");
        }
    }
}

#[test]
fn spiking_initialisation_follows_the_reference() {
    let config = AgentConfig {
        n_lif: 100,
        n_alif: 100,
        weight_scale: 2.0,
        ..Default::default()
    };
    let n = net(&config, 50, ActionHead::Discrete(2), 3);
    let w_rec = n.w_rec().unwrap();
    assert_eq!(w_rec.size(), [200, 200]);
    assert_eq!(
        w_rec
            .diagonal(0, 0, 1)
            .abs()
            .sum(Kind::Float)
            .double_value(&[]),
        0.0
    );
    // std = weight_scale / sqrt(n): 2 / sqrt(200) and 2 / sqrt(50).
    let std = |t: &Tensor| t.std(true).double_value(&[]);
    let rec_std = std(w_rec) * (200.0f64 / 199.0).sqrt(); // the zero diagonal
    assert!((rec_std - 2.0 / 200f64.sqrt()).abs() < 0.01, "{rec_std}");
    let w_in = n.w_in().unwrap();
    assert_eq!(w_in.size(), [50, 200]);
    assert!((std(w_in) - 2.0 / 50f64.sqrt()).abs() < 0.01);
    assert!(n.neuron_params().is_some());
    let lstm = net(&small(AgentKind::Lstm), 5, ActionHead::Discrete(2), 3);
    assert!(lstm.w_in().is_none() && lstm.w_rec().is_none() && lstm.neuron_params().is_none());
}

#[test]
fn recurrent_diagonal_gets_no_gradient_and_no_effect() {
    let n = net(&small(AgentKind::Lsnn), 5, ActionHead::Discrete(2), 1);
    let mut state = n.initial_state(3).unwrap();
    let mut loss = Tensor::zeros([], (Kind::Float, Device::Cpu));
    for t in 0..6 {
        let (out, next) = n.step(&(obs(3, 5, t) * 4.0), &state).unwrap();
        loss += n.heads(&out.features).1.sum(Kind::Float);
        state = next;
    }
    loss.backward();
    let g = n.w_rec().unwrap().grad();
    assert!(g.abs().sum(Kind::Float).double_value(&[]) > 0.0);
    assert_eq!(
        g.diagonal(0, 0, 1).abs().sum(Kind::Float).double_value(&[]),
        0.0
    );
}

/// Sum of |grad| over a variable.
fn grad_norm(t: &Tensor) -> f64 {
    let g = t.grad();
    if g.defined() {
        g.abs().sum(Kind::Float).double_value(&[])
    } else {
        0.0
    }
}

/// A value loss on the features after `steps` environment steps; gradients of W_in, W_rec.
fn bptt_grads(model: NeuronModel, steps: i64) -> (f64, f64) {
    // e-prop's pseudo-derivative is scaled by 1/thr: it needs its own threshold range.
    let thr = if model == NeuronModel::Eprop2020 {
        0.6
    } else {
        0.01
    };
    let config = AgentConfig {
        model,
        thr_lif: thr,
        thr_alif: thr,
        ..small(AgentKind::Lsnn)
    };
    let n = net(&config, 5, ActionHead::Discrete(2), 5);
    let mut state = n.initial_state(8).unwrap();
    let mut features = None;
    for t in 0..steps {
        let (out, next) = n.step(&(obs(8, 5, 100 + t) * 2.0), &state).unwrap();
        features = Some(out.features);
        state = next;
    }
    n.heads(&features.unwrap()).1.sum(Kind::Float).backward();
    (grad_norm(n.w_in().unwrap()), grad_norm(n.w_rec().unwrap()))
}

#[test]
fn bptt_reaches_input_and_recurrent_weights() {
    // Eprop2020 spikes off the new voltage: step-3 features already depend on W_rec
    // through z_1 -> I_2 -> v_2 -> z_2.
    let (g_in, g_rec) = bptt_grads(NeuronModel::Eprop2020, 3);
    assert!(g_in > 0.0 && g_rec > 0.0, "eprop2020: {g_in} {g_rec}");
    // Bellec2018 reads the spike off the previous voltage: x_t reaches z_{t+2} at the
    // earliest, so W_rec first matters to the features of step 4 (z_2 -> I_3 -> v_3 -> z_4).
    let (g_in, g_rec) = bptt_grads(NeuronModel::Bellec2018, 3);
    assert!(g_in > 0.0, "bellec2018 W_in at step 3: {g_in}");
    assert_eq!(g_rec, 0.0, "bellec2018: W_rec cannot reach step-3 features");
    for steps in [4, 5] {
        let (g_in, g_rec) = bptt_grads(NeuronModel::Bellec2018, steps);
        assert!(
            g_in > 0.0 && g_rec > 0.0,
            "bellec2018 at step {steps}: {g_in} {g_rec}"
        );
    }
}

#[test]
fn gradients_flow_for_lstm_gru_and_heads() {
    for kind in [AgentKind::Lstm, AgentKind::Gru] {
        let n = net(&small(kind), 5, ActionHead::Gaussian(2), 2);
        let mut state = n.initial_state(2).unwrap();
        let mut first = None;
        for t in 0..4 {
            let (out, next) = n.step(&obs(2, 5, t), &state).unwrap();
            first.get_or_insert(out.features);
            state = next;
        }
        let (mean, value) = n.heads(state.features());
        (mean.sum(Kind::Float) + value.sum(Kind::Float) + n.log_std().unwrap().sum(Kind::Float))
            .backward();
        for var in n.var_store().trainable_variables() {
            assert!(grad_norm(&var) > 0.0, "{kind}: a variable got no gradient");
        }
    }
}

/// The gradient of every trainable variable, by name, zeroing them after.
fn take_grads(n: &ActorCritic) -> Vec<(String, Vec<f32>)> {
    let mut grads: Vec<_> = n
        .var_store()
        .variables()
        .into_iter()
        .filter(|(_, t)| t.requires_grad())
        .map(|(name, t)| {
            let mut grad = t.grad();
            let values = Vec::<f32>::try_from(&grad.flatten(0, -1)).unwrap();
            let _ = grad.zero_();
            (name, values)
        })
        .collect();
    grads.sort_by(|a, b| a.0.cmp(&b.0));
    grads
}

#[test]
fn an_lstm_sequence_equals_its_steps_with_gradients() {
    let last_c = |state: &RecurrentState| match state {
        RecurrentState::Lstm(lstm) => lstm.c.shallow_clone(),
        other => panic!("an LSTM state, not {}", other.kind()),
    };
    for k_steps in [1, 3] {
        let config = AgentConfig {
            k_steps,
            ..small(AgentKind::Lstm)
        };
        let n = net(&config, 5, ActionHead::Discrete(3), 4);
        assert!(n.runs_sequences());
        let inputs: Vec<Tensor> = (0..6).map(|t| obs(2, 5, 40 + t)).collect();
        // A state that is not zero, as a truncated chunk starts from.
        let (_, start) = n
            .step(&obs(2, 5, 39), &n.initial_state(2).unwrap())
            .unwrap();
        let start = start.detach();
        let mut state = start.shallow_clone();
        let mut stepped = Vec::new();
        for x in &inputs {
            let (out, next) = n.step(x, &state).unwrap();
            stepped.push(out.features);
            state = next;
        }
        let stepped = Tensor::stack(&stepped, 0);
        let (sequence, last) = n
            .sequence(&Tensor::stack(&inputs, 0), &start)
            .unwrap()
            .expect("an LSTM core runs sequences");
        assert_eq!(sequence.size(), stepped.size());
        let gap = |a: &Tensor, b: &Tensor| (a - b).abs().max().double_value(&[]);
        assert!(gap(&sequence, &stepped) < 1e-5, "K={k_steps} features");
        assert!(
            gap(last.features(), state.features()) < 1e-5,
            "K={k_steps} h"
        );
        assert!(gap(&last_c(&last), &last_c(&state)) < 1e-5, "K={k_steps} c");
        // The same loss through either gives the same gradients, each
        // variable to 1e-4 of its own largest entry.
        let loss = |features: &Tensor| {
            let (logits, value) = n.heads(&features.view([-1, features.size()[2]]));
            logits.square().sum(Kind::Float) + value.sum(Kind::Float)
        };
        loss(&stepped).backward();
        let by_steps = take_grads(&n);
        loss(&sequence).backward();
        let by_sequence = take_grads(&n);
        for ((name, a), (_, b)) in by_steps.iter().zip(&by_sequence) {
            let scale = a.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(scale > 0.0, "K={k_steps}: {name} got no gradient");
            let worst = a
                .iter()
                .zip(b)
                .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()));
            assert!(
                worst <= 1e-4 * scale,
                "K={k_steps} {name}: {worst} of {scale}"
            );
        }
    }
    // The spiking cores and the GRU have no sequence path: callers step them.
    let x = Tensor::stack(&[obs(2, 5, 1)], 0);
    for kind in [AgentKind::Lsnn, AgentKind::Lif, AgentKind::Gru] {
        let n = net(&small(kind), 5, ActionHead::Discrete(3), 4);
        let state = n.initial_state(2).unwrap();
        assert!(!n.runs_sequences(), "{kind}");
        assert!(n.sequence(&x, &state).unwrap().is_none(), "{kind}");
    }
    // A state of another kind is an error, as for `step`.
    let lstm = net(&small(AgentKind::Lstm), 5, ActionHead::Discrete(3), 4);
    let gru_state = net(&small(AgentKind::Gru), 5, ActionHead::Discrete(3), 4)
        .initial_state(2)
        .unwrap();
    assert!(lstm.sequence(&x, &gru_state).is_err());
}

#[test]
fn detach_cuts_the_graph() {
    let n = net(&small(AgentKind::Lsnn), 5, ActionHead::Discrete(2), 9);
    let mut state = n.initial_state(4).unwrap();
    for t in 0..4 {
        state = n.step(&(obs(4, 5, t) * 2.0), &state).unwrap().1;
    }
    assert!(state.tensors().iter().any(|t| t.requires_grad()));
    let cut = state.detach();
    assert!(cut.tensors().iter().all(|t| !t.requires_grad()));
    for (a, b) in state.tensors().iter().zip(cut.tensors()) {
        assert!(a.equal(b), "detach keeps the values");
    }
    // A leaf placed in the readout trace before two more steps: its gradient arrives
    // through the state unless the state is detached in between.
    let loss_after_two_steps = |detach: bool| {
        let leaf = Tensor::zeros([4, 10], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        let RecurrentState::Spiking(mut spiking) = state.shallow_clone() else {
            panic!("an LSNN has a spiking state");
        };
        spiking.trace = &spiking.trace + &leaf;
        let mut s = RecurrentState::Spiking(spiking);
        if detach {
            s = s.detach();
        }
        let (_, s) = n.step(&obs(4, 5, 4), &s).unwrap();
        let (out, _) = n.step(&obs(4, 5, 5), &s).unwrap();
        n.heads(&out.features).1.sum(Kind::Float).backward();
        grad_norm(&leaf)
    };
    assert!(loss_after_two_steps(false) > 0.0);
    assert_eq!(loss_after_two_steps(true), 0.0);
}

#[test]
fn masked_resets_chosen_samples() {
    let n = net(&small(AgentKind::Gru), 5, ActionHead::Discrete(2), 9);
    let state = n
        .step(&obs(3, 5, 1), &n.initial_state(3).unwrap())
        .unwrap()
        .1;
    let keep = Tensor::from_slice(&[1.0f32, 0.0, 1.0]);
    let m = state.masked(&keep);
    let h = m.features();
    assert!(h.get(0).equal(&state.features().get(0)));
    assert_eq!(h.get(1).abs().sum(Kind::Float).double_value(&[]), 0.0);
}

#[test]
fn poisson_encoding_drives_the_network() {
    let config = AgentConfig {
        input_encoding: InputEncoding::Poisson,
        poisson_max_rate: 1.0,
        k_steps: 4,
        model: NeuronModel::Eprop2020,
        thr_lif: 0.5,
        thr_alif: 0.5,
        ..small(AgentKind::Lsnn)
    };
    let n = net(&config, 5, ActionHead::Discrete(2), 4);
    let ones = Tensor::ones([2, 5], (Kind::Float, Device::Cpu));
    let zeros = Tensor::zeros([2, 5], (Kind::Float, Device::Cpu));
    // Rate 1 at every input: deterministic input spikes, the same as current encoding of
    // the value 1.
    let current = net(
        &AgentConfig {
            input_encoding: InputEncoding::Current,
            ..config.clone()
        },
        5,
        ActionHead::Discrete(2),
        4,
    );
    let (a, _) = n.step(&ones, &n.initial_state(2).unwrap()).unwrap();
    let (b, _) = current
        .step(&ones, &current.initial_state(2).unwrap())
        .unwrap();
    assert!(a.features.equal(&b.features));
    let (silent, _) = n.step(&zeros, &n.initial_state(2).unwrap()).unwrap();
    assert_eq!(
        silent.spikes.unwrap().sum(Kind::Float).double_value(&[]),
        0.0
    );
}

#[test]
fn lif_kind_has_no_adaptation() {
    let n = net(&small(AgentKind::Lif), 5, ActionHead::Discrete(2), 1);
    let p = n.neuron_params().unwrap();
    assert_eq!(p.beta().abs().sum(Kind::Float).double_value(&[]), 0.0);
    let lsnn = net(&small(AgentKind::Lsnn), 5, ActionHead::Discrete(2), 1);
    let beta = Vec::<f32>::try_from(lsnn.neuron_params().unwrap().beta()).unwrap();
    assert_eq!(beta, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.8, 1.8, 1.8, 1.8]);
}

#[test]
fn construction_errors_name_the_problem() {
    let bad = AgentConfig {
        tau_m: -3.0,
        ..AgentConfig::default()
    };
    let err = ActorCritic::new(&bad, 5, ActionHead::Discrete(2), 0, Device::Cpu).unwrap_err();
    assert_eq!(
        err.to_string(),
        "agent.tau_m must be positive (> 0), got -3"
    );
    let err = ActorCritic::new(
        &AgentConfig::default(),
        0,
        ActionHead::Discrete(2),
        0,
        Device::Cpu,
    )
    .unwrap_err();
    assert!(matches!(err, ConfigError::Shape { .. }), "{err}");
    let err = ActorCritic::new(
        &AgentConfig::default(),
        3,
        ActionHead::Gaussian(0),
        0,
        Device::Cpu,
    )
    .unwrap_err();
    assert!(err.to_string().contains("action"), "{err}");
}

#[test]
fn no_grad_rollout_builds_no_graph() {
    let n = net(&small(AgentKind::Lsnn), 5, ActionHead::Discrete(2), 1);
    let _guard = tch::no_grad_guard();
    let mut state = n.initial_state(2).unwrap();
    for t in 0..5 {
        let (out, next) = n.step(&obs(2, 5, t), &state).unwrap();
        assert!(!out.features.requires_grad());
        state = next;
    }
    assert!(state.tensors().iter().all(|t| !t.requires_grad()));
}

#[test]
fn a_state_of_another_kind_is_an_error_not_a_panic() {
    let lsnn = net(&small(AgentKind::Lsnn), 5, ActionHead::Discrete(2), 1);
    let lstm = net(&small(AgentKind::Lstm), 5, ActionHead::Discrete(2), 1);
    let err = lsnn
        .step(&obs(2, 5, 0), &lstm.initial_state(2).unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("LSTM state"), "{err}");
    assert!(matches!(err, lsnn_rl_neural::NetError::State { .. }));
}

/// A sparse network's loaded variables are checked: a weight where no
/// synapse exists is named, with its place.
#[test]
fn a_dormant_weight_that_is_not_zero_is_refused() {
    let config = AgentConfig {
        n_lif: 5,
        n_alif: 5,
        connectivity: 0.2,
        dale: true,
        ..AgentConfig::default()
    };
    let net = ActorCritic::new(&config, 3, ActionHead::Discrete(2), 1, Device::Cpu).unwrap();
    net.check_synapses().unwrap();
    let (_, recurrent) = net.synapses().unwrap().unwrap();
    assert_eq!(recurrent.existing(), 18);
    let k = recurrent.exists().iter().position(|&e| e == 0.0).unwrap();
    let w_rec = net.w_rec().unwrap().shallow_clone();
    tch::no_grad(|| {
        let _ = w_rec.view(-1).get(k as i64).fill_(0.5);
    });
    let err = net.check_synapses().unwrap_err();
    assert!(
        err.contains(&format!(
            "core.w_rec holds 0.5 at entry ({}, {})",
            k / 10,
            k % 10
        )),
        "{err}"
    );
}
