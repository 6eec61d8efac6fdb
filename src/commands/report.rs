//! `lsnn-rl report`: one self-contained HTML page about a run (its
//! configuration, the final evaluation against the baselines, the plots as
//! PNG data URIs, and the decoding plots and lesion table of `analyze decode`
//! and `eval --lesion` where the run has them), readable in any browser
//! without a network.

use std::fmt::Write as _;

use std::path::{Path, PathBuf};

use lsnn_rl_env::Registry;

use crate::common::analysis::{DecodeRow, LesionRow, analysis_dir, lesions_csv_path, read_rows};
use crate::common::baselines::BaselineRow;
use crate::common::lesions::lesion_table;
use crate::common::output::write_atomically;
use crate::common::pictures::decoding::decoding_plot;
use crate::common::pictures::{Figure, PictureRequest, RunData, draw_all, gather};

/// A `lsnn-rl report` request.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportRequest {
    /// The run and its evaluation.
    pub run: PictureRequest,
    /// The HTML file (default RUN_DIR/report.html).
    pub out: Option<PathBuf>,
}

/// Runs the command.
pub fn run(registry: &Registry, request: &ReportRequest) -> anyhow::Result<()> {
    let out = request
        .out
        .clone()
        .unwrap_or_else(|| request.run.run.join("report.html"));
    let data = gather(registry, &request.run)?;
    let figures = draw_all(&data)?;
    let analysis = analysis_section(&analysis_dir(&request.run.run))?;
    let html = page(&data, &figures, &analysis);
    write_atomically(&out, html.as_bytes())?;
    if !request.run.quiet {
        eprintln!(
            "wrote {} ({} KB, {} pictures)",
            out.display(),
            html.len() / 1024,
            figures.len()
        );
    }
    println!("{}", out.display());
    Ok(())
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1120px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}tr.agent{font-weight:bold;background:#eef5fb}
figure{margin:2em 0}img{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#555;font-size:.9em}
pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:.85em}";

/// Marks the page once every picture has decoded (`data-images-ok`), or
/// names the broken ones (`data-broken-images`), for scripts/check-report.sh.
const CHECK_SCRIPT: &str = "window.addEventListener('load',function(){var b=[];document.querySelectorAll('img').forEach(function(i){if(!i.complete||i.naturalWidth===0){b.push(i.alt)}});document.body.setAttribute(b.length?'data-broken-images':'data-images-ok',b.length?b.join(';'):String(document.images.length))});";

/// The HTML page.
pub fn page(data: &RunData, figures: &[Figure], analysis: &str) -> String {
    let run = escape(&data.run.display().to_string());
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>lsnn-rl report: {run}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n<h1>lsnn-rl run {run}</h1>\n"
    );
    let progress = data
        .progress
        .map_or("no updates recorded".into(), |(u, s)| {
            format!("{u} updates, {s} environment steps")
        });
    let _ = writeln!(
        html,
        "<p>Agent <b>{}</b> on <code>{}</code>, seed {}: {progress}. Evaluated on {} new trials (seed {}) with the newest checkpoint; the baselines play the same tasks.</p>",
        escape(data.config.agent.kind.as_str()),
        escape(&data.env),
        data.config.seed,
        data.summary.trials,
        data.seed
    );
    html.push_str("<h2>Final evaluation</h2>\n");
    html.push_str(&table(&data.table));
    if let Some(fewshot) = &data.fewshot {
        // Tasks with targets: the reward is minus the squared error; the
        // error per examples seen is what the run is about.
        html.push_str("<h2>Learning from examples</h2>\n<pre>");
        html.push_str(&escape(&fewshot.curve.table()));
        html.push_str("</pre>\n");
    }
    html.push_str("<h2>Plots</h2>\n");
    for f in figures {
        let _ = writeln!(
            html,
            "<figure>\n<h3>{}</h3>\n<img alt=\"{}\" width=\"{}\" height=\"{}\" src=\"data:image/png;base64,{}\">\n<figcaption>{}</figcaption>\n</figure>",
            escape(&f.title),
            f.file,
            f.size.0,
            f.size.1,
            base64(&f.png),
            escape(&f.caption)
        );
    }
    html.push_str(analysis);
    let _ = write!(
        html,
        "<h2>Configuration</h2>\n<pre>{}</pre>\n<p>Made by lsnn-rl {} (<code>lsnn-rl report</code>).</p>\n<script>{CHECK_SCRIPT}</script>\n</body>\n</html>\n",
        escape(&data.config_toml),
        env!("CARGO_PKG_VERSION")
    );
    html
}

/// The section "Where the memory lives" from what `analyze decode` and
/// `eval --lesion` left in the run's `analysis/` folder: a decoding plot per
/// target and the lesion table; empty when there is neither.
fn analysis_section(dir: &Path) -> anyhow::Result<String> {
    let mut targets: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|e| e == "csv")
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("decode-"))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    // Directory order differs between file systems; the page should not.
    targets.sort();
    let lesions_path = lesions_csv_path(dir);
    let lesions: Vec<LesionRow> = if lesions_path.exists() {
        read_rows(&lesions_path)?
    } else {
        Vec::new()
    };
    if targets.is_empty() && lesions.is_empty() {
        return Ok(String::new());
    }
    let mut html = String::from("<h2>Where the memory lives</h2>\n");
    for path in &targets {
        let rows: Vec<DecodeRow> = read_rows(path)?;
        if rows.is_empty() {
            continue;
        }
        let f = decoding_plot(&rows)?;
        let _ = writeln!(
            html,
            "<figure>\n<h3>{}</h3>\n<img alt=\"{}\" width=\"{}\" height=\"{}\" src=\"data:image/png;base64,{}\">\n<figcaption>{} (<code>lsnn-rl analyze decode</code>; table: {})</figcaption>\n</figure>",
            escape(&f.title),
            escape(&path.display().to_string()),
            f.size.0,
            f.size.1,
            base64(&f.png),
            escape(&f.caption),
            escape(&path.display().to_string())
        );
    }
    if !lesions.is_empty() {
        html.push_str("<h3>Lesions</h3>\n<p>Each lesion evaluated on the same trials as the intact network (<code>lsnn-rl eval --lesion</code>); differences are paired over trials, ± 95%.</p>\n<pre>");
        html.push_str(&escape(&lesion_table(&lesions)));
        html.push_str("</pre>\n");
    }
    Ok(html)
}

/// The agent and the baselines: reward and regret, and the goal figures of
/// a navigation task.
fn table(rows: &[BaselineRow]) -> String {
    let navigation = rows.iter().any(|r| r.summary.goals.is_some());
    let regret = rows.iter().any(|r| r.summary.mean_regret.is_some());
    let mut head = vec!["algorithm", "trials", "mean total reward", "±95%"];
    if regret {
        head.extend(["mean regret", "±95%"]);
    }
    if navigation {
        head.extend(["goals/trial", "steps to 1st goal", "steps/later goal"]);
    }
    let mut out = String::from("<table>\n<tr>");
    for h in head {
        let _ = write!(out, "<th>{h}</th>");
    }
    out.push_str("</tr>\n");
    let number = |v: Option<f64>, digits: usize| v.map_or("-".into(), |v| format!("{v:.digits$}"));
    for (i, r) in rows.iter().enumerate() {
        let class = if i == 0 { " class=\"agent\"" } else { "" };
        let mut cells = vec![
            escape(&r.algo),
            r.summary.trials.to_string(),
            number(Some(r.summary.mean_total_reward), 3),
            number(Some(r.summary.ci95).filter(|c| c.is_finite()), 3),
        ];
        if regret {
            cells.push(number(r.summary.mean_regret, 3));
            cells.push(number(r.summary.regret_ci95.filter(|c| c.is_finite()), 3));
        }
        if navigation {
            let g = r.summary.goals.as_ref();
            cells.push(number(g.map(|g| g.goals_per_trial.mean), 2));
            cells.push(number(g.map(|g| g.steps_to_first_goal.mean), 1));
            cells.push(number(
                g.and_then(|g| g.steps_per_later_goal).map(|v| v.mean),
                2,
            ));
        }
        let _ = write!(out, "<tr{class}>");
        for c in cells {
            let _ = write!(out, "<td>{c}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out
}

/// Text made safe inside HTML elements and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 (RFC 4648, with padding).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xff, 0xfe]), "//4=");
    }

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn the_table_marks_the_agent_and_leaves_unknown_cells_empty() {
        let row = |algo: &str, regret| BaselineRow {
            env: "e".into(),
            algo: algo.into(),
            seed: 0,
            summary: lsnn_rl_env::EvalSummary {
                trials: 4,
                mean_total_reward: 1.5,
                ci95: f64::NAN,
                mean_regret: regret,
                regret_ci95: None,
                goals: None,
                episodes: None,
            },
        };
        let t = table(&[row("lsnn <run>", Some(0.25)), row("random", None)]);
        assert!(t.contains("<tr class=\"agent\"><td>lsnn &lt;run&gt;</td><td>4</td><td>1.500</td><td>-</td><td>0.250</td>"), "{t}");
        assert!(
            t.contains("<td>random</td><td>4</td><td>1.500</td><td>-</td><td>-</td><td>-</td>"),
            "{t}"
        );
    }
}
