# shellcheck shell=bash
# Source this file to get a Python virtual environment that builds and tests
# the lsnn_rl Python package (python/):
#
#     source scripts/python-env.sh
#
# It installs python/requirements-test.txt (maturin, Gymnasium, NumPy,
# pandas, pytest, pinned) from PyPI into a virtual environment cached outside
# the checkout, once per version of that file, and exports its path as
# LSNN_RL_PY_VENV (its Python: $LSNN_RL_PY_VENV/bin/python). A second call
# finds the cache and returns at once. Settings, as scripts/torch-env.sh:
#   LSNN_RL_CACHE_DIR  cache folder (default ${XDG_CACHE_HOME:-$HOME/.cache}/lsnn-rl)
#   LSNN_RL_PYTHON     the Python that creates the environment (default python3)

lsnn_rl_py_fail() {
    echo "lsnn-rl python setup: error: $*" >&2
    return 1
}

lsnn_rl_py_setup() {
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    local requirements="$root/python/requirements-test.txt"
    local cache="${LSNN_RL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lsnn-rl}"
    local python="${LSNN_RL_PYTHON:-python3}"
    command -v "$python" >/dev/null 2>&1 ||
        { lsnn_rl_py_fail "$python not found; install Python 3.11 or newer (Debian: apt-get install python3 python3-venv) or point LSNN_RL_PYTHON at one"; return 1; }
    # One folder per (requirements, Python version): a change of either makes a new one.
    local tag
    tag=$( { cat "$requirements"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-12)
    local venv="$cache/python-$tag"
    local stamp="$venv/.lsnn-rl-complete"
    if [ ! -f "$stamp" ]; then
        mkdir -p "$cache" ||
            { lsnn_rl_py_fail "cannot create the cache folder $cache; set LSNN_RL_CACHE_DIR to a writable folder"; return 1; }
        # Only one installer at a time; a second one waits, then finds the stamp.
        exec 8>"$cache/.python-install.lock"
        flock 8
        if [ ! -f "$stamp" ]; then
            echo "lsnn-rl python setup: installing $(grep -cv '^#' "$requirements") packages from PyPI into $venv (once; about 200 MB)" >&2
            rm -rf "$venv"
            "$python" -m venv "$venv" ||
                { flock -u 8; lsnn_rl_py_fail "$python -m venv failed; install the venv module and pip (Debian: apt-get install python3-venv python3-pip)"; return 1; }
            "$venv/bin/python" -m pip --version >/dev/null 2>&1 ||
                { flock -u 8; lsnn_rl_py_fail "pip is missing in the new virtual environment; install pip (Debian: apt-get install python3-pip python3-venv)"; return 1; }
            "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements" ||
                { flock -u 8; lsnn_rl_py_fail "pip install -r $requirements failed (see pip's message above); check that PyPI is reachable"; return 1; }
            touch "$stamp"
        fi
        flock -u 8
    fi
    export LSNN_RL_PY_VENV="$venv"
}

lsnn_rl_py_setup
