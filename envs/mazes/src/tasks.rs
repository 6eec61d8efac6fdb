//! Task distributions: what each meta-RL trial draws.

use std::sync::Arc;

use rand::Rng as _;

use lsnn_rl_env::{Env, Rng, Space, TaskDistribution, TaskVariable};

use crate::{ArenaConfig, ArenaEnv, GridEnv, GridRules, Layout, Layouts, PoolError};

/// Where each episode of a grid task starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// One start cell drawn with the task (uniform over the cells other than
    /// the goal); every episode of the trial begins there, so what the agent
    /// learned in one episode applies directly to the next.
    Fixed,
    /// A new start cell (uniform over the cells other than the goal) at every
    /// reset, drawn from the environment's own generator.
    Random,
}

impl Start {
    /// Every rule, in the order of [`Start::NAMES`].
    pub const ALL: [Start; 2] = [Self::Fixed, Self::Random];
    /// The names users type, in the order of [`Start::ALL`].
    pub const NAMES: [&'static str; 2] = ["fixed", "random"];
}

/// Where the layout of each task comes from.
#[derive(Clone, Debug)]
enum Source {
    /// The open grid.
    Open,
    /// A layout drawn uniformly from a pool.
    Pool(Arc<Vec<Layout>>),
    /// A fresh random maze.
    Fresh,
}

/// A distribution of grid tasks (`maze-water-grid`, `maze-random`): each
/// task is a layout, a goal cell and, with [`Start::Fixed`], a start cell.
/// Built from a spec by [`crate::register`] or [`GridTasks::from_spec`].
#[derive(Clone, Debug)]
pub struct GridTasks {
    spec: String,
    size: usize,
    rules: GridRules,
    source: Source,
    layouts: Option<Layouts>,
    start: Start,
    episodes: usize,
}

impl GridTasks {
    /// The water maze on the open grid: one episode per trial, a random
    /// start. Callers check the arguments (the spec parser does).
    pub(crate) fn open_grid(spec: String, size: usize, rules: GridRules) -> Self {
        Self {
            spec,
            size,
            rules,
            source: Source::Open,
            layouts: None,
            start: Start::Random,
            episodes: 1,
        }
    }

    /// Random perfect mazes from `layouts` (a pool of `pool` layouts, or
    /// fresh ones). Fails when the pool cannot be filled.
    pub(crate) fn mazes(
        spec: String,
        size: usize,
        rules: GridRules,
        layouts: Layouts,
        pool: usize,
        start: Start,
        episodes: usize,
    ) -> Result<Self, PoolError> {
        let source = match layouts {
            Layouts::Any => Source::Fresh,
            pool_kind => Source::Pool(Arc::new(pool_kind.pool(size, pool)?)),
        };
        Ok(Self {
            spec,
            size,
            rules,
            source,
            layouts: Some(layouts),
            start,
            episodes,
        })
    }

    /// Cells per side.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The rules every task is played by.
    pub fn rules(&self) -> &GridRules {
        &self.rules
    }

    /// Where mazes come from; `None` for the open grid.
    pub fn layouts(&self) -> Option<Layouts> {
        self.layouts
    }

    /// The pool tasks draw their layout from (empty for the open grid and
    /// for fresh mazes).
    pub fn pool(&self) -> &[Layout] {
        match &self.source {
            Source::Pool(pool) => pool,
            Source::Open | Source::Fresh => &[],
        }
    }

    /// Where episodes start.
    pub fn start(&self) -> Start {
        self.start
    }

    /// Draws one task from `rng` and builds the environment that plays it;
    /// [`TaskDistribution::sample_task`] typed. Draws, in order: the layout
    /// (a pool index, or every choice of a fresh maze), the goal cell, the
    /// start cell (with [`Start::Fixed`]), and the environment's seed.
    pub fn sample(&self, rng: &mut Rng) -> GridEnv {
        let layout = match &self.source {
            Source::Open => Layout::open(self.size),
            Source::Pool(pool) => pool[rng.random_range(0..pool.len())].clone(),
            Source::Fresh => Layout::random_maze(self.size, rng),
        };
        let n = layout.cell_count();
        let goal_index = rng.random_range(0..n);
        let goal = layout.cell_at(goal_index);
        let start = match self.start {
            Start::Random => None,
            Start::Fixed => {
                let index = rng.random_range(0..n - 1);
                Some(layout.cell_at(if index >= goal_index {
                    index + 1
                } else {
                    index
                }))
            }
        };
        let seed = rng.random();
        GridEnv::new(self.spec.clone(), layout, goal, start, self.rules, seed)
            .expect("the spec parser admits only playable grid tasks")
    }
}

/// What `lsnn-rl analyze decode` can read out on every grid and arena task:
/// the hidden goal's position, as each step's info reports it.
const GOAL_VARIABLES: [TaskVariable; 2] = [
    TaskVariable::continuous("goal_x", "the hidden goal's x coordinate"),
    TaskVariable::continuous("goal_y", "the hidden goal's y coordinate"),
];

impl TaskDistribution for GridTasks {
    fn spec(&self) -> &str {
        &self.spec
    }

    fn observation_space(&self) -> Space {
        self.rules.observation.space(self.size)
    }

    fn action_space(&self) -> Space {
        Space::discrete(4)
    }

    fn episodes_per_trial(&self) -> usize {
        self.episodes
    }

    fn task_variables(&self) -> Vec<TaskVariable> {
        GOAL_VARIABLES.to_vec()
    }

    fn sample_task(&self, rng: &mut Rng) -> Box<dyn Env> {
        Box::new(self.sample(rng))
    }
}

/// A distribution of arena tasks (`arena-water`): each task is a goal disk
/// centred uniformly among the positions where it fits fully inside the
/// arena. Built by [`crate::register`] or [`ArenaTasks::from_spec`].
#[derive(Clone, Debug)]
pub struct ArenaTasks {
    spec: String,
    config: ArenaConfig,
}

impl ArenaTasks {
    /// Callers check the configuration (the spec parser does).
    pub(crate) fn new(spec: String, config: ArenaConfig) -> Self {
        Self { spec, config }
    }

    /// The rules every task is played by.
    pub fn config(&self) -> &ArenaConfig {
        &self.config
    }

    /// Draws one task from `rng` (the goal's centre, two draws, then the
    /// environment's seed) and builds it; [`TaskDistribution::sample_task`]
    /// typed.
    pub fn sample(&self, rng: &mut Rng) -> ArenaEnv {
        let goal = self.config.shape.sample(self.config.goal_radius, rng);
        let seed = rng.random();
        ArenaEnv::new(self.spec.clone(), self.config, goal, seed)
            .expect("the spec parser admits only playable arena tasks")
    }
}

impl TaskDistribution for ArenaTasks {
    fn spec(&self) -> &str {
        &self.spec
    }

    fn observation_space(&self) -> Space {
        Space::uniform_box(0.0, 1.0, &[self.config.place_cells.len()])
    }

    fn action_space(&self) -> Space {
        self.config.actions.space()
    }

    fn task_variables(&self) -> Vec<TaskVariable> {
        GOAL_VARIABLES.to_vec()
    }

    fn sample_task(&self, rng: &mut Rng) -> Box<dyn Env> {
        Box::new(self.sample(rng))
    }
}
