#!/usr/bin/env bash
# The paper's experiments (Secs. IV-V) for one task, under each write model, in one command, resumable:
#   bash scripts/reproduce-paper.sh mnist|cifar10 DATA_DIR [OUT_DIR] [extra evaluate flags...]
# For each write model W in open-loop, verify, exact (docs/protocol.md, "Write models"):
# 1. `memtwin evaluate --write W`: HWAT in both programming modes, 5 repetitions x times from 0 s to
#    1 year x (baseline, HWAT + drift compensation)          -> OUT_DIR/evaluate-W  (Fig. 3 / 5(a,c,d));
#    the digital network is trained once (open-loop run) and reused by the others (--from-run).
# 2. `memtwin sweep` of device-to-device variation 0-50 % on the networks of step 1 (HWAT once, on the
#    nominal device, as the paper re-ran inference only)    -> OUT_DIR/d2d-sweep-W (Fig. 5(b))
# 3. `memtwin report` of every folder, and OUT_DIR/writes.md: the three writes side by side.
# Killed at any point, rerun the same command: finished folders are kept, unfinished ones resume from
# their checkpoints. Time on a 2-core CPU: MNIST ~20 min; CIFAR-10 ~6 h (digital 200 epochs 1 h 50 min,
# then 50-80 min per write with its sweep); CUDA is used when present.
set -euo pipefail
task=${1:?usage: reproduce-paper.sh mnist|cifar10 DATA_DIR [OUT_DIR] [evaluate flags...]}
data=${2:?usage: reproduce-paper.sh mnist|cifar10 DATA_DIR [OUT_DIR] [evaluate flags...]}
out=${3:-runs/paper-$task}
shift $(( $# < 3 ? $# : 3 ))
bin=${MEMTWIN_BIN:-$(dirname "$0")/../.venv/bin}
memtwin=${MEMTWIN:-$bin/memtwin}
python=${MEMTWIN_PYTHON:-$bin/python}

done_run() { [ -f "$1/status.json" ] && grep -q '"complete"' "$1/status.json"; }

for write in open-loop verify exact; do
    from=()
    [ "$write" = open-loop ] || from=(--from-run "$out/evaluate-open-loop")
    done_run "$out/evaluate-$write" || "$memtwin" evaluate --task "$task" --data-dir "$data" --write "$write" \
        "${from[@]}" --out "$out/evaluate-$write" "$@"
    done_run "$out/d2d-sweep-$write" || "$memtwin" sweep --task "$task" --data-dir "$data" --write "$write" \
        --parameter d2d --values 0,0.1,0.2,0.3,0.4,0.5 --hwat once --variants hwat_gdc \
        --from-run "$out/evaluate-$write" --out "$out/d2d-sweep-$write" "$@"
    "$memtwin" report "$out/evaluate-$write"
    "$memtwin" report "$out/d2d-sweep-$write"
done
"$python" -m memtwin.report.writes "$out"/evaluate-* > "$out/writes.md"
cat "$out/writes.md"
