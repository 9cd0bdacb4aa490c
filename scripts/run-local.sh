#!/usr/bin/env bash
# Runs OneClick on this machine: Azurite, the Meta Cloud API sandbox and the function app (the .NET isolated
# worker under a Functions host: Core Tools' `func start` when it is installed, otherwise OneClick's local
# Functions host), with a ready demo tenant. Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."

APP_URL=http://127.0.0.1:7071
SANDBOX_URL=http://127.0.0.1:7081
mkdir -p .local/azurite .local/logs

# Azurite from npm, pinned in package.json / package-lock.json, installed into the repository on first use, and again
# whenever the lock file or a patch in patches/ (applied by npm ci) is newer than the install.
if [ ! -x node_modules/.bin/azurite ] || [ -n "$(find package-lock.json patches -newer node_modules/.package-lock.json)" ]; then
  echo "Installing Azurite (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi
[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json

for port in 10000 10001 10002 7071 7081; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port is already in use: stop whatever listens there (another OneClick or Azurite?) and try again." >&2
    exit 1
  fi
done

echo "Building..."
dotnet build OneClick.sln --nologo -v quiet -clp:ErrorsOnly

pids=()
alive() { for pid in "${pids[@]}"; do if kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi; done; }
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping OneClick..."
  kill "${pids[@]}" 2>/dev/null || true
  # Each saves its state and exits within a second or two; one that hangs is not allowed to hold the terminal.
  for _ in $(seq 1 60); do
    if [ -z "$(alive)" ]; then break; fi
    sleep 0.5
  done
  for pid in $(alive); do
    echo "Process $pid did not exit within 30 s of SIGTERM; killing it." >&2
    kill -9 "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# No telemetry: Azurite reports to Application Insights by default, and where those calls get no answer (no
# internet) they keep it from exiting on Ctrl-C.
node_modules/.bin/azurite --silent --disableTelemetry --location .local/azurite --skipApiVersionCheck \
  --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 > .local/logs/azurite.log 2>&1 &
pids+=($!)
dotnet run --no-build --project OneClick.MetaSandbox -- --urls "$SANDBOX_URL" > .local/logs/sandbox.log 2>&1 &
pids+=($!)
# The worker's build output is the script root a Functions host runs, as in Azure (functions.metadata, host.json).
script_root="$PWD/OneClick.Functions/bin/Debug/net10.0"
cp local.settings.json "$script_root/local.settings.json"
# The worker runs in the script root; keep the development secret store with the rest of the local data.
export OneClick__Secrets__LocalPath="$PWD/.local/secrets.json"
if command -v func > /dev/null; then
  host_name="Core Tools (func start)"
  (cd "$script_root" && exec func start --port 7071) > .local/logs/functions.log 2>&1 &
else
  host_name="OneClick.FunctionsHost (the local Functions host; Core Tools not found)"
  dotnet run --no-build --project OneClick.FunctionsHost -- --script-root "$script_root" --port 7071 > .local/logs/functions.log 2>&1 &
fi
pids+=($!)

echo -n "Starting"
demo_key=$(sed -n 's/.*"OneClick__Demo__ApiKey": *"\([^"]*\)".*/\1/p' local.settings.json)
for _ in $(seq 1 120); do
  if curl -fs -H "Authorization: Bearer $demo_key" "$APP_URL/api/tenants/demo" 2>/dev/null | grep -q '"phoneNumberId":"[0-9]'; then
    ready=1; break
  fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo; echo "A process exited early; see .local/logs/*.log" >&2; exit 1; }
  done
  echo -n "."; sleep 0.5
done
echo
[ "${ready:-0}" = 1 ] || { echo "OneClick did not become ready in 60 s; see .local/logs/*.log" >&2; exit 1; }

cat <<TXT

OneClick is running.
  API base URL     $APP_URL/api
  Demo tenant      demo
  Demo API key     $demo_key
  Meta sandbox     $SANDBOX_URL   (what it received: $SANDBOX_URL/_sandbox/messages)
  Functions host   $host_name
  Logs             .local/logs/

Send a WhatsApp message to a demo contact, then watch it go queued → sent → delivered → read:

  curl -s -X POST $APP_URL/api/messages \\
    -H "Authorization: Bearer $demo_key" -H "Content-Type: application/json" \\
    -d '{"to":"+14155550123","type":"text","text":{"body":"Hello from OneClick"}}'

  curl -s $APP_URL/api/messages/<id from the answer> -H "Authorization: Bearer $demo_key"

Schedule one instead by adding  "scheduleFor":"$(date -u -d '+2 minutes' +%Y-%m-%dT%H:%M:%SZ)"  to the body.
Press Ctrl-C to stop.
TXT
wait
