//! Navigation tasks: the layout with one trial's path, coloured by goal
//! visit, and the steps each goal visit took (first visit against later).

use anyhow::Context;
use lsnn_rl_a2c::LogRow;
use lsnn_rl_env::{MetaInputs, start_eval_trial_with_info};
use lsnn_rl_mazes::{Cell, Direction};
use plotters::prelude::*;

use super::charts::font;
use super::{Figure, RunData, drawing, render, trials};
use crate::common::navigation::{Task, Xy, typed_task, xy};

/// Width and height of the picture: the layout left, the histogram right.
pub const NAVIGATION_SIZE: (u32, u32) = (1100, 560);

/// Side of the square the layout is drawn in.
const MAP: u32 = 500;
const MAP_MARGIN: i32 = 30;

/// The colour of the path to the first goal.
const FIRST: RGBColor = RGBColor(214, 39, 40);
/// The colour of the paths to later goals (darker when later).
const LATER: RGBColor = RGBColor(31, 119, 180);

/// The steps of each goal visit over every trial: (first visits, later
/// visits). A first visit's steps count from the trial's start (as
/// `steps to 1st goal`), a later one's the moves of its segment.
pub fn visit_steps(rows: &[LogRow]) -> (Vec<f64>, Vec<f64>) {
    let (mut first, mut later) = (Vec::new(), Vec::new());
    for trial in trials(rows) {
        let mut previous: Option<usize> = None;
        for (i, row) in trial.iter().enumerate() {
            if row.info.get("goal_reached").is_none_or(|g| g < 0.5) {
                continue;
            }
            match previous {
                None => first.push((i + 1) as f64),
                Some(p) => later.push(row.info.get("segment_steps").unwrap_or((i - p) as f64)),
            }
            previous = Some(i);
        }
    }
    (first, later)
}

/// One trial's path cut into segments: segment k ends at the (k+1)-th goal
/// (the last one wherever the trial ends). A goal step ends its segment at
/// the goal; an episode's end breaks the line without starting a segment.
pub fn segments(start: Xy, goal: Xy, trial: &[&LogRow]) -> Vec<Vec<Vec<Xy>>> {
    let mut out: Vec<Vec<Vec<Xy>>> = vec![vec![vec![start]]];
    let mut episode = trial.first().map_or(0, |r| r.episode);
    for row in trial {
        let Some(at) = xy(&row.info) else { continue };
        let segment = out.last_mut().expect("one segment at least");
        if row.episode != episode {
            episode = row.episode;
            segment.push(Vec::new());
        }
        let reached = row.info.get("goal_reached").is_some_and(|g| g > 0.5);
        let line = segment.last_mut().expect("one line at least");
        if reached {
            line.push(goal);
            // The agent starts its next segment where the task put it.
            out.push(vec![vec![at]]);
        } else {
            line.push(at);
        }
    }
    out
}

/// Draws the layout of trial 0 with its path, and the histogram of steps
/// per goal visit over all trials.
pub fn path_and_visits(data: &RunData) -> anyhow::Result<Figure> {
    let all = trials(&data.log.rows);
    let trial_rows = all.first().cloned().unwrap_or_default();
    let trial = trial_rows.first().map_or(0, |r| r.trial);
    let dist = &data.dist;
    let (_, _, info, _) =
        start_eval_trial_with_info(dist.as_ref(), data.seed, trial, MetaInputs::none())
            .with_context(|| format!("cannot start trial {trial} of {}", data.env))?;
    let start = xy(&info).context("the reset info lacks the start position (x, y)")?;
    let task = typed_task(&data.env, data.seed, trial)?;
    let goal = match &task {
        Task::Grid(env) => (env.goal().x as f64, env.goal().y as f64),
        Task::Arena(env) => (env.goal().x, env.goal().y),
    };
    let paths = segments(start, goal, &trial_rows);
    let goals = paths.len() - 1;
    let (first, later) = visit_steps(&data.log.rows);
    let png = render(NAVIGATION_SIZE.0, NAVIGATION_SIZE.1, |root| {
        let (left, right) = root.split_horizontally(MAP + 2 * MAP_MARGIN as u32);
        left.draw_text(
            &format!("Trial {trial}: {goals} goal(s) reached"),
            &font(18),
            (MAP_MARGIN, 4),
        )
        .map_err(drawing)?;
        let map = left.margin(MAP_MARGIN as u32, 0, MAP_MARGIN as u32, 0);
        draw_layout(&map, &task)?;
        let to_px = pixel_mapping(&task);
        for (k, lines) in paths.iter().enumerate() {
            let c = if k == 0 {
                FIRST
            } else {
                let shade = (0.35 + 0.65 * (k as f64 / goals.max(1) as f64)).min(1.0);
                RGBColor(
                    (255.0 - (255.0 - LATER.0 as f64) * shade) as u8,
                    (255.0 - (255.0 - LATER.1 as f64) * shade) as u8,
                    (255.0 - (255.0 - LATER.2 as f64) * shade) as u8,
                )
            };
            // Later segments shift a little so that overlapping paths show.
            let shift = (k % 5) as i32 * 2 - 4;
            for line in lines.iter().filter(|l| l.len() > 1) {
                let points: Vec<(i32, i32)> = line
                    .iter()
                    .map(|&p| {
                        let (x, y) = to_px(p);
                        (x + shift, y + shift)
                    })
                    .collect();
                map.draw(&PathElement::new(points, c.stroke_width(3)))
                    .map_err(drawing)?;
            }
        }
        let (sx, sy) = to_px(start);
        map.draw(&Circle::new((sx, sy), 8, RGBColor(44, 160, 44).filled()))
            .map_err(drawing)?;
        let (gx, gy) = to_px(goal);
        map.draw(&Circle::new((gx, gy), 10, RGBColor(255, 193, 7).filled()))
            .map_err(drawing)?;
        map.draw(&Circle::new((gx, gy), 10, BLACK.stroke_width(1)))
            .map_err(drawing)?;
        left.draw_text(
            "green: start   yellow: goal   red: to the 1st goal   blue: to later goals (darker = later)",
            &font(11),
            (4, (MAP + 2 * MAP_MARGIN as u32) as i32 - 22),
        )
        .map_err(drawing)?;
        let top = first.iter().chain(&later).copied().fold(1.0_f64, f64::max);
        let range = 0.0..top + 1.0;
        let bins = 20;
        let groups = vec![
            (
                format!("first visit ({})", first.len()),
                FIRST,
                super::charts::histogram(&first, &range, bins),
            ),
            (
                format!("later visits ({})", later.len()),
                LATER,
                super::charts::histogram(&later, &range, bins),
            ),
        ];
        super::charts::grouped_bars(
            &right,
            &format!("Steps per goal visit ({} trials)", data.summary.trials),
            "steps",
            range,
            &groups,
            None,
        )
    })?;
    Ok(Figure {
        file: "navigation.png",
        title: "Path and goal visits".into(),
        caption: format!(
            "Left: the layout of evaluation trial {trial} (seed {}) with the agent's path, red up to the first goal, blue (darker = later) after it, where the task puts the agent somewhere new. Right: steps to the first goal of each trial against the steps of the later visits, over {} trials.",
            data.seed, data.summary.trials
        ),
        size: NAVIGATION_SIZE,
        png,
    })
}

/// Maps a task position to a pixel of the map area.
fn pixel_mapping(task: &Task) -> Box<dyn Fn(Xy) -> (i32, i32)> {
    let side = MAP as f64;
    match task {
        Task::Grid(env) => {
            let cell = side / env.layout().size() as f64;
            Box::new(move |(x, y)| {
                (
                    ((x + 0.5) * cell).round() as i32,
                    ((y + 0.5) * cell).round() as i32,
                )
            })
        }
        Task::Arena(_) => {
            Box::new(move |(x, y)| ((x * side).round() as i32, (y * side).round() as i32))
        }
    }
}

/// The walls of a grid, or the outline and goal disk of an arena.
fn draw_layout(
    map: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    task: &Task,
) -> anyhow::Result<()> {
    let side = MAP as i32;
    let wall = BLACK.stroke_width(3);
    match task {
        Task::Grid(env) => {
            let layout = env.layout();
            let size = layout.size();
            let cell = side as f64 / size as f64;
            let px = |v: usize| (v as f64 * cell).round() as i32;
            for y in 0..size {
                for x in 0..size {
                    let c = Cell::new(x, y);
                    let (x0, y0, x1, y1) = (px(x), px(y), px(x + 1), px(y + 1));
                    let edges = [
                        (Direction::North, [(x0, y0), (x1, y0)]),
                        (Direction::South, [(x0, y1), (x1, y1)]),
                        (Direction::West, [(x0, y0), (x0, y1)]),
                        (Direction::East, [(x1, y0), (x1, y1)]),
                    ];
                    for (dir, edge) in edges {
                        if layout.has_wall(c, dir) {
                            map.draw(&PathElement::new(edge, wall)).map_err(drawing)?;
                        }
                    }
                }
            }
        }
        Task::Arena(env) => {
            let radius = (env.goal_radius() * side as f64).round() as i32;
            let goal = (
                (env.goal().x * side as f64).round() as i32,
                (env.goal().y * side as f64).round() as i32,
            );
            map.draw(&Circle::new(goal, radius, RGBColor(255, 236, 179).filled()))
                .map_err(drawing)?;
            match env.config().shape {
                lsnn_rl_mazes::Shape::Square => map
                    .draw(&Rectangle::new([(0, 0), (side, side)], wall))
                    .map_err(drawing)?,
                lsnn_rl_mazes::Shape::Circle => map
                    .draw(&Circle::new((side / 2, side / 2), side / 2, wall))
                    .map_err(drawing)?,
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsnn_rl_env::Info;

    fn row(step: usize, episode: u64, at: Xy, goal: bool) -> LogRow {
        LogRow {
            trial: 0,
            episode,
            step,
            action: "0".into(),
            reward: 0.0,
            done: false,
            value: 0.0,
            spikes: 0,
            alif_threshold: None,
            info: Info::new()
                .with("x", at.0)
                .with("y", at.1)
                .with("goal_reached", if goal { 1.0 } else { 0.0 })
                .with("segment_steps", (step + 1) as f64),
        }
    }

    #[test]
    fn a_goal_ends_its_segment_at_the_goal_and_an_episode_breaks_the_line() {
        let rows = [
            row(0, 0, (1.0, 0.0), false),
            row(1, 0, (4.0, 4.0), true),
            row(2, 0, (4.0, 3.0), false),
            row(3, 1, (0.0, 1.0), false),
        ];
        let refs: Vec<&LogRow> = rows.iter().collect();
        let s = segments((0.0, 0.0), (2.0, 0.0), &refs);
        assert_eq!(
            s,
            vec![
                vec![vec![(0.0, 0.0), (1.0, 0.0), (2.0, 0.0)]],
                vec![vec![(4.0, 4.0), (4.0, 3.0)], vec![(0.0, 1.0)]],
            ]
        );
        let (first, later) = visit_steps(&rows);
        assert_eq!((first, later), (vec![2.0], vec![]));
    }
}
