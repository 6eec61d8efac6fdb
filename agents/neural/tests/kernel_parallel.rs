//! The CPU kernel's parallel blocks and event-driven products: the results do
//! not depend on the number of threads (bit for bit), and the sparse recurrent
//! products equal the dense ones to f32 rounding.

use lsnn_rl_neural::cpu_kernel::{BLOCK_ROWS, RecurrentProduct};
use lsnn_rl_neural::{ActionHead, ActorCritic, AgentConfig, AgentKind, NeuronModel, Readout, Tape};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::Device;

const OBS: usize = 5;
const STEPS: usize = 30;

/// Features, W_in gradient, W_rec gradient and spikes fired.
type Run = (Vec<f32>, Vec<f32>, Vec<f32>, f64);

fn config(k_steps: usize, connectivity: f64) -> AgentConfig {
    AgentConfig {
        connectivity,
        weight_scale: if connectivity < 1.0 { 2.0 } else { 1.0 },
        kind: AgentKind::Lsnn,
        model: NeuronModel::Eprop2020,
        n_lif: 20,
        n_alif: 20,
        k_steps,
        tau_a: 10.0,
        thr_lif: 0.3,
        thr_alif: 0.3,
        ..AgentConfig::default()
    }
}

/// The kernel's forward and backward passes over `batch` samples, on a pool
/// of `threads` threads.
fn run(batch: usize, k_steps: usize, threads: usize, recurrent: RecurrentProduct) -> Run {
    run_network(batch, k_steps, threads, recurrent, 1.0, Readout::Spikes)
}

/// [`run`] on a network with `connectivity` of its recurrent synapses whose
/// heads read `readout`.
fn run_network(
    batch: usize,
    k_steps: usize,
    threads: usize,
    recurrent: RecurrentProduct,
    connectivity: f64,
    readout: Readout,
) -> Run {
    let config = AgentConfig {
        readout,
        ..config(k_steps, connectivity)
    };
    let agent = ActorCritic::new(&config, OBS, ActionHead::Discrete(3), 7, Device::Cpu).unwrap();
    let kernel = agent
        .spiking_kernel()
        .unwrap()
        .with_recurrent_product(recurrent);
    let n = kernel.neurons();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let inputs: Vec<f32> = (0..STEPS * batch * OBS)
        .map(|_| rng.random_range(0.0..1.0))
        .collect();
    let d_features: Vec<f32> = (0..STEPS * batch * kernel.feature_size())
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let d_spike: Vec<f32> = (0..n).map(|_| rng.random_range(-0.5..0.5)).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut state = kernel.initial_state(batch);
        let mut tape = Tape::new();
        let mut features = Vec::new();
        for x in inputs.chunks_exact(batch * OBS) {
            kernel.step(x, &mut state, Some(&mut tape));
            features.extend_from_slice(&state.trace);
        }
        let grads = kernel.backward(&mut tape, batch, &d_features, &d_spike);
        let fired = tape.spike_count().iter().sum();
        (features, grads.w_in, grads.w_rec, fired)
    })
}

fn rel_error(a: &[f32], b: &[f32]) -> f64 {
    let diff: f64 = a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum();
    let norm: f64 = b.iter().map(|y| (*y as f64).powi(2)).sum();
    (diff / norm.max(1e-30)).sqrt()
}

#[test]
fn the_thread_count_changes_no_bit() {
    // Each thread takes a run of consecutive blocks: 3 blocks (the last one
    // short) and 6 blocks, cut into runs of 1 to 3 blocks by 2 to 8 threads.
    for batch in [2 * BLOCK_ROWS + 5, 5 * BLOCK_ROWS + 3] {
        for k_steps in [1, 2] {
            for recurrent in [RecurrentProduct::Auto, RecurrentProduct::Dense] {
                let one = run(batch, k_steps, 1, recurrent);
                assert!(one.3 > 100.0, "too few spikes to test: {}", one.3);
                for threads in [2, 3, 4, 8] {
                    let many = run(batch, k_steps, threads, recurrent);
                    assert!(
                        one == many,
                        "B={batch} K={k_steps} {recurrent:?}: {threads} threads differ from one"
                    );
                }
            }
        }
    }
}

/// Heads that read both spikes and potentials (2n features per sample):
/// the runs of blocks cut the wider features at the same rows.
#[test]
fn the_thread_count_changes_no_bit_with_a_readout_of_both() {
    let batch = 2 * BLOCK_ROWS + 5;
    let one = run_network(batch, 2, 1, RecurrentProduct::Auto, 1.0, Readout::Both);
    assert!(one.3 > 100.0, "too few spikes to test: {}", one.3);
    assert_eq!(
        one.0.len(),
        STEPS * batch * 2 * 40,
        "2n features per sample"
    );
    for threads in [2, 3, 8] {
        let many = run_network(
            batch,
            2,
            threads,
            RecurrentProduct::Auto,
            1.0,
            Readout::Both,
        );
        assert!(one == many, "{threads} threads differ from one");
    }
}

#[test]
fn sparse_and_dense_recurrent_products_agree() {
    let batch = BLOCK_ROWS + 3;
    for k_steps in [1, 2] {
        let dense = run(batch, k_steps, 2, RecurrentProduct::Dense);
        let sparse = run(batch, k_steps, 2, RecurrentProduct::Sparse);
        assert!(dense.3 > 100.0, "too few spikes to test: {}", dense.3);
        // The spikes themselves must agree: a threshold crossing decided by
        // rounding would show as a large feature error.
        assert!(
            rel_error(&sparse.0, &dense.0) < 1e-6,
            "K={k_steps} features"
        );
        assert!(rel_error(&sparse.1, &dense.1) < 1e-5, "K={k_steps} W_in");
        assert!(rel_error(&sparse.2, &dense.2) < 1e-5, "K={k_steps} W_rec");
    }
}

/// A sparse network: the products on lists of synapses replay bit for bit
/// on any number of threads, and equal the dense masked products to f32
/// rounding.
#[test]
fn synapse_lists_replay_and_agree_with_dense_masked_products() {
    let batch = 2 * BLOCK_ROWS + 5;
    for k_steps in [1, 2] {
        let lists = run_network(
            batch,
            k_steps,
            1,
            RecurrentProduct::Auto,
            0.15,
            Readout::Spikes,
        );
        assert!(lists.3 > 100.0, "too few spikes to test: {}", lists.3);
        for threads in [2, 5] {
            let many = run_network(
                batch,
                k_steps,
                threads,
                RecurrentProduct::Auto,
                0.15,
                Readout::Spikes,
            );
            assert!(
                lists == many,
                "K={k_steps}: {threads} threads differ from one"
            );
        }
        let dense = run_network(
            batch,
            k_steps,
            2,
            RecurrentProduct::Dense,
            0.15,
            Readout::Spikes,
        );
        assert!(rel_error(&lists.0, &dense.0) < 1e-6, "K={k_steps} features");
        assert!(rel_error(&lists.1, &dense.1) < 1e-5, "K={k_steps} W_in");
        assert!(rel_error(&lists.2, &dense.2) < 1e-5, "K={k_steps} W_rec");
        // No gradient where no synapse exists.
        let zeros = lists.2.iter().filter(|g| **g == 0.0).count();
        assert!(zeros >= 40 * 40 - (0.15 * 40.0 * 39.0f64).round() as usize);
    }
}

#[test]
fn a_batch_smaller_than_a_block_and_an_exact_multiple_work() {
    for batch in [1, BLOCK_ROWS, 2 * BLOCK_ROWS] {
        let one = run(batch, 1, 1, RecurrentProduct::Auto);
        let dense = run(batch, 1, 3, RecurrentProduct::Dense);
        assert_eq!(one.0.len(), STEPS * batch * 40);
        assert!(rel_error(&one.2, &dense.2) < 1e-5, "batch {batch}");
    }
}
