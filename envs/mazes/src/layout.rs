//! Square grids of cells with walls between them: the open grid of the water
//! maze and the random perfect mazes, and the breadth-first search baselines
//! use to find shortest paths.

use std::collections::VecDeque;
use std::fmt;

use rand::Rng as _;

use lsnn_rl_env::Rng;

/// A cell of a grid: column `x` (0 at the west edge, growing east) and row
/// `y` (0 at the north edge, growing south), as a grid is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    /// The column, 0 at the west edge.
    pub x: usize,
    /// The row, 0 at the north edge.
    pub y: usize,
}

impl Cell {
    /// The cell in column `x`, row `y`.
    pub const fn new(x: usize, y: usize) -> Self {
        Self { x, y }
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {})", self.x, self.y)
    }
}

/// A move on a grid, and the side of a cell a wall lies on. The index is the
/// action index of the grid environments and the position of the wall bit in
/// their observations: 0 north, 1 east, 2 south, 3 west (clockwise from
/// north).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Towards row 0 (`y - 1`); action 0.
    North,
    /// Towards the last column (`x + 1`); action 1.
    East,
    /// Towards the last row (`y + 1`); action 2.
    South,
    /// Towards column 0 (`x - 1`); action 3.
    West,
}

impl Direction {
    /// Every direction, in action-index order.
    pub const ALL: [Direction; 4] = [Self::North, Self::East, Self::South, Self::West];
    /// The names, in action-index order.
    pub const NAMES: [&'static str; 4] = ["north", "east", "south", "west"];

    /// The action index: 0 north, 1 east, 2 south, 3 west.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The direction of action `index`, if it is one (0 to 3).
    pub fn from_index(index: usize) -> Option<Self> {
        Self::ALL.get(index).copied()
    }

    /// The direction back.
    pub const fn opposite(self) -> Self {
        match self {
            Self::North => Self::South,
            Self::East => Self::West,
            Self::South => Self::North,
            Self::West => Self::East,
        }
    }

    /// The name users read (`north`).
    pub fn name(self) -> &'static str {
        Self::NAMES[self.index()]
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A square grid of `size x size` cells and the walls between them.
///
/// Walls are stored per cell, one bit per side, and always on both sides of
/// an inner wall; the outer boundary is always walled. Layouts are built by
/// [`Layout::open`] (no inner walls) or [`Layout::random_maze`] (a perfect
/// maze), so every layout is connected. Equal layouts hash equally, which is
/// how the train and test pools are kept apart.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    size: usize,
    walls: Vec<u8>,
}

const ALL_WALLS: u8 = 0b1111;

impl Layout {
    /// The open grid: walls only on the boundary.
    pub fn open(size: usize) -> Self {
        let mut layout = Self::closed(size);
        for cell in layout.cells().collect::<Vec<_>>() {
            for dir in [Direction::East, Direction::South] {
                if layout.cell_towards(cell, dir).is_some() {
                    layout.remove_wall(cell, dir);
                }
            }
        }
        layout
    }

    /// A perfect maze (exactly one path between any two cells) carved by the
    /// recursive backtracker (a randomised depth-first search) from a random
    /// cell, drawing every choice from `rng`: the same generator state gives
    /// the same maze on every machine. A size of 0 gives the empty layout.
    pub fn random_maze(size: usize, rng: &mut Rng) -> Self {
        let mut layout = Self::closed(size);
        let n = layout.cell_count();
        if n == 0 {
            return layout;
        }
        let mut visited = vec![false; n];
        let first = layout.cell_at(rng.random_range(0..n));
        visited[layout.index_of(first)] = true;
        let mut stack = vec![first];
        while let Some(&cell) = stack.last() {
            let mut options = [Direction::North; 4];
            let mut count = 0;
            for dir in Direction::ALL {
                let unvisited = layout
                    .cell_towards(cell, dir)
                    .is_some_and(|next| !visited[layout.index_of(next)]);
                if unvisited {
                    options[count] = dir;
                    count += 1;
                }
            }
            if count == 0 {
                stack.pop();
                continue;
            }
            let dir = options[rng.random_range(0..count)];
            layout.remove_wall(cell, dir);
            let next = layout
                .cell_towards(cell, dir)
                .expect("chosen inside the grid");
            visited[layout.index_of(next)] = true;
            stack.push(next);
        }
        layout
    }

    /// Every wall up.
    fn closed(size: usize) -> Self {
        Self {
            size,
            walls: vec![ALL_WALLS; size * size],
        }
    }

    /// Removes the wall on side `dir` of `cell` and its twin on the
    /// neighbour; `cell` and its neighbour must lie inside the grid.
    fn remove_wall(&mut self, cell: Cell, dir: Direction) {
        let next = self
            .cell_towards(cell, dir)
            .expect("an inner wall has cells on both sides");
        let (i, j) = (self.index_of(cell), self.index_of(next));
        self.walls[i] &= !dir.bit();
        self.walls[j] &= !dir.opposite().bit();
    }

    /// The wall bits of every cell, row-major (bit `d` set: a wall on side
    /// `d`); what [`Layout::fingerprint`] hashes.
    pub(crate) fn wall_bytes(&self) -> &[u8] {
        &self.walls
    }

    /// Cells per side.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Cells in all, `size * size`.
    pub fn cell_count(&self) -> usize {
        self.walls.len()
    }

    /// Whether `cell` lies on the grid.
    pub fn contains(&self, cell: Cell) -> bool {
        cell.x < self.size && cell.y < self.size
    }

    /// The row-major index of `cell` (`y * size + x`), used by
    /// [`Layout::distances_from`]. `cell` must lie on the grid.
    pub fn index_of(&self, cell: Cell) -> usize {
        cell.y * self.size + cell.x
    }

    /// The cell with row-major index `index` (`index < cell_count()`).
    pub fn cell_at(&self, index: usize) -> Cell {
        Cell::new(index % self.size, index / self.size)
    }

    /// Every cell, row by row from the north-west corner.
    pub fn cells(&self) -> impl Iterator<Item = Cell> + '_ {
        (0..self.cell_count()).map(|i| self.cell_at(i))
    }

    /// The cell next to `cell` in direction `dir`, walls ignored; `None` off
    /// the grid.
    pub fn cell_towards(&self, cell: Cell, dir: Direction) -> Option<Cell> {
        if !self.contains(cell) {
            return None;
        }
        let next = match dir {
            Direction::North => Cell::new(cell.x, cell.y.checked_sub(1)?),
            Direction::East => Cell::new(cell.x + 1, cell.y),
            Direction::South => Cell::new(cell.x, cell.y + 1),
            Direction::West => Cell::new(cell.x.checked_sub(1)?, cell.y),
        };
        self.contains(next).then_some(next)
    }

    /// Whether a wall blocks leaving `cell` in direction `dir` (true for the
    /// boundary, and for every side of a cell off the grid).
    pub fn has_wall(&self, cell: Cell, dir: Direction) -> bool {
        !self.contains(cell) || self.walls[self.index_of(cell)] & dir.bit() != 0
    }

    /// The four wall bits of `cell` in direction order (north, east, south,
    /// west): true where a wall blocks that way.
    pub fn walls_around(&self, cell: Cell) -> [bool; 4] {
        Direction::ALL.map(|dir| self.has_wall(cell, dir))
    }

    /// Where moving from `cell` in direction `dir` leads: the neighbour, or
    /// `None` when a wall blocks the move.
    pub fn neighbour(&self, cell: Cell, dir: Direction) -> Option<Cell> {
        if self.has_wall(cell, dir) {
            None
        } else {
            self.cell_towards(cell, dir)
        }
    }

    /// Inner walls that are open: the edges of the graph of cells. A perfect
    /// maze has `cell_count() - 1` of them.
    pub fn passages(&self) -> usize {
        self.cells()
            .map(|cell| {
                [Direction::East, Direction::South]
                    .into_iter()
                    .filter(|&dir| self.neighbour(cell, dir).is_some())
                    .count()
            })
            .sum()
    }

    /// The length in steps of a shortest path from `from` to every cell
    /// (breadth-first search), indexed by [`Layout::index_of`]; `None` for
    /// cells `from` cannot reach. Empty when `from` is off the grid.
    pub fn distances_from(&self, from: Cell) -> Vec<Option<usize>> {
        if !self.contains(from) {
            return Vec::new();
        }
        let mut dist = vec![None; self.cell_count()];
        dist[self.index_of(from)] = Some(0);
        let mut queue = VecDeque::from([from]);
        while let Some(cell) = queue.pop_front() {
            let d = dist[self.index_of(cell)].expect("queued cells have a distance");
            for dir in Direction::ALL {
                if let Some(next) = self.neighbour(cell, dir) {
                    let slot = &mut dist[self.index_of(next)];
                    if slot.is_none() {
                        *slot = Some(d + 1);
                        queue.push_back(next);
                    }
                }
            }
        }
        dist
    }

    /// The length in steps of a shortest path from `from` to `to`; `None`
    /// when either is off the grid or `to` cannot be reached.
    pub fn shortest_path_len(&self, from: Cell, to: Cell) -> Option<usize> {
        if !self.contains(to) {
            return None;
        }
        self.distances_from(from)
            .get(self.index_of(to))
            .copied()
            .flatten()
    }

    /// The first move of a shortest path from `from` to `to` (the lowest
    /// action index among equally short ones); `None` when `from == to`,
    /// when either is off the grid, or when `to` cannot be reached.
    pub fn next_step_towards(&self, from: Cell, to: Cell) -> Option<Direction> {
        let to_target = self.distances_from(to);
        first_step(self, from, |cell| {
            to_target.get(self.index_of(cell)).copied().flatten()
        })
    }

    /// Whether the layout is a perfect maze: connected, with no cycles.
    pub fn is_perfect(&self) -> bool {
        self.cell_count() > 0
            && self.passages() == self.cell_count() - 1
            && self
                .distances_from(Cell::new(0, 0))
                .iter()
                .all(Option::is_some)
    }
}

/// The first move of a shortest path from `from`, given each cell's
/// distance to the target (`None` where unknown or unreachable).
pub(crate) fn first_step(
    layout: &Layout,
    from: Cell,
    to_target: impl Fn(Cell) -> Option<usize>,
) -> Option<Direction> {
    if !layout.contains(from) {
        return None;
    }
    let d = to_target(from)?;
    Direction::ALL.into_iter().find(|&dir| {
        layout
            .neighbour(from, dir)
            .and_then(&to_target)
            .is_some_and(|dn| dn + 1 == d)
    })
}

/// ASCII art, north at the top: `+---+` walls, spaces for open passages.
impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for y in 0..self.size {
            for x in 0..self.size {
                let wall = self.has_wall(Cell::new(x, y), Direction::North);
                write!(f, "+{}", if wall { "---" } else { "   " })?;
            }
            writeln!(f, "+")?;
            for x in 0..self.size {
                let wall = self.has_wall(Cell::new(x, y), Direction::West);
                write!(f, "{}   ", if wall { '|' } else { ' ' })?;
            }
            writeln!(f, "|")?;
        }
        writeln!(f, "{}+", "+---".repeat(self.size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsnn_rl_env::rng_from_seed;

    #[test]
    fn open_grid_has_only_boundary_walls() {
        let layout = Layout::open(3);
        assert_eq!(
            layout.walls_around(Cell::new(0, 0)),
            [true, false, false, true]
        );
        assert_eq!(layout.walls_around(Cell::new(1, 1)), [false; 4]);
        assert_eq!(
            layout.walls_around(Cell::new(2, 2)),
            [false, true, true, false]
        );
        assert_eq!(
            layout.walls_around(Cell::new(2, 0)),
            [true, true, false, false]
        );
        assert_eq!(layout.passages(), 12);
        assert!(!layout.is_perfect());
    }

    #[test]
    fn walls_are_symmetric_in_random_mazes() {
        let layout = Layout::random_maze(6, &mut rng_from_seed(5));
        for cell in layout.cells() {
            for dir in Direction::ALL {
                if let Some(next) = layout.cell_towards(cell, dir) {
                    assert_eq!(
                        layout.has_wall(cell, dir),
                        layout.has_wall(next, dir.opposite())
                    );
                } else {
                    assert!(
                        layout.has_wall(cell, dir),
                        "{cell} {dir:?} is on the boundary"
                    );
                }
            }
        }
        assert!(layout.is_perfect());
    }

    #[test]
    fn directions_round_trip_through_indices() {
        for (i, dir) in Direction::ALL.into_iter().enumerate() {
            assert_eq!(dir.index(), i);
            assert_eq!(Direction::from_index(i), Some(dir));
            assert_eq!(dir.opposite().opposite(), dir);
        }
        assert_eq!(Direction::from_index(4), None);
        assert_eq!(Direction::West.name(), "west");
    }

    #[test]
    fn next_step_follows_a_shortest_path() {
        let layout = Layout::open(4);
        let (from, to) = (Cell::new(0, 3), Cell::new(2, 1));
        assert_eq!(layout.shortest_path_len(from, to), Some(4));
        // North and east both shorten the path; north has the lower index.
        assert_eq!(layout.next_step_towards(from, to), Some(Direction::North));
        assert_eq!(layout.next_step_towards(to, to), None);
        assert_eq!(layout.next_step_towards(Cell::new(9, 0), to), None);
        assert_eq!(layout.shortest_path_len(from, Cell::new(0, 4)), None);
    }

    #[test]
    fn empty_and_tiny_layouts_do_not_panic() {
        let empty = Layout::random_maze(0, &mut rng_from_seed(1));
        assert_eq!(empty.cell_count(), 0);
        assert!(!empty.is_perfect());
        assert_eq!(
            empty.shortest_path_len(Cell::new(0, 0), Cell::new(0, 0)),
            None
        );
        let one = Layout::random_maze(1, &mut rng_from_seed(1));
        assert!(one.is_perfect());
        assert_eq!(
            one.shortest_path_len(Cell::new(0, 0), Cell::new(0, 0)),
            Some(0)
        );
    }

    #[test]
    fn display_draws_the_walls() {
        let text = Layout::open(2).to_string();
        assert_eq!(
            text,
            "+---+---+\n|       |\n+   +   +\n|       |\n+---+---+\n"
        );
    }
}
