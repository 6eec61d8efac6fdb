//! The supervised protocol, specs and errors of the function families.

use lsnn_rl_env::{
    Action, Env, EnvError, MetaInputs, Objective, Registry, TARGET, rng_from_seed, start_eval_trial,
};
use lsnn_rl_functions::{FunctionTasks, INPUT_KEYS, PREDICTION, register};

fn registry() -> Registry {
    let mut registry = Registry::new();
    register(&mut registry).unwrap();
    registry
}

/// Plays a whole trial predicting `guess`; returns (inputs, targets, obs).
fn play(task: &mut dyn Env, guess: f32) -> (Vec<Vec<f64>>, Vec<f64>, Vec<Vec<f32>>) {
    let (first, _) = task.reset(Some(11));
    let mut observations = vec![first];
    let (mut inputs, mut targets) = (Vec::new(), Vec::new());
    loop {
        let step = task.step(&Action::Continuous(vec![guess])).unwrap();
        let d = observations[0].len() - 2;
        inputs.push(
            INPUT_KEYS[..d]
                .iter()
                .map(|k| step.info.get(k).unwrap())
                .collect(),
        );
        let target = step.info.get(TARGET).unwrap();
        assert_eq!(step.info.get(PREDICTION), Some(guess as f64));
        let error = guess as f64 - target;
        assert!((step.reward + error * error).abs() < 1e-12);
        targets.push(target);
        let done = step.done();
        observations.push(step.obs);
        if done {
            return (inputs, targets, observations);
        }
    }
}

#[test]
fn each_step_shows_the_input_and_the_previous_target() {
    let dist = registry().make("function-net:examples=6").unwrap();
    assert_eq!(dist.objective(), Objective::Regression);
    let mut task = dist.sample_task(&mut rng_from_seed(3));
    let (inputs, targets, observations) = play(task.as_mut(), 0.25);
    assert_eq!((inputs.len(), observations.len()), (6, 7));
    // Step 0: no teacher yet; step t: x_t, f(x_{t-1}) and the flag.
    assert_eq!(&observations[0][2..], &[0.0, 0.0]);
    for t in 0..6 {
        let shown: Vec<f64> = observations[t][..2].iter().map(|&v| v as f64).collect();
        for (s, x) in shown.iter().zip(&inputs[t]) {
            assert!(
                (s - x).abs() < 1e-6,
                "step {t}: {shown:?} vs {:?}",
                inputs[t]
            );
            assert!((-1.0..=1.0).contains(x));
        }
        if t > 0 {
            assert_eq!(observations[t][2], targets[t - 1] as f32);
            assert_eq!(observations[t][3], 1.0);
        }
    }
    // The function does not depend on the predictions.
    let mut again = dist.sample_task(&mut rng_from_seed(3));
    let (inputs2, targets2, _) = play(again.as_mut(), -3.0);
    assert_eq!((inputs, targets), (inputs2, targets2));
}

#[test]
fn functions_differ_between_tasks_and_the_family_varies() {
    let dist = registry().make("function-net").unwrap();
    let x = [0.3, -0.7];
    let values: Vec<f64> = (0..500)
        .map(|i| {
            let tasks = FunctionTasks::from_spec(dist.spec()).unwrap();
            tasks.eval_function(9, i).eval(&x)
        })
        .collect();
    let mean = values.iter().sum::<f64>() / 500.0;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 500.0;
    // A family worth learning: functions differ, but stay well inside the
    // prediction range.
    assert!(var > 0.05 && var < 2.0, "variance {var}");
    assert!(values.iter().all(|v| v.abs() < 5.0));
}

#[test]
fn eval_function_is_the_function_the_evaluation_plays() {
    let dist = registry().make("function-sine:examples=4").unwrap();
    let tasks = FunctionTasks::from_spec(dist.spec()).unwrap();
    let (mut trial, _, _) = start_eval_trial(dist.as_ref(), 77, 5, MetaInputs::none()).unwrap();
    let f = tasks.eval_function(77, 5);
    for _ in 0..4 {
        let step = trial.step(&Action::Continuous(vec![0.0])).unwrap();
        let x = step.info.get("x0").unwrap();
        assert!((f.eval(&[x]) - step.info.get(TARGET).unwrap()).abs() < 1e-12);
    }
}

#[test]
fn bad_specs_and_actions_are_errors_that_say_what_to_do() {
    let registry = registry();
    for (spec, needle) in [
        ("function-net:inputs=0", "inputs must be at least 1"),
        ("function-net:inputs=5", "at most 4"),
        ("function-net:hidden=0", "hidden must be at least 1"),
        ("function-net:scale=-1", "scale"),
        ("function-sine:examples=0", "examples must be at least 1"),
        ("function-sine:inputs=2", "inputs"),
    ] {
        let err = registry.make(spec).err().unwrap().to_string();
        assert!(err.contains(needle), "{spec}: {err}");
    }
    let dist = registry.make("function-sine:examples=2").unwrap();
    let mut task = dist.sample_task(&mut rng_from_seed(1));
    assert!(matches!(
        task.step(&Action::Continuous(vec![0.0])),
        Err(EnvError::NotReset { .. })
    ));
    task.reset(Some(1));
    for bad in [
        Action::Discrete(0),
        Action::Continuous(vec![0.0, 1.0]),
        Action::Continuous(vec![f32::NAN]),
        Action::Continuous(vec![11.0]),
    ] {
        let err = task.step(&bad).unwrap_err();
        assert!(matches!(err, EnvError::InvalidAction { .. }), "{err}");
    }
    // A rejected action leaves the trial where it was.
    task.step(&Action::Continuous(vec![0.0])).unwrap();
    assert!(task.step(&Action::Continuous(vec![0.0])).unwrap().done());
    assert!(matches!(
        task.step(&Action::Continuous(vec![0.0])),
        Err(EnvError::EpisodeOver { .. })
    ));
}

#[test]
fn the_pair_teacher_repeats_the_previous_input() {
    let dist = registry()
        .make("function-net:examples=4,teacher=pair")
        .unwrap();
    assert_eq!(dist.observation_space().flat_size(), 6);
    let mut task = dist.sample_task(&mut rng_from_seed(8));
    let (first, _) = task.reset(Some(1));
    assert_eq!(&first[2..], &[0.0, 0.0, 0.0, 0.0]);
    let mut shown = first[..2].to_vec();
    for _ in 0..4 {
        let step = task.step(&Action::Continuous(vec![0.0])).unwrap();
        let target = step.info.get(TARGET).unwrap() as f32;
        // x_{t-1} comes back after f(x_{t-1}) and the flag.
        assert_eq!(&step.obs[2..], &[target, 1.0, shown[0], shown[1]]);
        shown = step.obs[..2].to_vec();
    }
    let err = registry()
        .make("function-sine:teacher=both")
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("teacher"), "{err}");
}

#[test]
fn a_population_code_shows_the_input_as_tuning_curves() {
    let dist = registry()
        .make("function-sine:examples=3,population=5")
        .unwrap();
    assert_eq!(dist.observation_space().flat_size(), 3 + 5);
    let mut task = dist.sample_task(&mut rng_from_seed(2));
    let (obs, _) = task.reset(Some(4));
    let x = obs[0] as f64;
    // Units centred at -1, -0.5, 0, 0.5, 1 with width 0.5.
    for (j, &response) in obs[3..].iter().enumerate() {
        let centre = -1.0 + 0.5 * j as f64;
        let expected = (-0.5 * ((x - centre) / 0.5).powi(2)).exp();
        assert!(
            (response as f64 - expected).abs() < 1e-6,
            "unit {j}: {obs:?}"
        );
    }
    assert!(dist.observation_space().contains_flat(&obs));
    // Replacing the input rewrites x and its code, nothing else.
    let tasks = FunctionTasks::from_spec(dist.spec()).unwrap();
    let mut moved = obs.clone();
    tasks.replace_input(&mut moved, &[0.5]);
    assert_eq!(moved[0], 0.5);
    assert_eq!(&moved[1..3], &obs[1..3]);
    assert!(
        (moved[3 + 3] - 1.0).abs() < 1e-6,
        "the unit at 0.5: {moved:?}"
    );
    // Back at the observed x (an f32, so the code may differ in its last bit).
    let mut back = moved.clone();
    tasks.replace_input(&mut back, &[x]);
    assert!(
        back.iter().zip(&obs).all(|(a, b)| (a - b).abs() < 1e-6),
        "{back:?} {obs:?}"
    );
    for bad in ["function-sine:population=1", "function-sine:population=101"] {
        let err = registry().make(bad).err().unwrap().to_string();
        assert!(err.contains("population"), "{err}");
    }
}
