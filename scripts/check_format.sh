#!/usr/bin/env bash
# Fails (and lists the files) when a tracked C++/CUDA source differs from clang-format's output
# under .clang-format. Fix with: git ls-files '*.cpp' '*.h' '*.cu' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
  echo "check_format: clang-format not found (scripts/setup.sh installs it)" >&2
  exit 1
fi
bad=()
while IFS= read -r f; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done < <(git ls-files '*.cpp' '*.h' '*.cu')
if ((${#bad[@]})); then
  echo "check_format: ${#bad[@]} file(s) not clang-formatted ($(clang-format --version)):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "fix: git ls-files '*.cpp' '*.h' '*.cu' | xargs clang-format -i" >&2
  exit 1
fi
echo "check_format: $(git ls-files '*.cpp' '*.h' '*.cu' | wc -l) files clang-formatted"
