# Sourced by the bench scripts: the release build, waiting for a server, one wrk
# measurement, ratios. Uses DURATION and CONNS from the sourcing script.

# Configures build/ as every benchmark runs it and builds `targets`.
build_release() {  # target...
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DASIOHTTP_BUILD_BENCH=ON >/dev/null
  cmake --build build --target "$@" >/dev/null
}

wait_port() {  # port [seconds, default 10]
  for _ in $(seq $((${2:-10} * 10))); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "no server on port $1" >&2
  return 1
}

# wrk on core 1 after a 2-second warm-up; prints "requests/s p99".
wrk_run() {  # url [wrk options...]
  taskset -c 1 wrk -t1 -c"$CONNS" -d2s "$@" >/dev/null
  taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$@" |
    awk '/Requests\/sec/ {r = $2} $1 == "99%" {p = $2} END {print r, p}'
}

ratio() {  # a b -> "a/b x"
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'
}
