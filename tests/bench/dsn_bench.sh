#!/usr/bin/env bash
# dsn_bench.sh: postern-dsn alone (on a bounce), as tests/bench/headers_bench.sh measures
# it: tests/bench/dsn_bench.sh [BUILD_DIR] [MESSAGES] [SESSIONS]
exec "$(dirname "$0")/headers_bench.sh" "${1:-$(dirname "$0")/../../build}" "${2:-2000}" "${3:-8}" dsn
