//! An LSNN learns a task of your own (two doors, one prize per trial of 10 openings):
//! `source scripts/torch-env.sh && cargo run --release --example custom_task`.
use std::sync::Arc;

use lsnn_rl_a2c::{ActionMode, RunConfig};
use lsnn_rl_env::{Action, Env, EnvError, Info, Rng, Space, Step, TaskDistribution};
use rand::Rng as _;

struct Doors {
    prize: usize,
    opened: Option<usize>,
    spaces: (Space, Space),
}

#[rustfmt::skip] // one line per accessor keeps the example short
impl Env for Doors {
    fn name(&self) -> &str { "doors" }
    fn observation_space(&self) -> &Space { &self.spaces.0 }
    fn action_space(&self) -> &Space { &self.spaces.1 }
    fn max_episode_steps(&self) -> Option<usize> { Some(10) }
    fn reset(&mut self, _seed: Option<u64>) -> (Vec<f32>, Info) {
        self.opened = Some(0);
        (vec![], Info::new())
    }
    fn step(&mut self, action: &Action) -> Result<Step, EnvError> {
        let opened = self.opened.ok_or(EnvError::NotReset {
            env: "doors".into(),
        })?;
        let &Action::Discrete(door @ 0..=1) = action else {
            return Err(EnvError::invalid_action("doors", action, &self.spaces.1));
        };
        self.opened = Some(opened + 1);
        let reward = if door == self.prize { 1.0 } else { 0.0 };
        let info = Info::new()
            .with("expected_reward", reward)
            .with("best_expected_reward", 1.0);
        let (obs, terminated, truncated) = (vec![], opened + 1 == 10, false);
        Ok(Step { obs, reward, terminated, truncated, info })
    }
}

struct DoorTasks;

#[rustfmt::skip]
impl TaskDistribution for DoorTasks {
    fn spec(&self) -> &str { "doors" }
    fn observation_space(&self) -> Space { Space::uniform_box(0.0, 0.0, &[0]) }
    fn action_space(&self) -> Space { Space::discrete(2) }
    fn sample_task(&self, rng: &mut Rng) -> Box<dyn Env> {
        let spaces = (self.observation_space(), self.action_space());
        Box::new(Doors {
            prize: rng.random_range(0..2),
            opened: None,
            spaces,
        })
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tch::set_num_threads(1);
    let mut config = RunConfig::new("doors", lsnn_rl_neural::AgentKind::Lsnn, 0);
    (config.agent.n_lif, config.agent.n_alif) = (20, 20);
    (config.train.batch, config.train.lr, config.train.updates) = (16, 0.01, 200);
    let tasks: Arc<dyn TaskDistribution> = Arc::new(DoorTasks);
    let mut trainer = lsnn_rl_a2c::trainer(config, tasks.clone(), tch::Device::Cpu)?;
    let before = trainer.evaluate(tasks.as_ref(), 500, 7, ActionMode::Sample, None)?;
    for _ in 0..200 {
        trainer.update()?;
    }
    let after = trainer.evaluate(tasks.as_ref(), 500, 7, ActionMode::Sample, None)?;
    let (b, a) = (before.mean_total_reward, after.mean_total_reward);
    println!("prizes per trial: {b:.2} before training, {a:.2} after (chance 5, best 10)");
    Ok(())
}
