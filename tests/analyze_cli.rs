//! End-to-end tests of `analyze decode` and `eval --lesion` on a tiny run:
//! the files they write, the report section they feed, and their errors.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{assert_clean_failure, stderr, stdout};

fn lsnn_rl(args: &[&str]) -> Output {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsnn-rl-cache");
    common::lsnn_rl(&cache, args)
}

/// A tiny LSNN run on a short dependent bandit.
fn tiny_run(dir: &Path, agent: &str) -> PathBuf {
    let run = dir.join(agent);
    let out = lsnn_rl(&[
        "train",
        "--quiet",
        "--out",
        run.to_str().unwrap(),
        "--env",
        "bandit-dependent:pulls=20",
        "--agent",
        agent,
        "--updates",
        "2",
        "--set",
        "agent.n_lif=6",
        "--set",
        "agent.n_alif=6",
        "--set",
        "agent.hidden=8",
        "--set",
        "train.batch=4",
        "--set",
        "train.eval_trials=4",
        "--set",
        "train.eval_every=2",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    run
}

/// The CSV at `path` as header and rows of cells.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn decode_writes_a_row_per_component_and_window_and_the_report_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = tiny_run(dir.path(), "lsnn");
    let args = [
        "analyze",
        "decode",
        run.to_str().unwrap(),
        "--target",
        "best_arm",
        "--trials",
        "30",
        "--every",
        "5",
        "--shuffles",
        "1",
        "--quiet",
    ];
    let out = lsnn_rl(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("first_half"), "{}", stdout(&out));
    let (header, rows) = read_csv(&run.join("analysis/decode-best_arm.csv"));
    assert_eq!(
        header,
        [
            "target",
            "metric",
            "component",
            "window_kind",
            "window",
            "samples",
            "trials",
            "score",
            "ci95",
            "chance",
            "chance_sd"
        ]
    );
    // 5 components x (4 steps + 2 phases).
    assert_eq!(rows.len(), 30);
    let steps: Vec<&str> = rows
        .iter()
        .filter(|r| r[2] == "threshold_alif" && r[3] == "step")
        .map(|r| r[4].as_str())
        .collect();
    assert_eq!(steps, ["0", "5", "10", "15"]);
    for r in &rows {
        assert_eq!(r[1], "accuracy");
        let score: f64 = r[7].parse().unwrap();
        assert!((0.0..=1.0).contains(&score), "{r:?}");
        // A step window decodes one sample per trial; a phase pools its steps.
        let expected = if r[3] == "step" { "30" } else { "60" };
        assert_eq!(r[5], expected, "{r:?}");
    }
    let png = std::fs::read(run.join("analysis/decode-best_arm.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");

    // Same seed, same numbers.
    let first = std::fs::read(run.join("analysis/decode-best_arm.csv")).unwrap();
    let out = lsnn_rl(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(run.join("analysis/decode-best_arm.csv")).unwrap(),
        first
    );

    let out = lsnn_rl(&[
        "eval",
        "--run",
        run.to_str().unwrap(),
        "--trials",
        "8",
        "--quiet",
        "--lesion",
        "adaptation@5",
        "--lesion",
        "membrane@0:reset",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (header, rows) = read_csv(&run.join("analysis/lesions.csv"));
    let lesion = header.iter().position(|h| h == "lesion").unwrap();
    let diff = header
        .iter()
        .position(|h| h == "diff_total_reward")
        .unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r[lesion].as_str()).collect();
    assert_eq!(names, ["none", "adaptation@5:zero", "membrane@0:reset"]);
    // The state starts at zero: a reset before the first step changes nothing.
    assert_eq!(rows[2][diff].parse::<f64>().unwrap(), 0.0);

    let page = dir.path().join("report.html");
    let out = lsnn_rl(&[
        "report",
        run.to_str().unwrap(),
        "--out",
        page.to_str().unwrap(),
        "--trials",
        "4",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Where the memory lives"));
    assert!(html.contains("Decoding best_arm"));
    assert!(html.contains("adaptation@5:zero"));
}

#[test]
fn bad_targets_and_lesions_fail_cleanly_naming_what_is_offered() {
    let dir = tempfile::tempdir().unwrap();
    let lsnn = tiny_run(dir.path(), "lsnn");
    let out = lsnn_rl(&[
        "analyze",
        "decode",
        lsnn.to_str().unwrap(),
        "--target",
        "goal_x",
    ]);
    assert_clean_failure(
        &out,
        &["no task variable 'goal_x'", "best_arm", "arm0_mean"],
    );

    // A bad lesion after a good one fails cleanly and writes no table.
    let out = lsnn_rl(&[
        "eval",
        "--run",
        lsnn.to_str().unwrap(),
        "--lesion",
        "membrane@3",
        "--lesion",
        "state@3",
    ]);
    assert_clean_failure(
        &out,
        &["no state to cut", "adaptation, membrane, spikes or readout"],
    );
    assert!(!lsnn.join("analysis/lesions.csv").exists());

    let lstm = tiny_run(dir.path(), "lstm");
    let out = lsnn_rl(&[
        "eval",
        "--run",
        lstm.to_str().unwrap(),
        "--lesion",
        "adaptation@3",
    ]);
    assert_clean_failure(
        &out,
        &["LSTM network has no adaptation", "lesion its state"],
    );

    let out = lsnn_rl(&[
        "eval",
        "--run",
        lstm.to_str().unwrap(),
        "--lesion",
        "threshold@x",
    ]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("unknown part 'threshold'"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
