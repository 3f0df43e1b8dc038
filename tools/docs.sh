#!/usr/bin/env bash
# tools/docs.sh: what `make docs` (and, with --strict, `make test`) runs. The kit's
# Doxygen site in build/docs/html: the README as the main page, each lab handout
# (labs/NN_name/README.md) as a page with its figures and code excerpts, and the
# core's API reference grouped by module (docs/api.dox).
#
#   tools/docs.sh            build the site; fails on any Doxygen warning
#   tools/docs.sh --strict   the same, and also fails when README.md is missing
#                            or a code excerpt no longer matches its source
#
# How a handout becomes a page (build/docs/src/labNN.md; line numbers are kept,
# so a warning is reported at the handout's own line):
#  - its first heading gets the page label labNN (link to it with @ref labNN);
#  - images of figures (![title](../../docs/figures/labNN_fig.png), or
#    build/plots/) show the PNG made by `make plots` when there is one (whose
#    data it is, in the caption), else the committed reference figure from the
#    solution (docs/figures/, tools/reference_figures.sh), else a note saying
#    which commands make it (never a failure);
#  - links to other handouts, the README, docs/DEVELOPING.md and core headers
#    become links inside the site; links to other files become their path;
#  - $x$ and $$...$$ become Doxygen formulas, rendered by MathJax from a local
#    copy (Debian's libjs-mathjax, copied into html/mathjax: no network needed);
#  - `<!-- excerpt: path | function -->` (a whole function, with the comment just
#    above it) or `<!-- excerpt: path | first line text | last line text -->` on
#    its own line becomes that excerpt of the source, cut out at build time into
#    build/docs/src/excerpts/ and shown with \include (no pasted copies);
#    docs/excerpts.tsv adds more per page (page, path, function or first line,
#    last line or empty, caption), in a "From the kit's code" section;
#  - characters Doxygen would take for commands (\ @ # <tag>) are escaped
#    outside code and math.
#  - after Doxygen, tools/html_check.pl reads the pages as a reader does and
#    fails on markdown shown as text, markup in titles or the navigation, and
#    links that go nowhere (Doxygen does not warn about those).
# Not here: the texts themselves, and the figures (make plots).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
. tools/learner_lib.sh
learner_colors
strict=0
case "${1:-}" in
  --strict) strict=1 ;;
  "") ;;
  *) echo "docs.sh: unknown argument $1. HINT: tools/docs.sh [--strict]" >&2; exit 2 ;;
esac
if ! command -v doxygen > /dev/null; then
  echo "make docs: doxygen is not installed. HINT: sudo make deps (or apt-get install doxygen)" >&2
  exit 1
fi
mathjax=${MATHJAX_DIR:-/usr/share/javascript/mathjax}

out=build/docs
src=$out/src
rm -rf "$src" "$out/html" "$out/img" "$out/warnings.log"
mkdir -p "$src/excerpts" "$out/img" build/plots
problems=0        # things --strict refuses (README missing, stale excerpts)
lint_problems=0   # lines Doxygen's markdown would print as typed (always refused)
notes=()

# ---- the page preprocessor (perl: on every Debian system, and good at this) ---
# args: ORIGINAL_PATH LABEL; env PLOTS (folder of figures), IMG (folder for other
# images), LABS ("NN=NN_name ..."), SOURCES (build/plots/sources.tsv); reads the
# page on stdin, writes it on stdout; on stderr one `missing-figure NAME` or
# `excerpt-problem ...` line per problem found.
read -r -d '' PREPROCESS <<'PERL'
use strict; use warnings;
use File::Basename qw(basename dirname);
use File::Copy qw(copy);
my ($orig, $label) = @ARGV;
my $plots = $ENV{PLOTS}; my $img = $ENV{IMG};
my %lab = map { split /=/, $_, 2 } split ' ', ($ENV{LABS} // '');
my %source;
if (open my $s, '<', $ENV{SOURCES}) { while (<$s>) { chomp; my @f = split /\t/; $source{$f[0]} = $f[1] if @f > 1; } }
my %madeby;
for my $gp (glob "plots/lab*.gp") {
  open my $g, '<', $gp or next; my $fig = basename($gp, '.gp');
  while (<$g>) { $madeby{$fig} = $1 if /^#\s*made-by:\s*(.*\S)/ && !$madeby{$fig}; }
}
my $dir = dirname($orig);
my %known = map { $_ => 1 } qw(a b br code div em i img kbd li ol p pre span strong sub sup table td th tr ul details summary hr center small tt u s dl dt dd caption thead tbody blockquote h1 h2 h3 h4 h5 h6);

sub resolve {            # a relative link target as a path from the repository root
  my ($t) = @_;
  my @parts = $dir eq '.' ? () : split m{/}, $dir;
  for my $p (split m{/}, $t) {
    next if $p eq '.' || $p eq '';
    if ($p eq '..') { pop @parts } else { push @parts, $p }
  }
  return join '/', @parts;
}

sub figure {             # ![alt](target) -> the figure, or a note saying how to make it
  my ($alt, $t) = @_;
  return "![$alt]($t)" if $t =~ m{^[a-z]+://};
  my $p = resolve($t); my $base = basename($p);
  if ($p =~ m{^(?:build/plots|docs/figures)/} || ($base =~ /^lab\d\d_.*\.(png|svg)$/ && !-e $p)) {
    (my $fig = $base) =~ s/\.(png|svg)$//;
    if (-e "$plots/$fig.png") {
      my $whose = ($source{$fig} // '') eq 'yours' ? 'data: your run' : ($source{$fig} // '') eq 'solution' ? "data: the solution's run" : '';
      my $cap = $alt; $cap .= " ($whose)" if $whose;
      return "![$cap]($fig.png)";
    }
    if (-e "docs/figures/$fig.png") {     # the committed reference figure, until a run makes one
      copy("docs/figures/$fig.png", "$img/$fig.png");
      return "![$alt (the solution's figure: make plots draws yours)]($fig.png)";
    }
    print STDERR "missing-figure $fig\n";
    my $cmd = $madeby{$fig} ? "`$madeby{$fig}`, then " : '';
    return "<em class=\"kit-missing-figure\">[Figure \"$alt\" is not made yet: run ${cmd}`make plots`, then `make docs`.]</em>";
  }
  if (-e $p) { copy($p, "$img/$base"); return "![$alt]($base)"; }
  print STDERR "missing-image $p\n";
  return "<em>[image $alt: $p is missing]</em>";
}

sub mklink {               # [text](target) -> a link inside the site, or the path as code
  my ($text, $t) = @_;
  return "[$text]($t)" if $t =~ m{^([a-z]+:|\@ref )};
  return $text if $t =~ /^#/;                 # GitHub's heading anchors do not exist here
  (my $path = $t) =~ s/#.*$//;
  my $p = resolve($path);
  if ($p =~ m{^(?:labs|solutions)/(\d\d)_[^/]+(?:/README\.md)?/?$} && $lab{$1}) { return "[$text](\@ref lab$1)"; }
  return "[$text](\@ref index)" if $p eq 'README.md';
  return "[$text](\@ref developing)" if $p eq 'docs/DEVELOPING.md';
  if ($p =~ m{^common/([a-z_]+\.h)$} && -e $p) { return "[$text](\@ref $1)"; }
  my $code = $text =~ /\Q@{[basename($p)]}\E/ ? '' : " (`$p`)";
  return "$text$code";
}

sub escape_prose {       # outside code and math: what Doxygen would read as a command
  my ($s) = @_;
  $s =~ s/\\/\\\\/g;
  $s =~ s/\@/\\@/g;
  $s =~ s/(^|[^\w&])#(?=\w)/$1\\#/g;
  $s =~ s{<(/?)([A-Za-z][\w-]*)}{ $known{lc $2} ? "<$1$2" : "&lt;$1$2" }ge;
  return $s;
}

sub inline {             # one line of prose: code spans kept, math converted, the rest escaped
  my ($line) = @_;
  my $outp = '';
  for my $piece (split /(`+[^`]*`+)/, $line) {
    if ($piece =~ /^`/) { $outp .= $piece; next; }
    my @bits = split /(\$\$[^\$]+\$\$|(?<![\\\$\w])\$(?=\S)[^\$]*?(?<=\S)\$(?![\w\$]))/, $piece;
    for my $b (@bits) {
      if ($b =~ /^\$\$(.*)\$\$$/s) { $outp .= "\\f[$1\\f]"; }
      elsif ($b =~ /^\$(.*)\$$/s) { $outp .= "\\f\$$1\\f\$"; }
      else {
        # images and links first (their targets must not be escaped), the rest escaped
        my $rest = $b; my $o = '';
        while ($rest =~ /(!?)\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/) {
          $o .= escape_prose($`);
          my ($bang, $text, $t) = ($1, $2, $3); $rest = $';
          $o .= $bang ? figure($text, $t) : mklink(escape_prose($text), $t);
        }
        $outp .= $o . escape_prose($rest);
      }
    }
  }
  return $outp;
}

sub excerpt {            # cut an excerpt out of PATH into $ENV{EXC}/NAME.c; return NAME.c or ''
  my ($path, $from, $until) = @_;
  open my $f, '<', $path or do { print STDERR "excerpt-missing $path\n"; return ''; };
  my @l = <$f>; my ($a, $b);
  if (defined $until && $until ne '') {
    for my $i (0..$#l) { if (!defined $a && index($l[$i], $from) >= 0) { $a = $i; } if (defined $a && index($l[$i], $until) >= 0) { $b = $i; last; } }
  } else {           # a function: its definition line, to the closing brace in column 0
    for my $i (0..$#l) { if ($l[$i] =~ /^[A-Za-z_].*\b\Q$from\E\s*\(/ && $l[$i] !~ /;\s*$/) { $a = $i; last; } }
    if (defined $a) { for my $i ($a..$#l) { if ($l[$i] =~ /^\}/) { $b = $i; last; } } }
    if (defined $a) { while ($a > 0 && $l[$a - 1] =~ m{^\s*(/\*|\*|//)}) { $a--; } }
  }
  unless (defined $a && defined $b) { print STDERR "excerpt-stale $path:$from\n"; return ''; }
  (my $name = "$path") =~ s{[^A-Za-z0-9]+}{_}g; $name .= "_" . ($a + 1) . ".c";
  open my $o, '>', "$ENV{EXC}/$name" or die; print $o @l[$a..$b]; close $o;
  print STDERR "excerpt-ok $path:" . ($a + 1) . "-" . ($b + 1) . "\n";
  return $name;
}

# What Doxygen's markdown gets wrong, caught in the page's own line (Doxygen
# prints such text as it was typed, without a warning): the gate's HTML check
# finds the symptom, this names the line.
sub lint {
  my ($line) = @_;
  (my $spans = $line) =~ s/``[^`]*``//g;          # double-backtick spans may hold a `
  my $ticks = () = $spans =~ /`/g;
  print STDERR "lint $.: a code span that does not close on its line (Doxygen cannot join them: keep it on one line)\n" if $ticks % 2;
  print STDERR "lint $.: bold that opens with a code span (Doxygen prints the ** as text: start the bold with a word, or drop it)\n" if $line =~ /\*\*`/;
  while ($line =~ /`([^`]*)`/g) {
    my $code = $1;
    if ($code =~ /'/) { print STDERR "lint $.: a ' inside the code span `$code` (Doxygen breaks the span: use \" or rephrase)\n"; last; }
  }
}

my ($fence, $math, $first) = ('', 0, 1);
while (my $line = <STDIN>) {
  chomp $line;
  if ($fence) { $fence = '' if $line =~ /^\s*\Q$fence\E\s*$/; print "$line\n"; next; }
  if ($line =~ /^\s*(```+|~~~+)/) { $fence = $1; print "$line\n"; next; }
  if ($math) { if ($line =~ /^\s*\$\$\s*$/) { $math = 0; print "\\f]\n"; } else { print "$line\n"; } next; }
  if ($line =~ /^\s*\$\$\s*$/) { $math = 1; print "\\f[\n"; next; }
  if ($line =~ /^\s*<!--\s*excerpt:\s*(.*?)\s*-->\s*$/) {
    my ($path, $from, $until) = map { s/^\s+|\s+$//gr } split /\|/, $1;
    my $name = excerpt($path, $from, $until);
    print $name ? "\\include $name\n" : "<em>[excerpt of $path not found: $from]</em>\n";
    next;
  }
  if ($first && $line =~ /^#\s+(.*?)\s*$/) {
    my $t = $1; $first = 0;
    $t =~ s/\s*\{#[\w-]+\}$//;
    print "# ", escape_prose($t), ($label ? " {#$label}" : ''), "\n"; next;
  }
  $first = 0 if $line =~ /\S/;
  lint($line);
  if ($line =~ /^(#{2,6})\s+(.*?)\s*(\{#[\w-]+\})?\s*$/) {
    print "$1 ", inline($2), ($3 ? " $3" : ''), "\n"; next;
  }
  print inline($line), "\n";
}
PERL

# prepare ORIGINAL LABEL DEST: one page through the preprocessor.
prepare() {
  PLOTS=build/plots IMG=$out/img EXC=$src/excerpts LABS="$labs_env" SOURCES=build/plots/sources.tsv \
    perl -e "$PREPROCESS" "$1" "$2" < "$1" > "$3" 2> "$3.problems"
  local what name
  while read -r what name; do
    case "$what" in
      missing-figure) missing_figs+=("$name") ;;
      missing-image) notes+=("$1: image $name is missing") ;;
      excerpt-ok) ;;
      lint) notes+=("$1:${name%%:*}:${name#*:}"); problems=$((problems + 1)); lint_problems=$((lint_problems + 1)) ;;
      excerpt-missing|excerpt-stale) notes+=("$1: the excerpt $name is no longer in its source (fix the marker)"); problems=$((problems + 1)) ;;
      *) notes+=("$1: $what $name") ;;
    esac
  done < "$3.problems"
  rm -f "$3.problems"
}

labs_env=
for d in $(all_labs); do labs_env+="${d%%_*}=$d "; done
missing_figs=()

# ---- the main page ----------------------------------------------------------------
if [ -f README.md ]; then
  prepare README.md "" "$src/README.md"   # the main page: Doxygen labels it index itself
else
  notes+=("README.md is missing: the main page is a placeholder")
  [ $strict -eq 1 ] && problems=$((problems + 1))
  printf '# makemore-c\n\nThe README (the main page) is not written yet. Start with @ref labs.\n' > "$src/README.md"
fi

# ---- the lab pages, and a page listing them -------------------------------------------
{
  echo "# Lab handouts {#labs}"
  echo
  echo "One lab per lecture, in order. Each page is the lab's handout (labs/NN_name/README.md):"
  echo "the idea, the math, the steps you write, the numbers you should see, and its figures."
  echo
} > "$src/labs.md"   # named so that it sorts before lab01.md: the sidebar lists it first
npages=0
for d in $(all_labs); do
  n=${d%%_*}
  readme=labs/$d/README.md
  if [ ! -f "$readme" ]; then
    echo "- Lab $n ($d): the handout is not written yet." >> "$src/labs.md"
    continue
  fi
  page=$src/lab$n.md
  prepare "$readme" "lab$n" "$page"
  # Figures of this lab that the handout does not show: appended, so every figure has a home.
  extra=()
  for gp in plots/lab${n}_*.gp; do
    [ -e "$gp" ] || continue
    fig=$(basename "$gp" .gp)
    grep -q -F "$fig." "$readme" || extra+=("$fig")
  done
  if [ ${#extra[@]} -gt 0 ]; then
    { echo; echo "## More figures {#lab${n}_figures}"; echo; } >> "$page"
    for fig in "${extra[@]}"; do
      title=$(sed -n -E 's/^#[[:space:]]*figure:[[:space:]]*(.*[^[:space:]])[[:space:]]*$/\1/p' "plots/$fig.gp" | head -n 1)
      printf '![%s](../../build/plots/%s.png)\n\n' "${title:-$fig}" "$fig" \
        | PLOTS=build/plots IMG=$out/img EXC=$src/excerpts LABS="$labs_env" SOURCES=build/plots/sources.tsv perl -e "$PREPROCESS" "$readme" "lab$n" 2>> "$page.more" >> "$page"
    done
    while read -r what name; do [ "$what" = missing-figure ] && missing_figs+=("$name"); done < "$page.more"
    rm -f "$page.more"
  fi
  # Code excerpts listed for this page in docs/excerpts.tsv, through the same
  # marker the handouts may use inline.
  first=1
  if [ -f docs/excerpts.tsv ]; then
    # (tabs become \037 first: read would merge two tabs and lose an empty column)
    while IFS=$'\037' read -r epage path what until caption; do
      [ "$epage" = "lab$n" ] || continue
      if [ $first -eq 1 ]; then
        { echo; echo "## From the kit's code {#lab${n}_code}"; echo;
          echo "Cut from the sources each time the site is built, so this is the code as it is now."; echo; } >> "$page"
        first=0
      fi
      printf '%s (`%s`):\n\n<!-- excerpt: %s | %s | %s -->\n\n' "$caption" "$path" "$path" "$what" "$until" \
        | PLOTS=build/plots IMG=$out/img EXC=$src/excerpts LABS="$labs_env" SOURCES=build/plots/sources.tsv \
          perl -e "$PREPROCESS" docs/excerpts.tsv "" >> "$page" 2> "$page.exc"
      while read -r what2 name2; do
        case "$what2" in excerpt-missing|excerpt-stale)
          notes+=("docs/excerpts.tsv: lab$n: $name2 is no longer in its source (fix the excerpt)"); problems=$((problems + 1)) ;;
        esac
      done < "$page.exc"
      rm -f "$page.exc"
    done < <(grep -v -e '^#' -e '^[[:space:]]*$' docs/excerpts.tsv | tr '\t' '\037')
  fi
  title=$(head -n 1 "$readme" | sed -e 's/^#*[[:space:]]*//' -e 's/[[:space:]]*{#[^}]*}[[:space:]]*$//')
  echo "- \\subpage lab$n \"${title:-Lab $n}\"" >> "$src/labs.md"
  npages=$((npages + 1))
done
echo >> "$src/labs.md"
echo "Run a lab with \`make labNN\`, check it with \`make check LAB=NN\`, see where you are with \`make status\`." >> "$src/labs.md"

# zz_: the maintainers' notes come last in the sidebar.
if [ -f docs/DEVELOPING.md ]; then prepare docs/DEVELOPING.md developing "$src/zz_developing.md"; fi

# ---- the core's headers, each in its module of docs/api.dox ----------------------------
{
  echo "/* generated by tools/docs.sh: each core header in its module (docs/api.dox) */"
  for h in common/*.h; do
    [ -e "$h" ] || continue
    g=$(basename "$h" .h)
    grep -q "@defgroup $g " docs/api.dox || continue
    printf '/** @file %s\n *  @ingroup %s */\n' "$(basename "$h")" "$g"
  done
} > "$src/api_files.dox"

# ---- doxygen ---------------------------------------------------------------------------
cp -r "$out/img/." "$src/" 2>/dev/null
if ! doxygen docs/Doxyfile > "$out/doxygen.log" 2>&1; then
  echo "${red}make docs: doxygen failed${off}:" >&2
  sed -e 's/^/  /' "$out/doxygen.log" | tail -n 20 >&2
  exit 1
fi
# A local MathJax: the parts MathJax 2 loads for TeX input and HTML-CSS output.
if [ -f "$mathjax/MathJax.js" ]; then
  mj=$out/html/mathjax
  mkdir -p "$mj/jax/output" "$mj/fonts/HTML-CSS" "$mj/localization"
  cp "$mathjax/MathJax.js" "$mj/"
  cp -r "$mathjax/config" "$mathjax/extensions" "$mj/"
  cp -r "$mathjax/jax/input" "$mathjax/jax/element" "$mj/jax/"
  cp -r "$mathjax/jax/output/HTML-CSS" "$mj/jax/output/"
  cp -r "$mathjax/fonts/HTML-CSS/TeX" "$mj/fonts/HTML-CSS/"
  [ -d "$mathjax/localization/en" ] && cp -r "$mathjax/localization/en" "$mj/localization/"
else
  notes+=("MathJax is not installed ($mathjax): formulas show as TeX source. HINT: apt-get install libjs-mathjax")
  [ $strict -eq 1 ] && problems=$((problems + 1))
fi

# Doxygen makes a link of anything that looks like a file: address, even inside
# code spans (`file:line: message` in the error story), and such a link goes
# nowhere. Keep the words, drop the link.
perl -pi -e 's{<a href="file:[^"]*">(.*?)</a>}{$1}g' "$out"/html/*.html

# ---- the verdict -----------------------------------------------------------------------
# Warnings name build/docs/src/...: point them back at the files people edit.
map_back() {
  local sedargs=(-e "s#^$src/README.md:#README.md:#" -e "s#^$src/zz_developing.md:#docs/DEVELOPING.md:#")
  for d in $(all_labs); do sedargs+=(-e "s#^$src/lab${d%%_*}.md:#labs/$d/README.md:#"); done
  sed "${sedargs[@]}" -e "s#^$PWD/##"
}
nwarn=0
if [ -s "$out/warnings.log" ]; then
  nwarn=$(grep -c . "$out/warnings.log")
fi
nfig=$(ls "$out/html"/lab[0-9][0-9]_*.png 2>/dev/null | wc -l)
for n in "${notes[@]}"; do echo "note: $n"; done
if [ ${#missing_figs[@]} -gt 0 ]; then
  mapfile -t uniq < <(printf '%s\n' "${missing_figs[@]}" | sort -u)
  echo "note: ${#uniq[@]} figure(s) not made yet, shown as a note on their page: ${uniq[*]}. HINT: make plots, then make docs"
fi
if [ "$nwarn" -gt 0 ]; then
  echo "${red}make docs: doxygen gave $nwarn warning(s)${off} (the rule is zero):" >&2
  map_back < "$out/warnings.log" | head -n 40 | sed -e 's/^/  /' >&2
  [ "$nwarn" -gt 40 ] && echo "  ... all of them in $out/warnings.log" >&2
  exit 1
fi
# What a reader would see that Doxygen did not warn about: markdown shown as
# text, markup in titles and the navigation, links that go nowhere.
if ! perl tools/html_check.pl "$out/html" > "$out/html_check.log" 2>&1; then
  nbad=$(grep -c . "$out/html_check.log")
  echo "${red}make docs: $nbad rendering problem(s) in the pages${off} (markdown Doxygen printed as it was typed; the rule is zero):" >&2
  # a page back to the file people edit
  hsed=(-e "s#^index\.html:#README.md (index.html):#" -e "s#^developing\.html:#docs/DEVELOPING.md (developing.html):#"
        -e "s#^\([a-z_]*\)_8h\.html:#common/\1.h (\1_8h.html):#")
  for d in $(all_labs); do hsed+=(-e "s#^lab${d%%_*}\.html:#labs/$d/README.md (lab${d%%_*}.html):#"); done
  sed "${hsed[@]}" "$out/html_check.log" | head -n 40 | sed -e 's/^/  /' >&2
  [ "$nbad" -gt 40 ] && echo "  ... all of them in $out/html_check.log" >&2
  exit 1
fi
if [ $lint_problems -gt 0 ]; then
  echo "${red}make docs: $lint_problems line(s) above that Doxygen would print as typed${off} (the notes name them)" >&2
  exit 1
fi
if [ $strict -eq 1 ] && [ $problems -gt 0 ]; then
  echo "${red}make docs --strict: $problems problem(s) above${off}" >&2
  exit 1
fi
echo "make docs: $out/html/index.html ($npages lab page(s), $nfig figure(s), the core API by module; no warnings)."
echo "  open it: xdg-open $out/html/index.html   (or any browser: file://$PWD/$out/html/index.html)"
exit 0
