//! The grid explorer: a map of the cells and walls it has seen, a
//! nearest-unvisited-cell search, and the shortest known path back to the
//! goal once it has found it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use lsnn_rl_env::{Action, GOAL_REACHED, Info, Policy, Rng, Space, Step};
use rand::Rng as _;

use super::{BUMP, episode_restarts, flag, no_position, position};

/// A cell: column `x` (east), row `y` (south).
type Pos = (usize, usize);

/// The moves in action order, as `(dx, dy)`: north, east, south, west.
const MOVES: [(isize, isize); 4] = [(0, -1), (1, 0), (0, 1), (-1, 0)];

/// The cell next to `pos` in direction `dir`; `None` off the north or west
/// edge (coordinates are never negative).
fn step_from(pos: Pos, dir: usize) -> Option<Pos> {
    let (dx, dy) = MOVES[dir];
    Some((pos.0.checked_add_signed(dx)?, pos.1.checked_add_signed(dy)?))
}

/// What the explorer knows of one side of a cell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Side {
    /// Never seen.
    #[default]
    Unknown,
    /// Open (`felt`: learned by moving through it, else read from the
    /// observation's wall bits).
    Open { felt: bool },
    /// Walled (`felt`: learned by bumping into it).
    Wall { felt: bool },
}

impl Side {
    fn felt(self) -> bool {
        matches!(self, Side::Open { felt: true } | Side::Wall { felt: true })
    }

    fn open(self) -> Option<bool> {
        match self {
            Side::Unknown => None,
            Side::Open { .. } => Some(true),
            Side::Wall { .. } => Some(false),
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct CellMemory {
    visited: bool,
    sides: [Side; 4],
}

/// The map: every cell from `(0, 0)` to the farthest one seen, growing as
/// the explorer meets new cells.
#[derive(Clone, Debug, Default)]
struct Map {
    width: usize,
    height: usize,
    cells: Vec<CellMemory>,
}

impl Map {
    fn index(&self, (x, y): Pos) -> Option<usize> {
        (x < self.width && y < self.height).then(|| y * self.width + x)
    }

    fn get(&self, pos: Pos) -> CellMemory {
        self.index(pos).map(|i| self.cells[i]).unwrap_or_default()
    }

    /// Grows the map to hold `pos`.
    fn include(&mut self, (x, y): Pos) {
        if x < self.width && y < self.height {
            return;
        }
        let (width, height) = (self.width.max(x + 1), self.height.max(y + 1));
        let mut cells = vec![CellMemory::default(); width * height];
        for yy in 0..self.height {
            for xx in 0..self.width {
                cells[yy * width + xx] = self.cells[yy * self.width + xx];
            }
        }
        (self.width, self.height, self.cells) = (width, height, cells);
    }

    fn cell_mut(&mut self, pos: Pos) -> &mut CellMemory {
        self.include(pos);
        let i = self.index(pos).expect("just included");
        &mut self.cells[i]
    }

    fn visit(&mut self, pos: Pos) {
        self.cell_mut(pos).visited = true;
    }

    /// Records side `dir` of `pos` and its twin on the neighbour. Returns
    /// false when it contradicts what was known.
    fn record(&mut self, pos: Pos, dir: usize, side: Side) -> bool {
        let old = self.get(pos).sides[dir];
        let consistent = old.open().is_none_or(|o| Some(o) == side.open());
        if old.felt() && !side.felt() {
            return consistent;
        }
        self.cell_mut(pos).sides[dir] = side;
        if let Some(next) = step_from(pos, dir) {
            self.cell_mut(next).sides[(dir + 2) % 4] = side;
        }
        consistent
    }

    /// Forgets every side read from the observation (kept: what was felt).
    fn forget_seen(&mut self) {
        for cell in &mut self.cells {
            for side in &mut cell.sides {
                if !side.felt() {
                    *side = Side::Unknown;
                }
            }
        }
    }

    /// Whether a wall of a visited cell cannot be the grid's outer wall:
    /// a north wall below row 0, a west wall right of column 0, an east or
    /// south wall with a visited cell beyond it. Then the layout is a maze,
    /// not the open grid.
    fn has_inner_walls(&self) -> bool {
        let visited = || {
            (0..self.height)
                .flat_map(move |y| (0..self.width).map(move |x| (x, y)))
                .filter(|&pos| self.get(pos).visited)
        };
        let max_x = visited().map(|p| p.0).max().unwrap_or(0);
        let max_y = visited().map(|p| p.1).max().unwrap_or(0);
        visited().any(|(x, y)| {
            let sides = self.get((x, y)).sides;
            let inner = [y > 0, x < max_x, y < max_y, x > 0];
            (0..4).any(|dir| inner[dir] && sides[dir].open() == Some(false))
        })
    }
}

/// Where a route should lead.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Target {
    /// The remembered goal cell.
    Cell(Pos),
    /// The nearest cell never visited.
    Unvisited,
}

/// The explorer of the grid mazes (`Discrete(4)`: 0 north, 1 east, 2 south,
/// 3 west).
///
/// It keeps a map of the cells it has visited and of every cell side it
/// knows: read from the wall bits of its own cell in the observation, or
/// felt by moving (a move that goes through is open, a `bump` is a wall;
/// felt sides win, and a contradiction switches the wall bits off for the
/// rest of the trial). Its position is the info's `x`, `y`. At every step it
/// plans afresh with Dijkstra's algorithm over the map, a known passage
/// costing 1. An unknown side costs 1 too as long as every wall it has seen
/// can be the grid's outer wall (the open grid: it assumes free space), and
/// once one cannot, more than any route over known passages (a maze: it
/// trusts only what it has seen; in a perfect maze the known route is the
/// only one):
///
/// - before it has found the goal, it walks to the nearest cell it has
///   never visited (ties: north, east, south, west first);
/// - on the step that reaches the goal it records the goal cell as its
///   position before the step moved one cell in the action's direction (the
///   info's `x`, `y` already show where it was put after the goal), and from
///   then on walks the cheapest known route back to it.
///
/// The wall bits are the observation's last four floats (`maze-water-grid`,
/// `maze-random:view=0`), or the middle cell's four of a `(2v + 1)^2`-cell
/// wall patch (`maze-random:view=v`, `v >= 1`; an observation of that length
/// that starts with a one-hot `x` and `y` matching the info is taken for the
/// grid code); floats other than 0 and 1 switch them off (bumps only).
#[derive(Clone, Debug, Default)]
pub struct GridExplorer {
    map: Map,
    /// Where the agent is; a guess while `sure` is false.
    position: Option<Pos>,
    sure: bool,
    start: Option<Pos>,
    goal: Option<Pos>,
    /// Where the four wall bits of the agent's cell sit in the observation.
    wall_bits: Option<usize>,
}

impl GridExplorer {
    /// An explorer with an empty memory.
    pub fn new() -> Self {
        Self::default()
    }

    /// The goal cell, once the explorer has reached it.
    pub fn goal(&self) -> Option<(usize, usize)> {
        self.goal
    }

    fn place(&mut self, pos: Option<Pos>, sure: bool) {
        self.position = pos;
        self.sure = sure && pos.is_some();
        if let (Some(pos), true) = (pos, self.sure) {
            self.map.visit(pos);
        }
    }

    /// Reads the wall bits of the agent's cell from the observation.
    fn read_walls(&mut self, obs: &[f32]) {
        let (Some(offset), Some(pos), true) = (self.wall_bits, self.position, self.sure) else {
            return;
        };
        let Some(bits) = obs.get(offset..offset + 4) else {
            self.wall_bits = None;
            return;
        };
        if bits.iter().any(|&b| b != 0.0 && b != 1.0) {
            self.wall_bits = None;
            return;
        }
        for (dir, &bit) in bits.iter().enumerate() {
            let side = if bit == 1.0 {
                Side::Wall { felt: false }
            } else {
                Side::Open { felt: false }
            };
            if !self.map.record(pos, dir, side) {
                self.distrust_wall_bits();
                return;
            }
        }
    }

    fn distrust_wall_bits(&mut self) {
        self.wall_bits = None;
        self.map.forget_seen();
    }

    /// The first move of the cheapest route from the agent to `target`.
    fn route(&self, target: Target) -> Option<usize> {
        let from = self.position?;
        // An unknown side costs one step on an open grid; in a maze, more
        // than any route over known passages can.
        let unknown_cost = if self.map.has_inner_walls() {
            self.map.cells.len() as u64 + 1
        } else {
            1
        };
        // A route may leave the map by one cell to reach an unvisited
        // neighbour; one to the goal stays on the cells seen (all on the grid).
        let (width, height) = match target {
            Target::Unvisited => (self.map.width + 1, self.map.height + 1),
            Target::Cell(goal) => (
                self.map.width.max(goal.0 + 1).max(from.0 + 1),
                self.map.height.max(goal.1 + 1).max(from.1 + 1),
            ),
        };
        let index = |(x, y): Pos| y * width + x;
        let mut cost = vec![u64::MAX; width * height];
        let mut first = vec![usize::MAX; width * height];
        let mut queue = BinaryHeap::new();
        let mut order = 0u64;
        cost[index(from)] = 0;
        queue.push((Reverse(0u64), Reverse(order), from));
        while let Some((Reverse(c), _, pos)) = queue.pop() {
            if c > cost[index(pos)] {
                continue;
            }
            let cell = self.map.get(pos);
            let arrived = match target {
                Target::Cell(goal) => pos == goal,
                Target::Unvisited => !cell.visited,
            };
            if arrived {
                return (pos != from).then_some(first[index(pos)]);
            }
            if matches!(target, Target::Unvisited) && !cell.visited {
                continue;
            }
            for (dir, side) in cell.sides.iter().enumerate() {
                let step_cost = match side.open() {
                    Some(false) => continue,
                    Some(true) => 1,
                    None => unknown_cost,
                };
                let Some(next) = step_from(pos, dir).filter(|n| n.0 < width && n.1 < height) else {
                    continue;
                };
                let next_cost = c + step_cost;
                if next_cost < cost[index(next)] {
                    cost[index(next)] = next_cost;
                    first[index(next)] = if pos == from { dir } else { first[index(pos)] };
                    order += 1;
                    queue.push((Reverse(next_cost), Reverse(order), next));
                }
            }
        }
        None
    }

    /// The next move: towards the goal if known, else towards the nearest
    /// unvisited cell; `None` when neither can be reached.
    fn plan(&mut self) -> Option<usize> {
        if let Some(dir) = self.goal.and_then(|goal| self.route(Target::Cell(goal))) {
            return Some(dir);
        }
        if let Some(dir) = self.route(Target::Unvisited) {
            return Some(dir);
        }
        // Everything reachable was visited and no goal is known (it was
        // reached from a guessed position): search again from scratch.
        for cell in &mut self.map.cells {
            cell.visited = false;
        }
        if let (Some(pos), true) = (self.position, self.sure) {
            self.map.visit(pos);
        }
        self.route(Target::Unvisited)
    }
}

/// Where the four wall bits of the agent's cell lie in `obs` (see
/// [`GridExplorer`]).
fn locate_wall_bits(obs: &[f32], reset_info: &Info) -> Option<usize> {
    let len = obs.len();
    if len < 4 {
        return None;
    }
    let cells = len / 4;
    let side = (1..=cells).find(|s| s * s >= cells).unwrap_or(1);
    let patch = len.is_multiple_of(4) && side * side == cells && side % 2 == 1 && side >= 3;
    if patch && !one_hot_position(obs, reset_info) {
        return Some(4 * (cells / 2));
    }
    Some(len - 4)
}

/// Whether `obs` starts with a one-hot column and a one-hot row of the
/// position the info reports (the `onehot` code of `maze-water-grid`).
fn one_hot_position(obs: &[f32], info: &Info) -> bool {
    let Some((x, y)) = position(info) else {
        return false;
    };
    let size = (obs.len() - 4) / 2;
    let (x, y) = (x as usize, y as usize);
    let code = &obs[..2 * size];
    x < size
        && y < size
        && code[x] == 1.0
        && code[size + y] == 1.0
        && code.iter().filter(|&&v| v != 0.0).count() == 2
}

/// The grid cell the info reports, if any.
fn cell_of(info: &Info) -> Option<Pos> {
    let (x, y) = position(info)?;
    (x >= 0.0 && y >= 0.0).then(|| (x.round() as usize, y.round() as usize))
}

impl Policy for GridExplorer {
    fn name(&self) -> &str {
        "explorer"
    }

    fn start_trial(&mut self, action_space: &Space, _trial_steps: usize) -> Result<(), String> {
        if *action_space != Space::discrete(4) {
            return Err(format!(
                "the grid explorer needs Discrete(4) moves; this task's action space is {action_space}"
            ));
        }
        *self = Self::new();
        Ok(())
    }

    fn observe_reset(&mut self, obs: &[f32], info: &Info) -> Result<(), String> {
        let start = cell_of(info).ok_or_else(|| no_position(self.name()))?;
        self.start = Some(start);
        self.place(Some(start), true);
        self.wall_bits = locate_wall_bits(obs, info);
        Ok(())
    }

    fn act(&mut self, obs: &[f32], rng: &mut Rng) -> Action {
        self.read_walls(obs);
        Action::Discrete(self.plan().unwrap_or_else(|| rng.random_range(0..4)))
    }

    fn observe(&mut self, action: &Action, step: &Step) -> Result<(), String> {
        let dir = match action {
            Action::Discrete(d) if *d < 4 => *d,
            other => {
                return Err(format!(
                    "explorer: observed action {other} is not a grid move (0 to 3)"
                ));
            }
        };
        let info = &step.info;
        if let (Some(from), true) = (self.position, self.sure) {
            let moved_to = step_from(from, dir);
            if flag(info, GOAL_REACHED) {
                // The move went through and ended on the goal.
                if let Some(goal) = moved_to {
                    self.goal = Some(goal);
                    self.map.record(from, dir, Side::Open { felt: true });
                    self.map.visit(goal);
                }
            } else if flag(info, BUMP) {
                if !self.map.record(from, dir, Side::Wall { felt: true }) {
                    self.distrust_wall_bits();
                }
            } else if moved_to.is_some() && !self.map.record(from, dir, Side::Open { felt: true }) {
                self.distrust_wall_bits();
            }
        }
        if episode_restarts(step) {
            // A new episode of the trial: back at the trial's start (a guess
            // the next step's info confirms or corrects).
            self.place(self.start, false);
        } else {
            let at = cell_of(info).ok_or_else(|| no_position(self.name()))?;
            self.place(Some(at), true);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_bits_are_found_in_every_grid_code() {
        let info = Info::new().with("x", 2.0).with("y", 1.0);
        // maze-water-grid:size=5 one-hot (14 floats), coords (6), maze-random view 0 (4).
        assert_eq!(locate_wall_bits(&[0.0; 14], &info), Some(10));
        assert_eq!(locate_wall_bits(&[0.0; 6], &info), Some(2));
        assert_eq!(locate_wall_bits(&[0.0; 4], &info), Some(0));
        // A view-1 patch: 9 cells, the middle one is the fifth.
        assert_eq!(locate_wall_bits(&[1.0; 36], &info), Some(16));
        // maze-water-grid:size=16 is 36 floats too, but starts with a one-hot x and y.
        let mut onehot = vec![0.0; 36];
        onehot[2] = 1.0;
        onehot[16 + 1] = 1.0;
        assert_eq!(locate_wall_bits(&onehot, &info), Some(32));
        assert_eq!(locate_wall_bits(&[0.0; 3], &info), None);
    }

    #[test]
    fn the_map_grows_and_keeps_walls_on_both_sides() {
        let mut map = Map::default();
        assert!(map.record((1, 1), 1, Side::Wall { felt: false }));
        assert_eq!(map.get((2, 1)).sides[3], Side::Wall { felt: false });
        assert_eq!((map.width, map.height), (3, 2));
        // A felt side is not overwritten by a reading, and a contradiction is reported.
        assert!(!map.record((2, 1), 3, Side::Open { felt: true }));
        assert!(!map.record((1, 1), 1, Side::Wall { felt: false }));
        assert_eq!(map.get((1, 1)).sides[1], Side::Open { felt: true });
    }
}
