//! `lsnn-rl info`: which LibTorch this binary runs on, and how.

/// Prints the build and the LibTorch it loaded.
pub fn run() -> anyhow::Result<()> {
    // A tiny computation proves the library is loaded and works.
    let x = tch::Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
    let dot = x.dot(&x).double_value(&[]);
    anyhow::ensure!(
        dot == 14.0,
        "LibTorch computed 1+4+9 = {dot}; the installation is broken"
    );
    println!("lsnn-rl {}", env!("CARGO_PKG_VERSION"));
    println!(
        "libtorch: {}",
        loaded_library("libtorch_cpu.so").unwrap_or_else(|| "not found in the process maps".into())
    );
    println!("torch threads: {}", tch::get_num_threads());
    println!("cuda available: {}", tch::Cuda::is_available());
    println!(
        "mkl: {}, openmp: {}",
        tch::utils::has_mkl(),
        tch::utils::has_openmp()
    );
    println!(
        "cache: {}",
        crate::common::runtime::cache_dir()
            .map_or_else(|| "none (no HOME)".into(), |d| d.display().to_string())
    );
    Ok(())
}

/// The path a shared library was loaded from, read off /proc/self/maps.
fn loaded_library(name: &str) -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines()
        .filter_map(|line| line.split_whitespace().nth(5))
        .find(|path| path.ends_with(name))
        .map(str::to_string)
}
