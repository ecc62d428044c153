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
# Ports from the pid keep two runs (two engineers) apart; a port some other socket holds (an outgoing
# connection's local port in the ephemeral range) makes the server exit, and then another is tried.
real_port=$((20000 + ($$ % 10000) * 2))
real_pid=''; ours_pid=''
trap 'kill $real_pid $ours_pid 2>/dev/null; wait $real_pid $ours_pid 2>/dev/null' EXIT

# Starts "$@" (a server listening on $port) and waits for its PING; fails when the process exits first.
serve() {
  local log=$1; shift
  started=''
  redis-cli -p "$port" ping >/dev/null 2>&1 && return 1 # someone else's server
  "$@" >"$log" 2>&1 &
  started=$!
  for _ in $(seq 1 300); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    kill -0 "$started" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

for try in 1 2 3 4 5; do
  port=$real_port
  serve "$out/real-server.log" redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --enable-debug-command yes --dir "$dir/real" --daemonize no && { real_pid=$started; break; }
  [ -n "$started" ] && kill "$started" 2>/dev/null
  real_port=$((20000 + (RANDOM % 10000) * 2))
done
ours_port=$((real_port + 1))
for try in 1 2 3 4 5; do
  port=$ours_port
  serve "$out/ours-server.log" node "$repo/bin/run-ts.mjs" "$repo/engines/redis/standalone.ts" --port "$port" \
    && { ours_pid=$started; break; }
  [ -n "$started" ] && kill "$started" 2>/dev/null
  ours_port=$((20001 + (RANDOM % 10000) * 2))
done

cd "$dir"
timeout "$limit" tclsh "$repo/tools/redis-tcl/test_helper.tcl" --host 127.0.0.1 --port "$real_port" --single "$unit" --server-log "$out/real-server.log" "$@" >"$out/real.txt" 2>&1
timeout "$limit" tclsh "$repo/tools/redis-tcl/test_helper.tcl" --host 127.0.0.1 --port "$ours_port" --single "$unit" --server-log "$out/ours-server.log" "$@" >"$out/ours.txt" 2>&1

echo "$unit real:  $(grep -a SUMMARY "$out/real.txt" || echo "no summary (timeout or crash): $(tail -1 "$out/real.txt")")"
echo "$unit ours:  $(grep -a SUMMARY "$out/ours.txt" || echo "no summary (timeout or crash): $(tail -1 "$out/ours.txt")")"
grep -a '^\[err\]' "$out/real.txt" | sort >"$out/real.err"
grep -a '^\[err\]' "$out/ours.txt" | sort >"$out/ours.err"
echo "failing on ours only:"
comm -13 "$out/real.err" "$out/ours.err"
echo "failing on redis-server only:"
comm -23 "$out/real.err" "$out/ours.err"
