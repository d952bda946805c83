#!/usr/bin/env bash
# Soak: the NOC wall on the shop demo at 1000x for a simulated week (about 10 minutes of wall time), sampling the
# console's resident memory every 10 s. Passes when the growth after warm-up (the first fifth) stays within 1 %.
# Writes the curve to wall_soak_rss.csv (wall seconds, simulated hours, RSS kB). ctest label `slow`: not in the default run.
set -euo pipefail
console="$1"
out="${2:-wall_soak_rss.csv}"
duration="${NOCTURNE_SOAK_SECONDS:-605}"   # 7 simulated days at 1000x
db="$(mktemp -d)/events.sqlite"
QT_QPA_PLATFORM=offscreen "$console" --wall --scenario shop --speed 1000 --history 1h --events-db "$db" --wall-page-seconds 5 \
    >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
echo "seconds,sim_hours,rss_kb" > "$out"
for ((t = 0; t <= duration; t += 10)); do
    sleep 10
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "wall_soak: the console exited early" >&2
        exit 1
    fi
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    echo "$((t + 10)),$(( (t + 10) * 1000 / 3600 )),$rss" >> "$out"
done
python3 - "$out" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
rss = [int(r["rss_kb"]) for r in rows]
warm = rss[len(rss) // 5:]
base = sorted(warm[: max(1, len(warm) // 10)])[len(warm[: max(1, len(warm) // 10)]) // 2]
end = sorted(warm[-max(1, len(warm) // 10):])[len(warm[-max(1, len(warm) // 10):]) // 2]
growth = (end - base) / base * 100
print(f"wall soak: {len(rss)} samples, RSS after warm-up {base} kB -> {end} kB, growth {growth:.2f} % (bar 1 %)")
sys.exit(0 if growth <= 1.0 else 1)
PY
