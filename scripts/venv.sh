# Sourced by scripts/start and scripts/test: make .venv hold exactly the pinned requirements.
# Usage: . scripts/venv.sh REQUIREMENTS_FILE
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
requirements="$1"
venv="${VENV:-.venv}"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "Python 3.10 or newer is needed; found: $("$python" --version 2>&1)" >&2
  exit 1
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
stamp="$venv/.installed-$(cat requirements*.txt pyproject.toml | sha256sum | cut -c1-16)-$(basename "$requirements")"
if [ ! -f "$stamp" ]; then
  echo "Installing $requirements into $venv (first run only, about two minutes)…"
  # One line per package, so a long first install shows that it is moving.
  "$venv/bin/python" -m pip install --disable-pip-version-check -r "$requirements" 2>&1 \
    | grep --line-buffered -E '^(Collecting|Successfully installed|ERROR|error)' \
    | sed -u -e 's/^Collecting /  fetching /' -e 's/^Successfully installed .*/  installed./'
  touch "$stamp"
fi
export PATH="$PWD/$venv/bin:$PATH"
