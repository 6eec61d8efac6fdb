//! The axes of a sweep file (`[axes]`): each a configuration key and its
//! values, and the cell names built from them.

use anyhow::bail;

/// One axis: a configuration key and the values it takes.
#[derive(Debug)]
pub struct Axis {
    /// The key as the file writes it (`agent`, `seed`, `train.lr`): the
    /// column name in `collect`.
    pub key: String,
    /// The configuration key it sets (`agent` is `agent.kind`).
    pub config_key: String,
    /// The values, in order.
    pub values: Vec<toml::Value>,
}

impl Axis {
    pub(super) fn parse(key: String, value: toml::Value) -> anyhow::Result<Self> {
        let config_key = match key.as_str() {
            "agent" => "agent.kind".to_string(),
            _ => key.clone(),
        };
        let values = match value {
            toml::Value::Array(values) => values,
            toml::Value::Table(t)
                if t.keys()
                    .all(|k| ["start", "stop", "step"].contains(&k.as_str())) =>
            {
                range(&key, &t)?
            }
            toml::Value::Table(_) => bail!(
                "[axes] {key} is a table: write dotted keys in quotes, \"{key}.KEY\" = [...], or give a range {{ start = 0, stop = 5 }}"
            ),
            other => bail!(
                "[axes] {key} = {other}: give a list of values, e.g. {key} = [{other}], or a range {{ start = 0, stop = 5 }}"
            ),
        };
        if values.is_empty() {
            bail!("[axes] {key} has no values: give at least one, or remove the axis");
        }
        if let Some(bad) = values
            .iter()
            .find(|v| matches!(v, toml::Value::Array(_) | toml::Value::Table(_)))
        {
            bail!("[axes] {key}: {bad} is not a single value (string, number or boolean)");
        }
        Ok(Self {
            key,
            config_key,
            values,
        })
    }
}

/// `{ start, stop, step }`: integers from start up to, not including, stop.
fn range(key: &str, t: &toml::Table) -> anyhow::Result<Vec<toml::Value>> {
    let int = |name: &str, default: Option<i64>| -> anyhow::Result<i64> {
        match (t.get(name), default) {
            (Some(toml::Value::Integer(i)), _) => Ok(*i),
            (None, Some(d)) => Ok(d),
            (Some(other), _) => bail!("[axes] {key}: range {name} = {other} is not an integer"),
            (None, None) => {
                bail!("[axes] {key}: a range needs start and stop, e.g. {{ start = 0, stop = 5 }}")
            }
        }
    };
    let (start, stop, step) = (
        int("start", None)?,
        int("stop", None)?,
        int("step", Some(1))?,
    );
    if step <= 0 {
        bail!("[axes] {key}: range step = {step} must be at least 1");
    }
    if stop - start > 100_000 * step {
        bail!("[axes] {key}: range {start}..{stop} has more than 100000 values");
    }
    Ok((start..stop)
        .step_by(step as usize)
        .map(toml::Value::Integer)
        .collect())
}

/// A value as a table cell: strings without quotes.
pub(super) fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `agent-lsnn_seed-0`: each axis's last key segment (the whole key where
/// two axes share it) and value. Characters other than letters, digits, `.`
/// and `-` become `-`, and a value changed that way gets a short hash of
/// itself, so distinct values keep distinct names.
pub(super) fn cell_name(axes: &[Axis], params: &[(String, String)]) -> String {
    if params.is_empty() {
        return "base".into();
    }
    let short = |key: &str| key.rsplit('.').next().unwrap_or(key).to_string();
    let parts: Vec<String> = params
        .iter()
        .map(|(key, value)| {
            let mut label = short(key);
            if axes.iter().filter(|a| short(&a.key) == label).count() > 1 {
                label = key.clone();
            }
            let clean: String = value
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            if clean == *value && !clean.is_empty() {
                format!("{label}-{clean}")
            } else {
                format!(
                    "{label}-{clean}-{:06x}",
                    fnv1a(value.as_bytes()) & 0xff_ffff
                )
            }
        })
        .collect();
    parts.join("_")
}

/// FNV-1a, 64 bits: a stable hash (the standard library's may change).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
