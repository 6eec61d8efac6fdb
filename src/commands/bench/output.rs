//! The results of `lsnn-rl bench` as a table on stdout and as CSV.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use super::Row;
use crate::common::output::write_atomically;

const CSV_HEADER: [&str; 18] = [
    "preset",
    "mode",
    "threads",
    "device",
    "bptt",
    "env",
    "batch",
    "neurons",
    "trial_steps",
    "truncate",
    "env_steps_per_s",
    "update_ms_median",
    "update_ms_min",
    "update_ms_max",
    "rollout_share",
    "backward_share",
    "optimiser_share",
    "peak_rss_mb",
];

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub(super) fn print_table(rows: &[Row]) {
    println!(
        "{:<22} {:<5} {:>7} {:>6} {:>8} {:>12} {:>10} {:>17} {:>22} {:>8} {:>14}",
        "preset",
        "mode",
        "threads",
        "conn.",
        "bptt",
        "env-steps/s",
        "ms/update",
        "min..max ms",
        "rollout/backward/optim",
        "peak MB",
        "GEMM ms (x)"
    );
    for r in rows {
        let shares = r.shares.map_or("-".to_string(), |s| {
            format!(
                "{:.0}%/{:.0}%/{:.0}%",
                s[0] * 100.0,
                s[1] * 100.0,
                s[2] * 100.0
            )
        });
        let gemm = r.gemm.map_or("-".to_string(), |g| {
            format!("{:.2} ({:.2}x)", ms(g), ms(r.median) / ms(g))
        });
        println!(
            "{:<22} {:<5} {:>7} {:>6} {:>8} {:>12.0} {:>10.2} {:>17} {:>22} {:>8} {:>14}",
            r.subject.name,
            r.mode,
            r.threads,
            r.subject.connectivity,
            r.bptt,
            r.env_steps_per_s,
            ms(r.median),
            format!("{:.2}..{:.2}", ms(r.min), ms(r.max)),
            shares,
            r.peak_rss_mb.map_or("-".to_string(), |m| format!("{m:.0}")),
            gemm
        );
    }
}

pub(super) fn write_csv(path: &Path, rows: &[Row]) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = CSV_HEADER.to_vec();
    header.extend([
        "gemm_ms",
        "update_over_gemm",
        "model",
        "recurrent",
        "rate",
        "connectivity",
    ]);
    writer.write_record(&header)?;
    for r in rows {
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.4}"));
        let share = |i: usize| opt(r.shares.map(|s| s[i]));
        writer.write_record([
            r.subject.name.clone(),
            r.mode.to_string(),
            r.threads.to_string(),
            r.device.clone(),
            r.bptt.to_string(),
            r.subject.env.clone(),
            r.subject.batch.to_string(),
            r.subject.neurons().to_string(),
            r.trial_steps.to_string(),
            r.subject.truncate.to_string(),
            format!("{:.1}", r.env_steps_per_s),
            format!("{:.4}", ms(r.median)),
            format!("{:.4}", ms(r.min)),
            format!("{:.4}", ms(r.max)),
            share(0),
            share(1),
            share(2),
            opt(r.peak_rss_mb),
            opt(r.gemm.map(ms)),
            opt(r.gemm.map(|g| ms(r.median) / ms(g))),
            r.subject
                .model
                .map_or(String::new(), |m| m.as_str().to_string()),
            format!("{:?}", r.recurrent).to_lowercase(),
            opt(r.rate),
            r.subject.connectivity.to_string(),
        ])?;
    }
    let bytes = writer.into_inner().context("CSV buffer")?;
    write_atomically(path, &bytes)
}
