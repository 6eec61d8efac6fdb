//! The CPU kernel against the tensor network: the same forward pass, and
//! gradients equal to autograd's surrogate gradients to 1e-5 (relative norm).

use lsnn_rl_neural::cpu_kernel::RecurrentProduct;
use lsnn_rl_neural::{
    ActionHead, ActorCritic, AgentConfig, AgentKind, NeuronModel, Readout, RecurrentState, Tape,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, Tensor};

// More than two blocks of the parallel kernel (`BLOCK_ROWS` samples each), the
// last one partial.
const BATCH: usize = 37;
const OBS: usize = 4;
const STEPS: usize = 25;

fn config(model: NeuronModel, kind: AgentKind, k_steps: usize, n_refractory: usize) -> AgentConfig {
    AgentConfig {
        kind,
        model,
        n_lif: 7,
        n_alif: 9,
        k_steps,
        n_refractory,
        // A short adaptation time constant, so adaptation matters within 25 steps.
        tau_a: 10.0,
        // e-prop's potential is not normalised by the threshold; with the
        // default 0.01 a neuron near threshold amplifies f32 rounding 100-fold
        // (autograd in f32 and f64 then disagree by 3e-4 themselves).
        thr_lif: if model == NeuronModel::Eprop2020 {
            0.3
        } else {
            0.01
        },
        thr_alif: if model == NeuronModel::Eprop2020 {
            0.3
        } else {
            0.01
        },
        ..AgentConfig::default()
    }
}

fn random_vec(rng: &mut ChaCha8Rng, len: usize, low: f32, high: f32) -> Vec<f32> {
    (0..len).map(|_| rng.random_range(low..high)).collect()
}

fn rel_error(a: &[f32], b: &[f32]) -> f64 {
    let diff: f64 = a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum();
    let norm: f64 = b.iter().map(|y| (*y as f64).powi(2)).sum();
    (diff / norm.max(1e-30)).sqrt()
}

fn to_vec(t: &Tensor) -> Vec<f32> {
    t.flatten(0, -1).try_into().expect("f32 tensor")
}

/// Runs both implementations on the same inputs and loss, the kernel with
/// the recurrent products `recurrent`; returns the relative errors of
/// (features, W_in gradient, W_rec gradient) and the spikes fired.
fn compare(config: &AgentConfig, seed: u64, recurrent: RecurrentProduct) -> (f64, f64, f64, f64) {
    let agent = ActorCritic::new(config, OBS, ActionHead::Discrete(2), seed, Device::Cpu).unwrap();
    let (n, width) = (config.n_lif + config.n_alif, agent.feature_size());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let inputs: Vec<Vec<f32>> = (0..STEPS)
        .map(|_| random_vec(&mut rng, BATCH * OBS, 0.0, 1.0))
        .collect();
    // The loss: sum(features * C) + sum_j c_j * (spikes of neuron j over all steps).
    let feature_weights = random_vec(&mut rng, STEPS * BATCH * width, -1.0, 1.0);
    let spike_weights = random_vec(&mut rng, n, -0.5, 0.5);

    // Autograd through the tensor network.
    let mut state: RecurrentState = agent.initial_state(BATCH).unwrap();
    let mut features = Vec::new();
    let mut spikes: Option<Tensor> = None;
    for x in &inputs {
        let obs = Tensor::from_slice(x).view([BATCH as i64, OBS as i64]);
        let (out, next) = agent.step(&obs, &state).unwrap();
        state = next;
        features.push(out.features);
        let s = out.spikes.expect("a spiking core reports spikes");
        spikes = Some(match spikes {
            Some(sum) => sum + s,
            None => s,
        });
    }
    let features = Tensor::stack(&features, 0);
    let c = Tensor::from_slice(&feature_weights).view([STEPS as i64, BATCH as i64, width as i64]);
    let spike_w = Tensor::from_slice(&spike_weights);
    let loss = (&features * &c).sum(Kind::Float)
        + (spikes.unwrap().sum_dim_intlist(0, false, Kind::Float) * &spike_w).sum(Kind::Float);
    loss.backward();
    let auto_features = to_vec(&features.detach());
    let auto_w_in = to_vec(&agent.w_in().unwrap().grad());
    let auto_w_rec = to_vec(&agent.w_rec().unwrap().grad());
    if let Some((input, recurrent)) = agent.synapses().unwrap() {
        // Autograd gives dormant synapses no gradient either.
        for (grad, exists) in [
            (&auto_w_in, input.exists()),
            (&auto_w_rec, recurrent.exists()),
        ] {
            for (g, e) in grad.iter().zip(exists) {
                assert!(*e != 0.0 || *g == 0.0, "a dormant synapse has a gradient");
            }
        }
    }

    // The kernel's forward pass and hand-derived backward pass.
    let kernel = agent
        .spiking_kernel()
        .expect("a spiking core has a kernel")
        .with_recurrent_product(recurrent);
    let mut kstate = kernel.initial_state(BATCH);
    let mut tape = Tape::new();
    let mut kernel_features = Vec::new();
    for x in &inputs {
        kernel.step(x, &mut kstate, Some(&mut tape));
        kernel_features.extend_from_slice(&kstate.trace);
    }
    let grads = kernel.backward(&mut tape, BATCH, &feature_weights, &spike_weights);
    let fired: f64 = tape.spike_count().iter().sum();
    (
        rel_error(&kernel_features, &auto_features),
        rel_error(&grads.w_in, &auto_w_in),
        rel_error(&grads.w_rec, &auto_w_rec),
        fired,
    )
}

/// Asserts that the kernel matches autograd on `config` for every seed, with
/// the products it picks itself and with the event-driven ones everywhere
/// (the sums of fired rows forward; backward, dL/dz only where the surrogate
/// derivative is nonzero).
fn assert_matches_autograd(config: &AgentConfig, seeds: &[u64], label: &str) {
    let products = [RecurrentProduct::Auto, RecurrentProduct::Sparse];
    for (&seed, recurrent) in seeds
        .iter()
        .flat_map(|s| products.iter().map(move |p| (s, *p)))
    {
        let (features, w_in, w_rec, fired) = compare(config, seed, recurrent);
        let label = format!("{label} {recurrent:?} seed {seed}");
        assert!(fired > 50.0, "{label}: too few spikes to test ({fired})");
        assert!(features < 1e-6, "{label}: features differ by {features:e}");
        assert!(w_in < 1e-5, "{label}: W_in gradient off by {w_in:e}");
        assert!(w_rec < 1e-5, "{label}: W_rec gradient off by {w_rec:e}");
    }
}

/// A sparse network with Dale's law: the kernel runs its recurrent products
/// on lists of synapses, and both implementations give no gradient where no
/// synapse exists.
#[test]
fn a_sparse_dale_network_matches_autograd() {
    for (model, k_steps) in [(NeuronModel::Eprop2020, 1), (NeuronModel::Bellec2018, 2)] {
        let config = AgentConfig {
            connectivity: 0.25,
            input_connectivity: 0.5,
            dale: true,
            // Fewer synapses: a larger scale keeps the network firing.
            weight_scale: 2.0,
            ..config(model, AgentKind::Lsnn, k_steps, 0)
        };
        let agent =
            ActorCritic::new(&config, OBS, ActionHead::Discrete(2), 1, Device::Cpu).unwrap();
        assert!(agent.spiking_kernel().unwrap().uses_synapse_lists());
        assert_matches_autograd(&config, &[1, 2], &format!("{model:?} K={k_steps}"));
    }
}

fn check(model: NeuronModel, kind: AgentKind, k_steps: usize, n_refractory: usize) {
    let label = format!("{model:?} {kind:?} K={k_steps} refractory={n_refractory}");
    assert_matches_autograd(
        &config(model, kind, k_steps, n_refractory),
        &[1, 2, 3],
        &label,
    );
}

#[test]
fn bellec2018_gradients_match_autograd() {
    check(NeuronModel::Bellec2018, AgentKind::Lsnn, 1, 0);
}

#[test]
fn eprop2020_gradients_match_autograd() {
    check(NeuronModel::Eprop2020, AgentKind::Lsnn, 1, 0);
}

#[test]
fn several_network_steps_per_env_step_match_autograd() {
    check(NeuronModel::Bellec2018, AgentKind::Lsnn, 3, 0);
    check(NeuronModel::Eprop2020, AgentKind::Lsnn, 2, 0);
}

#[test]
fn refractory_neurons_match_autograd() {
    check(NeuronModel::Bellec2018, AgentKind::Lsnn, 1, 2);
    check(NeuronModel::Eprop2020, AgentKind::Lif, 2, 1);
}

/// Heads that read the membrane potentials instead of the spikes: the
/// features' gradient reaches v directly, and the features differ from a
/// spike readout's (the option is not ignored).
#[test]
fn a_membrane_readout_matches_autograd() {
    for (model, kind, k_steps, refractory) in [
        (NeuronModel::Eprop2020, AgentKind::Lsnn, 1, 0),
        (NeuronModel::Bellec2018, AgentKind::Lsnn, 2, 0),
        (NeuronModel::Eprop2020, AgentKind::Lif, 2, 1),
    ] {
        let spikes = config(model, kind, k_steps, refractory);
        let membrane = AgentConfig {
            readout: Readout::Membrane,
            ..spikes.clone()
        };
        let label = format!("{model:?} {kind:?} K={k_steps} refractory={refractory}");
        assert_matches_autograd(&membrane, &[1, 2], &label);
        let (from_spikes, from_membrane) = (kernel_features(&spikes), kernel_features(&membrane));
        assert!(
            rel_error(&from_membrane, &from_spikes) > 0.1,
            "{model:?}: the membrane readout gives the spike readout's features"
        );
    }
}

/// The final features of a kernel of `config` (network seed 1) after
/// STEPS random inputs.
fn kernel_features(config: &AgentConfig) -> Vec<f32> {
    let agent = ActorCritic::new(config, OBS, ActionHead::Discrete(2), 1, Device::Cpu).unwrap();
    let kernel = agent.spiking_kernel().unwrap();
    let mut state = kernel.initial_state(BATCH);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for _ in 0..STEPS {
        kernel.step(
            &random_vec(&mut rng, BATCH * OBS, 0.0, 1.0),
            &mut state,
            None,
        );
    }
    state.trace
}

/// Heads that read both: 2n features per sample, each row the spike
/// readout's features and then the membrane readout's, bit for bit; the
/// gradients reach both spikes and potentials as autograd's do.
#[test]
fn a_readout_of_both_is_the_two_readouts_side_by_side_and_matches_autograd() {
    for (model, kind, k_steps, refractory) in [
        (NeuronModel::Eprop2020, AgentKind::Lsnn, 1, 0),
        (NeuronModel::Bellec2018, AgentKind::Lsnn, 2, 0),
        (NeuronModel::Eprop2020, AgentKind::Lif, 3, 1),
    ] {
        let spikes = config(model, kind, k_steps, refractory);
        let with = |readout| AgentConfig {
            readout,
            ..spikes.clone()
        };
        let label = format!("{model:?} {kind:?} K={k_steps} refractory={refractory} both");
        assert_matches_autograd(&with(Readout::Both), &[1, 2], &label);
        let n = spikes.n_lif + spikes.n_alif;
        let (from_spikes, from_membrane, from_both) = (
            kernel_features(&spikes),
            kernel_features(&with(Readout::Membrane)),
            kernel_features(&with(Readout::Both)),
        );
        assert_eq!(from_both.len(), BATCH * 2 * n, "{label}");
        for row in 0..BATCH {
            let both = &from_both[row * 2 * n..(row + 1) * 2 * n];
            assert_eq!(both[..n], from_spikes[row * n..(row + 1) * n], "{label}");
            assert_eq!(both[n..], from_membrane[row * n..(row + 1) * n], "{label}");
        }
    }
}

#[test]
fn heads_match_the_tensor_heads() {
    let config = config(NeuronModel::Bellec2018, AgentKind::Lsnn, 1, 0);
    let agent = ActorCritic::new(&config, OBS, ActionHead::Discrete(3), 5, Device::Cpu).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let features = random_vec(&mut rng, BATCH * 16, 0.0, 1.0);
    let (policy, value) = agent.heads(&Tensor::from_slice(&features).view([BATCH as i64, 16]));
    let heads = agent.cpu_heads();
    let mut logits = Vec::new();
    heads.policy(&features, &mut logits);
    assert!(rel_error(&logits, &to_vec(&policy)) < 1e-6);
    assert!(rel_error(&heads.value(&features), &to_vec(&value)) < 1e-6);
}

#[test]
fn lstm_and_poisson_cores_have_no_kernel() {
    let lstm = AgentConfig {
        kind: AgentKind::Lstm,
        ..AgentConfig::default()
    };
    let agent = ActorCritic::new(&lstm, OBS, ActionHead::Discrete(2), 0, Device::Cpu).unwrap();
    assert!(agent.spiking_kernel().is_none());
    let poisson = AgentConfig {
        input_encoding: lsnn_rl_neural::InputEncoding::Poisson,
        ..AgentConfig::default()
    };
    let agent = ActorCritic::new(&poisson, OBS, ActionHead::Discrete(2), 0, Device::Cpu).unwrap();
    assert!(agent.spiking_kernel().is_none());
}

/// Filtered spikes of neurons that fell silent reach zero instead of
/// decaying through subnormal floats (slow on x86 CPUs): with tau_out = 1
/// they would be subnormal after 88 network steps of silence.
#[test]
fn filtered_spikes_of_silent_neurons_never_go_subnormal() {
    let config = AgentConfig {
        tau_out: 1.0,
        k_steps: 5,
        readout: Readout::Both,
        ..AgentConfig::default()
    };
    let agent = ActorCritic::new(&config, OBS, ActionHead::Discrete(2), 1, Device::Cpu).unwrap();
    let kernel = agent.spiking_kernel().unwrap();
    let n = config.n_lif + config.n_alif;
    let mut state = kernel.initial_state(BATCH);
    let (loud, quiet) = (vec![1.0f32; BATCH * OBS], vec![0.0f32; BATCH * OBS]);
    let (mut fired, mut zeroed) = (false, 0);
    for step in 0..60 {
        kernel.step(if step < 2 { &loud } else { &quiet }, &mut state, None);
        for row in state.trace.chunks_exact(2 * n) {
            let spikes = &row[..n];
            fired |= spikes.iter().any(|&s| s > 0.1);
            assert!(
                spikes.iter().all(|&s| s == 0.0 || s.is_normal()),
                "step {step}: a subnormal filtered spike"
            );
            if step == 59 {
                zeroed += spikes.iter().filter(|&&s| s == 0.0).count();
            }
        }
    }
    assert!(fired, "the loud steps make neurons fire");
    assert!(zeroed > 0, "silent neurons' filtered spikes reach zero");
}
