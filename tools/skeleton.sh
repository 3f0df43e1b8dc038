#!/usr/bin/env bash
# tools/skeleton.sh: make the learner's labs/ code from solutions/ (the one source of truth).
#
#   tools/skeleton.sh           regenerate labs/NN_name/*.c and *.h from solutions/NN_name/
#   tools/skeleton.sh --check   regenerate into a temporary folder and fail if labs/ differs
#   tools/skeleton.sh --to DIR  write the generated tree under DIR (DIR/NN_name/...)
#
# In a solution file, each region the learner writes is marked
#     #if !SKELETON /* lab03.2 */      <- solution starts
#     ...the solution...
#     #else                            <- the stub starts
#     ...stub with its TODO(lab03.2)...
#     #endif                           <- region ends
# The skeleton keeps the stub and drops the solution and the three marker lines.
# Files without markers are copied as they are. README.md and HINTS.md are
# hand-written and live only in labs/; this tool never touches them.
# Each labs/NN_name/ also gets its Makefile, the same few lines everywhere
# (written below), which hands `make check` and the rest typed in that folder
# to the kit's Makefile with LAB set to that lab; --check flags a missing one.
# Not here: checking that the skeleton compiles (make test does that).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=write
dest=labs
case "${1:-}" in
  --check) mode=check; dest=$(mktemp -d); trap 'rm -rf "$dest"' EXIT ;;
  --to) dest=${2:?--to needs a folder}; mode=write ;;
  "") ;;
  *) echo "skeleton.sh: unknown argument $1. HINT: use --check or --to DIR" >&2; exit 2 ;;
esac

strip_solution() { # $1 = solution file; writes the skeleton to stdout
  awk -v file="$1" '
    function fail(msg) { printf "%s:%d: %s\n", file, NR, msg > "/dev/stderr"; bad = 1; exit 1 }
    /^[ \t]*#if !SKELETON \/\* lab[0-9][0-9]\.[0-9]+ \*\/[ \t]*$/ {
      if (state != 0) fail("a marked region starts inside another one")
      state = 1; start = NR; next }
    /^[ \t]*#if/ && state != 0 { fail("no #if inside a marked region: the skeleton tool cannot nest them") }
    /^[ \t]*#else/ && state == 1 { state = 2; next }
    /^[ \t]*#endif/ && state == 2 { state = 0; next }
    /^[ \t]*#endif/ && state == 1 { fail("marked region has no #else (its stub)") }
    state == 1 { next }
    { print }
    END { if (!bad && state != 0) { printf "%s:%d: marked region is not closed by #endif\n", file, start > "/dev/stderr"; exit 1 } }
  ' "$1"
}

# The forwarding Makefile of every lab folder.
forwarder() {
  cat <<'MK'
# The make commands of the kit, typed in this lab's folder: `make check` here is
# `make check LAB=<this lab>` in the kit's folder (and so are next, hint, status,
# watch, reset...); LAB=NN still picks another lab. Written by tools/skeleton.sh.
lab_here := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
ifeq ($(origin LAB),undefined)
LAB := $(notdir $(patsubst %/,%,$(lab_here)))
endif
include $(lab_here)../../Makefile
MK
}

status=0
for sol in solutions/[0-9][0-9]_*/; do
  lab=$(basename "$sol")
  mkdir -p "$dest/$lab"
  forwarder > "$dest/$lab/Makefile.new"
  if cmp -s "$dest/$lab/Makefile.new" "$dest/$lab/Makefile"; then rm -f "$dest/$lab/Makefile.new"; else mv "$dest/$lab/Makefile.new" "$dest/$lab/Makefile"; fi
  for f in "$sol"*.c "$sol"*.h; do
    [ -e "$f" ] || continue
    out="$dest/$lab/$(basename "$f")"
    # Write only what changed, so make does not rebuild untouched labs.
    strip_solution "$f" > "$out.new" || status=1
    if cmp -s "$out.new" "$out"; then rm -f "$out.new"; else mv "$out.new" "$out"; fi
  done
done
[ $status -eq 0 ] || { echo "skeleton.sh: fix the markers above" >&2; exit 1; }

if [ $mode = check ]; then
  stale=0
  for lab in "$dest"/*/; do
    name=$(basename "$lab")
    for f in "$lab"*; do
      target=labs/$name/$(basename "$f")
      if ! cmp -s "$f" "$target"; then
        echo "labs/ is stale: $target differs from what tools/skeleton.sh makes from solutions/$name. HINT: run make skeletons and commit" >&2
        stale=1
      fi
    done
    for f in labs/$name/*.c labs/$name/*.h; do
      [ -e "$f" ] || continue
      [ -e "$lab/$(basename "$f")" ] || { echo "labs/ has $f, which no solution file makes. HINT: remove it or add it to solutions/$name" >&2; stale=1; }
    done
  done
  [ $stale -eq 0 ] && echo "labs/ is in sync with solutions/ (tools/skeleton.sh --check)"
  exit $stale
fi
[ "$dest" = labs ] && echo "regenerated labs/ from solutions/"
exit 0
