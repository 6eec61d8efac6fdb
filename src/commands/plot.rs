//! `lsnn-rl plot`: a run drawn as PNG files (learning curve, spike raster,
//! firing rates, arm choices or paths).

use std::path::PathBuf;

use anyhow::Context;
use lsnn_rl_env::Registry;

use crate::common::output::write_atomically;
use crate::common::pictures::{PictureRequest, draw_all, gather};

/// A `lsnn-rl plot` request.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotRequest {
    /// The run and its evaluation.
    pub run: PictureRequest,
    /// Folder for the PNG files (default RUN_DIR/plots).
    pub out: Option<PathBuf>,
}

/// Runs `lsnn-rl plot`.
pub fn run(registry: &Registry, request: &PlotRequest) -> anyhow::Result<()> {
    let out = request
        .out
        .clone()
        .unwrap_or_else(|| request.run.run.join("plots"));
    let data = gather(registry, &request.run)?;
    let figures = draw_all(&data)?;
    std::fs::create_dir_all(&out)
        .with_context(|| format!("cannot create the folder {}", out.display()))?;
    for figure in &figures {
        write_atomically(&out.join(figure.file), &figure.png)?;
    }
    if !request.run.quiet {
        eprintln!("wrote {} pictures to {}", figures.len(), out.display());
    }
    for figure in &figures {
        println!("{}", out.join(figure.file).display());
    }
    Ok(())
}
