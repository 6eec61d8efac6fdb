//! The continuous Morris water maze: an open arena with a hidden goal disk,
//! position given by place cells.

use std::f64::consts::{FRAC_PI_4, TAU};

use rand::Rng as _;

use lsnn_rl_env::{Action, Env, EnvError, Info, Rng, Space, Step, rng_from_seed};

/// Number of headings of the discrete action space.
pub const HEADINGS: usize = 8;

/// The names of the headings, in action-index order (clockwise from north).
pub const HEADING_NAMES: [&str; HEADINGS] = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"];

/// A point of the arena. As on the grids, `x` grows east and `y` grows
/// south (north is `y = 0`), so a renderer draws both the same way.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// West to east, 0 to 1.
    pub x: f64,
    /// North to south, 0 to 1.
    pub y: f64,
}

impl Point {
    /// The point `(x, y)`.
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    /// The Euclidean distance to `other`.
    pub fn distance(self, other: Point) -> f64 {
        (self.x - other.x).hypot(self.y - other.y)
    }
}

/// The centre of the arena (and of the circular arena's disk).
pub const CENTRE: Point = Point::new(0.5, 0.5);

/// The outline of the arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// The unit square `[0, 1]^2`.
    Square,
    /// The disk of radius 0.5 centred on `(0.5, 0.5)`.
    Circle,
}

/// Slack for rounding when checking that a projected point lies inside.
const SLACK: f64 = 1e-9;

impl Shape {
    /// Every shape, in the order of [`Shape::NAMES`].
    pub const ALL: [Shape; 2] = [Self::Square, Self::Circle];
    /// The names users type, in the order of [`Shape::ALL`].
    pub const NAMES: [&'static str; 2] = ["square", "circle"];

    /// Whether `p` lies in the arena (up to 1e-9 of rounding).
    pub fn contains(self, p: Point) -> bool {
        match self {
            Self::Square => {
                (-SLACK..=1.0 + SLACK).contains(&p.x) && (-SLACK..=1.0 + SLACK).contains(&p.y)
            }
            Self::Circle => p.distance(CENTRE) <= 0.5 + SLACK,
        }
    }

    /// Whether the disk of `radius` around `centre` lies fully in the arena.
    pub fn contains_disk(self, centre: Point, radius: f64) -> bool {
        match self {
            Self::Square => [centre.x, centre.y]
                .iter()
                .all(|&c| c - radius >= -SLACK && c + radius <= 1.0 + SLACK),
            Self::Circle => centre.distance(CENTRE) + radius <= 0.5 + SLACK,
        }
    }

    /// The point of the arena nearest `p`: `p` itself when inside, else the
    /// square clamped or the point pushed back onto the circle.
    pub fn project(self, p: Point) -> Point {
        match self {
            Self::Square => Point::new(p.x.clamp(0.0, 1.0), p.y.clamp(0.0, 1.0)),
            Self::Circle => {
                let r = p.distance(CENTRE);
                if r <= 0.5 {
                    p
                } else {
                    let scale = 0.5 / r;
                    Point::new(
                        CENTRE.x + (p.x - CENTRE.x) * scale,
                        CENTRE.y + (p.y - CENTRE.y) * scale,
                    )
                }
            }
        }
    }

    /// A uniformly random point of the arena shrunk by `margin` (the centres
    /// of disks of radius `margin` that fit inside): two draws.
    pub fn sample(self, margin: f64, rng: &mut Rng) -> Point {
        let (u, v): (f64, f64) = (rng.random(), rng.random());
        match self {
            Self::Square => Point::new(
                margin + u * (1.0 - 2.0 * margin),
                margin + v * (1.0 - 2.0 * margin),
            ),
            Self::Circle => {
                let r = (0.5 - margin).max(0.0) * u.sqrt();
                let angle = v * TAU;
                Point::new(CENTRE.x + r * angle.sin(), CENTRE.y - r * angle.cos())
            }
        }
    }

    /// The point of the arena farthest from `p` (a corner of the square, or
    /// the boundary point of the circle opposite `p`).
    fn farthest_from(self, p: Point) -> Point {
        match self {
            Self::Square => Point::new(
                if p.x < 0.5 { 1.0 } else { 0.0 },
                if p.y < 0.5 { 1.0 } else { 0.0 },
            ),
            Self::Circle => {
                let r = p.distance(CENTRE);
                if r < 1e-12 {
                    Point::new(0.5, 0.0)
                } else {
                    Point::new(
                        CENTRE.x - (p.x - CENTRE.x) * 0.5 / r,
                        CENTRE.y - (p.y - CENTRE.y) * 0.5 / r,
                    )
                }
            }
        }
    }
}

/// How the agent moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArenaActions {
    /// `Discrete(8)`: heading `k` moves `speed` towards angle `k * 45`
    /// degrees clockwise from north: 0 N, 1 NE, 2 E, 3 SE, 4 S, 5 SW, 6 W, 7 NW.
    Discrete,
    /// A `Box([-1, 1]^2)` velocity `(vx, vy)`; the agent moves by
    /// `speed * (vx, vy)` (`vy > 0` is south).
    Continuous,
}

impl ArenaActions {
    /// Every kind, in the order of [`ArenaActions::NAMES`].
    pub const ALL: [ArenaActions; 2] = [Self::Discrete, Self::Continuous];
    /// The names users type, in the order of [`ArenaActions::ALL`].
    pub const NAMES: [&'static str; 2] = ["discrete", "continuous"];

    /// The action space.
    pub fn space(self) -> Space {
        match self {
            Self::Discrete => Space::discrete(HEADINGS),
            Self::Continuous => Space::uniform_box(-1.0, 1.0, &[2]),
        }
    }
}

/// The unit step of heading `k` (0 north, clockwise in steps of 45 degrees):
/// `(sin(k pi/4), -cos(k pi/4))`.
pub fn heading_vector(k: usize) -> (f64, f64) {
    let angle = (k % HEADINGS) as f64 * FRAC_PI_4;
    (angle.sin(), -angle.cos())
}

/// The angle from `from` towards `to`, in radians clockwise from north, in
/// `[0, 2 pi)`; 0 when the points coincide.
pub fn angle_towards(from: Point, to: Point) -> f64 {
    let angle = (to.x - from.x).atan2(from.y - to.y);
    if angle < 0.0 { angle + TAU } else { angle }
}

/// The heading (0 to 7) nearest the direction from `from` to `to`.
pub fn heading_towards(from: Point, to: Point) -> usize {
    ((angle_towards(from, to) / FRAC_PI_4).round() as usize) % HEADINGS
}

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

/// The unit vector from `from` towards `to` (north when they coincide).
fn unit_towards(from: Point, to: Point) -> (f64, f64) {
    let angle = angle_towards(from, to);
    (angle.sin(), -angle.cos())
}

/// The distance from `c` to the segment from `a` to `b`.
fn segment_distance(a: Point, b: Point, c: Point) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((c.x - a.x) * dx + (c.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    c.distance(Point::new(a.x + t * dx, a.y + t * dy))
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
        let Some(mut episode) = self.episode else {
            return Err(EnvError::NotReset {
                env: self.name.clone(),
            });
        };
        if episode.over {
            return Err(EnvError::EpisodeOver {
                env: self.name.clone(),
            });
        }
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
