#!/usr/bin/env bash
# tools/plots.sh: what `make plots` runs. Every figure of every lab, in one command.
#
# Each plots/labNN_<figure>.gp is a gnuplot script that reads TSV logs from the
# folder in the gnuplot variable `dir` and sets neither terminal nor output; its
# header says what it draws and where its data comes from:
#     # figure: <title>
#     # data: <file.tsv relative to dir>          (one line per file)
#     # made-by: make labNN-solution ARGS="..."   (the command that writes that data)
#     # size: 1600,1600 (why)                     (optional: pixels, default 1000,640)
# This script renders each one twice, build/plots/labNN_<figure>.png (pngcairo)
# and .svg, and writes build/plots/sources.tsv (figure, whose data, folder, title).
# A plots/labNN_<figure>.gv has the same header and nothing else: its `# data:`
# is a Graphviz file the lab writes (value_dot, value.h), which Graphviz's dot
# renders to PNG and SVG in the same way (not in the terminal: GNUTERM=dumb skips it).
#
# Whose data (FROM=auto|labs|solutions, default auto):
#   labs       your runs, build/out/labNN (make labNN writes them)
#   solutions  the solutions' runs, build/out/labNN-solution (make labNN-solution)
#   auto       yours where that lab passes its checks (build/check/labNN.tsv all OK,
#              newer than your files: run make check LAB=NN) and your data exists;
#              the solution's otherwise.
# Each figure carries a small note saying which ("data: your lab 03" or "data: solution").
# GNUTERM=dumb draws every figure in the terminal instead (no files written), for
# a remote machine; a heat map (`with image`) cannot be drawn in characters, so
# for those it says in one line to make the PNG. LAB=03 renders one lab's figures only.
# A figure whose data is missing is skipped with the command that makes it.
# Exit status: 0 (skipped figures included), 1 when gnuplot failed on a script.
# Not here: producing data (the lab binaries do), the site (docs.sh).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
. tools/learner_lib.sh
FROM=${FROM:-auto}
GNUTERM=${GNUTERM:-}
LAB=${LAB:-}
learner_colors

case "$FROM" in auto|labs|solutions) ;; *)
  echo "make plots: FROM=$FROM is not one of auto, labs, solutions. e.g. make plots FROM=solutions" >&2; exit 2 ;;
esac
have_dot=1
command -v dot > /dev/null || have_dot=0
if ! command -v gnuplot > /dev/null; then
  echo "make plots: gnuplot is not installed. HINT: sudo make deps (or apt-get install gnuplot-nox)" >&2
  exit 1
fi
only=
if [ -n "$LAB" ]; then
  only=$(norm_lab "$LAB") || { echo "make plots: there is no lab '$LAB'. e.g. make plots LAB=01" >&2; exit 2; }
fi
dumb=0
[ "$GNUTERM" = dumb ] && dumb=1
outdir=build/plots
if [ $dumb -eq 0 ]; then   # the terminal mode writes no file at all
  mkdir -p "$outdir"
  [ -z "$only" ] && : > "$outdir/sources.tsv"
  [ -f "$outdir/sources.tsv" ] || : > "$outdir/sources.tsv"
fi
exec 3>&1   # the terminal drawings go to stdout while their errors are caught

# header FILE KEY: the values of `# KEY: value` lines, one per line.
header() { sed -n -E "s/^#[[:space:]]*$2:[[:space:]]*(.*[^[:space:]])[[:space:]]*\$/\\1/p" "$1"; }

# lab_passes NN: build/check/labNN.tsv says every step is OK and is newer than the learner's files.
lab_passes() {
  local nn=$1 d f tsv=build/check/lab$1.tsv
  d=$(lab_dir "$nn") || return 1
  [ -s "$tsv" ] || return 1
  grep -qv $'^[^\t]*\tOK\t' "$tsv" && return 1
  for f in labs/"$d"/*.c labs/"$d"/*.h; do [ -e "$f" ] && ! [ "$tsv" -nt "$f" ] && return 1; done
  return 0
}

# have_data DIR FILES...: every data file exists and is not empty under DIR.
have_data() {
  local dir=$1 f; shift
  for f in "$@"; do [ -s "$dir/$f" ] || return 1; done
  return 0
}

made=0; mine=0; skipped=0; failed=0; heatmaps=0; said_lab=
mapfile -t scripts < <(ls plots/lab[0-9][0-9]_*.gp plots/lab[0-9][0-9]_*.gv 2> /dev/null | sort)
for gp in "${scripts[@]}"; do
  fig=$(basename "$gp"); fig=${fig%.*}
  nn=${fig#lab}; nn=${nn%%_*}
  [ -n "$only" ] && [ "$nn" != "$only" ] && continue
  title=$(header "$gp" figure | head -n 1); title=${title:-$fig}
  mapfile -t data < <(header "$gp" data)
  madeby=$(header "$gp" made-by | head -n 1)
  size=$(header "$gp" size | head -n 1 | sed -n -E 's/^([0-9]{2,4})[[:space:]]*[,x][[:space:]]*([0-9]{2,4}).*/\1,\2/p')
  size=${size:-1000,640}
  mine_cmd=${madeby/lab$nn-solution/lab$nn}
  [ -n "$madeby" ] || { madeby="make lab$nn-solution"; mine_cmd="make lab$nn"; }

  src=solution; dir=build/out/lab$nn-solution; why=
  case "$FROM" in
    labs) src=yours; dir=build/out/lab$nn ;;
    auto)
      if lab_passes "$nn" && have_data "build/out/lab$nn" "${data[@]}"; then src=yours; dir=build/out/lab$nn
      elif ! lab_passes "$nn"; then why="your lab $nn does not pass make check LAB=$nn yet"
      else why="your lab $nn passes, but its data is missing: $mine_cmd"; fi ;;
  esac
  if [ "$said_lab" != "$nn" ] && [ "$FROM" = auto ]; then
    said_lab=$nn
    if [ $src = yours ]; then echo "lab $nn: your data (build/out/lab$nn)"
    else echo "lab $nn: the solution's data (build/out/lab$nn-solution): $why"; fi
  fi

  if ! have_data "$dir" "${data[@]}"; then
    missing=
    for f in "${data[@]}"; do [ -s "$dir/$f" ] || missing+=" $dir/$f"; done
    if [ $src = yours ]; then cmd=$mine_cmd; else cmd=$madeby; fi
    echo "  ${yellow}skip${off} $fig ($title): no${missing}. Make it with: $cmd"
    skipped=$((skipped + 1))
    continue
  fi
  if [ $src = yours ]; then note="data: your lab $nn"; else note="data: solution, lab $nn"; fi
  # The note sits in the bottom right corner; the script is loaded after it, so it
  # keeps its own title, labels and styles. Tag 9999 stays clear of a script's labels.
  pre="dir='$dir'; set label 9999 '$note' at screen 0.99, screen 0.015 right font ',8' textcolor rgb 'gray40' noenhanced"

  if [[ $gp == *.gv ]]; then   # a graph the lab wrote: Graphviz renders it, gnuplot is not involved
    if [ $dumb -eq 1 ] || [ $have_dot -eq 0 ]; then
      if [ $dumb -eq 1 ]; then why="a graph has no terminal version"; else why="Graphviz is not installed. HINT: sudo make deps"; fi
      echo "  ${yellow}skip${off} $fig ($title): $why; the graph itself is $dir/${data[0]}"
      continue
    fi
    ok=1
    for fmt in png svg; do
      dot -T$fmt -Glabel="$note" -Glabeljust=r -Glabelloc=b -Gfontsize=10 -Gbgcolor=white -o "$outdir/$fig.$fmt" \
        "$dir/${data[0]}" > "$outdir/$fig.log" 2>&1 || { ok=0; break; }
    done
    if [ $ok -eq 0 ]; then
      echo "  ${red}fail${off} $fig: dot could not render $dir/${data[0]}:"; sed -e 's/^/    /' "$outdir/$fig.log" | head -n 12
      rm -f "$outdir/$fig.png" "$outdir/$fig.svg"
      failed=$((failed + 1)); continue
    fi
    rm -f "$outdir/$fig.log"
    echo "  ${green}made${off} $outdir/$fig.png and .svg: $title ($note)"
    grep -v -F "$fig"$'\t' "$outdir/sources.tsv" > "$outdir/sources.tsv.tmp"
    printf '%s\t%s\t%s\t%s\n' "$fig" "$src" "$dir" "$title" >> "$outdir/sources.tsv.tmp"
    sort -o "$outdir/sources.tsv" "$outdir/sources.tsv.tmp"; rm -f "$outdir/sources.tsv.tmp"
  elif [ $dumb -eq 1 ] && grep -qE 'with[[:space:]]+image|pm3d' "$gp"; then
    # A heat map in characters is a block of noise: say where the picture is instead.
    echo
    echo "${bold}$fig: $title${off}: a heat map, which a terminal cannot show. Make it as a picture: make plots LAB=$nn (without GNUTERM=dumb), then open $outdir/$fig.png"
    heatmaps=$((heatmaps + 1))
    continue
  elif [ $dumb -eq 1 ]; then
    echo
    echo "${bold}$fig: $title${off}   ($note)"
    errs=$(gnuplot -e "set terminal dumb size ${COLUMNS:-100}, 32; set output; $pre" "$gp" 2>&1 >&3) || {
      echo "  ${red}gnuplot failed on $gp${off}:"; sed -e 's/^/    /' <<<"$errs" | head -n 12
      failed=$((failed + 1)); continue
    }
  else
    ok=1
    : > "$outdir/$fig.log"
    for fmt in png svg; do
      if [ $fmt = png ]; then term="pngcairo size $size enhanced font 'Sans,11' background rgb 'white'"
      else term="svg size $size dynamic enhanced font 'Sans,11' background rgb 'white'"; fi
      gnuplot -e "set terminal $term; set output '$outdir/$fig.$fmt'; $pre" "$gp" > "$outdir/$fig.$fmt.log" 2>&1 || ok=0
      [ $fmt = png ] && cat "$outdir/$fig.$fmt.log" >> "$outdir/$fig.log"
      rm -f "$outdir/$fig.$fmt.log"
      [ $ok -eq 1 ] || break
    done
    if [ $ok -eq 0 ]; then
      echo "  ${red}fail${off} $fig: gnuplot stopped with an error (the script $gp needs a fix):"
      sed -e 's/^/    /' "$outdir/$fig.log" | head -n 12
      rm -f "$outdir/$fig.png" "$outdir/$fig.svg"
      failed=$((failed + 1)); continue
    fi
    echo "  ${green}made${off} $outdir/$fig.png and .svg: $title ($note)"
    if [ -s "$outdir/$fig.log" ]; then
      echo "       gnuplot warned:"; sed -e 's/^/         /' "$outdir/$fig.log" | grep -v '^[[:space:]]*$' | head -n 6
    fi
    rm -f "$outdir/$fig.log"
    grep -v -F "$fig"$'\t' "$outdir/sources.tsv" > "$outdir/sources.tsv.tmp"
    printf '%s\t%s\t%s\t%s\n' "$fig" "$src" "$dir" "$title" >> "$outdir/sources.tsv.tmp"
    sort -o "$outdir/sources.tsv" "$outdir/sources.tsv.tmp"; rm -f "$outdir/sources.tsv.tmp"
  fi
  made=$((made + 1))
  [ $src = yours ] && mine=$((mine + 1))
done

echo
n=${#scripts[@]}
if [ "$n" -eq 0 ]; then
  echo "make plots: no figure scripts yet (plots/labNN_<figure>.gp)."
  exit 0
fi
if [ $dumb -eq 1 ]; then what="drawn in the terminal"; else what="in $outdir/ (PNG and SVG)"; fi
[ $heatmaps -gt 0 ] && what+=" and $heatmaps heat map$([ $heatmaps -ne 1 ] && echo s) left out (PNG or SVG only)"
echo "${bold}make plots:${off} $made figure$([ $made -ne 1 ] && echo s) $what, $mine from your runs and $((made - mine)) from the solutions'; $skipped skipped (data missing), $failed failed."
[ $skipped -gt 0 ] && echo "  the skipped ones: run the command named above, then make plots again."
[ $dumb -eq 0 ] && [ $made -gt 0 ] && echo "  next: look at them (any image viewer, or make docs: they are in each lab's page)."
[ $failed -eq 0 ] || exit 1
exit 0
