//! `lsnn-rl render`: one navigation task drawn as plain text (the walls, the
//! start, the goal, the agent), optionally with the path an episode log
//! records for it.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use lsnn_rl_env::{MetaInputs, Registry, is_goal_task, start_eval_trial_with_info};
use lsnn_rl_mazes::{ArenaEnv, Cell, Direction, GridEnv, Point, Shape};

use crate::common::navigation::{Task, Xy, typed_task, xy};

/// Columns and rows of the arena's raster (a character is about twice as
/// tall as it is wide, so this is about square on a terminal).
const ARENA_COLUMNS: usize = 41;
const ARENA_ROWS: usize = 21;

/// A `lsnn-rl render` request.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderRequest {
    /// Navigation environment spec.
    pub env: String,
    /// Seed of the evaluation the trial belongs to.
    pub seed: u64,
    /// Index of the trial within that evaluation.
    pub trial: u64,
    /// An episode log of `lsnn-rl eval --csv`: also draw the trial's path.
    pub episodes_csv: Option<PathBuf>,
    /// Draw the path and the agent after this many steps of the log.
    pub step: Option<u64>,
    /// Which algorithm's rows to draw, when the log holds several.
    pub algo: Option<String>,
}

/// What the episode log says the agent did in the trial, up to the step shown.
struct LoggedPath {
    /// The position after each step shown, in order.
    positions: Vec<Xy>,
    /// Goals reached in those steps.
    goals: usize,
    /// Steps the log holds for the trial.
    trial_steps: usize,
}

/// Runs the command.
pub fn run(registry: &Registry, request: &RenderRequest) -> anyhow::Result<()> {
    let dist = registry
        .make(&request.env)
        .context("run `lsnn-rl envs` to see the environments and their parameters")?;
    let spec = dist.spec().to_string();
    let (_, _, info, _) = start_eval_trial_with_info(
        dist.as_ref(),
        request.seed,
        request.trial,
        MetaInputs::none(),
    )
    .with_context(|| format!("cannot start trial {} of {spec}", request.trial))?;
    if !is_goal_task(&info) {
        bail!(
            "render draws navigation tasks (maze-water-grid, maze-random, arena-water); {spec} is not one"
        );
    }
    let task = typed_task(&spec, request.seed, request.trial)?;
    let start = xy(&info).context("the reset info lacks the start position (x, y)")?;
    let goal = match &task {
        Task::Grid(env) => (env.goal().x as f64, env.goal().y as f64),
        Task::Arena(env) => (env.goal().x, env.goal().y),
    };
    // The typed draw must be the task every evaluator plays.
    let reported = (info.get("goal_x"), info.get("goal_y"));
    if reported != (Some(goal.0), Some(goal.1)) {
        bail!(
            "the typed task of trial {} differs from the evaluated one",
            request.trial
        );
    }
    let path = match &request.episodes_csv {
        Some(file) => Some(read_path(file, request, goal)?),
        None => None,
    };
    let agent = path
        .as_ref()
        .and_then(|p| p.positions.last().copied())
        .unwrap_or(start);
    let visited = path.as_ref().map_or(&[][..], |p| &p.positions[..]);
    let picture = match &task {
        Task::Grid(env) => draw_grid(env, start, agent, visited)?,
        Task::Arena(env) => draw_arena(env, start, agent, visited),
    };
    println!("{spec}  seed {}, trial {}", request.seed, request.trial);
    print!("{picture}");
    let digits = if matches!(task, Task::Grid(_)) { 0 } else { 3 };
    let at = |(x, y): Xy| format!("({x:.digits$}, {y:.digits$})");
    let disk = match &task {
        Task::Arena(env) => format!(", o its disk of radius {}", env.goal_radius()),
        Task::Grid(_) => String::new(),
    };
    println!(
        "A agent {}  G goal {}{disk}  S start {}  . visited",
        at(agent),
        at(goal),
        at(start)
    );
    match &path {
        Some(p) => println!(
            "step {} of {} in the log, {} goal{} reached",
            p.positions.len(),
            p.trial_steps,
            p.goals,
            if p.goals == 1 { "" } else { "s" }
        ),
        None => println!("no episode log: the agent is at its start"),
    }
    Ok(())
}

/// Reads trial `request.trial` of the episode log: the positions after each of
/// its first `request.step` steps (all of them without `--step`).
fn read_path(file: &Path, request: &RenderRequest, goal: Xy) -> anyhow::Result<LoggedPath> {
    let name = file.display();
    let mut reader = csv::Reader::from_path(file)
        .with_context(|| format!("cannot read the episode log {name}"))?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("cannot read the episode log {name}"))?
        .iter()
        .map(String::from)
        .collect();
    let column = |key: &str| header.iter().position(|h| h == key);
    let missing: Vec<&str> = ["trial", "step", "x", "y"]
        .into_iter()
        .filter(|key| column(key).is_none())
        .collect();
    if !missing.is_empty() {
        bail!(
            "{name} lacks the column(s) {}: render reads the episode log `lsnn-rl eval --csv` writes for a navigation task",
            missing.join(", ")
        );
    }
    let index = |key: &str| column(key).expect("checked above");
    let (goal_x, goal_y, reached) = (column("goal_x"), column("goal_y"), column("goal_reached"));
    let mut rows: Vec<(u64, Xy, bool, Option<Xy>)> = Vec::new();
    let mut trials: Option<(u64, u64)> = None;
    let algo_column = column("algo");
    let mut algos: Vec<String> = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("cannot read the episode log {name}"))?;
        if let Some(algo) = algo_column.and_then(|i| record.get(i)) {
            if !algos.iter().any(|a| a == algo) {
                algos.push(algo.to_string());
            }
            if request.algo.as_deref().is_some_and(|wanted| wanted != algo) {
                continue;
            }
        }
        let number = |at: Option<usize>| -> anyhow::Result<Option<f64>> {
            let Some(text) = at.and_then(|i| record.get(i)).filter(|t| !t.is_empty()) else {
                return Ok(None);
            };
            let value: f64 = text
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .with_context(|| format!("{name}, row {}: '{text}' is not a number", line + 2))?;
            Ok(Some(value))
        };
        let trial = number(Some(index("trial")))?.unwrap_or(-1.0);
        if trial < 0.0 || trial.fract() != 0.0 {
            bail!("{name}, row {}: the trial is not a whole number", line + 2);
        }
        let trial = trial as u64;
        trials = Some(trials.map_or((trial, trial), |(lo, hi)| (lo.min(trial), hi.max(trial))));
        if trial != request.trial {
            continue;
        }
        let step = number(Some(index("step")))?.unwrap_or(-1.0);
        let (Some(x), Some(y)) = (number(Some(index("x")))?, number(Some(index("y")))?) else {
            bail!("{name}, row {}: no position (x, y)", line + 2);
        };
        if step < 0.0 {
            bail!("{name}, row {}: the step is not a whole number", line + 2);
        }
        let goal_at = match (number(goal_x)?, number(goal_y)?) {
            (Some(gx), Some(gy)) => Some((gx, gy)),
            _ => None,
        };
        let reached = number(reached)?.is_some_and(|v| v > 0.5);
        rows.push((step as u64, (x, y), reached, goal_at));
    }
    if request.algo.is_none() && algos.len() > 1 {
        bail!(
            "{name} holds several algorithms ({}); choose one with --algo",
            algos.join(", ")
        );
    }
    if let Some(wanted) = request
        .algo
        .as_deref()
        .filter(|w| !algos.iter().any(|a| a == w))
    {
        bail!(
            "{name} has no rows of algorithm '{wanted}'; it holds: {}",
            algos.join(", ")
        );
    }
    if rows.is_empty() {
        let held = match trials {
            Some((lo, hi)) => format!("it holds trials {lo} to {hi}"),
            None => "it holds no rows".into(),
        };
        bail!("{name} has no rows for trial {}; {held}", request.trial);
    }
    rows.sort_by_key(|row| row.0);
    if let Some(logged) = rows.iter().find_map(|row| row.3)
        && ((logged.0 - goal.0).abs() > 1e-6 || (logged.1 - goal.1).abs() > 1e-6)
    {
        bail!(
            "{name}: trial {} has its goal at ({}, {}), but trial {} of --env {} --seed {} has it at ({}, {}); render with the environment and seed the log was written with (eval's default seed is 1000003)",
            request.trial,
            logged.0,
            logged.1,
            request.trial,
            request.env,
            request.seed,
            goal.0,
            goal.1
        );
    }
    let trial_steps = rows.len();
    let shown = match request.step {
        None => trial_steps,
        Some(n) if n as usize <= trial_steps => n as usize,
        Some(n) => bail!(
            "--step {n}: trial {} of {name} has {trial_steps} steps",
            request.trial
        ),
    };
    let shown_rows = &rows[..shown];
    Ok(LoggedPath {
        positions: shown_rows.iter().map(|row| row.1).collect(),
        goals: shown_rows.iter().filter(|row| row.2).count(),
        trial_steps,
    })
}

/// The grid with its walls, as `Layout`'s drawing, each cell marked: `A`
/// agent, `G` goal, `S` start, `.` visited.
fn draw_grid(env: &GridEnv, start: Xy, agent: Xy, visited: &[Xy]) -> anyhow::Result<String> {
    let layout = env.layout();
    let size = layout.size();
    let cell = |(x, y): Xy| -> anyhow::Result<Cell> {
        let (cx, cy) = (x.round(), y.round());
        if cx < 0.0 || cy < 0.0 || cx as usize >= size || cy as usize >= size {
            bail!("the position ({x}, {y}) lies off the {size}x{size} grid");
        }
        Ok(Cell::new(cx as usize, cy as usize))
    };
    let mut marks = vec![' '; size * size];
    let mut mark = |c: Cell, m: char| marks[c.y * size + c.x] = m;
    for &p in visited {
        mark(cell(p)?, '.');
    }
    mark(cell(start)?, 'S');
    mark(env.goal(), 'G');
    mark(cell(agent)?, 'A');
    let mut out = String::new();
    for y in 0..size {
        for x in 0..size {
            let wall = layout.has_wall(Cell::new(x, y), Direction::North);
            out.push_str(if wall { "+---" } else { "+   " });
        }
        out.push_str("+\n");
        for x in 0..size {
            let wall = layout.has_wall(Cell::new(x, y), Direction::West);
            out.push(if wall { '|' } else { ' ' });
            out.push(' ');
            out.push(marks[y * size + x]);
            out.push(' ');
        }
        out.push_str("|\n");
    }
    out.push_str(&"+---".repeat(size));
    out.push_str("+\n");
    Ok(out)
}

/// The arena as a raster of characters over the unit square: `#` outside
/// the arena, `o` the goal disk, `G` its centre, `S` start, `A` agent, `.`
/// visited.
fn draw_arena(env: &ArenaEnv, start: Xy, agent: Xy, visited: &[Xy]) -> String {
    let shape = env.config().shape;
    let to_point = |c: usize, r: usize| {
        Point::new(
            c as f64 / (ARENA_COLUMNS - 1) as f64,
            r as f64 / (ARENA_ROWS - 1) as f64,
        )
    };
    let mut raster = vec![vec![' '; ARENA_COLUMNS]; ARENA_ROWS];
    for (r, line) in raster.iter_mut().enumerate() {
        for (c, ch) in line.iter_mut().enumerate() {
            let p = to_point(c, r);
            *ch = if !shape.contains(p) {
                '#'
            } else if env.in_goal(p) {
                'o'
            } else {
                ' '
            };
        }
    }
    let mut mark = |(x, y): Xy, m: char| {
        let c = (x.clamp(0.0, 1.0) * (ARENA_COLUMNS - 1) as f64).round() as usize;
        let r = (y.clamp(0.0, 1.0) * (ARENA_ROWS - 1) as f64).round() as usize;
        raster[r][c] = m;
    };
    for &p in visited {
        mark(p, '.');
    }
    mark(start, 'S');
    mark((env.goal().x, env.goal().y), 'G');
    mark(agent, 'A');
    let border = format!("+{}+\n", "-".repeat(ARENA_COLUMNS));
    let mut out = border.clone();
    for line in raster {
        out.push('|');
        out.extend(line);
        out.push_str("|\n");
    }
    out.push_str(&border);
    if shape == Shape::Circle {
        out.push_str("(# lies outside the circular arena)\n");
    }
    out
}
