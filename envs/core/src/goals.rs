//! Goal statistics of navigation trials, computed from the info of their
//! steps: how many goals a trial reached, how long the first one took, and
//! how close the later ones came to the shortest path.
//!
//! A *goal task* is one whose steps report `goal_reached` (1 on the step that
//! reached the goal, else 0) in their info; its reset info reports
//! `shortest_path`. On a goal step, `segment_steps` is the number of moves of
//! the segment that step finished (since the episode start or the previous
//! goal) and `shortest_path` the fewest moves that segment could have taken.
//! The navigation environments (`maze-*`, `arena-*`) follow this convention;
//! nothing here depends on them.

use crate::Info;
use crate::interval::ci95_normal;

/// The info key set to 1 on a step that reached the goal.
pub const GOAL_REACHED: &str = "goal_reached";
/// The info key holding the moves of the segment a goal step finished.
pub const SEGMENT_STEPS: &str = "segment_steps";
/// The info key holding the fewest moves that segment could have taken.
pub const SHORTEST_PATH: &str = "shortest_path";

/// Whether a reset info comes from a goal task: it reports `shortest_path`.
pub fn is_goal_task(reset_info: &Info) -> bool {
    reset_info.get(SHORTEST_PATH).is_some()
}

/// The goal statistics of one trial (see [`GoalTracker`] for the exact
/// definitions).
#[derive(Clone, Debug, PartialEq)]
pub struct GoalOutcome {
    /// Steps that reached the goal.
    pub goals: usize,
    /// Steps up to and including the first goal step; the trial's length
    /// when no step reached the goal (a censored time).
    pub steps_to_first_goal: usize,
    /// Mean `segment_steps` of the goals after the first; `None` with fewer
    /// than two goals.
    pub steps_per_later_goal: Option<f64>,
    /// The later goals' `segment_steps` summed, divided by their
    /// `shortest_path` summed; `None` with fewer than two goals or when a
    /// later goal step lacks a positive `shortest_path`.
    pub later_goal_path_ratio: Option<f64>,
}

/// Accumulates the goal statistics of one trial, one step's info at a time.
///
/// - `goals`: steps whose `goal_reached` is 1;
/// - `steps_to_first_goal`: the 1-based index of the first such step, or the
///   number of steps recorded when there is none;
/// - for every later goal (the second, third, ...): its steps are the
///   step's `segment_steps` (or, when the info lacks it, the steps since the
///   previous goal) and its shortest path the step's `shortest_path`;
///   `steps_per_later_goal` is the mean of the steps and
///   `later_goal_path_ratio` the sum of the steps over the sum of the
///   shortest paths (1 for a policy that always takes a shortest path).
#[derive(Clone, Debug, Default)]
pub struct GoalTracker {
    steps: usize,
    reports_goals: bool,
    goals: usize,
    first_goal_step: Option<usize>,
    last_goal_step: usize,
    later_steps: f64,
    later_shortest: f64,
    later_shortest_known: bool,
}

impl GoalTracker {
    /// A tracker for a new trial.
    pub fn new() -> Self {
        Self {
            later_shortest_known: true,
            ..Self::default()
        }
    }

    /// Records one step's info.
    pub fn record(&mut self, info: &Info) {
        self.steps += 1;
        let Some(flag) = info.get(GOAL_REACHED) else {
            return;
        };
        self.reports_goals = true;
        if flag < 0.5 {
            return;
        }
        self.goals += 1;
        if self.goals == 1 {
            self.first_goal_step = Some(self.steps);
        } else {
            let since_previous = (self.steps - self.last_goal_step) as f64;
            self.later_steps += info.get(SEGMENT_STEPS).unwrap_or(since_previous);
            match info.get(SHORTEST_PATH) {
                Some(shortest) if shortest > 0.0 => self.later_shortest += shortest,
                _ => self.later_shortest_known = false,
            }
        }
        self.last_goal_step = self.steps;
    }

    /// The trial's statistics so far; `None` when no recorded step reported
    /// `goal_reached` (not a goal task).
    pub fn outcome(&self) -> Option<GoalOutcome> {
        if !self.reports_goals {
            return None;
        }
        let later = self.goals.saturating_sub(1);
        Some(GoalOutcome {
            goals: self.goals,
            steps_to_first_goal: self.first_goal_step.unwrap_or(self.steps),
            steps_per_later_goal: (later > 0).then(|| self.later_steps / later as f64),
            later_goal_path_ratio: (later > 0 && self.later_shortest_known)
                .then(|| self.later_steps / self.later_shortest),
        })
    }
}

/// A mean over trials with the half-width of its 95% interval (see
/// [`ci95_normal`]) and the number of trials it averages.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeanInterval {
    /// The mean.
    pub mean: f64,
    /// Half-width of the normal-approximation 95% interval; NaN for fewer
    /// than two trials.
    pub ci95: f64,
    /// Trials averaged.
    pub n: usize,
}

impl MeanInterval {
    /// The mean and interval of `values`; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let (mean, ci95) = ci95_normal(values);
        Some(Self {
            mean,
            ci95,
            n: values.len(),
        })
    }
}

/// The goal statistics of an evaluation, over its trials.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GoalSummary {
    /// Trials summarised.
    pub trials: usize,
    /// Goals per trial, over every trial.
    pub goals_per_trial: MeanInterval,
    /// Steps to the first goal (censored at the trial length), over every trial.
    pub steps_to_first_goal: MeanInterval,
    /// Steps per later goal, over the trials with at least two goals;
    /// `None` when there are none.
    pub steps_per_later_goal: Option<MeanInterval>,
    /// The later goals' path ratio, over the trials where it is defined.
    pub later_goal_path_ratio: Option<MeanInterval>,
}

impl GoalSummary {
    /// Summarises the trials' outcomes; `None` for no trials.
    pub fn of(outcomes: &[GoalOutcome]) -> Option<Self> {
        let column = |f: &dyn Fn(&GoalOutcome) -> Option<f64>| -> Vec<f64> {
            outcomes.iter().filter_map(f).collect()
        };
        Some(Self {
            trials: outcomes.len(),
            goals_per_trial: MeanInterval::of(&column(&|o| Some(o.goals as f64)))?,
            steps_to_first_goal: MeanInterval::of(&column(&|o| {
                Some(o.steps_to_first_goal as f64)
            }))?,
            steps_per_later_goal: MeanInterval::of(&column(&|o| o.steps_per_later_goal)),
            later_goal_path_ratio: MeanInterval::of(&column(&|o| o.later_goal_path_ratio)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(goal: bool, segment: f64, shortest: f64) -> Info {
        Info::new()
            .with(GOAL_REACHED, if goal { 1.0 } else { 0.0 })
            .with(SHORTEST_PATH, shortest)
            .with(SEGMENT_STEPS, segment)
    }

    /// A trial of `len` steps with goals at the given 1-based steps; each
    /// segment's shortest path is `shortest`.
    fn trial(len: usize, goals_at: &[usize], shortest: f64) -> GoalTracker {
        let mut tracker = GoalTracker::new();
        let mut segment = 0.0;
        for s in 1..=len {
            segment += 1.0;
            let goal = goals_at.contains(&s);
            tracker.record(&step(goal, segment, shortest));
            if goal {
                segment = 0.0;
            }
        }
        tracker
    }

    #[test]
    fn counts_goals_and_times_them() {
        let outcome = trial(20, &[5, 9, 15], 2.0).outcome().unwrap();
        assert_eq!(outcome.goals, 3);
        assert_eq!(outcome.steps_to_first_goal, 5);
        // Later goals took 4 and 6 steps, shortest paths 2 and 2.
        assert_eq!(outcome.steps_per_later_goal, Some(5.0));
        assert_eq!(outcome.later_goal_path_ratio, Some(10.0 / 4.0));
    }

    #[test]
    fn no_goal_is_censored_at_the_trial_length() {
        let outcome = trial(30, &[], 3.0).outcome().unwrap();
        assert_eq!(outcome.goals, 0);
        assert_eq!(outcome.steps_to_first_goal, 30);
        assert_eq!(outcome.steps_per_later_goal, None);
        assert_eq!(outcome.later_goal_path_ratio, None);
        let one = trial(30, &[7], 3.0).outcome().unwrap();
        assert_eq!((one.goals, one.steps_to_first_goal), (1, 7));
        assert_eq!(one.steps_per_later_goal, None);
    }

    #[test]
    fn falls_back_to_steps_between_goals_and_drops_unknown_ratios() {
        let mut tracker = GoalTracker::new();
        for s in 1..=10 {
            tracker.record(&Info::new().with(GOAL_REACHED, f64::from(s % 4 == 0)));
        }
        let outcome = tracker.outcome().unwrap();
        // Goals at steps 4 and 8: the later one 4 steps after the first.
        assert_eq!(outcome.goals, 2);
        assert_eq!(outcome.steps_per_later_goal, Some(4.0));
        assert_eq!(outcome.later_goal_path_ratio, None);
    }

    #[test]
    fn tasks_without_goals_have_no_outcome() {
        let mut tracker = GoalTracker::new();
        tracker.record(&Info::new().with("expected_reward", 0.5));
        assert_eq!(tracker.outcome(), None);
        assert!(!is_goal_task(&Info::new().with("x", 1.0)));
        assert!(is_goal_task(&Info::new().with(SHORTEST_PATH, 4.0)));
    }

    #[test]
    fn summary_averages_over_the_trials_where_a_figure_is_defined() {
        let outcomes: Vec<GoalOutcome> = [
            trial(20, &[2, 4, 6], 2.0),
            trial(20, &[10], 2.0),
            trial(20, &[], 2.0),
        ]
        .iter()
        .map(|t| t.outcome().unwrap())
        .collect();
        let summary = GoalSummary::of(&outcomes).unwrap();
        assert_eq!(summary.trials, 3);
        assert_eq!(summary.goals_per_trial.mean, 4.0 / 3.0);
        assert_eq!(summary.steps_to_first_goal.mean, (2.0 + 10.0 + 20.0) / 3.0);
        let later = summary.steps_per_later_goal.unwrap();
        assert_eq!((later.mean, later.n), (2.0, 1));
        assert!(later.ci95.is_nan());
        assert_eq!(summary.later_goal_path_ratio.unwrap().mean, 1.0);
        assert_eq!(GoalSummary::of(&[]), None);
    }
}
