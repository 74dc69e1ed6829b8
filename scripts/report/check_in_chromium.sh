#!/usr/bin/env bash
# Opens an HTML report in headless Chromium (Debian's chromium), saves a screenshot, and fails
# unless the page rendered without console errors: its console must hold the report's own
# "report: ok, N images, M plots" line (printed once every embedded image has decoded) and no
# other message. --self-test first proves the check fails on a page with a script error and on
# one whose embedded image is broken.
# Usage: scripts/report/check_in_chromium.sh REPORT.html SCREENSHOT.png
#        scripts/report/check_in_chromium.sh --self-test
set -euo pipefail
browser=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$browser" ]] || { echo "check_in_chromium: chromium not installed (scripts/setup.sh --with-browser)" >&2; exit 2; }

# Prints the page's console messages, one per line; writes the screenshot.
console_of() {
  local html=$1 png=$2 log
  log=$(mktemp)
  # --no-sandbox: CI runs as root; --virtual-time-budget lets the load handler run first.
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --enable-logging=stderr --v=0 --virtual-time-budget=5000 --window-size=1280,2400 \
    --screenshot="$png" "file://$(realpath "$html")" >/dev/null 2>"$log" || true
  grep -o 'CONSOLE[^]]*\] ".*", source:' "$log" | sed 's/^CONSOLE[^]]*\] "//; s/", source:$//' || true
  rm -f "$log"
}

check() {
  local html=$1 png=$2 msgs
  rm -f "$png"
  msgs=$(console_of "$html" "$png")
  [[ -s "$png" ]] || { echo "no screenshot written"; return 1; }
  if [[ $(printf '%s\n' "$msgs" | grep -c .) -ne 1 || "$msgs" != "report: ok, "* ]]; then
    echo "console: ${msgs:-(nothing)}"
    return 1
  fi
  echo "$msgs"
}

if [[ "${1:-}" == "--self-test" ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  ok_script="<script>window.addEventListener('load',function(){var b=0;for(var i=0;i<document.images.length;i++){var m=document.images[i];if(!m.complete||m.naturalWidth===0){b++;console.error('report: error: image '+i+' did not decode');}}if(!b)console.log('report: ok, '+document.images.length+' images, 0 plots');});</script>"
  printf '<!DOCTYPE html><html><body><h1>fine</h1>%s</body></html>\n' "$ok_script" >"$tmp/good.html"
  printf '<!DOCTYPE html><html><body><script>undefinedFunction();</script>%s</body></html>\n' "$ok_script" >"$tmp/error.html"
  printf '<!DOCTYPE html><html><body><img alt="x" src="data:image/bmp;base64,Qk0AAAA=">%s</body></html>\n' "$ok_script" >"$tmp/broken.html"
  check "$tmp/good.html" "$tmp/good.png" >/dev/null || { echo "check_in_chromium: self-test: a good page failed" >&2; exit 1; }
  for bad in error broken; do
    if check "$tmp/$bad.html" "$tmp/$bad.png" >/dev/null; then
      echo "check_in_chromium: self-test: the $bad page passed" >&2; exit 1
    fi
  done
  echo "check_in_chromium: self-test passed (a good page passes, a script error and a broken image fail)"
  exit 0
fi

html=${1:?usage: $0 REPORT.html SCREENSHOT.png}
png=${2:?usage: $0 REPORT.html SCREENSHOT.png}
if msgs=$(check "$html" "$png"); then
  echo "check_in_chromium: $html rendered ($msgs); screenshot $png ($(stat -c %s "$png") bytes)"
else
  echo "check_in_chromium: FAIL: $html: $msgs" >&2
  exit 1
fi
