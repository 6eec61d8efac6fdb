//! The episode log as CSV (`eval --csv`, `baselines --episodes-csv`).

use lsnn_rl_a2c::LogRow;

/// The episode log as CSV: a row per step per trial of each algorithm, with
/// fixed columns, then every info key any row has, in order of first
/// appearance (empty where a row lacks it). `value` is empty for policies
/// without a critic, `spikes` 0 for networks without spikes.
pub fn episode_csv(groups: &[(&str, &[LogRow])]) -> anyhow::Result<Vec<u8>> {
    let mut keys: Vec<&'static str> = Vec::new();
    for (_, rows) in groups {
        for row in rows.iter() {
            for (key, _) in row.info.entries() {
                if *key != "episode" && !keys.contains(key) {
                    keys.push(key);
                }
            }
        }
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "algo", "trial", "episode", "step", "action", "reward", "done", "value", "spikes",
    ];
    header.extend(keys.iter().copied());
    writer.write_record(&header)?;
    for (algo, rows) in groups {
        for row in rows.iter() {
            let mut record = vec![
                algo.to_string(),
                row.trial.to_string(),
                row.episode.to_string(),
                row.step.to_string(),
                row.action.clone(),
                row.reward.to_string(),
                (row.done as u8).to_string(),
                if row.value.is_nan() {
                    String::new()
                } else {
                    row.value.to_string()
                },
                row.spikes.to_string(),
            ];
            record.extend(
                keys.iter()
                    .map(|k| row.info.get(k).map_or(String::new(), |v| v.to_string())),
            );
            writer.write_record(&record)?;
        }
    }
    Ok(writer.into_inner()?)
}
