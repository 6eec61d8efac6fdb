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

/// `c += a · b^T` for row-major `a` `[m, k]`, `b` `[n, k]`, `c` `[m, n]`.
pub(super) fn gemm_add_a_bt(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    let a = ArrayView2::from_shape((m, k), a).expect("a is m x k");
    let b = ArrayView2::from_shape((n, k), b).expect("b is n x k");
    let mut c = ArrayViewMut2::from_shape((m, n), c).expect("c is m x n");
    general_mat_mul(1.0, &a, &b.t(), 1.0, &mut c);
}

/// LibTorch's `lerp`: `start + weight * (end - start)`, computed from the nearer end
/// as LibTorch does, so both implementations round alike.
#[inline]
pub(super) fn lerp(start: f32, end: f32, weight: f32) -> f32 {
    if weight.abs() < 0.5 {
        start + weight * (end - start)
    } else {
        end - (end - start) * (1.0 - weight)
    }
}
