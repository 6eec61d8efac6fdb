//! `lsnn-rl`: the command-line program over the built-in environments
//! (bandits and mazes); everything else lives in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    match lsnn_rl::builtin_registry() {
        Ok(registry) => lsnn_rl::run_cli(registry),
        Err(err) => {
            eprintln!("lsnn-rl: error: {err}");
            ExitCode::FAILURE
        }
    }
}
