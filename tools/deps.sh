#!/usr/bin/env bash
# tools/deps.sh: what `make deps` runs. Installs the Debian/Ubuntu packages the
# kit needs, and says what each one is for before it does.
#
#   tools/deps.sh install   apt-get install the learner's set (MAINTAINER=1: the maintainers' too)
#   tools/deps.sh --list    print the package names, one a line (.ci/run uses it)
#
# The learner's set builds, checks and draws the labs; the maintainers' set adds
# what `make memcheck`, `make fuzz` and the sanitizer builds under clang need.
# Not here: PyTorch (python3-torch), which only `make bench` and the fixture
# scripts use, never the build or the tests.
set -uo pipefail

learner=(
  "build-essential|the C compiler (gcc) and make"
  "pkg-config|finds the Check library's flags"
  "check|the unit-test library behind make check"
  "gnuplot-nox|draws the figures (make plots)"
  "doxygen|builds the browsable handouts (make docs)"
  "graphviz|the diagrams in those pages"
  "libjs-mathjax|the formulas in those pages"
  "curl|downloads the lecture's data set (make lecture-data)"
  "inotify-tools|make watch re-runs the checklist the moment you save (without it, it checks twice a second)"
)
maintainer=(
  "valgrind|make memcheck: zero errors, zero leaks"
  "clang|make fuzz (libFuzzer) and a second compiler"
  "libclang-rt-14-dev|libFuzzer and the sanitizer runtimes for clang"
  "chromium|make test-docs-browser: the handouts' pages opened in a real (headless) browser"
)
sets=("${learner[@]}")
[ "${MAINTAINER:-}" = 1 ] && sets+=("${maintainer[@]}")

case "${1:-}" in
  --list) for p in "${sets[@]}"; do echo "${p%%|*}"; done; exit 0 ;;
  install) ;;
  *) echo "usage: tools/deps.sh install|--list (MAINTAINER=1 for the maintainers' tools too)" >&2; exit 2 ;;
esac

echo "make deps installs, with apt-get:"
for p in "${sets[@]}"; do printf '  %-20s %s\n' "${p%%|*}" "${p#*|}"; done
if [ "${MAINTAINER:-}" != 1 ]; then
  echo "(maintainers: make deps MAINTAINER=1 adds valgrind, clang and libFuzzer for make memcheck, make fuzz and the sanitizer gates)"
fi
if [ "$(id -u)" != 0 ]; then
  echo "make deps: installing packages needs root. HINT: sudo make deps" >&2
  exit 1
fi
pkgs=()
for p in "${sets[@]}"; do pkgs+=("${p%%|*}"); done
apt-get update && apt-get install -y "${pkgs[@]}"
