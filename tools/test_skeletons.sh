#!/usr/bin/env bash
# tools/test_skeletons.sh LAB_DIR...: part of `make test`. Proves the exercises are real:
# every skeleton in labs/ compiles warning-free with -Werror (checked here: the
# learner's build itself shows warnings without failing on them), its own test suite
# fails every step cleanly (each step TODO or FAIL: none passes on a stub, none
# crashes or hangs), and running the skeleton's binary stops at a TODO with exit 3.
# Not here: the solutions (test-solutions) or the sync check (skeleton.sh --check).
set -uo pipefail
cd "$(dirname "$0")/.."
B=${B:-build/bin}
status=0
mkdir -p build/check
for d in "$@"; do
  n=${d%%_*}
  t="$B/labs/$d/lab${n}_test"
  bin="$B/labs/$d/lab$n"
  [ -x "$t" ] || { echo "test_skeletons: $t is missing (is labs/$d generated? make skeletons)"; status=1; continue; }
  # shellcheck disable=SC2086  # CFLAGS is a list of flags
  if ! werr=$(${CC:-cc} ${CFLAGS:--std=c11 -Wall -Wextra -Werror -Icommon} -Werror -fsyntax-only -Ilabs/$d labs/$d/*.c 2>&1); then
    echo "lab $n skeleton: does not compile warning-free with -Werror:"; printf '%s\n' "$werr" | head -n 10
    status=1; continue
  fi
  res=build/check/skeleton_lab$n.tsv
  "$t" --src "labs/$d" --results "$res" > build/check/skeleton_lab$n.log 2>&1
  rc=$?
  steps=$(wc -l < "$res"); bad=0
  while IFS=$'\t' read -r id st secs title msg; do
    case "$st" in
      TODO|FAIL) ;;
      OK) echo "lab $n skeleton: step $id passes on the stub: its test checks nothing the learner writes"; bad=1 ;;
      *) echo "lab $n skeleton: step $id ends in $st on the stub (must fail cleanly): $msg"; bad=1 ;;
    esac
  done < "$res"
  [ $rc -eq 1 ] || { echo "lab $n skeleton: its test suite exited $rc (expected 1: steps fail)"; bad=1; }
  out=$(timeout 120 "$bin" --quiet --out build/out/skeleton-lab$n 2>&1); brc=$?
  if [ $brc -ne 3 ] || ! grep -q "TODO(lab$n\.1)" <<<"$out"; then
    echo "lab $n skeleton: running $bin should stop at TODO(lab$n.1) with exit 3; it exited $brc and said: $(head -c 300 <<<"$out")"
    bad=1
  fi
  if [ $bad -eq 0 ]; then echo "lab $n skeleton: compiles, all $steps steps fail cleanly, the binary stops at TODO(lab$n.1)"; else status=1; fi
done
exit $status
