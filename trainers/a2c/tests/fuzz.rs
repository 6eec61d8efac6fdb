//! Fuzzing the run configuration (TOML and `--set` overrides) and the
//! checkpoint loader (mutated safetensors bytes, arbitrary and mutated
//! sidecars): arbitrary input is an error or a valid value, never a panic.

use std::path::Path;
use std::sync::Arc;

use lsnn_rl_a2c::checkpoint;
use lsnn_rl_a2c::run::{Progress, RunDir, Start, train};
use lsnn_rl_a2c::{EvalSummary, RunConfig, Trainer, UpdateStats};
use lsnn_rl_env::{Registry, TaskDistribution};
use lsnn_rl_neural::AgentKind;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sha2::{Digest, Sha256};
use tch::Device;

/// TOML values of every type, including the awkward ones.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| format!("{v:?}")),
        Just("nan".to_string()),
        Just("-inf".to_string()),
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("18446744073709551616".to_string()),
        any::<bool>().prop_map(|v| v.to_string()),
        "\\PC{0,8}".prop_map(|s| format!("{s:?}")),
        Just("[1, 2]".to_string()),
        Just("{ a = 1 }".to_string()),
        "\\PC{0,8}",
    ]
}

fn base() -> RunConfig {
    RunConfig::new("bandit-dependent", AgentKind::Lsnn, 1)
}

/// A configuration that parses must validate and round-trip.
fn check_parsed(parsed: Result<RunConfig, lsnn_rl_a2c::ConfigError>) -> Result<(), TestCaseError> {
    match parsed {
        Ok(config) => {
            prop_assert!(config.validate().is_ok());
            let again = RunConfig::from_toml(&config.to_toml());
            prop_assert!(again.is_ok(), "{:?}", again.err());
        }
        Err(err) => prop_assert!(!err.to_string().is_empty()),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn arbitrary_toml_text_never_panics(text in prop_oneof![
        any::<String>(),
        "(\\[[a-z]{0,6}\\]\n)?[a-z_]{1,12} = [-0-9.e\"a-z\\[\\]]{0,12}\n{0,2}",
    ]) {
        check_parsed(RunConfig::from_toml(&text))?;
    }

    #[test]
    fn any_value_for_any_key_is_checked(line in any::<prop::sample::Index>(), value in toml_value()) {
        // A valid file with one key's value replaced.
        let text = base().to_toml();
        let lines: Vec<&str> = text.lines().collect();
        let keyed: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].contains(" = ")).collect();
        let target = keyed[line.index(keyed.len())];
        let key = lines[target].split(" = ").next().unwrap();
        let mut changed: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        changed[target] = format!("{key} = {value}");
        check_parsed(RunConfig::from_toml(&changed.join("\n")))?;
    }

    #[test]
    fn any_override_is_checked(
        key in prop_oneof![
            Just("train.lr"), Just("train.batch"), Just("agent.n_lif"), Just("agent.tau_m"),
            Just("agent.kind"), Just("train.on_nonfinite"), Just("train.inject_nonfinite"),
            Just("env"), Just("seed"), Just("train"), Just("nope.x"), Just(""),
        ],
        value in toml_value(),
    ) {
        check_parsed(base().with_overrides(&[format!("{key}={value}")]))?;
    }
}

struct Quiet;
impl Progress for Quiet {
    fn update(&mut self, _: &UpdateStats, _: Option<&EvalSummary>, _: usize) -> bool {
        true
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Flips, overwrites, inserts or cuts bytes.
fn mutate(bytes: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for &(at, how, byte) in edits {
        let at = if out.is_empty() { 0 } else { at % out.len() };
        match how {
            0 if !out.is_empty() => out[at] ^= byte.max(1),
            1 if !out.is_empty() => out[at] = byte,
            2 => out.insert(at, byte),
            _ => out.truncate(at),
        }
    }
    out
}

/// Loads the checkpoint of `sidecar` and, if it loads, applies it to a
/// network: either step may fail, neither may panic.
/// Counts the checkpoints that loaded, so the test can tell that the
/// mutations reach the network, not only the hash check.
static LOADED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn load_and_apply(sidecar: &Path, trainer: &mut Trainer) -> Result<(), TestCaseError> {
    match checkpoint::load(sidecar) {
        Ok(ckpt) => {
            LOADED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = checkpoint::apply(trainer, &ckpt, true);
        }
        Err(err) => prop_assert!(!err.to_string().is_empty()),
    }
    Ok(())
}

#[test]
fn damaged_checkpoints_are_errors_never_panics() {
    tch::set_num_threads(1);
    let mut config = RunConfig::new(
        "bandit-dependent:difficulty=easy,pulls=10",
        AgentKind::Lsnn,
        2,
    );
    config.agent.n_lif = 3;
    config.agent.n_alif = 3;
    config.train.batch = 2;
    config.train.updates = 1;
    config.train.eval_every = 0;
    let mut registry = Registry::new();
    lsnn_rl_bandits::register(&mut registry).unwrap();
    let dist: Arc<dyn TaskDistribution> = Arc::from(registry.make(&config.env).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    train(
        &RunDir::new(&run),
        Start::Fresh(config.clone().validated().unwrap()),
        dist.clone(),
        Device::Cpu,
        &mut Quiet,
    )
    .unwrap();
    let ckpts = run.join("checkpoints");
    let sidecar = ckpts.join("update-0000001.json");
    let meta_text = std::fs::read_to_string(&sidecar).unwrap();
    let meta: serde_json::Value = serde_json::from_str(&meta_text).unwrap();
    let originals = [
        (
            "weights",
            std::fs::read(ckpts.join("update-0000001.safetensors")).unwrap(),
        ),
        (
            "optimizer",
            std::fs::read(ckpts.join("update-0000001.optim.safetensors")).unwrap(),
        ),
    ];
    let trainer = std::cell::RefCell::new(lsnn_rl_a2c::trainer(config, dist, Device::Cpu).unwrap());
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let case_sidecar = work.join("update-0000001.json");
    let cases = std::cell::Cell::new(0);

    // Mutated tensor files, with the sidecar's hash updated so that the
    // safetensors parser and the shape checks see the bytes.
    let edits = proptest::collection::vec((any::<usize>(), 0u8..4, any::<u8>()), 1..6);
    let mut runner = TestRunner::new(Config::with_cases(400));
    runner
        .run(&(0usize..2, edits), |(which, edits)| {
            let (field, original) = &originals[which];
            let bytes = mutate(original, &edits);
            let mut meta = meta.clone();
            meta[format!("{field}_sha256")] = sha256_hex(&bytes).into();
            let file = meta[format!("{field}_file")].as_str().unwrap().to_string();
            for (other, bytes) in &originals {
                let name = meta[format!("{other}_file")].as_str().unwrap().to_string();
                std::fs::write(work.join(name), bytes).unwrap();
            }
            std::fs::write(work.join(file), &bytes).unwrap();
            std::fs::write(&case_sidecar, serde_json::to_vec(&meta).unwrap()).unwrap();
            cases.set(cases.get() + 1);
            load_and_apply(&case_sidecar, &mut trainer.borrow_mut())
        })
        .unwrap();
    for (field, bytes) in &originals {
        let name = meta[format!("{field}_file")].as_str().unwrap().to_string();
        std::fs::write(work.join(name), bytes).unwrap();
    }

    // Arbitrary sidecar bytes, and mutated sidecar text.
    let mut runner = TestRunner::new(Config::with_cases(300));
    runner
        .run(&proptest::collection::vec(any::<u8>(), 0..300), |bytes| {
            std::fs::write(&case_sidecar, &bytes).unwrap();
            cases.set(cases.get() + 1);
            load_and_apply(&case_sidecar, &mut trainer.borrow_mut())
        })
        .unwrap();
    let edits = proptest::collection::vec((any::<usize>(), 0u8..4, any::<u8>()), 1..4);
    let mut runner = TestRunner::new(Config::with_cases(300));
    runner
        .run(&edits, |edits| {
            std::fs::write(&case_sidecar, mutate(meta_text.as_bytes(), &edits)).unwrap();
            cases.set(cases.get() + 1);
            load_and_apply(&case_sidecar, &mut trainer.borrow_mut())
        })
        .unwrap();

    // Each field of the sidecar set to a value of another type or range.
    let keys: Vec<String> = meta.as_object().unwrap().keys().cloned().collect();
    let value = prop_oneof![
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "\\PC{0,12}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("../../etc/passwd")),
        Just(serde_json::Value::from("/")),
        Just(serde_json::json!([])),
        Just(serde_json::json!({"w": [1, 2]})),
        Just(serde_json::Value::Null),
    ];
    let mut runner = TestRunner::new(Config::with_cases(500));
    runner
        .run(&(prop::sample::select(keys), value), |(key, value)| {
            let mut meta = meta.clone();
            meta[&key] = value;
            std::fs::write(&case_sidecar, serde_json::to_vec(&meta).unwrap()).unwrap();
            cases.set(cases.get() + 1);
            load_and_apply(&case_sidecar, &mut trainer.borrow_mut())
        })
        .unwrap();
    assert_eq!(cases.get(), 1500);
    let loaded = LOADED.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        loaded > 50,
        "only {loaded} mutated checkpoints got past the loader"
    );
    eprintln!("{} damaged checkpoints loaded without panic", cases.get());
}
