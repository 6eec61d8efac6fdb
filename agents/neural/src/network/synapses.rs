//! A constrained spiking core's synapses: what exists, the rule applied after
//! each optimiser step (Deep R rewiring, Dale's law), and the check of a
//! loaded checkpoint's synapses. The algorithm itself lives in
//! [`crate::connectivity`], on plain buffers.

use rand::Rng;
use tch::Tensor;

use super::{ActorCritic, Core, CoreSynapses, NetError, to_vec};
use crate::connectivity::{AfterStep, StepCount, Synapses};

/// What a constrained spiking core's synapses look like now.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConnectivityStats {
    /// Existing recurrent synapses.
    pub recurrent: usize,
    /// Possible recurrent synapses (n x n less the diagonal).
    pub recurrent_possible: usize,
    /// Existing recurrent synapses with a positive sign.
    pub recurrent_excitatory: usize,
    /// Existing input synapses.
    pub input: usize,
    /// Possible input synapses (obs_size x n).
    pub input_possible: usize,
}

impl ConnectivityStats {
    /// Share of the possible recurrent synapses that exist.
    pub fn recurrent_share(&self) -> f64 {
        self.recurrent as f64 / self.recurrent_possible as f64
    }

    /// Share of the existing recurrent synapses that are excitatory.
    pub fn excitatory_share(&self) -> f64 {
        self.recurrent_excitatory as f64 / self.recurrent.max(1) as f64
    }
}

impl ActorCritic {
    fn core_synapses(&self) -> Option<(&Tensor, &Tensor, &CoreSynapses)> {
        match &self.core {
            Core::Spiking(core) => core
                .synapses
                .as_ref()
                .map(|synapses| (&core.w_in, &core.w_rec, synapses)),
            _ => None,
        }
    }

    /// The input and recurrent synapses of a sparse or sign-constrained spiking
    /// core, read from its variables; None for a dense, unconstrained network.
    /// An error if the variables hold something that is not a valid set of
    /// synapses (a corrupt checkpoint).
    pub fn synapses(&self) -> Result<Option<(Synapses, Synapses)>, String> {
        let Some((_, _, s)) = self.core_synapses() else {
            return Ok(None);
        };
        let (n_in, n) = (self.obs_size, self.spiking_neurons());
        let input = Synapses::from_parts(n_in, n, false, to_vec(&s.in_sign), to_vec(&s.in_exists))
            .map_err(|e| format!("input synapses: {e}"))?;
        let recurrent =
            Synapses::from_parts(n, n, true, to_vec(&s.rec_sign), to_vec(&s.rec_exists))
                .map_err(|e| format!("recurrent synapses: {e}"))?;
        Ok(Some((input, recurrent)))
    }

    /// Counts of a constrained core's synapses; None for a dense network.
    pub fn connectivity(&self) -> Option<ConnectivityStats> {
        let (_, _, s) = self.core_synapses()?;
        // Sums in LibTorch: this runs after every update.
        let count = |t: &Tensor| t.sum(tch::Kind::Double).double_value(&[]).round() as usize;
        let excitatory = s.rec_exists.multiply(&s.rec_sign.gt(0.0));
        let n = self.spiking_neurons();
        Some(ConnectivityStats {
            recurrent: count(&s.rec_exists),
            recurrent_possible: n * (n - 1),
            recurrent_excitatory: count(&excitatory),
            input: count(&s.in_exists),
            input_possible: self.obs_size * n,
        })
    }

    /// Checks a constrained core after its variables were loaded: valid signs
    /// and existence, and every dormant weight exactly zero. The error says
    /// what is wrong.
    pub fn check_synapses(&self) -> Result<(), String> {
        let Some((input, recurrent)) = self.synapses()? else {
            return Ok(());
        };
        let Some((w_in, w_rec, _)) = self.core_synapses() else {
            return Ok(());
        };
        for (name, synapses, weights) in [
            ("core.w_in", &input, to_vec(w_in)),
            ("core.w_rec", &recurrent, to_vec(w_rec)),
        ] {
            if let Some(k) =
                (0..weights.len()).find(|&k| synapses.exists()[k] == 0.0 && weights[k] != 0.0)
            {
                let n = self.spiking_neurons();
                return Err(format!(
                    "{name} holds {} at entry ({}, {}), where no synapse exists (dormant weights are zero)",
                    weights[k],
                    k / n,
                    k % n
                ));
            }
        }
        Ok(())
    }

    /// The rule of [`crate::connectivity`] after an optimiser step: dormant
    /// weights back to zero, signs kept (`rule.keep_signs`), and with
    /// `rule.rewire` Deep R's shrink, noise and rewiring, input matrix first,
    /// then recurrent, with draws from `rng`. A dense network is left as it
    /// is (zero counts).
    pub fn after_optimiser_step(
        &self,
        rule: &AfterStep,
        rng: &mut impl Rng,
    ) -> Result<StepCount, NetError> {
        let Some((w_in, w_rec, s)) = self.core_synapses() else {
            return Ok(StepCount::default());
        };
        // The network's own variables (a loaded checkpoint was checked by
        // check_synapses): no checks on every step.
        let (n_in, n) = (self.obs_size, self.spiking_neurons());
        let input =
            Synapses::from_trusted_parts(n_in, n, false, to_vec(&s.in_sign), to_vec(&s.in_exists));
        let recurrent =
            Synapses::from_trusted_parts(n, n, true, to_vec(&s.rec_sign), to_vec(&s.rec_exists));
        let mut total = StepCount::default();
        let _guard = tch::no_grad_guard();
        for (mut synapses, weights, exists) in [
            (input, w_in, &s.in_exists),
            (recurrent, w_rec, &s.rec_exists),
        ] {
            let mut values = to_vec(weights);
            let count = synapses.after_step(&mut values, rule, rng);
            total.dormant += count.dormant;
            total.woken += count.woken;
            let device = weights.device();
            let size = weights.size();
            weights.shallow_clone().f_copy_(
                &Tensor::f_from_slice(&values)?
                    .f_view(size.as_slice())?
                    .f_to_device(device)?,
            )?;
            exists.shallow_clone().f_copy_(
                &Tensor::f_from_slice(synapses.exists())?
                    .f_view(size.as_slice())?
                    .f_to_device(device)?,
            )?;
        }
        Ok(total)
    }
}
