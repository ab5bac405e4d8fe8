#!/usr/bin/env bash
# Citizen Portal benchmarks: one entry point for every measurement in bench/README.md.
#
#   bench/run.sh [options] COMMAND...
#
# Commands
#   build        release build of the server (swift build -c release --product portal)
#   pg-start     starts a private PostgreSQL 15 on 127.0.0.1:$PG_PORT (kept running; pg-stop ends it)
#   pg-stop
#   seed         fresh database, `portal demo`, `portal seed-bench --accounts N` (timed)
#   endpoints    start-up, RSS, then wrk on every endpoint (needs seed first)
#   pages        the officer's list (page and API), OTP verify, the look-up, /health/ready, GET /me: the durable
#                steps and the page beside the floor they are measured against (PERF_DIR=… records a profile of each)
#   surge        p99 of OTP verify, GET /me and a page while sign-ins saturate the hash pool
#   latency      the ID look-up at 50/s beside /health/ready and GET /me at 50/s (open loop)
#   hash         time per hash at the chosen and at the peer's parameters, and the hash bound
#   startup      start-up to the first 200 from /health/ready on an empty (migrated) database
#   outbox       messages/s from commit to the gateway's 2xx; a slow and a failing gateway
#   sso          single sign-on: the token endpoint (code exchange, refresh) and userinfo (bench/sso.py);
#                SSO_ALG=ES256 registers the client with ES256 ID tokens (default RS256)
#   peer         the peer's own bench.sh (copied to a temp folder), same N and database
#   pair         peer, then ours at the peer's scrypt parameters, then the ratios of performance.md
#   all          everything above for the chosen database and N
#
# Options
#   --db sqlite|postgres   (default sqlite)       --accounts N   (default 10000)
#   --params chosen|peer   scrypt parameters for our server (default chosen)
#   --smoke                every script for a few seconds, tiny data: checks the scripts, measures nothing
#   WAIT_QUIET=SECONDS     before each measurement, wait up to that long for the machine's load to fall
#
# Everything runs on 127.0.0.1 only, each run is bounded in time, and results go to bench/results/.
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
BIN=${PORTAL_BIN:-$ROOT/.build/release/portal}
WORK=${BENCH_WORK:-/tmp/portal-bench}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=${PG_PORT:-55450}
PG_DIR=${PG_DIR:-/tmp/portal-bench-pg}
PORT=${PORT:-18080}
GW_PORT=${GW_PORT:-18025}
PEER_SRC=${PEER_SRC:-$ROOT/../shared/peers/django-allauth}
[ -d "$PEER_SRC" ] || PEER_SRC=/work/shared/peers/django-allauth
PEER_DIR=${PEER_DIR:-/tmp/portal-bench-peer}

DB=sqlite N=10000 PARAMS=chosen SMOKE=0
CMDS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --db) DB=$2; shift 2 ;;
    --accounts) N=$2; shift 2 ;;
    --params) PARAMS=$2; shift 2 ;;
    --smoke) SMOKE=1; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) CMDS+=("$1"); shift ;;
  esac
done
[ ${#CMDS[@]} -gt 0 ] || { sed -n '2,29p' "$0"; exit 2; }

# Durations and sizes; --smoke shrinks them all.
if [ "$SMOKE" = 1 ]; then
  LOGIN_D=3s HTTP_D=2s SURGE_S=4 OUTBOX_N=200 CHALLENGES=3000 TOKENS=4 CONNS=16
  [ "$N" = 10000 ] && N=500
else
  LOGIN_D=${LOGIN_D:-20s} HTTP_D=${HTTP_D:-10s} SURGE_S=${SURGE_S:-20} OUTBOX_N=${OUTBOX_N:-20000}
  CHALLENGES=${CHALLENGES:-60000} TOKENS=${TOKENS:-16} CONNS=${CONNS:-16}
fi
THREADS=2
WRK_TIMEOUT=30s

# scrypt parameters: ours (the default in AppConfig) and the peer's (Django's defaults).
CHOSEN_N=${CHOSEN_N:-16384} CHOSEN_R=${CHOSEN_R:-8} CHOSEN_P=${CHOSEN_P:-5}
PEER_N=16384 PEER_R=8 PEER_P=5
if [ "$PARAMS" = peer ]; then SN=$PEER_N SR=$PEER_R SP=$PEER_P; else SN=$CHOSEN_N SR=$CHOSEN_R SP=$CHOSEN_P; fi

TAG=${BENCH_TAG:-$DB-$N-$PARAMS$([ "$SMOKE" = 1 ] && echo -smoke || true)}
OUT=$BENCH/results/$TAG
DATA=$WORK/$TAG
mkdir -p "$OUT" "$DATA"
PASSWORD=Citizen-Pass-2024!
DEMO_PASSWORD=PhoNoi@Hy2025
OFFICER=033190000003:+84912000003
OFFICER2=033092000004:+84912000004
BASE=http://127.0.0.1:$PORT
GW=http://127.0.0.1:$GW_PORT
export BENCH_LUA=$BENCH/lua

SPID="" GWPID="" PGPID=""
cleanup() {
  set +e
  [ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
  [ -n "$GWPID" ] && kill -TERM "$GWPID" 2>/dev/null && wait "$GWPID" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_quiet() {  # the machine is shared: wait (at most WAIT_QUIET seconds) for the 1-minute load to fall below 1.5
  local limit=${WAIT_QUIET:-0} waited=0
  while [ "$waited" -lt "$limit" ] && awk '{exit !($1 >= 1.5)}' /proc/loadavg; do sleep 5; waited=$((waited + 5)); done
  [ "$limit" -gt 0 ] && log "load before the run: $(load) (waited ${waited}s)"
  return 0
}
log() { printf '%s  %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
note() {  # key value... -> results summary, with the time and the load average
  printf '%s\t%s\tload %s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$(load)" "${*:2}" | tee -a "$OUT/summary.tsv"
}

DBFILE=portal  # the start-up test uses its own empty database beside the seeded one
db_url() {
  if [ "$DB" = postgres ]; then echo "postgres://postgres@127.0.0.1:$PG_PORT/bench_$(echo "$TAG" | tr -c 'a-z0-9\n' '_')_$DBFILE"
  else echo "sqlite://$DATA/$DBFILE.sqlite"; fi
}

# The same root key for every command, so that codes prepared by seed-bench verify on the server.
KEY_FILE=$WORK/root.key
mkdir -p "$WORK"
[ -f "$KEY_FILE" ] || head -c 32 /dev/urandom | base64 >"$KEY_FILE"

portal_env() {  # the benchmark configuration, one VAR=value a line; rate limits raised so that they never answer 429 here
  printf '%s\n' "DATABASE_URL=$(db_url)" "DATA_ENCRYPTION_KEY=$(cat "$KEY_FILE")" \
    ALLOW_SQLITE_IN_PRODUCTION=true PUBLIC_BASE_URL=https://dichvucong.example.vn "SMS_GATEWAY_URL=$GW/sms" \
    RATE_LIMIT_PER_IP_PER_HOUR=1000000 LOOKUP_LIMIT_PER_HOUR=1000000 OTP_MAX_PER_HOUR=1000 OTP_MAX_PER_DAY=10000 \
    OTP_RESEND_SECONDS=0 "PASSWORD_SCRYPT_N=$SN" "PASSWORD_SCRYPT_R=$SR" "PASSWORD_SCRYPT_P=$SP"
}
portal_dev() {  # a command (demo, seed-bench, migrate, hash-timing) in the development environment
  local envv
  mapfile -t envv < <(portal_env)
  env -C "$ROOT" "${envv[@]}" VAPOR_ENV=development "$BIN" "$@" --log warning
}

# ------------------------------------------------------------------ PostgreSQL
pg_is_up() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }
cmd_pg_start() {
  pg_is_up && { log "postgres already up on $PG_PORT"; return; }
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    mkdir -p "$PG_DIR" && chown postgres: "$PG_DIR"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 >/dev/null
  fi
  # fsync stays on: commits cost what they cost on a real server. Default settings otherwise, except
  # a shared_buffers able to hold a 1 M-account table and its indexes.
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c shared_buffers=512MB -c max_connections=100" start >/dev/null
  log "postgres up on 127.0.0.1:$PG_PORT ($PG_DIR)"
}
cmd_pg_stop() { runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null || true; }
pg_fresh() {
  local name=${1:-$(db_url | sed 's#.*/##')}
  runuser -u postgres -- "$PG_BIN/dropdb" -h 127.0.0.1 -p "$PG_PORT" --if-exists "$name"
  runuser -u postgres -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" "$name"
}

fresh_db() {
  if [ "$DB" = postgres ]; then cmd_pg_start; pg_fresh; else rm -f "$DATA/$DBFILE".sqlite*; fi
}

# ------------------------------------------------------------------ fake gateway
gateway_start() {
  [ -n "$GWPID" ] && return
  python3 "$BENCH/fake_gateway.py" --port "$GW_PORT" --max-seconds 7200 >"$OUT/gateway.log" 2>&1 &
  GWPID=$!
  for _ in $(seq 1 100); do curl -sf "$GW/_/stats" >/dev/null && return; sleep 0.05; done
  log "gateway did not start"; exit 1
}

# ------------------------------------------------------------------ server
now_ns() { date +%s%N; }
ready_poll() {  # polls /health/ready every 10 ms over bash /dev/tcp, like the peer's bench.sh
  local line
  for _ in $(seq 1 6000); do
    if { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null; then
      printf 'GET /health/ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
      IFS= read -r line <&3 || true
      exec 3<&- 3>&-
      case "$line" in *" 200 "*) return 0 ;; esac
    fi
    sleep 0.01
  done
  return 1
}
server_start() {  # sets SPID and BOOT_MS
  local t0 t1
  local envv
  mapfile -t envv < <(portal_env)
  t0=$(now_ns)
  # env execs the server, so $! is the server's own pid (for /proc/PID/status).
  env -C "$ROOT" "${envv[@]}" "$BIN" serve --env production --hostname 127.0.0.1 --port "$PORT" >>"$OUT/server.log" 2>&1 &
  SPID=$!
  ready_poll || { log "server never became ready; see $OUT/server.log"; exit 1; }
  t1=$(now_ns)
  BOOT_MS=$(( (t1 - t0) / 1000000 ))
}
server_stop() { [ -n "$SPID" ] && { kill -TERM "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=""; }; }
rss_mb() { awk '/^VmRSS:/{printf "%.1f", $2/1024}' "/proc/$SPID/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SPID/stat"; }  # the server's user + system time, in clock ticks

# ------------------------------------------------------------------ wrk
run_wrk() {  # name conns duration path [lua]; env BENCH_* for the scripts; samples RSS every second
  local name=$1 conns=$2 dur=$3 path=$4 lua=${5:-$BENCH/lua/get.lua} peak=0 r c0 c1
  local THREADS=$(( conns < THREADS ? conns : THREADS ))
  c0=$(cpu_ticks)
  BENCH_THREADS=$THREADS wrk -t"$THREADS" -c"$conns" -d"$dur" --timeout "$WRK_TIMEOUT" -s "$lua" "$BASE$path" \
    >"$OUT/wrk-$name.txt" 2>&1 &
  local wpid=$!
  # PERF_DIR=…: a CPU profile of the server during each run (perf report -i $PERF_DIR/NAME.data).
  [ -n "${PERF_DIR:-}" ] && { mkdir -p "$PERF_DIR"; perf record -F 499 -g -p "$SPID" -o "$PERF_DIR/$name.data" -- sleep "${dur%s}" >/dev/null 2>&1 & }
  while kill -0 "$wpid" 2>/dev/null; do
    sleep 1
    r=$(rss_mb)
    peak=$(awk -v a="$peak" -v b="$r" 'BEGIN{print (b>a)?b:a}')
  done
  wait "$wpid" || true
  c1=$(cpu_ticks)
  local result cpu n
  result=$(grep '^RESULT' "$OUT/wrk-$name.txt" | sed 's/^RESULT //')
  # What the server itself spent: requests per CPU-second is what one core does, whatever else ran beside.
  cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", (b-a)/hz}')
  n=$(echo "$result" | sed -n 's/.* n=\([0-9]*\).*/\1/p')
  note "$name" "$result server_cpu_s=$cpu req_per_cpu_s=$(awk -v n="$n" -v c="$cpu" 'BEGIN{printf "%.0f", (c>0)?n/c:0}') rss_peak_mb=$peak conns=$conns dur=$dur cmd=wrk -t$THREADS -c$conns -d$dur --timeout $WRK_TIMEOUT -s $(basename "$lua") $path"
}

tokens_for() {  # count -> file of bearer tokens, each from a real sign-in (password + SMS code)
  local count=$1 file=$2
  mapfile -t who < <(head -n "$count" "$DATA/users.txt" | tr ' ' ':')
  python3 "$BENCH/client.py" api-login "$BASE" "$GW" "$PASSWORD" "${who[@]}" >"$file"
}

prepare_challenges() {  # count -> $DATA/challenges.txt, opened as sign-in step 1 leaves them
  portal_dev seed-bench --on-existing-data --accounts "$N" --challenges "$1" --challenges-out "$DATA/challenges.txt" >>"$OUT/seed.log" 2>&1
}

# ------------------------------------------------------------------ commands
cmd_build() { (cd "$ROOT" && swift build -c release --product portal); }

cmd_seed() {
  fresh_db
  gateway_start
  log "seed: demo + $N accounts ($DB, scrypt N=$SN r=$SR p=$SP)"
  portal_dev demo >"$OUT/seed.log" 2>&1
  local t0 t1
  t0=$(now_ns)
  portal_dev seed-bench --accounts "$N" --sample-out "$DATA/users.txt" --sample-size 20000 >>"$OUT/seed.log" 2>&1
  t1=$(now_ns)
  note seed "accounts=$N seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f",(b-a)/1e9}') cmd=portal seed-bench --accounts $N"
  if [ "$DB" = postgres ]; then
    note db_size "$(runuser -u postgres -- "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -At -d "$(db_url | sed 's#.*/##')" \
      -c "select 'database_mb=' || pg_database_size(current_database())/1048576 || ' accounts_table_mb=' || pg_total_relation_size('accounts')/1048576")"
  else
    note db_size "database_mb=$(du -m "$DATA/$DBFILE.sqlite" | cut -f1)"
  fi
}

cmd_endpoints() {
  wait_quiet
  gateway_start
  [ -s "$DATA/users.txt" ] || cmd_seed
  server_start
  note startup "ms=$BOOT_MS accounts=$N (start of the process to the first 200 from /health/ready)"
  sleep 3
  note rss_idle "mb=$(rss_mb)"
  # The last sample account: the tokens below use the first ones, and must not read this check's code.
  python3 "$BENCH/client.py" check "$BASE" "$GW" "$PASSWORD" "$(tail -1 "$DATA/users.txt" | tr ' ' ':')" | tee -a "$OUT/summary.tsv"
  tokens_for "$TOKENS" "$DATA/tokens.txt"
  python3 "$BENCH/client.py" api-login "$BASE" "$GW" "$DEMO_PASSWORD" "$OFFICER" "$OFFICER2" >"$DATA/officer-tokens.txt"
  local cookie
  cookie=$(python3 "$BENCH/client.py" web-login "$BASE" "$GW" "$DEMO_PASSWORD" "$OFFICER" /quantri/tai-khoan-cong-dan)

  BENCH_USERS=$DATA/users.txt BENCH_PASSWORD=$PASSWORD run_wrk login "$CONNS" "$LOGIN_D" /api/v1/login "$BENCH/lua/login.lua"
  note rss_after_login "mb=$(rss_mb)"
  prepare_challenges "$CHALLENGES"
  BENCH_CHALLENGES=$DATA/challenges.txt run_wrk otp-verify "$CONNS" "$HTTP_D" /api/v1/login "$BENCH/lua/verify.lua"
  BENCH_TOKENS=$DATA/tokens.txt run_wrk me "$CONNS" "$HTTP_D" /api/v1/me
  BENCH_USERS=$DATA/users.txt BENCH_TOKENS=$DATA/officer-tokens.txt run_wrk lookup "$CONNS" "$HTTP_D" \
    /api/v1/admin/citizen-accounts/lookup "$BENCH/lua/lookup.lua"
  BENCH_COOKIE=$cookie run_wrk list-page "$CONNS" "$HTTP_D" /quantri/tai-khoan-cong-dan
  BENCH_TOKENS=$DATA/officer-tokens.txt run_wrk list-api "$CONNS" "$HTTP_D" "/api/v1/admin/citizen-accounts?per=20"
  # The look-up's own latency, not queueing behind 16 connections: 50 a second, open loop.
  python3 "$BENCH/probe.py" --base "$BASE" --rate 50 --seconds "$(( SMOKE == 1 ? 3 : 20 ))" \
    --lookup "$DATA/users.txt" "$DATA/officer-tokens.txt" >"$OUT/probe-lookup.txt"
  note lookup-latency "$(cat "$OUT/probe-lookup.txt") rate=50/s accounts=$N"
  run_wrk home "$CONNS" "$HTTP_D" /
  run_wrk ready "$CONNS" "$HTTP_D" /health/ready
  # No database at all: what the framework, the middlewares and a JSON body cost, the floor under every endpoint.
  run_wrk live "$CONNS" "$HTTP_D" /health/live
  note rss_end "mb=$(rss_mb)"
  server_stop
}

cmd_pages() {  # the rows of issue 16's items 2 and 3, without the rest of `endpoints`
  wait_quiet
  gateway_start
  [ -s "$DATA/users.txt" ] || cmd_seed
  server_start
  python3 "$BENCH/client.py" api-login "$BASE" "$GW" "$DEMO_PASSWORD" "$OFFICER" "$OFFICER2" >"$DATA/officer-tokens.txt"
  local cookie
  cookie=$(python3 "$BENCH/client.py" web-login "$BASE" "$GW" "$DEMO_PASSWORD" "$OFFICER" /quantri/tai-khoan-cong-dan)
  BENCH_COOKIE=$cookie run_wrk list-page "$CONNS" "$HTTP_D" /quantri/tai-khoan-cong-dan
  BENCH_TOKENS=$DATA/officer-tokens.txt run_wrk list-api "$CONNS" "$HTTP_D" "/api/v1/admin/citizen-accounts?per=20"
  prepare_challenges "$CHALLENGES"
  BENCH_CHALLENGES=$DATA/challenges.txt run_wrk otp-verify "$CONNS" "$HTTP_D" /api/v1/login "$BENCH/lua/verify.lua"
  BENCH_USERS=$DATA/users.txt BENCH_TOKENS=$DATA/officer-tokens.txt run_wrk lookup "$CONNS" "$HTTP_D" \
    /api/v1/admin/citizen-accounts/lookup "$BENCH/lua/lookup.lua"
  run_wrk ready "$CONNS" "$HTTP_D" /health/ready
  tokens_for "$TOKENS" "$DATA/tokens.txt"
  BENCH_TOKENS=$DATA/tokens.txt run_wrk me "$CONNS" "$HTTP_D" /api/v1/me
  note rss_end "mb=$(rss_mb)"
  server_stop
}

cmd_latency() {  # the look-up at 50/s beside /health/ready and /me at 50/s: what the look-up adds to any request
  wait_quiet
  gateway_start
  [ -s "$DATA/users.txt" ] || cmd_seed
  server_start
  tokens_for "$TOKENS" "$DATA/tokens.txt"
  python3 "$BENCH/client.py" api-login "$BASE" "$GW" "$DEMO_PASSWORD" "$OFFICER" "$OFFICER2" >"$DATA/officer-tokens.txt"
  python3 "$BENCH/probe.py" --base "$BASE" --rate 50 --seconds "$(( SMOKE == 1 ? 3 : 20 ))" --get /health/ready \
    --me "$DATA/tokens.txt" --lookup "$DATA/users.txt" "$DATA/officer-tokens.txt" >"$OUT/probe-latency.txt"
  while read -r line; do note latency "$line rate=50/s each accounts=$N"; done <"$OUT/probe-latency.txt"
  # One connection, one request at a time (wrk, C): the server's own latency without the probe's Python.
  run_wrk ready-1conn 1 "$HTTP_D" /health/ready
  BENCH_TOKENS=$DATA/tokens.txt run_wrk me-1conn 1 "$HTTP_D" /api/v1/me
  BENCH_USERS=$DATA/users.txt BENCH_TOKENS=$DATA/officer-tokens.txt run_wrk lookup-1conn 1 "$HTTP_D" \
    /api/v1/admin/citizen-accounts/lookup "$BENCH/lua/lookup.lua"
  server_stop
}

cmd_surge() {
  wait_quiet
  gateway_start
  [ -s "$DATA/users.txt" ] || cmd_seed
  server_start
  tokens_for "$TOKENS" "$DATA/tokens.txt"
  local cookie rate=40
  cookie=$(python3 "$BENCH/client.py" web-login "$BASE" "$GW" "$DEMO_PASSWORD" "$OFFICER" /quantri/tai-khoan-cong-dan)
  prepare_challenges $(( 2 * (SURGE_S + 2) * rate + 100 ))
  head -n $(( (SURGE_S / 2) * rate )) "$DATA/challenges.txt" >"$DATA/challenges-quiet.txt"
  tail -n +$(( (SURGE_S / 2) * rate + 1 )) "$DATA/challenges.txt" >"$DATA/challenges-surge.txt"
  local probe=(python3 "$BENCH/probe.py" --base "$BASE" --rate "$rate" --me "$DATA/tokens.txt"
               --page /quantri/tai-khoan-cong-dan "$cookie" --get /)
  # Quiet baseline: the same probe with no sign-ins running.
  "${probe[@]}" --seconds $(( SURGE_S / 2 )) --verify "$DATA/challenges-quiet.txt" >"$OUT/probe-quiet.txt"
  while read -r line; do note "surge-quiet" "$line rate=$rate/s"; done <"$OUT/probe-quiet.txt"
  # Surge: wrk keeps $CONNS sign-ins in flight (far more than the hash pool's threads) for the whole probe.
  BENCH_USERS=$DATA/users.txt BENCH_PASSWORD=$PASSWORD BENCH_THREADS=1 wrk -t1 -c"$CONNS" -d$(( SURGE_S + 6 ))s \
    --timeout "$WRK_TIMEOUT" -s "$BENCH/lua/login.lua" "$BASE/api/v1/login" >"$OUT/wrk-surge-login.txt" 2>&1 &
  local wpid=$!
  sleep 3
  "${probe[@]}" --seconds "$SURGE_S" --verify "$DATA/challenges-surge.txt" >"$OUT/probe-surge.txt"
  wait "$wpid" || true
  while read -r line; do note "surge" "$line rate=$rate/s"; done <"$OUT/probe-surge.txt"
  note surge-login "$(grep '^RESULT' "$OUT/wrk-surge-login.txt" | sed 's/^RESULT //') conns=$CONNS (the sign-in load during the probe)"
  note rss_surge "mb=$(rss_mb)"
  server_stop
}

cmd_hash() {
  wait_quiet
  local count=20
  [ "$SMOKE" = 1 ] && count=2
  for p in "$CHOSEN_N $CHOSEN_R $CHOSEN_P" "$PEER_N $PEER_R $PEER_P" "32768 8 1" "32768 8 3" "65536 8 2" "131072 8 1" "8192 8 10" "16384 8 1"; do
    set -- $p
    note hash "$(portal_dev hash-timing --n "$1" --r "$2" --p "$3" --count "$count" | tail -1) cmd=portal hash-timing --n $1 --r $2 --p $3 --count $count"
  done
}

cmd_startup() {
  wait_quiet
  local saved=$DBFILE
  DBFILE=empty
  fresh_db
  portal_dev migrate -y >"$OUT/migrate.log" 2>&1
  local i
  for i in 1 2 3; do
    server_start
    note startup-empty "ms=$BOOT_MS run=$i"
    sleep 2
    note rss_idle-empty "mb=$(rss_mb) run=$i"
    server_stop
  done
  DBFILE=$saved
}

queue_sms() {  # count -> the commit time (epoch s) of COUNT SMS queued through the real outbox by seed-bench
  portal_dev seed-bench --on-existing-data --accounts "$N" --outbox "$1" | sed -n 's/.*committed_at=\([0-9.]*\).*/\1/p'
}
gateway_stats_at() {  # count tries pause -> the gateway's /_/stats once it has accepted COUNT SMS (or after TRIES polls)
  local stats
  for _ in $(seq 1 "$2"); do
    stats=$(curl -s "$GW/_/stats")
    [ "$(echo "$stats" | python3 -c 'import json,sys;print(json.load(sys.stdin)["received"])')" -ge "$1" ] && break
    sleep "$3"
  done
  echo "$stats"
}

cmd_outbox() {
  wait_quiet
  gateway_start
  [ -s "$DATA/users.txt" ] || cmd_seed
  server_start
  local m=$OUTBOX_N committed stats
  curl -s "$GW/_/reset" >/dev/null
  committed=$(queue_sms "$m")
  stats=$(gateway_stats_at "$m" 600 0.2)
  note outbox "$(echo "$stats" | python3 "$BENCH/outbox_stats.py" fast "$committed" "$m")"

  # A slow gateway (1 s per answer, under the 5 s timeout): throughput is what the sender keeps in flight.
  local slow=$(( SMOKE == 1 ? 50 : 500 ))
  curl -s "$GW/_/reset" >/dev/null; curl -s "$GW/_/config?delay_ms=1000" >/dev/null
  committed=$(queue_sms "$slow")
  stats=$(gateway_stats_at "$slow" 300 0.5)
  note outbox-slow-gateway "$(echo "$stats" | python3 "$BENCH/outbox_stats.py" slow "$committed" "$slow" 1000)"

  # A failing gateway (503 for 10 s), then healthy again: nothing lost, nothing sent twice, drained after.
  curl -s "$GW/_/reset" >/dev/null; curl -s "$GW/_/config?delay_ms=0&status=503" >/dev/null
  committed=$(queue_sms "$slow")
  sleep $(( SMOKE == 1 ? 3 : 10 ))
  curl -s "$GW/_/config?status=200" >/dev/null
  local healthy
  healthy=$(date +%s.%N)
  stats=$(gateway_stats_at "$slow" 600 0.5)
  note outbox-gateway-down "$(echo "$stats" | python3 "$BENCH/outbox_stats.py" down "$healthy" "$slow")"
  curl -s "$GW/_/config?delay_ms=0&status=200" >/dev/null
  server_stop
}

cmd_sso() {  # the provider's token endpoint and userinfo, through bench/sso.py (a trusted client, no consent page)
  wait_quiet
  gateway_start
  [ -s "$DATA/users.txt" ] || cmd_seed
  local redirect=https://rp.bench.example.vn/oidc/callback alg=${SSO_ALG:-RS256} creds id secret
  creds=$(portal_dev oidc-client add --name "Bench RP $alg" --redirect-uri "$redirect" --scopes "openid profile phone" \
    --id-token-alg "$alg" --trusted)
  id=$(echo "$creds" | sed -n 's/^client_id: //p')
  secret=$(echo "$creds" | sed -n 's/^client_secret: //p')
  [ -n "$id" ] && [ -n "$secret" ] || { log "oidc-client add gave: $creds"; exit 1; }
  server_start
  local user
  user=$(sed -n '2p' "$DATA/users.txt" | tr ' ' ':')  # not one the endpoints command signs in with
  python3 "$BENCH/sso.py" --base "$BASE" --gateway "$GW" --pid "$SPID" --client-id="$id" --client-secret="$secret" \
    --redirect-uri "$redirect" --user "$user" --password "$PASSWORD" --conns "$CONNS" --threads "$THREADS" \
    --seconds "$(( SMOKE == 1 ? 2 : ${HTTP_D%s} ))" --work "$DATA/sso" >"$OUT/sso-$alg.txt"
  while read -r name rest; do note "$name" "$rest id_token_alg=$alg db=$DB"; done <"$OUT/sso-$alg.txt"
  for f in "$DATA/sso"/wrk-*.txt; do cp "$f" "$OUT/$(basename "${f%.txt}")-$alg.txt"; done
  note rss_after_sso "mb=$(rss_mb)"
  server_stop
}

cmd_peer() {
  wait_quiet
  if [ ! -x "$PEER_DIR/.venv/bin/python" ]; then
    rm -rf "$PEER_DIR" && cp -r "$PEER_SRC" "$PEER_DIR" && chmod -R u+w "$PEER_DIR"
    python3 -m venv "$PEER_DIR/.venv" && "$PEER_DIR/.venv/bin/pip" install -q -r "$PEER_DIR/requirements.txt"
  fi
  local pdur=20s hdur=10s
  [ "$SMOKE" = 1 ] && pdur=3s hdur=2s
  log "peer: bench.sh $DB $N"
  (cd "$PEER_DIR" && DURATION=$pdur HEALTH_DURATION=$hdur ./bench.sh "$DB" "$N") >"$OUT/peer.txt" 2>&1
  sed -n '/== django-allauth peer/,$p' "$OUT/peer.txt" | tee "$OUT/peer-summary.txt"
  note peer "$(tr '\n' '|' <"$OUT/peer-summary.txt")"
}

cmd_pair() {
  [ "$PARAMS" = peer ] || { log "pair runs at the peer's parameters: use --params peer"; exit 2; }
  cmd_peer
  cmd_seed
  cmd_endpoints
  note hash-peer-params "$(portal_dev hash-timing --n $PEER_N --r $PEER_R --p $PEER_P --count $([ "$SMOKE" = 1 ] && echo 2 || echo 20) | tail -1)"
  python3 "$BENCH/ratios.py" "$OUT" | tee "$OUT/ratios.md"
}

for c in "${CMDS[@]}"; do
  case "$c" in
    build) cmd_build ;;
    pg-start) cmd_pg_start ;;
    pg-stop) cmd_pg_stop ;;
    seed) cmd_seed ;;
    endpoints) cmd_endpoints ;;
    surge) cmd_surge ;;
    latency) cmd_latency ;;
    pages) cmd_pages ;;
    hash) cmd_hash ;;
    startup) cmd_startup ;;
    outbox) cmd_outbox ;;
    sso) cmd_sso ;;
    peer) cmd_peer ;;
    pair) cmd_pair ;;
    all) cmd_seed; cmd_endpoints; cmd_surge; cmd_outbox; cmd_startup; cmd_hash ;;
    *) echo "unknown command: $c" >&2; exit 2 ;;
  esac
done
log "results: $OUT/summary.tsv"
