//! Lesions: a part of the recurrent state cut from a chosen step of every
//! trial on, to see what later performance loses without it.
//!
//! Written `PART@STEP` or `PART@STEP:MODE` (`adaptation@20`,
//! `membrane@0:hold`). The parts: `adaptation` (b of the spiking neurons),
//! `membrane` (v), `spikes` (the filtered spikes the heads read),
//! `readout` (the heads' filtered input whatever it holds: spikes,
//! potentials with `agent.readout = "membrane"`, or both with `"both"`),
//! `state` (an LSTM's h
//! and c, a GRU's h). The modes: `zero` holds the part at zero
//! from STEP on, `hold` holds it at its value at STEP, `reset` sets it to
//! zero once at STEP and lets it evolve again. The lesion is applied between
//! environment steps (before the network's step at STEP and every later
//! one), so within a step the network's own update still acts: with
//! `adaptation@S:zero`, a spike raises the threshold for the rest of that
//! step only.

use std::fmt;
use std::str::FromStr;

/// A part of the recurrent state a lesion can cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatePart {
    /// The adaptation variables b of a spiking network (its adaptive thresholds).
    Adaptation,
    /// The membrane potentials v of a spiking network.
    Membrane,
    /// The low-pass filtered spikes of a spiking network (the heads' input
    /// when they read spikes alone).
    Spikes,
    /// The heads' low-pass filtered input of a spiking network, whatever it
    /// filters (spikes, membrane potentials or both, `agent.readout`).
    Readout,
    /// The whole state of an LSTM (h and c) or a GRU (h).
    State,
}

impl StatePart {
    /// Every part, for messages.
    pub const ALL: [StatePart; 5] = [
        StatePart::Adaptation,
        StatePart::Membrane,
        StatePart::Spikes,
        StatePart::Readout,
        StatePart::State,
    ];

    /// The name users type.
    pub fn as_str(self) -> &'static str {
        match self {
            StatePart::Adaptation => "adaptation",
            StatePart::Membrane => "membrane",
            StatePart::Spikes => "spikes",
            StatePart::Readout => "readout",
            StatePart::State => "state",
        }
    }

    /// The mode used when none is written: adaptation is held at zero (the
    /// adaptive neurons become plain LIF neurons from then on); the other
    /// parts are reset once, since holding v, the spikes or an LSTM's h at
    /// zero would silence the network rather than cut its memory.
    pub fn default_mode(self) -> LesionMode {
        match self {
            StatePart::Adaptation => LesionMode::Zero,
            _ => LesionMode::Reset,
        }
    }

    /// Whether a network of the given kind has this part.
    pub fn exists_in(self, spiking: bool) -> bool {
        match self {
            StatePart::State => !spiking,
            _ => spiking,
        }
    }

    /// Whether a network can be lesioned here: it has the part, and
    /// `spikes` only where its heads read filtered spikes alone (with
    /// `reads_membrane` their filtered input holds potentials, alone or
    /// beside the spikes).
    pub fn can_cut(self, spiking: bool, reads_membrane: bool) -> bool {
        self.exists_in(spiking) && !(reads_membrane && self == StatePart::Spikes)
    }

    /// The parts a network can be lesioned in, for messages: "adaptation,
    /// membrane, spikes or readout", or "state".
    pub fn list_for(spiking: bool, reads_membrane: bool) -> String {
        let names: Vec<&str> = StatePart::ALL
            .into_iter()
            .filter(|p| p.can_cut(spiking, reads_membrane))
            .map(StatePart::as_str)
            .collect();
        match names.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

/// What a lesion does to its part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LesionMode {
    /// Held at zero from the lesion's step on.
    Zero,
    /// Held at its value at the lesion's step.
    Hold,
    /// Set to zero once, at the lesion's step.
    Reset,
}

impl LesionMode {
    /// The name users type.
    pub fn as_str(self) -> &'static str {
        match self {
            LesionMode::Zero => "zero",
            LesionMode::Hold => "hold",
            LesionMode::Reset => "reset",
        }
    }
}

/// One lesion: a part, the trial step it starts at, and what it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lesion {
    /// The part cut.
    pub part: StatePart,
    /// The step of each trial (0-based, counted over the whole trial) from
    /// which it acts.
    pub step: usize,
    /// What it does.
    pub mode: LesionMode,
}

impl Lesion {
    /// What the lesion does to its part before the network's step `step`:
    /// nothing, set it to zero, remember it (the first held step) or put
    /// the remembered value back.
    pub fn action_at(&self, step: usize) -> LesionAction {
        use LesionMode::*;
        match (self.mode, step.cmp(&self.step)) {
            (_, std::cmp::Ordering::Less) => LesionAction::None,
            (Zero, _) => LesionAction::Zero,
            (Reset, std::cmp::Ordering::Equal) => LesionAction::Zero,
            (Reset, _) => LesionAction::None,
            (Hold, std::cmp::Ordering::Equal) => LesionAction::Remember,
            (Hold, _) => LesionAction::Restore,
        }
    }
}

/// What a lesion does at one step (see [`Lesion::action_at`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LesionAction {
    /// Leave the state alone.
    None,
    /// Set the part to zero.
    Zero,
    /// Keep a copy of the part.
    Remember,
    /// Put the copy back.
    Restore,
}

impl fmt::Display for Lesion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}@{}:{}",
            self.part.as_str(),
            self.step,
            self.mode.as_str()
        )
    }
}

/// A lesion that could not be read, with what is allowed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "bad lesion '{text}': {problem}; write PART@STEP or PART@STEP:MODE with PART one of \
     adaptation, membrane, spikes, readout (spiking networks) or state (LSTM, GRU) and MODE \
     one of zero, hold, reset, e.g. adaptation@20 or membrane@0:reset"
)]
pub struct LesionParseError {
    /// What was written.
    pub text: String,
    /// What was wrong with it.
    pub problem: String,
}

impl FromStr for Lesion {
    type Err = LesionParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |problem: String| LesionParseError {
            text: text.to_string(),
            problem,
        };
        let (part, rest) = text
            .split_once('@')
            .ok_or_else(|| fail("no '@STEP'".to_string()))?;
        let part = StatePart::ALL
            .into_iter()
            .find(|p| p.as_str() == part.trim())
            .ok_or_else(|| fail(format!("unknown part '{}'", part.trim())))?;
        let (step, mode) = match rest.split_once(':') {
            Some((step, mode)) => (step, Some(mode.trim())),
            None => (rest, None),
        };
        let step: usize = step
            .trim()
            .parse()
            .map_err(|_| fail(format!("'{}' is not a step number", step.trim())))?;
        let mode = match mode {
            None => part.default_mode(),
            Some("zero") => LesionMode::Zero,
            Some("hold") => LesionMode::Hold,
            Some("reset") => LesionMode::Reset,
            Some(other) => return Err(fail(format!("unknown mode '{other}'"))),
        };
        Ok(Lesion { part, step, mode })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parts_steps_and_modes() {
        let l: Lesion = "adaptation@20".parse().unwrap();
        assert_eq!(
            (l.part, l.step, l.mode),
            (StatePart::Adaptation, 20, LesionMode::Zero)
        );
        let l: Lesion = "membrane@0:hold".parse().unwrap();
        assert_eq!(
            (l.part, l.step, l.mode),
            (StatePart::Membrane, 0, LesionMode::Hold)
        );
        let l: Lesion = "readout@4".parse().unwrap();
        assert_eq!(
            (l.part, l.step, l.mode),
            (StatePart::Readout, 4, LesionMode::Reset)
        );
        let l: Lesion = "state@7".parse().unwrap();
        assert_eq!(l.mode, LesionMode::Reset);
        assert_eq!(l.to_string(), "state@7:reset");
    }

    #[test]
    fn the_parts_a_network_can_lose_are_listed_for_messages() {
        assert_eq!(
            StatePart::list_for(true, false),
            "adaptation, membrane, spikes or readout"
        );
        assert_eq!(
            StatePart::list_for(true, true),
            "adaptation, membrane or readout"
        );
        assert_eq!(StatePart::list_for(false, false), "state");
        assert!(!StatePart::Spikes.can_cut(true, true));
        assert!(StatePart::Readout.can_cut(true, true));
        assert!(!StatePart::Readout.can_cut(false, false));
    }

    #[test]
    fn bad_lesions_say_what_is_wrong_and_what_is_allowed() {
        for (text, problem) in [
            ("adaptation", "no '@STEP'"),
            ("threshold@3", "unknown part 'threshold'"),
            ("membrane@x", "'x' is not a step number"),
            ("membrane@3:freeze", "unknown mode 'freeze'"),
        ] {
            let err = text.parse::<Lesion>().unwrap_err().to_string();
            assert!(err.contains(problem), "{err}");
            assert!(err.contains("adaptation@20"), "{err}");
        }
    }

    #[test]
    fn each_mode_acts_from_its_step() {
        let at = |mode, step| {
            Lesion {
                part: StatePart::Membrane,
                step: 5,
                mode,
            }
            .action_at(step)
        };
        assert_eq!(at(LesionMode::Zero, 4), LesionAction::None);
        assert_eq!(at(LesionMode::Zero, 9), LesionAction::Zero);
        assert_eq!(at(LesionMode::Reset, 5), LesionAction::Zero);
        assert_eq!(at(LesionMode::Reset, 6), LesionAction::None);
        assert_eq!(at(LesionMode::Hold, 5), LesionAction::Remember);
        assert_eq!(at(LesionMode::Hold, 6), LesionAction::Restore);
    }
}
