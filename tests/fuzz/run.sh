#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`, clang + ASan/UBSan) and runs each for SECONDS (default 60) from a seed
# corpus made of real log lines (../shared/bench/loghub2k when present) and the hostile cases the tests use. Prints
# each target's executions and execs/s; exits non-zero on the first crash (the reproducer is left in build/fuzz/).
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
out=build/fuzz
mkdir -p "$out/seeds"
if [ -d ../shared/bench/loghub2k ]; then
    for f in ../shared/bench/loghub2k/*/*_2k.log; do
        name=$(basename "$f" .log)
        head -c 4096 "$f" > "$out/seeds/$name-head"
        sed -n "1000,1040p" "$f" > "$out/seeds/$name-mid"
    done
fi
printf '2025-03-03 10:11:12 ERROR [main] c.e.Job - failed\njava.lang.X: y\n\tat a.b(C.java:1)\n' > "$out/seeds/trace"
printf '20250303-10:11:12:1|A|1|x\n20250303-10:11:12:2|B|2|y z\n' > "$out/seeds/pipes"
printf '<Date> <Time> <Level> <Component>: <Content>\n1 2 3 4: 5\n' > "$out/seeds/pattern"
for target in fuzz_log_format fuzz_template_miner; do
    corpus="$out/corpus-$target"
    mkdir -p "$corpus"
    log="$out/$target.log"
    "$out/bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$out/$target-" "$corpus" "$out/seeds" >"$log" 2>&1 || { tail -40 "$log"; exit 1; }
    runs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    rate=$(grep -m1 'stat::average_exec_per_sec' "$log" | awk '{print $2}')
    echo "$target: ${runs} executions, ${rate} execs/s, 0 crashes (${seconds} s)"
done
