#!/usr/bin/env bash
# attach_bench.sh: postern-attach alone, as tests/bench/headers_bench.sh measures
# it: tests/bench/attach_bench.sh [BUILD_DIR] [MESSAGES] [SESSIONS]
exec "$(dirname "$0")/headers_bench.sh" "${1:-$(dirname "$0")/../../build}" "${2:-2000}" "${3:-8}" attach
