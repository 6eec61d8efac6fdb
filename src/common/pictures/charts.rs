//! The line and bar charts: learning curve, firing rates, arm choices.

use lsnn_rl_a2c::LogRow;
use plotters::prelude::*;

use super::{Figure, RunData, drawing, render};

/// Distinct colours for series (baselines, arms, algorithms).
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The colour of series `i`.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A font of the shipped family at `size` pixels.
pub fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&BLACK)
}

/// The running mean over the `window` values up to each one.
pub fn smooth(values: &[f64], window: usize) -> Vec<f64> {
    let window = window.max(1);
    let mut sum = 0.0;
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            sum += v;
            if i >= window {
                sum -= values[i - window];
            }
            sum / (i + 1).min(window) as f64
        })
        .collect()
}

/// A count of steps for an axis: 250k, 1.5M.
pub fn steps_label(v: &f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// A range holding every value, padded by 5% (1 where all are equal).
pub fn padded_range(values: impl IntoIterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let pad = if hi > lo { (hi - lo) * 0.05 } else { 1.0 };
    (lo - pad)..(hi + pad)
}

/// Counts of `values` in `bins` equal bins over `range`.
pub fn histogram(values: &[f64], range: &std::ops::Range<f64>, bins: usize) -> Vec<usize> {
    let mut counts = vec![0; bins];
    let width = (range.end - range.start) / bins as f64;
    for &v in values {
        if !v.is_finite() || width <= 0.0 {
            continue;
        }
        let i = ((v - range.start) / width).floor().max(0.0) as usize;
        counts[i.min(bins - 1)] += 1;
    }
    counts
}

/// Side-by-side bars of two or more groups of counts over the same bins.
pub fn grouped_bars(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    title: &str,
    x_desc: &str,
    range: std::ops::Range<f64>,
    groups: &[(String, RGBColor, Vec<usize>)],
    marker: Option<(String, f64)>,
) -> anyhow::Result<()> {
    let bins = groups.first().map_or(1, |g| g.2.len()).max(1);
    let top = groups
        .iter()
        .flat_map(|g| g.2.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(title, font(20))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(range.clone(), 0.0..top * 1.1)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc("count")
        .label_style(font(14))
        .axis_desc_style(font(16))
        .light_line_style(WHITE)
        .draw()
        .map_err(drawing)?;
    let width = (range.end - range.start) / bins as f64;
    let share = width / groups.len().max(1) as f64;
    for (g, (name, c, counts)) in groups.iter().enumerate() {
        let c = *c;
        chart
            .draw_series(
                counts
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(i, &n)| {
                        let x0 = range.start + i as f64 * width + g as f64 * share;
                        Rectangle::new([(x0, 0.0), (x0 + share * 0.9, n as f64)], c.filled())
                    }),
            )
            .map_err(drawing)?
            .label(name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
    }
    if let Some((name, x)) = marker {
        chart
            .draw_series(LineSeries::new(
                [(x, 0.0), (x, top * 1.1)],
                BLACK.stroke_width(2),
            ))
            .map_err(drawing)?
            .label(name)
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .label_font(font(13))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(drawing)?;
    Ok(())
}

/// Width and height of the firing-rate histogram.
pub const RATES_SIZE: (u32, u32) = (900, 500);

/// Bars of the LIF and ALIF neurons' firing rates in the fresh evaluation,
/// with the rate the regulariser pulls towards.
pub fn firing_rates(data: &RunData) -> anyhow::Result<Figure> {
    let (n_lif, n_alif) = data.neurons;
    let k_steps = data.config.agent.k_steps;
    let spikes = data.log.spikes.as_deref().unwrap_or(&[]);
    let rates = super::firing_rates(spikes, n_lif + n_alif, data.log.rows.len(), k_steps);
    let target = data.config.train.rate_target;
    let top = rates.iter().copied().fold(target * 2.0, f64::max).max(1e-6);
    let range = 0.0..top * 1.05;
    let bins = 30;
    let mut groups = vec![(
        format!("LIF ({n_lif})"),
        RGBColor(31, 119, 180),
        histogram(&rates[..n_lif], &range, bins),
    )];
    if n_alif > 0 {
        groups.push((
            format!("ALIF ({n_alif})"),
            RGBColor(214, 39, 40),
            histogram(&rates[n_lif..], &range, bins),
        ));
    }
    let mean = rates.iter().sum::<f64>() / rates.len().max(1) as f64;
    let png = render(RATES_SIZE.0, RATES_SIZE.1, |root| {
        grouped_bars(
            root,
            &format!("Firing rate per neuron (mean {mean:.4})"),
            "spikes per network step",
            range.clone(),
            &groups,
            Some((format!("rate target {target}"), target)),
        )
    })?;
    Ok(Figure {
        file: "firing-rates.png",
        title: "Firing rates".into(),
        caption: format!(
            "Spikes per network step of each neuron over {} evaluation trials ({k_steps} network steps per environment step); the line is train.rate_target, the rate the regulariser pulls towards (with train.rate_penalty = \"above\", the ceiling above which it pulls down).",
            data.summary.trials
        ),
        size: RATES_SIZE,
        png,
    })
}

/// For each step of the trial, the share of trials that chose each arm
/// (`arms` long), and the share that chose a best arm.
pub fn choice_shares(rows: &[LogRow]) -> (Vec<Vec<f64>>, Vec<f64>) {
    let arms = rows
        .iter()
        .filter_map(|r| r.info.get("arm"))
        .fold(0.0_f64, f64::max) as usize
        + 1;
    let steps = rows.iter().map(|r| r.step + 1).max().unwrap_or(0);
    let mut counts = vec![vec![0.0; arms]; steps];
    let mut best = vec![0.0; steps];
    let mut totals: Vec<f64> = vec![0.0; steps];
    for row in rows {
        let Some(arm) = row.info.get("arm") else {
            continue;
        };
        counts[row.step][arm as usize] += 1.0;
        totals[row.step] += 1.0;
        let expected = row.info.get("expected_reward");
        let best_expected = row.info.get("best_expected_reward");
        if let (Some(e), Some(b)) = (expected, best_expected)
            && e >= b - 1e-12
        {
            best[row.step] += 1.0;
        }
    }
    for ((c, b), t) in counts.iter_mut().zip(&mut best).zip(&totals) {
        let t = t.max(1.0_f64);
        c.iter_mut().for_each(|v| *v /= t);
        *b /= t;
    }
    (counts, best)
}

/// Width of the arm-choice picture; its height grows with the algorithms.
pub const ARMS_WIDTH: u32 = 1000;

/// The probability of choosing a best arm at each step of the trial for the
/// agent and every baseline, then one small panel per algorithm with the
/// probability of each arm (by index), averaged over the evaluation trials.
pub fn arm_choices(data: &RunData) -> anyhow::Result<Figure> {
    let mut algos: Vec<(String, &[LogRow])> = vec![(
        data.config.agent.kind.as_str().to_string(),
        &data.log.rows[..],
    )];
    algos.extend(
        data.baseline_logs
            .iter()
            .map(|(a, rows)| (a.clone(), &rows[..])),
    );
    let shares: Vec<(String, Vec<Vec<f64>>, Vec<f64>)> = algos
        .iter()
        .map(|(a, rows)| {
            let (arms, best) = choice_shares(rows);
            (a.clone(), arms, best)
        })
        .collect();
    let columns = 4usize;
    let grid_rows = shares.len().div_ceil(columns);
    let top_height = 420u32;
    let small = 230u32;
    let height = top_height + small * grid_rows as u32;
    let steps = shares.iter().map(|s| s.2.len()).max().unwrap_or(1).max(2);
    let png = render(ARMS_WIDTH, height, |root| {
        let (top, bottom) = root.split_vertically(top_height);
        let mut chart = ChartBuilder::on(&top)
            .caption("P(choosing a best arm) at each step of the trial", font(20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..(steps - 1) as f64, 0.0..1.02)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .x_desc("step of the trial")
            .y_desc("share of trials")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .label_style(font(14))
            .axis_desc_style(font(16))
            .light_line_style(WHITE)
            .draw()
            .map_err(drawing)?;
        for (i, (name, _, best)) in shares.iter().enumerate() {
            let c = colour(i);
            let width = if i == 0 { 3 } else { 1 };
            chart
                .draw_series(LineSeries::new(
                    best.iter().enumerate().map(|(s, &p)| (s as f64, p)),
                    c.stroke_width(width),
                ))
                .map_err(drawing)?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], c.stroke_width(3)));
        }
        chart
            .configure_series_labels()
            .label_font(font(13))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(drawing)?;
        let cells = bottom.split_evenly((grid_rows, columns));
        for ((name, arms, _), cell) in shares.iter().zip(&cells) {
            let n_arms = arms.first().map_or(0, Vec::len);
            let mut chart = ChartBuilder::on(cell)
                .caption(format!("{name}: P(arm k)"), font(15))
                .margin(6)
                .x_label_area_size(24)
                .y_label_area_size(34)
                .build_cartesian_2d(0.0..(steps - 1) as f64, 0.0..1.02)
                .map_err(drawing)?;
            chart
                .configure_mesh()
                .x_labels(5)
                .y_labels(5)
                .x_label_formatter(&|v| format!("{v:.0}"))
                .label_style(font(11))
                .light_line_style(WHITE)
                .draw()
                .map_err(drawing)?;
            for arm in 0..n_arms {
                chart
                    .draw_series(LineSeries::new(
                        arms.iter().enumerate().map(|(s, p)| (s as f64, p[arm])),
                        colour(arm).stroke_width(2),
                    ))
                    .map_err(drawing)?;
            }
        }
        Ok(())
    })?;
    Ok(Figure {
        file: "arm-choices.png",
        title: "Arm choices".into(),
        caption: format!(
            "Top: the share of the {} evaluation trials that chose a best arm at each step, for the agent (thick) and the baselines on the same tasks. Below: each algorithm's share per arm index (arm 0 blue, 1 orange, 2 green, ...).",
            data.summary.trials
        ),
        size: (ARMS_WIDTH, height),
        png,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_is_a_running_mean_over_the_window() {
        assert_eq!(smooth(&[1.0, 3.0, 5.0, 7.0], 2), vec![1.0, 2.0, 4.0, 6.0]);
        assert_eq!(smooth(&[2.0], 5), vec![2.0]);
    }

    #[test]
    fn histogram_puts_the_maximum_in_the_last_bin() {
        assert_eq!(
            histogram(&[0.0, 0.5, 1.0, f64::NAN], &(0.0..1.0), 2),
            [1, 2]
        );
    }

    #[test]
    fn ranges_are_padded_and_never_empty() {
        assert_eq!(padded_range([2.0, 2.0]), 1.0..3.0);
        assert_eq!(padded_range([]), 0.0..1.0);
        let r = padded_range([0.0, 10.0, f64::NAN]);
        assert!((r.start + 0.5).abs() < 1e-12 && (r.end - 10.5).abs() < 1e-12);
    }
}
