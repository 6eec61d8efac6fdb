# shellcheck shell=bash
# Source this file to get a LibTorch that tch can build against:
#
#     source scripts/torch-env.sh
#
# It installs PyTorch (the version tch needs) from PyPI into a virtual
# environment cached outside the checkout, once, and exports the variables
# torch-sys reads at build time. A second call finds the cache and returns at
# once. Settings:
#   LSNN_RL_CACHE_DIR  cache folder (default ${XDG_CACHE_HOME:-$HOME/.cache}/lsnn-rl)
#   LSNN_RL_PYTHON     the Python that creates the environment (default python3)
#
# The PyTorch version lives here and only here; it must match the version the
# tch crate in Cargo.toml was built for (tch 0.24 <-> PyTorch 2.11.0).

LSNN_RL_TORCH_VERSION=2.11.0

lsnn_rl_torch_fail() {
    echo "lsnn-rl setup: error: $*" >&2
    return 1
}

lsnn_rl_torch_setup() {
    local cache="${LSNN_RL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lsnn-rl}"
    local venv="$cache/torch-$LSNN_RL_TORCH_VERSION"
    local stamp="$venv/.lsnn-rl-complete"

    local python="${LSNN_RL_PYTHON:-python3}"
    if [ ! -f "$stamp" ]; then
        command -v "$python" >/dev/null 2>&1 ||
            { lsnn_rl_torch_fail "$python not found; install Python 3.10 or newer (Debian: apt-get install python3 python3-venv) or point LSNN_RL_PYTHON at one"; return 1; }
        mkdir -p "$cache" ||
            { lsnn_rl_torch_fail "cannot create the cache folder $cache; set LSNN_RL_CACHE_DIR to a writable folder"; return 1; }
        # Only one installer at a time; a second one waits, then finds the stamp.
        exec 9>"$cache/.install.lock"
        flock 9
        if [ ! -f "$stamp" ]; then
            echo "lsnn-rl setup: installing PyTorch $LSNN_RL_TORCH_VERSION from PyPI into $venv (once; about 5 GB)" >&2
            rm -rf "$venv"
            "$python" -m venv "$venv" ||
                { flock -u 9; lsnn_rl_torch_fail "$python -m venv failed; install the venv module and pip (Debian: apt-get install python3-venv python3-pip)"; return 1; }
            "$venv/bin/python" -m pip --version >/dev/null 2>&1 ||
                { flock -u 9; lsnn_rl_torch_fail "pip is missing in the new virtual environment; install pip (Debian: apt-get install python3-pip python3-venv)"; return 1; }
            "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
                "torch==$LSNN_RL_TORCH_VERSION" ||
                { flock -u 9; lsnn_rl_torch_fail "pip install torch==$LSNN_RL_TORCH_VERSION failed (see pip's message above); check that PyPI is reachable and the disk has 6 GB free"; return 1; }
            touch "$stamp"
        fi
        flock -u 9
    fi

    # The version check reads torch/version.py instead of importing torch (seconds).
    local site
    site=$(echo "$venv"/lib/python3*/site-packages)
    local found
    found=$(sed -n "s/^__version__ = '\([^'+]*\).*/\1/p" "$site/torch/version.py" 2>/dev/null)
    if [ "$found" != "$LSNN_RL_TORCH_VERSION" ]; then
        lsnn_rl_torch_fail "the cache $venv holds torch '${found:-nothing}', but tch needs $LSNN_RL_TORCH_VERSION; remove that folder (rm -rf '$venv') and run again, or set LSNN_RL_CACHE_DIR to another folder"
        return 1
    fi

    export VIRTUAL_ENV="$venv"
    export LIBTORCH_USE_PYTORCH=1
    export LSNN_RL_TORCH_LIB="$site/torch/lib"
    case ":$PATH:" in
        *":$venv/bin:"*) ;;
        *) export PATH="$venv/bin:$PATH" ;;
    esac
}

lsnn_rl_torch_setup
