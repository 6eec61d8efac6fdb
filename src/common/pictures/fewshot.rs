//! Learning-to-learn from a teacher, drawn: the squared error against the
//! examples seen in a trial (the trained network, the same network before
//! training, the few-shot baselines), and one test function's target beside
//! the network's prediction after 1, 5 and 20 examples.

use plotters::prelude::*;

use super::charts::{colour, font};
use super::{Figure, drawing, render};
use crate::common::fewshot::{ErrorCurve, Surface};

/// Width and height of the error curve.
pub const ERROR_CURVE_SIZE: (u32, u32) = (1000, 560);

/// Height of the surface figure (its width depends on the panels).
pub const SURFACE_HEIGHT: u32 = 360;

/// The mean squared error after k examples, log scale, one line per predictor.
pub fn error_curve(curve: &ErrorCurve) -> anyhow::Result<Figure> {
    let steps = curve.series.iter().map(|s| s.1.len()).max().unwrap_or(1);
    let positive = curve
        .series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .filter(|v| v.is_finite() && *v > 0.0);
    let (low, high) = positive.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (low, high) = if high > 0.0 {
        (low / 1.5, high * 1.5)
    } else {
        (1e-3, 1.0)
    };
    let png = render(ERROR_CURVE_SIZE.0, ERROR_CURVE_SIZE.1, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("{}: error after k examples of a new function", curve.env),
                font(20),
            )
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(75)
            .build_cartesian_2d(0.0..(steps - 1).max(1) as f64, (low..high).log_scale())
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .x_desc("examples seen in the trial (k)")
            .y_desc("mean squared error (log scale)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .label_style(font(14))
            .axis_desc_style(font(16))
            .draw()
            .map_err(drawing)?;
        for (i, (name, values)) in curve.series.iter().enumerate() {
            let style = colour(i).stroke_width(if i == 0 { 3 } else { 2 });
            let points: Vec<(f64, f64)> = values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite() && **v > 0.0)
                .map(|(k, &v)| (k as f64, v))
                .collect();
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(drawing)?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(font(14))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(drawing)?;
        Ok(())
    })?;
    Ok(Figure {
        file: "fewshot-curve.png",
        title: "Learning from examples".into(),
        caption: format!(
            "Mean squared error of the prediction of f(x_k) after k examples of the trial's function, over {} functions never seen in training (seed {}): the trained network with fixed weights, the same network before training, and the few-shot baselines on the same functions and inputs (family-mean: the family's mean function; kernel-ridge: Gaussian-kernel ridge regression fitted to the examples so far, tuned on training functions).",
            curve.trials, curve.seed
        ),
        size: ERROR_CURVE_SIZE,
        png,
    })
}

/// A colour for `value` on a blue-white-red scale over [-top, top].
fn diverging(value: f64, top: f64) -> RGBColor {
    let t = (value / top).clamp(-1.0, 1.0);
    let fade = |full: u8, amount: f64| (255.0 - (255.0 - full as f64) * amount) as u8;
    if t >= 0.0 {
        RGBColor(fade(200, t), fade(20, t), fade(20, t))
    } else {
        RGBColor(fade(20, -t), fade(60, -t), fade(200, -t))
    }
}

/// The target and the predictions after k examples: heat maps for a
/// function of two inputs, curves for one input.
pub fn surface(surface: &Surface, env: &str, seed: u64) -> anyhow::Result<Figure> {
    let panels = 1 + surface.predictions.len();
    let width = if surface.inputs == 2 {
        SURFACE_HEIGHT * panels as u32
    } else {
        1000
    };
    let top = surface
        .target
        .iter()
        .chain(surface.predictions.iter().flat_map(|p| p.1.iter()))
        .filter(|v| v.is_finite())
        .fold(1e-9f64, |m, v| m.max(v.abs()));
    let png = render(width, SURFACE_HEIGHT + 40, |root| {
        let (title, body) = root.split_vertically(40);
        title
            .titled(
                &format!(
                    "{env}: test function (seed {seed}, trial 0) and the network's prediction"
                ),
                font(18),
            )
            .map_err(drawing)?;
        if surface.inputs == 2 {
            heat_maps(&body, surface, top)
        } else {
            curves(&body, surface, top)
        }
    })?;
    let ks: Vec<String> = surface
        .predictions
        .iter()
        .map(|(k, _)| k.to_string())
        .collect();
    Ok(Figure {
        file: "fewshot-surface.png",
        title: "One new function, learned from examples".into(),
        caption: format!(
            "The target f of one function training never drew, and the network's prediction of f over the whole input range after {} examples of it (with fixed weights: what it learned is in its activity); the dots are the examples seen.",
            ks.join(", ")
        ),
        size: (width, SURFACE_HEIGHT + 40),
        png,
    })
}

fn heat_maps(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    surface: &Surface,
    top: f64,
) -> anyhow::Result<()> {
    let columns = 1 + surface.predictions.len();
    let cells = area.split_evenly((1, columns));
    let side = (surface.target.len() as f64).sqrt().round() as usize;
    let step = 2.0 / (side.max(2) - 1) as f64;
    let mut maps = vec![("target f".to_string(), &surface.target, 0)];
    for (k, values) in &surface.predictions {
        maps.push((
            format!("after {k} example{}", if *k == 1 { "" } else { "s" }),
            values,
            *k,
        ));
    }
    for (cell, (name, values, k)) in cells.iter().zip(maps) {
        let mut chart = ChartBuilder::on(cell)
            .caption(name, font(16))
            .margin(8)
            .x_label_area_size(25)
            .y_label_area_size(35)
            .build_cartesian_2d(
                -1.0 - step / 2.0..1.0 + step / 2.0,
                -1.0 - step / 2.0..1.0 + step / 2.0,
            )
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(5)
            .y_labels(5)
            .label_style(font(12))
            .draw()
            .map_err(drawing)?;
        chart
            .draw_series(surface.grid.chunks(2).zip(values.iter()).map(|(x, &v)| {
                let (x0, x1) = (x[0], x[1]);
                Rectangle::new(
                    [
                        (x0 - step / 2.0, x1 - step / 2.0),
                        (x0 + step / 2.0, x1 + step / 2.0),
                    ],
                    diverging(v, top).filled(),
                )
            }))
            .map_err(drawing)?;
        chart
            .draw_series(
                surface.examples[..k.min(surface.examples.len())]
                    .iter()
                    .map(|(x, _)| Circle::new((x[0], x[1]), 4, BLACK.filled())),
            )
            .map_err(drawing)?;
    }
    Ok(())
}

fn curves(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    surface: &Surface,
    top: f64,
) -> anyhow::Result<()> {
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(-1.0..1.0, -top * 1.1..top * 1.1)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .x_desc("x")
        .y_desc("f(x)")
        .label_style(font(13))
        .axis_desc_style(font(15))
        .draw()
        .map_err(drawing)?;
    let line = |values: &[f64]| -> Vec<(f64, f64)> {
        surface
            .grid
            .iter()
            .copied()
            .zip(values.iter().copied())
            .collect()
    };
    chart
        .draw_series(LineSeries::new(
            line(&surface.target),
            BLACK.stroke_width(3),
        ))
        .map_err(drawing)?
        .label("target f")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(3)));
    for (i, (k, values)) in surface.predictions.iter().enumerate() {
        let style = colour(i).stroke_width(2);
        chart
            .draw_series(LineSeries::new(line(values), style))
            .map_err(drawing)?
            .label(format!("after {k} examples"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
    }
    let last = surface.predictions.iter().map(|p| p.0).max().unwrap_or(0);
    chart
        .draw_series(
            surface.examples[..last.min(surface.examples.len())]
                .iter()
                .map(|(x, y)| Circle::new((x[0], *y), 4, BLACK.filled())),
        )
        .map_err(drawing)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(font(13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(drawing)?;
    Ok(())
}
