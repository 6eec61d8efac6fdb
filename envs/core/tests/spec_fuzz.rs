//! Fuzzing the environment-spec parser: no input makes it panic, and what
//! it accepts prints back to a spec that parses to the same thing.

use lsnn_rl_env::{EnvSpec, ParamInfo, Registry, RegistryEntry};
use proptest::prelude::*;

/// Specs built from the characters that matter to the grammar.
fn spec_like() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(":".to_string()),
            Just(",".to_string()),
            Just("=".to_string()),
            Just(" ".to_string()),
            Just("arms".to_string()),
            Just("bandit-bernoulli".to_string()),
            "[a-z0-9_-]{0,6}",
            "\\PC{0,3}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// A registry with one entry whose builder runs every typed getter.
fn registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register(RegistryEntry::new(
            "probe",
            "calls every getter",
            vec![
                ParamInfo::new("n", "1", "a count"),
                ParamInfo::new("x", "0.5", "a number in [0, 1]"),
                ParamInfo::new("mode", "a", "a or b"),
            ],
            |p| {
                p.usize_at_least("n", 1)?;
                p.f64_in("x", 0.0, 1.0)?;
                p.choice("mode", &["a", "b"])?;
                let _ = p.canonical_spec();
                Err(p.bad_value("n", "the probe builds nothing"))
            },
        ))
        .unwrap();
    registry
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn any_text_parses_or_is_an_error(text in prop_oneof![any::<String>(), spec_like()]) {
        if let Ok(spec) = text.parse::<EnvSpec>() {
            prop_assert!(!spec.id.is_empty());
            let pairs: Vec<String> =
                spec.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let printed = if pairs.is_empty() {
                spec.id.clone()
            } else {
                format!("{}:{}", spec.id, pairs.join(","))
            };
            prop_assert_eq!(printed.parse::<EnvSpec>(), Ok(spec));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_parameter_value_is_checked_without_panic(
        key in prop_oneof![Just("n"), Just("x"), Just("mode"), Just("other")],
        value in prop_oneof![
            any::<String>(),
            any::<i64>().prop_map(|v| v.to_string()),
            any::<f64>().prop_map(|v| v.to_string()),
            Just("18446744073709551616".to_string()),
            Just("nan".to_string()),
            Just("-inf".to_string()),
        ],
    ) {
        let registry = registry();
        let result = registry.make(&format!("probe:{key}={value}"));
        let message = result.err().expect("the probe never builds").to_string();
        prop_assert!(!message.is_empty());
    }
}
