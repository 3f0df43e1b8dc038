#!/usr/bin/env bash
# tools/check.sh: what `make check` runs. The learner's checklist across labs.
#
# Runs each lab's Check suite against labs/ (every step in its own process, so
# a crash or a hang is reported for that step and the run goes on) and prints
# the steps lab by lab in lecture order:
#     lab03.2  embedding lookup ........................... OK (0.02s)
#     lab03.3  hidden layer ............................... FAIL
#              h[0][3]: got 0.52, expected 0.18 (tol 1e-05); ...
# then `Score: N/M` and a `next:` block: the first unfinished step, its
# file:line and TODO text, the handout section to read, how to get a hint, how
# to rerun that step, and (after a crash or a hang) how to find the line: the
# sanitizer build of that step, and the debugger.
# A lab that does not compile (make wrote build/check/labNN.compile.failed)
# shows as such with the compiler's first error, and the other labs still run;
# a lab's compiler warnings (build/check/labNN.compile) show under its title.
# A suite that did not finish (killed, or CK_FORK=no and a crash or an exit)
# is never scored as the whole lab: its missing steps count as not passed.
# Exits 0 when every step passes, 1 while anything fails, 2 on a bad LAB/STEP.
#
# Machine-readable results for instructors, one set per lab: build/check/labNN.tap
# (TAP 13) and build/check/labNN.tsv (id, status, seconds, title, message);
# a run narrowed with STEP writes labNN-step.tap/.tsv instead, so labNN.tsv is
# always a whole lab (make status and make plots read it).
# Environment: B (build folder, from make), LAB=03 and STEP=2 to narrow the run,
# NO_COLOR=1 for plain text on a terminal.
# Not here: building (make does that first); the per-step lines (tests/harness.c).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
. tools/learner_lib.sh
B=${B:-build/bin}
LAB=${LAB:-}
STEP=${STEP:-}
out=build/check
mkdir -p "$out"
learner_colors

all=$(all_labs | tr '\n' ' ')
labs=()
if [ -n "$LAB" ]; then
  if ! NN=$(norm_lab "$LAB") || ! DIR=$(lab_dir "$NN"); then
    echo "make check: there is no lab '$LAB'. e.g. make check LAB=01   (the labs: ${all% })" >&2
    exit 2
  fi
  labs=("$DIR")
else
  for d in $all; do labs+=("$d"); done
fi
if [ ${#labs[@]} -eq 0 ]; then
  echo "make check: no labs yet (solutions/NN_name/ is empty)." >&2
  exit 2
fi
step_arg=()
if [ -n "$STEP" ]; then
  if [ -z "$LAB" ]; then
    echo "make check: STEP=$STEP needs a lab too, e.g. make check LAB=01 STEP=$STEP" >&2
    exit 2
  fi
  if ! S=$(norm_step "$STEP"); then
    echo "make check: STEP=$STEP is not a step number, e.g. make check LAB=$NN STEP=2" >&2
    exit 2
  fi
  step_arg=(--step "lab$NN.$S")
  t="$B/labs/$DIR/lab${NN}_test"
  if [ -x "$t" ] && ! "$t" --list | cut -f1 | grep -qx -F "lab$NN.$S"; then
    echo "make check: lab $NN has no step $S. Its steps: $("$t" --list | cut -f1 | sed 's/^lab[0-9]*\.//' | tr '\n' ' ' | sed 's/ $//')" >&2
    exit 2
  fi
fi

total=0; passed=0; broken=0
# The core first, one line when it passes: it is the kit's engine, not the learner's work.
if [ -z "$LAB" ]; then
  core_ok=0; core_n=0; core_bad=()
  for t in "$B"/tests/core_*_test; do
    [ -x "$t" ] || continue
    name=$(basename "$t" _test)
    if ! "$t" --results "$out/$name.tsv" --tap "$out/$name.tap" > "$out/$name.log" 2>&1; then core_bad+=("$name"); fi
    [ -f "$out/$name.tsv" ] || continue
    core_ok=$((core_ok + $(grep -c $'\tOK\t' "$out/$name.tsv")))
    core_n=$((core_n + $(wc -l < "$out/$name.tsv")))
  done
  if [ ${#core_bad[@]} -eq 0 ]; then
    [ $core_n -gt 0 ] && echo "core (the kit's engine: autograd, generator, data): ${green}$core_ok/$core_n OK${off}"
  else
    broken=1
    echo "${red}core: ${core_bad[*]} failed${off}: the kit itself, not your code. Please report it, with this output:"
    for name in "${core_bad[@]}"; do sed -e 's/^/  /' "$out/$name.log"; done
  fi
fi

first_id=; first_title=; first_dir=; first_status=; first_msg=
crash_id=; crash_dir=; crash_status=
# note_step ID STATUS TITLE MSG DIR: remember the first unfinished step and the first crash or hang.
note_step() {
  if [ -z "$first_id" ]; then first_id=$1; first_status=$2; first_title=$3; first_msg=$4; first_dir=$5; fi
  if [ -z "$crash_id" ] && { [ "$2" = CRASH ] || [ "$2" = TIMEOUT ]; }; then crash_id=$1; crash_dir=$5; crash_status=$2; fi
}
# compiler_says LOG: the compiler's first error (with the source lines it quotes), indented.
compiler_says() {
  awk 'f && (/^[^ ]+:[0-9]+:[0-9]+: / || /^make/ || /^collect2/) { exit }
       f { if (++n <= 3) print; next }
       /error|undefined reference/ { f = 1; print }' "$1" | sed -e 's/^/           /'
}
for d in "${labs[@]}"; do
  n=${d%%_*}
  t="$B/labs/$d/lab${n}_test"
  title=$(head -n 1 "labs/$d/README.md" 2>/dev/null | sed -e 's/^#*[[:space:]]*//' -e 's/^[Ll]ab [0-9][0-9]*:[[:space:]]*//')
  echo
  echo "${bold}lab $n: ${title:-$d}${off}   (labs/$d/)"
  if ! ls "labs/$d"/*.c > /dev/null 2>&1; then echo "  (labs/$d/ has no code yet)"; continue; fi
  log=$out/lab$n.compile
  if [ -f "$log.failed" ]; then
    echo "  ${red}does not compile${off}: the compiler's first error (all of it: make lab$n)"
    compiler_says "$log"
    broken=1
    [ -z "$first_id" ] && { first_id=lab$n.compile; first_dir=$d; first_status=COMPILE; }
    continue
  fi
  if [ -s "$log" ]; then
    if grep -q 'warning:' "$log"; then echo "  ${yellow}compiler warnings${off} (fix them: they are often the bug):"
    else echo "  compiler output:"; fi
    head -n 15 "$log" | sed -e 's/^/    /'
    [ "$(wc -l < "$log")" -gt 15 ] && echo "    ... (all of them: $log)"
  fi
  if [ ! -x "$t" ]; then
    if [ -f "tests/lab${n}_test.c" ]; then
      echo "  ${red}the test suite of lab $n was not built${off} ($t is missing). HINT: make check LAB=$n builds it; if it persists, report it."
      broken=1
    else
      echo "  (lab $n has no test suite yet)"
    fi
    continue
  fi
  if [ ${#step_arg[@]} -gt 0 ]; then base="$out/lab$n-step"; else base="$out/lab$n"; fi
  rm -f "$base.tsv" "$base.tap"
  # The steps the run must report, in order: a suite that stops early is caught by the count.
  mapfile -t want < <("$t" --list 2>/dev/null | cut -f1)
  if [ ${#step_arg[@]} -gt 0 ]; then want=("lab$NN.$S"); fi
  # The results go to .part files, renamed below only when the run reported
  # every step: labNN.tsv is always a whole run (make status and next reuse it).
  "$t" --src "labs/$d" --tap "$base.tap.part" --results "$base.tsv.part" --no-summary "${step_arg[@]}"
  rc=$?
  if [ $rc -eq 2 ] || [ ${#want[@]} -eq 0 ]; then
    rm -f "$base.tsv.part" "$base.tap.part"
    echo "  ${red}the test suite of lab $n did not run (exit $rc)${off}. HINT: make clean && make check LAB=$n; if it persists, report it."
    broken=1
    continue
  fi
  rows=0
  if [ -f "$base.tsv.part" ]; then
    while IFS=$'\t' read -r id status _secs stitle msg; do
      rows=$((rows + 1)); total=$((total + 1))
      if [ "$status" = OK ]; then passed=$((passed + 1)); continue; fi
      note_step "$id" "$status" "$stitle" "$msg" "$d"
    done < "$base.tsv.part"
  fi
  if [ $rc -le 1 ] && [ $rows -eq ${#want[@]} ]; then
    mv -f "$base.tsv.part" "$base.tsv"; mv -f "$base.tap.part" "$base.tap"
  else
    rm -f "$base.tsv.part" "$base.tap.part"
  fi
  if [ $rc -gt 1 ] || [ $rows -ne ${#want[@]} ]; then
    # Not a normal end: killed, or a crash or exit(...) under CK_FORK=no. The
    # steps it did not report are not passed; the one it was in is the crash.
    if [ $rc -gt 128 ]; then how="killed by signal $((rc - 128))$( s=$(kill -l $((rc - 128)) 2>/dev/null) && echo " (SIG$s)")"; else how="exit $rc"; fi
    stopped=${want[$rows]:-}
    if [ -n "$stopped" ]; then
      echo "  ${red}the test suite of lab $n did not finish${off} ($how) in step $stopped: ${#want[@]} steps, $rows reported; the rest count as not passed."
      note_step "$stopped" CRASH "(the suite stopped here)" "the test suite stopped in this step ($how)" "$d"
    else
      echo "  ${red}the test suite of lab $n did not finish normally${off} ($how) after all its steps."
    fi
    total=$((total + ${#want[@]} - rows))
    broken=1
  fi
done
echo
if [ $total -gt 0 ] && [ $passed -eq $total ]; then c=$green; else c=$red; fi
[ $total -eq 0 ] && c=
[ $total -gt 0 ] && echo "${bold}Score: ${c}$passed/$total${off}"

if [ "$first_status" = COMPILE ]; then
  lab=${first_id#lab}; lab=${lab%%.*}
  echo "${bold}next:${off} lab $lab does not compile: fix the error above (make lab$lab shows all of the compiler's output), then make check LAB=$lab"
  exit 1
fi
if [ -n "$first_id" ]; then
  lab=${first_id#lab}; lab=${lab%%.*}; step=${first_id##*.}
  if find_todo "labs/$first_dir" "$first_id"; then
    echo "${bold}next:${off} $first_id  $first_title  at $TODO_FILE:$TODO_LINE"
    wrap_text "      " "TODO($first_id): $TODO_TEXT"
  elif find_step_line "labs/$first_dir" "$first_id"; then
    echo "${bold}next:${off} $first_id  $first_title  at $TODO_FILE:$TODO_LINE"
    wrap_text "      " "$first_status: $first_msg"
  else
    echo "${bold}next:${off} $first_id  $first_title"
    wrap_text "      " "$first_status: $first_msg"
  fi
  if find_section "labs/$first_dir/README.md" "$first_id"; then
    echo "      read:   labs/$first_dir/README.md:$SEC_LINE  ($SEC_TITLE)"
  fi
  echo "      stuck?  make hint LAB=$lab STEP=$step"
  echo "      rerun:  make check LAB=$lab STEP=$step"
  if [ -n "$crash_id" ]; then
    cl=${crash_id#lab}; cl=${cl%%.*}; cs=${crash_id##*.}
    if [ "$crash_status" = TIMEOUT ]; then
      echo "${yellow}$crash_id did not finish in time.${off} See where it loops: run it in one process (no fork, no timeout) under gdb,"
      echo "      CK_FORK=no gdb -ex run --args $B/labs/$crash_dir/lab${cl}_test --step $crash_id"
      echo "      wait a few seconds, press Ctrl-C, then type bt (the line it is stuck at is near the top)"
    else
      echo "${yellow}$crash_id crashed.${off} Where it crashed is not always where memory went wrong (a write past an"
      echo "      array, even in an earlier function this step calls, breaks things later). The line that did it:"
      echo "      make SANITIZE=1 check LAB=$cl STEP=$cs      (AddressSanitizer names the file:line of the bad access)"
      echo "      or under the debugger: CK_FORK=no gdb -ex run --args $B/labs/$crash_dir/lab${cl}_test --step $crash_id"
      echo "      then type bt at the crash (make DEBUG=1 check builds it unoptimised)"
    fi
  fi
  exit 1
fi
[ $broken -eq 0 ] || exit 1
[ $total -eq 0 ] && { echo "No lab has a test suite yet."; exit 0; }
if [ -n "$STEP" ]; then
  echo "lab$NN.$S passes. The whole lab: make check LAB=$NN"
elif [ -n "$LAB" ]; then
  echo "Every step of lab $NN passes. Look at your figures: make lab$NN, then make plots."
else
  echo "Every step of every lab passes. Well done. Figures: make plots; the site: make docs."
fi
exit 0
