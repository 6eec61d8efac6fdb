//! One task: a function, learned from the examples of one trial.

use lsnn_rl_env::{Action, Env, EnvError, Info, Rng, Space, Step, TARGET, rng_from_seed};
use rand::Rng as _;

use crate::function::Function;

/// The largest prediction the action space holds; the functions of the
/// built-in families stay far inside it.
pub const PREDICTION_LIMIT: f32 = 10.0;

/// The info keys of the inputs, `x0` to `x3` (info keys are static).
pub const INPUT_KEYS: [&str; 4] = ["x0", "x1", "x2", "x3"];

/// Info key of the prediction the step scored.
pub const PREDICTION: &str = "prediction";

/// Info key of the examples seen before the step's prediction.
pub const EXAMPLES: &str = "examples";

/// A function learned from examples within one trial (one episode).
///
/// Step t shows the input x_t ~ U[-1, 1]^d and the previous step's target
/// f(x_{t-1}) (0 at t = 0, with a flag that says whether a target is
/// shown); the action is the prediction of f(x_t), scored by the reward
/// -(prediction - f(x_t))^2. The teacher signal thus arrives one step after
/// the prediction it grades, so the prediction at step t has seen t
/// examples. Each step's info reports the inputs (`x0`...), the `target`,
/// the `prediction` and the `examples` seen.
///
/// What the observation holds beyond x_t, the previous target and the flag
/// is the [`Presentation`]'s.
pub struct FunctionEnv {
    name: String,
    function: Function,
    examples: usize,
    presentation: Presentation,
    inputs: Rng,
    /// The current input x_t and the step t; None before the first reset.
    current: Option<(Vec<f64>, usize)>,
    observation_space: Space,
    action_space: Space,
}

impl FunctionEnv {
    /// A task of `examples` steps that asks for `function`, observed as
    /// `presentation` says.
    pub fn new(
        name: &str,
        function: Function,
        examples: usize,
        presentation: Presentation,
    ) -> Self {
        let d = function.inputs();
        Self {
            name: name.to_string(),
            observation_space: observation_space(d, presentation),
            presentation,
            action_space: action_space(),
            function,
            examples,
            inputs: rng_from_seed(0),
            current: None,
        }
    }

    /// The function this task asks for.
    pub fn function(&self) -> &Function {
        &self.function
    }

    fn draw_input(&mut self) -> Vec<f64> {
        let d = self.function.inputs();
        (0..d)
            .map(|_| self.inputs.random_range(-1.0..=1.0))
            .collect()
    }
}

/// How a step shows the task, beyond x_t, the previous target and the flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Presentation {
    /// The teacher shows the whole previous example: the observation also
    /// repeats x_{t-1}, so a network need not hold the previous input in
    /// memory to pair it with its target.
    pub pairs: bool,
    /// Gaussian tuning curves per input (0: none): each x_i is also shown
    /// as the responses of this many units with centres evenly spaced over
    /// [-1, 1] and widths of their spacing, a population code.
    pub population: usize,
}

/// The observation space of a family with `d` inputs: x in [-1, 1]^d, the
/// previous target, the teacher flag in {0, 1}; then with `pairs` the
/// previous input in [-1, 1]^d, and the population code of x_t in [0, 1].
pub fn observation_space(d: usize, presentation: Presentation) -> Space {
    let mut low = vec![-1.0; d];
    let mut high = vec![1.0; d];
    low.extend([-PREDICTION_LIMIT, 0.0]);
    high.extend([PREDICTION_LIMIT, 1.0]);
    if presentation.pairs {
        low.extend(vec![-1.0; d]);
        high.extend(vec![1.0; d]);
    }
    low.extend(vec![0.0; d * presentation.population]);
    high.extend(vec![1.0; d * presentation.population]);
    Space::bounded_box(low, high)
}

/// The action space: one prediction in [-limit, limit].
pub fn action_space() -> Space {
    Space::uniform_box(-PREDICTION_LIMIT, PREDICTION_LIMIT, &[1])
}

/// The observation of step t: x_t, the previous target and the flag, then
/// (with `pairs`) the previous input, zeros before the first example, and
/// the population code of x_t.
fn observation(
    x: &[f64],
    previous_target: Option<f64>,
    previous_x: &[f64],
    presentation: Presentation,
) -> Vec<f32> {
    let mut obs: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    // Clamped into the observation space (the built-in families stay inside).
    let shown = previous_target.unwrap_or(0.0) as f32;
    obs.push(shown.clamp(-PREDICTION_LIMIT, PREDICTION_LIMIT));
    obs.push(if previous_target.is_some() { 1.0 } else { 0.0 });
    if presentation.pairs {
        obs.extend(previous_x.iter().map(|&v| v as f32));
    }
    obs.extend(population_code(x, presentation.population));
    obs
}

/// The responses of `units` Gaussian tuning curves per input (centres
/// evenly spaced over [-1, 1], widths of their spacing), input by input.
fn population_code(x: &[f64], units: usize) -> impl Iterator<Item = f32> + '_ {
    let spacing = 2.0 / (units.max(2) - 1) as f64;
    x.iter().flat_map(move |&value| {
        (0..units).map(move |j| {
            let z = (value - (-1.0 + j as f64 * spacing)) / spacing;
            (-0.5 * z * z).exp() as f32
        })
    })
}

/// `obs`, an observation of a task presented as `presentation`, with its
/// input replaced by `x`: the first d values and the population code; the
/// previous target, the flag and a pair teacher's previous input stay.
pub fn replace_input(obs: &mut [f32], x: &[f64], presentation: Presentation) {
    let d = x.len();
    for (slot, &value) in obs.iter_mut().zip(x) {
        *slot = value as f32;
    }
    let start = d + 2 + if presentation.pairs { d } else { 0 };
    let code = population_code(x, presentation.population);
    for (slot, value) in obs[start..].iter_mut().zip(code) {
        *slot = value;
    }
}

impl Env for FunctionEnv {
    fn name(&self) -> &str {
        &self.name
    }

    fn observation_space(&self) -> &Space {
        &self.observation_space
    }

    fn action_space(&self) -> &Space {
        &self.action_space
    }

    fn max_episode_steps(&self) -> Option<usize> {
        Some(self.examples)
    }

    fn reset(&mut self, seed: Option<u64>) -> (Vec<f32>, Info) {
        if let Some(seed) = seed {
            self.inputs = rng_from_seed(seed);
        }
        let x = self.draw_input();
        let zeros = vec![0.0; x.len()];
        let obs = observation(&x, None, &zeros, self.presentation);
        self.current = Some((x, 0));
        (obs, Info::new())
    }

    fn step(&mut self, action: &Action) -> Result<Step, EnvError> {
        let (x, t) = EnvError::running(&self.name, self.current.as_ref(), |(_, t)| {
            *t >= self.examples
        })?;
        let (x, t) = (x.clone(), *t);
        let prediction = match action {
            Action::Continuous(p) if p.len() == 1 && self.action_space.contains(action) => p[0],
            _ => {
                return Err(EnvError::invalid_action(
                    &self.name,
                    action,
                    &self.action_space,
                ));
            }
        };
        let target = self.function.eval(&x);
        let error = prediction as f64 - target;
        let mut info = Info::new();
        for (key, &value) in INPUT_KEYS.iter().zip(&x) {
            info.set(key, value);
        }
        info.set(TARGET, target);
        info.set(PREDICTION, prediction as f64);
        info.set(EXAMPLES, t as f64);
        let next = self.draw_input();
        let obs = observation(&next, Some(target), &x, self.presentation);
        self.current = Some((next, t + 1));
        Ok(Step {
            obs,
            reward: -error * error,
            terminated: t + 1 == self.examples,
            truncated: false,
            info,
        })
    }
}
