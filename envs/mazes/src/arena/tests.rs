//! Tests of the continuous arena.

use super::*;

fn config(shape: Shape, actions: ArenaActions) -> ArenaConfig {
    ArenaConfig {
        shape,
        goal_radius: 0.1,
        actions,
        speed: 0.05,
        place_cells: PlaceCells {
            side: 5,
            sigma: 0.15,
        },
        steps: 200,
    }
}

#[test]
fn headings_go_clockwise_from_north() {
    let close =
        |(a, b): (f64, f64), (c, d): (f64, f64)| (a - c).abs() < 1e-12 && (b - d).abs() < 1e-12;
    assert!(close(heading_vector(0), (0.0, -1.0)));
    assert!(close(heading_vector(2), (1.0, 0.0)));
    assert!(close(heading_vector(4), (0.0, 1.0)));
    assert!(close(heading_vector(6), (-1.0, 0.0)));
    let s = std::f64::consts::FRAC_1_SQRT_2;
    assert!(close(heading_vector(1), (s, -s)));
    let o = Point::new(0.5, 0.5);
    for k in 0..HEADINGS {
        let (dx, dy) = heading_vector(k);
        assert_eq!(
            heading_towards(o, Point::new(0.5 + 0.3 * dx, 0.5 + 0.3 * dy)),
            k
        );
    }
    assert_eq!(heading_towards(o, Point::new(0.5, 0.1)), 0);
    assert_eq!(heading_towards(o, Point::new(0.49, 0.1)), 0);
}

#[test]
fn place_cells_peak_at_their_centres() {
    let cells = PlaceCells {
        side: 5,
        sigma: 0.15,
    };
    assert_eq!(cells.centre(0), Point::new(0.1, 0.1));
    assert_eq!(cells.centre(7), Point::new(0.5, 0.3));
    let code = cells.encode(Point::new(0.5, 0.3));
    assert_eq!(code.len(), 25);
    assert_eq!(code[7], 1.0);
    let expected = (-(0.2f64 * 0.2) / (2.0 * 0.15 * 0.15)).exp() as f32;
    assert!((code[8] - expected).abs() < 1e-6);
    assert!(code.iter().all(|&a| (0.0..=1.0).contains(&a)));
}

#[test]
fn goal_pays_one_and_respawns_outside() {
    let goal = Point::new(0.5, 0.3);
    let mut env =
        ArenaEnv::new("a", config(Shape::Square, ArenaActions::Discrete), goal, 1).unwrap();
    env.reset(Some(3));
    let mut visits = 0;
    for _ in 0..200 {
        let at = env.position().unwrap();
        assert!(!env.in_goal(at));
        let step = env.step(&env.best_action(at)).unwrap();
        if step.info.get("goal_reached") == Some(1.0) {
            visits += 1;
            assert_eq!(step.reward, 1.0);
            let new = env.position().unwrap();
            assert!(!env.in_goal(new));
            assert_eq!(step.info.get("x"), Some(new.x));
            assert!(step.info.get("segment_steps") >= step.info.get("shortest_path"));
        } else {
            assert_eq!(step.reward, 0.0);
        }
        if step.done() {
            assert!(step.truncated && !step.terminated);
            break;
        }
    }
    assert!(
        visits >= 10,
        "the oracle found the goal only {visits} times"
    );
}

#[test]
fn the_continuous_oracle_needs_exactly_the_shortest_path() {
    let goal = Point::new(0.7, 0.7);
    let mut env = ArenaEnv::new(
        "a",
        config(Shape::Circle, ArenaActions::Continuous),
        goal,
        1,
    )
    .unwrap();
    env.reset(Some(5));
    let mut checked = 0;
    for _ in 0..200 {
        let step = env.step(&env.best_action(env.position().unwrap())).unwrap();
        if step.info.get("goal_reached") == Some(1.0) {
            assert_eq!(
                step.info.get("segment_steps"),
                step.info.get("shortest_path")
            );
            checked += 1;
        }
    }
    assert!(checked > 5);
}

#[test]
fn walls_project_back_inside() {
    let goal = Point::new(0.6, 0.6);
    for shape in Shape::ALL {
        let mut env = ArenaEnv::new("a", config(shape, ArenaActions::Discrete), goal, 1).unwrap();
        env.reset(Some(0));
        let mut bumps = 0;
        for _ in 0..40 {
            let step = env.step(&Action::Discrete(7)).unwrap();
            let p = env.position().unwrap();
            assert!(shape.contains(p), "{shape:?}: {p:?}");
            bumps += step.info.get("bump").unwrap() as usize;
        }
        assert!(bumps > 10, "{shape:?}: {bumps}");
    }
    assert_eq!(
        Shape::Square.project(Point::new(-0.2, 1.5)),
        Point::new(0.0, 1.0)
    );
    let on_circle = Shape::Circle.project(Point::new(0.5, 1.5));
    assert!((on_circle.y - 1.0).abs() < 1e-12 && (on_circle.x - 0.5).abs() < 1e-12);
}

#[test]
fn passing_through_the_goal_counts() {
    // A step that jumps over a small disk still reaches it.
    let mut cfg = config(Shape::Square, ArenaActions::Continuous);
    cfg.goal_radius = 0.01;
    cfg.speed = 0.2;
    let goal = Point::new(0.5, 0.5);
    let mut env = ArenaEnv::new("a", cfg, goal, 1).unwrap();
    env.reset(None);
    let mut hit = false;
    for _ in 0..200 {
        let at = env.position().unwrap();
        let step = env.step(&env.best_action(at)).unwrap();
        if step.info.get("goal_reached") == Some(1.0) {
            hit = true;
            break;
        }
    }
    assert!(hit);
    assert!(segment_distance(Point::new(0.4, 0.5), Point::new(0.6, 0.5), goal) < 1e-12);
}

#[test]
fn errors_instead_of_panics() {
    let goal = Point::new(0.5, 0.5);
    let mut env = ArenaEnv::new(
        "a",
        config(Shape::Square, ArenaActions::Continuous),
        goal,
        1,
    )
    .unwrap();
    assert!(matches!(
        env.step(&Action::Continuous(vec![0.0, 0.0])),
        Err(EnvError::NotReset { .. })
    ));
    env.reset(None);
    for bad in [
        Action::Discrete(0),
        Action::Continuous(vec![0.0]),
        Action::Continuous(vec![1.5, 0.0]),
        Action::Continuous(vec![f32::NAN, 0.0]),
    ] {
        assert!(
            matches!(env.step(&bad), Err(EnvError::InvalidAction { .. })),
            "{bad}"
        );
    }
    let mut cfg = config(Shape::Circle, ArenaActions::Discrete);
    assert!(ArenaEnv::new("a", cfg, Point::new(0.95, 0.5), 0).is_err());
    cfg.goal_radius = 0.5;
    assert!(ArenaEnv::new("a", cfg, goal, 0).is_err());
    cfg.goal_radius = 0.1;
    cfg.place_cells.side = 0;
    assert!(ArenaEnv::new("a", cfg, goal, 0).is_err());
}

#[test]
fn a_huge_goal_still_leaves_a_start() {
    let mut cfg = config(Shape::Circle, ArenaActions::Discrete);
    cfg.goal_radius = 0.4999;
    let mut env = ArenaEnv::new("a", cfg, CENTRE, 0).unwrap();
    env.reset(None);
    assert!(!env.in_goal(env.position().unwrap()));
}
