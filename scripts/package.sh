#!/usr/bin/env bash
# Builds the deployable package of the function app, the .NET isolated worker's publish output:
#   .publish/api                     OneClick.Functions.dll and its dependencies, functions.metadata (the functions
#                                    and their bindings), worker.config.json (how the host starts the worker),
#                                    .azurefunctions/ (the host-side binding extensions) and host.json
#   .publish/oneclick-functions.zip  the same folder zipped, for a manual deploy (az functionapp deployment source config-zip)
# `azd deploy` runs the same `dotnet publish` itself (azure.yaml: language dotnet); this script checks the shape.
# Usage: ./scripts/package.sh [output folder, default .publish]   (the tests package into a temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."

out_root=${1:-.publish}
api="$out_root/api"
zip_path="$out_root/oneclick-functions.zip"

# Nothing stale from an earlier publish may ship.
rm -rf "$api" "$zip_path"
mkdir -p "$out_root"

# Framework-dependent: Flex Consumption's dotnet-isolated 10.0 runtime brings .NET 10 (infra/app/api.bicep).
dotnet publish OneClick.Functions/OneClick.Functions.csproj -c Release -o "$api" --nologo

# The host needs all of these at the package root; without one the app starts with no functions.
for required in OneClick.Functions.dll functions.metadata worker.config.json host.json extensions.json .azurefunctions/Microsoft.Azure.Functions.Worker.Extensions.dll; do
  if [ ! -e "$api/$required" ]; then
    echo "The publish output lacks $required: it is not a deployable isolated-worker app." >&2
    exit 1
  fi
done

# Development settings and secrets stay out of the package, whatever a project file change copies.
leaks=$(cd "$api" && find . \( -name local.settings.json -o -name 'appsettings.Development.json' -o -name .local \
  -o -name '*.pfx' -o -name '*.pem' -o -name '*.key' \) -print)
if [ -n "$leaks" ]; then
  echo "Refusing to package development settings or keys:" >&2
  echo "$leaks" >&2
  exit 1
fi

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
echo "Published folder: $api"
