#!/usr/bin/env bash
# tools/watch.sh: what `make watch LAB=03` runs. Re-runs that lab's checklist
# (make check LAB=03) each time one of the lab's files is saved, until Ctrl-C.
#
# It waits with inotifywait (Debian's inotify-tools) when it is installed, and
# otherwise looks at the files' sizes and times twice a second. A save that
# writes several files at once (or an editor's temporary file dance) gives one
# run, not several. Ctrl-C stops it with exit 0 and one line.
# Environment: LAB (required), MAKE (the make to call, from the Makefile),
# WATCH_POLL=1 (poll even when inotifywait is there), WATCH_INTERVAL (seconds
# between polls, 0.5), WATCH_ONCE=N (stop after N runs: for the tests).
# Not here: the checklist (tools/check.sh, through make check).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
. tools/learner_lib.sh
LAB=${LAB:-}
MAKE=${MAKE:-make}
learner_colors
need_lab watch || exit 2
dir=labs/$DIR
interval=${WATCH_INTERVAL:-0.5}
once=${WATCH_ONCE:-0}

use_inotify=0
if [ "${WATCH_POLL:-0}" != 1 ] && command -v inotifywait > /dev/null 2>&1; then use_inotify=1; fi

# stamp: the lab's code files with their sizes and modification times.
stamp() { stat -c '%n %s %y' "$dir"/*.c "$dir"/*.h 2>/dev/null; }

stopped() {
  echo
  echo "Stopped watching labs/$DIR/."
  exit 0
}
trap stopped INT TERM

runs=0
while :; do
  clear_line=$(printf '%*s' 78 '' | tr ' ' '-')
  echo "${dim}$clear_line${off}"
  before=$(stamp)   # taken first: a save while the checklist runs starts another run
  "$MAKE" --no-print-directory -s check LAB="$NN"
  runs=$((runs + 1))
  [ "$once" -gt 0 ] && [ "$runs" -ge "$once" ] && exit 0
  echo
  [ "$(stamp)" != "$before" ] && continue   # saved while the checklist ran: again
  if [ $use_inotify = 1 ]; then
    echo "Watching labs/$DIR/ (inotifywait): save a file to check again, Ctrl-C to stop."
    # Wait for a save of a .c or .h file (editors write, rename or create one).
    while :; do
      f=$(inotifywait -q -e close_write,moved_to,create --format '%f' "$dir" 2> /dev/null) || { sleep "$interval"; continue; }
      case "$f" in *.c|*.h) break ;; esac
    done
    sleep 0.2   # let an editor finish writing the rest
  else
    echo "Watching labs/$DIR/ (checking every ${interval}s): save a file to check again, Ctrl-C to stop."
    while [ "$(stamp)" = "$before" ]; do sleep "$interval"; done
    sleep 0.2
  fi
done
