#!/usr/bin/env bash
# Cold build of the xtask (what every user pays on a first `cargo xtask`): a fresh target
# directory, dependencies already downloaded. Prints the wall time (target: under 150 s on 2
# cores), the CPU-seconds (user + sys: what a busy machine cannot hide), the load average
# before and after (other work on the machine stretches the wall time) and the slowest crates
# from cargo's --timings report.
#
#   benches/cold-build.sh [PACKAGE] [TARGET_DIR]     (defaults: xtask, a temp dir, removed after)
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=${1:-xtask}
dir=${2:-}
if [ -z "$dir" ]; then
  dir=$(mktemp -d /tmp/cold-build.XXXXXX)
  trap 'rm -rf "$dir"' EXIT
elif [ -e "$dir" ]; then
  echo "cold-build: $dir exists; give a new directory (a cold build starts empty)" >&2
  exit 1
fi
cargo fetch --quiet
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)   cores: $(nproc)"
start=$(date +%s.%N)
# GNU time's %U/%S include every rustc and build script cargo waits for.
/usr/bin/time -f '%U %S' -o "$dir.time" \
  env CARGO_TARGET_DIR="$dir" cargo build --quiet -p "$pkg" --timings
end=$(date +%s.%N)
read -r user sys <"$dir.time"
rm -f "$dir.time"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v s="$start" -v e="$end" -v u="$user" -v y="$sys" -v p="$pkg" 'BEGIN {
  printf "cold cargo build -p %s: wall %.1f s, CPU %.1f s (user %.1f + sys %.1f)\n", p, e - s, u + y, u, y
}'
report=$(ls -t "$dir"/cargo-timings/cargo-timing-*.html | head -1)
python3 - "$report" <<'EOF'
import json, re, sys
html = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
units.sort(key=lambda u: -u["duration"])
print("slowest units (s):", ", ".join(
    f'{u["name"]}{" (build script)" if "run-custom-build" in u.get("mode", "") else ""} {u["duration"]:.1f}'
    for u in units[:12]))
EOF
[ -n "${2:-}" ] && echo "report: $report"
exit 0
