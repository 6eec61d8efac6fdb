//! The learning curves of the regression baselines: the mean squared error
//! of the predictions made after t examples, for the family mean and kernel
//! ridge regression, with the kernel the tuning chose.
//!
//! ```text
//! cargo run --release -p lsnn-rl-classic --example regression_curve -- [SPEC] [TRIALS] [SEED]
//! ```
//!
//! Defaults: `function-net:examples=30`, 1000 trials, seed 1000003.

use std::time::Instant;

use lsnn_rl_classic::{FamilyMean, KernelRidge};
use lsnn_rl_env::{Action, Policy, Registry, TARGET, TaskDistribution, evaluate_logged};

/// The examples seen at which the curve is printed.
const SHOWN: [usize; 6] = [0, 1, 2, 5, 10, 20];

/// Prepares `policy` on `dist` (timed), then plays `trials` trials; returns
/// the mean squared error after each number of examples.
fn curve(
    dist: &dyn TaskDistribution,
    policy: &mut dyn Policy,
    trials: usize,
    seed: u64,
) -> Result<Vec<f64>, Box<dyn std::error::Error>> {
    let start = Instant::now();
    policy.prepare(dist)?;
    eprintln!(
        "{}: prepare took {:.3} s",
        policy.name(),
        start.elapsed().as_secs_f64()
    );
    let mut log = Vec::new();
    evaluate_logged(dist, policy, trials, seed, Some(&mut log))?;
    let steps = log[0].len();
    let mut errors = vec![0.0; steps];
    for trial in &log {
        for (t, (action, step)) in trial.iter().enumerate() {
            let Action::Continuous(p) = action else {
                unreachable!("a regression baseline predicts")
            };
            let target = step.info.get(TARGET).ok_or("a step without a target")?;
            errors[t] += (p[0] as f64 - target).powi(2) / log.len() as f64;
        }
    }
    Ok(errors)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let spec = args
        .next()
        .unwrap_or_else(|| "function-net:examples=30".into());
    let trials: usize = args.next().map_or(Ok(1000), |a| a.parse())?;
    let seed: u64 = args.next().map_or(Ok(1_000_003), |a| a.parse())?;
    let mut registry = Registry::new();
    lsnn_rl_functions::register(&mut registry)?;
    let dist = registry.make(&spec)?;

    let mut family = FamilyMean::new();
    let mut ridge = KernelRidge::tuned();
    // The policies prepare again inside evaluate_logged; the first prepare
    // here is only timed.
    let family_curve = curve(dist.as_ref(), &mut family, trials, seed)?;
    let ridge_curve = curve(dist.as_ref(), &mut ridge, trials, seed)?;
    let params = ridge.params().ok_or("kernel-ridge was prepared")?;
    println!("{} ({trials} trials, seed {seed})", dist.spec());
    println!(
        "kernel-ridge tuned: lengthscale {}, lambda {} (tuning MSE {:.4})",
        params.lengthscale,
        params.lambda,
        ridge.tuning_error().unwrap_or(f64::NAN)
    );
    println!(
        "{:>8} {:>12} {:>12}",
        "examples", "family-mean", "kernel-ridge"
    );
    for t in SHOWN.into_iter().filter(|&t| t < family_curve.len()) {
        println!("{t:>8} {:>12.4} {:>12.4}", family_curve[t], ridge_curve[t]);
    }
    Ok(())
}
