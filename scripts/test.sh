#!/usr/bin/env bash
# The whole test suite, runnable on a fresh machine: installs what it needs
# (PyTorch for tch, and the Python package's build and test tools, once,
# into the cache) on first use.
#
#     ./scripts/test.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

pure=(lsnn-rl-env lsnn-rl-bandits lsnn-rl-mazes lsnn-rl-classic lsnn-rl-decode)
pure_flags=()
for p in "${pure[@]}"; do pure_flags+=(-p "$p"); done

# Chromium and Slurm for the report and sweep tests (root + apt-get only).
./scripts/install-test-tools.sh

echo "== 1/4: crates that must build and test without LibTorch"
# No LibTorch variables, and no tch anywhere in their dependency trees (the
# Python package's included: it must install without PyTorch).
if cargo tree --locked -e normal,build "${pure_flags[@]}" -p lsnn-rl-python | grep -qE '\b(tch|torch-sys) v'; then
    echo "error: a crate that must not need LibTorch depends on tch" >&2
    exit 1
fi
env -u LIBTORCH -u LIBTORCH_USE_PYTORCH -u VIRTUAL_ENV cargo test --locked "${pure_flags[@]}"

echo "== 2/4: LibTorch (PyTorch from PyPI, cached)"
start=$(date +%s%N)
# shellcheck source=scripts/torch-env.sh
source scripts/torch-env.sh
echo "LibTorch ready in $(( ($(date +%s%N) - start) / 1000000 )) ms: $LSNN_RL_TORCH_LIB"

echo "== 3/4: everything else"
# The Python extension is tested from Python (4/4): a Rust test binary of it
# would have to link libpython.
exclude=(--exclude lsnn-rl-python)
for p in "${pure[@]}"; do exclude+=(--exclude "$p"); done
cargo test --locked --workspace "${exclude[@]}"

echo "== 4/4: the Python package (python/): built by maturin, tested by pytest"
# shellcheck source=scripts/python-env.sh
source scripts/python-env.sh
py="$LSNN_RL_PY_VENV/bin/python"
target="${CARGO_TARGET_DIR:-$root/target}"
wheels="$target/python-wheels"
rm -rf "$wheels"
# A release build in a folder of its own (target/python): from scratch it
# took 3 minutes here where the dev profile took 6, it is what users get from
# pip, and the
# Python interpreter it is built for never invalidates the Rust builds'
# PyO3 (clippy checks it for the torch environment's Python). No LibTorch
# variables: the package must build without them.
env -u LIBTORCH -u LIBTORCH_USE_PYTORCH VIRTUAL_ENV="$LSNN_RL_PY_VENV" PATH="$LSNN_RL_PY_VENV/bin:$PATH" \
    CARGO_TARGET_DIR="$target/python" \
    maturin build --release --locked --manifest-path python/Cargo.toml --interpreter "$py" --out "$wheels"
"$py" -m pip install --quiet --disable-pip-version-check --no-input --force-reinstall --no-deps "$wheels"/lsnn_rl-*.whl
# The binary 3/4 built is what the equality tests compare against
# (LSNN_RL_BIN: another one).
LSNN_RL_BIN="${LSNN_RL_BIN:-$target/debug/lsnn-rl}" "$py" -m pytest python/tests -q
