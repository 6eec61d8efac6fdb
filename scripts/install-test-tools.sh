#!/usr/bin/env bash
# System tools some tests use, installed once from Debian where missing:
# headless Chromium (tests/plot_cli.rs loads the HTML report in it) and
# Slurm + munge (tests/sweep_slurm.rs runs a sweep on a one-node cluster).
# Needs root and apt-get; elsewhere it says what is missing and those tests
# skip with a note.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ! command -v slurmctld >/dev/null 2>&1 && [[ ! -x /usr/sbin/slurmctld ]]; then
    need+=(slurm-wlm munge)
fi
[[ ${#need[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "note: not installing ${need[*]} (needs root and apt-get); the tests that use them skip" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "installing ${need[*]} (once)"
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
