//! How far two threads can speed up the kernel's largest part, the
//! recurrent product `z W_rec`: the whole product on one thread against two
//! halves on two threads, cut by rows (what the kernel does: each thread a
//! run of batch rows) or by columns (each thread half of `W_rec`'s columns,
//! so each packs half the weights). Shapes of the `large` (B = 64, 1600
//! neurons) and `wide` (B = 256, 400 neurons) presets. docs/performance.md
//! quotes its medians.
//!
//!     cargo bench -p lsnn-rl-neural --bench split_products

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, Axis};

fn split_products(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a pool of two threads");
    for (batch, n) in [(64, 1600), (256, 400)] {
        // Spikes at about a fifth of the cells, weights of the kernel's size.
        let z = Array2::from_shape_fn((batch, n), |(i, j)| ((i * 7 + j * 3) % 5 == 0) as u8 as f32);
        let w = Array2::from_shape_fn((n, n), |(i, j)| ((i * 13 + j * 7) % 101) as f32 * 1e-3);
        let mut out = Array2::<f32>::zeros((batch, n));
        let mut group = c.benchmark_group(format!("z W_rec {batch}x{n}x{n}"));
        group.sample_size(20);
        group.bench_function("one thread", |b| {
            b.iter(|| general_mat_mul(1.0, &z, &w, 0.0, &mut out))
        });
        for (name, axis) in [
            ("two threads, by rows", Axis(0)),
            ("two threads, by columns", Axis(1)),
        ] {
            group.bench_function(name, |b| {
                b.iter(|| in_halves(&pool, &z, &w, &mut out, axis))
            });
        }
        group.finish();
    }
}

/// `out = z w` as two products on the pool's two threads: the rows of `z`
/// and `out` cut in half (`Axis(0)`), or the columns of `w` and `out`.
fn in_halves(
    pool: &rayon::ThreadPool,
    z: &Array2<f32>,
    w: &Array2<f32>,
    out: &mut Array2<f32>,
    axis: Axis,
) {
    let half = out.len_of(axis) / 2;
    let ((z0, z1), (w0, w1)) = if axis == Axis(0) {
        (z.view().split_at(axis, half), (w.view(), w.view()))
    } else {
        ((z.view(), z.view()), w.view().split_at(axis, half))
    };
    let (mut out0, mut out1) = out.view_mut().split_at(axis, half);
    pool.join(
        || general_mat_mul(1.0, &z0, &w0, 0.0, &mut out0),
        || general_mat_mul(1.0, &z1, &w1, 0.0, &mut out1),
    );
}

criterion_group!(benches, split_products);
criterion_main!(benches);
