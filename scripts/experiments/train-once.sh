# Sourced by the experiment scripts: `train_once RUN TRAIN ARGS...` runs
# `lsnn-rl train ... --out RUN` unless RUN.done says it completed, and
# writes the training's wall time in seconds of one core to RUN.done, so an
# interrupted script picks up where it stopped. Needs $lsnn_rl.
train_once() {
    local run="$1"
    shift
    if [ ! -f "$run.done" ]; then
        local start
        start=$(date +%s)
        "$lsnn_rl" train --out "$run" --overwrite --threads 1 --quiet "$@" > /dev/null
        echo "$(( $(date +%s) - start ))" > "$run.done"
    fi
}
