//! Spec strings: the ids, their defaults, and the errors bad specs give.

use lsnn_rl_env::{Registry, Space, SpecError, rng_from_seed};
use lsnn_rl_mazes::{
    ArenaActions, ArenaTasks, GridObservation, GridTasks, Layouts, OnGoal, Shape, Start, register,
};

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
fn registers_three_ids_with_documented_parameters() {
    let registry = registry();
    assert_eq!(
        registry.ids(),
        ["arena-water", "maze-random", "maze-water-grid"]
    );
    for entry in registry.entries() {
        assert!(!entry.description.is_empty(), "{}", entry.id);
        assert!(
            entry.params.iter().all(|p| !p.help.is_empty()),
            "{}",
            entry.id
        );
    }
    let mut again = registry.clone();
    assert!(matches!(
        register(&mut again),
        Err(SpecError::Duplicate { .. })
    ));
}

#[test]
fn defaults_fill_the_canonical_spec() {
    let registry = registry();
    for (spec, canonical, obs, actions, episodes, steps) in [
        (
            "maze-water-grid",
            "maze-water-grid:size=7,steps=100,wall_penalty=0,obs=onehot",
            18,
            Space::discrete(4),
            1,
            100,
        ),
        (
            "maze-random",
            "maze-random:size=5,layouts=train,pool=1000,episodes=2,horizon=250,start=fixed,view=0,step_cost=0.04,wall_penalty=0.001",
            4,
            Space::discrete(4),
            2,
            250,
        ),
        (
            "arena-water",
            "arena-water:shape=square,goal_radius=0.1,actions=discrete,speed=0.05,place_cells=25,sigma=0.15,steps=200",
            25,
            Space::discrete(8),
            1,
            200,
        ),
        (
            "maze-random:size=9,view=1,layouts=any",
            "maze-random:size=9,layouts=any,pool=1000,episodes=2,horizon=250,start=fixed,view=1,step_cost=0.04,wall_penalty=0.001",
            36,
            Space::discrete(4),
            2,
            250,
        ),
        (
            "arena-water:actions=continuous,place_cells=100",
            "arena-water:shape=square,goal_radius=0.1,actions=continuous,speed=0.05,place_cells=100,sigma=0.15,steps=200",
            100,
            Space::uniform_box(-1.0, 1.0, &[2]),
            1,
            200,
        ),
        (
            "maze-water-grid:obs=cell,size=4",
            "maze-water-grid:size=4,steps=100,wall_penalty=0,obs=cell",
            20,
            Space::discrete(4),
            1,
            100,
        ),
        (
            "maze-water-grid:obs=coords,size=4",
            "maze-water-grid:size=4,steps=100,wall_penalty=0,obs=coords",
            6,
            Space::discrete(4),
            1,
            100,
        ),
    ] {
        let dist = registry.make(spec).unwrap();
        assert_eq!(dist.spec(), canonical);
        assert_eq!(
            dist.observation_space(),
            Space::uniform_box(0.0, 1.0, &[obs])
        );
        assert_eq!(dist.action_space(), actions);
        assert_eq!(dist.episodes_per_trial(), episodes, "{spec}");
        let env = dist.sample_task(&mut rng_from_seed(0));
        assert_eq!(env.name(), canonical);
        assert_eq!(env.max_episode_steps(), Some(steps));
        assert_eq!(env.observation_space(), &dist.observation_space());
    }
}

#[test]
fn from_spec_gives_the_typed_tasks() {
    let water = GridTasks::from_spec("maze-water-grid:size=3").unwrap();
    assert_eq!(water.size(), 3);
    assert_eq!(water.rules().observation, GridObservation::OneHot);
    assert_eq!(water.rules().on_goal, OnGoal::Respawn);
    assert_eq!(water.layouts(), None);
    assert_eq!(water.start(), Start::Random);
    assert!(water.pool().is_empty());

    let maze =
        GridTasks::from_spec("maze-random:layouts=test,pool=10,start=random,view=2").unwrap();
    assert_eq!(maze.layouts(), Some(Layouts::Test));
    assert_eq!(maze.pool().len(), 10);
    assert_eq!(maze.start(), Start::Random);
    assert_eq!(maze.rules().observation, GridObservation::Local { view: 2 });
    assert_eq!(maze.rules().on_goal, OnGoal::Terminate);
    assert_eq!(
        (maze.rules().step_cost, maze.rules().wall_penalty),
        (0.04, 0.001)
    );
    let env = maze.sample(&mut rng_from_seed(1));
    assert!(maze.pool().contains(env.layout()));
    assert_eq!(env.fixed_start(), None);

    let arena = ArenaTasks::from_spec("arena-water:shape=circle,actions=continuous").unwrap();
    assert_eq!(arena.config().shape, Shape::Circle);
    assert_eq!(arena.config().actions, ArenaActions::Continuous);
    assert_eq!(arena.config().place_cells.side, 5);

    assert!(matches!(
        GridTasks::from_spec("arena-water"),
        Err(SpecError::UnknownEnv { .. })
    ));
    assert!(matches!(
        ArenaTasks::from_spec("maze-random"),
        Err(SpecError::UnknownEnv { .. })
    ));
    assert!(matches!(
        GridTasks::from_spec("bandit-bernoulli"),
        Err(SpecError::UnknownEnv { .. })
    ));
}

#[test]
fn the_task_draws_repeat_with_the_rng_state() {
    let maze = GridTasks::from_spec("maze-random").unwrap();
    let task = |seed| {
        let env = maze.sample(&mut rng_from_seed(seed));
        (env.layout().clone(), env.goal(), env.fixed_start())
    };
    assert_eq!(task(3), task(3));
    assert_ne!(task(3), task(4));
    let (_, goal, start) = task(5);
    assert_ne!(Some(goal), start);
}

#[test]
fn out_of_range_values_are_bad_values() {
    for (spec, key) in [
        ("maze-water-grid:size=0", "size"),
        ("maze-water-grid:size=1", "size"),
        ("maze-water-grid:size=33", "size"),
        ("maze-water-grid:size=two", "size"),
        ("maze-water-grid:steps=0", "steps"),
        ("maze-water-grid:wall_penalty=-1", "wall_penalty"),
        ("maze-water-grid:wall_penalty=nan", "wall_penalty"),
        ("maze-water-grid:obs=pixels", "obs"),
        ("maze-random:size=1", "size"),
        ("maze-random:pool=0", "pool"),
        ("maze-random:pool=100001", "pool"),
        ("maze-random:episodes=0", "episodes"),
        ("maze-random:horizon=0", "horizon"),
        ("maze-random:start=middle", "start"),
        ("maze-random:view=5", "view"),
        ("maze-random:view=-1", "view"),
        ("maze-random:step_cost=-0.1", "step_cost"),
        ("arena-water:goal_radius=0", "goal_radius"),
        ("arena-water:goal_radius=-0.1", "goal_radius"),
        ("arena-water:goal_radius=0.5", "goal_radius"),
        ("arena-water:goal_radius=inf", "goal_radius"),
        ("arena-water:shape=triangle", "shape"),
        ("arena-water:actions=both", "actions"),
        ("arena-water:speed=0", "speed"),
        ("arena-water:speed=1.5", "speed"),
        ("arena-water:place_cells=0", "place_cells"),
        ("arena-water:place_cells=24", "place_cells"),
        ("arena-water:place_cells=10201", "place_cells"),
        ("arena-water:sigma=0", "sigma"),
        ("arena-water:sigma=-1", "sigma"),
        ("arena-water:steps=0", "steps"),
    ] {
        assert_eq!(bad_value(spec).0, key, "{spec}");
    }
}

#[test]
fn errors_say_what_is_valid() {
    let (_, reason) = bad_value("maze-random:layouts=validation");
    assert!(reason.contains("train|test|any"), "{reason}");
    let (_, reason) = bad_value("arena-water:place_cells=24");
    assert!(reason.contains("16 or 25"), "{reason}");
    let (_, reason) = bad_value("arena-water:goal_radius=0.5");
    assert!(reason.contains("above 0 and below 0.5"), "{reason}");
    let (_, reason) = bad_value("maze-random:size=3,view=3");
    assert!(reason.contains("0 to size-1 = 2"), "{reason}");
    let message = registry()
        .make("maze-water-grid:size=1")
        .err()
        .unwrap()
        .to_string();
    assert!(message.contains("size=1"), "{message}");
    assert!(message.contains("at least 2"), "{message}");
    match registry().make("maze-random:sizes=3").map(|_| ()) {
        Err(SpecError::UnknownKey { valid, .. }) => assert!(valid.contains(&"view".to_string())),
        other => panic!("expected UnknownKey, got {other:?}"),
    }
}

#[test]
fn tiny_mazes_still_have_both_pools() {
    // A 2x2 grid has only 4 perfect mazes and a 3x3 one 192; both classes
    // must be non-empty for the pools to fill (with repeats).
    for size in [2, 3] {
        for layouts in ["train", "test"] {
            let spec = format!("maze-random:size={size},layouts={layouts}");
            assert!(registry().make(&spec).is_ok(), "{spec}");
        }
    }
}
