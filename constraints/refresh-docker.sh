#!/usr/bin/env bash
# Re-pin constraints/docker.txt (the Docker image's exact versions) from the environment the suite
# just passed in, keeping only what `.[postgres]` needs. Run it from the checkout after a green
# .ci/run in the development environment (after `python3 -m pip install --upgrade -e '.[test]'`
# to move to newer releases), then commit constraints/docker.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The versions the suite passed with (the editable apprank itself left out).
python3 -m pip freeze --exclude apprank | grep -v '^-e ' > "$work/tested.txt"
# A clean venv with only the image's extras, held to those versions.
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet -c "$work/tested.txt" '.[postgres]'
{
  sed -n '/^#/p' constraints/docker.txt
  "$work/venv/bin/python" -m pip freeze --exclude apprank
} > "$work/docker.txt"
mv "$work/docker.txt" constraints/docker.txt
echo "constraints/docker.txt: $(grep -vc '^#' constraints/docker.txt) pins"
