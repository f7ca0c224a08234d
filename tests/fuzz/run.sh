#!/usr/bin/env bash
# run.sh BUILD_DIR SECONDS: build every tests/fuzz/fuzz_*.c as a libFuzzer
# target (clang, ASan, UBSan) and run each for SECONDS. Prints one line per
# target, "PASS: NAME" or "FAIL: NAME" followed by the build or crash output
# (indented); exits 1 if any target failed. See tests/fuzz/README.md.
#
# BUILD_DIR, a directory of its own, is configured with CC=clang the first
# time and whenever configure changes (for config.h and the library flags
# configure found); the targets, a copy of each seed corpus and any
# crashing input live under it, so the tree is never modified.
# FUZZ_JOBS (default: the number of CPUs) targets run at once.
set -u

usage() {
	echo "usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
}
[ $# -eq 2 ] || usage
[[ $2 =~ ^[1-9][0-9]*$ ]] || usage
seconds=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$1" || exit 1
build=$(cd "$1" && pwd)
jobs=${FUZZ_JOBS:-$(nproc)}
cc=${FUZZ_CC:-clang}

command -v "$cc" >/dev/null ||
	{ echo "run.sh: $cc not found: install clang and libclang-rt-14-dev" >&2; exit 1; }

shopt -s nullglob
targets=("$top"/tests/fuzz/fuzz_*.c)
if [ ${#targets[@]} -eq 0 ]; then
	echo "run.sh: no fuzz targets (tests/fuzz/fuzz_*.c)"
	exit 0
fi

# indent FILE: the file's last lines, indented so they never look like a
# PASS:/FAIL: line to a reader that greps for those.
indent() { tail -n "${2:-60}" "$1" | sed 's/^/    /'; }

[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh) || exit 1
if [ ! -f "$build/config.h" ] || [ "$top/configure" -nt "$build/config.status" ]; then
	if ! (cd "$build" && "$top/configure" -q CC="$cc" --disable-werror) >"$build/configure.out" 2>&1; then
		echo "FAIL: configure (in $build)"
		indent "$build/configure.out"
		exit 1
	fi
fi

# Compiler and linker flags from what configure substituted: every
# NAME_CFLAGS and NAME_LIBS of the libraries it checks, LIBS and DEFS.
makevars() { # REGEX: values of the plain (not make-expanded) variables
	awk -F' = ' -v re="$1" '$1 ~ re && $1 !~ /^(WARN|SAN|AM)_/ && $2 !~ /\$[({]/ { print $2 }' \
		"$build/Makefile" | tr '\n' ' '
}
read -ra lib_cflags <<<"$(makevars '^([A-Z0-9]+_CFLAGS|DEFS)$')"
read -ra lib_libs <<<"$(makevars '^([A-Z0-9]+_LIBS|LIBS)$')"
san=(-g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
cflags=("${san[@]}" -D_GNU_SOURCE -I"$build" -I"$top/common" -I"$top/tests/lib" "${lib_cflags[@]}")

out=$build/fuzz
rm -rf "$out/obj" "$out/run"
mkdir -p "$out/obj" "$out/bin" "$out/run" "$out/artifacts"

# libpostern for the fuzzers: every common/*.c but the unit tests.
sources=()
for src in "$top"/common/*.c; do
	[[ $src == *_test.c ]] || sources+=("$src")
done
compile_one() { # SRC: compile into $out/obj, output in OBJ.log
	local obj
	obj=$out/obj/$(basename "$1" .c).o
	"$cc" "${cflags[@]}" -fsanitize=fuzzer-no-link,address,undefined -c "$1" -o "$obj" \
		>"$obj.log" 2>&1
}
lib_ok=1
for src in "${sources[@]}"; do
	compile_one "$src" &
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
done
wait
for src in "${sources[@]}"; do
	obj=$out/obj/$(basename "$src" .c).o
	if [ ! -s "$obj" ]; then
		echo "FAIL: libpostern (common/$(basename "$src"))"
		indent "$obj.log"
		lib_ok=0
	fi
done
[ "$lib_ok" -eq 1 ] || exit 1
rm -f "$out/libpostern.a"
ar rcs "$out/libpostern.a" "$out"/obj/*.o || exit 1

# fuzz_one NAME: build and run one target; its verdict goes to NAME.result.
fuzz_one() {
	local name=$1 dir=$out/run/$1 bin=$out/bin/$1 rc=0
	local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$out/artifacts/$name-")
	mkdir -p "$dir/corpus"
	rm -f "$out/artifacts/$name-"*
	# A target outside common/ names its other sources in a comment line
	# "fuzz-extra-sources: relay/queue_*.c" (globs from the top of the tree).
	local extra=() pattern src
	for pattern in $(sed -n 's/.*fuzz-extra-sources: *//p' "$top/tests/fuzz/$name.c" | head -n1); do
		for src in "$top"/$pattern; do
			[[ $(basename "$src") == *test* ]] || extra+=("$src" -I"$(dirname "$src")")
		done
	done
	if ! "$cc" "${cflags[@]}" -DPOSTERN_LIBFUZZER -fsanitize=fuzzer,address,undefined \
		"$top/tests/fuzz/$name.c" "${extra[@]}" "$out/libpostern.a" "${lib_libs[@]}" -o "$bin" \
		>"$dir/build.log" 2>&1; then
		{ echo "FAIL: $name (build)"; indent "$dir/build.log"; } >"$dir/result"
		return
	fi
	[ -d "$top/tests/fuzz/corpus/$name" ] && cp -R "$top/tests/fuzz/corpus/$name/." "$dir/corpus/"
	[ -f "$top/tests/fuzz/$name.dict" ] && args+=(-dict="$top/tests/fuzz/$name.dict")
	# The outer timeout only guards against a target libFuzzer cannot stop.
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		timeout -k 10 $((seconds * 2 + 60)) "$bin" "${args[@]}" "$dir/corpus" \
		>"$dir/fuzz.log" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "PASS: $name ($(ls "$dir/corpus" | wc -l) corpus inputs)" >"$dir/result"
	else
		{
			echo "FAIL: $name (exit status $rc; crashing input, if any, in $out/artifacts/)"
			indent "$dir/fuzz.log"
		} >"$dir/result"
	fi
}

names=()
for target in "${targets[@]}"; do
	names+=("$(basename "$target" .c)")
done
for name in "${names[@]}"; do
	fuzz_one "$name" &
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
done
wait

status=0
for name in "${names[@]}"; do
	cat "$out/run/$name/result"
	grep -q '^PASS: ' "$out/run/$name/result" || status=1
done
exit $status
