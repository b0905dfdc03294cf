#!/usr/bin/env bash
# Profile one `arclf train configs/ant-sections.yaml --no-cache -q` with pyinstrument.
#
#   ARCLF_DATA=../shared/corpora experiments/bench/profile_train.sh [more `arclf train` options]
#
# Writes pyinstrument's text profile to experiments/bench/profile.txt, followed by the run's own
# stage timings (run.json "timing": wall seconds and peak RSS per stage). The run folder goes to
# a temporary directory, deleted afterwards, so nothing is added to experiments/runs.
#
# pyinstrument samples the main thread only. `arclf train` fits the folds and the final model in
# joblib worker threads (compiled numba code that releases the GIL), so in the profile that time
# shows as the main thread waiting inside joblib (even with --set cv.n_jobs=1, where joblib still
# hands the work to a thread); the stage timings give its total and metrics.json each fold's
# seconds, which are appended too.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export ARCLF_DATA="${ARCLF_DATA:-$root/../shared/corpora}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$root"

echo "1-minute load average before: $(cut -d' ' -f1 /proc/loadavg) ($(nproc) CPUs)"
pyinstrument -r text --no-color -o "$tmp/profile.txt" -m arclf.cli.app \
    train configs/ant-sections.yaml --no-cache -q -o "$tmp/run" "$@"
echo "1-minute load average after: $(cut -d' ' -f1 /proc/loadavg)"

python - "$tmp/run" "$tmp/profile.txt" "$here/profile.txt" "$*" <<'EOF'
import json
import sys

run_dir, profile, out, extra = sys.argv[1:]
run = json.load(open(f"{run_dir}/run.json"))
metrics = json.load(open(f"{run_dir}/metrics.json"))
lines = [f"Stage timings of this run (run.json), wall {run['wall_seconds']:.1f} s, peak RSS {run['peak_rss_mb']:,.0f} MB:", ""]
lines += [f"  {stage:<20} {t['seconds']:8.1f} s   peak RSS {t['peak_rss_mb']:8,.0f} MB" for stage, t in run["timing"].items()]
lines += ["", f"n_examples {run['data']['n_examples']}, hashed columns present {run['data']['n_features_present']:,}, "
              f"nnz {run['data']['nnz']:,}, bundle {run.get('bundle_bytes', 0) / 2**20:.1f} MB"]
for task, entry in metrics["tasks"].items():
    folds = entry.get("folds") or []
    if folds:
        secs = ", ".join(f"{f['seconds']:.1f}" for f in folds)
        lines.append(f"task {task}: seconds per fold (each on one worker thread, beside the final fit): {secs}")
command = f"arclf train configs/ant-sections.yaml --no-cache -q {extra}".strip()
text = f"Profile of `{command}` (pyinstrument, main thread)\n\n" + open(profile).read() + "\n" + "\n".join(lines) + "\n"
open(out, "w").write(text)
print("\n".join(lines))
EOF
echo "profile written to $here/profile.txt"
