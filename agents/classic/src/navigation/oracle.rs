//! The oracle: the environment's own shortest-path move at every step.

use lsnn_rl_env::{Action, Info, Policy, Rng, Space, Step};

use super::episode_restarts;

/// Plays the move the environment reports as the first of a shortest path
/// to the goal: the info key `best_action` (a grid move or an arena
/// heading), or `best_dx`, `best_dy` (a unit velocity) for a velocity action
/// space. It knows where the goal is, so it is an upper bound no learner can
/// beat (in the arena only up to the 8 headings' 45-degree resolution).
///
/// When an episode ends before the trial does, it replays the trial's first
/// move (the next episode starts where the trial started; see the module
/// notes). Where the info holds no move, it moves at random.
#[derive(Clone, Debug, Default)]
pub struct Oracle {
    space: Option<Space>,
    first: Option<Action>,
    next: Option<Action>,
}

impl Oracle {
    /// An oracle (the action space comes with each trial).
    pub fn new() -> Self {
        Self::default()
    }

    /// The move the info reports, if it is one of the action space's.
    fn move_in(&self, info: &Info) -> Option<Action> {
        let space = self.space.as_ref()?;
        let action = match space {
            Space::Discrete { .. } => {
                let a = info.get("best_action")?;
                (a >= 0.0 && a.fract() == 0.0).then_some(Action::Discrete(a as usize))?
            }
            Space::Box(_) => {
                let v = [info.get("best_dx")?, info.get("best_dy")?];
                Action::Continuous(v.iter().map(|&x| x as f32).collect())
            }
        };
        space.contains(&action).then_some(action)
    }
}

impl Policy for Oracle {
    fn name(&self) -> &str {
        "oracle"
    }

    fn start_trial(&mut self, action_space: &Space, _trial_steps: usize) -> Result<(), String> {
        *self = Self {
            space: Some(action_space.clone()),
            ..Self::default()
        };
        Ok(())
    }

    fn observe_reset(&mut self, _obs: &[f32], info: &Info) -> Result<(), String> {
        let Some(first) = self.move_in(info) else {
            return Err(
                "oracle needs the environment's shortest-path move in the reset info (best_action, or best_dx and best_dy): only navigation tasks report it"
                    .into(),
            );
        };
        self.first = Some(first.clone());
        self.next = Some(first);
        Ok(())
    }

    fn act(&mut self, _obs: &[f32], rng: &mut Rng) -> Action {
        let space = self
            .space
            .as_ref()
            .expect("oracle: act called before start_trial");
        self.next.clone().unwrap_or_else(|| space.sample(rng))
    }

    fn observe(&mut self, action: &Action, step: &Step) -> Result<(), String> {
        let Some(space) = &self.space else {
            return Err("oracle: observe called before start_trial".into());
        };
        if !space.contains(action) {
            return Err(format!(
                "oracle: observed action {action} is not in the action space {space}"
            ));
        }
        self.next = if episode_restarts(step) {
            self.first.clone()
        } else {
            self.move_in(&step.info)
        };
        Ok(())
    }
}
