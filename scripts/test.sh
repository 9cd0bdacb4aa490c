#!/usr/bin/env bash
# Runs every test. The tests start what they need themselves: Azurite on free ports, in memory (installed
# here from npm), a Key Vault stand-in, the Meta sandbox and the function app.
set -euo pipefail
cd "$(dirname "$0")/.."

# npm ci also applies patches/ (patch-package): again whenever the lock file or a patch is newer than the install.
if [ ! -x node_modules/.bin/azurite ] || [ -n "$(find package-lock.json patches -newer node_modules/.package-lock.json)" ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# The reference page's browser test drives Debian's Chromium (Playwright's own browser download needs the internet).
if ! command -v chromium >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
# The committed API contract must pass Redocly's recommended rules (warnings allowed, errors not).
npx --no-install redocly lint docs/api/openapi.json --format=summary
dotnet restore OneClick.sln --nologo -v quiet
dotnet build OneClick.sln --no-restore --nologo -v quiet -clp:ErrorsOnly
set +e
dotnet test OneClick.sln --no-build --nologo --logger "trx;LogFileName=results.trx" --results-directory TestResults "$@" | tee TestResults.log
status=${PIPESTATUS[0]}
set -e

# One plain closing line: "N passed, N failed".
passed=$(grep -oE 'Passed: +[0-9]+' TestResults.log | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' TestResults.log | awk '{s+=$2} END {print s+0}')
rm -f TestResults.log
echo "$passed passed, $failed failed"
exit "$status"
