//! The continuous Morris water maze: an open arena with a hidden goal disk,
//! position given by place cells.

use lsnn_rl_env::{Action, Env, EnvError, Info, Rng, Space, Step, rng_from_seed};

mod geometry;

pub use geometry::{
    ArenaActions, CENTRE, HEADING_NAMES, HEADINGS, Point, Shape, angle_towards, heading_towards,
    heading_vector,
};
use geometry::{segment_distance, unit_towards};

/// A population of place cells with Gaussian tuning: `side x side` cells
/// centred at `((i + 0.5) / side, (j + 0.5) / side)`, cell `j * side + i`
/// (row `j` from north, column `i` from west), each firing
/// `exp(-d^2 / (2 sigma^2))` at distance `d` from its centre.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlaceCells {
    /// Cells per side of the grid of centres.
    pub side: usize,
    /// The width of every tuning curve.
    pub sigma: f64,
}

impl PlaceCells {
    /// Number of cells, `side^2`.
    pub fn len(&self) -> usize {
        self.side * self.side
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.side == 0
    }

    /// The centre of cell `index` (`j * side + i`).
    pub fn centre(&self, index: usize) -> Point {
        let side = self.side.max(1) as f64;
        let (i, j) = (index % self.side.max(1), index / self.side.max(1));
        Point::new((i as f64 + 0.5) / side, (j as f64 + 0.5) / side)
    }

    /// The firing of every cell at `p`, each in `[0, 1]`.
    pub fn encode(&self, p: Point) -> Vec<f32> {
        let two_var = 2.0 * self.sigma * self.sigma;
        (0..self.len())
            .map(|index| {
                let c = self.centre(index);
                let d2 = (p.x - c.x).powi(2) + (p.y - c.y).powi(2);
                ((-d2 / two_var).exp() as f32).clamp(0.0, 1.0)
            })
            .collect()
    }
}

/// The rules of an arena task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArenaConfig {
    /// The outline.
    pub shape: Shape,
    /// The radius of the goal disk, in `(0, 0.5)`.
    pub goal_radius: f64,
    /// How the agent moves.
    pub actions: ArenaActions,
    /// The length of a full step.
    pub speed: f64,
    /// What the agent sees.
    pub place_cells: PlaceCells,
    /// Steps per trial (one episode, truncated after the last step).
    pub steps: usize,
}

impl ArenaConfig {
    /// Why these rules cannot be played, if they cannot.
    fn problem(&self) -> Option<String> {
        let r = self.goal_radius;
        if !(r > 0.0 && r < 0.5) {
            return Some(format!("a goal radius of {r}; it must lie in (0, 0.5)"));
        }
        if !(self.speed.is_finite() && self.speed > 0.0) {
            return Some(format!(
                "a speed of {}; it must be finite and above 0",
                self.speed
            ));
        }
        let sigma = self.place_cells.sigma;
        if self.place_cells.is_empty() || !(sigma.is_finite() && sigma > 0.0) {
            return Some(format!(
                "{} place cells with sigma {sigma}; use at least 1 cell and a finite sigma above 0",
                self.place_cells.len()
            ));
        }
        (self.steps == 0).then(|| "trials of 0 steps; use at least 1".into())
    }
}

#[derive(Clone, Copy, Debug)]
struct Episode {
    position: Point,
    steps: usize,
    segment_shortest: usize,
    segment_steps: usize,
    over: bool,
}

/// One arena task: a goal disk hidden from the agent. Reaching it pays +1
/// and puts the agent at a random point outside it; the trial is one episode
/// of `steps` steps, truncated at the end.
///
/// A move reaches the goal when the straight segment from the old to the new
/// position comes within `goal_radius` of the goal's centre. Moves that would
/// leave the arena are projected back onto it ([`Shape::project`]) and count
/// as a `bump`.
///
/// Every step's info holds, in order: `x`, `y` (after the step, after a
/// respawn), `goal_x`, `goal_y` (the goal's centre), `distance` (from `x, y`
/// to the goal disk's edge, 0 inside), `goal_reached`, `bump`,
/// `shortest_path` (the steps a straight run at full speed needs from where
/// the current segment began, `ceil(edge distance / speed)`), `segment_steps`
/// (moves made in that segment, this one included), and the oracle's move
/// from `x, y`: `best_action` (the nearest heading) with discrete actions, or
/// `best_dx`, `best_dy` (the unit velocity towards the goal's centre) with
/// continuous ones. The reset info holds `x`, `y`, `goal_x`, `goal_y`,
/// `distance`, `shortest_path` and the oracle's move.
#[derive(Clone, Debug)]
pub struct ArenaEnv {
    name: String,
    config: ArenaConfig,
    goal: Point,
    rng: Rng,
    observation_space: Space,
    action_space: Space,
    episode: Option<Episode>,
}

impl ArenaEnv {
    /// A task named `name` with the goal disk centred at `goal`; starts and
    /// respawns are drawn from a generator seeded by `seed`.
    ///
    /// Fails when the configuration is out of range or the goal disk does not
    /// lie fully inside the arena.
    pub fn new(
        name: impl Into<String>,
        config: ArenaConfig,
        goal: Point,
        seed: u64,
    ) -> Result<Self, EnvError> {
        let name = name.into();
        let problem = config.problem().or_else(|| {
            (!config.shape.contains_disk(goal, config.goal_radius)).then(|| {
                format!(
                    "a goal of radius {} at ({}, {}), not fully inside the {:?} arena",
                    config.goal_radius, goal.x, goal.y, config.shape
                )
            })
        });
        if let Some(what) = problem {
            return Err(EnvError::Unsupported { env: name, what });
        }
        Ok(Self {
            observation_space: Space::uniform_box(0.0, 1.0, &[config.place_cells.len()]),
            action_space: config.actions.space(),
            name,
            config,
            goal,
            rng: rng_from_seed(seed),
            episode: None,
        })
    }

    /// The rules.
    pub fn config(&self) -> &ArenaConfig {
        &self.config
    }

    /// The centre of the goal disk (hidden from the agent).
    pub fn goal(&self) -> Point {
        self.goal
    }

    /// The radius of the goal disk.
    pub fn goal_radius(&self) -> f64 {
        self.config.goal_radius
    }

    /// The agent's position; `None` before the first reset.
    pub fn position(&self) -> Option<Point> {
        self.episode.map(|e| e.position)
    }

    /// Whether `p` lies in the goal disk.
    pub fn in_goal(&self, p: Point) -> bool {
        p.distance(self.goal) <= self.config.goal_radius
    }

    /// The distance from `p` to the goal disk's edge (0 inside).
    pub fn distance_to_goal(&self, p: Point) -> f64 {
        (p.distance(self.goal) - self.config.goal_radius).max(0.0)
    }

    /// The steps a straight run at full speed needs from `p` to the goal
    /// disk: `ceil(distance / speed)`, 0 inside. A lower bound with discrete
    /// headings, whose directions are 45 degrees apart.
    pub fn steps_to_goal(&self, p: Point) -> usize {
        let d = self.distance_to_goal(p);
        if d <= 0.0 {
            0
        } else {
            ((d / self.config.speed - 1e-9).ceil().max(1.0)) as usize
        }
    }

    /// The oracle's move from `p`: the heading nearest the goal's centre, or
    /// the unit velocity towards it (north when `p` is the centre).
    pub fn best_action(&self, p: Point) -> Action {
        match self.config.actions {
            ArenaActions::Discrete => Action::Discrete(heading_towards(p, self.goal)),
            ArenaActions::Continuous => {
                let (dx, dy) = unit_towards(p, self.goal);
                Action::Continuous(vec![dx as f32, dy as f32])
            }
        }
    }

    /// A uniformly random point of the arena outside the goal disk: rejection
    /// sampling, falling back after 1000 draws to the point farthest from the
    /// goal (only reachable with a goal that covers nearly all of a circle).
    fn random_start(&mut self) -> Point {
        for _ in 0..1000 {
            let p = self.config.shape.sample(0.0, &mut self.rng);
            if !self.in_goal(p) {
                return p;
            }
        }
        self.config.shape.farthest_from(self.goal)
    }

    /// The displacement of a valid `action`, or `None` for an invalid one.
    fn displacement(&self, action: &Action) -> Option<(f64, f64)> {
        let speed = self.config.speed;
        match (self.config.actions, action) {
            (ArenaActions::Discrete, Action::Discrete(k)) if *k < HEADINGS => {
                let (dx, dy) = heading_vector(*k);
                Some((speed * dx, speed * dy))
            }
            (ArenaActions::Continuous, Action::Continuous(v))
                if self.action_space.contains(action) =>
            {
                Some((speed * f64::from(v[0]), speed * f64::from(v[1])))
            }
            _ => None,
        }
    }

    fn info(&self, at: Point) -> Info {
        Info::new()
            .with("x", at.x)
            .with("y", at.y)
            .with("goal_x", self.goal.x)
            .with("goal_y", self.goal.y)
            .with("distance", self.distance_to_goal(at))
    }

    fn with_best_action(&self, mut info: Info, at: Point) -> Info {
        match self.best_action(at) {
            Action::Discrete(k) => info.set("best_action", k as f64),
            Action::Continuous(v) => {
                info.set("best_dx", f64::from(v[0]));
                info.set("best_dy", f64::from(v[1]));
            }
        }
        info
    }
}

impl Env for ArenaEnv {
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
        Some(self.config.steps)
    }

    fn reset(&mut self, seed: Option<u64>) -> (Vec<f32>, Info) {
        if let Some(seed) = seed {
            self.rng = rng_from_seed(seed);
        }
        let start = self.random_start();
        let shortest = self.steps_to_goal(start);
        self.episode = Some(Episode {
            position: start,
            steps: 0,
            segment_shortest: shortest,
            segment_steps: 0,
            over: false,
        });
        let info = self.info(start).with("shortest_path", shortest as f64);
        (
            self.config.place_cells.encode(start),
            self.with_best_action(info, start),
        )
    }

    fn step(&mut self, action: &Action) -> Result<Step, EnvError> {
        let mut episode = EnvError::running(&self.name, self.episode, |e| e.over)?;
        let (dx, dy) = self
            .displacement(action)
            .ok_or_else(|| EnvError::invalid_action(&self.name, action, &self.action_space))?;
        let from = episode.position;
        let wanted = Point::new(from.x + dx, from.y + dy);
        let to = self.config.shape.project(wanted);
        let bump = to != wanted;
        let reached = segment_distance(from, to, self.goal) <= self.config.goal_radius;
        episode.steps += 1;
        episode.segment_steps += 1;
        let (segment_shortest, segment_steps) = (episode.segment_shortest, episode.segment_steps);
        episode.position = to;
        let mut reward = 0.0;
        if reached {
            reward = 1.0;
            let start = self.random_start();
            episode.position = start;
            episode.segment_shortest = self.steps_to_goal(start);
            episode.segment_steps = 0;
        }
        let truncated = episode.steps >= self.config.steps;
        episode.over = truncated;
        self.episode = Some(episode);

        let at = episode.position;
        let info = self
            .info(at)
            .with("goal_reached", if reached { 1.0 } else { 0.0 })
            .with("bump", if bump { 1.0 } else { 0.0 })
            .with("shortest_path", segment_shortest as f64)
            .with("segment_steps", segment_steps as f64);
        Ok(Step {
            obs: self.config.place_cells.encode(at),
            reward,
            terminated: false,
            truncated,
            info: self.with_best_action(info, at),
        })
    }
}

#[cfg(test)]
mod tests;
