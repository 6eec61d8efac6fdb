//! The arena never lets the agent out, and its goals always fit inside.

use lsnn_rl_env::{Action, Env, rng_from_seed};
use lsnn_rl_mazes::{ArenaTasks, Point};
use proptest::prelude::*;

const SPECS: [&str; 4] = [
    "arena-water",
    "arena-water:shape=circle",
    "arena-water:actions=continuous,speed=0.3",
    "arena-water:shape=circle,actions=continuous,speed=1,goal_radius=0.02",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn no_position_ever_leaves_the_arena(
        spec in prop::sample::select(SPECS.to_vec()),
        seed in any::<u64>(),
        moves in proptest::collection::vec((0usize..8, -1.0f32..=1.0, -1.0f32..=1.0), 1..150),
    ) {
        let tasks = ArenaTasks::from_spec(spec).unwrap();
        let shape = tasks.config().shape;
        let mut env = tasks.sample(&mut rng_from_seed(seed));
        prop_assert!(shape.contains_disk(env.goal(), env.goal_radius()));
        let (_, info) = env.reset(Some(seed));
        let inside = |x: f64, y: f64| shape.contains(Point::new(x, y));
        prop_assert!(inside(info.get("x").unwrap(), info.get("y").unwrap()));
        for (k, vx, vy) in moves {
            let action = match env.action_space().flat_size() {
                8 => Action::Discrete(k),
                _ => Action::Continuous(vec![vx, vy]),
            };
            let step = env.step(&action).unwrap();
            let p = env.position().unwrap();
            prop_assert!(inside(p.x, p.y), "{} left the arena: {:?}", spec, p);
            prop_assert!(!env.in_goal(p), "the agent stands in the goal at {:?}", p);
            prop_assert_eq!(step.info.get("x"), Some(p.x));
            prop_assert_eq!(step.info.get("y"), Some(p.y));
            prop_assert!(step.reward == 0.0 || step.reward == 1.0);
            prop_assert_eq!(step.reward, step.info.get("goal_reached").unwrap());
            if step.done() {
                break;
            }
        }
    }

    #[test]
    fn goal_disks_fit_inside(spec in prop::sample::select(SPECS.to_vec()), seed in any::<u64>()) {
        let tasks = ArenaTasks::from_spec(spec).unwrap();
        let env = tasks.sample(&mut rng_from_seed(seed));
        prop_assert!(tasks.config().shape.contains_disk(env.goal(), env.goal_radius()));
    }
}

#[test]
fn trial_lasts_steps_and_the_task_survives_resets() {
    let tasks = ArenaTasks::from_spec("arena-water:steps=30").unwrap();
    let mut env = tasks.sample(&mut rng_from_seed(2));
    let goal = env.goal();
    for seed in [Some(1), None, Some(1)] {
        env.reset(seed);
        for i in 0..30 {
            let step = env.step(&Action::Discrete(i % 8)).unwrap();
            assert_eq!(step.truncated, i == 29);
            assert!(!step.terminated);
        }
        assert_eq!(env.goal(), goal);
    }
    let a = env.reset(Some(4));
    assert_eq!(a, env.reset(Some(4)));
}
