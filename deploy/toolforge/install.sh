#!/bin/sh
# Installs or upgrades ibanbot on Toolforge: ~/pyvenv from this checkout (~/ibanbot), with the
# locked dependencies of requirements/deploy.txt (hashes checked), then ibanbot itself.
# Run it as a one-off job, in the image the continuous job uses (README, "On Toolforge"):
#   toolforge jobs run install --image python3.11 --wait --command ./ibanbot/deploy/toolforge/install.sh
# After a `git -C ~/ibanbot pull`, run it again, then `db upgrade` and restart the job.
set -eu
checkout=$(cd "$(dirname "$0")/../.." && pwd)
venv=${IBANBOT_VENV:-$HOME/pyvenv}
[ -x "$venv/bin/pip" ] || "${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  --require-hashes -r "$checkout/requirements/deploy.txt"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --force-reinstall "$checkout"
"$venv/bin/ibanbot" --version
