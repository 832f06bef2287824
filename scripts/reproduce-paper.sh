#!/usr/bin/env bash
# The paper's experiments (Secs. IV-V) for one task, in one command, resumable:
#   bash scripts/reproduce-paper.sh mnist|cifar10 DATA_DIR [OUT_DIR] [extra evaluate flags...]
# 1. `memtwin evaluate`: digital training, HWAT in both programming modes, 5 repetitions x times from
#    0 s to 1 year x (baseline, HWAT + drift compensation)  -> OUT_DIR/evaluate   (Fig. 3 / Fig. 5(a,c,d))
# 2. `memtwin sweep` of device-to-device variation 0-50 % on the networks of step 1 (HWAT once, on the
#    nominal device, as the paper re-ran inference only)    -> OUT_DIR/d2d-sweep  (Fig. 5(b))
# 3. `memtwin report` of both folders.
# Killed at any point, rerun the same command: finished folders are kept, unfinished ones resume from
# their checkpoints. Time on a 2-core CPU: MNIST ~10 min; CIFAR-10 ~4-5 h (200 + 2x20 epochs); CUDA is
# used when present.
set -euo pipefail
task=${1:?usage: reproduce-paper.sh mnist|cifar10 DATA_DIR [OUT_DIR] [evaluate flags...]}
data=${2:?usage: reproduce-paper.sh mnist|cifar10 DATA_DIR [OUT_DIR] [evaluate flags...]}
out=${3:-runs/paper-$task}
shift $(( $# < 3 ? $# : 3 ))
memtwin=${MEMTWIN:-$(dirname "$0")/../.venv/bin/memtwin}

done_run() { [ -f "$1/status.json" ] && grep -q '"complete"' "$1/status.json"; }

done_run "$out/evaluate" || "$memtwin" evaluate --task "$task" --data-dir "$data" --out "$out/evaluate" "$@"
done_run "$out/d2d-sweep" || "$memtwin" sweep --task "$task" --data-dir "$data" --parameter d2d \
    --values 0,0.1,0.2,0.3,0.4,0.5 --hwat once --variants hwat_gdc --from-run "$out/evaluate" \
    --out "$out/d2d-sweep" "$@"
"$memtwin" report "$out/evaluate"
"$memtwin" report "$out/d2d-sweep"
