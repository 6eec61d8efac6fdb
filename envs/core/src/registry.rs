//! Environment specs (`ID[:key=value,...]`) and the registry that builds them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::TaskDistribution;

/// Why a spec could not be turned into an environment.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SpecError {
    /// The spec string does not have the form `ID[:key=value,...]`.
    #[error(
        "malformed environment spec '{spec}': {reason}; expected ID[:key=value,...], e.g. bandit-bernoulli:arms=5,pulls=100"
    )]
    Malformed {
        /// The spec as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No environment is registered under this id.
    #[error("unknown environment '{id}'; registered environments: {}", valid.join(", "))]
    UnknownEnv {
        /// The id asked for.
        id: String,
        /// The registered ids.
        valid: Vec<String>,
    },
    /// The environment has no parameter of this name.
    #[error("{env} has no parameter '{key}'; its parameters are: {}", valid.join(", "))]
    UnknownKey {
        /// The environment id.
        env: String,
        /// The key given.
        key: String,
        /// The environment's parameters.
        valid: Vec<String>,
    },
    /// A parameter's value does not parse or is out of range.
    #[error("{env}: {key}={value} is invalid: {reason}")]
    BadValue {
        /// The environment id.
        env: String,
        /// The parameter.
        key: String,
        /// The value given.
        value: String,
        /// What a valid value looks like.
        reason: String,
    },
    /// Two environments were registered under one id.
    #[error("an environment with id '{id}' is already registered")]
    Duplicate {
        /// The id.
        id: String,
    },
}

/// A parsed spec string: an id and its `key=value` pairs, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvSpec {
    /// The environment id, e.g. `bandit-bernoulli`.
    pub id: String,
    /// The parameters given, in order.
    pub params: Vec<(String, String)>,
}

impl FromStr for EnvSpec {
    type Err = SpecError;

    fn from_str(spec: &str) -> Result<Self, SpecError> {
        let malformed = |reason: &str| SpecError::Malformed {
            spec: spec.to_string(),
            reason: reason.to_string(),
        };
        let (id, rest) = match spec.split_once(':') {
            Some((id, rest)) => (id.trim(), Some(rest)),
            None => (spec.trim(), None),
        };
        if id.is_empty() {
            return Err(malformed("the id is empty"));
        }
        if !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(malformed(
                "the id may hold only letters, digits, '-' and '_'",
            ));
        }
        let mut params: Vec<(String, String)> = Vec::new();
        if let Some(rest) = rest {
            for pair in rest.split(',') {
                let Some((key, value)) = pair.split_once('=') else {
                    return Err(malformed(&format!("'{pair}' is not key=value")));
                };
                let (key, value) = (key.trim(), value.trim());
                if key.is_empty() || value.is_empty() {
                    return Err(malformed(&format!("'{pair}' has an empty key or value")));
                }
                if params.iter().any(|(k, _)| k == key) {
                    return Err(malformed(&format!("'{key}' is given twice")));
                }
                params.push((key.to_string(), value.to_string()));
            }
        }
        Ok(EnvSpec {
            id: id.to_string(),
            params,
        })
    }
}

/// One parameter of a registered environment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ParamInfo {
    /// The key users type.
    pub name: &'static str,
    /// The default value, as text.
    pub default: &'static str,
    /// One line on what it means and which values are valid.
    pub help: &'static str,
}

impl ParamInfo {
    /// A parameter with its default and help line.
    pub const fn new(name: &'static str, default: &'static str, help: &'static str) -> Self {
        Self {
            name,
            default,
            help,
        }
    }
}

/// The parameters handed to an environment's builder: every declared key,
/// with the user's value or the default, and typed getters that report bad
/// values as [`SpecError::BadValue`].
#[derive(Clone, Debug)]
pub struct Params {
    id: String,
    values: BTreeMap<&'static str, String>,
    order: Vec<&'static str>,
}

impl Params {
    /// The environment id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The full spec with every parameter spelled out, in declaration order:
    /// the string to log so a run can be rebuilt exactly.
    pub fn canonical_spec(&self) -> String {
        if self.order.is_empty() {
            return self.id.clone();
        }
        let pairs: Vec<String> = self
            .order
            .iter()
            .map(|k| format!("{k}={}", self.values[k]))
            .collect();
        format!("{}:{}", self.id, pairs.join(","))
    }

    /// The raw text of `key`. Only declared keys exist.
    pub fn text(&self, key: &str) -> Result<&str, SpecError> {
        self.values
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| SpecError::UnknownKey {
                env: self.id.clone(),
                key: key.to_string(),
                valid: self.order.iter().map(|k| k.to_string()).collect(),
            })
    }

    /// The error for `key` with `reason`.
    pub fn bad_value(&self, key: &str, reason: impl Into<String>) -> SpecError {
        SpecError::BadValue {
            env: self.id.clone(),
            key: key.to_string(),
            value: self.values.get(key).cloned().unwrap_or_default(),
            reason: reason.into(),
        }
    }

    /// `key` as an integer of at least `min`.
    pub fn usize_at_least(&self, key: &str, min: usize) -> Result<usize, SpecError> {
        let n: usize = self
            .text(key)?
            .parse()
            .map_err(|_| self.bad_value(key, "expected a whole number"))?;
        if n < min {
            return Err(self.bad_value(key, format!("{key} must be at least {min}")));
        }
        Ok(n)
    }

    /// `key` as a finite number in `[min, max]`.
    pub fn f64_in(&self, key: &str, min: f64, max: f64) -> Result<f64, SpecError> {
        let x: f64 = self
            .text(key)?
            .parse()
            .map_err(|_| self.bad_value(key, "expected a number"))?;
        if !x.is_finite() || x < min || x > max {
            return Err(self.bad_value(key, format!("{key} must lie in [{min}, {max}]")));
        }
        Ok(x)
    }

    /// `key` as one of `choices`; returns its index.
    pub fn choice(&self, key: &str, choices: &[&str]) -> Result<usize, SpecError> {
        let text = self.text(key)?;
        choices
            .iter()
            .position(|c| *c == text)
            .ok_or_else(|| self.bad_value(key, format!("expected one of {}", choices.join("|"))))
    }
}

type Builder = dyn Fn(&Params) -> Result<Box<dyn TaskDistribution>, SpecError> + Send + Sync;

/// A registered environment: its id, a one-line description, its parameters
/// with defaults, and the function that builds its task distribution.
#[derive(Clone)]
pub struct RegistryEntry {
    /// The id users type (`bandit-bernoulli`).
    pub id: &'static str,
    /// One line on what the task is.
    pub description: &'static str,
    /// Every parameter the spec may set.
    pub params: Vec<ParamInfo>,
    build: Arc<Builder>,
}

impl RegistryEntry {
    /// An entry whose `build` turns validated parameters into the task
    /// distribution.
    pub fn new(
        id: &'static str,
        description: &'static str,
        params: Vec<ParamInfo>,
        build: impl Fn(&Params) -> Result<Box<dyn TaskDistribution>, SpecError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            id,
            description,
            params,
            build: Arc::new(build),
        }
    }
}

impl fmt::Debug for RegistryEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryEntry")
            .field("id", &self.id)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// Every environment the program knows, by id.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    entries: BTreeMap<&'static str, RegistryEntry>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an environment; fails if its id is taken.
    pub fn register(&mut self, entry: RegistryEntry) -> Result<(), SpecError> {
        if self.entries.contains_key(entry.id) {
            return Err(SpecError::Duplicate {
                id: entry.id.to_string(),
            });
        }
        self.entries.insert(entry.id, entry);
        Ok(())
    }

    /// The registered environments, sorted by id.
    pub fn entries(&self) -> impl Iterator<Item = &RegistryEntry> {
        self.entries.values()
    }

    /// The registered ids, sorted.
    pub fn ids(&self) -> Vec<String> {
        self.entries.keys().map(|k| k.to_string()).collect()
    }

    /// Checks a spec against the registry and fills in defaults.
    pub fn params(&self, spec: &str) -> Result<Params, SpecError> {
        let parsed: EnvSpec = spec.parse()?;
        let entry = self
            .entries
            .get(parsed.id.as_str())
            .ok_or_else(|| SpecError::UnknownEnv {
                id: parsed.id.clone(),
                valid: self.ids(),
            })?;
        let mut values: BTreeMap<&'static str, String> = entry
            .params
            .iter()
            .map(|p| (p.name, p.default.to_string()))
            .collect();
        for (key, value) in parsed.params {
            let Some(param) = entry.params.iter().find(|p| p.name == key) else {
                return Err(SpecError::UnknownKey {
                    env: entry.id.to_string(),
                    key,
                    valid: entry.params.iter().map(|p| p.name.to_string()).collect(),
                });
            };
            values.insert(param.name, value);
        }
        Ok(Params {
            id: entry.id.to_string(),
            values,
            order: entry.params.iter().map(|p| p.name).collect(),
        })
    }

    /// Builds the task distribution a spec names.
    pub fn make(&self, spec: &str) -> Result<Box<dyn TaskDistribution>, SpecError> {
        let params = self.params(spec)?;
        (self.entries[params.id()].build)(&params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_id_and_pairs() {
        let spec: EnvSpec = "bandit-bernoulli:arms=5, pulls=100".parse().unwrap();
        assert_eq!(spec.id, "bandit-bernoulli");
        assert_eq!(
            spec.params,
            vec![("arms".into(), "5".into()), ("pulls".into(), "100".into())]
        );
        assert_eq!("x".parse::<EnvSpec>().unwrap().params, vec![]);
    }

    #[test]
    fn rejects_malformed_specs() {
        for bad in [
            "",
            ":arms=1",
            "a b",
            "x:arms",
            "x:arms=",
            "x:=3",
            "x:a=1,a=2",
            "x:",
        ] {
            let err = bad.parse::<EnvSpec>().unwrap_err();
            assert!(
                matches!(err, SpecError::Malformed { .. }),
                "{bad:?} gave {err:?}"
            );
            assert!(err.to_string().contains("ID[:key=value,...]"));
        }
    }
}
