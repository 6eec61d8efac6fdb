//! The learning curve: training reward (and regret) against environment
//! steps, raw and smoothed, with the evaluations and the baselines' levels.

use lsnn_rl_a2c::LogRow;
use plotters::prelude::*;

use super::charts::{colour, font, padded_range, smooth, steps_label};
use super::{CurvePoint, Figure, RunData, drawing, render, trials};

/// Width and height of the learning curve (twice as tall with regret).
pub const CURVE_SIZE: (u32, u32) = (1000, 560);

/// Mean trial reward (and regret, where the task reports it) against
/// environment steps: training raw and smoothed, the periodic evaluations,
/// and the baselines' and the oracle's levels on the fresh evaluation's tasks.
pub fn learning_curve(data: &RunData) -> anyhow::Result<Figure> {
    let has_regret = data.train.iter().any(|p| p.regret.is_some());
    let height = if has_regret {
        CURVE_SIZE.1 * 2 - 80
    } else {
        CURVE_SIZE.1
    };
    let baselines: Vec<(String, f64, Option<f64>)> = data.table[1..]
        .iter()
        .map(|r| {
            (
                r.algo.clone(),
                r.summary.mean_total_reward,
                r.summary.mean_regret,
            )
        })
        .collect();
    let oracle = oracle_level(&data.log.rows);
    let png = render(CURVE_SIZE.0, height, |root| {
        let panels = if has_regret {
            root.split_evenly((2, 1))
        } else {
            vec![root.clone()]
        };
        let mut reward_levels = baselines
            .iter()
            .map(|(a, r, _)| (a.clone(), *r))
            .collect::<Vec<_>>();
        if let Some(o) = oracle {
            reward_levels.push(("oracle (best arm's mean)".into(), o));
        }
        curve_panel(
            &panels[0],
            PanelText {
                title: &format!("{}: mean trial reward", data.env),
                y_desc: "mean total reward per trial",
                legend: SeriesLabelPosition::LowerRight,
            },
            &data.train,
            &data.eval,
            |p| Some(p.reward),
            &reward_levels,
        )?;
        if has_regret {
            let mut regret_levels: Vec<(String, f64)> = baselines
                .iter()
                .filter_map(|(a, _, g)| Some((a.clone(), (*g)?)))
                .collect();
            regret_levels.push(("oracle".into(), 0.0));
            curve_panel(
                &panels[1],
                PanelText {
                    title: "mean trial regret (lower is better)",
                    y_desc: "mean total regret per trial",
                    legend: SeriesLabelPosition::UpperRight,
                },
                &data.train,
                &data.eval,
                |p| p.regret,
                &regret_levels,
            )?;
        }
        Ok(())
    })?;
    Ok(Figure {
        file: "learning-curve.png",
        title: "Learning curve".into(),
        caption: format!(
            "Mean total reward per trial of the training batches (the range of the batches and a running mean) and of the periodic evaluations, against environment steps; horizontal lines: the classical baselines on {} evaluation trials (seed {}).",
            data.summary.trials, data.seed
        ),
        size: (CURVE_SIZE.0, height),
        png,
    })
}

/// The mean over trials of the best arm's expected reward summed over the
/// trial: what an oracle that knows the task earns on average.
fn oracle_level(rows: &[LogRow]) -> Option<f64> {
    let per_trial: Option<Vec<f64>> = trials(rows)
        .iter()
        .map(|t| t.iter().map(|r| r.info.get("best_expected_reward")).sum())
        .collect();
    let per_trial = per_trial.filter(|t| !t.is_empty())?;
    Some(per_trial.iter().sum::<f64>() / per_trial.len() as f64)
}

/// The words and legend place of one learning-curve panel.
struct PanelText<'a> {
    title: &'a str,
    y_desc: &'a str,
    legend: SeriesLabelPosition,
}

fn curve_panel(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    text: PanelText<'_>,
    train: &[CurvePoint],
    eval: &[CurvePoint],
    value: impl Fn(&CurvePoint) -> Option<f64>,
    levels: &[(String, f64)],
) -> anyhow::Result<()> {
    let PanelText {
        title,
        y_desc,
        legend,
    } = text;
    let raw: Vec<(f64, f64)> = train
        .iter()
        .filter_map(|p| Some((p.env_steps, value(p)?)))
        .collect();
    let ys: Vec<f64> = raw.iter().map(|p| p.1).collect();
    let smoothed = smooth(&ys, (raw.len() / 25).max(1));
    let evals: Vec<(f64, f64)> = eval
        .iter()
        .filter_map(|p| Some((p.env_steps, value(p)?)))
        .collect();
    let x_max = raw
        .iter()
        .chain(&evals)
        .map(|p| p.0)
        .fold(1.0_f64, f64::max);
    let y_range = padded_range(
        ys.iter()
            .copied()
            .chain(evals.iter().map(|p| p.1))
            .chain(levels.iter().map(|l| l.1)),
    );
    let mut chart = ChartBuilder::on(area)
        .caption(title, font(22))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..x_max, y_range)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .x_desc("environment steps")
        .y_desc(y_desc)
        .x_label_formatter(&steps_label)
        .label_style(font(14))
        .axis_desc_style(font(16))
        .light_line_style(WHITE)
        .draw()
        .map_err(drawing)?;
    for (i, (name, level)) in levels.iter().enumerate() {
        let c = colour(i + 2);
        chart
            .draw_series(LineSeries::new(
                [(0.0, *level), (x_max, *level)],
                c.stroke_width(2),
            ))
            .map_err(drawing)?
            .label(format!("{name} {level:.2}"))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    let raw_colour = RGBColor(31, 119, 180);
    // The raw batches as the band between their lowest and highest value
    // per slice of the axis: every batch shows, and the file stays small.
    let band = envelope(&raw, 300);
    let light = RGBColor(190, 215, 236);
    if band.len() > 1 {
        let outline: Vec<(f64, f64)> = band
            .iter()
            .map(|b| (b.0, b.2))
            .chain(band.iter().rev().map(|b| (b.0, b.1)))
            .collect();
        chart
            .draw_series([Polygon::new(outline, light.filled())])
            .map_err(drawing)?
            .label("training batches (range)")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], light.filled()));
    }
    chart
        .draw_series(LineSeries::new(
            raw.iter().map(|p| p.0).zip(smoothed.iter().copied()),
            raw_colour.stroke_width(3),
        ))
        .map_err(drawing)?
        .label("training, smoothed")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], raw_colour.stroke_width(3)));
    if !evals.is_empty() {
        chart
            .draw_series(LineSeries::new(
                evals.iter().copied(),
                BLACK.stroke_width(2),
            ))
            .map_err(drawing)?;
        chart
            .draw_series(evals.iter().map(|&p| Circle::new(p, 4, BLACK.filled())))
            .map_err(drawing)?
            .label("periodic evaluation")
            .legend(|(x, y)| Circle::new((x + 10, y), 4, BLACK.filled()));
    }
    chart
        .configure_series_labels()
        .label_font(font(13))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .position(legend)
        .draw()
        .map_err(drawing)?;
    Ok(())
}

/// The lowest and highest value of `points` (sorted by x) in each of
/// `slices` equal slices of their x range: (x of the slice, low, high).
pub fn envelope(points: &[(f64, f64)], slices: usize) -> Vec<(f64, f64, f64)> {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Vec::new();
    };
    let width = ((last.0 - first.0) / slices.max(1) as f64).max(f64::MIN_POSITIVE);
    let mut out: Vec<(f64, f64, f64)> = Vec::new();
    let mut current: Option<(usize, f64, f64, f64)> = None;
    for &(x, y) in points {
        let slice = ((x - first.0) / width) as usize;
        current = match current {
            Some((s, sx, lo, hi)) if s == slice => Some((s, sx, lo.min(y), hi.max(y))),
            Some((_, sx, lo, hi)) => {
                out.push((sx, lo, hi));
                Some((slice, x, y, y))
            }
            None => Some((slice, x, y, y)),
        };
    }
    if let Some((_, sx, lo, hi)) = current {
        out.push((sx, lo, hi));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::pictures::charts::choice_shares;
    use lsnn_rl_env::Info;

    #[test]
    fn the_envelope_keeps_each_slice_s_extremes() {
        let points = [(0.0, 1.0), (1.0, 3.0), (2.0, 2.0), (10.0, 5.0)];
        assert_eq!(
            envelope(&points, 2),
            vec![(0.0, 1.0, 3.0), (10.0, 5.0, 5.0)]
        );
        assert!(envelope(&[], 5).is_empty());
    }

    #[test]
    fn choice_shares_average_over_trials_per_step() {
        let row = |trial, step, arm: f64, best: bool| LogRow {
            trial,
            episode: 0,
            step,
            action: arm.to_string(),
            reward: 0.0,
            done: false,
            value: 0.0,
            spikes: 0,
            alif_threshold: None,
            info: Info::new()
                .with("arm", arm)
                .with("expected_reward", if best { 0.9 } else { 0.1 })
                .with("best_expected_reward", 0.9),
        };
        let rows = [
            row(0, 0, 0.0, true),
            row(1, 0, 1.0, false),
            row(0, 1, 1.0, true),
            row(1, 1, 1.0, true),
        ];
        let (arms, best) = choice_shares(&rows);
        assert_eq!(arms, vec![vec![0.5, 0.5], vec![0.0, 1.0]]);
        assert_eq!(best, vec![0.5, 1.0]);
        assert_eq!(oracle_level(&rows), Some(1.8));
    }
}
