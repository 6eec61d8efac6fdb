//! Supervised task families for learning-to-learn from a teacher (Bellec et
//! al. 2018, section 3): each trial draws a function f from a family, and
//! an agent with fixed weights sees a few input/target pairs of it and
//! predicts f for new inputs. The learning happens in the agent's activity.
//!
//! The protocol of a trial ([`FunctionEnv`]): step t shows x_t ~ U[-1, 1]^d
//! and the previous step's target f(x_{t-1}) (with a flag that is 0 at the
//! first step, when no target has been shown); the action is the prediction
//! of f(x_t), and the reward is minus its squared error. The teacher signal
//! arrives after the prediction it grades.
//!
//! | id | functions |
//! | --- | --- |
//! | `function-net` | random two-layer networks: `inputs` inputs, `hidden` sigmoid units, one linear output |
//! | `function-linear` | w . x + b: slopes ~ N(0, 1/inputs), offset ~ N(0, 0.25) |
//! | `function-sine` | a sin(pi x + phase), a ~ U[0.1, 1], phase ~ U[0, 2 pi) |
//!
//! ```
//! use lsnn_rl_env::{Action, Env, Objective, Registry, TARGET, rng_from_seed};
//!
//! let mut registry = Registry::new();
//! lsnn_rl_functions::register(&mut registry)?;
//! let dist = registry.make("function-net:examples=5")?;
//! assert_eq!(dist.objective(), Objective::Regression);
//! let mut task = dist.sample_task(&mut rng_from_seed(1));
//! let (obs, _) = task.reset(Some(2));
//! // x0, x1, no target yet, teacher flag 0.
//! assert_eq!(obs.len(), 4);
//! assert_eq!(&obs[2..], &[0.0, 0.0]);
//! let step = task.step(&Action::Continuous(vec![0.0]))?;
//! let target = step.info.get(TARGET).unwrap();
//! assert_eq!(step.reward, -target * target);
//! // The next observation shows the target just scored.
//! assert_eq!(&step.obs[2..], &[target as f32, 1.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod env;
mod function;

use lsnn_rl_env::{
    Env, Objective, ParamInfo, Params, Registry, RegistryEntry, Rng, Space, SpecError,
    TaskDistribution, derive_seed, rng_from_seed,
};

pub use env::{EXAMPLES, FunctionEnv, INPUT_KEYS, PREDICTION, PREDICTION_LIMIT, Presentation};
pub use function::{Family, Function};

/// The most inputs a `function-net` may take.
pub const MAX_INPUTS: usize = INPUT_KEYS.len();

/// The most hidden units a `function-net` may have.
pub const MAX_HIDDEN: usize = 1000;

/// The most population-code units per input.
pub const MAX_POPULATION: usize = 100;

/// The most examples a trial may hold.
pub const MAX_EXAMPLES: usize = 100_000;

const EXAMPLES_PARAM: ParamInfo = ParamInfo::new(
    "examples",
    "30",
    "input/target examples per trial (steps), at least 1",
);
const TEACHER_PARAM: ParamInfo = ParamInfo::new(
    "teacher",
    "target",
    "what step t shows of the previous example: target (f(x_{t-1})) or pair (x_{t-1} and f(x_{t-1}))",
);
const POPULATION_PARAM: ParamInfo = ParamInfo::new(
    "population",
    "0",
    "Gaussian tuning curves per input that also show x_t (a population code), 0 or 2 to 100",
);

/// A family of functions, one drawn per trial.
#[derive(Clone, Debug)]
pub struct FunctionTasks {
    spec: String,
    family: Family,
    examples: usize,
    presentation: Presentation,
}

impl FunctionTasks {
    /// The family of `spec` (one of the ids of [`register`]), typed.
    pub fn from_spec(spec: &str) -> Result<Self, SpecError> {
        let mut registry = Registry::new();
        register(&mut registry)?;
        let params = registry.params(spec)?;
        build(&params)
    }

    /// How the family draws its functions.
    pub fn family(&self) -> Family {
        self.family
    }

    /// Examples (steps) per trial.
    pub fn examples(&self) -> usize {
        self.examples
    }

    /// `obs`, an observation of this family (with anything appended after
    /// it), with the input x_t replaced by `x` wherever it shows: the first
    /// d values and the population code. For asking a network what it
    /// predicts at inputs of the caller's choice.
    pub fn replace_input(&self, obs: &mut [f32], x: &[f64]) {
        env::replace_input(obs, x, self.presentation);
    }

    /// The function of trial `index` of an evaluation seeded with `seed`:
    /// the one [`lsnn_rl_env::start_eval_trial`] plays (for pictures of the
    /// target beside a network's prediction).
    pub fn eval_function(&self, seed: u64, index: u64) -> Function {
        self.family
            .draw(&mut rng_from_seed(derive_seed(seed, index)))
    }
}

impl TaskDistribution for FunctionTasks {
    fn spec(&self) -> &str {
        &self.spec
    }

    fn observation_space(&self) -> Space {
        env::observation_space(self.family.inputs(), self.presentation)
    }

    fn action_space(&self) -> Space {
        env::action_space()
    }

    fn objective(&self) -> Objective {
        Objective::Regression
    }

    fn sample_task(&self, rng: &mut Rng) -> Box<dyn Env> {
        // The function is the first draw: `eval_function` repeats it.
        let function = self.family.draw(rng);
        let name = self.spec.split(':').next().unwrap_or(&self.spec);
        Box::new(FunctionEnv::new(
            name,
            function,
            self.examples,
            self.presentation,
        ))
    }
}

fn build(params: &Params) -> Result<FunctionTasks, SpecError> {
    let examples = params.usize_at_least("examples", 1)?;
    if examples > MAX_EXAMPLES {
        return Err(params.bad_value("examples", format!("at most {MAX_EXAMPLES}")));
    }
    let inputs = |params: &Params| {
        let inputs = params.usize_at_least("inputs", 1)?;
        if inputs > MAX_INPUTS {
            return Err(params.bad_value("inputs", format!("at most {MAX_INPUTS}")));
        }
        Ok(inputs)
    };
    let family = match params.id() {
        "function-sine" => Family::Sine,
        "function-linear" => Family::Linear {
            inputs: inputs(params)?,
        },
        _ => {
            let inputs = inputs(params)?;
            let hidden = params.usize_at_least("hidden", 1)?;
            if hidden > MAX_HIDDEN {
                return Err(params.bad_value("hidden", format!("at most {MAX_HIDDEN}")));
            }
            Family::Net {
                inputs,
                hidden,
                scale: params.f64_in("scale", 1e-3, 100.0)?,
            }
        }
    };
    let population = params.usize_at_least("population", 0)?;
    if population == 1 || population > MAX_POPULATION {
        return Err(params.bad_value(
            "population",
            format!("0 (none) or 2 to {MAX_POPULATION} units per input"),
        ));
    }
    let presentation = Presentation {
        pairs: params.choice("teacher", &["target", "pair"])? == 1,
        population,
    };
    Ok(FunctionTasks {
        spec: params.canonical_spec(),
        family,
        examples,
        presentation,
    })
}

/// Registers `function-net`, `function-linear` and `function-sine`.
pub fn register(registry: &mut Registry) -> Result<(), SpecError> {
    registry.register(RegistryEntry::new(
        "function-net",
        "supervised: learn a random two-layer network f(x) = v . sigmoid(W x + b) from the examples of a trial",
        vec![
            ParamInfo::new("inputs", "2", "inputs x ~ U[-1,1]^inputs, 1 to 4"),
            ParamInfo::new("hidden", "10", "sigmoid hidden units, 1 to 1000"),
            ParamInfo::new(
                "scale",
                "2",
                "sd of the hidden weights and biases (steeper functions when larger), 0.001 to 100",
            ),
            EXAMPLES_PARAM,
            TEACHER_PARAM,
            POPULATION_PARAM,
        ],
        |p| Ok(Box::new(build(p)?) as Box<dyn TaskDistribution>),
    ))?;
    registry.register(RegistryEntry::new(
        "function-linear",
        "supervised: learn a random linear map f(x) = w . x + b from the examples of a trial",
        vec![
            ParamInfo::new("inputs", "1", "inputs x ~ U[-1,1]^inputs, 1 to 4"),
            EXAMPLES_PARAM,
            TEACHER_PARAM,
            POPULATION_PARAM,
        ],
        |p| Ok(Box::new(build(p)?) as Box<dyn TaskDistribution>),
    ))?;
    registry.register(RegistryEntry::new(
        "function-sine",
        "supervised: learn a sin(pi x + phase), a ~ U[0.1,1], phase ~ U[0,2pi), from the examples of a trial",
        vec![EXAMPLES_PARAM, TEACHER_PARAM, POPULATION_PARAM],
        |p| Ok(Box::new(build(p)?) as Box<dyn TaskDistribution>),
    ))
}
