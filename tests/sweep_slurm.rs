//! The small sweep on a real single-node Slurm cluster against the local
//! runner (scripts/test-sweep-slurm.sh). Runs wherever `slurmctld` is
//! installed (CI installs it); elsewhere it prints why it did nothing.

use std::path::Path;
use std::process::Command;

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .chain([Path::new("/usr/sbin").to_path_buf()])
            .any(|dir| dir.join(name).is_file())
    })
}

#[test]
fn slurm_runner_gives_the_local_runners_table() {
    if !on_path("slurmctld") {
        eprintln!(
            "note: slurmctld is not installed, so the Slurm test did not run \
             (apt-get install -y --no-install-recommends slurm-wlm munge; .ci/run does)"
        );
        return;
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let csv = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new("bash")
        .arg(Path::new(root).join("scripts/test-sweep-slurm.sh"))
        .arg(csv.path())
        .env("LSNN_RL_BIN", env!("CARGO_BIN_EXE_lsnn-rl"))
        .env(
            "PATH",
            format!("{}:/usr/sbin", std::env::var("PATH").unwrap_or_default()),
        )
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("identical CSV"), "{stdout}");
    let table = std::fs::read_to_string(csv.path()).unwrap();
    assert!(
        table.starts_with("agent,seeds,mean_total_reward,ci95,mean_regret,regret_ci95\nlsnn,2,"),
        "{table}"
    );
    assert_eq!(table.lines().count(), 3, "{table}");
    // The script stopped what it started: nothing listens on Slurm's ports.
    let ports = ["/proc/net/tcp", "/proc/net/tcp6"]
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .join("\n");
    for port in ["1AA1", "1AA2"] {
        let listening = ports.lines().any(|l| {
            l.split_whitespace()
                .nth(1)
                .is_some_and(|a| a.ends_with(&format!(":{port}")))
                && l.split_whitespace().nth(3) == Some("0A")
        });
        assert!(
            !listening,
            "a Slurm daemon still listens on port {}",
            u16::from_str_radix(port, 16).unwrap()
        );
    }
}
