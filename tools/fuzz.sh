#!/usr/bin/env bash
# tools/fuzz.sh: what `make fuzz` runs. Fuzzes the words-file loader and the
# checkpoint loader with libFuzzer for a bounded time each.
#
# What it does, per harness (tests/fuzz/fuzz_<name>.c):
#   1. builds it with clang -fsanitize=fuzzer,address,undefined into build/fuzz/;
#   2. replays every committed crash under tests/fuzz/regressions/<name>/ (they
#      must all pass now: a fixed crash stays fixed);
#   3. fuzzes for FUZZ_SECONDS (default 60) on a working copy of the committed
#      seed corpus (build/fuzz/corpus/<name>/: the committed seeds are never
#      touched; what the fuzzer learns stays there for the next run);
#   4. prints executions, executions per second, corpus size and the verdict.
# Exit status: 0 when nothing crashed, 1 when a harness crashed (the input is
# saved in build/fuzz/artifacts/<name>/; commit it under
# tests/fuzz/regressions/<name>/ once the bug is fixed), 2 when clang or its
# fuzzer runtime is missing (the message names the Debian package).
#
# What it is not: a test with a fixed verdict. Fuzzing is random; a green run
# says "nothing found in this much time", and the committed regressions are
# what `make test`-style gates replay deterministically (tests/robust_test.sh).
#
# Environment: FUZZ_SECONDS (per harness), FUZZ_ONLY="words" (one harness),
# CLANG (compiler, default clang), FUZZ_ARGS (extra libFuzzer flags, e.g.
# -jobs=4), FUZZ_LAX_MESSAGES=1 (the harnesses then accept non-printable bytes
# in a refusal message: to fuzz on past a known finding of that kind).
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${FUZZ_SECONDS:-60}
HARNESSES=${FUZZ_ONLY:-"words ckpt"}
CLANG=${CLANG:-clang}
OUT=build/fuzz
case "$SECONDS_EACH" in '' | *[!0-9]*)
  echo "fuzz.sh: FUZZ_SECONDS=$SECONDS_EACH: must be a whole number of seconds. HINT: make fuzz FUZZ_SECONDS=60" >&2
  exit 2 ;;
esac

# ---- the toolchain: clang, and libFuzzer's runtime (a separate Debian package) ----
if ! command -v "$CLANG" >/dev/null 2>&1; then
  echo "fuzz.sh: $CLANG not found. HINT: sudo apt-get install -y clang libclang-rt-dev (or libclang-rt-14-dev on Debian 12)" >&2
  exit 2
fi
if ! "$CLANG" --version 2>/dev/null | grep -qi clang; then
  echo "fuzz.sh: CLANG=$CLANG is not clang: libFuzzer needs clang. HINT: make fuzz CLANG=clang (sudo apt-get install -y clang libclang-rt-14-dev)" >&2
  exit 2
fi
ver=$("$CLANG" -dumpversion 2>/dev/null | cut -d. -f1)
mkdir -p "$OUT"
probe="$OUT/probe"
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' > "$probe.c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" 2> "$probe.err"; then
  echo "fuzz.sh: $CLANG cannot link a libFuzzer program: $(grep -m1 -iE 'error|cannot' "$probe.err"). HINT: sudo apt-get install -y libclang-rt-${ver:-14}-dev (libFuzzer and the sanitizer runtimes for clang ${ver:-14})" >&2
  exit 2
fi
rm -f "$probe" "$probe.c" "$probe.err"

# ---- build: the core sources the loaders need, then each harness ----
# The harnesses get the kit's warning flags; the core is compiled as it is
# (gcc's -Werror build in the Makefile is its gate, not clang's warnings here).
CORE="common/kit.c common/arena.c common/rng.c common/data.c common/output.c common/checkpoint.c"
FLAGS="-std=c11 -g -O1 -ffp-contract=off -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Icommon"
for h in $HARNESSES; do
  src=tests/fuzz/fuzz_$h.c
  [ -f "$src" ] || { echo "fuzz.sh: no harness $src. HINT: FUZZ_ONLY takes words and/or ckpt" >&2; exit 2; }
  echo "== build $OUT/fuzz_$h"
  if ! "$CLANG" $FLAGS -Wall -Wextra -Werror "$src" $CORE -lm -o "$OUT/fuzz_$h"; then
    echo "fuzz.sh: building $src failed (above). HINT: does the core compile with clang? try: make" >&2
    exit 2
  fi
done

# ---- run ----
# The harnesses write each input to a scratch file: a RAM disk makes that cheap.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
summary=()
for h in $HARNESSES; do
  bin=$OUT/fuzz_$h
  # Replay the committed regressions first: deterministic, one run each.
  regs=(tests/fuzz/regressions/$h/*)
  if [ -e "${regs[0]}" ]; then
    if "$bin" -runs=1 "${regs[@]}" > "$OUT/$h.regressions.log" 2>&1; then
      echo "== $h: ${#regs[@]} committed regression input(s) replayed: OK"
    else
      echo "== $h: a committed regression input crashes again (log: $OUT/$h.regressions.log):"
      grep -aE 'ERROR|broken promise|KIT_ERROR|runtime error|Running:' "$OUT/$h.regressions.log" | tail -5
      status=1
    fi
  fi

  work=$OUT/corpus/$h
  arts=$OUT/artifacts/$h
  mkdir -p "$work" "$arts"
  cp -n tests/fuzz/corpus/$h/* "$work/" 2>/dev/null
  dict=()
  [ -f tests/fuzz/$h.dict ] && dict=(-dict=tests/fuzz/$h.dict)
  maxlen=4096
  [ "$h" = ckpt ] && maxlen=1024
  echo "== fuzz $h for ${SECONDS_EACH}s (corpus $work, log $OUT/$h.log)"
  "$bin" -max_total_time="$SECONDS_EACH" -max_len=$maxlen -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$arts/" "${dict[@]}" ${FUZZ_ARGS:-} "$work" > "$OUT/$h.log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$h.log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$OUT/$h.log" | tail -1)
  units=$(ls "$work" | wc -l)
  cov=$(grep -a 'cov:' "$OUT/$h.log" | tail -1 | sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\).*/\1 edges, \2 features/p')
  if [ $rc -eq 0 ]; then
    verdict="no crash"
  else
    status=1
    crash=$(ls -t "$arts" 2>/dev/null | head -1)
    verdict="CRASH (exit $rc): $arts/$crash"
    echo "---- $h crashed; the end of $OUT/$h.log:"
    grep -aE 'broken promise|KIT_ERROR|runtime error|SUMMARY|ERROR: AddressSanitizer|ERROR: LeakSanitizer' "$OUT/$h.log" | head -8
    echo "---- replay it with: FUZZ_VERBOSE=1 $bin $arts/$crash"
  fi
  summary+=("$(printf '%-6s %5ss %12s execs %8s exec/s %6s corpus files  %-24s %s' "$h" "$SECONDS_EACH" "${execs:-?}" "${rate:-?}" "$units" "(${cov:-?})" "$verdict")")
done

echo
echo "fuzz summary (clang $ver, -fsanitize=fuzzer,address,undefined):"
for line in "${summary[@]}"; do echo "  $line"; done
if [ $status -eq 0 ]; then
  echo "fuzz: nothing crashed."
else
  echo "fuzz: FAILED. HINT: fix the bug, then commit the input under tests/fuzz/regressions/<harness>/ so tests/robust_test.sh replays it"
fi
exit $status
