//! Every registered navigation task keeps the environment contract, whatever
//! the seed and the actions. The ids come from the registry, so a task added
//! to `register` is covered without touching this file.

use std::sync::OnceLock;

use lsnn_rl_env::{
    Action, Env, MetaInputs, Registry, Space, TaskDistribution, Trial, rng_from_seed, testing,
};
use proptest::prelude::*;

/// Every registered id at its defaults, with short episodes so that short
/// action sequences reach their ends, and with each choice parameter's
/// alternatives. Built once: the maze pools take a moment.
fn distributions() -> &'static [Box<dyn TaskDistribution>] {
    static DISTRIBUTIONS: OnceLock<Vec<Box<dyn TaskDistribution>>> = OnceLock::new();
    DISTRIBUTIONS.get_or_init(|| {
        let mut registry = Registry::new();
        lsnn_rl_mazes::register(&mut registry).unwrap();
        let mut specs: Vec<String> = registry.ids();
        for entry in registry.entries() {
            for length in ["steps", "horizon"] {
                if entry.params.iter().any(|p| p.name == length) {
                    specs.push(format!("{}:{length}=4", entry.id));
                }
            }
        }
        specs.extend(
            [
                "maze-water-grid:size=2,steps=6,obs=coords,wall_penalty=0.5",
                "maze-water-grid:size=3,steps=6,obs=cell",
                "maze-random:size=2,horizon=3,episodes=3",
                "maze-random:size=3,layouts=any,start=random,view=2,horizon=5",
                "maze-random:size=9,layouts=test,pool=20,view=1,horizon=6",
                "arena-water:shape=circle,actions=continuous,steps=5,place_cells=1",
                "arena-water:goal_radius=0.45,speed=1,steps=7",
            ]
            .map(String::from),
        );
        specs
            .iter()
            .map(|spec| registry.make(spec).unwrap())
            .collect()
    })
}

/// A valid action from an index: `index % n`, or a point of the box.
fn action(space: &Space, index: usize) -> Action {
    match space {
        Space::Discrete { n } => Action::Discrete(index % n),
        Space::Box(_) => {
            let x = (index % 201) as f32 / 100.0 - 1.0;
            let y = ((index / 201) % 201) as f32 / 100.0 - 1.0;
            Action::Continuous(vec![x, y])
        }
    }
}

#[test]
fn every_id_is_covered() {
    let ids: Vec<&str> = distributions()
        .iter()
        .map(|d| d.spec().split(':').next().unwrap())
        .collect();
    for id in ["arena-water", "maze-random", "maze-water-grid"] {
        assert!(ids.contains(&id), "{id}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_task_keeps_the_env_contract(
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
        actions in proptest::collection::vec(any::<usize>(), 1..60),
    ) {
        for dist in distributions() {
            let env = dist.sample_task(&mut rng_from_seed(seed));
            let action_space = dist.action_space();
            let mut trial = Trial::new(env, dist.episodes_per_trial(), MetaInputs::all()).unwrap();
            let space = trial.observation_space().clone();
            let (obs, info) = trial.reset(Some(seed));
            prop_assert!(space.contains_flat(&obs), "{}: first obs {:?}", dist.spec(), obs);
            for key in ["x", "y", "goal_x", "goal_y", "distance", "shortest_path"] {
                prop_assert!(info.get(key).is_some(), "{}: reset info lacks {}", dist.spec(), key);
            }
            for &index in &actions {
                let step = trial.step(&action(&action_space, index)).unwrap();
                prop_assert!(space.contains_flat(&step.obs), "{}: obs {:?}", dist.spec(), step.obs);
                for key in ["x", "y", "goal_x", "goal_y", "distance", "goal_reached", "shortest_path"] {
                    prop_assert!(step.info.get(key).is_some(), "{}: info lacks {}", dist.spec(), key);
                }
                prop_assert!(step.info.get("distance").unwrap() >= 0.0);
                if step.done() {
                    break;
                }
            }
        }
    }

    #[test]
    fn same_seed_same_trial(seed in any::<u64>(), actions in proptest::collection::vec(any::<usize>(), 1..30)) {
        for dist in distributions() {
            let play = || {
                let mut env = dist.sample_task(&mut rng_from_seed(seed));
                let (first, _) = env.reset(Some(seed));
                let space = dist.action_space();
                let steps: Vec<_> = actions
                    .iter()
                    .map_while(|&a| env.step(&action(&space, a)).ok())
                    .map(|step| (step.obs, step.reward, step.info))
                    .collect();
                (first, steps)
            };
            prop_assert_eq!(play(), play(), "{}", dist.spec());
        }
    }
}
