#!/usr/bin/env bash
# tools/memcheck.sh: what `make memcheck` runs. Every lab's solution binary
# under valgrind: one full short training per lab, then its other subcommands
# (sample, eval, ...) where they exist, e.g.
#   valgrind --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99 \
#     build/bin/solutions/03_mlp/lab03 train --steps 200 --quiet --out build/out/memcheck/lab03
# Passing means: every run exits 0, valgrind reports 0 errors, and no byte is
# leaked of any kind (definitely, indirectly, possibly lost, or still
# reachable at exit: the kit frees everything it allocates).
#
# What it is not: a sanitizer run (`make SANITIZE=1 test` is that) or a speed
# test. Valgrind runs the code ~30x slower, so the runs are short and use a
# smaller words file (every 8th name of data/names.txt, written to
# build/memcheck/); MEMCHECK_DATA=data/names.txt uses the full file.
#
# Needs the binaries `make` builds (build/bin/solutions/NN_name/labNN) and the
# Debian package valgrind. Environment: MEMCHECK_LABS="01 03" (some labs only),
# MEMCHECK_DATA (the words file), VALGRIND_ARGS (extra valgrind flags).
# Logs: build/memcheck/<lab>-<n>.log, one per run. Exit: 0 clean, 1 not clean,
# 2 valgrind or a binary missing.
set -uo pipefail
cd "$(dirname "$0")/.."

B=${B:-build/bin}
OUT=build/memcheck
RUNS=build/out/memcheck

if ! command -v valgrind >/dev/null 2>&1; then
  echo "memcheck.sh: valgrind not found. HINT: sudo apt-get install -y valgrind" >&2
  exit 2
fi
case "$B" in *san*)
  echo "memcheck.sh: B=$B holds AddressSanitizer binaries, which do not run under valgrind. HINT: make memcheck without SANITIZE=1" >&2
  exit 2 ;;
esac
mkdir -p "$OUT" "$RUNS"
rm -f "$OUT"/*.log

# A small words file: the same alphabet and code paths, a fraction of the time.
DATA=${MEMCHECK_DATA:-}
if [ -z "$DATA" ]; then
  DATA=$OUT/names_every8th.txt
  [ -f data/names.txt ] || { echo "memcheck.sh: data/names.txt is missing. HINT: it is committed; git checkout data/names.txt" >&2; exit 2; }
  awk 'NR % 8 == 1' data/names.txt > "$DATA"
fi

# ---- the runs: "lab|arguments", in order (a sample/eval needs its train's checkpoint) ----
# Each lab's --out is its own directory under build/out/memcheck/.
runs=(
  "00|train --quiet"
  "00|train --steps 50 --json --quiet"
  "01|train --quiet"
  "01|sample -n 5"
  "01|eval"
  "01|eval --word emma"
  "02|train --steps 20 --quiet"
  "02|sample -n 5"
  "03|train --steps 200 --quiet"
  "03|sample -n 5"
  "03|eval"
  "03|lrsearch --steps 100 --quiet"
  "04|train --stage kaiming --steps 200 --quiet"
  "04|stages --steps 50 --quiet"
  "04|demo --quiet"
  "05|train --steps 200 --quiet"
  "05|deep --steps 20 --quiet"
  "06|grads --quiet"
  "06|train --steps 50 --quiet"
)
want_labs=${MEMCHECK_LABS:-"00 01 02 03 04 05 06"}

bin_of() { # NN -> path of the solution binary, or nothing
  local d
  for d in solutions/"$1"_*/; do
    [ -d "$d" ] || continue
    d=${d%/}
    echo "$B/$d/lab$1"
    return
  done
}

status=0
passed=0
failed=0
printf '%-4s %-42s %5s %7s %12s %12s  %s\n' lab command exit errors "lost(bytes)" "reachable" verdict
i=0
for r in "${runs[@]}"; do
  nn=${r%%|*}
  args=${r#*|}
  case " $want_labs " in *" $nn "*) ;; *) continue ;; esac
  i=$((i + 1))
  bin=$(bin_of "$nn")
  if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    printf '%-4s %-42s %5s %7s %12s %12s  %s\n' "$nn" "$args" - - - - "MISSING binary ${bin:-solutions/${nn}_*} (run make)"
    failed=$((failed + 1))
    status=1
    continue
  fi
  log=$OUT/lab$nn-$i.log
  data_arg=(--data "$DATA")
  [ "$nn" = 00 ] && data_arg=()   # lab 00 reads no words file (it refuses --data)
  # shellcheck disable=SC2086 # args is a list of words on purpose
  valgrind --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
    --error-exitcode=99 --num-callers=30 --log-file="$log" ${VALGRIND_ARGS:-} \
    "$bin" $args "${data_arg[@]}" --out "$RUNS/lab$nn" > "$log.stdout" 2> "$log.stderr"
  rc=$?
  errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tail -1 | tr -d ,)
  lost=$(awk '/definitely lost:|indirectly lost:|possibly lost:/ { gsub(",", "", $4); s += $4 } END { print s + 0 }' "$log")
  reach=$(awk '/still reachable:/ { gsub(",", "", $4); s += $4 } END { print s + 0 }' "$log")
  if grep -q "All heap blocks were freed -- no leaks are possible" "$log"; then lost=0; reach=0; fi
  if [ "$rc" = 0 ] && [ "${errors:-1}" = 0 ] && [ "$lost" = 0 ] && [ "$reach" = 0 ]; then
    verdict=OK
    passed=$((passed + 1))
  else
    verdict="FAIL (log $log)"
    failed=$((failed + 1))
    status=1
  fi
  printf '%-4s %-42s %5s %7s %12s %12s  %s\n' "$nn" "$args" "$rc" "${errors:-?}" "$lost" "$reach" "$verdict"
  if [ "$verdict" != OK ]; then
    [ "$rc" != 0 ] && [ "$rc" != 99 ] && sed 's/^/        stderr: /' "$log.stderr" | head -3
    grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|[0-9,]+ bytes in)' "$log" | head -4 | sed 's/^/        /'
  fi
done
echo
echo "memcheck: $passed passed, $failed failed (valgrind $(valgrind --version | sed 's/valgrind-//'), data $DATA, logs in $OUT/)"
[ $status -eq 0 ] && echo "memcheck: zero errors, zero leaks." || echo "memcheck: FAILED. HINT: read the log named above; valgrind prints the stack of each error and leak"
exit $status
