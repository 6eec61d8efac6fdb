//! The decoding plot: how well a task variable is decoded from each state
//! component at each step of the trial, against the shuffled-label chance.

use plotters::prelude::*;

use super::charts::{colour, font, padded_range};
use super::{Figure, drawing, register_font, render};
use crate::common::analysis::DecodeRow;

/// Width and height of the decoding plot.
pub const DECODING_SIZE: (u32, u32) = (1000, 560);

/// Score over the trial's steps per component (thick, with its 95%
/// interval as a band) and each component's chance level (thin), from the
/// `step` rows of one target.
pub fn decoding_plot(rows: &[DecodeRow]) -> anyhow::Result<Figure> {
    register_font()?;
    let steps: Vec<&DecodeRow> = rows.iter().filter(|r| r.window_kind == "step").collect();
    let mut components: Vec<&str> = Vec::new();
    for r in &steps {
        if !components.contains(&r.component.as_str()) {
            components.push(&r.component);
        }
    }
    let x = |r: &DecodeRow| r.window.parse::<f64>().unwrap_or(0.0);
    // Held-out R² has no floor; below -0.5 the decoder is useless anyway,
    // and the axis stays readable.
    let floor = if rows.first().is_some_and(|r| r.metric == "r2") {
        -0.5
    } else {
        f64::NEG_INFINITY
    };
    let steps: Vec<DecodeRow> = steps
        .into_iter()
        .map(|r| DecodeRow {
            score: r.score.max(floor),
            chance: r.chance.max(floor),
            ..r.clone()
        })
        .collect();
    let steps: Vec<&DecodeRow> = steps.iter().collect();
    let (target, metric) = rows
        .first()
        .map_or(("?", "score"), |r| (r.target.as_str(), r.metric.as_str()));
    let x_max = steps.iter().map(|r| x(r)).fold(1.0, f64::max);
    let y_range = padded_range(steps.iter().flat_map(|r| {
        let ci = if r.ci95.is_finite() { r.ci95 } else { 0.0 };
        [r.score + ci, r.score - ci, r.chance]
    }));
    let trials = steps.first().map_or(0, |r| r.trials);
    let png = render(DECODING_SIZE.0, DECODING_SIZE.1, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("Decoding {target} over the trial ({metric})"),
                font(20),
            )
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..x_max, y_range.clone())
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .x_desc("step of the trial")
            .y_desc(format!("held-out {metric}"))
            .label_style(font(14))
            .axis_desc_style(font(16))
            .light_line_style(WHITE)
            .draw()
            .map_err(drawing)?;
        for (i, component) in components.iter().enumerate() {
            let c = colour(i);
            let mine: Vec<&&DecodeRow> =
                steps.iter().filter(|r| r.component == *component).collect();
            let band: Vec<(f64, f64)> = mine
                .iter()
                .map(|r| (x(r), r.score + r.ci95.max(0.0)))
                .chain(mine.iter().rev().map(|r| (x(r), r.score - r.ci95.max(0.0))))
                .filter(|p| p.1.is_finite())
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(band, c.mix(0.15).filled())))
                .map_err(drawing)?;
            chart
                .draw_series(LineSeries::new(
                    mine.iter().map(|r| (x(r), r.score)),
                    c.stroke_width(3),
                ))
                .map_err(drawing)?
                .label(component.to_string())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], c.stroke_width(3)));
            chart
                .draw_series(LineSeries::new(
                    mine.iter().map(|r| (x(r), r.chance)),
                    c.mix(0.6).stroke_width(1),
                ))
                .map_err(drawing)?;
        }
        chart
            .configure_series_labels()
            .label_font(font(13))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(drawing)?;
        Ok(())
    })?;
    Ok(Figure {
        file: "decoding.png",
        title: format!("Decoding {target}"),
        caption: format!(
            "Held-out {metric} of linear decoders of {target} from each state component at each step ({trials} trials, folds over trials, penalty by inner cross-validation; band: 95% interval over folds). Thin lines: the same decoders on labels shuffled between trials (chance)."
        ),
        size: DECODING_SIZE,
        png,
    })
}
