//! The bandit ids, their parameters, and the builders the registry calls.

use lsnn_rl_env::{ParamInfo, Params, Registry, RegistryEntry, SpecError, TaskDistribution};

use crate::{BanditTasks, Difficulty, Prior, Volatility};

/// The most arms a spec may ask for (each arm costs a one-hot input).
pub const MAX_ARMS: usize = 1000;

/// The largest reward noise `bandit-gaussian` accepts.
pub const MAX_SIGMA: f64 = 1e6;

/// One registered bandit: what the registry lists, and how to build it.
struct Bandit {
    id: &'static str,
    description: &'static str,
    params: &'static [ParamInfo],
    build: fn(&Params) -> Result<Prior, SpecError>,
}

const ARMS: ParamInfo = ParamInfo::new("arms", "5", "number of arms, 1 to 1000");
const SIGMA: ParamInfo = ParamInfo::new(
    "sigma",
    "1",
    "standard deviation of the reward noise, above 0",
);
const DIFFICULTY: ParamInfo = ParamInfo::new(
    "difficulty",
    "uniform",
    "uniform: p1 ~ U[0,1]; easy: p1 in {0.1,0.9}; medium: {0.25,0.75}; hard: {0.4,0.6}",
);
const VOLATILITY: ParamInfo = ParamInfo::new(
    "volatility",
    "low",
    "sd of p1's reflected Gaussian step after each pull: low 0.02, high 0.1",
);

const OBS: ParamInfo = ParamInfo::new(
    "obs",
    "none",
    "none: a bandit shows nothing; payout: the last payout as a place code (one unit per payout value)",
);

const fn pulls(default: &'static str) -> ParamInfo {
    ParamInfo::new("pulls", default, "pulls per trial, at least 1")
}

const BANDITS: [Bandit; 5] = [
    Bandit {
        id: "bandit-bernoulli",
        description: "independent Bernoulli arms, p_i ~ U[0,1] per trial (RL^2)",
        params: &[ARMS, pulls("100")],
        build: |p| Ok(Prior::Bernoulli { arms: arms(p)? }),
    },
    Bandit {
        id: "bandit-gaussian",
        description: "Gaussian arms, means mu_i ~ N(0,1) per trial, reward noise sd sigma",
        params: &[ARMS, pulls("100"), SIGMA],
        build: |p| {
            Ok(Prior::Gaussian {
                arms: arms(p)?,
                sigma: sigma(p)?,
            })
        },
    },
    Bandit {
        id: "bandit-dependent",
        description: "two Bernoulli arms with p2 = 1 - p1 (Wang et al.)",
        params: &[DIFFICULTY, pulls("100")],
        build: |p| {
            let index = p.choice("difficulty", &Difficulty::NAMES)?;
            Ok(Prior::Dependent(Difficulty::ALL[index]))
        },
    },
    Bandit {
        id: "bandit-eleven-arm",
        description: "Wang et al.'s 11 arms: a target pays 5, nine pay 1, arm 10 pays 0.1 x (target + 1)",
        params: &[pulls("5"), OBS],
        build: |_| Ok(Prior::ElevenArm),
    },
    Bandit {
        id: "bandit-restless",
        description: "two Bernoulli arms with p2 = 1 - p1, p1 drifting as a reflected random walk",
        params: &[VOLATILITY, pulls("100")],
        build: |p| {
            let index = p.choice("volatility", &Volatility::NAMES)?;
            Ok(Prior::Restless(Volatility::ALL[index]))
        },
    },
];

fn arms(params: &Params) -> Result<usize, SpecError> {
    let arms = params.usize_at_least("arms", 1)?;
    if arms > MAX_ARMS {
        return Err(params.bad_value("arms", format!("arms must be at most {MAX_ARMS}")));
    }
    Ok(arms)
}

fn sigma(params: &Params) -> Result<f64, SpecError> {
    let sigma: f64 = params
        .text("sigma")?
        .parse()
        .map_err(|_| params.bad_value("sigma", "expected a number"))?;
    if !(sigma > 0.0 && sigma <= MAX_SIGMA) {
        return Err(params.bad_value(
            "sigma",
            format!("sigma must be above 0 and at most {MAX_SIGMA}"),
        ));
    }
    Ok(sigma)
}

/// Builds the tasks of `bandit` from checked parameters.
fn build(bandit: &Bandit, params: &Params) -> Result<BanditTasks, SpecError> {
    let prior = (bandit.build)(params)?;
    let pulls = params.usize_at_least("pulls", 1)?;
    let tasks = BanditTasks::new(params.canonical_spec(), prior, pulls);
    if !bandit.params.iter().any(|p| p.name == OBS.name)
        || params.choice(OBS.name, &["none", "payout"])? == 0
    {
        return Ok(tasks);
    }
    tasks
        .with_payout_code()
        .ok_or_else(|| params.bad_value(OBS.name, "this bandit offers no payout code"))
}

/// Registers every bandit: `bandit-bernoulli`, `bandit-gaussian`,
/// `bandit-dependent`, `bandit-eleven-arm` and `bandit-restless`.
///
/// Fails with [`SpecError::Duplicate`] if one of these ids is taken.
pub fn register(registry: &mut Registry) -> Result<(), SpecError> {
    for bandit in &BANDITS {
        registry.register(RegistryEntry::new(
            bandit.id,
            bandit.description,
            bandit.params.to_vec(),
            move |params| Ok(Box::new(build(bandit, params)?) as Box<dyn TaskDistribution>),
        ))?;
    }
    Ok(())
}

impl BanditTasks {
    /// The bandit tasks a spec names, typed (the registry gives them boxed):
    /// `BanditTasks::from_spec("bandit-dependent:difficulty=easy")`.
    pub fn from_spec(spec: &str) -> Result<Self, SpecError> {
        let mut registry = Registry::new();
        register(&mut registry)?;
        let params = registry.params(spec)?;
        match BANDITS.iter().find(|b| b.id == params.id()) {
            Some(bandit) => build(bandit, &params),
            None => Err(SpecError::UnknownEnv {
                id: params.id().to_string(),
                valid: registry.ids(),
            }),
        }
    }
}
