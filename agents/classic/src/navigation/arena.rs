//! The arena explorer: a grid of candidate goal centres, struck out by every
//! move that does not reach the goal and narrowed by every move that does.

use std::f64::consts::FRAC_PI_4;

use lsnn_rl_env::{Action, GOAL_REACHED, Info, Policy, Rng, Space, Step};

use super::{BUMP, flag, no_position, position};

/// Candidate centres per unit of length: a grid of spacing 1/50.
const CANDIDATES_PER_SIDE: usize = 50;
const SPACING: f64 = 1.0 / CANDIDATES_PER_SIDE as f64;
/// The smallest goal radius the explorer falls back to.
const MIN_RADIUS: f64 = 2.0 * SPACING;

type Point = (f64, f64);

/// The unit step of heading `k` (0 north, clockwise by 45 degrees; `y` grows
/// south).
fn heading_vector(k: usize) -> Point {
    let angle = k as f64 * FRAC_PI_4;
    (angle.sin(), -angle.cos())
}

/// The heading (0 to 7) nearest the direction from `from` to `to`.
fn heading_towards(from: Point, to: Point) -> usize {
    let angle = (to.0 - from.0).atan2(from.1 - to.1);
    ((angle / FRAC_PI_4).round() as isize).rem_euclid(8) as usize
}

fn distance(a: Point, b: Point) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// The distance from `c` to the segment from `a` to `b`.
fn segment_distance(a: Point, b: Point, c: Point) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((c.0 - a.0) * dx + (c.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    distance(c, (a.0 + t * dx, a.1 + t * dy))
}

/// The explorer of the arena (`arena-water`): `Discrete(8)` headings
/// (0 north, clockwise by 45 degrees) or a velocity in `[-1, 1]^2`.
///
/// It keeps the set of places the goal's centre may still be: a grid of
/// candidate points of spacing 1/50 in the unit square, at least the assumed
/// goal radius `r` from its edges (the goal disk lies inside the arena).
/// Every move from `a` to `b` (its position before and after, from the
/// info's `x`, `y`) that does not reach the goal strikes out the candidates
/// within `r - 1/50` of the segment `ab`; a move the arena's edge blocked
/// (`bump`) also strikes out those within `r` of the far side of the edge
/// (the arena is convex, so the intended point's projection bounds it). A
/// move that reaches the goal keeps only the candidates within `r + 1/50`
/// of its segment, `a` to `a` plus the move (the info's position is already
/// the respawn), at the speed measured from earlier moves. The slack of one
/// grid spacing keeps the candidate nearest the true centre alive.
///
/// It heads for the nearest candidate while it has not found the goal (a
/// greedy sweep), and for the candidates' centroid afterwards. When no
/// candidate is left (the goal disk is smaller than assumed), it halves `r`,
/// down to 1/25, and starts the set afresh.
#[derive(Clone, Debug)]
pub struct ArenaExplorer {
    radius: f64,
    continuous: bool,
    candidates: Vec<Point>,
    position: Option<Point>,
    speed: Option<f64>,
    found: bool,
}

impl ArenaExplorer {
    /// An explorer assuming a goal disk of `radius`, for heading actions or
    /// (`continuous`) velocities.
    pub fn new(radius: f64, continuous: bool) -> Self {
        let mut explorer = Self {
            radius,
            continuous,
            candidates: Vec::new(),
            position: None,
            speed: None,
            found: false,
        };
        explorer.reset_candidates();
        explorer
    }

    /// The candidate goal centres still possible.
    pub fn candidates(&self) -> &[(f64, f64)] {
        &self.candidates
    }

    /// Every grid point at least `radius` from the unit square's edges.
    fn reset_candidates(&mut self) {
        let margin = self.radius - 1e-9;
        let axis: Vec<f64> = (0..=CANDIDATES_PER_SIDE)
            .map(|i| i as f64 * SPACING)
            .filter(|&v| v >= margin && v <= 1.0 - margin)
            .collect();
        self.candidates = axis
            .iter()
            .flat_map(|&y| axis.iter().map(move |&x| (x, y)))
            .collect();
        self.found = false;
    }

    /// Where the explorer heads: the nearest candidate before the goal is
    /// found, their centroid afterwards.
    fn target(&self, from: Point) -> Option<Point> {
        if self.candidates.is_empty() {
            return None;
        }
        if self.found {
            let n = self.candidates.len() as f64;
            let (sx, sy) = self
                .candidates
                .iter()
                .fold((0.0, 0.0), |(sx, sy), c| (sx + c.0, sy + c.1));
            return Some((sx / n, sy / n));
        }
        self.candidates
            .iter()
            .copied()
            .min_by(|a, b| distance(from, *a).total_cmp(&distance(from, *b)))
    }

    /// The unit direction of an action (a heading, or a velocity as given).
    fn direction(&self, action: &Action) -> Option<Point> {
        match action {
            Action::Discrete(k) if !self.continuous && *k < 8 => Some(heading_vector(*k)),
            Action::Continuous(v) if self.continuous && v.len() == 2 => {
                Some((f64::from(v[0]), f64::from(v[1])))
            }
            _ => None,
        }
    }
}

impl Policy for ArenaExplorer {
    fn name(&self) -> &str {
        "explorer"
    }

    fn start_trial(&mut self, action_space: &Space, _trial_steps: usize) -> Result<(), String> {
        let fits = match action_space {
            Space::Discrete { n } => *n == 8 && !self.continuous,
            Space::Box(b) => b.low.len() == 2 && self.continuous,
        };
        if !fits {
            return Err(format!(
                "the arena explorer needs Discrete(8) headings or a 2-d velocity box; this task's action space is {action_space}"
            ));
        }
        *self = Self::new(self.radius, self.continuous);
        Ok(())
    }

    fn observe_reset(&mut self, _obs: &[f32], info: &Info) -> Result<(), String> {
        self.position = Some(position(info).ok_or_else(|| no_position(self.name()))?);
        Ok(())
    }

    fn act(&mut self, _obs: &[f32], rng: &mut Rng) -> Action {
        let from = self.position.unwrap_or((0.5, 0.5));
        if self.candidates.is_empty() {
            self.radius = (self.radius / 2.0).max(MIN_RADIUS);
            self.reset_candidates();
        }
        let Some(to) = self.target(from) else {
            let space = if self.continuous {
                Space::uniform_box(-1.0, 1.0, &[2])
            } else {
                Space::discrete(8)
            };
            return space.sample(rng);
        };
        if self.continuous {
            let d = distance(from, to).max(1e-12);
            let v = [(to.0 - from.0) / d, (to.1 - from.1) / d];
            Action::Continuous(v.iter().map(|&x| x.clamp(-1.0, 1.0) as f32).collect())
        } else {
            Action::Discrete(heading_towards(from, to))
        }
    }

    fn observe(&mut self, action: &Action, step: &Step) -> Result<(), String> {
        let Some(dir) = self.direction(action) else {
            return Err(format!(
                "explorer: observed action {action} is not an arena move"
            ));
        };
        let info = &step.info;
        let after = position(info).ok_or_else(|| no_position(self.name()))?;
        if let Some(from) = self.position {
            let speed = self.speed.unwrap_or(0.0);
            let intended = (from.0 + speed * dir.0, from.1 + speed * dir.1);
            if flag(info, GOAL_REACHED) {
                let keep = self.radius + SPACING;
                let inside = |c: &Point| segment_distance(from, intended, *c) <= keep;
                if self.candidates.iter().any(inside) {
                    self.candidates.retain(inside);
                } else {
                    // Nothing left agrees: trust this visit alone.
                    self.reset_candidates();
                    self.candidates.retain(inside);
                }
                self.found = true;
            } else {
                let strike = self.radius - SPACING;
                self.candidates
                    .retain(|c| segment_distance(from, after, *c) > strike);
                let norm = dir.0.hypot(dir.1);
                let moved = distance(from, after);
                if flag(info, BUMP) {
                    // The arena is convex: nothing lies beyond the edge
                    // through `after` facing the intended point, and a goal
                    // centre lies at least the radius inside it.
                    let out = (intended.0 - after.0, intended.1 - after.1);
                    let len = out.0.hypot(out.1);
                    if len > 1e-9 {
                        let n = (out.0 / len, out.1 / len);
                        self.candidates
                            .retain(|c| (c.0 - after.0) * n.0 + (c.1 - after.1) * n.1 <= -strike);
                    }
                } else if norm > 1e-9 && moved > 0.0 {
                    self.speed = Some(moved / norm);
                }
            }
        }
        self.position = Some(after);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_follow_the_arena_convention() {
        let (x, y) = heading_vector(2);
        assert!((x - 1.0).abs() < 1e-12 && y.abs() < 1e-12, "east");
        assert_eq!(heading_towards((0.5, 0.5), (0.5, 0.1)), 0);
        assert_eq!(heading_towards((0.5, 0.5), (0.9, 0.9)), 3);
        assert_eq!(heading_towards((0.5, 0.5), (0.1, 0.45)), 6);
    }

    #[test]
    fn candidates_respect_the_margin_and_shrink() {
        let mut explorer = ArenaExplorer::new(0.1, false);
        let n = explorer.candidates().len();
        assert_eq!(n, 41 * 41);
        assert!(
            explorer
                .candidates()
                .iter()
                .all(|c| c.0 >= 0.1 - 1e-9 && c.1 <= 0.9 + 1e-9)
        );
        explorer.position = Some((0.5, 0.5));
        let step = Step {
            obs: Vec::new(),
            reward: 0.0,
            terminated: false,
            truncated: false,
            info: Info::new()
                .with("x", 0.55)
                .with("y", 0.5)
                .with(GOAL_REACHED, 0.0)
                .with(BUMP, 0.0),
        };
        explorer.observe(&Action::Discrete(2), &step).unwrap();
        assert!(explorer.candidates().len() < n);
        assert!((explorer.speed.unwrap() - 0.05).abs() < 1e-12);
        assert!(explorer.candidates().iter().all(|&c| segment_distance(
            (0.5, 0.5),
            (0.55, 0.5),
            c
        ) > 0.08));
    }
}
