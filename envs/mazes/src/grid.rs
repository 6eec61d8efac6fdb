//! One navigation task on a grid: a layout, a hidden goal cell, and the rules
//! of `maze-water-grid` and `maze-random`.

use rand::Rng as _;

use lsnn_rl_env::{Action, Env, EnvError, Info, Rng, Space, Step, rng_from_seed};

use crate::layout::first_step;
use crate::{Cell, Direction, Layout};

/// The most cells per side a view patch may reach out (`view`); larger views
/// would only repeat the solid outside.
pub const MAX_VIEW: usize = 31;

/// What a grid environment shows the agent. Every element is 0 or 1 (or, for
/// [`GridObservation::Coords`], in `[0, 1]`); wall bits are in direction
/// order north, east, south, west, 1 where a wall blocks that way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GridObservation {
    /// `2 * size + 4` floats: the one-hot column `x` (`size` floats), the
    /// one-hot row `y` (`size` floats), then the agent cell's four wall bits.
    OneHot,
    /// `size^2 + 4` floats: a place code, one unit per cell (row by row from
    /// `(0, 0)`), 1 for the agent's cell, then its four wall bits. Each
    /// position has an input of its own, so "the goal is here" can be tied
    /// to one input rather than to a conjunction of a row and a column.
    Cell,
    /// 6 floats: `x / (size - 1)`, `y / (size - 1)`, then the agent cell's
    /// four wall bits.
    Coords,
    /// `4 * (2 * view + 1)^2` floats, no position: the four wall bits of every
    /// cell of the `(2 view + 1) x (2 view + 1)` patch centred on the agent,
    /// row by row from the north-west corner of the patch (`dy` from `-view`
    /// to `view`, and within a row `dx` from `-view` to `view`); a patch cell
    /// off the grid reads as four walls. `view = 0` is the agent's own four
    /// wall bits.
    Local {
        /// How many cells the patch reaches out from the agent, 0 to [`MAX_VIEW`].
        view: usize,
    },
}

impl GridObservation {
    /// Floats per observation on a grid of `size` cells per side.
    pub fn len(self, size: usize) -> usize {
        match self {
            Self::OneHot => 2 * size + 4,
            Self::Cell => size * size + 4,
            Self::Coords => 6,
            Self::Local { view } => 4 * (2 * view + 1) * (2 * view + 1),
        }
    }

    /// The observation space on a grid of `size` cells per side: `[0, 1]`
    /// for every element.
    pub fn space(self, size: usize) -> Space {
        Space::uniform_box(0.0, 1.0, &[self.len(size)])
    }

    /// What the agent sees at `cell` of `layout`.
    pub fn encode(self, layout: &Layout, cell: Cell) -> Vec<f32> {
        let bits = |c: Cell| layout.walls_around(c).map(|w| if w { 1.0 } else { 0.0 });
        let size = layout.size();
        let mut obs = Vec::with_capacity(self.len(size));
        match self {
            Self::OneHot => {
                obs.resize(2 * size, 0.0);
                obs[cell.x] = 1.0;
                obs[size + cell.y] = 1.0;
                obs.extend(bits(cell));
            }
            Self::Cell => {
                obs.resize(size * size, 0.0);
                obs[cell.y * size + cell.x] = 1.0;
                obs.extend(bits(cell));
            }
            Self::Coords => {
                let scale = size.saturating_sub(1).max(1) as f32;
                obs.push(cell.x as f32 / scale);
                obs.push(cell.y as f32 / scale);
                obs.extend(bits(cell));
            }
            Self::Local { view } => {
                let v = view as isize;
                for dy in -v..=v {
                    for dx in -v..=v {
                        let x = cell.x as isize + dx;
                        let y = cell.y as isize + dy;
                        let inside = x >= 0 && y >= 0 && (x as usize) < size && (y as usize) < size;
                        if inside {
                            obs.extend(bits(Cell::new(x as usize, y as usize)));
                        } else {
                            obs.extend([1.0; 4]);
                        }
                    }
                }
            }
        }
        obs
    }
}

/// What happens when the agent steps onto the goal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnGoal {
    /// The water maze: the agent is moved to a uniformly random cell other
    /// than the goal and the episode goes on.
    Respawn,
    /// The RL^2 maze: the episode ends (`terminated`), the agent on the goal.
    Terminate,
}

/// The rules of a grid task: what the agent sees, how it is paid, and how
/// long an episode lasts.
///
/// The reward of a step is `-step_cost`, minus `wall_penalty` when a wall
/// blocked the move (the agent stays), plus `goal_reward` when the move
/// reached the goal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridRules {
    /// What the agent sees.
    pub observation: GridObservation,
    /// What happens at the goal.
    pub on_goal: OnGoal,
    /// Paid for reaching the goal.
    pub goal_reward: f64,
    /// Charged for every step.
    pub step_cost: f64,
    /// Charged for a move a wall blocks.
    pub wall_penalty: f64,
    /// Steps per episode; the episode is truncated after the last one.
    pub episode_steps: usize,
}

impl GridRules {
    /// `maze-water-grid`: +1 at the goal and a respawn, `wall_penalty` per
    /// bump, no step cost, one episode of `steps` steps.
    pub fn water_grid(observation: GridObservation, steps: usize, wall_penalty: f64) -> Self {
        Self {
            observation,
            on_goal: OnGoal::Respawn,
            goal_reward: 1.0,
            step_cost: 0.0,
            wall_penalty,
            episode_steps: steps,
        }
    }

    /// `maze-random` (RL^2): +1 at the goal, which ends the episode; 0.04
    /// per step and 0.001 per bump; episodes of at most `horizon` steps.
    pub fn rl2_maze(view: usize, horizon: usize) -> Self {
        Self {
            observation: GridObservation::Local { view },
            on_goal: OnGoal::Terminate,
            goal_reward: 1.0,
            step_cost: 0.04,
            wall_penalty: 0.001,
            episode_steps: horizon,
        }
    }

    /// Why these rules cannot be played, if they cannot.
    fn problem(&self) -> Option<String> {
        let numbers = [self.goal_reward, self.step_cost, self.wall_penalty];
        if !numbers.iter().all(|x| x.is_finite()) {
            return Some(format!("rewards {numbers:?}; each must be finite"));
        }
        if self.episode_steps == 0 {
            return Some("episodes of 0 steps; use at least 1".into());
        }
        match self.observation {
            GridObservation::Local { view } if view > MAX_VIEW => {
                Some(format!("a view of {view}; use at most {MAX_VIEW}"))
            }
            _ => None,
        }
    }
}

/// Where an episode stands.
#[derive(Clone, Copy, Debug)]
struct Episode {
    position: Cell,
    steps: usize,
    /// Shortest path from the cell the current segment (episode start or
    /// respawn) began on.
    segment_shortest: usize,
    /// Steps taken since the segment began.
    segment_steps: usize,
    over: bool,
}

/// A grid navigation task: a [`Layout`], a goal cell hidden from the agent,
/// and [`GridRules`]. Actions are `Discrete(4)`: 0 north, 1 east, 2 south,
/// 3 west ([`Direction`]).
///
/// Every step's info holds, in order: `x`, `y` (the agent's cell after the
/// step, after a respawn), `goal_x`, `goal_y`, `distance` (shortest-path
/// steps from `x, y` to the goal), `goal_reached` (1 when the move reached
/// the goal), `bump` (1 when a wall blocked the move), `shortest_path`
/// (shortest-path steps from where the segment this move belongs to began:
/// the episode start or the last respawn), `segment_steps` (moves made in
/// that segment, this one included) and `best_action` (the first move of a
/// shortest path from `x, y`, by [`Layout::next_step_towards`]; absent when
/// the agent stands on the goal). The reset info holds `x`, `y`, `goal_x`,
/// `goal_y`, `distance`, `shortest_path` and `best_action`.
#[derive(Clone, Debug)]
pub struct GridEnv {
    name: String,
    layout: Layout,
    goal: Cell,
    fixed_start: Option<Cell>,
    rules: GridRules,
    to_goal: Vec<usize>,
    rng: Rng,
    observation_space: Space,
    action_space: Space,
    episode: Option<Episode>,
}

impl GridEnv {
    /// A task named `name` (used in errors and logs) on `layout` with its
    /// goal at `goal`. Each episode starts at `fixed_start`, or, when it is
    /// `None`, at a uniformly random cell other than the goal drawn from the
    /// environment's generator, seeded by `seed`.
    ///
    /// Fails when the layout has fewer than 2 cells, the goal or start lies
    /// off the grid, the start is the goal, some cell cannot reach the goal,
    /// or the rules are out of range.
    pub fn new(
        name: impl Into<String>,
        layout: Layout,
        goal: Cell,
        fixed_start: Option<Cell>,
        rules: GridRules,
        seed: u64,
    ) -> Result<Self, EnvError> {
        let name = name.into();
        let unsupported = |what: String| EnvError::Unsupported {
            env: name.clone(),
            what,
        };
        if layout.cell_count() < 2 {
            return Err(unsupported(format!(
                "a grid of {} cells; use at least 2 cells per side",
                layout.cell_count()
            )));
        }
        if !layout.contains(goal) {
            return Err(unsupported(format!("a goal at {goal}, off the grid")));
        }
        if let Some(start) = fixed_start.filter(|&s| !layout.contains(s) || s == goal) {
            return Err(unsupported(format!(
                "a start at {start}; it must lie on the grid and differ from the goal {goal}"
            )));
        }
        if let Some(what) = rules.problem() {
            return Err(unsupported(what));
        }
        let Some(to_goal) = layout.distances_from(goal).into_iter().collect() else {
            return Err(unsupported(format!(
                "a layout where some cells cannot reach the goal {goal}"
            )));
        };
        Ok(Self {
            observation_space: rules.observation.space(layout.size()),
            action_space: Space::discrete(4),
            name,
            layout,
            goal,
            fixed_start,
            rules,
            to_goal,
            rng: rng_from_seed(seed),
            episode: None,
        })
    }

    /// The walls.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The goal cell (hidden from the agent).
    pub fn goal(&self) -> Cell {
        self.goal
    }

    /// The start cell of every episode, when it is fixed for the task.
    pub fn fixed_start(&self) -> Option<Cell> {
        self.fixed_start
    }

    /// The rules.
    pub fn rules(&self) -> &GridRules {
        &self.rules
    }

    /// The agent's cell; `None` before the first reset.
    pub fn position(&self) -> Option<Cell> {
        self.episode.map(|e| e.position)
    }

    /// Steps taken in the current episode; `None` before the first reset.
    pub fn steps_taken(&self) -> Option<usize> {
        self.episode.map(|e| e.steps)
    }

    /// Shortest-path steps from `cell` to the goal; `None` off the grid.
    pub fn distance_to_goal(&self, cell: Cell) -> Option<usize> {
        if !self.layout.contains(cell) {
            return None;
        }
        self.to_goal.get(self.layout.index_of(cell)).copied()
    }

    /// The first move of a shortest path from `cell` to the goal (the lowest
    /// action index among equally short ones); `None` on the goal or off the
    /// grid. What an oracle plays.
    pub fn best_action(&self, cell: Cell) -> Option<Direction> {
        first_step(&self.layout, cell, |c| {
            self.to_goal.get(self.layout.index_of(c)).copied()
        })
    }

    /// A uniformly random cell other than the goal: one draw.
    fn random_non_goal_cell(&mut self) -> Cell {
        let n = self.layout.cell_count();
        let goal = self.layout.index_of(self.goal);
        let mut index = self.rng.random_range(0..n - 1);
        if index >= goal {
            index += 1;
        }
        self.layout.cell_at(index)
    }

    fn distance(&self, cell: Cell) -> usize {
        self.to_goal[self.layout.index_of(cell)]
    }

    fn info(&self, at: Cell) -> Info {
        Info::new()
            .with("x", at.x as f64)
            .with("y", at.y as f64)
            .with("goal_x", self.goal.x as f64)
            .with("goal_y", self.goal.y as f64)
            .with("distance", self.distance(at) as f64)
    }

    fn with_best_action(&self, mut info: Info, at: Cell) -> Info {
        if let Some(dir) = self.best_action(at) {
            info.set("best_action", dir.index() as f64);
        }
        info
    }
}

impl Env for GridEnv {
    fn name(&self) -> &str {
        &self.name
    }

    fn observation_space(&self) -> &Space {
        &self.observation_space
    }

    fn action_space(&self) -> &Space {
        &self.action_space
    }

    fn max_episode_steps(&self) -> Option<usize> {
        Some(self.rules.episode_steps)
    }

    fn reset(&mut self, seed: Option<u64>) -> (Vec<f32>, Info) {
        if let Some(seed) = seed {
            self.rng = rng_from_seed(seed);
        }
        let start = match self.fixed_start {
            Some(start) => start,
            None => self.random_non_goal_cell(),
        };
        let shortest = self.distance(start);
        self.episode = Some(Episode {
            position: start,
            steps: 0,
            segment_shortest: shortest,
            segment_steps: 0,
            over: false,
        });
        let info = self.info(start).with("shortest_path", shortest as f64);
        (
            self.rules.observation.encode(&self.layout, start),
            self.with_best_action(info, start),
        )
    }

    fn step(&mut self, action: &Action) -> Result<Step, EnvError> {
        let mut episode = EnvError::running(&self.name, self.episode, |e| e.over)?;
        let dir = match action {
            Action::Discrete(index) => Direction::from_index(*index),
            Action::Continuous(_) => None,
        }
        .ok_or_else(|| EnvError::invalid_action(&self.name, action, &self.action_space))?;

        let moved_to = self.layout.neighbour(episode.position, dir);
        let bump = moved_to.is_none();
        let next = moved_to.unwrap_or(episode.position);
        let reached = next == self.goal;
        episode.steps += 1;
        episode.segment_steps += 1;
        let (segment_shortest, segment_steps) = (episode.segment_shortest, episode.segment_steps);

        let mut reward = 0.0 - self.rules.step_cost;
        if bump {
            reward -= self.rules.wall_penalty;
        }
        let mut terminated = false;
        episode.position = next;
        if reached {
            reward += self.rules.goal_reward;
            match self.rules.on_goal {
                OnGoal::Terminate => terminated = true,
                OnGoal::Respawn => {
                    let cell = self.random_non_goal_cell();
                    episode.position = cell;
                    episode.segment_shortest = self.distance(cell);
                    episode.segment_steps = 0;
                }
            }
        }
        let truncated = !terminated && episode.steps >= self.rules.episode_steps;
        episode.over = terminated || truncated;
        self.episode = Some(episode);

        let at = episode.position;
        let info = self
            .info(at)
            .with("goal_reached", if reached { 1.0 } else { 0.0 })
            .with("bump", if bump { 1.0 } else { 0.0 })
            .with("shortest_path", segment_shortest as f64)
            .with("segment_steps", segment_steps as f64);
        Ok(Step {
            obs: self.rules.observation.encode(&self.layout, at),
            reward,
            terminated,
            truncated,
            info: self.with_best_action(info, at),
        })
    }
}

#[cfg(test)]
mod tests;
