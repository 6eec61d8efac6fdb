//! The arithmetic floor of a kernel update, for the benchmark.

use super::gemm::{gemm, gemm_add_a_bt, gemm_at_b};

/// The median wall time of the bare matrix products of one kernel update (forward
/// and backward over `env_steps` x K network steps of `batch` samples, plus the two
/// weight-gradient products), with the kernel's own matrix library, over `repeats`
/// repetitions: the arithmetic floor a kernel update is compared with.
pub fn time_bare_products(
    n_in: usize,
    n: usize,
    k_steps: usize,
    batch: usize,
    env_steps: usize,
    repeats: usize,
) -> std::time::Duration {
    let net_steps = env_steps * k_steps;
    let filled = |len: usize| -> Vec<f32> { (0..len).map(|i| (i % 7) as f32 * 0.1).collect() };
    let (w_in, w_rec) = (filled(n_in * n), filled(n * n));
    let x = filled(batch * n_in);
    let z = filled(batch * n);
    let (mut current, mut g_z) = (vec![0.0; batch * n], vec![0.0; batch * n]);
    let z_all = filled(net_steps * batch * n);
    let g_all = filled(net_steps * batch * n);
    let x_all = filled(env_steps * batch * n_in);
    let (mut g_w_rec, mut g_w_in) = (vec![0.0; n * n], vec![0.0; n_in * n]);
    let mut times: Vec<std::time::Duration> = (0..repeats.max(1))
        .map(|_| {
            let start = std::time::Instant::now();
            for _ in 0..env_steps {
                gemm(batch, n_in, n, &x, &w_in, 0.0, &mut current);
                for _ in 0..k_steps {
                    gemm(batch, n, n, &z, &w_rec, 1.0, &mut current);
                }
            }
            for _ in 0..net_steps {
                gemm_add_a_bt(batch, n, n, &z, &w_rec, &mut g_z);
            }
            gemm_at_b(n, net_steps * batch, n, &z_all, &g_all, &mut g_w_rec);
            gemm_at_b(
                n_in,
                env_steps * batch,
                n,
                &x_all,
                &g_all[..env_steps * batch * n],
                &mut g_w_in,
            );
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}
