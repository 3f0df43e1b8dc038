#!/usr/bin/env bash
# tools/docs_browser.sh [HTML_DIR]: open the site's pages in a real browser
# (headless Chromium) and check what only a browser can tell: every image on
# the page loaded (a figure that is a broken-image icon), and every formula was
# typeset by MathJax (not left as TeX source, no "Math Processing Error").
#
# For each page (the README, each handout, the maintainers' notes) it loads a
# copy of the page with a small script added that, once the page and MathJax
# are done, writes what it found into an attribute of <body>; Chromium's
# --dump-dom prints the page as it is then, and this script reads it.
# Exits 0 when every page is clean, 1 when a page is not, 2 when Chromium is
# missing (apt-get install chromium) or the site is not built (make docs).
# Not here: the text (tools/html_check.pl reads that).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
html=${1:-build/docs/html}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "docs_browser: no Chromium here. HINT: apt-get install chromium (make deps MAINTAINER=1)" >&2
  exit 2
fi
[ -f "$html/index.html" ] || { echo "docs_browser: $html/index.html is missing. HINT: make docs" >&2; exit 2; }

probe='<script>
(function () {
  function report() {
    var bad = [];
    var imgs = document.getElementsByTagName("img");
    for (var i = 0; i < imgs.length; i++)
      if (!imgs[i].complete || imgs[i].naturalWidth === 0) bad.push("image " + imgs[i].getAttribute("src") + " did not load");
    var text = document.body.innerText || "";
    if (text.indexOf("Math Processing Error") >= 0) bad.push("MathJax: Math Processing Error");
    var errs = document.querySelectorAll(".merror, .MathJax_Error");
    for (var j = 0; j < errs.length && j < 3; j++) bad.push("a formula MathJax could not typeset: " + (errs[j].textContent || "").slice(0, 60));
    var raw = text.match(/\\\(|\\\[/);
    if (raw) bad.push("a formula left as TeX source");
    document.body.setAttribute("data-kit-check", bad.length ? bad.join("; ") : "ok");
  }
  window.addEventListener("load", function () {
    if (window.MathJax && MathJax.Hub) MathJax.Hub.Queue(report); else report();
  });
})();
</script>'

profile=$(mktemp -d)
trap 'rm -rf "$profile" "$html"/kit_browser_check_*.html' EXIT
status=0
pages=0
for page in "$html"/index.html "$html"/lab[0-9][0-9].html "$html"/developing.html; do
  [ -f "$page" ] || continue
  name=$(basename "$page")
  copy="$html/kit_browser_check_$name"
  # the probe goes just before </body>
  perl -pe 'BEGIN { $p = shift } s{</body>}{$p</body>}i' "$probe" "$page" > "$copy"
  dom=$(timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
          --disable-background-networking --disable-component-update --disable-sync \
          --user-data-dir="$profile" --allow-file-access-from-files --virtual-time-budget=15000 \
          --dump-dom "file://$(realpath "$copy")" 2>/dev/null)
  verdict=$(sed -n 's/.*data-kit-check="\([^"]*\)".*/\1/p' <<<"$dom" | head -n 1)
  pages=$((pages + 1))
  if [ "$verdict" = ok ]; then
    continue
  elif [ -z "$verdict" ]; then
    echo "docs_browser: $name: the page did not finish loading in Chromium (no verdict in 60 s)"
  else
    echo "docs_browser: $name: ${verdict//&quot;/\"}"
  fi
  status=1
done
[ $status -eq 0 ] && echo "docs_browser: $pages page(s) rendered in Chromium: every image loaded, every formula typeset."
exit $status
