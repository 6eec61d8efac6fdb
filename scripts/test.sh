#!/usr/bin/env bash
# The whole test suite, runnable on a fresh machine: installs what it needs
# (PyTorch for tch, once, into the cache) on first use.
#
#     ./scripts/test.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

pure=(lsnn-rl-env lsnn-rl-bandits lsnn-rl-mazes lsnn-rl-classic)
pure_flags=()
for p in "${pure[@]}"; do pure_flags+=(-p "$p"); done

# Chromium and Slurm for the report and sweep tests (root + apt-get only).
./scripts/install-test-tools.sh

echo "== 1/3: crates that must build and test without LibTorch"
# No LibTorch variables, and no tch anywhere in their dependency trees.
if cargo tree --locked -e normal,build "${pure_flags[@]}" | grep -qE '\b(tch|torch-sys) v'; then
    echo "error: a crate that must not need LibTorch depends on tch" >&2
    exit 1
fi
env -u LIBTORCH -u LIBTORCH_USE_PYTORCH -u VIRTUAL_ENV cargo test --locked "${pure_flags[@]}"

echo "== 2/3: LibTorch (PyTorch from PyPI, cached)"
start=$(date +%s%N)
# shellcheck source=scripts/torch-env.sh
source scripts/torch-env.sh
echo "LibTorch ready in $(( ($(date +%s%N) - start) / 1000000 )) ms: $LSNN_RL_TORCH_LIB"

echo "== 3/3: everything else"
exclude=()
for p in "${pure[@]}"; do exclude+=(--exclude "$p"); done
cargo test --locked --workspace "${exclude[@]}"
