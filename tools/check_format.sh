#!/usr/bin/env bash
# Fails, naming the files, when a C++ file of the repository is not formatted
# as .clang-format says (`clang-format -i FILE` fixes one).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -- '*.cc' '*.h')
if [ "${#files[@]}" -eq 0 ]; then
  echo "check_format: no C++ files found (not a git checkout?)" >&2
  exit 1
fi
bad=()
for f in "${files[@]}"; do
  if ! clang-format --style=file --dry-run -Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if [ "${#bad[@]}" -ne 0 ]; then
  echo "check_format: ${#bad[@]} of ${#files[@]} files are not clang-formatted:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "fix: clang-format -i ${bad[*]}" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files formatted"
