//! The connectivity of a sparse or sign-constrained spiking network: the
//! synapses Deep R rewired per update (train.csv's `rewired`) and the final
//! recurrent weight matrix, excitatory synapses red, inhibitory blue, absent
//! ones white.

use std::path::Path;

use anyhow::Context;
use lsnn_rl_neural::{ActorCritic, ConnectivityStats};
use plotters::prelude::*;

use super::charts::{font, smooth};
use super::{Figure, RunData, drawing, render};

/// Width and height of the connectivity figure.
pub const CONNECTIVITY_SIZE: (u32, u32) = (1100, 520);

/// Neurons drawn of the weight matrix at most (the first ones: one pixel
/// block per synapse stays visible).
const MATRIX_NEURONS: usize = 200;

/// A constrained network's synapses, for the figure and the report.
#[derive(Clone, Debug)]
pub struct SynapseData {
    /// Neurons n.
    pub n: usize,
    /// The recurrent weights `[n, n]`, row-major (row: presynaptic).
    pub w_rec: Vec<f32>,
    /// 1 where a recurrent synapse exists.
    pub exists: Vec<f32>,
    /// Each recurrent synapse's fixed sign (+1, -1).
    pub sign: Vec<f32>,
    /// Counts.
    pub stats: ConnectivityStats,
    /// (update, synapses rewired) per train.csv row.
    pub rewired: Vec<(f64, f64)>,
}

impl SynapseData {
    /// The synapses of `agent` (None for a dense network) and the rewiring
    /// counts of the run's `train.csv`.
    pub fn read(agent: &ActorCritic, train_csv: &Path) -> anyhow::Result<Option<Self>> {
        let Some((_, recurrent)) = agent.synapses().map_err(anyhow::Error::msg)? else {
            return Ok(None);
        };
        let stats = agent
            .connectivity()
            .context("a network with synapses has their counts")?;
        let w_rec: Vec<f32> = agent
            .w_rec()
            .context("a spiking core has W_rec")?
            .detach()
            .flatten(0, -1)
            .try_into()?;
        Ok(Some(SynapseData {
            n: agent.spiking_neurons(),
            w_rec,
            exists: recurrent.exists().to_vec(),
            sign: recurrent.sign().to_vec(),
            stats,
            rewired: read_rewired(train_csv)?,
        }))
    }

    /// One line for the report: existing synapses and their sign balance.
    pub fn summary(&self) -> String {
        let s = &self.stats;
        format!(
            "{} of {} possible recurrent synapses exist ({:.1}%), {:.0}% of them excitatory; {} of {} input synapses",
            s.recurrent,
            s.recurrent_possible,
            100.0 * s.recurrent_share(),
            100.0 * s.excitatory_share(),
            s.input,
            s.input_possible
        )
    }
}

/// (update, rewired) of every train.csv row that has the column filled.
fn read_rewired(path: &Path) -> anyhow::Result<Vec<(f64, f64)>> {
    let name = path.display();
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("cannot read {name}"))?;
    let header = reader.headers()?.clone();
    let Some(column) = header.iter().position(|h| h == "rewired") else {
        return Ok(Vec::new());
    };
    let mut points = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("cannot read {name}"))?;
        let number = |i: usize| record.get(i).and_then(|t| t.parse::<f64>().ok());
        if let (Some(update), Some(rewired)) = (number(0), number(column)) {
            points.push((update, rewired));
        }
    }
    Ok(points)
}

/// The colour of a synapse of weight `w` and sign `sign` (of the largest
/// magnitude `top`): by its sign, so a synapse held at zero keeps its colour.
fn synapse_colour(w: f32, sign: f32, exists: bool, top: f32) -> RGBColor {
    if !exists {
        return WHITE;
    }
    // Light for weak synapses, saturated for strong ones.
    let strength = (w.abs() / top).sqrt().clamp(0.15, 1.0);
    let fade = |full: u8| (255.0 - (255.0 - full as f32) * strength) as u8;
    if sign >= 0.0 {
        RGBColor(fade(200), fade(20), fade(20))
    } else {
        RGBColor(fade(20), fade(60), fade(200))
    }
}

/// The figure: rewiring per update, and the weight matrix.
pub fn connectivity(data: &RunData, synapses: &SynapseData) -> anyhow::Result<Figure> {
    let n = synapses.n;
    let shown = n.min(MATRIX_NEURONS);
    let top = synapses
        .w_rec
        .iter()
        .fold(0.0f32, |m, w| m.max(w.abs()))
        .max(1e-12);
    let rewiring = data.config.train.rewiring;
    let png = render(CONNECTIVITY_SIZE.0, CONNECTIVITY_SIZE.1, |root| {
        let (left, right) = root.split_horizontally(CONNECTIVITY_SIZE.0 - CONNECTIVITY_SIZE.1);
        let updates: Vec<f64> = synapses.rewired.iter().map(|p| p.0).collect();
        let counts: Vec<f64> = synapses.rewired.iter().map(|p| p.1).collect();
        let smoothed = smooth(&counts, 50);
        let x_end = updates.last().copied().unwrap_or(1.0).max(1.0);
        let y_end = counts.iter().copied().fold(1.0, f64::max) * 1.05;
        let mut chart = ChartBuilder::on(&left)
            .caption(
                if rewiring {
                    "Synapses rewired per update"
                } else {
                    "Synapses rewired per update (rewiring off)"
                },
                font(20),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..x_end, 0.0..y_end)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .x_desc("update")
            .y_desc("synapses woken (as many went dormant)")
            .light_line_style(WHITE)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(font(13))
            .axis_desc_style(font(14))
            .draw()
            .map_err(drawing)?;
        chart
            .draw_series(LineSeries::new(
                updates.iter().copied().zip(counts.iter().copied()),
                RGBColor(180, 180, 180),
            ))
            .map_err(drawing)?;
        chart
            .draw_series(LineSeries::new(
                updates.iter().copied().zip(smoothed),
                RGBColor(31, 119, 180).stroke_width(2),
            ))
            .map_err(drawing)?;
        let mut matrix = ChartBuilder::on(&right)
            .caption(
                format!("W_rec of neurons 0-{} (rows: from)", shown - 1),
                font(18),
            )
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(0.0..shown as f64, 0.0..shown as f64)
            .map_err(drawing)?;
        // Row 0 at the top, as matrices are printed.
        let size = shown as f64;
        matrix
            .configure_mesh()
            .disable_mesh()
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{:.0}", size - v))
            .label_style(font(12))
            .draw()
            .map_err(drawing)?;
        matrix
            .draw_series((0..shown).flat_map(|i| {
                (0..shown).map(move |j| {
                    let k = i * n + j;
                    let colour = synapse_colour(
                        synapses.w_rec[k],
                        synapses.sign[k],
                        synapses.exists[k] != 0.0,
                        top,
                    );
                    let (x, y) = (j as f64, size - 1.0 - i as f64);
                    Rectangle::new([(x, y), (x + 1.0, y + 1.0)], colour.filled())
                })
            }))
            .map_err(drawing)?;
        Ok(())
    })?;
    Ok(Figure {
        file: "connectivity.png",
        title: "Connectivity".into(),
        caption: format!(
            "{}. Left: recurrent and input synapses that Deep R rewired in each update (grey) and their running mean over 50 updates (blue); a synapse whose weight would change sign goes dormant and a dormant one is woken at random. Right: the final recurrent weights, excitatory red, inhibitory blue, absent white; darker is stronger.",
            synapses.summary()
        ),
        size: CONNECTIVITY_SIZE,
        png,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewiring_counts_are_read_by_column_and_old_files_have_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("train.csv");
        std::fs::write(
            &path,
            "update,env_steps,rewired,synapses\n1,10,3,50\n2,20,0,50\n",
        )
        .unwrap();
        assert_eq!(read_rewired(&path).unwrap(), vec![(1.0, 3.0), (2.0, 0.0)]);
        std::fs::write(&path, "update,env_steps\n1,10\n").unwrap();
        assert!(read_rewired(&path).unwrap().is_empty());
    }

    #[test]
    fn synapse_colours_show_sign_and_absence() {
        assert_eq!(synapse_colour(0.5, 1.0, false, 1.0), WHITE);
        let excitatory = synapse_colour(1.0, 1.0, true, 1.0);
        let inhibitory = synapse_colour(0.0, -1.0, true, 1.0);
        assert!(excitatory.0 > excitatory.2 && inhibitory.2 > inhibitory.0);
    }
}
