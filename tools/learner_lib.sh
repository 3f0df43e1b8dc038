# tools/learner_lib.sh: shell functions shared by the learner's commands
# (check.sh, progress.sh, plots.sh). Sourced, never run; it defines functions
# and colours and changes nothing on disk.
#
# What it knows: the lab layout (solutions/NN_name is the list of labs, labs/NN_name
# the learner's copy), how to read LAB=03 / STEP=2 in the forms people type
# (3, 03, lab03, 03_mlp; 2, lab03.2), where a step's TODO and handout section
# are, and whether a lab's saved check results are still fresh.
# Not here: running tests (check.sh) or anything that writes.

# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables set here are read by the scripts that source this file

# Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
learner_colors() {
  if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    bold=$'\033[1m'; dim=$'\033[2m'; green=$'\033[32m'; red=$'\033[31m'; yellow=$'\033[33m'; off=$'\033[0m'
  else
    bold=; dim=; green=; red=; yellow=; off=
  fi
}

# Every lab folder name (NN_name), in lecture order, one per line.
all_labs() {
  local d
  for d in solutions/[0-9][0-9]_*/; do
    [ -d "$d" ] && basename "$d"
  done
}

# norm_lab TEXT: print the two-digit lab number for 3, 03, lab03, lab3, 03_mlp, labs/03_mlp; fail otherwise.
norm_lab() {
  local s=${1##*/}
  s=${s#lab}; s=${s%%_*}
  [[ $s =~ ^[0-9]{1,2}$ ]] || return 1
  printf '%02d\n' "$((10#$s))"
}

# lab_dir NN: print the lab's folder name (03_mlp) or fail.
lab_dir() {
  local d
  for d in solutions/"$1"_*/; do
    [ -d "$d" ] && { basename "$d"; return 0; }
  done
  return 1
}

# norm_step TEXT: print the step for 2, lab03.2, 03.2 (a number: 2; or a figure's name: fig_loss); fail otherwise.
norm_step() {
  local s=${1##*.}
  [[ $s =~ ^[A-Za-z0-9_]{1,32}$ ]] || return 1
  if [[ $s =~ ^[0-9]+$ ]]; then printf '%d\n' "$((10#$s))"; else printf '%s\n' "$s"; fi
}

# need_lab CMD: check $LAB for command CMD (e.g. "hint"), set NN and DIR, or print a
# one-line error with an example and return 2.
need_lab() {
  local cmd=$1 example=${2:-}
  local labs
  labs=$(all_labs | tr '\n' ' ')
  if [ -z "${LAB:-}" ]; then
    echo "make $cmd: which lab? e.g. make $cmd LAB=03${example}   (the labs: ${labs% })" >&2
    return 2
  fi
  if ! NN=$(norm_lab "$LAB") || ! DIR=$(lab_dir "$NN"); then
    echo "make $cmd: there is no lab '$LAB'. e.g. make $cmd LAB=03${example}   (the labs: ${labs% })" >&2
    return 2
  fi
}

# find_todo DIR ID: the first `TODO(ID)` in DIR/*.c, DIR/*.h. Sets TODO_FILE,
# TODO_LINE and TODO_TEXT (the comment from the marker on, joined across the
# `//` lines that follow it). TODO_LINE is the stub's `KIT_TODO("ID"` call when
# it follows within a few lines: the line a lab binary names when it stops
# there, so `make labNN`, `make check` and `make next` all give one line.
# Fails when there is none.
find_todo() {
  local dir=$1 id=$2 hit call
  TODO_FILE=; TODO_LINE=; TODO_TEXT=
  hit=$(grep -n -F "TODO($id)" "$dir"/*.c "$dir"/*.h 2>/dev/null | head -n 1)
  [ -n "$hit" ] || return 1
  TODO_FILE=${hit%%:*}; hit=${hit#*:}; TODO_LINE=${hit%%:*}
  call=$(awk -v l="$TODO_LINE" -v c="KIT_TODO(\"$id\"" 'NR >= l && NR <= l + 12 && index($0, c) { print NR; exit }' "$TODO_FILE")
  TODO_TEXT=$(awk -v l="$TODO_LINE" -v id="$id" '
    NR < l { next }
    NR == l { s = substr($0, index($0, "TODO(" id ")") + length(id) + 6); sub(/^:[ \t]*/, "", s); sub(/[ \t]*\*\/[ \t]*$/, "", s); text = s; next }
    /^[ \t]*\/\// && !/TODO\(/ { s = $0; sub(/^[ \t]*\/\/[ \t]?/, "", s); text = text " " s; next }
    { exit }
    END { gsub(/[ \t]+/, " ", text); sub(/^ /, "", text); print text }' "$TODO_FILE")
  [ -n "$call" ] && TODO_LINE=$call
  return 0
}

# find_step_line DIR ID: where step ID is, when its TODO comment is gone (the learner
# wrote the code): the first line of DIR/*.c naming it, e.g. the banner
# `/* lab01.2: normalize */`. Sets TODO_FILE and TODO_LINE.
find_step_line() {
  local dir=$1 id=$2 hit
  hit=$(grep -n -w -F "$id" "$dir"/*.c "$dir"/*.h 2>/dev/null | head -n 1)
  [ -n "$hit" ] || return 1
  TODO_FILE=${hit%%:*}; hit=${hit#*:}; TODO_LINE=${hit%%:*}
}

# find_section README ID: where the handout explains step ID. A heading naming it
# (`## lab03.2 ...`, any level) wins; else the first line naming it that opens a
# list item, a table row or a bold lead-in, else the first line naming it at all.
# Sets SEC_LINE and SEC_TITLE (the heading, or the heading of the section that
# holds the line).
find_section() {
  local readme=$1 id=$2 hit
  SEC_LINE=; SEC_TITLE=
  [ -f "$readme" ] || return 1
  hit=$(awk -v id="$id" '
    function names(s,   i, a, b) {
      i = index(s, id)
      while (i > 0) {
        a = substr(s, i - 1, 1); b = substr(s, i + length(id), 1)
        if ((i == 1 || a !~ /[A-Za-z0-9_]/) && b !~ /[A-Za-z0-9_]/) return 1
        s = substr(s, i + length(id)); i = index(s, id)
      }
      return 0
    }
    /^(```|~~~)/ { fence = !fence; next }
    fence { next }
    /^#+[ \t]/ { h = $0; sub(/^#+[ \t]+/, "", h); sub(/[ \t]*\{#[^}]*\}[ \t]*$/, "", h)
                 if (names($0)) { print NR "\t" h; found = 1; exit }
                 heading = h; next }
    names($0) && !lead && /^[ \t]*([-*+][ \t]|[0-9]+\.[ \t]|\*\*|\|)/ { lead = NR "\t" heading }
    names($0) && !any { any = NR "\t" heading }
    END { if (!found) { if (lead) print lead; else if (any) print any } }' "$readme")
  [ -n "$hit" ] || return 1
  SEC_LINE=${hit%%$'\t'*}
  SEC_TITLE=${hit#*$'\t'}
}

# results_fresh NN DIR BIN: true when build/check/labNN.tsv is a full run newer than
# the test binary BIN and every learner file of the lab (so it still tells the truth).
results_fresh() {
  local nn=$1 dir=$2 bin=$3 tsv=build/check/lab$1.tsv f
  [ -s "$tsv" ] && [ -x "$bin" ] && [ "$tsv" -nt "$bin" ] || return 1
  for f in labs/"$dir"/*.c labs/"$dir"/*.h; do
    [ -e "$f" ] || continue
    [ "$tsv" -nt "$f" ] || return 1
  done
  return 0
}

# wrap_text INDENT TEXT: TEXT folded at 78 columns, every line indented by INDENT.
wrap_text() {
  local indent=$1; shift
  local width=$((78 - ${#indent}))
  [ $width -lt 30 ] && width=30
  printf '%s\n' "$*" | fold -s -w "$width" | sed -e 's/[[:space:]]*$//' -e "s/^/$indent/"
}
