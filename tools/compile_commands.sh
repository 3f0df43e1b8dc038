#!/usr/bin/env bash
# tools/compile_commands.sh CC CFLAGS: print compile_commands.json for every C file
# of the kit (so clangd finds headers and flags). Not here: building anything.
set -euo pipefail
cd "$(dirname "$0")/.."
cc=$1; flags=$2; root=$(pwd)
first=1
echo "["
for f in common/*.c tests/*.c solutions/*/*.c labs/*/*.c; do
  [ -e "$f" ] || continue
  inc="-Icommon -Itests"
  case "$f" in
    solutions/*|labs/*) inc="$inc -I$(dirname "$f")" ;;
    tests/lab[0-9][0-9]_test.c) n=$(basename "$f" | sed 's/lab\([0-9][0-9]\)_test.c/\1/'); inc="$inc -I$(ls -d labs/${n}_* | head -n 1)" ;;
  esac
  [ $first -eq 1 ] || echo ","
  first=0
  printf '  {"directory": "%s", "file": "%s", "command": "%s %s %s -c %s"}' "$root" "$f" "$cc" "$flags" "$inc" "$f"
done
echo
echo "]"
