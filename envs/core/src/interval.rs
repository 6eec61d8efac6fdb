//! 95% intervals of a mean, by name: [`ci95_normal`] for the many trials of
//! an evaluation (1000 by default), [`ci95_student_t`] for the handful of
//! seeds a sweep averages over.

/// Mean and half-width of the normal-approximation 95% interval (1.96
/// standard errors, sample standard deviation) of `values`; the half-width
/// is NaN for fewer than two values, and both are NaN for none.
///
/// The interval of an evaluation's mean over its trials (hundreds or
/// thousands), where the normal approximation is close.
pub fn ci95_normal(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, f64::NAN);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, 1.96 * (var / n).sqrt())
}

/// Mean and half-width of the 95% interval from Student's t with n - 1
/// degrees of freedom (sample standard deviation); the half-width is `None`
/// for fewer than two values, the mean NaN for none.
///
/// The interval of a mean over a few seeds (3 seeds: t = 4.303), where the
/// normal approximation would be far too narrow.
pub fn ci95_student_t(values: &[f64]) -> (f64, Option<f64>) {
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, None);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, Some(t975(n - 1) * (var / n as f64).sqrt()))
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom: a table
/// to 30, an approximation within 0.002 of the exact quantile beyond; NaN
/// for none.
pub fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df - 1],
        _ => 1.959964 + 2.4 / df as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_interval_of_known_values() {
        let (mean, ci) = ci95_normal(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(mean, 2.5);
        // sample sd = sqrt(5/3); standard error = sd / 2
        assert!((ci - 1.96 * (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-12);
        assert!(ci95_normal(&[1.0]).1.is_nan());
        let (mean, ci) = ci95_normal(&[]);
        assert!(mean.is_nan() && ci.is_nan());
    }

    #[test]
    fn student_t_interval_of_known_values() {
        let (mean, ci) = ci95_student_t(&[1.0, 3.0]);
        assert_eq!(mean, 2.0);
        // sd = sqrt(2), se = 1, t(1) = 12.706.
        assert!((ci.unwrap() - 12.706).abs() < 1e-9);
        // Three seeds: sd = 1, se = 1/sqrt(3), t(2) = 4.303.
        let (mean, ci) = ci95_student_t(&[1.0, 2.0, 3.0]);
        assert_eq!(mean, 2.0);
        assert!((ci.unwrap() - 4.303 / 3f64.sqrt()).abs() < 1e-12);
        assert_eq!(ci95_student_t(&[5.0]), (5.0, None));
    }

    #[test]
    fn student_t_approaches_the_normal_quantile() {
        assert!(t975(0).is_nan());
        assert_eq!(t975(2), 4.303);
        assert!((t975(40) - 2.021).abs() < 0.002);
        assert!((t975(120) - 1.980).abs() < 0.002);
        assert!((t975(100_000) - 1.96).abs() < 0.001);
    }
}
