//! Per-episode statistics of multi-episode trials (RL^2's two-episode maze):
//! how long each episode of a trial took and whether it reached the goal,
//! computed from the info of the trial's steps.
//!
//! [`crate::Trial`] marks every step with `episode` (the episode the action
//! was taken in) and, on the step that ended an episode, `episode_end` = 1.
//! An episode *succeeds* when one of its steps reports `goal_reached` = 1
//! (see [`crate::goals`]); in tasks that report no goals no episode
//! succeeds.

use crate::Info;
use crate::goals::{GOAL_REACHED, MeanInterval};

/// The info key set to 1 on the step that ended an episode of a trial.
pub const EPISODE_END: &str = "episode_end";

/// One episode of a trial.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpisodeOutcome {
    /// Steps the episode took.
    pub steps: usize,
    /// Whether a step of the episode reached the goal.
    pub reached_goal: bool,
}

/// Accumulates the episodes of one trial, one step's info at a time.
#[derive(Clone, Debug, Default)]
pub struct EpisodeTracker {
    steps: usize,
    reached_goal: bool,
    done: Vec<EpisodeOutcome>,
}

impl EpisodeTracker {
    /// A tracker for a new trial.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one step's info.
    pub fn record(&mut self, info: &Info) {
        self.steps += 1;
        if info.get(GOAL_REACHED).is_some_and(|g| g >= 0.5) {
            self.reached_goal = true;
        }
        if info.get(EPISODE_END).is_some_and(|e| e >= 0.5) {
            self.done.push(EpisodeOutcome {
                steps: self.steps,
                reached_goal: self.reached_goal,
            });
            self.steps = 0;
            self.reached_goal = false;
        }
    }

    /// The episodes that ended so far, in order.
    pub fn outcome(&self) -> Vec<EpisodeOutcome> {
        self.done.clone()
    }
}

/// One episode index (the first, the second, ...) over an evaluation's trials.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpisodeStats {
    /// Share of the trials whose episode reached the goal (as a mean of 0/1).
    pub success: MeanInterval,
    /// Steps of the episode (truncated ones count their full bound).
    pub steps: MeanInterval,
}

/// The per-episode statistics of an evaluation of multi-episode trials.
#[derive(Clone, Debug, PartialEq)]
pub struct EpisodeSummary {
    /// Trials summarised.
    pub trials: usize,
    /// Entry `k`: episode `k` (0-based) over the trials that played it.
    pub episodes: Vec<EpisodeStats>,
    /// Share of the trials whose second episode took no more steps than
    /// their first (as a mean of 0/1); `None` with fewer than two episodes.
    pub second_no_longer: Option<MeanInterval>,
}

impl EpisodeSummary {
    /// Summarises the trials' episodes; `None` when no trial has more than
    /// one episode (nothing to compare).
    pub fn of(trials: &[Vec<EpisodeOutcome>]) -> Option<Self> {
        let most = trials.iter().map(Vec::len).max()?;
        if most < 2 {
            return None;
        }
        let episodes = (0..most)
            .filter_map(|k| {
                let played: Vec<&EpisodeOutcome> = trials.iter().filter_map(|t| t.get(k)).collect();
                let success: Vec<f64> = played
                    .iter()
                    .map(|e| f64::from(u8::from(e.reached_goal)))
                    .collect();
                let steps: Vec<f64> = played.iter().map(|e| e.steps as f64).collect();
                Some(EpisodeStats {
                    success: MeanInterval::of(&success)?,
                    steps: MeanInterval::of(&steps)?,
                })
            })
            .collect();
        let no_longer: Vec<f64> = trials
            .iter()
            .filter(|t| t.len() >= 2)
            .map(|t| f64::from(u8::from(t[1].steps <= t[0].steps)))
            .collect();
        Some(Self {
            trials: trials.len(),
            episodes,
            second_no_longer: MeanInterval::of(&no_longer),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trial whose episodes take `lengths` steps, reaching the goal on
    /// their last step where `goals` says so.
    fn trial(lengths: &[usize], goals: &[bool]) -> Vec<EpisodeOutcome> {
        let mut tracker = EpisodeTracker::new();
        for (&len, &goal) in lengths.iter().zip(goals) {
            for s in 1..=len {
                let last = s == len;
                let info = Info::new()
                    .with(GOAL_REACHED, f64::from(u8::from(last && goal)))
                    .with(EPISODE_END, f64::from(u8::from(last)));
                tracker.record(&info);
            }
        }
        tracker.outcome()
    }

    #[test]
    fn splits_a_trial_at_episode_ends() {
        let episodes = trial(&[12, 5], &[true, false]);
        assert_eq!(
            episodes,
            vec![
                EpisodeOutcome {
                    steps: 12,
                    reached_goal: true
                },
                EpisodeOutcome {
                    steps: 5,
                    reached_goal: false
                },
            ]
        );
    }

    #[test]
    fn an_unfinished_episode_is_not_counted() {
        let mut tracker = EpisodeTracker::new();
        tracker.record(&Info::new().with(GOAL_REACHED, 0.0));
        assert!(tracker.outcome().is_empty());
    }

    #[test]
    fn summary_compares_the_second_episode_with_the_first() {
        let trials = vec![
            trial(&[10, 4], &[true, true]),
            trial(&[6, 6], &[true, true]),
            trial(&[3, 9], &[true, false]),
            trial(&[20, 20], &[false, false]),
        ];
        let summary = EpisodeSummary::of(&trials).unwrap();
        assert_eq!(summary.trials, 4);
        assert_eq!(summary.episodes.len(), 2);
        assert_eq!(summary.episodes[0].success.mean, 0.75);
        assert_eq!(summary.episodes[1].success.mean, 0.5);
        assert_eq!(summary.episodes[0].steps.mean, 39.0 / 4.0);
        assert_eq!(summary.episodes[1].steps.mean, 39.0 / 4.0);
        // 4 <= 10, 6 <= 6 and 20 <= 20, but not 9 <= 3.
        assert_eq!(summary.second_no_longer.unwrap().mean, 0.75);
    }

    #[test]
    fn single_episode_trials_have_no_summary() {
        assert_eq!(EpisodeSummary::of(&[trial(&[5], &[true])]), None);
        assert_eq!(EpisodeSummary::of(&[]), None);
    }
}
