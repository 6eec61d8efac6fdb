//! Mazes, shortest paths and pools, checked against independent code.

use std::collections::HashSet;

use lsnn_rl_env::{Action, Env, rng_from_seed};
use lsnn_rl_mazes::{Cell, DEFAULT_POOL, Direction, GridTasks, Layout, Layouts};
use proptest::prelude::*;

/// The passages of a layout as pairs of row-major cell indices, each once.
fn edges(layout: &Layout) -> Vec<(usize, usize)> {
    let n = layout.size();
    let mut edges = Vec::new();
    for y in 0..n {
        for x in 0..n {
            let i = y * n + x;
            if x + 1 < n && !layout.has_wall(Cell::new(x, y), Direction::East) {
                edges.push((i, i + 1));
            }
            if y + 1 < n && !layout.has_wall(Cell::new(x, y), Direction::South) {
                edges.push((i, i + n));
            }
        }
    }
    edges
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Perfect by union-find: cells - 1 passages, none of which closes a cycle.
fn is_tree(layout: &Layout) -> bool {
    let cells = layout.size() * layout.size();
    let edges = edges(layout);
    let mut parent: Vec<usize> = (0..cells).collect();
    for &(a, b) in &edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra == rb {
            return false;
        }
        parent[ra] = rb;
    }
    edges.len() + 1 == cells
}

/// All-pairs distances by Floyd-Warshall over the passages.
fn floyd(layout: &Layout) -> Vec<Vec<usize>> {
    let cells = layout.size() * layout.size();
    let inf = usize::MAX / 4;
    let mut d = vec![vec![inf; cells]; cells];
    for (i, row) in d.iter_mut().enumerate() {
        row[i] = 0;
    }
    for (a, b) in edges(layout) {
        d[a][b] = 1;
        d[b][a] = 1;
    }
    for k in 0..cells {
        for i in 0..cells {
            for j in 0..cells {
                let through = d[i][k] + d[k][j];
                if through < d[i][j] {
                    d[i][j] = through;
                }
            }
        }
    }
    d
}

#[test]
fn default_train_and_test_pools_share_no_layout() {
    let train = Layouts::Train.pool(5, DEFAULT_POOL).unwrap();
    let test = Layouts::Test.pool(5, DEFAULT_POOL).unwrap();
    assert_eq!((train.len(), test.len()), (1000, 1000));
    let train_set: HashSet<&Layout> = train.iter().collect();
    let test_set: HashSet<&Layout> = test.iter().collect();
    assert!(train_set.is_disjoint(&test_set));
    // Hardly any repeats within a pool of 5x5 mazes.
    assert!(train_set.len() > 990 && test_set.len() > 990);
    assert!(train.iter().chain(&test).all(is_tree));
    // The distribution builds the same pools.
    let tasks = GridTasks::from_spec("maze-random:layouts=test").unwrap();
    assert_eq!(tasks.pool(), test);
}

#[test]
fn nine_by_nine_pools_are_disjoint_too() {
    let train: HashSet<Layout> = Layouts::Train.pool(9, 300).unwrap().into_iter().collect();
    let test = Layouts::Test.pool(9, 300).unwrap();
    assert!(
        test.iter()
            .all(|l| !train.contains(l) && l.size() == 9 && is_tree(l))
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_generated_maze_is_perfect(size in 1usize..=12, seed in any::<u64>()) {
        let layout = Layout::random_maze(size, &mut rng_from_seed(seed));
        prop_assert!(is_tree(&layout), "\n{}", layout);
        prop_assert!(layout.is_perfect());
        prop_assert_eq!(layout.passages(), size * size - 1);
        let reached = layout.distances_from(Cell::new(0, 0));
        prop_assert!(reached.iter().all(Option::is_some));
    }

    #[test]
    fn seeded_generation_is_reproducible(size in 2usize..=9, seed in any::<u64>()) {
        let a = Layout::random_maze(size, &mut rng_from_seed(seed));
        prop_assert_eq!(&a, &Layout::random_maze(size, &mut rng_from_seed(seed)));
        prop_assert_eq!(a.fingerprint(), Layout::random_maze(size, &mut rng_from_seed(seed)).fingerprint());
    }

    #[test]
    fn open_grid_distance_is_manhattan(
        size in 1usize..=10, ax in 0usize..10, ay in 0usize..10, bx in 0usize..10, by in 0usize..10,
    ) {
        let layout = Layout::open(size);
        let (a, b) = (Cell::new(ax % size, ay % size), Cell::new(bx % size, by % size));
        let manhattan = a.x.abs_diff(b.x) + a.y.abs_diff(b.y);
        prop_assert_eq!(layout.shortest_path_len(a, b), Some(manhattan));
    }

    #[test]
    fn maze_distance_matches_floyd_warshall_and_next_step_descends(
        size in 2usize..=6, seed in any::<u64>(),
    ) {
        let layout = Layout::random_maze(size, &mut rng_from_seed(seed));
        let all = floyd(&layout);
        for a in layout.cells() {
            let from_a = layout.distances_from(a);
            for b in layout.cells() {
                let (i, j) = (layout.index_of(a), layout.index_of(b));
                prop_assert_eq!(from_a[j], Some(all[i][j]));
                match layout.next_step_towards(a, b) {
                    None => prop_assert_eq!(a, b),
                    Some(dir) => {
                        let next = layout.neighbour(a, dir).expect("the step is open");
                        prop_assert_eq!(all[layout.index_of(next)][j] + 1, all[i][j]);
                    }
                }
            }
        }
    }

    #[test]
    fn the_info_oracle_walks_a_shortest_path(seed in any::<u64>(), spec in prop::sample::select(vec![
        "maze-random:size=5",
        "maze-random:size=9,layouts=any,start=random",
        "maze-water-grid:size=7",
    ])) {
        let tasks = GridTasks::from_spec(spec).unwrap();
        let mut env = tasks.sample(&mut rng_from_seed(seed));
        let (_, info) = env.reset(Some(seed));
        let shortest = info.get("shortest_path").unwrap() as usize;
        let start = env.position().unwrap();
        prop_assert_eq!(env.layout().shortest_path_len(start, env.goal()), Some(shortest));
        let mut best = info.get("best_action").unwrap() as usize;
        for taken in 1..=shortest {
            let step = env.step(&Action::Discrete(best)).unwrap();
            prop_assert_eq!(step.info.get("bump"), Some(0.0));
            if taken < shortest {
                prop_assert_eq!(step.info.get("goal_reached"), Some(0.0));
                prop_assert_eq!(step.info.get("distance"), Some((shortest - taken) as f64));
                best = step.info.get("best_action").unwrap() as usize;
            } else {
                prop_assert_eq!(step.info.get("goal_reached"), Some(1.0));
                prop_assert!(step.reward > 0.9);
                prop_assert_eq!(step.info.get("segment_steps"), Some(shortest as f64));
                prop_assert_eq!(step.info.get("shortest_path"), Some(shortest as f64));
            }
        }
    }
}
