#!/usr/bin/env bash
# tests/robust_test.sh: the bad-input table of issue 8 as an executable test
# (`make test-robust`; `make SANITIZE=1 test-robust` runs it on the ASan+UBSan
# binaries).
#
# What it is: every way a learner can hand the kit broken input (data files,
# flags, checkpoints, a diverging run, Ctrl-C, an unfinished skeleton), run
# against the real lab binaries. A refused input must give a non-zero exit
# code (1 bad input, 2 bad flag, 3 unfinished TODO), exactly one line on
# stderr (unless the row documents another number), that line must name the
# file:line or the flag and carry a HINT (a TODO says `Open file:line, write
# it` instead, as kit.h defines), and nothing may crash: no signal, no
# "Segmentation fault", no sanitizer report, no hang. Accepted inputs (CRLF,
# no final newline, empty lines, a leading UTF-8 byte order mark, a pipe) must
# exit 0 with an empty stderr.
# It also replays the fuzzers' seed corpus and every committed crash input
# (tests/fuzz/regressions/) through the fuzz harnesses, built with gcc.
# Output: a table `id | input | message | exit | verdict`, then `N passed, M failed`.
#
# What it is not: the unit tests of the loaders and the parser (the core's
# Check suites own the exact messages); here we check the binaries end to end.
#
# Environment: B (build variant dir, default build/bin), ROBUST_TIMEOUT
# (seconds per run, default 120), ROBUST_ONLY (a regex of case ids to run).
# Scratch files go under build/robust/ (removed at the start of each run).
set -uo pipefail
cd "$(dirname "$0")/.."

B=${B:-build/bin}
W=build/robust
TMO=${ROBUST_TIMEOUT:-120}
ONLY=${ROBUST_ONLY:-}
SAN_PAT='Segmentation fault|core dumped|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|stack smashing|double free|free\(\): invalid|malloc\(\): '

rm -rf "$W"
mkdir -p "$W/data" "$W/out"
passed=0
failed=0
failures=()

bin_of() { # NN [solutions|labs] -> path of the binary (may not exist)
  local d tree=${2:-solutions}
  for d in "$tree"/"$1"_*/; do
    [ -d "$d" ] || continue
    d=${d%/}
    echo "$B/$d/lab$1"
    return
  done
  echo "$B/$tree/$1_missing/lab$1"
}
L01=$(bin_of 01); L02=$(bin_of 02); L03=$(bin_of 03); L04=$(bin_of 04); L05=$(bin_of 05)

# One table row. $1 id, $2 input, $3 message, $4 exit, $5 verdict (OK or FAIL: why)
row() {
  local msg=$3
  [ ${#msg} -gt 400 ] && msg="${msg:0:397}..."
  printf '%-10s | %-44s | %s | %s | %s\n' "$1" "$2" "$msg" "$4" "$5"
  if [ "$5" = OK ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$1 ($2): $5"); fi
}

# Run a command with a timeout; sets RC, OUT (stdout file), ERR (stderr file), MSG (stderr on one line).
run() {
  local id=$1
  shift
  OUT=$W/$id.stdout
  ERR=$W/$id.stderr
  timeout -k 5 "${CASE_TMO:-$TMO}" "$@" > "$OUT" 2> "$ERR" < /dev/null
  RC=$?
  MSG=$(sed -e 's/\r//g' "$ERR" | awk 'NF { printf "%s%s", (n++ ? " // " : ""), $0 }')
}

# Common verdict checks; prints nothing, returns the reason in WHY ("" = fine).
crashed() {
  WHY=""
  if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then WHY="hung (killed after ${CASE_TMO:-$TMO}s)"; return 0; fi
  if [ "$RC" -ge 128 ]; then WHY="died of signal $((RC - 128))"; return 0; fi
  if grep -qaE "$SAN_PAT" "$ERR" "$OUT"; then WHY="crash/sanitizer output: $(grep -aEm1 "$SAN_PAT" "$ERR" "$OUT" | cut -c1-120)"; return 0; fi
  return 1
}

verdict() { if [ -n "$WHY" ]; then echo "FAIL: $WHY"; else echo OK; fi; }

selected() { [ -z "$ONLY" ] || [[ "$1" =~ $ONLY ]]; }

# refuse ID INPUT EXPECTED_RC LINES PATTERN -- CMD...
#   EXPECTED_RC: a number, or nz (any non-zero exit that is not a signal)
#   LINES: how many non-empty lines stderr must have
#   PATTERN: an extended regex stderr must match (the file:line or the flag)
refuse() {
  local id=$1 input=$2 want=$3 lines=$4 pat=$5
  shift 6
  selected "$id" || return 0
  if ! command -v "$1" > /dev/null; then row "$id" "$input" "-" "-" "FAIL: binary $1 missing (run make)"; return; fi
  run "$id" "$@"
  local n
  n=$(grep -c . "$ERR")
  if crashed; then :
  elif [ "$RC" = 0 ]; then WHY="accepted (exit 0), expected a refusal"
  elif [ "$want" != nz ] && [ "$RC" != "$want" ]; then WHY="exit $RC, expected $want"
  elif [ "$n" != "$lines" ]; then WHY="$n lines on stderr, expected $lines"
  elif ! grep -qaE -e "$pat" "$ERR"; then WHY="message does not match /$pat/"
  elif ! grep -qaE -e "${HINT_PAT:-HINT: }" "$ERR"; then WHY="no hint in the message (/${HINT_PAT:-HINT: }/)"
  fi
  row "$id" "$input" "$MSG" "$RC" "$(verdict)"
}

# accept ID INPUT -- CMD...: exit 0, empty stderr, no crash.
accept() {
  local id=$1 input=$2
  shift 3
  selected "$id" || return 0
  if [ ! -x "$1" ]; then row "$id" "$input" "-" "-" "FAIL: binary $1 missing (run make)"; return; fi
  run "$id" "$@"
  if crashed; then :
  elif [ "$RC" != 0 ]; then WHY="exit $RC, expected 0 (accepted)"
  elif [ -s "$ERR" ]; then WHY="unexpected stderr"
  fi
  row "$id" "$input" "${MSG:-(accepted)}" "$RC" "$(verdict)"
}

# ---- the data files ---------------------------------------------------------------
D=$W/data
printf 'emma\nolivia\nava\n' > "$D/good.txt"
printf 'emma\r\nolivia\r\nava\r\n' > "$D/crlf.txt"
printf 'emma\nolivia\nava' > "$D/nofinal.txt"
printf '\nemma\n\n\r\nolivia\n\nava\n\n' > "$D/blank.txt"
: > "$D/empty.txt"
printf '\n\r\n\n' > "$D/blank_only.txt"
mkdir -p "$D/adir"
head -c 512 "$L01" > "$D/garbage.bin" 2>/dev/null # an ELF header: someone passed a binary as --data
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR' > "$D/png.bin"
printf 'emma\nOlivia\n' > "$D/upper.txt"
printf 'emma\nzo\xc3\xab\n' > "$D/accent.txt"
printf 'emma\nzo\xebe\n' > "$D/latin1.txt"
printf 'emma\nava2\n' > "$D/digit.txt"
printf 'emma\nmary ann\n' > "$D/space.txt"
printf 'emma \n' > "$D/trailing_space.txt"
printf 'emma\tF\t20799\n' > "$D/tsv.txt"
printf '\xef\xbb\xbfemma\nava\n' > "$D/bom.txt"
printf 'emma\nav\0a\n' > "$D/nul.txt"
printf 'emma\rava\r' > "$D/cr_only.txt"
{ echo emma; printf '%065d\n' 0 | tr 0 a; } > "$D/long65.txt"
{ echo emma; head -c 200000 /dev/zero | tr '\0' b; echo; } > "$D/long200k.txt"
truncate -s 300M "$D/huge_sparse.txt"
cp "$D/good.txt" "$D/noperm.txt" && chmod 000 "$D/noperm.txt"
# A smaller words file for the training labs: every 8th name (same alphabet, quicker runs).
awk 'NR % 8 == 1' data/names.txt > "$D/small.txt"
SMALL=$D/small.txt

echo "robust_test: bad inputs against the lab binaries in $B/ (scratch: $W/)"
echo
printf '%-10s | %-44s | %s | %s | %s\n' id input message exit verdict
printf '%-10s | %-44s | %s | %s | %s\n' ---------- -------------------------------------------- ------- ---- -------

O1=$W/out/lab01
refuse data.1  "--data: missing file"                1 1 'nope\.txt: cannot open'           -- "$L01" train --quiet --out "$O1" --data "$D/nope.txt"
# Root reads any file whatever its mode, so for root the unreadable file is read
# by an unprivileged user (setpriv, util-linux); chmod 000 is enough otherwise.
if [ "$(id -u)" != 0 ]; then
  refuse data.2 "--data: unreadable file (chmod 000)"  1 1 'noperm\.txt: cannot open: Permission denied' -- "$L01" train --quiet --out "$O1" --data "$D/noperm.txt"
elif command -v setpriv >/dev/null 2>&1; then
  chmod 755 "$W" "$D" && chmod 777 "$W/out"
  refuse data.2 "--data: unreadable file (chmod 000, as nobody)" 1 1 'noperm\.txt: cannot open: Permission denied' -- \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$L01" train --quiet --out "$W/out/nobody" --data "$D/noperm.txt"
else
  row data.2 "--data: unreadable file (chmod 000)" "(skipped: running as root without setpriv)" - OK
fi
refuse data.3  "--data: a read error (/proc/self/mem, EIO)" 1 1 '/proc/self/mem: cannot read'   -- "$L01" train --quiet --out "$O1" --data /proc/self/mem
refuse data.4  "--data: empty file"                   1 1 'empty\.txt: no names: the file is empty' -- "$L01" train --quiet --out "$O1" --data "$D/empty.txt"
refuse data.5  "--data: only blank lines"             1 1 'blank_only\.txt: no names'          -- "$L01" train --quiet --out "$O1" --data "$D/blank_only.txt"
refuse data.6  "--data: /dev/null"                    1 1 '/dev/null: no names'                -- "$L01" train --quiet --out "$O1" --data /dev/null
refuse data.7  "--data: a directory"                  1 1 'adir: is a directory'               -- "$L01" train --quiet --out "$O1" --data "$D/adir"
refuse data.8  "--data: a binary (lab01's ELF header)"  1 1 'garbage\.bin:1:1: control character \\x7F'             -- "$L01" train --quiet --out "$O1" --data "$D/garbage.bin"
refuse data.9  "--data: a PNG header"                 1 1 'png\.bin:1:1: byte \\x89'           -- "$L01" train --quiet --out "$O1" --data "$D/png.bin"
refuse data.10 "--data: uppercase (Olivia, line 2)"   1 1 'upper\.txt:2:1: uppercase'          -- "$L01" train --quiet --out "$O1" --data "$D/upper.txt"
refuse data.11 "--data: accent, UTF-8 (zoë)"          1 1 'accent\.txt:2:3: .*\\xC3\\xAB'      -- "$L01" train --quiet --out "$O1" --data "$D/accent.txt"
refuse data.12 "--data: accent, Latin-1 (zoëe)"       1 1 'latin1\.txt:2:3: .*\\xEB'           -- "$L01" train --quiet --out "$O1" --data "$D/latin1.txt"
refuse data.13 "--data: digit (ava2)"                 1 1 'digit\.txt:2:4: digit'              -- "$L01" train --quiet --out "$O1" --data "$D/digit.txt"
refuse data.14 "--data: space (mary ann)"             1 1 'space\.txt:2:5: space'              -- "$L01" train --quiet --out "$O1" --data "$D/space.txt"
refuse data.15 "--data: trailing space"               1 1 'trailing_space\.txt:1:5: space'     -- "$L01" train --quiet --out "$O1" --data "$D/trailing_space.txt"
refuse data.16 "--data: a TSV (name<TAB>sex<TAB>n)"   1 1 'tsv\.txt:1:5: tab'                  -- "$L01" train --quiet --out "$O1" --data "$D/tsv.txt"
refuse data.18 "--data: NUL byte"                     1 1 'nul\.txt:2:3: NUL'                  -- "$L01" train --quiet --out "$O1" --data "$D/nul.txt"
refuse data.19 "--data: old Mac line ends (CR only)"  1 1 'cr_only\.txt:1:5: carriage return'  -- "$L01" train --quiet --out "$O1" --data "$D/cr_only.txt"
refuse data.20 "--data: a 65-character line"          1 1 'long65\.txt:2: line is 65 characters' -- "$L01" train --quiet --out "$O1" --data "$D/long65.txt"
refuse data.21 "--data: a 200,000-character line"     1 1 'long200k\.txt:2: line is 200000'    -- "$L01" train --quiet --out "$O1" --data "$D/long200k.txt"
refuse data.22 "--data: a 300 MB file"                1 1 'huge_sparse\.txt: file is larger than' -- "$L01" train --quiet --out "$O1" --data "$D/huge_sparse.txt"
refuse data.23 "--data '' (empty path)"               2 1 '--data'                          -- "$L01" train --quiet --out "$O1" --data ""
accept data.24 "--data: CRLF line ends (accepted)"    -- "$L01" train --quiet --out "$O1" --data "$D/crlf.txt"
accept data.25 "--data: no final newline (accepted)"  -- "$L01" train --quiet --out "$O1" --data "$D/nofinal.txt"
accept data.26 "--data: empty lines (accepted)"       -- "$L01" train --quiet --out "$O1" --data "$D/blank.txt"
accept data.27 "--data: a pipe, <(cat names) (accepted)" -- "$L01" train --quiet --out "$O1" --data <(cat "$D/good.txt")
# A UTF-8 byte order mark at the start is what some Windows editors write: skipped (data.h).
accept data.17 "--data: UTF-8 byte order mark (accepted)" -- "$L01" train --quiet --out "$O1" --data "$D/bom.txt"
# A FIFO nobody writes to blocks in open(2), exactly as `cat fifo` does: that is
# the FIFO's contract, not a hang of the kit, so it is not a case here.
# Every lab reports a bad --data the same way (the loader's one line).
for nn in 02 03 04 05; do
  b=$(bin_of $nn)
  refuse "data.l$nn" "lab$nn --data: missing file"      1 1 'nope\.txt: cannot open' -- "$b" --quiet --out "$W/out/lab$nn" --data "$D/nope.txt"
  refuse "data.u$nn" "lab$nn --data: uppercase"         1 1 'upper\.txt:2:1: '        -- "$b" --quiet --out "$W/out/lab$nn" --data "$D/upper.txt"
done

# ---- flags -----------------------------------------------------------------------------
O3=$W/out/lab03
refuse flag.1  "unknown flag --stpes"                  2 1 '--stpes.*--steps'   -- "$L03" train --stpes 10 --data "$SMALL" --out "$O3"
refuse flag.2  "missing value: --steps at the end"     2 1 '--steps'            -- "$L03" train --data "$SMALL" --out "$O3" --steps
refuse flag.3  "non-numeric: --steps abc"              2 1 '--steps'            -- "$L03" train --steps abc --data "$SMALL" --out "$O3"
refuse flag.4  "trailing junk: --steps 12x"            2 1 '--steps'            -- "$L03" train --steps 12x --data "$SMALL" --out "$O3"
refuse flag.5  "float for an integer: --steps 1e3"     2 1 '--steps'            -- "$L03" train --steps 1e3 --data "$SMALL" --out "$O3"
refuse flag.6  "negative steps: --steps -5"            2 1 '--steps'            -- "$L03" train --steps -5 --data "$SMALL" --out "$O3"
refuse flag.7  "overflow: --steps 99999999999999999999" 2 1 '--steps'           -- "$L03" train --steps 99999999999999999999 --data "$SMALL" --out "$O3"
refuse flag.8  "zero batch: --batch 0"                 2 1 '--batch'            -- "$L03" train --batch 0 --data "$SMALL" --out "$O3"
# A refusal is instant: 30 s is plenty, even under the sanitizers.
CASE_TMO=30 refuse flag.9  "batch larger than the split: --batch 999999" 2 1 '--batch 999999: larger than the [0-9]+ training examples' -- "$L03" train --batch 999999 --steps 1 --quiet --data "$SMALL" --out "$O3"
refuse flag.10 "lr not a number: --lr abc"             2 1 '--lr'               -- "$L03" train --lr abc --data "$SMALL" --out "$O3"
refuse flag.11 "lr nan: --lr nan"                      2 1 '--lr'               -- "$L03" train --lr nan --data "$SMALL" --out "$O3"
refuse flag.12 "lr zero: --lr 0"                       2 1 '--lr'               -- "$L03" train --lr 0 --data "$SMALL" --out "$O3"
refuse flag.13 "lr negative: --lr -0.1"                2 1 '--lr'               -- "$L03" train --lr -0.1 --data "$SMALL" --out "$O3"
refuse flag.14 "block size 0: --block 0"               2 1 '--block'            -- "$L03" train --block 0 --data "$SMALL" --out "$O3"
refuse flag.15 "block size too large: --block 100"     2 1 '--block'            -- "$L03" train --block 100 --data "$SMALL" --out "$O3"
refuse flag.16 "--seed -1"                             2 1 '--seed'             -- "$L03" train --seed -1 --data "$SMALL" --out "$O3"
refuse flag.17 "--emb=0 (the = form)"                  2 1 '--emb'              -- "$L03" train --emb=0 --data "$SMALL" --out "$O3"
refuse flag.18 "unknown subcommand: smaple"            2 1 'smaple'                -- "$L03" smaple --data "$SMALL" --out "$O3"
refuse flag.19 "two subcommands: train sample"         2 1 'sample'                -- "$L03" train sample --data "$SMALL" --out "$O3"
refuse flag.20 "conflicting: lab01 train --word emma"  2 1 '--word'             -- "$L01" train --word emma --quiet --out "$O1"
CASE_TMO=30 refuse flag.21 "conflicting: lab04 demo --stage tanh"  2 1 '--stage'            -- "$L04" demo --stage tanh --steps 1 --quiet --data "$SMALL" --out "$W/out/lab04"
refuse flag.22 "bad value: lab04 --stage relu"         2 1 '--stage'            -- "$L04" train --stage relu --quiet --data "$SMALL" --out "$W/out/lab04"
CASE_TMO=30 refuse flag.23 "conflicting: lab05 train --deep-steps 5" 2 1 '--deep-steps'     -- "$L05" train --deep-steps 5 --steps 1 --quiet --data "$SMALL" --out "$W/out/lab05"
refuse flag.26 "batchnorm on one row: lab05 --batch 1"  2 1 '--batch 1: batchnorm needs at least 2' -- "$L05" train --batch 1 --steps 1 --quiet --data "$SMALL" --out "$W/out/lab05b1"
refuse flag.24 "--out is a file, not a directory"      nz 1 'names_copy|--out|director' -- "$L03" train --steps 2 --quiet --data "$SMALL" --out "$D/small.txt/sub"
refuse flag.25 "lab01 eval --word Emma (not a-z)"      2 1 "--word 'Emma': "  -- "$L01" eval --word Emma --out "$O1"
refuse flag.27 "removed flag: lab02 --chunk 7"          2 1 'unknown flag --chunk' -- "$L02" train --chunk 7 --data "$SMALL" --out "$W/out/lab02"
refuse flag.28 "not used: lab01 --steps 5 (counted)"   2 1 '--steps is not used by lab01' -- "$L01" train --steps 5 --data "$SMALL" --out "$O1"
refuse flag.29 "not used: lab02 --batch 32 (full batch)" 2 1 '--batch is not used by lab02' -- "$L02" train --batch 32 --data "$SMALL" --out "$W/out/lab02"
for nn in 01 02 04 05; do
  refuse "flag.u$nn" "lab$nn unknown flag --stpes"     2 1 '--stpes'            -- "$(bin_of $nn)" --stpes 10 --data "$SMALL" --out "$W/out/lab$nn"
done

# ---- checkpoints: lab03 sample on a corrupted copy of a real model.ckpt -------------------
C3=$W/ckpt
if selected ckpt && [ -x "$L03" ]; then
  timeout -k 5 "$TMO" "$L03" train --steps 50 --quiet --data "$SMALL" --out "$C3/good" > /dev/null 2>&1
  timeout -k 5 "$TMO" "$L03" train --steps 5 --hidden 100 --quiet --data "$SMALL" --out "$C3/h100" > /dev/null 2>&1
  [ -x "$L02" ] && timeout -k 5 "$TMO" "$L02" train --steps 2 --quiet --data "$SMALL" --out "$C3/lab02" > /dev/null 2>&1
fi
mkckpt() { # name: make $C3/<name>/model.ckpt from the good one with a python-free byte edit
  mkdir -p "$C3/$1"
  cp "$C3/good/model.ckpt" "$C3/$1/model.ckpt" 2>/dev/null
}
poke() { # file offset byte(hex)
  printf "\\x$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
if [ -f "$C3/good/model.ckpt" ]; then
  size=$(stat -c %s "$C3/good/model.ckpt")
  mkckpt trunc && truncate -s $((size / 2)) "$C3/trunc/model.ckpt"
  mkckpt trunc8 && truncate -s 8 "$C3/trunc8/model.ckpt"
  mkckpt empty && : > "$C3/empty/model.ckpt"
  mkckpt magic && poke "$C3/magic/model.ckpt" 0 58
  mkckpt version && poke "$C3/version/model.ckpt" 4 02
  mkckpt crc && poke "$C3/crc/model.ckpt" $((size / 2)) 5a
  mkckpt trailing && printf 'junk' >> "$C3/trailing/model.ckpt"
  mkdir -p "$C3/adir/model.ckpt"
  mkdir -p "$C3/none"
  mkdir -p "$C3/other" && cp "$C3/lab02/W.ckpt" "$C3/other/model.ckpt" 2>/dev/null
fi
# The sample command prints the loader's line with, appended in parentheses
# (lab03's main.c), the flags that must match the training run: one line.
CK=1
refuse ckpt.1  "checkpoint: missing (sample before train)" 1 $CK 'none/model\.ckpt: cannot open'   -- "$L03" sample -n 3 --out "$C3/none"
refuse ckpt.2  "checkpoint: truncated to half"          1 $CK 'trunc/model\.ckpt: truncated'        -- "$L03" sample -n 3 --out "$C3/trunc"
refuse ckpt.3  "checkpoint: truncated to 8 bytes"       1 $CK 'trunc8/model\.ckpt: truncated'       -- "$L03" sample -n 3 --out "$C3/trunc8"
refuse ckpt.4  "checkpoint: empty file"                 1 $CK 'empty/model\.ckpt: '                 -- "$L03" sample -n 3 --out "$C3/empty"
refuse ckpt.5  "checkpoint: wrong magic (XMCK)"         1 $CK 'magic/model\.ckpt: not a makemore-c checkpoint' -- "$L03" sample -n 3 --out "$C3/magic"
refuse ckpt.6  "checkpoint: wrong version (2)"          1 $CK 'version/model\.ckpt: checkpoint version 2' -- "$L03" sample -n 3 --out "$C3/version"
refuse ckpt.7  "checkpoint: one data byte changed"      1 $CK 'crc/model\.ckpt: checksum mismatch'  -- "$L03" sample -n 3 --out "$C3/crc"
refuse ckpt.8  "checkpoint: 4 bytes appended"           1 $CK 'trailing/model\.ckpt: .*unexpected bytes' -- "$L03" sample -n 3 --out "$C3/trailing"
refuse ckpt.9  "checkpoint: wrong shapes (--hidden 100 vs 200)" 1 $CK 'h100/model\.ckpt: tensor W1 has shape \[30, 100\].*\[30, 200\]' -- "$L03" sample -n 3 --out "$C3/h100"
refuse ckpt.10 "checkpoint: lab02's W.ckpt as lab03's"  1 $CK 'other/model\.ckpt: .*(tensors|named)'                 -- "$L03" sample -n 3 --out "$C3/other"
refuse ckpt.11 "checkpoint: a directory"                1 $CK 'adir/model\.ckpt: '                  -- "$L03" sample -n 3 --out "$C3/adir"
refuse ckpt.12 "checkpoint: eval on a bad checksum"     1 $CK 'crc/model\.ckpt: checksum mismatch'  -- "$L03" eval --data "$SMALL" --out "$C3/crc"
accept ckpt.13 "checkpoint: the good one (accepted)"    -- "$L03" sample -n 3 --quiet --out "$C3/good"

# ---- training: a diverging run stops at the NaN, with its log flushed ----------------------
# nan_case ID INPUT LOG(file under the out dir) -- CMD... (the command's --out is $W/out/<ID>)
# Passes when: exit non-zero, one line `step N: loss is nan|inf. HINT ...`, the log
# renamed into place with exactly N rows (steps 0..N-1), and no checkpoint saved.
nan_case() {
  local id=$1 input=$2 logf=$3
  shift 4
  selected "$id" || return 0
  local N=$W/out/$id
  if [ ! -x "$1" ]; then row "$id" "$input" - - "FAIL: binary $1 missing (run make)"; return; fi
  run "$id" "$@" --quiet --data "$SMALL" --out "$N"
  local n step rows
  n=$(grep -c . "$ERR")
  step=$(sed -n 's/^step \([0-9]*\): loss is.*/\1/p' "$ERR" | head -1)
  rows=$(grep -vc '^#' "$N/$logf" 2>/dev/null)
  if crashed; then :
  elif [ "$RC" = 0 ]; then WHY="exit 0: the run did not diverge or the NaN guard did not stop it"
  elif [ "$n" != 1 ]; then WHY="$n lines on stderr, expected 1"
  elif [ -z "$step" ]; then WHY="no 'step N: loss is nan/inf' line"
  elif ! grep -q HINT "$ERR"; then WHY="no HINT"
  elif [ ! -f "$N/$logf" ]; then WHY="$logf was not flushed and renamed into place"
  elif [ "${rows:-0}" != "$step" ]; then WHY="$logf has ${rows:-0} rows, expected $step (steps 0..$((step - 1)))"
  elif ls "$N"/*.ckpt > /dev/null 2>&1; then WHY="a diverged model was saved: $(ls "$N"/*.ckpt)"
  fi
  row "$id" "$input" "$MSG ($logf: ${rows:-0} rows)" "$RC" "$(verdict)"
}
# Lab 02 (full batch, lr 1000) overflows at step 2 in every build. Labs 03-05
# stay finite even at the largest --lr (1000): tanh saturates and the fused
# cross-entropy subtracts the row max, so they cannot provoke the guard.
nan_case train.1 "lab02 --lr 1000: loss becomes inf"        loss.tsv -- "$L02" train --lr 1000 --steps 300

# lab02's step over the whole dataset in chunks (nn_full_step) against nn_step on
# every pair at once: tests/lab02_test.c, step lab02.5 (the driver has no flag for it).

# ---- Ctrl-C: a run interrupted mid-training leaves the previous checkpoint and log whole ----
if selected train.2; then
  S=$W/out/sigint
  if [ -x "$L03" ]; then
    timeout -k 5 "$TMO" "$L03" train --steps 100 --quiet --data "$SMALL" --out "$S" > /dev/null 2>&1
    before=$(cat "$S/model.ckpt" "$S/loss.tsv" 2>/dev/null | sha256sum)
    # A background job of a script ignores SIGINT unless told otherwise: restore the default.
    env --default-signal=INT "$L03" train --steps 100000000 --quiet --data "$SMALL" --out "$S" > "$W/train.2.stdout" 2> "$W/train.2.stderr" &
    pid=$!
    for _ in $(seq 1 300); do
      n=$(cat "$S"/loss.tsv.*.tmp 2>/dev/null | grep -vc '^#')   # the run's own temporary log (output.h)
      [ "${n:-0}" -gt 50 ] && break
      sleep 0.1
    done
    kill -INT "$pid" 2>/dev/null
    wait "$pid"
    RC=$?
    ERR=$W/train.2.stderr OUT=$W/train.2.stdout
    after=$(cat "$S/model.ckpt" "$S/loss.tsv" 2>/dev/null | sha256sum)
    WHY=""
    if [ "$RC" = 0 ]; then WHY="the run finished before the SIGINT (exit 0)"
    elif [ "$RC" != 130 ] && grep -qaE "$SAN_PAT" "$ERR"; then WHY="crash output: $(head -c 120 "$ERR")"
    elif [ "$before" != "$after" ]; then WHY="model.ckpt or loss.tsv changed: a half-written file under its final name"
    elif ! timeout -k 5 "$TMO" "$L03" sample -n 2 --quiet --out "$S" > /dev/null 2>&1; then WHY="the previous model.ckpt no longer loads"
    fi
    left=$(cd "$S" && ls ./*.tmp 2>/dev/null | tr '\n' ' ')
    row train.2 "lab03 train, SIGINT after ~50 steps" "exit $RC; model.ckpt and loss.tsv unchanged; partial log left only as: ${left:-none}" "$RC" "$(verdict)"
  else
    row train.2 "lab03 train, SIGINT after ~50 steps" - - "FAIL: binary $L03 missing (run make)"
  fi
fi

# ---- unfinished skeletons: each stops at its lowest TODO with exit 3 -------------------------
# The learner's binary (labs/, built by make) when it exists; otherwise the same
# skeleton built here from solutions/ with -DSKELETON=1 (what tools/skeleton.sh emits).
for d in solutions/[0-9][0-9]_*/; do
  d=${d%/}
  name=${d#solutions/}
  nn=${name%%_*}
  selected "todo.$nn" || continue
  b=$B/labs/$name/lab$nn
  how="labs/ binary"
  if [ ! -x "$b" ]; then
    how="solutions/ -DSKELETON=1"
    b=$W/skel/$name/lab$nn
    mkdir -p "$(dirname "$b")"
    san=""
    case "$B" in *san*) san="-fsanitize=address,undefined -fno-sanitize-recover=all" ;; esac
    # shellcheck disable=SC2086
    if ! gcc -std=c11 -O1 -g -ffp-contract=off $san -DSKELETON=1 -Icommon -I"$d" "$d"/*.c "$B/libkit.a" -lm -o "$b" 2> "$b.build"; then
      row "todo.$nn" "skeleton lab$nn ($how)" "$(head -1 "$b.build")" - "FAIL: the skeleton does not build"
      continue
    fi
  fi
  # kit_todo's line (kit.h) says where to write the step instead of a HINT: label.
  # The binary's default command, as `make labNN` runs it: it must stop at step 1
  # before any training (no --steps: lab 05's default command refuses it). The
  # small words file only where the lab reads one (lab 00 refuses --data).
  data=(--data "$SMALL")
  "$b" --help 2>/dev/null | grep -q -- '--data FILE' || data=()
  HINT_PAT='Open [^ ]+:[0-9]+, write it' refuse "todo.$nn" "skeleton lab$nn, unfinished ($how)" 3 1 "TODO\\(lab$nn\\.1\\)" -- "$b" --quiet "${data[@]}" --out "$W/out/todo$nn"
done

# ---- fuzz inputs: the seed corpus and every committed crash, replayed (gcc build) -----------
CORE="common/kit.c common/arena.c common/rng.c common/data.c common/output.c common/checkpoint.c"
SANFLAGS=""
if echo 'int main(void){return 0;}' | gcc -x c -fsanitize=address,undefined - -o "$W/probe" 2>/dev/null; then
  SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all"
fi
for h in words ckpt; do
  selected "fuzz.$h" || continue
  inputs=(tests/fuzz/corpus/$h/* tests/fuzz/regressions/$h/*)
  existing=()
  for f in "${inputs[@]}"; do [ -e "$f" ] && existing+=("$f"); done
  nreg=$(ls tests/fuzz/regressions/$h 2>/dev/null | wc -l)
  # shellcheck disable=SC2086
  if ! gcc -std=c11 -Wall -Wextra -Werror -g -O1 -ffp-contract=off $SANFLAGS -Icommon \
       tests/fuzz/fuzz_$h.c tests/fuzz/replay.c $CORE -lm -o "$W/replay_$h" 2> "$W/replay_$h.build"; then
    row "fuzz.$h" "fuzz_$h replay (build)" "$(head -1 "$W/replay_$h.build")" - "FAIL: the harness does not build"
    continue
  fi
  run "fuzz.$h" env TMPDIR="$W" "$W/replay_$h" "${existing[@]}"
  if crashed; then :
  elif [ "$RC" != 0 ]; then WHY="exit $RC"
  fi
  if [ -n "$WHY" ] && grep -qa 'broken promise' "$ERR"; then WHY="$WHY: $(grep -am1 'broken promise' "$ERR" | cut -c1-200)"; fi
  row "fuzz.$h" "fuzz_$h: ${#existing[@]} inputs ($nreg regressions)${SANFLAGS:+, ASan+UBSan}" "$(cat "$OUT")" "$RC" "$(verdict)"
done

# Every committed words regression also goes through a real binary.
for f in tests/fuzz/regressions/words/*; do
  [ -e "$f" ] || continue
  id="reg.$(basename "$f" | cut -c1-14)"
  selected "$id" || continue
  run "$id" "$L01" train --quiet --out "$O1" --data "$f"
  n=$(grep -c . "$ERR")
  if crashed; then :
  elif [ "$RC" != 0 ] && [ "$RC" != 1 ]; then WHY="exit $RC, expected 0 or 1"
  elif [ "$RC" = 1 ] && { [ "$n" != 1 ] || ! grep -q HINT "$ERR"; }; then WHY="refusal is not one line with a HINT"
  fi
  row "$id" "lab01 --data $(basename "$f")" "${MSG:-(accepted)}" "$RC" "$(verdict)"
done

# ==== issue 20, the core's side (common/args, output, checkpoint, train, data) =========# This block belongs to the core (output.h, train.h, data.h, args.h); other
# blocks of this file belong to the labs and the tools. Each case failed before
# the change it names.
C20=$W/out/core20
mkdir -p "$C20"
# The row of a case with its own checks: $1 id, $2 input, $3 message (default: stderr); WHY set before.
core20_row() { row "$1" "$2" "${3:-$MSG}" "$RC" "$(verdict)"; }

# item 2: a second training into the same --out is refused while the first runs (the directory's lock).
if selected core20.2 && [ -x "$L03" ]; then
  "$L03" train --steps 100000000 --quiet --data "$SMALL" --out "$C20/two" > /dev/null 2>&1 &
  first=$!
  for _ in $(seq 1 300); do ls "$C20/two"/loss.tsv.*.tmp > /dev/null 2>&1 && break; sleep 0.1; done
  run core20.2 "$L03" train --steps 5 --quiet --data "$SMALL" --out "$C20/two"
  kill "$first" 2> /dev/null
  wait "$first" 2> /dev/null
  if crashed; then :
  elif [ "$RC" != 1 ]; then WHY="exit $RC, expected 1 (refused)"
  elif [ "$(grep -c . "$ERR")" != 1 ]; then WHY="not one line on stderr"
  elif ! grep -qE "another run is writing into this directory\. HINT: " "$ERR"; then WHY="no 'another run is writing' line"
  fi
  core20_row core20.2 "lab03 train twice into one --out at once"
fi

# item 3: a checkpoint that cannot be saved (a directory under its name) keeps the previous log.
if selected core20.3 && [ -x "$L03" ]; then
  K=$C20/keep
  timeout -k 5 "$TMO" "$L03" train --steps 5 --quiet --data "$SMALL" --out "$K" > /dev/null 2>&1
  before=$(sha256sum < "$K/loss.tsv")
  rm -f "$K/model.ckpt" && mkdir -p "$K/model.ckpt/x"
  run core20.3 "$L03" train --steps 7 --quiet --data "$SMALL" --out "$K"
  if crashed; then :
  elif [ "$RC" != 1 ]; then WHY="exit $RC, expected 1"
  elif [ "$(grep -c . "$ERR")" != 1 ] || ! grep -q 'cannot rename.*HINT: ' "$ERR"; then WHY="not one 'cannot rename ... HINT' line"
  elif [ "$(sha256sum < "$K/loss.tsv")" != "$before" ]; then WHY="loss.tsv was replaced by the run whose checkpoint failed"
  elif ls "$K"/*.tmp > /dev/null 2>&1; then WHY="temporary files left: $(ls "$K"/*.tmp)"
  fi
  core20_row core20.3 "lab03 train, model.ckpt cannot be written"
fi

# item 4: --steps 0 leaves a trained model.ckpt (and its loss.tsv) as they were, and says so.
if selected core20.4 && [ -x "$L03" ]; then
  Z=$C20/zero
  timeout -k 5 "$TMO" "$L03" train --steps 5 --quiet --data "$SMALL" --out "$Z" > /dev/null 2>&1
  before=$(cat "$Z/model.ckpt" "$Z/loss.tsv" | sha256sum)
  run core20.4 "$L03" train --steps 0 --data "$SMALL" --out "$Z"
  if crashed; then :
  elif [ "$RC" != 0 ]; then WHY="exit $RC, expected 0"
  elif [ -s "$ERR" ]; then WHY="stderr: $MSG"
  elif [ "$(cat "$Z/model.ckpt" "$Z/loss.tsv" | sha256sum)" != "$before" ]; then WHY="--steps 0 replaced model.ckpt or loss.tsv"
  elif ! grep -q -- '--steps 0 trained nothing' "$OUT"; then WHY="no line saying nothing was trained"
  fi
  core20_row core20.4 "lab03 train --steps 0 over a trained model" "$(grep -- '--steps 0' "$OUT")"
fi

# item 9: an output that could not be written is a non-zero exit (a figure file, --json on a full disk).
if selected core20.9 && [ -x "$L04" ]; then
  mkdir -p "$C20/l4/kaiming.tsv/x"
  run core20.9a "$L04" demo --quiet --data "$SMALL" --out "$C20/l4"
  if crashed; then :
  elif [ "$RC" != 1 ]; then WHY="exit $RC, expected 1"
  elif ! grep -q 'kaiming.tsv: cannot rename.*HINT: ' "$ERR"; then WHY="no 'kaiming.tsv: cannot rename' line"
  fi
  core20_row core20.9a "lab04 demo, kaiming.tsv cannot be written"
fi
if selected core20.9 && [ -x "$L01" ] && [ -w /dev/full ]; then
  OUT=$W/core20.9b.stdout ERR=$W/core20.9b.stderr
  : > "$OUT"   # stdout goes to /dev/full; crashed() reads this empty file
  timeout -k 5 "$TMO" "$L01" train --quiet --json --data "$SMALL" --out "$C20/l1" > /dev/full 2> "$ERR"
  RC=$?
  MSG=$(awk 'NF { printf "%s%s", (n++ ? " // " : ""), $0 }' "$ERR")
  if crashed; then :
  elif [ "$RC" != 1 ]; then WHY="exit $RC, expected 1"
  elif ! grep -q -- '--json: the JSON object could not be written' "$ERR"; then WHY="no line about the JSON"
  fi
  core20_row core20.9b "lab01 --json > /dev/full"
fi

# item 12: a words file too small for the 80/10/10 split is refused before training, naming 6.
head -5 "$SMALL" > "$D/five.txt"
refuse core20.12a "lab03: 5 names (the split needs 6)"  1 1 '5 names, too few .*at least 6' -- "$L03" train --quiet --steps 1 --data "$D/five.txt" --out "$C20/five3"
refuse core20.12b "lab04: 5 names (the split needs 6)"  1 1 '5 names, too few .*at least 6' -- "$L04" train --quiet --steps 1 --data "$D/five.txt" --out "$C20/five4"
refuse core20.12c "lab05: 5 names (the split needs 6)"  1 1 '5 names, too few .*at least 6' -- "$L05" train --quiet --steps 1 --data "$D/five.txt" --out "$C20/five5"
head -6 "$SMALL" > "$D/six.txt"
if selected core20.12d && [ -x "$L03" ]; then
  run core20.12d "$L03" train --quiet --steps 2 --batch 4 --data "$D/six.txt" --out "$C20/six3"
  if crashed; then :
  elif [ "$RC" != 0 ]; then WHY="6 names: exit $RC, expected 0"
  fi
  core20_row core20.12d "lab03: 6 names (accepted)" "${MSG:-(accepted)}"
fi

# item 14: the command line's messages.
refuse core20.14a "lab01 -n 0 (no 'default is -n -1')" 2 1 '^lab01: -n 0: must be an integer from 1 to [0-9]+\. HINT: lab01 --help lists every flag and its default$' -- "$L01" sample -n 0
accept core20.14b "lab01 -- (the end of the flags)"   -- "$L01" train --quiet --data "$SMALL" --out "$C20/l1" --
refuse core20.14c "lab03 --batch with a newline"      2 1 '^lab03: --batch 3\\n4: must be an integer' -- "$L03" --batch $'3\n4'
refuse core20.14d "lab01 --data: a 100,000-character path" 1 1 '^/x+\.\.\.x+: cannot open: .*HINT: ' -- "$L01" train --quiet --out "$C20/l1" --data "/$(head -c 100000 /dev/zero | tr '\0' x)"
CASE_TMO=20 refuse core20.14e "lab01 --data /dev/urandom"  1 1 '^/dev/urandom:[0-9]+:[0-9]+: ' -- "$L01" train --quiet --out "$C20/l1" --data /dev/urandom

# issue 19: a lab binary run from inside its lab folder finds data/names.txt two levels up.
if selected core20.19 && [ -x "$L01" ]; then
  OUT=$W/core20.19.stdout ERR=$W/core20.19.stderr
  (cd solutions/01_bigram && timeout -k 5 "$TMO" "$OLDPWD/$L01" train --quiet --json --out "$OLDPWD/$C20/fromlab") > "$OUT" 2> "$ERR" < /dev/null
  RC=$?
  MSG=$(awk 'NF { printf "%s%s", (n++ ? " // " : ""), $0 }' "$ERR")
  if crashed; then :
  elif [ "$RC" != 0 ]; then WHY="exit $RC: $MSG"
  elif ! grep -q '"words": 32257' "$OUT"; then WHY="did not read the kit's data/names.txt: $(head -c 120 "$OUT")"
  fi
  core20_row core20.19 "lab01 run from solutions/01_bigram/" "${MSG:-(found ../../data/names.txt)}"
fi
# ==== end of the core's issue 20 block ======================================================
# ---- labs 03 and 04: the suggested commands, the small-net commands -----------------------
# After `lab03 train --emb 2 --out DIR`, the `next:` line's sample command carries the
# flags that find DIR's checkpoint, and running it as printed works (issue 19).
if selected l34.1; then
  O34=$W/out/l34-emb2
  run l34.1 "$L03" train --emb 2 --steps 5 --data "$SMALL" --out "$O34"
  args=$(grep -o 'make lab03 ARGS="sample[^"]*"' "$OUT" | head -n 1 | sed -e 's/^make lab03 ARGS="//' -e 's/"$//')
  if crashed; then :
  elif [ "$RC" != 0 ]; then WHY="train exit $RC"
  elif [[ " $args " != *" --emb 2 "* || " $args " != *" --out $O34 "* ]]; then WHY="next: line lacks --emb 2 --out DIR: '$args'"
  else
    # shellcheck disable=SC2086
    run l34.1s "$L03" $args -n 2
    if crashed; then :
    elif [ "$RC" != 0 ]; then WHY="the suggested '$args' exits $RC: $MSG"
    fi
  fi
  row l34.1 "lab03 train --emb 2 --out DIR, then its next: line" "${args:-(no sample command)}" "$RC" "$(verdict)"
fi
accept l34.2 "lab03 overfit (the first 5 names, small net)" -- "$L03" overfit --quiet --steps 20 --data "$SMALL" --out "$W/out/l34"
accept l34.3 "lab03 lrsearch (small net, 30 steps)"        -- "$L03" lrsearch --quiet --steps 30 --data "$SMALL" --out "$W/out/l34"
accept l34.4 "lab04 demo (the diagnosis, no training)"      -- "$L04" demo --quiet --data "$SMALL" --out "$W/out/l34-04"
CASE_TMO=30 refuse l34.5 "lab03 overfit --steps abc"        2 1 '--steps'  -- "$L03" overfit --steps abc --data "$SMALL" --out "$W/out/l34"

# ==== lab 05 (issue 20, items 10-13) =========================================================
# Each case failed on the lab 05 binary before its fix.
# expect_out ID INPUT PATTERN -- CMD...: exit 0, no crash, empty stderr, stdout matches PATTERN.
expect_out() {
  local id=$1 input=$2 pat=$3
  shift 4
  selected "$id" || return 0
  if [ ! -x "$1" ]; then row "$id" "$input" - - "FAIL: binary $1 missing (run make)"; return; fi
  run "$id" "$@"
  if crashed; then :
  elif [ "$RC" != 0 ]; then WHY="exit $RC, expected 0"
  elif [ -s "$ERR" ]; then WHY="unexpected stderr: $(head -c 200 "$ERR")"
  elif ! grep -qaE -e "$pat" "$OUT"; then WHY="stdout does not match /$pat/"
  fi
  row "$id" "$input" "$(grep -aEom1 -e "$pat" "$OUT" | cut -c1-200)" "$RC" "$(verdict)"
}
L05D=$W/data/lab05
mkdir -p "$L05D"
head -5 data/names.txt > "$L05D/five.txt"
head -6 data/names.txt > "$L05D/six.txt"
# 10. the samplers stop at a bounded length: a model trained at lr 10 never says '.' (it hung before)
CASE_TMO=60 expect_out l05.10 "lab05 train --steps 20 --lr 10: names cut" 'names? cut after 63 characters' \
  -- "$L05" train --steps 20 --lr 10 --quiet --out "$W/out/l05.10"
# 11. a batch of 2 whose rows share one context: std 0, and the message says so (it blamed the lr)
CASE_TMO=60 refuse l05.11 "lab05 train --batch 2: one context, std 0" 1 1 'share one context.*larger --batch' \
  -- "$L05" train --batch 2 --steps 3000 --quiet --data "$SMALL" --out "$W/out/l05.11"
# 12. too few names: refused before training, with the true minimum (it trained, then died on the dev split)
CASE_TMO=30 refuse l05.12a "lab05 train on 5 names"  1 1 'dev split would be empty.*at least 6 names' \
  -- "$L05" train --steps 5 --batch 4 --quiet --data "$L05D/five.txt" --out "$W/out/l05.12"
CASE_TMO=30 refuse l05.12b "lab05 deep on 5 names"   1 1 'at least 6 names' \
  -- "$L05" deep --steps 5 --batch 4 --quiet --data "$L05D/five.txt" --out "$W/out/l05.12"
CASE_TMO=60 accept l05.12c "lab05 train on 6 names (the minimum)" \
  -- "$L05" train --steps 5 --batch 4 --quiet --data "$L05D/six.txt" --out "$W/out/l05.12"
# 13. every flag of lab05 deep is used or refused (--steps, --lr, --batch were ignored)
CASE_TMO=60 expect_out l05.13a "lab05 deep --steps 3 --lr 0.05 --batch 8" 'with batchnorm, gain 1, tanh, after 3 steps at lr 0.05' \
  -- "$L05" deep --bn on --steps 3 --lr 0.05 --batch 8 --quiet --data "$SMALL" --out "$W/out/l05.13"
CASE_TMO=60 expect_out l05.13b "lab05 deep --steps 0: at initialization" 'without batchnorm, gain 0.5, no tanh \(linear\), at initialization' \
  -- "$L05" deep --bn off --gain 1/2 --no-tanh --steps 0 --quiet --data "$SMALL" --out "$W/out/l05.13"
refuse l05.13c "lab05 --steps 5 (all: two models)"  2 1 '--steps is for one model at a time' \
  -- "$L05" --steps 5 --quiet --data "$SMALL" --out "$W/out/l05.13"
refuse l05.13d "lab05 train --gain 2 (deep only)"   2 1 '--gain is only for the deep command' \
  -- "$L05" train --gain 2 --quiet --data "$SMALL" --out "$W/out/l05.13"
refuse l05.13e "lab05 deep --bn maybe"               2 1 '--bn maybe: must be on or off' \
  -- "$L05" deep --bn maybe --quiet --data "$SMALL" --out "$W/out/l05.13"
refuse l05.13f "lab05 deep --gain 5/0"               2 1 '--gain 5/0: must be a number' \
  -- "$L05" deep --gain 5/0 --quiet --data "$SMALL" --out "$W/out/l05.13"
refuse l05.13g "lab05 deep --batch 1 (batchnorm)"    2 1 '--batch 1: batchnorm needs at least 2' \
  -- "$L05" deep --batch 1 --quiet --data "$SMALL" --out "$W/out/l05.13"

echo
if [ $failed -gt 0 ]; then
  echo "failed:"
  for f in "${failures[@]}"; do echo "  $f"; done
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
