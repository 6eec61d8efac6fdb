//! The arena's geometry: points, the arena's shape, headings, place cells.

use std::f64::consts::{FRAC_PI_4, TAU};

use lsnn_rl_env::{Rng, Space};
use rand::Rng as _;

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
    pub(super) fn farthest_from(self, p: Point) -> Point {
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

/// The unit vector from `from` towards `to` (north when they coincide).
pub(super) fn unit_towards(from: Point, to: Point) -> (f64, f64) {
    let angle = angle_towards(from, to);
    (angle.sin(), -angle.cos())
}

/// The distance from `c` to the segment from `a` to `b`.
pub(super) fn segment_distance(a: Point, b: Point, c: Point) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((c.x - a.x) * dx + (c.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    c.distance(Point::new(a.x + t * dx, a.y + t * dy))
}
