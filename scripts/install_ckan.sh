#!/usr/bin/env bash
# Install CKAN (the wheel declares no dependencies), its pinned requirements,
# the test tools and this suite into a virtualenv.
#   scripts/install_ckan.sh VENV CKAN_VERSION [SUITE]
# SUITE is what pip installs for the suite: by default this checkout, editable,
# with the test tools; a wheel's path installs that wheel alone, as a portal
# would (no test tools).
set -euo pipefail
venv=$1
version=$2
here=$(cd "$(dirname "$0")/.." && pwd)
suite=${3:-}
python=${PYTHON:-$(command -v python3.11 || command -v python3)}

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
stamp="$venv/.opendatalocale-$version-$(cat "$here/setup.py" "$0" | sha1sum | cut -c1-12)"
[ -z "$suite" ] || stamp="$stamp-$(sha1sum < "$suite" | cut -c1-12)"
if [ -f "$stamp" ]; then
  # Already installed with these files: only refresh the editable install.
  exit 0
fi
"$venv/bin/pip" install -q -U pip wheel "setuptools<81"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The sdist carries CKAN's pinned requirements; the wheel does not.
"$venv/bin/pip" download -q --no-deps --no-binary :all: "ckan==$version" -d "$work"
tar xzf "$work/ckan-$version.tar.gz" -C "$work" "ckan-$version/requirements.txt" "ckan-$version/dev-requirements.txt"
src="$work/ckan-$version"
# CKAN's pins win over our looser ranges.
grep -E '^[A-Za-z0-9]' "$src/requirements.txt" | sed -E 's/\[[^]]*\]//' > "$work/constraints.txt"
if [ -n "$suite" ]; then
  "$venv/bin/pip" install -q "ckan==$version" -r "$src/requirements.txt"
  "$venv/bin/pip" install -q -c "$work/constraints.txt" "$suite"
else
  # Test tools only: documentation and release tooling are not needed here.
  grep -viE '^(sphinx|cookiecutter|ipdb|pip-tools|towncrier|junit|flask-debugtoolbar|pytest-rerunfailures|pytest-retry)' \
    "$src/dev-requirements.txt" > "$work/test-requirements.txt"
  "$venv/bin/pip" install -q "ckan==$version" -r "$src/requirements.txt" -r "$work/test-requirements.txt"
  "$venv/bin/pip" install -q -c "$work/constraints.txt" -e "$here[test]"
fi
rm -f "$venv"/.opendatalocale-*
touch "$stamp"
