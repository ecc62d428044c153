#!/bin/sh
# Runs memcached 1.6.18's own test files (t/*.t, Perl) against the real memcached binary or our engine.
#   tools/memcached-t/run.sh real|ours [t/file.t ...]      (no files: every file in tools/memcached-t/files)
# Work tree: $MEMCACHED_T (default /tmp/memcached-t). Upstream sources are fetched there, never into the repo.
set -eu
target=${1:?usage: run.sh real|ours [t/file.t ...]}
shift
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${MEMCACHED_T:-/tmp/memcached-t}
src=$work/memcached-1.6.18
per_file_timeout=${MEMCACHED_T_TIMEOUT:-300}

# Debian 12's source package is exactly the memcached the differential tests compare against.
if [ ! -d "$src/t" ]; then
  mkdir -p "$work/apt/lists/partial"
  echo 'deb-src http://deb.debian.org/debian bookworm main' >"$work/apt/sources.list"
  apt_opts="-o Dir::Etc::SourceList=$work/apt/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$work/apt/lists -o Debug::NoLocking=1"
  # shellcheck disable=SC2086
  apt-get -qq $apt_opts update
  # --only-source: without it apt resolves the name through the installed binary package, whose
  # version (a later Debian security update, 1.6.18-1+deb12u1) is not in this index.
  # shellcheck disable=SC2086
  (cd "$work" && apt-get -qq $apt_opts --only-source source --download-only memcached=1.6.18-1)
  tar -C "$work" -xf "$work/memcached_1.6.18.orig.tar.xz"
fi

# MemcachedTest.pm runs "$cwd/timedrun 600 $cwd/memcached-debug <args>" from the build directory.
dir=$work/$target
mkdir -p "$dir"
ln -sfn "$src/t" "$dir/t"
printf '#!/bin/sh\nshift\nexec "$@"\n' >"$dir/timedrun"
case $target in
  real)
    # Both servers advertise the same features in -h, so every file takes the same paths (TCP, UDP and TLS;
    # no SASL, unix sockets, extstore or proxy).
    cat >"$dir/memcached-debug" <<'SH'
#!/bin/sh
if [ "$*" = "-h" ]; then /usr/bin/memcached -h | grep -viE 'sasl|unix-socket|unix-mask|ext_|proxy'; exit 0; fi
# The suite adds -o relaxed_privileges, known only to debug builds; Debian ships a release build.
for arg; do
  shift
  if [ "$arg" = "-o" ] && [ "${1:-}" = relaxed_privileges ]; then skip=1; continue; fi
  if [ "${skip:-}" = 1 ]; then skip=; continue; fi
  set -- "$@" "$arg"
done
exec /usr/bin/memcached "$@"
SH
    ;;
  ours)
    "$repo/node_modules/esbuild/bin/esbuild" "$repo/tools/memcached-t/adapter.ts" --bundle --platform=node \
      --format=esm --log-level=warning --outfile="$dir/adapter.mjs"
    # The suite reads -h three times per server it starts; kept in a file, it costs no node start-up.
    node "$dir/adapter.mjs" -h >"$dir/help.txt"
    cat >"$dir/memcached-debug" <<SH
#!/bin/sh
if [ "\$*" = "-h" ]; then cat $dir/help.txt; exit 0; fi
exec node $dir/adapter.mjs "\$@"
SH
    ;;
  *)
    echo "target must be real or ours" >&2
    exit 2
    ;;
esac
chmod +x "$dir/timedrun" "$dir/memcached-debug"

[ $# -gt 0 ] || set -- $(grep -v '^#' "$repo/tools/memcached-t/files")
mkdir -p "$dir/logs"
for file in "$@"; do
  name=$(basename "$file" .t)
  log=$dir/logs/$name.log
  start=$(date +%s)
  status=0
  # The ssl_* files test nothing without SSL_TEST; SSL_TEST=1 in the environment runs every file over TLS.
  ssl=${SSL_TEST:-}
  case $name in ssl_*) ssl=1 ;; esac
  (cd "$dir" && SSL_TEST=$ssl timeout "$per_file_timeout" perl "t/$name.t") >"$log" 2>&1 || status=$?
  planned=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$log" | head -1)
  ok=$(grep -c '^ok ' "$log" || true)
  failed=$(grep -c '^not ok ' "$log" || true)
  printf '%-28s %-5s planned=%-5s ok=%-5s not_ok=%-4s exit=%-3s %ss\n' "$name" "$target" "${planned:-?}" "$ok" "$failed" \
    "$status" "$(($(date +%s) - start))"
done
