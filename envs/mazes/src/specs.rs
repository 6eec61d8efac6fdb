//! The navigation ids, their parameters, and the builders the registry calls.

use lsnn_rl_env::{ParamInfo, Params, Registry, RegistryEntry, SpecError, TaskDistribution};

use crate::{
    ArenaActions, ArenaConfig, ArenaTasks, GridObservation, GridRules, GridTasks, Layouts,
    PlaceCells, Shape, Start,
};

/// The most cells per side of a grid or maze.
pub const MAX_SIZE: usize = 32;

/// The most layouts a pool may hold.
pub const MAX_POOL: usize = 100_000;

/// The most place cells of `arena-water`.
pub const MAX_PLACE_CELLS: usize = 10_000;

/// The largest reward or penalty a spec may set.
const MAX_PENALTY: f64 = 1000.0;

/// The widest place-cell tuning a spec may set.
const MAX_SIGMA: f64 = 10.0;

/// The names of `obs` for `maze-water-grid`.
const GRID_OBS: [&str; 3] = ["onehot", "coords", "cell"];

/// One registered environment: what the registry lists, and how to build it.
struct Entry {
    id: &'static str,
    description: &'static str,
    params: &'static [ParamInfo],
    build: fn(&Params) -> Result<Box<dyn TaskDistribution>, SpecError>,
}

const fn size(default: &'static str) -> ParamInfo {
    ParamInfo::new("size", default, "cells per side, 2 to 32")
}

const ENTRIES: [Entry; 3] = [
    Entry {
        id: "maze-water-grid",
        description: "open grid with a hidden goal cell; +1 at the goal, then a random restart (grid water maze)",
        params: &[
            size("7"),
            ParamInfo::new(
                "steps",
                "100",
                "steps per trial (one episode, truncated), at least 1",
            ),
            ParamInfo::new(
                "wall_penalty",
                "0",
                "reward subtracted when a wall blocks a move, 0 to 1000",
            ),
            ParamInfo::new(
                "obs",
                "onehot",
                "position code before the 4 wall bits: onehot (one-hot x, then one-hot y), coords (x, y scaled to [0,1]) or cell (one unit per cell, a place code)",
            ),
        ],
        build: |p| Ok(Box::new(water_grid(p)?)),
    },
    Entry {
        id: "maze-random",
        description: "random perfect maze with a hidden goal, local wall view, RL^2 rewards, 2 episodes per trial",
        params: &[
            size("5"),
            ParamInfo::new(
                "layouts",
                "train",
                "train|test: disjoint seeded pools of mazes; any: a fresh maze per trial",
            ),
            ParamInfo::new(
                "pool",
                "1000",
                "layouts per pool, 1 to 100000 (ignored with layouts=any)",
            ),
            ParamInfo::new(
                "episodes",
                "2",
                "episodes per trial, on the same maze and goal, at least 1",
            ),
            ParamInfo::new(
                "horizon",
                "250",
                "most steps per episode (then truncated), at least 1",
            ),
            ParamInfo::new(
                "start",
                "fixed",
                "fixed: one random start cell per trial; random: a new random start cell every episode",
            ),
            ParamInfo::new(
                "view",
                "0",
                "observe the wall bits of the (2 view + 1)^2 cells around the agent, 0 to size-1",
            ),
            ParamInfo::new(
                "step_cost",
                "0.04",
                "reward subtracted every step, 0 to 1000",
            ),
            ParamInfo::new(
                "wall_penalty",
                "0.001",
                "reward subtracted when a wall blocks a move, 0 to 1000",
            ),
        ],
        build: |p| Ok(Box::new(random_maze(p)?)),
    },
    Entry {
        id: "arena-water",
        description: "continuous Morris water maze: hidden goal disk, place-cell input; +1 at the goal, then a random restart",
        params: &[
            ParamInfo::new(
                "shape",
                "square",
                "square ([0,1]^2) or circle (radius 0.5 around (0.5,0.5))",
            ),
            ParamInfo::new(
                "goal_radius",
                "0.1",
                "radius of the goal disk, above 0 and below 0.5",
            ),
            ParamInfo::new(
                "actions",
                "discrete",
                "discrete: 8 headings clockwise from north; continuous: a velocity in [-1,1]^2",
            ),
            ParamInfo::new(
                "speed",
                "0.05",
                "distance of a full step, above 0 and at most 1",
            ),
            ParamInfo::new(
                "place_cells",
                "25",
                "number of place cells on a square grid: a perfect square, 1 to 10000",
            ),
            ParamInfo::new(
                "sigma",
                "0.15",
                "width of the place cells' Gaussian tuning, above 0 and at most 10",
            ),
            ParamInfo::new(
                "steps",
                "200",
                "steps per trial (one episode, truncated), at least 1",
            ),
        ],
        build: |p| Ok(Box::new(arena(p)?)),
    },
];

fn grid_size(params: &Params) -> Result<usize, SpecError> {
    let size = params.usize_at_least("size", 2)?;
    if size > MAX_SIZE {
        return Err(params.bad_value("size", format!("size must be at most {MAX_SIZE}")));
    }
    Ok(size)
}

fn usize_in(params: &Params, key: &str, min: usize, max: usize) -> Result<usize, SpecError> {
    let n = params.usize_at_least(key, min)?;
    if n > max {
        return Err(params.bad_value(key, format!("{key} must be at most {max}")));
    }
    Ok(n)
}

/// `key` as a number above `min` and below (or, when `max_included`, at
/// most) `max`.
fn f64_above(
    params: &Params,
    key: &str,
    min: f64,
    max: f64,
    max_included: bool,
) -> Result<f64, SpecError> {
    let x: f64 = params
        .text(key)?
        .parse()
        .map_err(|_| params.bad_value(key, "expected a number"))?;
    let below_max = if max_included { x <= max } else { x < max };
    if !(x > min && below_max) {
        let upper = if max_included { "at most" } else { "below" };
        return Err(params.bad_value(key, format!("{key} must be above {min} and {upper} {max}")));
    }
    Ok(x)
}

fn water_grid(params: &Params) -> Result<GridTasks, SpecError> {
    let size = grid_size(params)?;
    let steps = params.usize_at_least("steps", 1)?;
    let wall_penalty = params.f64_in("wall_penalty", 0.0, MAX_PENALTY)?;
    let observation = match params.choice("obs", &GRID_OBS)? {
        0 => GridObservation::OneHot,
        1 => GridObservation::Coords,
        _ => GridObservation::Cell,
    };
    let rules = GridRules::water_grid(observation, steps, wall_penalty);
    Ok(GridTasks::open_grid(params.canonical_spec(), size, rules))
}

fn random_maze(params: &Params) -> Result<GridTasks, SpecError> {
    let size = grid_size(params)?;
    let layouts = Layouts::ALL[params.choice("layouts", &Layouts::NAMES)?];
    let pool = usize_in(params, "pool", 1, MAX_POOL)?;
    let episodes = params.usize_at_least("episodes", 1)?;
    let horizon = params.usize_at_least("horizon", 1)?;
    let start = Start::ALL[params.choice("start", &Start::NAMES)?];
    let view = params
        .text("view")?
        .parse::<usize>()
        .ok()
        .filter(|&v| v < size)
        .ok_or_else(|| {
            params.bad_value(
                "view",
                format!(
                    "view must be a whole number from 0 to size-1 = {}",
                    size - 1
                ),
            )
        })?;
    let rules = GridRules {
        step_cost: params.f64_in("step_cost", 0.0, MAX_PENALTY)?,
        wall_penalty: params.f64_in("wall_penalty", 0.0, MAX_PENALTY)?,
        ..GridRules::rl2_maze(view, horizon)
    };
    GridTasks::mazes(
        params.canonical_spec(),
        size,
        rules,
        layouts,
        pool,
        start,
        episodes,
    )
    .map_err(|e| params.bad_value("size", e.to_string()))
}

fn arena(params: &Params) -> Result<ArenaTasks, SpecError> {
    let shape = Shape::ALL[params.choice("shape", &Shape::NAMES)?];
    let goal_radius = f64_above(params, "goal_radius", 0.0, 0.5, false)?;
    let actions = ArenaActions::ALL[params.choice("actions", &ArenaActions::NAMES)?];
    let speed = f64_above(params, "speed", 0.0, 1.0, true)?;
    let count = usize_in(params, "place_cells", 1, MAX_PLACE_CELLS)?;
    let side = (1..=count).find(|s| s * s >= count).unwrap_or(1);
    if side * side != count {
        return Err(params.bad_value(
            "place_cells",
            format!(
                "place_cells must be a perfect square (they tile a square grid), e.g. {} or {}",
                (side - 1) * (side - 1),
                side * side
            ),
        ));
    }
    let sigma = f64_above(params, "sigma", 0.0, MAX_SIGMA, true)?;
    let steps = params.usize_at_least("steps", 1)?;
    let config = ArenaConfig {
        shape,
        goal_radius,
        actions,
        speed,
        place_cells: PlaceCells { side, sigma },
        steps,
    };
    Ok(ArenaTasks::new(params.canonical_spec(), config))
}

/// Registers `maze-water-grid`, `maze-random` and `arena-water`.
///
/// Fails with [`SpecError::Duplicate`] if one of these ids is taken.
pub fn register(registry: &mut Registry) -> Result<(), SpecError> {
    for entry in &ENTRIES {
        registry.register(RegistryEntry::new(
            entry.id,
            entry.description,
            entry.params.to_vec(),
            entry.build,
        ))?;
    }
    Ok(())
}

/// Checks `spec` against a registry holding only this crate's ids.
fn params_of(spec: &str) -> Result<(Registry, Params), SpecError> {
    let mut registry = Registry::new();
    register(&mut registry)?;
    let params = registry.params(spec)?;
    Ok((registry, params))
}

impl GridTasks {
    /// The grid tasks a spec names, typed (the registry gives them boxed):
    /// `GridTasks::from_spec("maze-random:size=9,layouts=test")`. Accepts
    /// `maze-water-grid` and `maze-random`.
    pub fn from_spec(spec: &str) -> Result<Self, SpecError> {
        let (registry, params) = params_of(spec)?;
        match params.id() {
            "maze-water-grid" => water_grid(&params),
            "maze-random" => random_maze(&params),
            other => Err(SpecError::UnknownEnv {
                id: other.to_string(),
                valid: registry
                    .ids()
                    .into_iter()
                    .filter(|id| id.starts_with("maze-"))
                    .collect(),
            }),
        }
    }
}

impl ArenaTasks {
    /// The arena tasks a spec names, typed: `ArenaTasks::from_spec("arena-water:shape=circle")`.
    pub fn from_spec(spec: &str) -> Result<Self, SpecError> {
        let (_, params) = params_of(spec)?;
        match params.id() {
            "arena-water" => arena(&params),
            other => Err(SpecError::UnknownEnv {
                id: other.to_string(),
                valid: vec!["arena-water".into()],
            }),
        }
    }
}
