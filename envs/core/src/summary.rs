//! The summary of an evaluation: per-trial outcomes in; the mean total
//! reward, regret, goal and episode figures with their 95% intervals out.
//! Baselines, trained agents and sweeps all report this one type.

use crate::interval::ci95_normal;
use crate::{EpisodeOutcome, EpisodeSummary, GoalOutcome, GoalSummary, TrialOutcome};

/// The figures of an evaluation over its trials, with the columns of
/// `lsnn-rl baselines` (normal-approximation intervals, see
/// [`ci95_normal`]).
#[derive(Clone, Debug, PartialEq)]
pub struct EvalSummary {
    /// Trials played.
    pub trials: usize,
    /// Mean total reward per trial.
    pub mean_total_reward: f64,
    /// Its 95% interval half-width (NaN for fewer than two trials).
    pub ci95: f64,
    /// Mean total regret, where every trial reports it.
    pub mean_regret: Option<f64>,
    /// Its 95% interval half-width.
    pub regret_ci95: Option<f64>,
    /// Goals per trial and how fast, on navigation tasks (every trial
    /// reports goals).
    pub goals: Option<GoalSummary>,
    /// Length and success of each episode, on tasks of several episodes
    /// per trial.
    pub episodes: Option<EpisodeSummary>,
}

impl EvalSummary {
    /// Summarises the outcomes of [`crate::evaluate`] (or any evaluator
    /// that produces [`TrialOutcome`]s).
    pub fn from_trials(outcomes: &[TrialOutcome]) -> Self {
        let mut accumulator = EvalAccumulator::with_capacity(outcomes.len());
        for outcome in outcomes {
            accumulator.push_outcome(outcome);
        }
        accumulator.finish()
    }
}

/// Collects an evaluation's trials one at a time (in trial order), for
/// evaluators that play trials in batches; [`EvalAccumulator::finish`]
/// gives the [`EvalSummary`].
#[derive(Clone, Debug)]
pub struct EvalAccumulator {
    totals: Vec<f64>,
    /// `None` once a trial lacked a regret.
    regrets: Option<Vec<f64>>,
    /// `None` once a trial lacked goal figures.
    goals: Option<Vec<GoalOutcome>>,
    episodes: Vec<Vec<EpisodeOutcome>>,
}

impl Default for EvalAccumulator {
    fn default() -> Self {
        Self::new()
    }
}

impl EvalAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty accumulator with room for `trials` trials.
    pub fn with_capacity(trials: usize) -> Self {
        Self {
            totals: Vec::with_capacity(trials),
            regrets: Some(Vec::with_capacity(trials)),
            goals: Some(Vec::with_capacity(trials)),
            episodes: Vec::with_capacity(trials),
        }
    }

    /// Adds one trial: its total reward, its regret (where the task reports
    /// one), its goal figures (navigation tasks) and its episodes.
    pub fn push(
        &mut self,
        total_reward: f64,
        regret: Option<f64>,
        goals: Option<GoalOutcome>,
        episodes: Vec<EpisodeOutcome>,
    ) {
        self.totals.push(total_reward);
        self.regrets = match (self.regrets.take(), regret) {
            (Some(mut all), Some(r)) => {
                all.push(r);
                Some(all)
            }
            _ => None,
        };
        self.goals = match (self.goals.take(), goals) {
            (Some(mut all), Some(g)) => {
                all.push(g);
                Some(all)
            }
            _ => None,
        };
        self.episodes.push(episodes);
    }

    /// Adds one trial's [`TrialOutcome`].
    pub fn push_outcome(&mut self, outcome: &TrialOutcome) {
        self.push(
            outcome.total_reward,
            outcome.regret,
            outcome.goals.clone(),
            outcome.episodes.clone(),
        );
    }

    /// Trials added so far.
    pub fn len(&self) -> usize {
        self.totals.len()
    }

    /// Whether no trial was added.
    pub fn is_empty(&self) -> bool {
        self.totals.is_empty()
    }

    /// The summary of the trials added.
    pub fn finish(self) -> EvalSummary {
        let (mean_total_reward, ci95) = ci95_normal(&self.totals);
        let regret = self.regrets.map(|r| ci95_normal(&r));
        EvalSummary {
            trials: self.totals.len(),
            mean_total_reward,
            ci95,
            mean_regret: regret.map(|r| r.0),
            regret_ci95: regret.map(|r| r.1),
            goals: self.goals.and_then(|g| GoalSummary::of(&g)),
            episodes: EpisodeSummary::of(&self.episodes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(total: f64, regret: Option<f64>, goals: Option<usize>) -> TrialOutcome {
        TrialOutcome {
            total_reward: total,
            regret,
            steps: 10,
            goals: goals.map(|g| GoalOutcome {
                goals: g,
                steps_to_first_goal: 4,
                steps_per_later_goal: None,
                later_goal_path_ratio: None,
            }),
            episodes: vec![
                EpisodeOutcome {
                    steps: 6,
                    reached_goal: true,
                },
                EpisodeOutcome {
                    steps: 4,
                    reached_goal: goals.is_some_and(|g| g > 1),
                },
            ],
        }
    }

    #[test]
    fn totals_and_regret_with_normal_intervals() {
        let summary = EvalSummary::from_trials(&[
            outcome(1.0, Some(3.0), None),
            outcome(2.0, Some(2.0), None),
            outcome(3.0, Some(1.0), None),
            outcome(4.0, Some(0.0), None),
        ]);
        assert_eq!(summary.trials, 4);
        assert_eq!(summary.mean_total_reward, 2.5);
        assert!((summary.ci95 - 1.96 * (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-12);
        assert_eq!(summary.mean_regret, Some(1.5));
        assert_eq!(summary.regret_ci95, Some(summary.ci95));
        assert_eq!(summary.goals, None);
        let episodes = summary.episodes.unwrap();
        assert_eq!(episodes.trials, 4);
        assert_eq!(episodes.episodes[0].steps.mean, 6.0);
    }

    #[test]
    fn a_trial_without_regret_or_goals_drops_the_figure() {
        let summary =
            EvalSummary::from_trials(&[outcome(1.0, Some(1.0), Some(2)), outcome(2.0, None, None)]);
        assert_eq!((summary.mean_regret, summary.regret_ci95), (None, None));
        assert_eq!(summary.goals, None);
        let goals =
            EvalSummary::from_trials(&[outcome(1.0, None, Some(2)), outcome(2.0, None, Some(0))])
                .goals
                .unwrap();
        assert_eq!(goals.goals_per_trial.mean, 1.0);
        assert_eq!(goals.trials, 2);
    }

    #[test]
    fn the_accumulator_matches_the_slice_constructor() {
        let outcomes = [
            outcome(1.0, Some(0.5), Some(1)),
            outcome(5.0, Some(0.0), Some(3)),
        ];
        let mut accumulator = EvalAccumulator::new();
        assert!(accumulator.is_empty());
        for o in &outcomes {
            accumulator.push(
                o.total_reward,
                o.regret,
                o.goals.clone(),
                o.episodes.clone(),
            );
        }
        assert_eq!(accumulator.len(), 2);
        assert_eq!(accumulator.finish(), EvalSummary::from_trials(&outcomes));
    }

    #[test]
    fn no_trials_give_nan_means_and_no_figures() {
        let summary = EvalSummary::from_trials(&[]);
        assert_eq!(summary.trials, 0);
        assert!(summary.mean_total_reward.is_nan() && summary.ci95.is_nan());
        assert_eq!(summary.goals, None);
        assert_eq!(summary.episodes, None);
    }
}
