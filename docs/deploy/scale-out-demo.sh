#!/usr/bin/env bash
# Three touchline-servers on one Redis behind nginx, all on loopback, to try scaling out by
# hand (README "Scaling out"; docs/operations.md "Several servers on Redis").
#
#   bash docs/deploy/scale-out-demo.sh          # from a checkout; Ctrl-C stops everything
#   uv run touchline --server http://127.0.0.1:8080      # the viewer, through nginx
#   kill <a server's pid>                       # the viewer carries on through the others
#
# Needs redis-server and nginx (Debian: apt-get install redis-server nginx). Redis listens on
# REDIS_PORT (6390), the servers on 8001-8003 (docs/deploy/nginx.conf's upstreams), nginx on
# 8080. FEED picks the feed (default demo, looped); exactly one server replays it at a time.
set -euo pipefail
cd "$(dirname "$0")/../.."

REDIS_PORT=${REDIS_PORT:-6390}
FEED=${FEED:-demo}
TOKEN=${TOUCHLINE_PUBLISH_TOKEN:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')}
for program in redis-server redis-cli nginx uv; do
  command -v "$program" >/dev/null || PATH="$PATH:/usr/sbin"
  command -v "$program" >/dev/null || { echo "$program is not installed" >&2; exit 1; }
done

work=$(mktemp -d -t touchline-scale-out-XXXX)
pids=()
stop() {
  trap - EXIT INT TERM
  echo "stopping..."
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT INT TERM

# What Redis must keep (docs/operations.md): every write fsynced before it is acknowledged,
# nothing evicted.
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$work" --save "" \
  --appendonly yes --appendfsync always --maxmemory-policy noeviction \
  >"$work/redis.log" 2>&1 &
pids+=($!)
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done

declare -A runner
for port in 8001 8002 8003; do
  uv run touchline-server --port "$port" --broker "redis://127.0.0.1:$REDIS_PORT/0" \
    --feed "$FEED" --loop --publish-token "$TOKEN" >"$work/server-$port.log" 2>&1 &
  pids+=($!)
  runner[$port]=$!
done
for port in 8001 8002 8003; do
  until curl -fs "http://127.0.0.1:$port/healthz/ready" >/dev/null; do sleep 0.2; done
  # The server itself is uv's child: that is the process to kill.
  echo "server on 127.0.0.1:$port: pid $(pgrep -P "${runner[$port]}"), log $work/server-$port.log"
done

nginx -p "$work" -c "$PWD/docs/deploy/nginx.conf" -e "$work/nginx.log" &
pids+=($!)
until curl -fs http://127.0.0.1:8080/healthz >/dev/null; do sleep 0.1; done

cat <<EOF

Ready: http://127.0.0.1:8080/ (the live page), /live-scores (the stream), /docs (the API)
  viewer:   uv run touchline --server http://127.0.0.1:8080
  publish:  curl -X POST http://127.0.0.1:8080/api/matches -H 'Authorization: Bearer $TOKEN' \\
              -H 'Content-Type: application/json' -d '{"home": "Arsenal", "away": "Chelsea"}'
  health:   curl http://127.0.0.1:800{1,2,3}/healthz/ready
Kill a server (its pid is above) and the viewer resumes through nginx on another; Ctrl-C
stops everything.
EOF
wait
