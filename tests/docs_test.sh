#!/usr/bin/env bash
# tests/docs_test.sh: tests of the docs gate itself (tools/html_check.pl and the
# page linter in tools/docs.sh): each rendering defect a learner once saw on the
# site must make the gate fail, naming the place, and a clean page must pass.
#
# What it is: html_check.pl run on small pages written here, one defect each
# (the defects as Doxygen printed them: literal **, a stray backtick, \ilinebr
# and escaped table cells, <tt> in a heading's title and in the navigation,
# \@, a file:line: auto-link, a link to a missing file); then tools/docs.sh on a
# scratch copy of the repository whose handout has the source-side mistakes
# (bold opening with a code span, a ' inside a code span, a code span across
# lines), which must fail naming each line.
# Also: tools/plots.sh with GNUTERM=dumb on a stand-in lab 97 (a line plot is
# drawn in characters, a heat map says in one line that it needs a picture, and
# no file is written).
# What it is not: a test of the real site (make test-docs builds and checks it).
# Prints one line per assertion and `N passed, M failed`; exits 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
repo=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
expect_has() { if grep -q -F -- "$3" <<<"$2"; then ok "$1"; else bad "$1: no '$3' in:"; sed 's/^/       /' <<<"$2" | head -n 20; fi; }

# page NAME BODY: a one-page site in its own folder; prints the folder.
page() {
  local d=$tmp/site_$1
  mkdir -p "$d"
  printf '<html><head><title>makemore-c: %s</title></head><body><div class="contents">%s</div></body></html>\n' "${3:-Lab}" "$2" > "$d/lab01.html"
  echo "$d"
}
# defect NAME BODY WANT [TITLE]: html_check.pl must fail on the page and say WANT.
defect() {
  local d out rc
  d=$(page "$1" "$2" "${4:-}")
  out=$(perl tools/html_check.pl "$d" 2>&1); rc=$?
  if [ $rc -eq 1 ]; then ok "html_check fails on $1"; else bad "html_check exits $rc on $1 (expected 1)"; fi
  expect_has "html_check names $1" "$out" "$3"
}

echo "== html_check.pl: each defect seen on the site"
defect "bold around code" '<p>** <code>lab01.1</code> <code>bigram_count</code>**: zero N</p>' 'markdown bold (**) shown as text'
defect "a stray backtick" '<p>does `.` follow</p>' 'a backtick shown as text'
defect "\\ilinebr in a table" '<td>4,410 \ilinebr &lt;/td&gt; &lt;td class="markdownTableBodyNone"&gt;</td>' "Doxygen's \\ilinebr shown as text"
defect "escaped table markup" '<p>&lt;td class="markdownTableBodyNone"&gt; 4,438</p>' 'HTML markup shown as text'
defect "<tt> in a heading" '<h1>Speed: &lt;tt&gt;make bench&lt;/tt&gt;</h1>' 'HTML markup shown as text'
defect "<tt> in the title" '<p>fine</p>' 'markup in the page title' 'Speed: &lt;tt&gt;make bench&lt;/tt&gt;'
defect "\\@ in prose" '<p>Var(x \@ w)</p>' 'an escaped @ or # shown with its backslash'
defect "a file: auto-link" '<p><a href="file:line:">file:line:</a> what is wrong</p>' 'a link that goes nowhere'
defect "a link to a missing file" '<p><a href="lab09.html">lab 09</a></p>' 'a link to a file that is not in the site'
defect "a missing image" '<p><img src="lab01_counts.png"></p>' 'a link to a file that is not in the site'
d=$tmp/site_nav; mkdir -p "$d"
printf 'var NAVTREE = [ [ "makemore-c", "index.html", [ [ "Speed: <tt>make bench</tt>", "index.html#autotoc_md40", null ] ] ] ];\n' > "$d/navtreedata.js"
out=$(perl tools/html_check.pl "$d" 2>&1); rc=$?
[ $rc -eq 1 ] && ok "html_check fails on <tt> in the navigation" || bad "html_check exits $rc on <tt> in the navigation"
expect_has "html_check names the navigation entry" "$out" 'navtreedata.js: markup in a navigation entry'

echo "== html_check.pl: what is not a defect"
d=$(page clean '<p>Python'"'"'s power <code>a ** p</code>, a ** p in prose, <b>bold</b>, <a href="https://example.org/">a site</a>, <a href="lab01.html#top">this page</a></p><div class="fragment"><div class="line">char **argv; `x`</div></div><table><tr><td class="memItemLeft">char **</td><td class="memItemRight">words</td></tr></table>')
out=$(perl tools/html_check.pl "$d" 2>&1); rc=$?
[ $rc -eq 0 ] && ok "html_check passes a clean page (code, fragments, declarations, power, web links)" || { bad "html_check exits $rc on a clean page:"; sed 's/^/       /' <<<"$out"; }

echo "== tools/docs.sh: the page linter names the handout's line"
if command -v doxygen > /dev/null; then
  scratch=$tmp/repo; mkdir -p "$scratch"
  (cd "$repo" && git ls-files -z -- README.md docs tools common labs solutions plots data/README.md | xargs -0 cp --parents -t "$scratch")
  h=$(ls -d "$scratch"/labs/01_*/README.md | head -n 1)
  rel=${h#"$scratch"/}
  lines=$(wc -l < "$h")
  {
    echo
    echo '- **`lab01.1` `bigram_count`**: zero the table.'
    echo "- the start: \`stoi('.') = 0\`."
    echo '- a span `across'
    echo '  two lines` here.'
  } >> "$h"
  out=$(cd "$scratch" && bash tools/docs.sh 2>&1); rc=$?
  [ $rc -ne 0 ] && ok "docs.sh fails on the handout's mistakes" || bad "docs.sh exits 0 on a handout with rendering mistakes"
  expect_has "docs.sh names bold opening with code, at its line" "$out" "$rel:$((lines + 2)): bold that opens with a code span"
  expect_has "docs.sh names ' in a code span, at its line" "$out" "$rel:$((lines + 3)): a ' inside the code span"
  expect_has "docs.sh names a code span across lines, at its line" "$out" "$rel:$((lines + 4)): a code span that does not close on its line"
else
  bad "doxygen is not installed: the page linter was not tested (apt-get install doxygen)"
fi

echo "== tools/plots.sh GNUTERM=dumb: line plots in the terminal, a heat map says it needs a picture, no file written"
if command -v gnuplot > /dev/null; then
  fig=$tmp/figs; mkdir -p "$fig/plots" "$fig/tools" "$fig/solutions/97_demo" "$fig/build/out/lab97-solution"
  cp tools/plots.sh tools/learner_lib.sh "$fig/tools/"
  printf '# figure: a line\n# data: line.tsv\nplot dir."/line.tsv" using 1:2 with lines notitle\n' > "$fig/plots/lab97_line.gp"
  printf '# figure: a heat map\n# data: heat.tsv\nplot dir."/heat.tsv" using 1:2:3 with image notitle\n' > "$fig/plots/lab97_heat.gp"
  printf '0\t1\n1\t3\n2\t2\n' > "$fig/build/out/lab97-solution/line.tsv"
  printf '0\t0\t1\n0\t1\t2\n1\t0\t3\n1\t1\t4\n' > "$fig/build/out/lab97-solution/heat.tsv"
  out=$(cd "$fig" && GNUTERM=dumb FROM=solutions COLUMNS=60 bash tools/plots.sh 2>&1); rc=$?
  [ $rc -eq 0 ] && ok "plots GNUTERM=dumb exits 0" || bad "plots GNUTERM=dumb exits $rc"
  expect_has "the line plot is drawn in characters" "$out" "lab97_line: a line"
  expect_has "the heat map says it needs a picture" "$out" "lab97_heat: a heat map: a heat map, which a terminal cannot show. Make it as a picture: make plots LAB=97"
  expect_has "the summary counts the heat map apart" "$out" "1 figure drawn in the terminal and 1 heat map left out (PNG or SVG only)"
  if [ -e "$fig/build/plots" ]; then bad "GNUTERM=dumb wrote build/plots: $(ls "$fig/build/plots" | tr '\n' ' ')"; else ok "GNUTERM=dumb leaves no file behind"; fi
else
  bad "gnuplot is not installed: the terminal figures were not tested (apt-get install gnuplot-nox)"
fi

echo
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
