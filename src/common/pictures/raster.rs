//! The spike raster of one evaluation trial: LIF and ALIF neurons in
//! separate bands, the ALIF neurons' mean adaptive threshold, and the
//! actions and rewards on strips below.

use plotters::prelude::*;

use super::charts::{colour, font};
use super::{Figure, RunData, drawing, render, trials};

/// Width and height of the raster.
pub const RASTER_SIZE: (u32, u32) = (1000, 860);

const LIF_COLOUR: RGBColor = RGBColor(31, 119, 180);
const ALIF_COLOUR: RGBColor = RGBColor(214, 39, 40);

/// Draws trial 0 of the fresh evaluation.
pub fn spike_raster(data: &RunData) -> anyhow::Result<Figure> {
    let all = trials(&data.log.rows);
    let rows = all.first().cloned().unwrap_or_default();
    let trial = rows.first().map_or(0, |r| r.trial);
    let steps = rows.len().max(2);
    let (n_lif, n_alif) = data.neurons;
    let neurons = (n_lif + n_alif).max(1);
    let spikes: Vec<(usize, usize)> = data
        .log
        .spikes
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .filter(|e| e.trial == trial)
        .map(|e| (e.step, e.neuron))
        .collect();
    let thresholds: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| Some((r.step as f64, r.alif_threshold?)))
        .collect();
    let actions: Vec<(usize, Option<usize>)> = rows
        .iter()
        .map(|r| (r.step, r.action.parse().ok()))
        .collect();
    let n_actions = actions
        .iter()
        .filter_map(|a| a.1)
        .max()
        .map_or(0, |m| m + 1);
    let rewards: Vec<(f64, f64)> = rows.iter().map(|r| (r.step as f64, r.reward)).collect();
    let x_range = -0.5..steps as f64 - 0.5;
    let png = render(RASTER_SIZE.0, RASTER_SIZE.1, |root| {
        let (raster, rest) = root.split_vertically(440);
        let (threshold, rest) = rest.split_vertically(170);
        let (action_strip, reward_strip) = rest.split_vertically(130);

        let mut chart = ChartBuilder::on(&raster)
            .caption(
                format!(
                    "Spikes of evaluation trial {trial} ({} LIF, {} ALIF neurons)",
                    n_lif, n_alif
                ),
                font(20),
            )
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(64)
            .build_cartesian_2d(x_range.clone(), -0.5..neurons as f64 - 0.5)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_y_mesh()
            .y_desc("neuron (LIF below, ALIF above)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(font(13))
            .axis_desc_style(font(14))
            .draw()
            .map_err(drawing)?;
        if n_alif > 0 {
            chart
                .draw_series([Rectangle::new(
                    [
                        (x_range.start, n_lif as f64 - 0.5),
                        (x_range.end, neurons as f64 - 0.5),
                    ],
                    ALIF_COLOUR.mix(0.06).filled(),
                )])
                .map_err(drawing)?;
        }
        chart
            .draw_series(spikes.iter().map(|&(step, neuron)| {
                let c = if neuron < n_lif {
                    LIF_COLOUR
                } else {
                    ALIF_COLOUR
                };
                Rectangle::new(
                    [
                        (step as f64 - 0.35, neuron as f64 - 0.4),
                        (step as f64 + 0.35, neuron as f64 + 0.4),
                    ],
                    c.filled(),
                )
            }))
            .map_err(drawing)?;
        let mut chart = ChartBuilder::on(&threshold)
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(64)
            .build_cartesian_2d(
                x_range.clone(),
                super::charts::padded_range(thresholds.iter().map(|t| t.1)),
            )
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .y_desc("mean ALIF threshold")
            .y_labels(4)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .label_style(font(13))
            .axis_desc_style(font(14))
            .light_line_style(WHITE)
            .draw()
            .map_err(drawing)?;
        if thresholds.is_empty() {
            threshold
                .draw_text(
                    "no adaptive neurons: the threshold is constant",
                    &font(16),
                    (200, 70),
                )
                .map_err(drawing)?;
        } else {
            chart
                .draw_series(LineSeries::new(
                    thresholds.iter().copied(),
                    ALIF_COLOUR.stroke_width(2),
                ))
                .map_err(drawing)?;
        }
        let mut chart = ChartBuilder::on(&action_strip)
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(64)
            .build_cartesian_2d(x_range.clone(), -0.5..n_actions.max(1) as f64 - 0.5)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc("action")
            .y_labels(n_actions.clamp(1, 10))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(font(13))
            .axis_desc_style(font(14))
            .draw()
            .map_err(drawing)?;
        chart
            .draw_series(actions.iter().filter_map(|&(step, a)| {
                let a = a?;
                Some(Rectangle::new(
                    [
                        (step as f64 - 0.45, a as f64 - 0.4),
                        (step as f64 + 0.45, a as f64 + 0.4),
                    ],
                    colour(a).filled(),
                ))
            }))
            .map_err(drawing)?;
        let mut chart = ChartBuilder::on(&reward_strip)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(
                x_range.clone(),
                super::charts::padded_range(rewards.iter().map(|r| r.1).chain([0.0])),
            )
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("step of the trial")
            .y_desc("reward")
            .y_labels(3)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .label_style(font(13))
            .axis_desc_style(font(14))
            .draw()
            .map_err(drawing)?;
        chart
            .draw_series(rewards.iter().filter(|r| r.1 != 0.0).map(|&(step, r)| {
                let c = if r > 0.0 {
                    RGBColor(44, 160, 44)
                } else {
                    RGBColor(127, 127, 127)
                };
                Rectangle::new([(step - 0.4, 0.0), (step + 0.4, r)], c.filled())
            }))
            .map_err(drawing)?;
        Ok(())
    })?;
    Ok(Figure {
        file: "spike-raster.png",
        title: "Spike raster".into(),
        caption: format!(
            "One evaluation trial (seed {}): a mark per environment step in which a neuron spiked (LIF blue, ALIF red on the shaded band), the mean adaptive threshold thr + beta * b of the ALIF neurons, the actions and the rewards.",
            data.seed
        ),
        size: RASTER_SIZE,
        png,
    })
}
