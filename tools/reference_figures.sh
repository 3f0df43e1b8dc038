#!/usr/bin/env bash
# tools/reference_figures.sh: the solutions' figures, committed, so that a
# handout shows its pictures before the learner has run anything.
#
#   tools/reference_figures.sh          (make reference-figures, maintainers)
#       run every figure's made-by command (the solutions), draw every figure
#       from the solutions' data (make plots FROM=solutions), and copy each PNG
#       to docs/figures/, with docs/figures/MANIFEST.tsv saying what it was
#       made from;
#       LAB=NN: one lab's figures only.
#   tools/reference_figures.sh --check  (part of make test)
#       fail when a reference figure is missing, was edited by hand, or is
#       stale: its gnuplot script, its lab's solution sources or data/names.txt
#       changed since it was made.
#
# MANIFEST.tsv columns: figure, sha256 of the PNG, sha256 of what it was made
# from (the .gp script if any, every file of solutions/NN_name/, data/names.txt).
# The docs site and the handouts show build/plots/<figure>.png when a run made
# it (yours, or the solution's), and the reference figure otherwise
# (tools/docs.sh).
# Not here: drawing (tools/plots.sh) or the data (the lab binaries).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
. tools/learner_lib.sh
refdir=docs/figures
manifest=$refdir/MANIFEST.tsv
mode=make
case "${1:-}" in
  --check) mode=check ;;
  "") ;;
  *) echo "reference_figures.sh: unknown argument $1. HINT: tools/reference_figures.sh [--check]" >&2; exit 2 ;;
esac

# inputs_of FIGURE: the sha256 of what the figure is made from.
inputs_of() {
  local fig=$1 nn d
  nn=${fig#lab}; nn=${nn%%_*}
  d=$(lab_dir "$nn") || { echo "no-lab"; return; }
  {
    for f in "plots/$fig.gp" "plots/$fig.gv"; do [ -f "$f" ] && sha256sum "$f"; done
    find "solutions/$d" -type f | LC_ALL=C sort | xargs sha256sum
    sha256sum data/names.txt
  } | sha256sum | cut -d' ' -f1
}

# The figures there are: one per gnuplot script (.gp) or Graphviz drawing (.gv).
figures() {
  for gp in plots/lab[0-9][0-9]_*.g[pv]; do [ -e "$gp" ] && { f=$(basename "$gp"); echo "${f%.*}"; }; done
}

if [ $mode = check ]; then
  if [ ! -f "$manifest" ]; then
    echo "reference figures: $manifest is missing. HINT: make reference-figures (maintainers; runs every lab's solution)" >&2
    exit 1
  fi
  bad=0
  for fig in $( (figures; cut -f1 "$manifest") | sort -u); do
    [ -n "$fig" ] || continue
    line=$(awk -F'\t' -v f="$fig" '$1 == f' "$manifest" | head -n 1)
    if [ -z "$line" ]; then echo "reference figures: $fig has no reference figure. HINT: make reference-figures"; bad=1; continue; fi
    png_sum=$(cut -f2 <<<"$line"); in_sum=$(cut -f3 <<<"$line")
    if [ ! -f "$refdir/$fig.png" ]; then echo "reference figures: $refdir/$fig.png is missing. HINT: make reference-figures"; bad=1; continue; fi
    [ "$(sha256sum "$refdir/$fig.png" | cut -d' ' -f1)" = "$png_sum" ] \
      || { echo "reference figures: $refdir/$fig.png is not the one make reference-figures made. HINT: make reference-figures"; bad=1; }
    [ "$(inputs_of "$fig")" = "$in_sum" ] \
      || { echo "reference figures: $fig is stale (its script, its lab's solution or data/names.txt changed). HINT: make reference-figures"; bad=1; }
  done
  [ $bad -eq 0 ] && echo "reference figures: $(grep -c . "$manifest") figure(s), each up to date with its script, solution and data."
  exit $bad
fi

# ---- make them --------------------------------------------------------------
# LAB=NN: only that lab's figures (the others' lines of the manifest are kept).
only=
if [ -n "${LAB:-}" ]; then
  only=$(norm_lab "$LAB") || { echo "reference_figures.sh: there is no lab '$LAB'. e.g. LAB=03" >&2; exit 2; }
fi
pattern="plots/lab${only:-[0-9][0-9]}_*.g[pv]"
mapfile -t cmds < <(sed -n -E 's/^#[[:space:]]*made-by:[[:space:]]*(.*[^[:space:]])[[:space:]]*$/\1/p' $pattern | sort -u)
for c in "${cmds[@]}"; do
  [ "${RUN:-1}" = 0 ] && break   # RUN=0: draw from the runs already in build/out (after a make test, say)
  case "$c" in make\ lab[0-9][0-9]-solution*) ;; *)
    echo "reference_figures.sh: a made-by line that is not a make labNN-solution command: $c" >&2; exit 1 ;;
  esac
  echo "== $c"
  if ! eval "$c" > /dev/null 2> build/reference_figures.log; then
    echo "reference_figures.sh: '$c' failed:" >&2; tail -n 20 build/reference_figures.log >&2; exit 1
  fi
done
rm -rf build/plots
if ! FROM=solutions LAB="$only" bash tools/plots.sh > build/reference_figures.log 2>&1; then
  echo "reference_figures.sh: make plots failed:" >&2; tail -n 20 build/reference_figures.log >&2; exit 1
fi
if grep -q -E '^ +skip ' build/reference_figures.log; then
  echo "reference_figures.sh: some figures had no data after running every made-by command:" >&2
  grep -E '^ +skip ' build/reference_figures.log >&2; exit 1
fi
mkdir -p "$refdir"
rm -f "$refdir"/lab${only:-[0-9][0-9]}_*.png
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
# the other labs' lines stay as they were
[ -n "$only" ] && [ -f "$manifest" ] && grep -v "^lab${only}_" "$manifest" >> "$tmp"
for fig in $(figures | grep "^lab${only:-[0-9][0-9]}_" | sort -u); do
  [ -f "build/plots/$fig.png" ] || { echo "reference_figures.sh: build/plots/$fig.png was not made" >&2; exit 1; }
  cp "build/plots/$fig.png" "$refdir/$fig.png"
  printf '%s\t%s\t%s\n' "$fig" "$(sha256sum "$refdir/$fig.png" | cut -d' ' -f1)" "$(inputs_of "$fig")" >> "$tmp"
done
sort "$tmp" > "$manifest"
echo "make reference-figures: $(grep -c . "$manifest") figure(s) in $refdir/ ($(du -sh "$refdir" | cut -f1)); commit them with $manifest."
