#!/usr/bin/env bash
# tools/lecture_data.sh: what `make lecture-data` runs. Downloads makemore's own
# names.txt (the lecture's 32,033 names) from its public GitHub repository,
# checks its SHA-256, and stores it as data/makemore-names.txt (ignored by git),
# so that `--data data/makemore-names.txt` reproduces the lecture's figures.
#
# Nothing is half-written: the download goes to a temporary file in data/ and is
# renamed into place only when its checksum is right. Offline, or on a wrong
# checksum, it prints one line saying so and exits 1.
# Environment (for a mirror, and for the tests): LECTURE_DATA_URL, LECTURE_DATA_SHA256.
# Not here: the shipped data/names.txt (data/README.md says where it comes from).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
url=${LECTURE_DATA_URL:-https://raw.githubusercontent.com/karpathy/makemore/master/names.txt}
sha=${LECTURE_DATA_SHA256:-0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d}
dest=data/makemore-names.txt

if [ -f "$dest" ] && [ "$(sha256sum < "$dest" | cut -d' ' -f1)" = "$sha" ]; then
  echo "$dest is already here (SHA-256 checked). Use it with --data, e.g. make lab01 ARGS=\"--data $dest\""
  exit 0
fi
tmp=$(mktemp data/.makemore-names.XXXXXX) || { echo "make lecture-data: cannot write in data/. HINT: check that data/ is yours and the disk is not full" >&2; exit 1; }
trap 'rm -f "$tmp"' EXIT
if command -v curl > /dev/null 2>&1; then
  err=$(curl -fsSL --connect-timeout 15 --max-time 120 -o "$tmp" "$url" 2>&1)
elif command -v wget > /dev/null 2>&1; then
  err=$(wget -q -T 15 -O "$tmp" "$url" 2>&1)
else
  echo "make lecture-data: needs curl or wget to download $url. HINT: sudo apt-get install curl" >&2
  exit 1
fi
rc=$?
if [ $rc -ne 0 ]; then
  err=$(printf '%s' "$err" | head -n 1 | sed -e 's/^curl: ([0-9]*) //')
  echo "make lecture-data: could not download $url (offline?${err:+ $err}). HINT: try again when online, or copy makemore's names.txt to $dest yourself" >&2
  exit 1
fi
got=$(sha256sum < "$tmp" | cut -d' ' -f1)
if [ "$got" != "$sha" ]; then
  echo "make lecture-data: the download from $url is not makemore's names.txt (SHA-256 $got, expected $sha); nothing was saved. HINT: try again later" >&2
  exit 1
fi
chmod 644 "$tmp"
if ! mv -f "$tmp" "$dest"; then
  echo "make lecture-data: could not write $dest. HINT: check that data/ is yours and the disk is not full" >&2
  exit 1
fi
echo "Saved makemore's names.txt as $dest ($(wc -l < "$dest") names, SHA-256 checked)."
echo "Use it with --data, e.g.: make lab01 ARGS=\"--data $dest\"   (each handout's figures for makemore's data come from it)"
