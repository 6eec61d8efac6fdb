//! Spec strings: the ids, their defaults, and the errors bad specs give.

use lsnn_rl_bandits::{BanditTasks, Difficulty, Prior, Volatility, register};
use lsnn_rl_env::{Action, Registry, Space, SpecError, rng_from_seed};

fn registry() -> Registry {
    let mut registry = Registry::new();
    register(&mut registry).unwrap();
    registry
}

fn bad_value(spec: &str) -> (String, String) {
    match registry().make(spec).map(|_| ()) {
        Err(SpecError::BadValue { key, reason, .. }) => (key, reason),
        other => panic!("{spec}: expected BadValue, got {other:?}"),
    }
}

#[test]
fn registers_the_five_bandits_with_documented_parameters() {
    let registry = registry();
    assert_eq!(
        registry.ids(),
        [
            "bandit-bernoulli",
            "bandit-dependent",
            "bandit-eleven-arm",
            "bandit-gaussian",
            "bandit-restless"
        ]
    );
    for entry in registry.entries() {
        assert!(!entry.description.is_empty(), "{}", entry.id);
        assert!(
            entry.params.iter().all(|p| !p.help.is_empty()),
            "{}",
            entry.id
        );
        assert!(
            entry.params.iter().any(|p| p.name == "pulls"),
            "{}",
            entry.id
        );
    }
}

#[test]
fn registering_twice_is_a_duplicate() {
    let mut registry = registry();
    assert!(matches!(
        register(&mut registry),
        Err(SpecError::Duplicate { .. })
    ));
}

#[test]
fn defaults_fill_the_canonical_spec() {
    let registry = registry();
    for (spec, canonical, arms, pulls) in [
        (
            "bandit-bernoulli",
            "bandit-bernoulli:arms=5,pulls=100",
            5,
            100,
        ),
        (
            "bandit-gaussian:sigma=0.5",
            "bandit-gaussian:arms=5,pulls=100,sigma=0.5",
            5,
            100,
        ),
        (
            "bandit-dependent",
            "bandit-dependent:difficulty=uniform,pulls=100",
            2,
            100,
        ),
        (
            "bandit-eleven-arm",
            "bandit-eleven-arm:pulls=5,obs=none",
            11,
            5,
        ),
        (
            "bandit-restless:pulls=50",
            "bandit-restless:volatility=low,pulls=50",
            2,
            50,
        ),
    ] {
        let dist = registry.make(spec).unwrap();
        assert_eq!(dist.spec(), canonical);
        assert_eq!(dist.action_space(), Space::discrete(arms));
        assert_eq!(dist.episodes_per_trial(), 1);
        let env = dist.sample_task(&mut rng_from_seed(0));
        assert_eq!(env.name(), canonical);
        assert_eq!(env.max_episode_steps(), Some(pulls));
        assert_eq!(env.observation_space().flat_size(), 0);
    }
}

#[test]
fn from_spec_gives_the_typed_prior() {
    let prior = |spec| *BanditTasks::from_spec(spec).unwrap().prior();
    assert_eq!(
        prior("bandit-bernoulli:arms=10"),
        Prior::Bernoulli { arms: 10 }
    );
    assert_eq!(
        prior("bandit-gaussian:arms=2,sigma=3"),
        Prior::Gaussian {
            arms: 2,
            sigma: 3.0
        }
    );
    assert_eq!(
        prior("bandit-dependent:difficulty=hard"),
        Prior::Dependent(Difficulty::Hard)
    );
    assert_eq!(prior("bandit-eleven-arm"), Prior::ElevenArm);
    assert_eq!(
        prior("bandit-restless:volatility=high"),
        Prior::Restless(Volatility::High)
    );
    assert_eq!(
        BanditTasks::from_spec("bandit-bernoulli:pulls=7")
            .unwrap()
            .pulls(),
        7
    );
    assert!(matches!(
        BanditTasks::from_spec("maze-water"),
        Err(SpecError::UnknownEnv { .. })
    ));
}

#[test]
fn zero_arms_is_a_bad_value_naming_arms() {
    let (key, reason) = bad_value("bandit-bernoulli:arms=0");
    assert_eq!(key, "arms");
    assert!(reason.contains("arms must be at least 1"), "{reason}");
    let message = registry()
        .make("bandit-bernoulli:arms=0")
        .err()
        .unwrap()
        .to_string();
    assert!(message.contains("arms=0"), "{message}");
}

#[test]
fn out_of_range_values_are_bad_values() {
    for (spec, key) in [
        ("bandit-bernoulli:arms=1001", "arms"),
        ("bandit-bernoulli:arms=-1", "arms"),
        ("bandit-bernoulli:arms=2.5", "arms"),
        ("bandit-bernoulli:pulls=0", "pulls"),
        ("bandit-gaussian:sigma=0", "sigma"),
        ("bandit-gaussian:sigma=-1", "sigma"),
        ("bandit-gaussian:sigma=nan", "sigma"),
        ("bandit-gaussian:sigma=inf", "sigma"),
        ("bandit-gaussian:sigma=lots", "sigma"),
        ("bandit-eleven-arm:pulls=0", "pulls"),
    ] {
        assert_eq!(bad_value(spec).0, key, "{spec}");
    }
}

#[test]
fn unknown_key_lists_the_valid_keys() {
    match registry().make("bandit-bernoulli:arm=3").map(|_| ()) {
        Err(SpecError::UnknownKey { key, valid, .. }) => {
            assert_eq!(key, "arm");
            assert_eq!(valid, ["arms", "pulls"]);
        }
        other => panic!("expected UnknownKey, got {other:?}"),
    }
    let message = registry()
        .make("bandit-dependent:arms=3")
        .err()
        .unwrap()
        .to_string();
    assert!(message.contains("difficulty, pulls"), "{message}");
}

#[test]
fn unknown_choices_list_the_valid_ones() {
    let (key, reason) = bad_value("bandit-dependent:difficulty=bogus");
    assert_eq!(key, "difficulty");
    assert!(reason.contains("uniform|easy|medium|hard"), "{reason}");
    let (key, reason) = bad_value("bandit-restless:volatility=extreme");
    assert_eq!(key, "volatility");
    assert!(reason.contains("low|high"), "{reason}");
    let (key, reason) = bad_value("bandit-eleven-arm:obs=reward");
    assert_eq!(key, "obs");
    assert!(reason.contains("none|payout"), "{reason}");
}

#[test]
fn the_eleven_arm_payout_code_shows_the_last_payout_as_one_unit() {
    let dist = registry().make("bandit-eleven-arm:obs=payout").unwrap();
    assert_eq!(
        dist.observation_space(),
        Space::uniform_box(0.0, 1.0, &[11])
    );
    for seed in 0..20 {
        let mut env = dist.sample_task(&mut rng_from_seed(seed));
        let (obs, _) = env.reset(Some(seed));
        assert_eq!(obs, vec![0.0; 11], "nothing paid yet");
        // The informative arm pays 0.1 (target + 1): unit `target` lights up.
        let informative = env.step(&Action::Discrete(10)).unwrap();
        let target = (informative.reward * 10.0).round() as usize - 1;
        let mut expected = vec![0.0; 11];
        expected[target] = 1.0;
        assert_eq!(informative.obs, expected, "seed {seed}");
        // The target pays 5: the last unit.
        let paid = env.step(&Action::Discrete(target)).unwrap();
        assert_eq!(paid.reward, 5.0);
        assert_eq!(paid.obs.iter().position(|&x| x == 1.0), Some(10));
        assert_eq!(paid.obs.iter().sum::<f32>(), 1.0);
        // A plain arm pays 1: the unit of 1.0.
        let plain = env.step(&Action::Discrete((target + 1) % 10)).unwrap();
        assert_eq!(plain.reward, 1.0);
        assert_eq!(plain.obs.iter().position(|&x| x == 1.0), Some(9));
    }
    // The same tasks and rewards as without the code.
    let plain = registry().make("bandit-eleven-arm").unwrap();
    let (mut a, mut b) = (
        dist.sample_task(&mut rng_from_seed(5)),
        plain.sample_task(&mut rng_from_seed(5)),
    );
    a.reset(Some(1));
    b.reset(Some(1));
    for arm in [10, 3, 7, 0, 10] {
        let (a, b) = (
            a.step(&Action::Discrete(arm)),
            b.step(&Action::Discrete(arm)),
        );
        assert_eq!(a.unwrap().reward, b.unwrap().reward);
    }
}
