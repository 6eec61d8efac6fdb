//! Tests of the grid navigation environment.

use super::*;

const N: Action = Action::Discrete(0);
const E: Action = Action::Discrete(1);
const S: Action = Action::Discrete(2);
const W: Action = Action::Discrete(3);

fn water(size: usize, goal: Cell, start: Cell, steps: usize, penalty: f64) -> GridEnv {
    let rules = GridRules::water_grid(GridObservation::OneHot, steps, penalty);
    GridEnv::new("water", Layout::open(size), goal, Some(start), rules, 7).unwrap()
}

#[test]
fn goal_pays_one_and_respawns_elsewhere() {
    let goal = Cell::new(1, 0);
    for seed in 0..50 {
        let rules = GridRules::water_grid(GridObservation::OneHot, 100, 0.0);
        let mut env = GridEnv::new("w", Layout::open(3), goal, None, rules, seed).unwrap();
        env.reset(None);
        // Walk to the goal by the oracle's moves.
        let mut reached = None;
        for _ in 0..10 {
            let dir = env.best_action(env.position().unwrap()).unwrap();
            let step = env.step(&Action::Discrete(dir.index())).unwrap();
            if step.info.get("goal_reached") == Some(1.0) {
                reached = Some(step);
                break;
            }
            assert_eq!(step.reward, 0.0);
        }
        let step = reached.expect("the oracle reaches the goal within 4 steps");
        assert_eq!(step.reward, 1.0);
        assert!(!step.done());
        let at = env.position().unwrap();
        assert_ne!(at, goal);
        assert_eq!(step.info.get("x"), Some(at.x as f64));
        assert_eq!(step.info.get("y"), Some(at.y as f64));
        assert_eq!(
            step.info.get("distance"),
            Some(env.distance_to_goal(at).unwrap() as f64)
        );
        assert_eq!(step.obs, GridObservation::OneHot.encode(env.layout(), at));
    }
}

#[test]
fn respawns_cover_every_other_cell() {
    let goal = Cell::new(0, 0);
    let rules = GridRules::water_grid(GridObservation::Coords, 10_000, 0.0);
    let mut env =
        GridEnv::new("w", Layout::open(2), goal, Some(Cell::new(1, 0)), rules, 3).unwrap();
    env.reset(None);
    let mut seen = [0usize; 4];
    for _ in 0..2000 {
        let at = env.position().unwrap();
        let dir = env.best_action(at).unwrap();
        let step = env.step(&Action::Discrete(dir.index())).unwrap();
        if step.info.get("goal_reached") == Some(1.0) {
            seen[env.layout().index_of(env.position().unwrap())] += 1;
        }
    }
    assert_eq!(seen[0], 0, "never respawns on the goal");
    assert!(seen[1..].iter().all(|&n| n > 200), "{seen:?}");
}

#[test]
fn wall_bump_costs_the_penalty_and_stays() {
    let mut env = water(3, Cell::new(2, 2), Cell::new(0, 0), 10, 0.25);
    env.reset(None);
    let step = env.step(&N).unwrap();
    assert_eq!(step.reward, -0.25);
    assert_eq!(step.info.get("bump"), Some(1.0));
    assert_eq!(env.position(), Some(Cell::new(0, 0)));
    let step = env.step(&E).unwrap();
    assert_eq!(step.reward, 0.0);
    assert_eq!(step.info.get("bump"), Some(0.0));
    assert_eq!(env.position(), Some(Cell::new(1, 0)));
}

#[test]
fn onehot_observation_and_wall_bits() {
    let mut env = water(3, Cell::new(2, 2), Cell::new(0, 1), 10, 0.0);
    let (obs, info) = env.reset(None);
    // x = 0, y = 1; walls: west only.
    assert_eq!(obs, [1., 0., 0., 0., 1., 0., 0., 0., 0., 1.]);
    assert_eq!(info.get("distance"), Some(3.0));
    assert_eq!(info.get("shortest_path"), Some(3.0));
    let step = env.step(&S).unwrap();
    // x = 0, y = 2: walls south and west.
    assert_eq!(step.obs, [1., 0., 0., 0., 0., 1., 0., 0., 1., 1.]);
    let coords = GridObservation::Coords.encode(env.layout(), Cell::new(2, 1));
    assert_eq!(coords, [1.0, 0.5, 0., 1., 0., 0.]);
    // The place code: x = 2, y = 1 is unit 1 * 3 + 2 of the 9; walls east only.
    let place = GridObservation::Cell.encode(env.layout(), Cell::new(2, 1));
    assert_eq!(place, [0., 0., 0., 0., 0., 1., 0., 0., 0., 0., 1., 0., 0.]);
    assert_eq!(place.len(), GridObservation::Cell.len(3));
}

#[test]
fn local_view_reads_the_patch_and_solid_outside() {
    let layout = Layout::open(3);
    let obs = GridObservation::Local { view: 1 }.encode(&layout, Cell::new(0, 0));
    assert_eq!(obs.len(), 36);
    // Patch row dy = -1 lies off the grid: all walls.
    assert!(obs[..12].iter().all(|&b| b == 1.0));
    // Row dy = 0: (-1, 0) off the grid, (0, 0) the agent, (1, 0).
    assert_eq!(obs[12..16], [1.0; 4]);
    assert_eq!(obs[16..20], [1., 0., 0., 1.]);
    assert_eq!(obs[20..24], [1., 0., 0., 0.]);
    let own = GridObservation::Local { view: 0 }.encode(&layout, Cell::new(0, 0));
    assert_eq!(own, [1., 0., 0., 1.]);
}

#[test]
fn water_trial_lasts_steps_and_is_truncated() {
    let mut env = water(4, Cell::new(3, 3), Cell::new(0, 0), 5, 0.0);
    env.reset(None);
    for i in 0..5 {
        let step = env.step(&W).unwrap();
        assert_eq!(step.truncated, i == 4);
        assert!(!step.terminated);
    }
    assert!(matches!(env.step(&W), Err(EnvError::EpisodeOver { .. })));
    env.reset(None);
    assert_eq!(env.steps_taken(), Some(0));
    assert!(env.step(&W).is_ok());
}

#[test]
fn rl2_rewards_and_termination() {
    let rules = GridRules::rl2_maze(0, 250);
    let mut env = GridEnv::new(
        "maze",
        Layout::open(3),
        Cell::new(1, 0),
        Some(Cell::new(0, 0)),
        rules,
        1,
    )
    .unwrap();
    env.reset(None);
    let bump = env.step(&N).unwrap();
    assert!((bump.reward - (-0.041)).abs() < 1e-12, "{}", bump.reward);
    let walk = env.step(&S).unwrap();
    assert!((walk.reward - (-0.04)).abs() < 1e-12);
    assert_eq!(walk.info.get("shortest_path"), Some(1.0));
    assert_eq!(walk.info.get("segment_steps"), Some(2.0));
    env.step(&N).unwrap();
    let goal = env.step(&E).unwrap();
    assert!((goal.reward - 0.96).abs() < 1e-12, "{}", goal.reward);
    assert!(goal.terminated && !goal.truncated);
    assert_eq!(goal.info.get("goal_reached"), Some(1.0));
    assert_eq!(goal.info.get("distance"), Some(0.0));
    assert_eq!(goal.info.get("best_action"), None);
    assert!(matches!(env.step(&E), Err(EnvError::EpisodeOver { .. })));
    // The next episode starts at the fixed start again.
    let (_, info) = env.reset(Some(9));
    assert_eq!((info.get("x"), info.get("y")), (Some(0.0), Some(0.0)));
}

#[test]
fn rl2_episode_is_truncated_at_the_horizon() {
    let rules = GridRules::rl2_maze(0, 3);
    let mut env = GridEnv::new(
        "m",
        Layout::open(3),
        Cell::new(2, 2),
        Some(Cell::new(0, 0)),
        rules,
        1,
    )
    .unwrap();
    env.reset(None);
    let steps: Vec<Step> = (0..3).map(|_| env.step(&W).unwrap()).collect();
    assert!(steps[..2].iter().all(|s| !s.done()));
    assert!(steps[2].truncated && !steps[2].terminated);
    let total: f64 = steps.iter().map(|s| s.reward).sum();
    assert!((total + 3.0 * 0.041).abs() < 1e-12);
}

#[test]
fn errors_instead_of_panics() {
    let mut env = water(3, Cell::new(2, 2), Cell::new(0, 0), 5, 0.0);
    assert!(matches!(env.step(&N), Err(EnvError::NotReset { .. })));
    env.reset(None);
    for bad in [Action::Discrete(4), Action::Continuous(vec![0.0])] {
        assert!(matches!(
            env.step(&bad),
            Err(EnvError::InvalidAction { .. })
        ));
    }
    let rules = GridRules::water_grid(GridObservation::OneHot, 5, 0.0);
    let goal = Cell::new(0, 0);
    for (layout, start) in [
        (Layout::open(1), None),
        (Layout::open(3), Some(goal)),
        (Layout::open(3), Some(Cell::new(3, 0))),
    ] {
        assert!(GridEnv::new("w", layout, goal, start, rules, 0).is_err());
    }
    let off = GridEnv::new("w", Layout::open(3), Cell::new(0, 5), None, rules, 0);
    assert!(off.is_err());
    let never = GridRules {
        episode_steps: 0,
        ..rules
    };
    assert!(GridEnv::new("w", Layout::open(3), goal, None, never, 0).is_err());
    let nan = GridRules {
        wall_penalty: f64::NAN,
        ..rules
    };
    assert!(GridEnv::new("w", Layout::open(3), goal, None, nan, 0).is_err());
}

#[test]
fn reset_seed_repeats_the_start_and_respawns() {
    let rules = GridRules::water_grid(GridObservation::OneHot, 50, 0.0);
    let mut env = GridEnv::new("w", Layout::open(5), Cell::new(2, 2), None, rules, 0).unwrap();
    let play = |env: &mut GridEnv| {
        let (first, _) = env.reset(Some(42));
        let mut trace = vec![first];
        for _ in 0..50 {
            let dir = env.best_action(env.position().unwrap()).unwrap();
            trace.push(env.step(&Action::Discrete(dir.index())).unwrap().obs);
        }
        trace
    };
    let a = play(&mut env);
    assert_eq!(a, play(&mut env));
    assert_eq!(env.goal(), Cell::new(2, 2));
}
