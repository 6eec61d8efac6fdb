//! A run drawn as PNG files, for `plot` and `report`. The inputs come from
//! the run directory (configuration, `train.csv`, `eval.csv`, newest
//! checkpoint), plus a fresh evaluation of the agent with its spikes and the
//! classical baselines scored on the same tasks ([`gather`]); [`charts`],
//! [`raster`] and [`navigation`] turn them into pictures ([`draw_all`]).

pub mod charts;
pub mod decoding;
pub mod fewshot;
pub mod learning;
pub mod navigation;
pub mod raster;
pub mod synapses;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use lsnn_rl_a2c::run::RunDir;
use lsnn_rl_a2c::{ActionMode, EpisodeLog, LogRow, RunConfig, SpikeEvent};
use lsnn_rl_env::{EvalSummary, Registry, TaskDistribution};
use plotters::prelude::*;

use crate::common::agent::{agent_label, agent_row};
use crate::common::baselines::{BaselineRow, ScoreRequest, compute, gittins_cache};
use crate::common::output::Indicator;
use crate::common::runtime::make_dist;

/// What `plot` and `report` evaluate.
#[derive(Clone, Debug, PartialEq)]
pub struct PictureRequest {
    /// The run directory of a `lsnn-rl train`.
    pub run: PathBuf,
    /// Trials of the evaluation (and of each baseline).
    pub trials: u64,
    /// Seed of the evaluation tasks.
    pub seed: u64,
    /// No progress output.
    pub quiet: bool,
}

/// The font every picture's text is drawn with (DejaVu Sans; licence in
/// assets/fonts/DejaVuSans-LICENSE), compiled in: no system font library.
const FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// One picture, encoded as PNG.
pub struct Figure {
    /// File name, e.g. `learning-curve.png`.
    pub file: &'static str,
    /// A title for the report.
    pub title: String,
    /// What the picture shows, one or two sentences.
    pub caption: String,
    /// Width and height in pixels.
    pub size: (u32, u32),
    /// The PNG file's bytes.
    pub png: Vec<u8>,
}

/// A run with everything its pictures need.
pub struct RunData {
    /// The run directory.
    pub run: PathBuf,
    /// Its configuration.
    pub config: RunConfig,
    /// `config.toml` as stored.
    pub config_toml: String,
    /// The canonical environment spec.
    pub env: String,
    /// Its task distribution.
    pub dist: Arc<dyn TaskDistribution>,
    /// Updates and env steps of the newest train.csv row.
    pub progress: Option<(u64, u64)>,
    /// train.csv: (env steps, mean trial reward, mean regret) per update.
    pub train: Vec<CurvePoint>,
    /// eval.csv: the periodic evaluations, same columns.
    pub eval: Vec<CurvePoint>,
    /// The fresh evaluation's summary.
    pub summary: EvalSummary,
    /// Its steps and spikes.
    pub log: EpisodeLog,
    /// Spiking neurons: (LIF, ALIF); (0, 0) for LSTM and GRU.
    pub neurons: (usize, usize),
    /// The evaluation seed.
    pub seed: u64,
    /// The table of the final evaluation: the agent first, then the baselines.
    pub table: Vec<BaselineRow>,
    /// Each baseline's steps on the same tasks (bandits only).
    pub baseline_logs: Vec<(String, Vec<LogRow>)>,
    /// A sparse or sign-constrained network's synapses (None: dense).
    pub synapses: Option<synapses::SynapseData>,
    /// Tasks with targets: the error per examples seen, and one test
    /// function's prediction surface (None for reward tasks).
    pub fewshot: Option<FewShotData>,
}

/// What the pictures of a supervised run show.
pub struct FewShotData {
    /// The error curve of the network, the untrained network and the baselines.
    pub curve: crate::common::fewshot::ErrorCurve,
    /// One test function's surface (families of one or two inputs).
    pub surface: Option<crate::common::fewshot::Surface>,
}

/// A point of a learning curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CurvePoint {
    /// Environment steps so far.
    pub env_steps: f64,
    /// Mean total reward per trial.
    pub reward: f64,
    /// Mean total regret per trial, where the task reports it.
    pub regret: Option<f64>,
}

/// Reads the run, evaluates its newest checkpoint with spikes, and scores
/// the baselines on the same tasks.
pub fn gather(registry: &Registry, request: &PictureRequest) -> anyhow::Result<RunData> {
    let run_dir = RunDir::new(&request.run);
    let config = run_dir.read_config()?;
    let config_toml = std::fs::read_to_string(run_dir.config())
        .with_context(|| format!("cannot read {}", run_dir.config().display()))?;
    let train = read_curve(&run_dir.train_csv(), "mean_trial_reward")?;
    let eval = if run_dir.eval_csv().exists() {
        read_curve(&run_dir.eval_csv(), "mean_total_reward")?
    } else {
        Vec::new()
    };
    let progress = last_progress(&run_dir.train_csv())?;
    let dist = make_dist(registry, &config.env)?;
    let trainer = crate::common::runtime::load_for_eval(
        &run_dir,
        config.clone(),
        None,
        dist.clone(),
        tch::Device::Cpu,
    )
        .context("plots need a trained checkpoint; train the run (or let it reach its first checkpoint) first")?;
    let trials = request.trials as usize;
    let mut log = EpisodeLog {
        rows: Vec::new(),
        spikes: Some(Vec::new()),
    };
    let spinner = Indicator::spinner(
        request.quiet,
        &format!("evaluating {trials} trials of {}", dist.spec()),
    );
    let summary = trainer.evaluate(
        dist.as_ref(),
        trials,
        request.seed,
        ActionMode::Sample,
        Some(&mut log),
    )?;
    spinner.finish();
    let navigation = log
        .rows
        .iter()
        .any(|r| r.info.get("goal_reached").is_some());
    let score = ScoreRequest {
        envs: vec![dist.spec().to_string()],
        trials: request.trials,
        seed: request.seed,
        algos: None,
        // The arm-choice picture needs each algorithm's steps for bandits.
        keep_logs: !navigation,
        threads: None,
        gittins_cache: gittins_cache(),
    };
    let computed = compute(registry, &score, request.quiet)
        .context("cannot score the baselines for the plots")?;
    let fewshot = if dist.objective() == lsnn_rl_env::Objective::Regression {
        use crate::common::fewshot::{ErrorCurve, surface, untrained};
        let before = untrained(&config, &dist, tch::Device::Cpu)?;
        Some(FewShotData {
            curve: ErrorCurve::from_logs(
                &before,
                &dist,
                (trials, request.seed),
                &log.rows,
                &computed.logs,
            )?,
            surface: surface(&trainer, dist.as_ref(), request.seed, 0)?,
        })
    } else {
        None
    };
    let label = agent_label(&config, &request.run);
    let mut table = vec![agent_row(dist.spec(), &label, &summary, request.seed)];
    table.extend(computed.rows);
    let neurons = trainer.agent().neuron_count();
    let synapses = synapses::SynapseData::read(trainer.agent(), &run_dir.train_csv())?;
    Ok(RunData {
        run: request.run.clone(),
        env: dist.spec().to_string(),
        dist,
        config: config.into_inner(),
        config_toml,
        progress,
        train,
        eval,
        summary: summary.clone(),
        log,
        neurons,
        seed: request.seed,
        table,
        baseline_logs: computed.logs,
        synapses,
        fewshot,
    })
}

/// Every picture that fits the run: the learning curve, then the spike
/// raster and firing rates (spiking agents), the connectivity (sparse or
/// Dale networks), then arm choices (bandits) or
/// the path and goal visits (navigation tasks).
pub fn draw_all(data: &RunData) -> anyhow::Result<Vec<Figure>> {
    register_font()?;
    let mut figures = vec![learning::learning_curve(data)?];
    if data.neurons.0 + data.neurons.1 > 0 {
        figures.push(raster::spike_raster(data)?);
        figures.push(charts::firing_rates(data)?);
    }
    if let Some(synapses) = &data.synapses {
        figures.push(synapses::connectivity(data, synapses)?);
    }
    if let Some(fewshot) = &data.fewshot {
        figures.push(fewshot::error_curve(&fewshot.curve)?);
        if let Some(surface) = &fewshot.surface {
            figures.push(fewshot::surface(surface, &data.env, data.seed)?);
        }
    }
    let navigation = data
        .log
        .rows
        .iter()
        .any(|r| r.info.get("goal_reached").is_some());
    if navigation {
        figures.push(navigation::path_and_visits(data)?);
    } else if data.log.rows.iter().any(|r| r.info.get("arm").is_some()) {
        figures.push(charts::arm_choices(data)?);
    }
    Ok(figures)
}

/// Makes the shipped font the `sans-serif` family of plotters (once).
pub fn register_font() -> anyhow::Result<()> {
    static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok()
    });
    if !ok {
        bail!("the built-in font does not load");
    }
    Ok(())
}

/// Draws on a white `width` x `height` canvas and encodes it as PNG.
pub fn render(
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<u8>> {
    let mut pixels = vec![255u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        draw(&root)?;
        root.present().map_err(drawing)?;
    }
    encode_png(width, height, &pixels)
}

/// A plotters error as an anyhow one.
pub fn drawing<E: std::error::Error + Send + Sync + 'static>(
    e: plotters::drawing::DrawingAreaErrorKind<E>,
) -> anyhow::Error {
    anyhow::anyhow!("cannot draw: {e}")
}

/// RGB pixels as a PNG file.
fn encode_png(width: u32, height: u32, rgb: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    let mut writer = encoder.write_header().context("cannot encode PNG")?;
    writer.write_image_data(rgb).context("cannot encode PNG")?;
    writer.finish().context("cannot encode PNG")?;
    Ok(bytes)
}

/// Reads (env_steps, `reward_column`, mean_regret) of a run's CSV.
fn read_curve(path: &Path, reward_column: &str) -> anyhow::Result<Vec<CurvePoint>> {
    let name = path.display();
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("cannot read {name}"))?;
    let header = reader
        .headers()
        .with_context(|| format!("cannot read {name}"))?
        .clone();
    let column = |key: &str| {
        header
            .iter()
            .position(|h| h == key)
            .with_context(|| format!("{name} lacks the column {key}"))
    };
    let (steps, reward) = (column("env_steps")?, column(reward_column)?);
    let regret = column("mean_regret").ok();
    let mut points = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("cannot read {name}"))?;
        let number = |i: usize| -> anyhow::Result<Option<f64>> {
            match record.get(i).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(text) => text
                    .parse()
                    .map(Some)
                    .with_context(|| format!("{name}, row {}: '{text}' is not a number", line + 2)),
            }
        };
        let (Some(env_steps), Some(reward)) = (number(steps)?, number(reward)?) else {
            bail!("{name}, row {}: a value is missing", line + 2);
        };
        let regret = match regret {
            Some(i) => number(i)?,
            None => None,
        };
        points.push(CurvePoint {
            env_steps,
            reward,
            regret,
        });
    }
    Ok(points)
}

/// The (update, env_steps) of the last row of train.csv.
fn last_progress(path: &Path) -> anyhow::Result<Option<(u64, u64)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text.lines().skip(1).last().and_then(|line| {
        let mut cells = line.split(',');
        Some((cells.next()?.parse().ok()?, cells.next()?.parse().ok()?))
    }))
}

/// The rows of each trial, in trial order, each trial's rows in step order.
pub fn trials(rows: &[LogRow]) -> Vec<Vec<&LogRow>> {
    let mut by_trial: std::collections::BTreeMap<u64, Vec<&LogRow>> = Default::default();
    for row in rows {
        by_trial.entry(row.trial).or_default().push(row);
    }
    by_trial
        .into_values()
        .map(|mut t| {
            t.sort_by_key(|r| r.step);
            t
        })
        .collect()
}

/// Spikes per neuron per network step, over all logged steps.
pub fn firing_rates(
    spikes: &[SpikeEvent],
    neurons: usize,
    steps: usize,
    k_steps: usize,
) -> Vec<f64> {
    let mut counts = vec![0u64; neurons];
    for e in spikes {
        if let Some(c) = counts.get_mut(e.neuron) {
            *c += 1;
        }
    }
    let denom = (steps * k_steps.max(1)).max(1) as f64;
    counts.into_iter().map(|c| c as f64 / denom).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firing_rates_count_spikes_per_network_step() {
        let spike = |neuron| SpikeEvent {
            trial: 0,
            step: 0,
            neuron,
            adaptive: false,
        };
        let rates = firing_rates(&[spike(0), spike(0), spike(2), spike(9)], 3, 10, 2);
        assert_eq!(rates, vec![0.1, 0.0, 0.05]);
    }

    #[test]
    fn curves_read_by_column_name_with_empty_regret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("eval.csv");
        std::fs::write(
            &path,
            "update,env_steps,trials,mean_total_reward,ci95,mean_regret,regret_ci95\n2,80,4,3.5,1,,\n4,160,4,4.5,1,0.5,0.1\n",
        )
        .unwrap();
        let points = read_curve(&path, "mean_total_reward").unwrap();
        assert_eq!(points.len(), 2);
        assert_eq!(points[0].regret, None);
        assert_eq!(points[1].env_steps, 160.0);
        assert_eq!(points[1].regret, Some(0.5));
        std::fs::write(&path, "update,env_steps\n1,x\n").unwrap();
        let err = read_curve(&path, "env_steps").unwrap_err().to_string();
        assert!(err.contains("'x' is not a number"), "{err}");
    }

    #[test]
    fn pictures_are_png_of_the_asked_size() {
        register_font().unwrap();
        let png = render(120, 80, |root| {
            root.draw_text("x", &("sans-serif", 20).into_font().color(&BLACK), (10, 10))
                .map_err(drawing)?;
            Ok(())
        })
        .unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (120, 80));
    }
}
