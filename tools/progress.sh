#!/usr/bin/env bash
# tools/progress.sh: the learner's progress commands, as the Makefile calls them.
#
#   progress.sh status     a table of all labs (LAB=03: that one): steps done / total, and the next step
#   progress.sh next       only the next step (LAB=03: of that lab): its TODO text, file:line, the handout section to read
#   progress.sh hint       LAB=03 STEP=2: the next tier of hints for a step (a nudge first;
#                          asking again gives more; the tier reached is kept in build/hints/lab03.2);
#                          without STEP (and LAB), the hint for the next step
#   progress.sh reset      LAB=03: save labs/03_*/*.c *.h under build/backup/<time>/, compare
#                          each copy, then restore them from the skeleton (tools/skeleton.sh);
#                          when any copy fails, one line says why and labs/ is not touched
#   progress.sh solution   LAB=03: a gentle warning, then diff -u of your files against the solution
#
# Environment: B (build folder with the test binaries, from make), LAB, STEP, NO_COLOR.
# status and next reuse build/check/labNN.tsv when it is newer than the test
# binary and the lab's files (make check writes it), and otherwise run the lab's
# suite quietly to refresh it. Exit status: 0 done, 1 a command that could not
# do its job, 2 a missing or wrong LAB/STEP (a one-line error with an example).
# Not here: the checklist itself (check.sh), building (make), hints' content
# (labs/NN_name/HINTS.md: `## labNN.S` sections, tiers separated by `---` lines).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
. tools/learner_lib.sh
B=${B:-build/bin}
LAB=${LAB:-}
STEP=${STEP:-}
learner_colors
mkdir -p build/check 2> /dev/null   # the commands that need it say so themselves

# lab_results DIR: make sure build/check/labNN.tsv is fresh (run the suite quietly
# if not); print its path, or fail when the lab has no code, does not compile,
# or has no test suite (lab_state says which).
lab_results() {
  local d=$1 n=${1%%_*} t want rows
  t="$B/labs/$1/lab${n}_test"
  ls "labs/$d"/*.c > /dev/null 2>&1 || return 1
  [ -f "build/check/lab$n.compile.failed" ] && return 1
  [ -x "$t" ] || return 1
  want=$("$t" --list 2>/dev/null | wc -l)
  rows=$(wc -l 2>/dev/null < "build/check/lab$n.tsv")
  # Results of a whole run only: a suite that stopped early is not a lab's
  # results (make check says what happened).
  if ! results_fresh "$n" "$d" "$t" || [ "${rows:-0}" -ne "$want" ]; then
    "$t" --src "labs/$d" --results "build/check/lab$n.tsv.part" --tap "build/check/lab$n.tap.part" --no-summary > /dev/null 2>&1
    rows=$(wc -l 2>/dev/null < "build/check/lab$n.tsv.part")
    if [ "${rows:-0}" -ne "$want" ] || [ "$want" -eq 0 ]; then rm -f "build/check/lab$n.tsv.part" "build/check/lab$n.tap.part"; return 1; fi
    mv -f "build/check/lab$n.tsv.part" "build/check/lab$n.tsv"; mv -f "build/check/lab$n.tap.part" "build/check/lab$n.tap"
  fi
  echo "build/check/lab$n.tsv"
}

# lab_state DIR: why lab_results has nothing, in a few words.
lab_state() {
  local d=$1 n=${1%%_*}
  if ! ls "labs/$d"/*.c > /dev/null 2>&1; then echo "(labs/$d has no code yet)"
  elif [ -f "build/check/lab$n.compile.failed" ]; then echo "does not compile: make check LAB=$n shows why"
  elif [ -f "tests/lab${n}_test.c" ]; then echo "its suite did not run: make check LAB=$n shows why"
  else echo "(no test suite yet)"; fi
}

# the_labs CMD: set labs to LAB's folder when LAB is set (or print a one-line
# error and fail), else to every lab.
the_labs() {
  if [ -n "$LAB" ]; then need_lab "$1" || return 2; labs=$DIR; else labs=$(all_labs); fi
}

lab_title() { head -n 1 "labs/$1/README.md" 2>/dev/null | sed -e 's/^#*[[:space:]]*//'; }

# ---- status -------------------------------------------------------------------
cmd_status() {
  local d n tsv done_n tot title id st what all_done=0 all_tot=0 next_id=
  # clip TEXT WIDTH: TEXT, cut with "..." to fit WIDTH columns.
  clip() { if [ ${#1} -gt "$2" ]; then printf '%s...' "${1:0:$(($2 - 3))}"; else printf '%s' "$1"; fi; }
  printf '%s%-4s %-36s %-6s %-9s %-7s %s%s\n' "$bold" "lab" "title" "done" "next" "state" "what" "$off"
  local labs
  the_labs status || return 2
  for d in $labs; do
    n=${d%%_*}
    title=$(lab_title "$d"); title=${title#Lab $n: }; title=$(clip "${title:-$d}" 36)
    if ! tsv=$(lab_results "$d"); then
      printf '%-4s %-36s %-6s %s\n' "$n" "$title" "-" "$(lab_state "$d")"
      continue
    fi
    done_n=$(grep -c $'\tOK\t' "$tsv"); tot=$(wc -l < "$tsv")
    all_done=$((all_done + done_n)); all_tot=$((all_tot + tot))
    IFS=$'\t' read -r id st _ what _ < <(awk -F'\t' '$2 != "OK"' "$tsv" | head -n 1)
    if [ -z "${id:-}" ]; then
      printf '%-4s %-36s %s%-6s%s %s\n' "$n" "$title" "$green" "$done_n/$tot" "$off" "all done"
    else
      printf '%-4s %-36s %-6s %-9s %-7s %s\n' "$n" "$title" "$done_n/$tot" "$id" "$st" "$(clip "$what" 30)"
      [ -z "$next_id" ] && next_id=$id
    fi
    id=
  done
  echo
  echo "${bold}Total: $all_done/$all_tot steps${off}"
  if [ -n "$next_id" ]; then
    echo "next: $next_id   (make next says where; make check LAB=${next_id:3:2} shows why)"
  elif [ $all_tot -gt 0 ]; then
    echo "Every step with a test passes. Figures: make plots; the site: make docs."
  fi
  return 0
}

# ---- next ---------------------------------------------------------------------
cmd_next() {
  local d n tsv id title status msg lab step labs
  the_labs next || return 2
  for d in $labs; do
    n=${d%%_*}
    if ! tsv=$(lab_results "$d"); then
      case $(lab_state "$d") in
        "does not compile"*|"its suite"*) echo "${bold}next: lab $n $(lab_state "$d")${off}"; return 0 ;;
      esac
      continue
    fi
    IFS=$'\t' read -r id status _ title msg < <(awk -F'\t' '$2 != "OK"' "$tsv" | head -n 1)
    [ -n "${id:-}" ] || continue
    lab=$n; step=${id##*.}
    echo "${bold}next: $id  $title${off}   (lab $n: $(grep -c $'\tOK\t' "$tsv")/$(wc -l < "$tsv") steps done)"
    if find_todo "labs/$d" "$id"; then
      echo "  $TODO_FILE:$TODO_LINE"
      wrap_text "    " "TODO($id): $TODO_TEXT"
    elif find_step_line "labs/$d" "$id"; then
      echo "  $TODO_FILE:$TODO_LINE"
    fi
    case "$status" in
      TODO) ;;
      *) wrap_text "    " "last check: $status: $msg" ;;
    esac
    if find_section "labs/$d/README.md" "$id"; then
      echo "  read:   labs/$d/README.md:$SEC_LINE  ($SEC_TITLE)"
    else
      [ -f "labs/$d/README.md" ] && echo "  read:   labs/$d/README.md"
    fi
    echo "  check:  make check LAB=$lab STEP=$step"
    echo "  stuck?  make hint LAB=$lab STEP=$step"
    return 0
  done
  if [ -z "$labs" ]; then echo "No labs yet."; return 0; fi
  if [ -n "$LAB" ]; then echo "Nothing left to do in lab $NN: every step with a test passes. Its figures: make lab$NN, then make plots."; return 0; fi
  echo "Nothing left to do: every step with a test passes. Figures: make plots; the site: make docs."
}

# ---- hint ---------------------------------------------------------------------
# hint_tiers FILE ID: print the hints of step ID, tiers separated by a NUL byte.
hint_tiers() {
  awk -v id="$2" '
    function flush() { gsub(/^\n+|\n+$/, "", tier); if (tier != "") { printf "%s%c", tier, 0; } tier = "" }
    /^##[ \t]/ {
      if (inside) { flush(); inside = 0 }
      line = $0; sub(/^##[ \t]+/, "", line)
      if (line == id || index(line, id " ") == 1 || index(line, id ":") == 1 || index(line, id "\t") == 1) inside = 1
      next
    }
    !inside { next }
    /^[ \t]*---[ \t]*$/ { flush(); next }
    { tier = tier $0 "\n" }
    END { if (inside) flush() }' "$1"
}

cmd_hint() {
  local s id tsv d
  if [ -z "$LAB" ] && [ -z "$STEP" ]; then
    # Neither: the first unfinished step of all the labs (what make next names).
    for d in $(all_labs); do
      tsv=$(lab_results "$d") || continue
      id=$(awk -F'\t' '$2 != "OK" { print $1; exit }' "$tsv")
      [ -n "$id" ] && { LAB=${d%%_*}; break; }
    done
    if [ -z "$id" ]; then
      echo "make hint: no unfinished step to give a hint for (make status shows every lab). Another step: make hint LAB=03 STEP=2" >&2
      return 2
    fi
  fi
  need_lab hint " STEP=2" || return 2
  local hints="labs/$DIR/HINTS.md"
  if [ -z "$STEP" ]; then
    # No STEP: the lab's first unfinished step.
    if [ -z "${id:-}" ]; then
      tsv=$(lab_results "$DIR") && id=$(awk -F'\t' '$2 != "OK" { print $1; exit }' "$tsv")
    fi
    if [ -z "${id:-}" ]; then
      if [ -n "${tsv:-}" ]; then echo "make hint: every step of lab $NN passes. Another step: make hint LAB=$NN STEP=2" >&2
      else echo "make hint: which step? e.g. make hint LAB=$NN STEP=2   (lab $NN $(lab_state "$DIR"))" >&2; fi
      return 2
    fi
    s=${id##*.}
    echo "(the next step is $id; another one: make hint LAB=$NN STEP=N)"
  elif ! s=$(norm_step "$STEP"); then
    echo "make hint: STEP=$STEP is not a step number, e.g. make hint LAB=$NN STEP=2" >&2
    return 2
  fi
  id=lab$NN.$s
  if [ ! -f "$hints" ]; then
    echo "Lab $NN has no hints yet ($hints is missing)."
    find_section "labs/$DIR/README.md" "$id" && echo "Read the handout: labs/$DIR/README.md:$SEC_LINE  ($SEC_TITLE)"
    return 1
  fi
  local tiers=()
  while IFS= read -r -d '' t; do tiers+=("$t"); done < <(hint_tiers "$hints" "$id")
  local n=${#tiers[@]}
  if [ "$n" -eq 0 ]; then
    local have
    have=$(grep -oE '^##[[:space:]]+lab[0-9]+\.[A-Za-z0-9_]+' "$hints" | sed -E 's/^##[[:space:]]+//' | tr '\n' ' ')
    echo "make hint: $hints has no hints for $id.${have:+ Steps with hints: ${have% }.}" >&2
    return 2
  fi
  local state=build/hints/$id seen=0
  mkdir -p build/hints
  [ -f "$state" ] && seen=$(tr -dc 0-9 < "$state")
  seen=${seen:-0}
  local show=$((seen + 1))
  local again=0
  if [ "$show" -gt "$n" ]; then show=$n; again=1; fi
  echo "$show" > "$state"
  if [ $again -eq 1 ]; then
    echo "${bold}$id: hint $show of $n${off} (the last one, again)"
  else
    echo "${bold}$id: hint $show of $n${off}"
  fi
  echo
  printf '%s\n' "${tiers[$((show - 1))]}" | sed -e 's/^/  /' -e 's/[[:space:]]*$//'
  echo
  local left=$((n - show))
  if [ $left -gt 0 ]; then
    echo "$left more hint$([ $left -gt 1 ] && echo s) for this step: run make hint LAB=$NN STEP=$s again."
  else
    echo "That was the last hint for $id."
    if find_section "labs/$DIR/README.md" "$id"; then
      echo "Still stuck? Reread labs/$DIR/README.md:$SEC_LINE ($SEC_TITLE), or compare with the solution: make solution LAB=$NN"
    else
      echo "Still stuck? Compare with the solution: make solution LAB=$NN"
    fi
    echo "(to start these hints over: rm $state)"
  fi
}

# ---- reset --------------------------------------------------------------------
cmd_reset() {
  need_lab reset || return 2
  tmp=$(mktemp -d)   # global: the EXIT trap runs after this function returns
  trap 'rm -rf "$tmp"' EXIT
  if ! bash tools/skeleton.sh --to "$tmp" > "$tmp/skeleton.log" 2>&1 || [ ! -d "$tmp/$DIR" ]; then
    echo "make reset: could not make the skeleton of lab $NN:" >&2
    cat "$tmp/skeleton.log" >&2
    return 1
  fi
  local mine=() fresh=() f same=1
  for f in "labs/$DIR"/*.c "labs/$DIR"/*.h; do [ -e "$f" ] && mine+=("$(basename "$f")"); done
  for f in "$tmp/$DIR"/*.c "$tmp/$DIR"/*.h; do [ -e "$f" ] && fresh+=("$(basename "$f")"); done
  for f in "${fresh[@]}"; do cmp -s "$tmp/$DIR/$f" "labs/$DIR/$f" || same=0; done
  if [ $same -eq 1 ]; then
    echo "labs/$DIR/ is already the skeleton: nothing to reset, nothing saved."
    return 0
  fi
  # Save every file first, and compare each copy with its original: labs/ is
  # touched only when all of them are safe (a build/ owned by root after a
  # sudo make, build/ being a plain file, a full disk: stop, change nothing).
  local backup err
  if [ ${#mine[@]} -gt 0 ]; then
    local stamp
    stamp=$(date +%Y%m%d-%H%M%S)
    backup=build/backup/$stamp/$DIR
    local k=2
    while [ -e "$backup" ]; do backup=build/backup/$stamp-$k/$DIR; k=$((k + 1)); done
    if ! err=$(mkdir -p "$backup" 2>&1); then
      reset_refused "$backup" "$err"
      return 1
    fi
    for f in "${mine[@]}"; do
      if ! err=$(cp -p "labs/$DIR/$f" "$backup/$f" 2>&1); then reset_refused "$backup" "$err"; return 1; fi
      if ! cmp -s "labs/$DIR/$f" "$backup/$f"; then
        reset_refused "$backup" "the copy of $f differs from labs/$DIR/$f (a full disk?)"
        return 1
      fi
    done
    echo "Saved your files of lab $NN in $backup/: ${mine[*]}"
  fi
  local done_=() failed=()
  for f in "${fresh[@]}"; do
    if err=$(cp "$tmp/$DIR/$f" "labs/$DIR/$f" 2>&1) && cmp -s "$tmp/$DIR/$f" "labs/$DIR/$f"; then done_+=("$f")
    else failed+=("$f: ${err:-the copy differs}"); fi
  done
  if [ ${#failed[@]} -gt 0 ]; then
    echo "make reset: could not restore ${failed[*]}${backup:+; your files are safe in $backup/}. HINT: check that labs/$DIR/ and its files are writable (ls -l labs/$DIR)" >&2
    return 1
  fi
  echo "Restored labs/$DIR/ from the skeleton: ${done_[*]} (README.md and HINTS.md untouched)."
  local extra=()
  for f in "${mine[@]}"; do [ -e "$tmp/$DIR/$f" ] || extra+=("$f"); done
  [ ${#extra[@]} -gt 0 ] && echo "Left as they were (not part of the skeleton): ${extra[*]}"
  if [ -n "${backup:-}" ]; then
    echo "To get your version back:  cp $backup/* labs/$DIR/"
    echo "(make clean keeps build/backup/; rm -rf build would delete it.)"
  fi
  return 0
}

# reset_refused BACKUP ERROR: the one line when the backup could not be made, with what to do.
reset_refused() {
  local why=${2%%$'\n'*} hint="free the cause, then make reset LAB=$NN again"
  case "$2" in
    *"Permission denied"*|*"Operation not permitted"*|*"Read-only"*) hint="build/ is not yours to write (after a sudo make?): sudo chown -R $(id -un) build, then make reset LAB=$NN again" ;;
    *"Not a directory"*|*"File exists"*) hint="a part of $1 is a file, not a folder: move build away (mv build build.old), then make reset LAB=$NN again" ;;
    *"No space"*|*"full disk"*|*"Disk quota"*) hint="the disk is full: free some space, then make reset LAB=$NN again" ;;
  esac
  echo "make reset: could not save your files of lab $NN in $1/: $why. Nothing was changed in labs/$DIR/. HINT: $hint" >&2
}

# ---- solution -------------------------------------------------------------------
# solution_view FILE: the solution as it reads with every marked region resolved
# (the solution's part kept, the markers and the skeleton's stub dropped), so the
# diff shows only what the learner's code and the solution do differently.
solution_view() {
  awk '
    /^[ \t]*#if !SKELETON \/\* lab[0-9][0-9]\.[0-9]+ \*\/[ \t]*$/ { state = 1; next }
    /^[ \t]*#else/ && state == 1 { state = 2; next }
    /^[ \t]*#endif/ && state == 2 { state = 0; next }
    state == 2 { next }
    { print }' "$1"
}

cmd_solution() {
  need_lab solution || return 2
  echo "${yellow}A look at the solution of lab $NN.${off} That is fine when you are really stuck,"
  echo "but you learn the most by finding it yourself: make hint LAB=$NN STEP=N first?"
  echo "Below: diff -u of your files (-) against the solution's (+)."
  echo
  local f base any=0 color=()
  [ -n "$bold" ] && color=(--color=always)
  tmp=$(mktemp -d)   # global: the EXIT trap runs after this function returns
  trap 'rm -rf "$tmp"' EXIT
  for f in "solutions/$DIR"/*.c "solutions/$DIR"/*.h; do
    [ -e "$f" ] || continue
    base=$(basename "$f")
    if [ ! -e "labs/$DIR/$base" ]; then
      echo "labs/$DIR/$base is missing (make reset LAB=$NN brings it back)."
      any=1
      continue
    fi
    solution_view "$f" > "$tmp/$base"
    if ! cmp -s "labs/$DIR/$base" "$tmp/$base"; then
      diff -u "${color[@]}" --label "labs/$DIR/$base (yours)" --label "$f (solution)" "labs/$DIR/$base" "$tmp/$base"
      any=1
    fi
  done
  [ $any -eq 0 ] && echo "Your files of lab $NN are the same as the solution's."
  return 0
}

case "${1:-}" in
  status) cmd_status ;;
  next) cmd_next ;;
  hint) cmd_hint ;;
  reset) cmd_reset ;;
  solution) cmd_solution ;;
  *) echo "usage: tools/progress.sh status|next|hint|reset|solution (with LAB=03 STEP=2 where they apply)" >&2; exit 2 ;;
esac
