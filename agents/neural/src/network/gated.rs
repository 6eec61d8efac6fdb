//! The LSTM and GRU cores: one LibTorch cell call per network step, and
//! for the LSTM one sequence operator over a chunk of steps.

use tch::{Tensor, nn};

/// The weights of a single-layer LSTM or GRU, created by tch's `nn::lstm` or
/// `nn::gru` (so the variable names, `weight_ih_l0`, `weight_hh_l0`,
/// `bias_ih_l0`, `bias_hh_l0`, and the initialisation are tch's), stepped
/// with LibTorch's `lstm_cell` / `gru_cell`; an LSTM also runs whole
/// sequences through LibTorch's LSTM operator ([`GatedCell::lstm_sequence`]).
///
/// Why not `nn::LSTM::step`: it runs the whole-sequence RNN operator on a
/// sequence of one step, which on the CPU sets up oneDNN descriptors and
/// buffers at every call (a profile showed most of an update in that set-up
/// and the allocator). The cell operators are two matrix products and a few
/// pointwise operations, the same arithmetic. docs/performance.md has the
/// speed-up.
pub(super) struct GatedCell {
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor,
    b_hh: Tensor,
}

impl GatedCell {
    /// An LSTM of `hidden` units on `inputs` inputs, its variables under `path`.
    pub fn lstm(path: &nn::Path, inputs: i64, hidden: i64) -> Self {
        let _ = nn::lstm(path, inputs, hidden, nn::RNNConfig::default());
        Self::from_path(path)
    }

    /// A GRU of `hidden` units on `inputs` inputs, its variables under `path`.
    pub fn gru(path: &nn::Path, inputs: i64, hidden: i64) -> Self {
        let _ = nn::gru(path, inputs, hidden, nn::RNNConfig::default());
        Self::from_path(path)
    }

    /// The variables tch just created under `path`. They share storage with
    /// the VarStore's, so optimiser steps and checkpoint loads (both in
    /// place) are seen here.
    fn from_path(path: &nn::Path) -> Self {
        let get = |name: &str| {
            path.get(name)
                .unwrap_or_else(|| panic!("tch's RNN constructor creates {name}"))
        };
        Self {
            w_ih: get("weight_ih_l0"),
            w_hh: get("weight_hh_l0"),
            b_ih: get("bias_ih_l0"),
            b_hh: get("bias_hh_l0"),
        }
    }

    /// One LSTM step on `x` `[B, inputs]` from `(h, c)` `[B, hidden]` each.
    pub fn lstm_step(&self, x: &Tensor, h: &Tensor, c: &Tensor) -> tch::Result<(Tensor, Tensor)> {
        x.f_lstm_cell(
            &[h, c],
            &self.w_ih,
            &self.w_hh,
            Some(&self.b_ih),
            Some(&self.b_hh),
        )
    }

    /// One GRU step on `x` `[B, inputs]` from `h` `[B, hidden]`.
    pub fn gru_step(&self, x: &Tensor, h: &Tensor) -> tch::Result<Tensor> {
        x.f_gru_cell(
            h,
            &self.w_ih,
            &self.w_hh,
            Some(&self.b_ih),
            Some(&self.b_hh),
        )
    }

    /// `k` LSTM steps per input over a sequence `x` `[T, B, inputs]` from
    /// `(h, c)` `[B, hidden]` each, in one call of LibTorch's sequence
    /// operator (one autograd node for the whole sequence): the hidden state
    /// after each input's k-th step, `[T, B, hidden]`, and the last `(h, c)`.
    pub fn lstm_sequence(
        &self,
        x: &Tensor,
        h: &Tensor,
        c: &Tensor,
        k: usize,
    ) -> tch::Result<(Tensor, Tensor, Tensor)> {
        let (h0, c0) = (h.f_unsqueeze(0)?, c.f_unsqueeze(0)?);
        let hx = [&h0, &c0];
        let (out, h, c) =
            repeat_steps(x, k)?.f_lstm(&hx, &self.params(), true, 1, 0.0, true, false, false)?;
        Ok((
            every_kth(&out, k)?,
            h.f_squeeze_dim(0)?,
            c.f_squeeze_dim(0)?,
        ))
    }

    /// The weights in the order LibTorch's sequence operators take them.
    fn params(&self) -> [&Tensor; 4] {
        [&self.w_ih, &self.w_hh, &self.b_ih, &self.b_hh]
    }
}

/// `x` `[T, B, I]` with each input repeated `k` times: `[T * k, B, I]` (the
/// K network steps an environment step takes on the same input).
fn repeat_steps(x: &Tensor, k: usize) -> tch::Result<Tensor> {
    if k == 1 {
        return Ok(x.shallow_clone());
    }
    let (t, b, i) = x.size3()?;
    x.f_unsqueeze(1)?
        .f_expand([t, k as i64, b, i], false)?
        .f_reshape([t * k as i64, b, i])
}

/// Of outputs `[T * k, B, H]`, those after every k-th step: `[T, B, H]`.
fn every_kth(out: &Tensor, k: usize) -> tch::Result<Tensor> {
    if k == 1 {
        return Ok(out.shallow_clone());
    }
    let (steps, b, h) = out.size3()?;
    out.f_reshape([steps / k as i64, k as i64, b, h])?
        .f_select(1, k as i64 - 1)?
        .f_contiguous()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    /// The cell steps equal tch's `nn::LSTM` / `nn::GRU` steps on the same
    /// weights (the operator they replace), over several steps, and so do
    /// the weights' gradients through those steps.
    #[test]
    fn cell_steps_and_gradients_match_tchs_rnn_steps() {
        use tch::nn::RNN as _;
        // LibTorch's generator is global: hold the lock the network uses.
        let _generator = super::super::TORCH_GENERATOR
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tch::manual_seed(3);
        let vs = nn::VarStore::new(Device::Cpu);
        let (lstm_path, gru_path) = (vs.root().sub("lstm"), vs.root().sub("gru"));
        let lstm = nn::lstm(&lstm_path, 5, 7, nn::RNNConfig::default());
        let gru = nn::gru(&gru_path, 5, 7, nn::RNNConfig::default());
        let (lstm_cell, gru_cell) = (
            GatedCell::from_path(&lstm_path),
            GatedCell::from_path(&gru_path),
        );
        let inputs: Vec<Tensor> = (0..4)
            .map(|_| Tensor::randn([3, 5], (Kind::Float, Device::Cpu)))
            .collect();
        let zeros = Tensor::zeros([1, 3, 7], (Kind::Float, Device::Cpu));
        // f32 rounding: the two operators group the sums differently.
        let close = |a: &Tensor, b: &Tensor, what: &str| {
            let gap = (a - b).abs().max().double_value(&[]);
            let scale = b.abs().max().double_value(&[]).max(1.0);
            assert!(
                gap < 1e-5 * scale,
                "{what}: cell and RNN step differ by {gap}"
            );
        };
        // Forward: the states after each step.
        let mut lstm_state = nn::LSTMState((zeros.copy(), zeros.copy()));
        let mut gru_state = nn::GRUState(zeros.copy());
        let (mut h, mut c, mut g) = (zeros.get(0), zeros.get(0), zeros.get(0));
        for x in &inputs {
            lstm_state = lstm.step(x, &lstm_state);
            gru_state = gru.step(x, &gru_state);
            (h, c) = lstm_cell.lstm_step(x, &h, &c).unwrap();
            g = gru_cell.gru_step(x, &g).unwrap();
            close(&h, &lstm_state.h().get(0), "LSTM h");
            close(&c, &lstm_state.c().get(0), "LSTM c");
            close(&g, &gru_state.0.get(0), "GRU h");
        }
        // The states moved away from zero, so the comparison was not vacuous.
        assert!(h.abs().sum(Kind::Float).double_value(&[]) > 0.1);
        // Backward: the gradient of a loss on the last states, both ways.
        let gradients = |loss: Tensor| {
            let weights = [&lstm_cell, &gru_cell]
                .into_iter()
                .flat_map(|cell| [&cell.w_ih, &cell.w_hh, &cell.b_ih, &cell.b_hh]);
            let weights: Vec<&Tensor> = weights.collect();
            for w in &weights {
                let mut grad = w.grad();
                if grad.defined() {
                    let _ = grad.zero_();
                }
            }
            loss.backward();
            weights.iter().map(|w| w.grad().copy()).collect::<Vec<_>>()
        };
        let loss = |h: &Tensor, c: &Tensor, g: &Tensor| {
            (h * 1.5 + c).sum(Kind::Float) + (g * g).sum(Kind::Float)
        };
        let by_cells = gradients(loss(&h, &c, &g));
        let by_rnn = gradients(loss(
            &lstm_state.h().get(0),
            &lstm_state.c().get(0),
            &gru_state.0.get(0),
        ));
        for (cell, rnn) in by_cells.iter().zip(&by_rnn) {
            assert!(rnn.abs().sum(Kind::Float).double_value(&[]) > 0.0);
            close(cell, rnn, "gradient");
        }
    }
}
