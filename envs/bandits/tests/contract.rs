//! Every registered bandit keeps the environment contract, whatever the seed
//! and the actions. The ids come from the registry, so a bandit added to
//! `register` is covered without touching this file.

use lsnn_rl_env::{
    Action, Env, MetaInputs, Registry, TaskDistribution, Trial, rng_from_seed, testing,
};
use proptest::prelude::*;

/// Every registered spec at its defaults, and with 3 pulls where it has a
/// `pulls` parameter, so short action sequences reach the end of a trial;
/// and the observing variants (`obs=payout`).
fn distributions() -> Vec<Box<dyn TaskDistribution>> {
    let mut registry = Registry::new();
    lsnn_rl_bandits::register(&mut registry).unwrap();
    let mut specs: Vec<String> = registry.ids();
    for entry in registry.entries() {
        if entry.params.iter().any(|p| p.name == "pulls") {
            specs.push(format!("{}:pulls=3", entry.id));
        }
        if entry.params.iter().any(|p| p.name == "obs") {
            specs.push(format!("{}:obs=payout", entry.id));
        }
    }
    specs
        .iter()
        .map(|spec| registry.make(spec).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_bandit_keeps_the_env_contract(
        seed in any::<u64>(),
        actions in proptest::collection::vec(any::<usize>(), 0..40),
    ) {
        for dist in distributions() {
            let result = testing::check_env_contract(dist.as_ref(), seed, &actions);
            prop_assert!(result.is_ok(), "{}: {:?}", dist.spec(), result);
        }
    }

    #[test]
    fn trial_observations_stay_in_the_trial_space(
        seed in any::<u64>(),
        actions in proptest::collection::vec(any::<usize>(), 1..40),
    ) {
        for dist in distributions() {
            let mut rng = rng_from_seed(seed);
            let env = dist.sample_task(&mut rng);
            let arms = dist.action_space().flat_size();
            let mut trial = Trial::new(env, dist.episodes_per_trial(), MetaInputs::all()).unwrap();
            let space = trial.observation_space().clone();
            let (obs, _) = trial.reset(Some(seed));
            prop_assert!(space.contains_flat(&obs), "{}: first obs {:?}", dist.spec(), obs);
            for &index in &actions {
                let step = trial.step(&Action::Discrete(index % arms)).unwrap();
                prop_assert!(space.contains_flat(&step.obs), "{}: obs {:?}", dist.spec(), step.obs);
                let regret = step.info.get("best_expected_reward").unwrap()
                    - step.info.get("expected_reward").unwrap();
                prop_assert!(regret >= 0.0, "{}: negative regret {}", dist.spec(), regret);
                prop_assert_eq!(step.info.get("arm"), Some((index % arms) as f64));
                if step.done() {
                    break;
                }
            }
        }
    }

    #[test]
    fn same_seed_same_trial(seed in any::<u64>(), actions in proptest::collection::vec(0usize..11, 1..20)) {
        for dist in distributions() {
            let play = || {
                let mut env = dist.sample_task(&mut rng_from_seed(seed));
                env.reset(Some(seed));
                let arms = dist.action_space().flat_size();
                actions
                    .iter()
                    .map_while(|&a| env.step(&Action::Discrete(a % arms)).ok())
                    .map(|step| (step.obs, step.reward, step.info))
                    .collect::<Vec<_>>()
            };
            prop_assert_eq!(play(), play(), "{}", dist.spec());
        }
    }
}
