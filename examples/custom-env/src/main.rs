//! `lsnn-rl` with one more task, `doors` (two doors, one prize, hidden anew
//! each trial): register it, then hand the registry to the library's entry
//! point, and every subcommand (train, eval, plot, sweep, ...) takes it.
use std::process::ExitCode;

use lsnn_rl_env::TaskDistribution as Tasks;
use lsnn_rl_env::{Action, Env, EnvError, Info, ParamInfo, RegistryEntry, Rng, Space, Step};
use rand::Rng as _;

#[rustfmt::skip]
struct Doors { prize: usize, pulls: usize, opened: Option<usize>, spaces: (Space, Space) }

#[rustfmt::skip] // one line per accessor keeps the example short
impl Env for Doors {
    fn name(&self) -> &str { "doors" }
    fn observation_space(&self) -> &Space { &self.spaces.0 }
    fn action_space(&self) -> &Space { &self.spaces.1 }
    fn max_episode_steps(&self) -> Option<usize> { Some(self.pulls) }
    fn reset(&mut self, _seed: Option<u64>) -> (Vec<f32>, Info) { self.opened = Some(0); (vec![], Info::new()) }
    fn step(&mut self, action: &Action) -> Result<Step, EnvError> {
        let opened = self.opened.ok_or(EnvError::NotReset { env: "doors".into() })?;
        if opened == self.pulls { return Err(EnvError::EpisodeOver { env: "doors".into() }); }
        let &Action::Discrete(door @ 0..=1) = action else {
            return Err(EnvError::invalid_action("doors", action, &self.spaces.1));
        };
        self.opened = Some(opened + 1);
        let reward = if door == self.prize { 1.0 } else { 0.0 };
        let info = Info::new().with("expected_reward", reward).with("best_expected_reward", 1.0);
        Ok(Step { obs: vec![], reward, terminated: opened + 1 == self.pulls, truncated: false, info })
    }
}

#[rustfmt::skip]
struct DoorTasks { pulls: usize, spec: String }

#[rustfmt::skip]
impl Tasks for DoorTasks {
    fn spec(&self) -> &str { &self.spec }
    fn observation_space(&self) -> Space { Space::uniform_box(0.0, 0.0, &[0]) }
    fn action_space(&self) -> Space { Space::discrete(2) }
    fn sample_task(&self, rng: &mut Rng) -> Box<dyn Env> {
        let spaces = (self.observation_space(), self.action_space());
        Box::new(Doors { prize: rng.random_range(0..2), pulls: self.pulls, opened: None, spaces })
    }
}

fn main() -> Result<ExitCode, lsnn_rl::SpecError> {
    let pulls = ParamInfo::new("pulls", "10", "doors opened per trial, at least 1");
    let about = "two doors, one prize, hidden anew each trial";
    let doors = RegistryEntry::new("doors", about, vec![pulls], |p| {
        let (pulls, spec) = (p.usize_at_least("pulls", 1)?, p.canonical_spec());
        Ok(Box::new(DoorTasks { pulls, spec }) as Box<dyn Tasks>)
    });
    let mut registry = lsnn_rl::builtin_registry()?;
    registry.register(doors)?;
    Ok(lsnn_rl::run_cli(registry))
}
