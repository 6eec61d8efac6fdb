//! The bridge between the network and the CPU kernel: its weights as plain
//! buffers for the kernel and the heads, and the gradients computed there
//! added back to the network's parameters.

use tch::{Kind, Tensor};

use super::{ActorCritic, Core, NetError, to_vec};
use crate::config::InputEncoding;
use crate::cpu_kernel::{
    CpuHeads, HeadGrads, KernelGrads, KernelNeurons, RecurrentProduct, SpikingKernel,
};

impl ActorCritic {
    /// How the CPU kernels of this network compute the recurrent products
    /// (default [`RecurrentProduct::Auto`]; `lsnn-rl bench --recurrent` sets it).
    pub fn set_recurrent_product(&mut self, recurrent: RecurrentProduct) {
        self.recurrent_product = recurrent;
    }

    /// The spiking core as plain f32 buffers for CPU rollouts with a hand-derived
    /// backward pass ([`SpikingKernel`]), copied from the current weights. None for
    /// LSTM and GRU cores and for Poisson input encoding (random inputs).
    pub fn spiking_kernel(&self) -> Option<SpikingKernel> {
        let Core::Spiking(core) = &self.core else {
            return None;
        };
        if self.config.input_encoding != InputEncoding::Current {
            return None;
        }
        let params = &core.params;
        let neurons = KernelNeurons {
            model: params.model(),
            alpha: to_vec(params.alpha()),
            rho: to_vec(params.rho()),
            beta: to_vec(params.beta()),
            thr: to_vec(params.thr()),
            dampening: params.dampening() as f32,
            n_refractory: params.n_refractory(),
        };
        let kernel = SpikingKernel::new(
            self.obs_size,
            self.config.k_steps,
            neurons,
            core.readout_rate as f32,
            to_vec(&core.w_in),
            to_vec(&core.w_rec),
        )
        .with_recurrent_product(self.recurrent_product)
        .with_readout(self.config.readout);
        Some(match &core.synapses {
            Some(synapses) => {
                kernel.with_synapses(to_vec(&synapses.in_exists), to_vec(&synapses.rec_exists))
            }
            None => kernel,
        })
    }

    /// The policy and value heads as plain f32 buffers ([`CpuHeads`]), copied from
    /// the current weights.
    pub fn cpu_heads(&self) -> CpuHeads {
        CpuHeads::new(
            to_vec(&self.policy_w),
            to_vec(&self.policy_b),
            to_vec(&self.value_w),
            to_vec(&self.value_b)[0],
        )
    }

    /// Adds the gradients a [`SpikingKernel`]'s backward pass computed to the
    /// gradients of the core's weights (as if autograd had computed them).
    ///
    /// An LSTM or GRU core has no kernel gradients ([`NetError::NotSpiking`]);
    /// gradients of other shapes than the weights' are a LibTorch error.
    pub fn accumulate_core_grads(&self, grads: &KernelGrads) -> Result<(), NetError> {
        let Core::Spiking(core) = &self.core else {
            return Err(NetError::NotSpiking(self.config.kind));
        };
        let device = self.vs.device();
        let as_tensor = |values: &[f32], like: &Tensor| {
            Tensor::f_from_slice(values)?
                .f_view(like.size().as_slice())?
                .f_to_device(device)
        };
        let g_in = as_tensor(&grads.w_in, &core.w_in)?;
        let g_rec = as_tensor(&grads.w_rec, &core.w_rec)?;
        // d/dW sum(W * G) = G: one backward call adds G to W's gradient, whether
        // the gradient exists yet or not.
        let surrogate = core.w_in.f_mul(&g_in)?.f_sum(Kind::Float)?
            + core.w_rec.f_mul(&g_rec)?.f_sum(Kind::Float)?;
        surrogate.f_backward()?;
        Ok(())
    }

    /// Adds the gradients [`CpuHeads::backward`] computed (and, for a
    /// Gaussian head, `log_std`'s) to the gradients of the heads' weights, as
    /// if autograd had computed them.
    pub fn accumulate_head_grads(
        &self,
        grads: &HeadGrads,
        log_std: Option<&[f32]>,
    ) -> Result<(), NetError> {
        let device = self.vs.device();
        let term = |param: &Tensor, values: &[f32]| -> Result<Tensor, NetError> {
            let g = Tensor::f_from_slice(values)?
                .f_view(param.size().as_slice())?
                .f_to_device(device)?;
            Ok(param.f_mul(&g)?.f_sum(Kind::Float)?)
        };
        // d/dW sum(W * G) = G, as in accumulate_core_grads.
        let mut surrogate = term(&self.policy_w, &grads.policy_w)?
            + term(&self.policy_b, &grads.policy_b)?
            + term(&self.value_w, &grads.value_w)?
            + term(&self.value_b, &[grads.value_b])?;
        if let (Some(param), Some(values)) = (&self.log_std, log_std) {
            surrogate = surrogate.f_add(&term(param, values)?)?;
        }
        surrogate.f_backward()?;
        Ok(())
    }
}
