//! The few-shot regression baselines on the real function families: the
//! family mean, kernel ridge regression that learns from the examples, their
//! specs, and the errors on tasks they cannot play.

use lsnn_rl_classic::scoring::{ScoreRequest, score};
use lsnn_rl_classic::{
    AlgoError, BANDIT_ALGORITHMS, FamilyMean, KernelRidge, REGRESSION_ALGORITHMS, make_policy,
    regression::{LAMBDA_GRID, LENGTHSCALE_GRID},
};
use lsnn_rl_env::{
    Action, Env, Objective, Policy, Registry, Rng, RunError, Space, Step, TARGET, TaskDistribution,
    evaluate_logged,
};
use lsnn_rl_functions::{Function, FunctionEnv, FunctionTasks};
use rand::Rng as _;

fn registry() -> Registry {
    let mut registry = Registry::new();
    lsnn_rl_functions::register(&mut registry).unwrap();
    lsnn_rl_bandits::register(&mut registry).unwrap();
    registry
}

fn dist(spec: &str) -> Box<dyn TaskDistribution> {
    registry().make(spec).unwrap()
}

/// Every trial's steps.
fn play(
    dist: &dyn TaskDistribution,
    policy: &mut dyn Policy,
    trials: usize,
    seed: u64,
) -> Vec<Vec<(Action, Step)>> {
    let mut log = Vec::new();
    evaluate_logged(dist, policy, trials, seed, Some(&mut log)).unwrap();
    log
}

/// The prediction a logged step scored.
fn predicted(action: &Action) -> f64 {
    match action {
        Action::Continuous(p) => p[0] as f64,
        other => panic!("not a prediction: {other:?}"),
    }
}

/// The mean squared error of the predictions made after t examples, for
/// each t.
fn error_curve(log: &[Vec<(Action, Step)>]) -> Vec<f64> {
    let steps = log[0].len();
    (0..steps)
        .map(|t| {
            log.iter()
                .map(|trial| {
                    let (action, step) = &trial[t];
                    assert_eq!(step.info.get("examples"), Some(t as f64));
                    (predicted(action) - step.info.get(TARGET).unwrap()).powi(2)
                })
                .sum::<f64>()
                / log.len() as f64
        })
        .collect()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

#[test]
fn kernel_ridge_learns_from_the_examples_and_the_family_mean_does_not() {
    for spec in ["function-sine:examples=20", "function-net:examples=20"] {
        let dist = dist(spec);
        let mut family = make_policy("family-mean", None).unwrap();
        let mut ridge = make_policy("kernel-ridge", None).unwrap();
        let family = error_curve(&play(dist.as_ref(), family.as_mut(), 300, 5));
        let ridge = error_curve(&play(dist.as_ref(), ridge.as_mut(), 300, 5));
        let (family_late, ridge_late) = (mean(&family[10..]), mean(&ridge[10..]));
        let ridge_early = mean(&ridge[..2]);
        eprintln!("{spec}: family mean {family:.4?}\nkernel ridge {ridge:.4?}");
        // With no example both predict the family mean.
        assert!((family[0] - ridge[0]).abs() < 1e-6 * family[0].max(1.0));
        assert!(
            ridge_late < 0.2 * family_late,
            "{spec}: kernel ridge {ridge_late} vs family mean {family_late} after 10 to 19 examples"
        );
        assert!(
            ridge_late < 0.2 * ridge_early,
            "{spec}: kernel ridge {ridge_late} after 10 to 19 examples, {ridge_early} after 0 or 1"
        );
        // The family mean does not learn: its error stays where it started.
        assert!(family_late > 0.5 * mean(&family[..2]), "{spec}: {family:?}");
    }
}

/// Sines a sin(pi x) of amplitude a ~ U[0.1, 1] and no phase: a family
/// whose mean function, 0.55 sin(pi x), is not 0 (those of `function-net`
/// and `function-sine` are 0 everywhere, by symmetry).
struct ScaledSines;

impl ScaledSines {
    fn task(amplitude: f64) -> FunctionEnv {
        FunctionEnv::new(
            "scaled-sine",
            Function::Sine {
                amplitude,
                phase: 0.0,
            },
            20,
            lsnn_rl_functions::Presentation::default(),
        )
    }
}

impl TaskDistribution for ScaledSines {
    fn spec(&self) -> &str {
        "scaled-sine"
    }
    fn observation_space(&self) -> Space {
        Self::task(1.0).observation_space().clone()
    }
    fn action_space(&self) -> Space {
        Self::task(1.0).action_space().clone()
    }
    fn objective(&self) -> Objective {
        Objective::Regression
    }
    fn sample_task(&self, rng: &mut Rng) -> Box<dyn Env> {
        Box::new(Self::task(rng.random_range(0.1..1.0)))
    }
}

#[test]
fn the_family_mean_is_the_mean_of_the_family() {
    // function-net: against the mean of many functions of the evaluation's
    // own stream (other tasks than those the estimate saw); 0 by symmetry.
    let spec = "function-net:examples=20";
    let mut policy = FamilyMean::new();
    policy.prepare(dist(spec).as_ref()).unwrap();
    let estimate = policy.mean_function().unwrap();
    assert_eq!((estimate.inputs(), estimate.bins_per_input()), (2, 16));
    let tasks = FunctionTasks::from_spec(spec).unwrap();
    let functions: Vec<_> = (0..10_000).map(|i| tasks.eval_function(99, i)).collect();
    for x in [
        [0.0, 0.0],
        [0.9, 0.9],
        [-0.8, 0.3],
        [0.5, -0.95],
        [-1.0, -1.0],
    ] {
        let truth = functions.iter().map(|f| f.eval(&x)).sum::<f64>() / functions.len() as f64;
        let off = (estimate.eval(&x) - truth).abs();
        // The functions' values spread with a standard deviation near 1, so
        // both means carry noise of a few hundredths.
        assert!(off < 0.1, "at {x:?} the estimate is {off} off the truth");
    }

    // A family whose mean is a function of x: the estimate follows it, and
    // predicting it beats predicting 0, the guess of a learner that knows
    // nothing of the family.
    let mut policy = FamilyMean::new();
    let log = play(&ScaledSines, &mut policy, 300, 8);
    let estimate = policy.mean_function().unwrap();
    for x in [-0.9, -0.5, -0.2, 0.0, 0.3, 0.5, 0.8] {
        let truth = 0.55 * (std::f64::consts::PI * x).sin();
        let off = (estimate.eval(&[x]) - truth).abs();
        assert!(off < 0.03, "at {x} the estimate is {off} off the truth");
    }
    let errors = mean(&error_curve(&log));
    let zero: f64 = log
        .iter()
        .flatten()
        .map(|(_, step)| step.info.get(TARGET).unwrap().powi(2))
        .sum::<f64>()
        / (300.0 * 20.0);
    assert!(errors < 0.5 * zero, "{errors} vs {zero}");
}

#[test]
fn the_same_seed_gives_the_same_predictions() {
    let dist = dist("function-net:examples=8");
    let run = |seed| -> Vec<u32> {
        let mut policy = make_policy("kernel-ridge", None).unwrap();
        play(dist.as_ref(), policy.as_mut(), 40, seed)
            .iter()
            .flatten()
            .map(|(action, _)| (predicted(action) as f32).to_bits())
            .collect()
    };
    let first = run(3);
    assert_eq!(first, run(3));
    assert_ne!(first, run(4));
}

#[test]
fn parameters_in_the_spec_fix_what_the_tuning_would_choose() {
    let dist = dist("function-sine:examples=10");
    let mut tuned = KernelRidge::tuned();
    assert_eq!(tuned.params(), None);
    tuned.prepare(dist.as_ref()).unwrap();
    let params = tuned.params().unwrap();
    assert!(LENGTHSCALE_GRID.contains(&params.lengthscale));
    assert!(LAMBDA_GRID.contains(&params.lambda));
    assert!(tuned.tuning_error().unwrap() < 0.1);

    let mut fixed = KernelRidge::new(Some(0.5), Some(0.001));
    fixed.prepare(dist.as_ref()).unwrap();
    let params = fixed.params().unwrap();
    assert_eq!((params.lengthscale, params.lambda), (0.5, 0.001));
    assert_eq!(fixed.tuning_error(), None, "no tuning ran");

    let mut half = KernelRidge::new(Some(3.0), None);
    half.prepare(dist.as_ref()).unwrap();
    let params = half.params().unwrap();
    assert_eq!(params.lengthscale, 3.0);
    assert!(LAMBDA_GRID.contains(&params.lambda));

    // The spec reaches the policy.
    let mut policy = make_policy("kernel-ridge:lengthscale=0.5:lambda=0.001", None).unwrap();
    assert_eq!(policy.name(), "kernel-ridge");
    let log = play(dist.as_ref(), policy.as_mut(), 5, 1);
    assert_eq!(log.len(), 5);

    for (spec, key) in [
        ("kernel-ridge:lengthscale=0", "lengthscale"),
        ("kernel-ridge:lengthscale=-1", "lengthscale"),
        ("kernel-ridge:lengthscale=nan", "lengthscale"),
        ("kernel-ridge:lambda=-0.1", "lambda"),
        ("kernel-ridge:lambda=inf", "lambda"),
        ("kernel-ridge:lambda=x", "lambda"),
    ] {
        let err = make_policy(spec, None).err().unwrap();
        assert!(
            matches!(&err, AlgoError::BadValue { key: k, .. } if k == key),
            "{spec}: {err}"
        );
        assert!(err.to_string().contains(key), "{spec}: {err}");
    }
    let err = make_policy("family-mean:bins=4", None).err().unwrap();
    assert!(err.to_string().contains("takes no parameters"), "{err}");
}

#[test]
fn regression_baselines_refuse_reward_tasks() {
    let bandit = dist("bandit-bernoulli:arms=2,pulls=10");
    for algo in REGRESSION_ALGORITHMS {
        let mut policy = make_policy(algo, None).unwrap();
        let err = evaluate_logged(bandit.as_ref(), policy.as_mut(), 3, 1, None).unwrap_err();
        let RunError::Policy { reason, .. } = &err else {
            panic!("{algo}: {err}")
        };
        assert!(
            reason.contains("regression") && reason.contains("rewards"),
            "{algo}: {err}"
        );
        // Unprepared, or on an action space other than one prediction.
        let err = policy.start_trial(&Space::discrete(2), 10).unwrap_err();
        assert!(err.contains("box action space"), "{algo}: {err}");
        let err = policy
            .start_trial(&Space::uniform_box(-10.0, 10.0, &[1]), 10)
            .unwrap_err();
        assert!(err.contains("before prepare"), "{algo}: {err}");
    }
}

#[test]
fn bandit_and_navigation_algorithms_refuse_function_tasks() {
    let sine = dist("function-sine:examples=5");
    let bandits = BANDIT_ALGORITHMS.iter().map(|&algo| (algo, "Discrete(k)"));
    let navigation = ["oracle", "explorer"].map(|algo| (algo, "navigation"));
    for (algo, needle) in bandits.chain(navigation) {
        let mut policy = make_policy(algo, None).unwrap();
        let err = evaluate_logged(sine.as_ref(), policy.as_mut(), 3, 1, None).unwrap_err();
        let RunError::Policy { reason, .. } = &err else {
            panic!("{algo}: {err}")
        };
        assert!(reason.contains(needle), "{algo}: {err}");
    }
}

#[test]
fn baselines_scores_the_regression_baselines_by_default() {
    let request = ScoreRequest::new(vec!["function-sine:examples=10".into()], 50, 3);
    let scored = score(&registry(), &request, &|_| {}).unwrap();
    assert_eq!(scored.algos, REGRESSION_ALGORITHMS);
    assert!(scored.skipped.is_empty(), "{:?}", scored.skipped);
    let [family, ridge] = &scored.rows[..] else {
        panic!("two rows")
    };
    // Rewards are minus the summed squared errors.
    assert!(ridge.summary.mean_total_reward > family.summary.mean_total_reward);
    assert!(family.summary.mean_total_reward < 0.0);
}
