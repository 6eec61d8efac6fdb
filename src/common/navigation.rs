//! The navigation task of one evaluation trial, typed (a grid maze or an
//! arena), for `render` and the path pictures.

use anyhow::bail;
use lsnn_rl_env::{Info, derive_seed, rng_from_seed};
use lsnn_rl_mazes::{ArenaEnv, ArenaTasks, GridEnv, GridTasks};

/// The task of one trial, typed.
pub enum Task {
    /// A grid maze (maze-water-grid, maze-random).
    Grid(GridEnv),
    /// The continuous arena (arena-water).
    Arena(ArenaEnv),
}

/// A point of the plane: a cell's column and row, or an arena position.
pub type Xy = (f64, f64);

/// The task `start_eval_trial` draws for trial `trial` of seed `seed`, typed:
/// the same generator, the same draws.
pub fn typed_task(spec: &str, seed: u64, trial: u64) -> anyhow::Result<Task> {
    let mut rng = rng_from_seed(derive_seed(seed, trial));
    if let Ok(tasks) = GridTasks::from_spec(spec) {
        return Ok(Task::Grid(tasks.sample(&mut rng)));
    }
    if let Ok(tasks) = ArenaTasks::from_spec(spec) {
        return Ok(Task::Arena(tasks.sample(&mut rng)));
    }
    bail!("render draws maze-water-grid, maze-random and arena-water; {spec} is none of them")
}

/// The position `(x, y)` an info reports, if it does.
pub fn xy(info: &Info) -> Option<Xy> {
    Some((info.get("x")?, info.get("y")?))
}
