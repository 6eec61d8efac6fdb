//! The navigation baselines on the real mazes: the oracle walks shortest
//! paths, the explorer finds the goal without reading it and comes back by
//! the shortest path, and the three rank as they should.

use lsnn_rl_classic::{Explorer, Oracle, make_policy};
use lsnn_rl_env::{
    Action, GoalOutcome, GoalSummary, Info, MetaInputs, Policy, Rng, Space, Step, TaskDistribution,
    derive_seed, evaluate, rng_from_seed, start_eval_trial_with_info,
};
use lsnn_rl_mazes::{ArenaTasks, Cell, GridTasks};

/// The goal statistics of `trials` trials of `algo` on `spec`.
fn play(spec: &str, policy: &mut dyn Policy, trials: usize, seed: u64) -> Vec<GoalOutcome> {
    let registry = {
        let mut r = lsnn_rl_env::Registry::new();
        lsnn_rl_mazes::register(&mut r).unwrap();
        r
    };
    let dist = registry.make(spec).unwrap();
    evaluate(dist.as_ref(), policy, trials, seed)
        .unwrap()
        .into_iter()
        .map(|o| o.goals.expect("navigation tasks report goals"))
        .collect()
}

fn summary(spec: &str, algo: &str, trials: usize) -> GoalSummary {
    let mut policy = make_policy(algo, None).unwrap();
    GoalSummary::of(&play(spec, policy.as_mut(), trials, 0)).unwrap()
}

/// Info keys that tell where the goal is.
const GOAL_KEYS: [&str; 7] = [
    "goal_x",
    "goal_y",
    "distance",
    "shortest_path",
    "best_action",
    "best_dx",
    "best_dy",
];

/// Passes a policy everything but the goal: the info it sees has none of
/// [`GOAL_KEYS`].
struct Blindfold<P>(P);

fn without_goal(info: &Info) -> Info {
    let mut out = Info::new();
    for &(key, value) in info.entries() {
        if !GOAL_KEYS.contains(&key) {
            out.set(key, value);
        }
    }
    out
}

impl<P: Policy> Policy for Blindfold<P> {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn start_trial(&mut self, space: &Space, steps: usize) -> Result<(), String> {
        self.0.start_trial(space, steps)
    }
    fn observe_reset(&mut self, obs: &[f32], info: &Info) -> Result<(), String> {
        self.0.observe_reset(obs, &without_goal(info))
    }
    fn act(&mut self, obs: &[f32], rng: &mut Rng) -> Action {
        self.0.act(obs, rng)
    }
    fn observe(&mut self, action: &Action, step: &Step) -> Result<(), String> {
        let step = Step {
            info: without_goal(&step.info),
            ..step.clone()
        };
        self.0.observe(action, &step)
    }
}

/// Hides the wall bits too: every observation float reads 0 (no walls
/// anywhere), which the first bump contradicts.
struct NoWallBits<P>(P);

impl<P: Policy> Policy for NoWallBits<P> {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn start_trial(&mut self, space: &Space, steps: usize) -> Result<(), String> {
        self.0.start_trial(space, steps)
    }
    fn observe_reset(&mut self, obs: &[f32], info: &Info) -> Result<(), String> {
        self.0.observe_reset(&vec![0.0; obs.len()], info)
    }
    fn act(&mut self, obs: &[f32], rng: &mut Rng) -> Action {
        self.0.act(&vec![0.0; obs.len()], rng)
    }
    fn observe(&mut self, action: &Action, step: &Step) -> Result<(), String> {
        self.0.observe(action, step)
    }
}

#[test]
fn the_oracle_walks_shortest_paths() {
    for spec in [
        "maze-water-grid",
        "maze-random",
        "maze-random:size=9,start=random",
    ] {
        let tasks = GridTasks::from_spec(spec).unwrap();
        let outcomes = play(spec, &mut Oracle::new(), 20, 3);
        for (i, outcome) in outcomes.iter().enumerate() {
            // The task of trial i, typed, and its start.
            let env = tasks.sample(&mut rng_from_seed(derive_seed(3, i as u64)));
            let (_, _, info, _) =
                start_eval_trial_with_info(&tasks, 3, i as u64, MetaInputs::none()).unwrap();
            let start = Cell::new(
                info.get("x").unwrap() as usize,
                info.get("y").unwrap() as usize,
            );
            let shortest = env.layout().shortest_path_len(start, env.goal()).unwrap();
            assert_eq!(outcome.steps_to_first_goal, shortest, "{spec}, trial {i}");
            if spec.contains("start=random") {
                // A new start each episode: the first move of episode 2 is a guess.
                continue;
            }
            assert_eq!(
                outcome.later_goal_path_ratio,
                Some(1.0),
                "{spec}, trial {i}"
            );
        }
    }
}

#[test]
fn the_explorer_never_reads_the_goal() {
    for spec in ["maze-water-grid", "maze-random", "arena-water"] {
        let seen = play(spec, make_policy("explorer", None).unwrap().as_mut(), 30, 5);
        let blind = play(spec, &mut Blindfold(Explorer::new(0.1)), 30, 5);
        assert_eq!(
            seen, blind,
            "{spec}: the goal keys changed the explorer's moves"
        );
        assert!(blind.iter().all(|o| o.goals >= 1), "{spec}: {blind:?}");
    }
}

#[test]
fn the_explorer_returns_by_the_shortest_path_on_the_open_grid() {
    let explorer = summary("maze-water-grid", "explorer", 100);
    let ratio = explorer.later_goal_path_ratio.unwrap();
    assert_eq!(ratio.n, 100, "every trial finds the goal at least twice");
    assert!(ratio.mean < 1.01, "{explorer:?}");
    assert!(explorer.goals_per_trial.mean > 10.0, "{explorer:?}");
}

#[test]
fn the_explorer_reuses_the_goal_in_the_second_maze_episode() {
    let outcomes = play(
        "maze-random",
        make_policy("explorer", None).unwrap().as_mut(),
        100,
        0,
    );
    let both: Vec<&GoalOutcome> = outcomes.iter().filter(|o| o.goals == 2).collect();
    assert!(
        both.len() >= 95,
        "{} of 100 trials found both goals",
        both.len()
    );
    // Episode 2 goes straight back: the known path in a perfect maze is the only one.
    for o in &both {
        assert_eq!(o.later_goal_path_ratio, Some(1.0), "{o:?}");
    }
    let first: f64 = both.iter().map(|o| o.steps_to_first_goal as f64).sum();
    let second: f64 = both.iter().map(|o| o.steps_per_later_goal.unwrap()).sum();
    assert!(
        second < 0.7 * first,
        "episode 2 {second} vs episode 1 {first}"
    );
}

#[test]
fn the_explorer_finds_goals_by_bumping_without_wall_bits() {
    let outcomes = play("maze-random", &mut NoWallBits(Explorer::new(0.1)), 50, 1);
    let found = outcomes.iter().filter(|o| o.goals == 2).count();
    assert!(found >= 45, "{found} of 50 trials found both goals");
}

#[test]
fn oracle_beats_explorer_beats_random_everywhere() {
    for (spec, trials) in [("maze-water-grid", 100), ("arena-water", 60)] {
        let goals = |algo| summary(spec, algo, trials).goals_per_trial.mean;
        let (oracle, explorer, random) = (goals("oracle"), goals("explorer"), goals("random"));
        assert!(
            oracle > explorer && explorer > random,
            "{spec}: goals per trial: oracle {oracle}, explorer {explorer}, random {random}"
        );
    }
    // The RL^2 maze pays at most two goals a trial: compare the times.
    let steps = |algo| summary("maze-random", algo, 100).steps_to_first_goal.mean;
    let (oracle, explorer, random) = (steps("oracle"), steps("explorer"), steps("random"));
    assert!(
        oracle < explorer && explorer < random,
        "maze-random: steps to the first goal: oracle {oracle}, explorer {explorer}, random {random}"
    );
    // In the arena the explorer comes back close to the oracle's (8-heading) paths.
    let explorer = summary("arena-water", "explorer", 60);
    let oracle = summary("arena-water", "oracle", 60);
    let ratio = |s: &GoalSummary| s.later_goal_path_ratio.unwrap().mean;
    assert!(
        ratio(&explorer) < 1.5 * ratio(&oracle),
        "{explorer:?} {oracle:?}"
    );
}

#[test]
fn the_arena_baselines_play_velocities_too() {
    let spec = "arena-water:actions=continuous";
    let tasks = ArenaTasks::from_spec(spec).unwrap();
    assert!(matches!(tasks.action_space(), Space::Box(_)));
    let oracle = summary(spec, "oracle", 30).goals_per_trial.mean;
    let explorer = summary(spec, "explorer", 30).goals_per_trial.mean;
    assert!(oracle > explorer && explorer > 2.0, "{oracle} {explorer}");
}

#[test]
fn navigation_policies_refuse_what_they_cannot_play() {
    let mut oracle = make_policy("oracle", None).unwrap();
    oracle.start_trial(&Space::discrete(5), 10).unwrap();
    let err = oracle.observe_reset(&[], &Info::new()).unwrap_err();
    assert!(err.contains("best_action"), "{err}");

    let mut explorer = make_policy("explorer", None).unwrap();
    let err = explorer.start_trial(&Space::discrete(5), 10).unwrap_err();
    assert!(err.contains("Discrete(4)"), "{err}");
    explorer.start_trial(&Space::discrete(4), 10).unwrap();
    let err = explorer.observe_reset(&[0.0; 4], &Info::new()).unwrap_err();
    assert!(err.contains("position"), "{err}");

    assert!(make_policy("explorer:radius=0.5", None).is_err());
    assert!(make_policy("explorer:radius=0.05", None).is_ok());
}
