#!/usr/bin/env bash
# Runs one unit file against a fresh redis-server and a fresh node of ours, then shows which tests
# fail on ours only. Usage: tools/redis-tcl/run-both.sh unit/type/list [test_helper options...]
# Unit files are read from $REDIS_TCL_DIR/tests (default /tmp/redis-tcl); logs go to $REDIS_TCL_DIR/out.
set -u
unit=$1; shift
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=${REDIS_TCL_DIR:-/tmp/redis-tcl}
out=$dir/out/$(echo "$unit" | tr / _)
mkdir -p "$out" "$dir/real"
limit=${REDIS_TCL_TIMEOUT:-900}
# Ports from the pid keep two runs (two engineers) apart.
real_port=$((20000 + ($$ % 10000) * 2))
ours_port=$((real_port + 1))

redis-server --port "$real_port" --bind 127.0.0.1 --save '' --appendonly no --enable-debug-command yes \
  --dir "$dir/real" --daemonize no >"$out/real-server.log" 2>&1 &
real_pid=$!
node "$repo/bin/run-ts.mjs" "$repo/engines/redis/standalone.ts" --port "$ours_port" >"$out/ours-server.log" 2>&1 &
ours_pid=$!
trap 'kill $real_pid $ours_pid 2>/dev/null; wait $real_pid $ours_pid 2>/dev/null' EXIT

for port in $real_port $ours_port; do
  for _ in $(seq 1 300); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.2
  done
done

cd "$dir"
timeout "$limit" tclsh "$repo/tools/redis-tcl/test_helper.tcl" --host 127.0.0.1 --port "$real_port" --single "$unit" --server-log "$out/real-server.log" "$@" >"$out/real.txt" 2>&1
timeout "$limit" tclsh "$repo/tools/redis-tcl/test_helper.tcl" --host 127.0.0.1 --port "$ours_port" --single "$unit" --server-log "$out/ours-server.log" "$@" >"$out/ours.txt" 2>&1

echo "$unit real:  $(grep SUMMARY "$out/real.txt" || echo "no summary (timeout or crash): $(tail -1 "$out/real.txt")")"
echo "$unit ours:  $(grep SUMMARY "$out/ours.txt" || echo "no summary (timeout or crash): $(tail -1 "$out/ours.txt")")"
grep '^\[err\]' "$out/real.txt" | sort >"$out/real.err"
grep '^\[err\]' "$out/ours.txt" | sort >"$out/ours.err"
echo "failing on ours only:"
comm -13 "$out/real.err" "$out/ours.err"
echo "failing on redis-server only:"
comm -23 "$out/real.err" "$out/ours.err"
