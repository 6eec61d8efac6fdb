//! The matrix products of the kernel, row-major, through `ndarray` (which calls
//! the `matrixmultiply` kernels).

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

/// `c = beta * c + a · b` for row-major `a` `[m, k]`, `b` `[k, n]`, `c` `[m, n]`.
pub(super) fn gemm(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], beta: f32, c: &mut [f32]) {
    let a = ArrayView2::from_shape((m, k), a).expect("a is m x k");
    let b = ArrayView2::from_shape((k, n), b).expect("b is k x n");
    let mut c = ArrayViewMut2::from_shape((m, n), c).expect("c is m x n");
    general_mat_mul(1.0, &a, &b, beta, &mut c);
}

/// `c = a^T · b` for row-major `a` `[k, m]`, `b` `[k, n]`, `c` `[m, n]`.
pub(super) fn gemm_at_b(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    let a = ArrayView2::from_shape((k, m), a).expect("a is k x m");
    let b = ArrayView2::from_shape((k, n), b).expect("b is k x n");
    let mut c = ArrayViewMut2::from_shape((m, n), c).expect("c is m x n");
    general_mat_mul(1.0, &a.t(), &b, 0.0, &mut c);
}

/// Rows `rows` of `a^T · b` (row-major `a` `[k, m]`, `b` `[k, n]`) into `c`
/// `[rows.len(), n]`: each element summed over k exactly as in the whole product.
pub(super) fn gemm_at_b_rows(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    b: &[f32],
    rows: std::ops::Range<usize>,
    c: &mut [f32],
) {
    let a = ArrayView2::from_shape((k, m), a).expect("a is k x m");
    let a = a.slice_axis(ndarray::Axis(1), ndarray::Slice::from(rows.clone()));
    let b = ArrayView2::from_shape((k, n), b).expect("b is k x n");
    let mut c = ArrayViewMut2::from_shape((rows.len(), n), c).expect("c is rows x n");
    general_mat_mul(1.0, &a.t(), &b, 0.0, &mut c);
}

/// `c += a · b^T` for row-major `a` `[m, k]`, `b` `[n, k]`, `c` `[m, n]`.
pub(super) fn gemm_add_a_bt(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    let a = ArrayView2::from_shape((m, k), a).expect("a is m x k");
    let b = ArrayView2::from_shape((n, k), b).expect("b is n x k");
    let mut c = ArrayViewMut2::from_shape((m, n), c).expect("c is m x n");
    general_mat_mul(1.0, &a, &b.t(), 1.0, &mut c);
}

/// LibTorch's `lerp`: `start + weight * (end - start)`, computed from the nearer end
/// as LibTorch does, so both implementations round alike.
#[inline(always)]
pub(super) fn lerp(start: f32, end: f32, weight: f32) -> f32 {
    // Both forms computed and one selected: no branch, so the neuron loops
    // that call this per neuron vectorise (the same bits either way).
    let from_start = start + weight * (end - start);
    let from_end = end - (end - start) * (1.0 - weight);
    if weight.abs() < 0.5 {
        from_start
    } else {
        from_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_product_cut_into_row_blocks_equals_the_whole_bit_for_bit() {
        for (m, k, n) in [
            (64, 100, 100),
            (37, 5, 40),
            (64, 1600, 1600),
            (256, 400, 400),
        ] {
            let a: Vec<f32> = (0..m * k)
                .map(|i| ((i * 7919) % 1000) as f32 * 1e-3 - 0.5)
                .collect();
            let b: Vec<f32> = (0..k * n)
                .map(|i| ((i * 104729) % 997) as f32 * 1e-3 - 0.5)
                .collect();
            let init: Vec<f32> = (0..m * n).map(|i| (i % 13) as f32 * 0.1).collect();
            let mut whole = init.clone();
            gemm(m, k, n, &a, &b, 1.0, &mut whole);
            let mut blocks = init.clone();
            for (c, a) in blocks.chunks_mut(16 * n).zip(a.chunks(16 * k)) {
                gemm(a.len() / k, k, n, a, &b, 1.0, c);
            }
            assert!(whole == blocks, "{m}x{k}x{n}");
            // The backward pass's g_z += g_i W_rec^T, likewise.
            let bt: Vec<f32> = b.iter().rev().copied().collect();
            let (a_nk, mut whole, mut blocks) = (&a[..m * k], init.clone(), init.clone());
            gemm_add_a_bt(m, k, n, a_nk, &bt, &mut whole);
            for (c, a) in blocks.chunks_mut(16 * n).zip(a_nk.chunks(16 * k)) {
                gemm_add_a_bt(a.len() / k, k, n, a, &bt, c);
            }
            assert!(whole == blocks, "a bt {m}x{k}x{n}");
            // The weight gradients' a^T b, split by output rows.
            let mut whole = vec![0.0; k * n];
            let b_mn: Vec<f32> = (0..m * n).map(|i| (i % 11) as f32 * 0.1 - 0.5).collect();
            gemm_at_b(k, m, n, &a, &b_mn, &mut whole);
            let mut parts = vec![0.0; k * n];
            for (p, c) in parts.chunks_mut(7 * n).enumerate() {
                let rows = p * 7..p * 7 + c.len() / n;
                gemm_at_b_rows(k, m, n, &a, &b_mn, rows, c);
            }
            assert!(whole == parts, "a^T b rows {m}x{k}x{n}");
        }
    }
}
