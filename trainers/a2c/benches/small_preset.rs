//! Regression benchmarks of the `small` preset of `lsnn-rl bench` (2-arm
//! Bernoulli bandit, 100 pulls, B = 64, 50 LIF + 50 ALIF, one thread):
//! one network step of the CPU kernel (with and without the tape) and of the
//! tensor network, and one whole A2C update with each backward pass.
//!
//!     cargo bench -p lsnn-rl-a2c --bench small_preset

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use lsnn_rl_a2c::{Bptt, RunConfig};
use lsnn_rl_env::{MetaInputs, Registry, TaskDistribution};
use lsnn_rl_neural::{ActionHead, ActorCritic, AgentConfig, AgentKind, Tape};
use tch::{Device, Tensor};

const ENV: &str = "bandit-bernoulli:arms=2,pulls=100";
const BATCH: usize = 64;
/// One-hot previous action (2), previous reward, normalised step.
const OBS: usize = 4;

fn dist() -> Arc<dyn TaskDistribution> {
    let mut registry = Registry::new();
    lsnn_rl_bandits::register(&mut registry).expect("the bandits register");
    Arc::from(registry.make(ENV).expect("a valid spec"))
}

fn network_step(c: &mut Criterion) {
    tch::set_num_threads(1);
    let agent = ActorCritic::new(
        &AgentConfig::default(),
        OBS,
        ActionHead::Discrete(2),
        0,
        Device::Cpu,
    )
    .expect("the default agent builds");
    let x: Vec<f32> = (0..BATCH * OBS).map(|i| (i % 3) as f32 * 0.5).collect();
    let kernel = agent.spiking_kernel().expect("an LSNN has a kernel");
    let mut state = kernel.initial_state(BATCH);
    c.bench_function("kernel step (inference)", |b| {
        b.iter(|| kernel.step(black_box(&x), &mut state, None))
    });
    let mut tape = Tape::new();
    c.bench_function("kernel step (recording the tape)", |b| {
        b.iter(|| {
            if tape.env_steps() == 100 {
                tape.clear();
            }
            kernel.step(black_box(&x), &mut state, Some(&mut tape))
        })
    });
    let obs = Tensor::from_slice(&x).view([BATCH as i64, OBS as i64]);
    let mut tensor_state = agent.initial_state(BATCH).expect("a state");
    c.bench_function("tensor step (no grad)", |b| {
        let _guard = tch::no_grad_guard();
        b.iter(|| {
            let (_, next) = agent.step(black_box(&obs), &tensor_state).expect("a step");
            tensor_state = next;
        })
    });
}

fn update(c: &mut Criterion) {
    tch::set_num_threads(1);
    let mut group = c.benchmark_group("update");
    group.sample_size(10);
    for (name, bptt) in [("manual BPTT", Bptt::Manual), ("autograd", Bptt::Autograd)] {
        let mut config = RunConfig::new(ENV, AgentKind::Lsnn, 0);
        config.inputs = MetaInputs {
            done_flag: false,
            ..MetaInputs::all()
        };
        config.train.batch = BATCH;
        config.train.bptt = bptt;
        config.train.updates = 1_000_000;
        let mut trainer =
            lsnn_rl_a2c::trainer(config, dist(), Device::Cpu).expect("a valid config");
        group.bench_function(name, |b| b.iter(|| trainer.update().expect("an update")));
    }
    group.finish();
}

criterion_group!(benches, network_step, update);
criterion_main!(benches);
