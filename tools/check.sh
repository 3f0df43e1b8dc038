#!/usr/bin/env bash
# tools/check.sh: what `make check` runs. The learner's checklist across labs.
#
# Runs each lab's Check suite against labs/ (every step in its own process, so
# a crash or a hang is reported for that step and the run goes on), prints the
# steps lab by lab in lecture order, the total score, and a next: line naming
# the first unfinished step, its file:line and its TODO. Exits non-zero while
# anything fails. Machine-readable results for instructors: build/check/labNN.tap
# (TAP) and build/check/labNN.tsv.
# Environment: B (build folder, from make), LAB=03 and STEP=2 to narrow the run.
# Not here: building (make does that first).
set -uo pipefail
cd "$(dirname "$0")/.."
B=${B:-build/bin}
LAB=${LAB:-}
STEP=${STEP:-}
out=build/check
mkdir -p "$out"

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m'; green=$'\033[32m'; red=$'\033[31m'; off=$'\033[0m'
else bold=; green=; red=; off=; fi

labs=()
for d in solutions/[0-9][0-9]_*/; do
  d=$(basename "$d"); n=${d%%_*}
  if [ -n "$LAB" ] && [ "$n" != "$(printf %02d "$((10#$LAB))" 2>/dev/null)" ]; then continue; fi
  labs+=("$d")
done
if [ ${#labs[@]} -eq 0 ]; then
  echo "make check: there is no lab $LAB. HINT: the labs are: $(cd solutions && ls -d [0-9][0-9]_* | tr '\n' ' ')" >&2
  exit 2
fi
if [ -n "$STEP" ] && [ -z "$LAB" ]; then
  echo "make check: STEP=$STEP needs a lab too, e.g. make check LAB=03 STEP=$STEP" >&2
  exit 2
fi

total=0; passed=0; failed_core=0
# The core first, in one line when it passes: it is the kit's engine, not the learner's work.
if [ -z "$LAB" ]; then
  core_ok=0; core_n=0
  for t in "$B"/tests/core_*_test; do
    [ -x "$t" ] || continue
    name=$(basename "$t" _test)
    if ! "$t" --results "$out/$name.tsv" > "$out/$name.log" 2>&1; then
      failed_core=1
      echo "${red}core: $name failed${off} (the kit itself, not your code: please report it)"; cat "$out/$name.log"
    fi
    core_ok=$((core_ok + $(grep -c $'\tOK\t' "$out/$name.tsv" || true)))
    core_n=$((core_n + $(wc -l < "$out/$name.tsv")))
  done
  [ $failed_core -eq 0 ] && echo "core (the kit's autograd, generator, data, tools): ${green}$core_ok/$core_n OK${off}"
fi

first_id=; first_title=; first_lab=; first_msg=
for d in "${labs[@]}"; do
  n=${d%%_*}
  t="$B/labs/$d/lab${n}_test"
  title=$(head -n 1 "labs/$d/README.md" 2>/dev/null | sed -e 's/^# *//')
  echo
  echo "${bold}lab $n: ${title:-$d}${off}   (labs/$d/)"
  if [ ! -x "$t" ]; then echo "  (no test suite for lab $n yet)"; continue; fi
  "$t" --src "labs/$d" --tap "$out/lab$n.tap" --results "$out/lab$n.tsv" --no-summary ${STEP:+--step "$STEP"}
  while IFS=$'\t' read -r id status secs stitle msg; do
    total=$((total + 1))
    if [ "$status" = OK ]; then passed=$((passed + 1))
    elif [ -z "$first_id" ]; then first_id=$id; first_title=$stitle; first_lab=$d; first_msg=$msg; fi
  done < "$out/lab$n.tsv"
done

echo
echo "${bold}Score: $passed/$total${off}"
if [ -n "$first_id" ]; then
  where=$(grep -n -F "TODO($first_id)" "labs/$first_lab"/*.c "labs/$first_lab"/*.h 2>/dev/null | head -n 1)
  if [ -n "$where" ]; then
    file=${where%%:*}; rest=${where#*:}; line=${rest%%:*}
    todo=$(awk -v l="$line" 'NR >= l { s = $0; sub(/^[ \t]*\/\/ ?/, "", s); if (NR > l && $0 !~ /^[ \t]*\/\//) exit; printf "%s%s", (NR > l ? " " : ""), s }' "$file")
    echo "next: $first_id $first_title: $file:$line"
    echo "      $todo"
  else
    echo "next: $first_id $first_title: $first_msg"
  fi
  step=${first_id##*.}; lab=${first_id#lab}; lab=${lab%%.*}
  echo "      read: labs/$first_lab/README.md (step $first_id); stuck? make hint LAB=$lab STEP=$step"
  echo "      rerun just this step: make check LAB=$lab STEP=$step"
  if grep -qE $'\t(CRASH|TIMEOUT)\t' "$out"/lab*.tsv 2>/dev/null; then
    echo "      a crash or hang: debug it in one process: CK_FORK=no gdb --args $B/labs/$first_lab/lab${lab}_test --step $step"
  fi
  exit 1
fi
[ $failed_core -eq 0 ] || exit 1
if [ -n "$LAB" ]; then echo "All steps pass. Look at your figures: make plots. Then the next lab."; else echo "Every step of every lab passes. Well done."; fi
exit 0
