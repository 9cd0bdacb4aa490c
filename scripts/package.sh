#!/usr/bin/env bash
# Builds the deployable package of the function app:
#   .publish/api                     self-contained linux-x64 publish: the OneClick.Functions executable,
#                                    host.json and one folder per function (azd deploys this folder: `dist`)
#   .publish/oneclick-functions.zip  the same folder zipped with its executable bit, for a manual deploy
# azure.yaml's prepackage hook runs this script, so `azd package/deploy/up` and a local run build the same thing.
# Usage: ./scripts/package.sh [output folder, default .publish]   (the tests package into a temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."

out_root=${1:-.publish}
api="$out_root/api"
zip_path="$out_root/oneclick-functions.zip"

# Nothing stale from an earlier publish may ship.
rm -rf "$api" "$zip_path"
mkdir -p "$out_root"

# Self-contained: the Flex Consumption custom-handler image promises no .NET 10 runtime.
dotnet publish OneClick.Functions/OneClick.Functions.csproj -c Release -r linux-x64 --self-contained true -o "$api" --nologo

# Development settings and secrets stay out of the package, whatever a project file change copies.
leaks=$(cd "$api" && find . \( -name local.settings.json -o -name 'appsettings.Development.json' -o -name .local \
  -o -name '*.pfx' -o -name '*.pem' -o -name '*.key' \) -print)
if [ -n "$leaks" ]; then
  echo "Refusing to package development settings or keys:" >&2
  echo "$leaks" >&2
  exit 1
fi

# The Linux host must be able to execute OneClick.Functions: the zip has to keep its mode bits.
zip_abs="$(cd "$out_root" && pwd)/$(basename "$zip_path")"
if command -v zip > /dev/null; then
  (cd "$api" && zip -q -r -X "$zip_abs" .)
else
  python3 - "$api" "$zip_abs" <<'PY'
import os, sys, zipfile
src, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
    for folder, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            # ZipFile.write stores the file's mode (st_mode) in external_attr, so +x survives.
            archive.write(path, os.path.relpath(path, src))
PY
fi

bytes=$(wc -c < "$zip_path")
echo "Package: $zip_path ($(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1048576 }'))"
echo "Published folder: $api (azd deploys .publish/api)"
