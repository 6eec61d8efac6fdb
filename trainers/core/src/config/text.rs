//! The configuration as text: TOML in and out (with each key's documentation
//! as a comment), and `key=value` overrides.

use super::{ConfigError, RunConfig};

impl RunConfig {
    /// Parses TOML text and validates the result; unknown keys are errors
    /// naming the key.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let config = Self::parse_toml(text)?;
        config.validate()?;
        Ok(config)
    }

    /// Parses the `config.toml` of a stored run: like [`RunConfig::from_toml`],
    /// but a key missing from it (the run was written before the key existed)
    /// whose default has changed since takes the value the run was trained
    /// with (the list in `config/text.rs`), not today's default.
    pub fn from_stored_toml(text: &str) -> Result<Self, ConfigError> {
        let mut table: toml::Table =
            toml::from_str(text).map_err(|e| ConfigError::Toml(one_line(&e.to_string())))?;
        for (section, key, value) in LEGACY_DEFAULTS {
            let section = table
                .entry(section.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(section) = section {
                section
                    .entry(key.to_string())
                    .or_insert_with(|| parse_value(value));
            }
        }
        let text = toml::to_string(&table).map_err(|e| ConfigError::Toml(e.to_string()))?;
        Self::from_toml(&text)
    }

    /// Parses TOML text into the typed configuration without checking
    /// ranges, for a caller that layers more on it and validates once at
    /// the end ([`RunConfig::validated`]); unknown keys are errors.
    pub fn parse_toml(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Toml(one_line(&e.to_string())))
    }

    /// The configuration as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a RunConfig always serialises")
    }

    /// The configuration as TOML with each key's documentation as a comment
    /// above it (taken from the doc comments of the config structs).
    pub fn to_commented_toml(&self) -> String {
        let schema =
            serde_json::to_value(schemars::schema_for!(RunConfig)).expect("a schema serialises");
        let defs = schema.get("$defs").cloned().unwrap_or_default();
        let describe = |section: Option<&str>, key: &str| -> Option<String> {
            let props = match section {
                None => schema.get("properties")?,
                Some(section) => {
                    let reference = schema["properties"][section]
                        .get("$ref")
                        .and_then(|r| r.as_str())
                        .or_else(|| {
                            schema["properties"][section]["allOf"][0]
                                .get("$ref")
                                .and_then(|r| r.as_str())
                        })?;
                    let name = reference.rsplit('/').next()?;
                    defs.get(name)?.get("properties")?
                }
            };
            props
                .get(key)?
                .get("description")?
                .as_str()
                .map(|d| d.replace('\n', " "))
        };
        let mut out = String::from(
            "# lsnn-rl run configuration (lsnn-rl config). Every key is optional\n# but env and seed; unknown keys are errors.\n",
        );
        let mut section: Option<String> = None;
        for line in self.to_toml().lines() {
            let trimmed = line.trim();
            if let Some(name) = trimmed.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = Some(name.to_string());
                out.push('\n');
                if let Some(doc) = describe(None, name) {
                    out.push_str(&format!("# {doc}\n"));
                }
            } else if let Some((key, _)) = trimmed.split_once(" = ")
                && let Some(doc) = describe(section.as_deref(), key)
            {
                out.push_str(&format!("# {doc}\n"));
            }
            if !trimmed.is_empty() {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    /// Applies `key=value` overrides (dotted keys: `train.lr=0.001`,
    /// `agent.n_alif=100`, `env=bandit-bernoulli`). Values are TOML values;
    /// a value that is not valid TOML is taken as a string.
    pub fn with_overrides(&self, overrides: &[String]) -> Result<Self, ConfigError> {
        let config = self.apply_overrides(overrides)?;
        config.validate()?;
        Ok(config)
    }

    /// [`RunConfig::with_overrides`] without the range checks, for a caller
    /// that validates once at the end.
    pub fn apply_overrides(&self, overrides: &[String]) -> Result<Self, ConfigError> {
        let mut table: toml::Table =
            toml::from_str(&self.to_toml()).map_err(|e| ConfigError::Toml(e.to_string()))?;
        let mut applied = self.clone();
        for item in overrides {
            let (key, raw) = item
                .split_once('=')
                .ok_or_else(|| ConfigError::Override(item.clone()))?;
            let (key, raw) = (key.trim(), raw.trim());
            if key.is_empty() {
                return Err(ConfigError::Override(item.clone()));
            }
            let value = parse_value(raw);
            let mut path: Vec<&str> = key.split('.').collect();
            let last = path.pop().expect("split gives at least one part");
            let mut node = &mut table;
            for part in path {
                node = match node.get_mut(part) {
                    Some(toml::Value::Table(t)) => t,
                    _ => {
                        return Err(ConfigError::Toml(format!(
                            "unknown configuration key '{key}': there is no section '{part}'"
                        )));
                    }
                };
            }
            if !node.contains_key(last) {
                let valid: Vec<&str> = node.keys().map(String::as_str).collect();
                return Err(ConfigError::Toml(format!(
                    "unknown configuration key '{key}'; valid keys here: {}",
                    valid.join(", ")
                )));
            }
            node.insert(last.to_string(), value);
            // Deserialise after each override, so that a value of the wrong
            // type is named by its override; the last one is the result.
            applied = toml::Value::Table(table.clone())
                .try_into::<Self>()
                .map_err(|e| ConfigError::Toml(format!("{item}: {}", one_line(e.message()))))?;
        }
        Ok(applied)
    }
}

/// Keys whose default changed, as (section, key, the old default as TOML):
/// the spiking default moved from the 2018 reference equations without a
/// firing-rate penalty to the e-prop equations with one (issue 15).
const LEGACY_DEFAULTS: [(&str, &str, &str); 5] = [
    ("agent", "model", "\"bellec2018\""),
    ("agent", "thr_lif", "0.01"),
    ("agent", "thr_alif", "0.01"),
    ("train", "rate_weight", "0.0"),
    ("train", "rate_target", "0.01"),
];

fn parse_value(raw: &str) -> toml::Value {
    // Parse as the right-hand side of a TOML assignment; fall back to a string
    // so `env=bandit-bernoulli:arms=5` needs no quotes.
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => t.remove("v").expect("parsed key"),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
