//! Every registered function family keeps the environment contract, whatever
//! the seed and the actions, with each presentation option. The ids come
//! from the registry, so a family added to `register` is covered without
//! touching this file.

use lsnn_rl_env::{Registry, TaskDistribution, testing};
use proptest::prelude::*;

/// Every family at short trials, plain, with the pair teacher and with a
/// population code.
fn distributions() -> Vec<Box<dyn TaskDistribution>> {
    let mut registry = Registry::new();
    lsnn_rl_functions::register(&mut registry).unwrap();
    let mut specs = Vec::new();
    for id in registry.ids() {
        for options in ["", ",teacher=pair", ",population=3,teacher=pair"] {
            specs.push(format!("{id}:examples=5{options}"));
        }
    }
    specs
        .iter()
        .map(|spec| registry.make(spec).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_family_keeps_the_env_contract(
        seed in any::<u64>(),
        actions in proptest::collection::vec(any::<usize>(), 0..20),
    ) {
        for dist in distributions() {
            let result = testing::check_env_contract(dist.as_ref(), seed, &actions);
            prop_assert!(result.is_ok(), "{}: {:?}", dist.spec(), result);
        }
    }
}
