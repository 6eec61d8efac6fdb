//! Times Gittins table builds: `cargo bench -p lsnn-rl-classic --bench
//! gittins_table [-- HORIZON...]` (default 100 and 500), with the default
//! calibration grid, on every core. Plain timing, no harness.

use std::time::Instant;

use lsnn_rl_classic::GittinsTable;

fn main() {
    let mut horizons: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if horizons.is_empty() {
        horizons = vec![100, 500];
    }
    for n in horizons {
        let start = Instant::now();
        let table = GittinsTable::compute(n).expect("a valid horizon");
        let seconds = start.elapsed().as_secs_f64();
        let megabytes = (table.len() * 4) as f64 / 1e6;
        println!(
            "horizon {n}: {} indices ({megabytes:.1} MB as f32), grid {}, built in {seconds:.3} s",
            table.len(),
            table.grid()
        );
    }
}
