//! End-to-end tests of the `lsnn-rl` binary: what a user types, what they see.

mod common;

use common::{assert_clean_failure, lsnn_rl, stderr, stdout};

const BANDITS: [&str; 5] = [
    "bandit-bernoulli",
    "bandit-dependent",
    "bandit-eleven-arm",
    "bandit-gaussian",
    "bandit-restless",
];

#[test]
fn envs_lists_every_bandit_with_spaces_and_defaults() {
    let cache = tempfile::tempdir().unwrap();
    let out = lsnn_rl(cache.path(), &["envs"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for id in BANDITS {
        assert!(text.contains(id), "{id} missing from:\n{text}");
    }
    assert!(text.contains("arms=5"), "defaults missing:\n{text}");
    assert!(text.contains("Discrete(11)"), "spaces missing:\n{text}");

    let out = lsnn_rl(cache.path(), &["envs", "--json"]);
    let listing: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    for id in BANDITS {
        assert!(ids.contains(&id));
    }
    let bernoulli = listing
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "bandit-bernoulli")
        .unwrap();
    assert_eq!(bernoulli["params"][0]["name"], "arms");
}

#[test]
fn baselines_writes_the_csv_and_orders_the_algorithms_sensibly() {
    let cache = tempfile::tempdir().unwrap();
    let csv_path = cache.path().join("out.csv");
    let args = [
        "baselines",
        "--env",
        "bandit-bernoulli:arms=5,pulls=100",
        "--trials",
        "300",
        "--seed",
        "0",
        "--csv",
        csv_path.to_str().unwrap(),
    ];
    let out = lsnn_rl(cache.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("gittins"), "{}", stdout(&out));

    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    for column in [
        "env",
        "algo",
        "trials",
        "mean_total_reward",
        "ci95",
        "mean_regret",
    ] {
        assert!(
            header.iter().any(|h| h == column),
            "no column {column}: {header:?}"
        );
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut reward = std::collections::HashMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        assert_eq!(&record[col("env")], "bandit-bernoulli:arms=5,pulls=100");
        assert_eq!(&record[col("trials")], "300");
        let mean: f64 = record[col("mean_total_reward")].parse().unwrap();
        let regret: f64 = record[col("mean_regret")].parse().unwrap();
        assert!(regret >= 0.0);
        reward.insert(record[col("algo")].to_string(), mean);
    }
    for algo in [
        "random",
        "greedy",
        "eps-greedy",
        "ucb1",
        "thompson",
        "gittins",
    ] {
        assert!(reward.contains_key(algo), "{algo} missing: {reward:?}");
    }
    // Random earns about 50 of 100 pulls; the Bayesian policies far more.
    assert!((reward["random"] - 50.0).abs() < 3.0, "{reward:?}");
    assert!(reward["gittins"] > reward["random"] + 20.0, "{reward:?}");
    assert!(reward["thompson"] > reward["random"] + 15.0, "{reward:?}");
    assert!(reward["gittins"] > reward["ucb1"] - 1.0, "{reward:?}");

    // Same seed, same table, byte for byte.
    let first = std::fs::read(&csv_path).unwrap();
    let out = lsnn_rl(cache.path(), &args);
    assert!(out.status.success());
    assert_eq!(first, std::fs::read(&csv_path).unwrap());
}

#[test]
fn bad_environments_fail_with_a_clear_message() {
    let cache = tempfile::tempdir().unwrap();
    let out = lsnn_rl(cache.path(), &["baselines", "--env", "no-such-env"]);
    assert_clean_failure(
        &out,
        &["unknown environment 'no-such-env'", "bandit-bernoulli"],
    );

    let out = lsnn_rl(
        cache.path(),
        &["baselines", "--env", "bandit-bernoulli:arms=0"],
    );
    assert_clean_failure(&out, &["arms=0", "at least 1"]);

    let out = lsnn_rl(
        cache.path(),
        &["baselines", "--env", "bandit-bernoulli:legs=3"],
    );
    assert_clean_failure(&out, &["no parameter 'legs'", "arms", "pulls"]);

    let out = lsnn_rl(
        cache.path(),
        &["baselines", "--env", "bandit-bernoulli:arms"],
    );
    assert_clean_failure(&out, &["malformed environment spec"]);
}

#[test]
fn bad_algorithms_and_outputs_fail_with_a_clear_message() {
    let cache = tempfile::tempdir().unwrap();
    let out = lsnn_rl(
        cache.path(),
        &[
            "baselines",
            "--env",
            "bandit-bernoulli",
            "--algos",
            "ucb1,oracle9",
        ],
    );
    assert_clean_failure(&out, &["oracle9", "thompson"]);

    let out = lsnn_rl(
        cache.path(),
        &[
            "baselines",
            "--env",
            "bandit-gaussian",
            "--algos",
            "thompson",
            "--trials",
            "5",
        ],
    );
    assert_clean_failure(&out, &["thompson"]);

    let missing = cache.path().join("no-such-folder").join("out.csv");
    let out = lsnn_rl(
        cache.path(),
        &[
            "baselines",
            "--env",
            "bandit-bernoulli:arms=2,pulls=10",
            "--trials",
            "5",
            "--algos",
            "random",
            "--csv",
            missing.to_str().unwrap(),
        ],
    );
    assert_clean_failure(&out, &["no-such-folder"]);
}

#[test]
fn algorithms_that_cannot_play_a_task_are_skipped_with_a_note() {
    let cache = tempfile::tempdir().unwrap();
    let out = lsnn_rl(
        cache.path(),
        &["baselines", "--env", "bandit-gaussian", "--trials", "20"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let notes = stderr(&out);
    assert!(notes.contains("skipped thompson"), "{notes}");
    assert!(notes.contains("skipped gittins"), "{notes}");
    assert!(stdout(&out).contains("eps-greedy"), "{}", stdout(&out));
}

#[test]
fn every_subcommand_help_has_examples() {
    let cache = tempfile::tempdir().unwrap();
    for sub in ["envs", "baselines", "info"] {
        let out = lsnn_rl(cache.path(), &[sub, "--help"]);
        assert!(out.status.success());
        assert!(
            stdout(&out).contains("Examples:"),
            "{sub} --help lacks examples"
        );
    }
}

#[test]
fn the_binary_finds_libtorch_without_ld_library_path() {
    let cache = tempfile::tempdir().unwrap();
    let out = lsnn_rl(cache.path(), &["info"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("libtorch: /"), "{text}");
    assert!(text.contains("libtorch_cpu.so"), "{text}");
}

/// The columns of the navigation CSV, in order (more may follow).
const NAVIGATION_COLUMNS: [&str; 12] = [
    "env",
    "algo",
    "trials",
    "goals_per_trial",
    "goals_per_trial_ci95",
    "steps_to_first_goal",
    "steps_to_first_goal_ci95",
    "steps_per_later_goal",
    "steps_per_later_goal_ci95",
    "later_goal_path_ratio",
    "later_goal_path_ratio_ci95",
    "seed",
];

#[test]
fn navigation_baselines_rank_oracle_above_explorer_above_random() {
    let cache = tempfile::tempdir().unwrap();
    let csv_path = cache.path().join("maze.csv");
    let out = lsnn_rl(
        cache.path(),
        &[
            "baselines",
            "--env",
            "maze-water-grid",
            "--trials",
            "100",
            "--seed",
            "0",
            "--csv",
            csv_path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    for needle in [
        "goals/trial",
        "steps to 1st goal",
        "later/shortest",
        "explorer",
    ] {
        assert!(table.contains(needle), "'{needle}' missing from:\n{table}");
    }

    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..12], NAVIGATION_COLUMNS, "{header:?}");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut goals = std::collections::HashMap::new();
    let mut ratio = std::collections::HashMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        assert!(record[col("env")].starts_with("maze-water-grid:size=7,"));
        assert_eq!(&record[col("trials")], "100");
        let algo = record[col("algo")].to_string();
        let number = |name: &str| record[col(name)].parse::<f64>().unwrap();
        goals.insert(algo.clone(), number("goals_per_trial"));
        ratio.insert(algo, number("later_goal_path_ratio"));
        assert!(number("goals_per_trial_ci95") >= 0.0);
        assert!(number("steps_to_first_goal") >= 1.0);
    }
    assert_eq!(goals.len(), 3, "random, explorer and oracle: {goals:?}");
    assert!(
        goals["oracle"] > goals["explorer"] && goals["explorer"] > goals["random"],
        "{goals:?}"
    );
    assert!(ratio["explorer"] < 1.3, "{ratio:?}");
    assert!((ratio["oracle"] - 1.0).abs() < 1e-9, "{ratio:?}");
}

/// On a task of two episodes per trial the baselines' table adds each
/// episode's success and steps: the explorer maps the maze in episode 1 and
/// walks the shortest path in episode 2.
#[test]
fn baselines_compare_the_episodes_of_a_two_episode_maze() {
    let cache = tempfile::tempdir().unwrap();
    let out = lsnn_rl(
        cache.path(),
        &[
            "baselines",
            "--env",
            "maze-random",
            "--algos",
            "explorer,oracle",
            "--trials",
            "50",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let episodes = text
        .split("episodes of a trial\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no episode table:\n{text}"));
    assert!(episodes.starts_with("algo "), "{text}");
    assert!(episodes.contains("ep2 <= ep1"), "{text}");
    let row = |algo: &str| -> Vec<f64> {
        let line = episodes
            .lines()
            .find(|l| l.starts_with(algo))
            .unwrap_or_else(|| panic!("{algo} missing:\n{text}"));
        line.split_whitespace()
            .skip(1)
            .map(|v| v.parse().unwrap_or(f64::NAN))
            .collect()
    };
    // Columns: ep1 success, ±, ep1 steps, ±, ep2 success, ±, ep2 steps, ±, share.
    let explorer = row("explorer");
    let oracle = row("oracle");
    assert_eq!(
        (explorer[0], explorer[4], explorer[8]),
        (1.0, 1.0, 1.0),
        "{text}"
    );
    assert!(explorer[2] > explorer[6], "episode 2 is shorter:\n{text}");
    // The explorer's second episode is the oracle's shortest path.
    assert!((explorer[6] - oracle[6]).abs() < 1e-9, "{text}");
}

#[test]
fn render_draws_the_layout_the_goal_and_the_agent() {
    let cache = tempfile::tempdir().unwrap();
    for env in ["maze-water-grid", "maze-random:size=6"] {
        let out = lsnn_rl(cache.path(), &["render", "--env", env, "--seed", "3"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        for needle in ["+---+", " A ", " G ", "seed 3, trial 0"] {
            assert!(
                text.contains(needle),
                "{env}: '{needle}' missing from:\n{text}"
            );
        }
    }
    let out = lsnn_rl(cache.path(), &["render", "--env", "arena-water"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains('A') && text.contains('G') && text.contains('o'),
        "{text}"
    );

    // A logged path: three steps of trial 0, the third not shown.
    let log = cache.path().join("episodes.csv");
    std::fs::write(
        &log,
        "trial,episode,step,action,reward,done,value,spikes,x,y,goal_reached\n\
         0,0,0,1,0,0,0.5,3,1,1,0\n\
         0,0,1,1,0,0,0.5,3,2,1,0\n\
         0,0,2,2,0,0,0.5,3,2,2,0\n",
    )
    .unwrap();
    let out = lsnn_rl(
        cache.path(),
        &[
            "render",
            "--env",
            "maze-water-grid",
            "--episodes-csv",
            log.to_str().unwrap(),
            "--step",
            "2",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("A agent (2, 1)"), "{text}");
    assert!(text.contains("step 2 of 3"), "{text}");
}

#[test]
fn render_rejects_bad_input_with_one_clear_line() {
    let cache = tempfile::tempdir().unwrap();
    let path = |name: &str| cache.path().join(name).to_str().unwrap().to_string();
    let render = |extra: &[&str]| {
        let mut args = vec!["render", "--env", "maze-water-grid", "--seed", "0"];
        args.extend_from_slice(extra);
        lsnn_rl(cache.path(), &args)
    };

    let missing = path("no-such.csv");
    let out = render(&["--episodes-csv", &missing]);
    assert_clean_failure(&out, &["cannot read the episode log", "no-such.csv"]);

    let bandit_log = path("bandit.csv");
    std::fs::write(&bandit_log, "trial,episode,step,action,reward\n0,0,0,1,1\n").unwrap();
    let out = render(&["--episodes-csv", &bandit_log]);
    assert_clean_failure(&out, &["lacks the column(s) x, y"]);

    let log = path("episodes.csv");
    std::fs::write(
        &log,
        "trial,step,x,y,goal_x,goal_y\n0,0,1,1,6,6\n2,0,1,1,6,6\n",
    )
    .unwrap();
    let out = render(&["--episodes-csv", &log, "--trial", "1"]);
    assert_clean_failure(&out, &["no rows for trial 1", "trials 0 to 2"]);
    let out = render(&["--episodes-csv", &log]);
    assert_clean_failure(&out, &["has its goal at (6, 6)", "--seed 0"]);

    let out = lsnn_rl(cache.path(), &["render", "--env", "bandit-bernoulli"]);
    assert_clean_failure(&out, &["navigation", "bandit-bernoulli"]);

    let out = lsnn_rl(cache.path(), &["render", "--help"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("Examples:"));
}

#[test]
fn baselines_write_the_episode_log_of_every_algorithm() {
    let cache = tempfile::tempdir().unwrap();
    let log = cache.path().join("episodes.csv");
    let out = lsnn_rl(
        cache.path(),
        &[
            "baselines",
            "--env",
            "bandit-bernoulli:arms=3,pulls=10",
            "--trials",
            "4",
            "--algos",
            "random,ucb1",
            "--episodes-csv",
            log.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The columns of `eval --csv`, a row per step per trial per algorithm.
    assert!(
        lines[0].starts_with(
            "algo,trial,episode,step,action,reward,done,value,spikes,arm,expected_reward"
        ),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 1 + 2 * 4 * 10);
    assert_eq!(lines.iter().filter(|l| l.starts_with("ucb1,")).count(), 40);
    // UCB1 plays each arm once first.
    let first_arms: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("ucb1,0,"))
        .take(3)
        .map(|l| l.split(',').nth(4).unwrap())
        .collect();
    let mut sorted = first_arms.clone();
    sorted.sort();
    assert_eq!(sorted, ["0", "1", "2"], "{first_arms:?}");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.split(',').nth(6) == Some("1"))
            .count(),
        8,
        "one done per trial"
    );
}

/// A reader that closes the pipe early (`lsnn-rl envs | head -1`) stops the
/// program quietly: no panic message about the broken pipe.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_lsnn-rl"))
        .arg("envs")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the program writes its first line.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let text = stderr(&out);
    assert!(!text.contains("panicked"), "{text}");
    assert!(!text.contains("Broken pipe"), "{text}");
}
