#!/usr/bin/env bash
# A production-shaped topology on one machine, on 127.0.0.1 ports only, from Debian's packages:
#
#   clients ──► HAProxy :56200 ──► portal instances :56231 :56232 :56233   (health check: /health/ready)
#                                        │
#               HAProxy :56202 ◄─────────┘   (TCP; only the node whose Patroni answers GET /primary with 200)
#                 │
#                 ├─► PostgreSQL 15 pg1 :56210 (Patroni REST :56211)  ┐ one leader, one synchronous standby,
#                 └─► PostgreSQL 15 pg2 :56220 (Patroni REST :56221)  ┘ the leader key in etcd :56205
#               pgBackRest repository (base backups + every WAL segment archived from the leader)
#               fake SMS gateway :56240 (each accepted SMS logged as a JSON line)
#               HAProxy statistics :56201 (CSV at /;csv)
#
# Usage (as root: PostgreSQL and Patroni run as the postgres user):
#   deploy/topology.sh start               everything above, the database migrated (and the demo province with DEMO=1)
#   deploy/topology.sh stop                everything, then the folder is removed (KEEP=1 keeps it)
#   deploy/topology.sh status              which parts run, who leads, what HAProxy sees
#   deploy/topology.sh instance N start|term|kill      one portal instance (term: SIGTERM, waits for it to exit)
#   deploy/topology.sh node N start|stop|kill          one database node (Patroni and its PostgreSQL)
#   deploy/topology.sh leader              prints the node number of the current leader
#   deploy/topology.sh backup [full|incr]  a pgBackRest backup taken from the leader
#   deploy/topology.sh check               the current WAL segment closed and archived (pgBackRest's check); `info` lists backups
#   deploy/topology.sh restore TIME        restores the repository to TIME into a fresh cluster (:56250), starts it
#                                          and a portal on it (:56251); `restore-stop` ends both
#   deploy/topology.sh env                 the portal's environment (for `portal` commands against the topology)
#
# Settings (environment): PORTAL_BINARY (the `portal` executable), TOPOLOGY_DIR (/tmp/portal-topology), MAX_SECONDS
# (every process stops by itself after this long, 3600), SHUTDOWN_DRAIN_SECONDS (4: how long an instance told to stop
# answers /health/ready with 503 before it closes, longer than HAProxy needs to take it out: 2 checks 1 s apart),
# PORTAL_SETTINGS (extra VAR=value pairs for the instances, space-separated), DEMO=1 (loads `portal demo`),
# SYNCHRONOUS_MODE (true; false makes replication asynchronous: a failover may then lose the last commits).
# Installs haproxy, patroni, etcd-server, etcd-client and pgbackrest (Debian 12) when missing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${TOPOLOGY_DIR:-/tmp/portal-topology}
max=${MAX_SECONDS:-3600}
drain=${SHUTDOWN_DRAIN_SECONDS:-4}
pg_bin=/usr/lib/postgresql/15/bin
binary=${PORTAL_BINARY:-}
if [ -z "$binary" ]; then
  for candidate in "$root/.build/release/portal" "$root/.build/debug/portal"; do
    [ -x "$candidate" ] && { binary=$candidate; break; }
  done
fi

# Ports (56200–56299).
web_port=56200 stats_port=56201 db_port=56202 etcd_port=56205 etcd_peer_port=56206
gateway_port=56240 restore_pg_port=56250 restore_portal_port=56251
pg_port() { echo $((56200 + 10 * $1)); }        # node 1 → 56210, node 2 → 56220
rest_port() { echo $((56201 + 10 * $1)); }      # node 1 → 56211, node 2 → 56221
portal_port() { echo $((56230 + $1)); }         # instance 1 → 56231 …
instances=(1 2 3)
nodes=(1 2)

say() { echo "[topology $(date -u +%H:%M:%S)] $*"; }
die() { echo "topology: $*" >&2; exit 1; }

# Waits up to $1 seconds for the command that follows to succeed.
wait_for() {
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "$what: not within $seconds s"
    sleep 0.2
  done
}

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
secret() { cat "$dir/secrets/$1"; }
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups env HOME="$dir" "$@"; }

install_packages() {
  local need=()
  command -v haproxy >/dev/null || need+=(haproxy)
  command -v patroni >/dev/null || need+=(patroni)
  command -v etcd >/dev/null || need+=(etcd-server)
  command -v etcdctl >/dev/null || need+=(etcd-client)
  command -v pgbackrest >/dev/null || need+=(pgbackrest)
  [ -x $pg_bin/initdb ] || need+=(postgresql-15)
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${need[@]}" >/dev/null
  fi
}

# Starts "$@" in the background under `timeout` (its own process group, stopped after $max seconds), output to
# logs/NAME.log, its pid (the group's) in run/NAME.pid.
launch() {
  local name=$1; shift
  timeout -k 10 "$max" "$@" >>"$dir/logs/$name.log" 2>&1 &
  echo $! >"$dir/run/$name.pid"
}

# Ends what launch() started: SIGTERM (timeout passes it on), then SIGKILL to the group after $2 seconds.
end() {
  local name=$1 grace=${2:-20} pidfile="$dir/run/$1.pid"
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  local pid; pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

# ---------------------------------------------------------------------------------------------------------
# Configuration files

write_configs() {
  mkdir -p "$dir"/{logs,run,secrets,etc,backup-repo,pgbackrest-lock,etcd}
  chmod 700 "$dir/secrets"
  for name in postgres replicator portal; do
    [ -s "$dir/secrets/$name" ] || openssl rand -hex 16 >"$dir/secrets/$name"
  done
  # The root secret. In production it lives in a secret store, never beside the database or its backups:
  # whoever holds both reads every ID-card scan and SMS text.
  [ -s "$dir/secrets/data-encryption-key" ] || openssl rand -base64 32 >"$dir/secrets/data-encryption-key"
  chmod 600 "$dir"/secrets/*

  cat >"$dir/etc/pgbackrest.conf" <<EOF
[global]
repo1-path=$dir/backup-repo
repo1-retention-full=2
start-fast=y
compress-type=lz4
lock-path=$dir/pgbackrest-lock
log-path=$dir/logs
log-level-file=info
log-level-console=warn

[portal]
pg1-path=$dir/pg1/data
pg1-port=$(pg_port 1)
pg1-socket-path=$dir/pg1
EOF

  for n in "${nodes[@]}"; do
    mkdir -p "$dir/pg$n"
    cat >"$dir/etc/patroni$n.yml" <<EOF
scope: portal
name: pg$n
log:
  level: INFO
restapi:
  listen: 127.0.0.1:$(rest_port "$n")
  connect_address: 127.0.0.1:$(rest_port "$n")
etcd3:
  hosts: 127.0.0.1:$etcd_port
bootstrap:
  dcs:
    # A dead leader's key runs out after ttl: a failover takes about ttl + loop_wait seconds.
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    # A commit is acknowledged once the standby has it, and only that standby may be promoted: a failover
    # loses no acknowledged transaction. While the standby is away the leader goes on alone (not strict).
    synchronous_mode: ${SYNCHRONOUS_MODE:-true}
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_connections: 100
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
  initdb:
    - encoding: UTF8
    - data-checksums
    - auth-local: peer
    - auth-host: scram-sha-256
postgresql:
  listen: 127.0.0.1:$(pg_port "$n")
  connect_address: 127.0.0.1:$(pg_port "$n")
  data_dir: $dir/pg$n/data
  bin_dir: $pg_bin
  pgpass: $dir/pg$n/pgpass
  remove_data_directory_on_rewind_failure: true
  remove_data_directory_on_diverged_timelines: true
  authentication:
    superuser:
      username: postgres
      password: $(secret postgres)
    replication:
      username: replicator
      password: $(secret replicator)
  parameters:
    unix_socket_directories: $dir/pg$n
    # Every WAL segment goes to the backup repository, from whichever node leads (a standby archives nothing).
    archive_mode: "on"
    archive_command: pgbackrest --config=$dir/etc/pgbackrest.conf --stanza=portal --pg1-path=$dir/pg$n/data archive-push %p
    archive_timeout: 60
  pg_hba:
    - local all postgres peer
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
  basebackup:
    checkpoint: fast
tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
EOF
  done
  chown -R postgres:postgres "$dir"/pg1 "$dir"/pg2 "$dir/backup-repo" "$dir/pgbackrest-lock" "$dir/etcd"
  chmod 644 "$dir"/etc/*
  chmod 640 "$dir"/etc/patroni*.yml && chgrp postgres "$dir"/etc/patroni*.yml
  chmod 777 "$dir/logs"

  cat >"$dir/etc/haproxy.cfg" <<EOF
global
    maxconn 4000
    log stdout format raw local0 info
    stats socket $dir/run/haproxy.sock mode 600 level admin

defaults
    log global
    timeout connect 2s
    timeout queue 15s
    retries 3
    # A connection refused by a stopped or killed instance is tried on another one.
    option redispatch 1

# The portal: round robin over the instances that answer /health/ready with 200. An instance told to stop
# answers 503 first (SHUTDOWN_DRAIN_SECONDS), so it is taken out before it closes.
frontend web
    bind 127.0.0.1:$web_port
    mode http
    option httplog
    option forwardfor
    timeout client 75s
    timeout http-request 15s
    default_backend portal

backend portal
    mode http
    balance roundrobin
    timeout server 75s
    option httpchk
    http-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 2
    # No instance ready (the database is failing over): the portal's own 503 shape, with Retry-After.
    http-error status 503 content-type application/json hdr Retry-After 5 string "{\"error\":{\"code\":\"unavailable\",\"message\":\"Hệ thống tạm thời gián đoạn. Vui lòng thử lại sau ít giây.\"}}"
$(for i in "${instances[@]}"; do echo "    server portal$i 127.0.0.1:$(portal_port "$i") check"; done)

# PostgreSQL: only the node whose Patroni says it leads (OPTIONS /primary → 200). When the leader changes, the
# sessions to the old one are cut, and the instances' pools reconnect here, to the new one.
listen postgres
    bind 127.0.0.1:$db_port
    mode tcp
    option tcplog
    timeout client 30m
    timeout server 30m
    option httpchk
    http-check send meth OPTIONS uri /primary
    http-check expect status 200
    default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 1 on-marked-down shutdown-sessions
$(for n in "${nodes[@]}"; do echo "    server pg$n 127.0.0.1:$(pg_port "$n") check port $(rest_port "$n")"; done)

listen stats
    bind 127.0.0.1:$stats_port
    mode http
    timeout client 10s
    stats enable
    stats uri /
    stats refresh 2s
EOF

  {
    echo "DATABASE_URL=postgres://portal:$(secret portal)@127.0.0.1:$db_port/portal"
    echo "DATA_ENCRYPTION_KEY=$(secret data-encryption-key)"
    echo "SMS_GATEWAY_URL=http://127.0.0.1:$gateway_port/sms"
    echo "TRUSTED_PROXIES=127.0.0.1"
    echo "PUBLIC_BASE_URL=http://127.0.0.1:$web_port"
    echo "METRICS_TOKEN=$(openssl rand -hex 12)"
    echo "SHUTDOWN_DRAIN_SECONDS=$drain"
    echo "PORTAL_ROOT=$root"
    echo "LOG_LEVEL=${LOG_LEVEL:-notice}"
    for setting in ${PORTAL_SETTINGS:-}; do echo "$setting"; done
  } >"$dir/etc/portal.env"
  chmod 600 "$dir/etc/portal.env"
}

# ---------------------------------------------------------------------------------------------------------
# The parts

start_etcd() {
  launch etcd setpriv --reuid=postgres --regid=postgres --init-groups \
    etcd --name e1 --data-dir "$dir/etcd/data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "e1=http://127.0.0.1:$etcd_peer_port" --initial-cluster-state new
  wait_for 30 "etcd healthy" env ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$etcd_port" endpoint health
}

start_node() {
  local n=$1
  launch "patroni$n" setpriv --reuid=postgres --regid=postgres --init-groups env HOME="$dir/pg$n" \
    patroni "$dir/etc/patroni$n.yml"
}

# The leader's node number (nothing when none leads).
leader() {
  for n in "${nodes[@]}"; do
    if curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$(rest_port "$n")/primary" 2>/dev/null; then echo "$n"; return 0; fi
  done
  return 1
}

# The postmaster of node N, from its pid file.
postmaster_pid() { head -1 "$dir/pg$1/data/postmaster.pid" 2>/dev/null || true; }

kill_node() {
  local n=$1 pm; pm=$(postmaster_pid "$n")
  local pidfile="$dir/run/patroni$n.pid"
  if pid_alive "$pidfile"; then kill -KILL -- "-$(cat "$pidfile")" 2>/dev/null || true; fi
  # Patroni runs PostgreSQL in a session of its own: a lost machine takes both.
  [ -n "$pm" ] && kill -KILL "$pm" 2>/dev/null || true
  rm -f "$pidfile"
}

psql_super() { # psql as the superuser on node N's port
  local n=$1; shift
  PGPASSWORD=$(secret postgres) $pg_bin/psql -h 127.0.0.1 -p "$(pg_port "$n")" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

pgbackrest_leader() {
  local n; n=$(leader) || die "no leader for pgBackRest"
  as_postgres pgbackrest --config="$dir/etc/pgbackrest.conf" --stanza=portal \
    --pg1-path="$dir/pg$n/data" --pg1-port="$(pg_port "$n")" --pg1-socket-path="$dir/pg$n" "$@"
}

start_instance() {
  local i=$1 port; port=$(portal_port "$i")
  pid_alive "$dir/run/portal$i.pid" && die "instance $i already runs"
  # shellcheck disable=SC2046
  (cd "$root" && set -a && . "$dir/etc/portal.env" && set +a && \
    launch "portal$i" "$binary" serve --hostname 127.0.0.1 --port "$port")
  wait_for 120 "instance $i ready" http_ok "http://127.0.0.1:$port/health/ready"
}

# SIGTERM to an instance, then waits (bounded) until it has exited: it drains, finishes what is in flight,
# hands back the SMS it holds.
term_instance() {
  local i=$1 pidfile="$dir/run/portal$1.pid"
  pid_alive "$pidfile" || return 0
  end "portal$i" $((drain + 30))
}

kill_instance() {
  local pidfile="$dir/run/portal$1.pid"
  pid_alive "$pidfile" && kill -KILL -- "-$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
}

# HAProxy's view: "name status" for each server of a backend.
haproxy_view() {
  curl -fsS --max-time 2 "http://127.0.0.1:$stats_port/;csv" | awk -F, -v b="$1" '$1 == b && $2 != "BACKEND" && $2 != "FRONTEND" {print $2, $18}'
}

all_instances_up() { [ "$(haproxy_view portal | grep -c ' UP$')" = "${#instances[@]}" ]; }

start_all() {
  [ "$(id -u)" = 0 ] || die "run as root (PostgreSQL and Patroni run as the postgres user)"
  [ -n "$binary" ] && [ -x "$binary" ] || die "no portal executable: set PORTAL_BINARY"
  pid_alive "$dir/run/etcd.pid" && die "already running in $dir (deploy/topology.sh stop first)"
  install_packages
  for port in $web_port $stats_port $db_port $etcd_port $etcd_peer_port $gateway_port $(pg_port 1) $(pg_port 2) \
      $(rest_port 1) $(rest_port 2) $(portal_port 1) $(portal_port 2) $(portal_port 3); do
    ! ss -Hltn "sport = :$port" | grep -q . || die "port $port is taken"
  done
  rm -rf "$dir"; mkdir -p "$dir"; chmod 755 "$dir"
  write_configs
  say "etcd on :$etcd_port"
  start_etcd
  say "Patroni pg1 (PostgreSQL :$(pg_port 1), REST :$(rest_port 1)): bootstrapping the cluster"
  start_node 1
  wait_for 120 "pg1 leading" http_ok "http://127.0.0.1:$(rest_port 1)/primary"
  psql_super 1 -d postgres -c "CREATE ROLE portal LOGIN PASSWORD '$(secret portal)'" -c "CREATE DATABASE portal OWNER portal"
  say "pgBackRest stanza"
  pgbackrest_leader stanza-create
  say "Patroni pg2 (PostgreSQL :$(pg_port 2), REST :$(rest_port 2)): cloned from the leader, synchronous standby"
  start_node 2
  if [ "${SYNCHRONOUS_MODE:-true}" = true ]; then
    wait_for 180 "pg2 a synchronous standby" http_ok "http://127.0.0.1:$(rest_port 2)/sync"
  else
    wait_for 180 "pg2 a streaming standby" http_ok "http://127.0.0.1:$(rest_port 2)/replica"
  fi
  say "HAProxy (portal :$web_port, PostgreSQL leader :$db_port, statistics :$stats_port)"
  haproxy -c -q -f "$dir/etc/haproxy.cfg" || die "haproxy.cfg refused"
  launch haproxy haproxy -db -f "$dir/etc/haproxy.cfg"
  wait_for 30 "PostgreSQL through HAProxy" env PGPASSWORD="$(secret portal)" $pg_bin/psql -h 127.0.0.1 -p $db_port -U portal -d portal -c "SELECT 1"
  say "base backup"
  pgbackrest_leader --type=full backup
  say "fake SMS gateway on :$gateway_port"
  launch gateway python3 "$root/bench/fake_gateway.py" --port $gateway_port --log "$dir/gateway.jsonl" --max-seconds "$max"
  wait_for 30 "the SMS gateway" http_ok "http://127.0.0.1:$gateway_port/_/stats"
  say "portal instance 1 on :$(portal_port 1) (migrates the database) — $binary"
  start_instance 1
  if [ "${DEMO:-0}" = 1 ]; then
    (cd "$root" && set -a && . "$dir/etc/portal.env" && set +a && "$binary" demo >"$dir/logs/demo.log" 2>&1) || die "portal demo failed"
  fi
  say "portal instances 2 and 3"
  start_instance 2 & local second=$!
  start_instance 3 & local third=$!
  wait "$second" && wait "$third" || die "an instance did not start"
  wait_for 30 "HAProxy seeing every instance up" all_instances_up
  say "ready: http://127.0.0.1:$web_port (folder $dir; deploy/topology.sh stop ends it)"
}

stop_all() {
  for i in "${instances[@]}"; do end "portal$i" $((drain + 30)) & done
  wait
  end haproxy 10
  end gateway 10
  # The standby first, so the leader does not wait for it; each Patroni stops its PostgreSQL.
  local first; first=$(leader || echo 1)
  for n in $([ "$first" = 1 ] && echo "2 1" || echo "1 2"); do end "patroni$n" 60; done
  for n in "${nodes[@]}"; do pm=$(postmaster_pid "$n"); [ -n "$pm" ] && kill -KILL "$pm" 2>/dev/null || true; done
  end etcd 10
  stop_restore
  if [ "${KEEP:-0}" = 1 ]; then say "stopped; kept $dir"; else rm -rf "$dir"; say "stopped"; fi
}

status() {
  for name in etcd patroni1 patroni2 haproxy gateway portal1 portal2 portal3 restored-pg restored-portal; do
    if pid_alive "$dir/run/$name.pid"; then echo "$name: running (pid $(cat "$dir/run/$name.pid"))"; else echo "$name: stopped"; fi
  done
  echo "leader: pg$(leader || echo ' none')"
  echo "HAProxy portal backend:"; haproxy_view portal 2>/dev/null | sed 's/^/  /' || true
  echo "HAProxy postgres backend:"; haproxy_view postgres 2>/dev/null | sed 's/^/  /' || true
}

# ---------------------------------------------------------------------------------------------------------
# Point-in-time restore into a fresh cluster

restore_to() {
  local target=$1 rdir="$dir/restored"
  stop_restore
  rm -rf "$rdir"; mkdir -p "$rdir/data"; chmod 700 "$rdir/data"; chown -R postgres:postgres "$rdir"
  say "restoring to $target into $rdir/data"
  as_postgres pgbackrest --config="$dir/etc/pgbackrest.conf" --stanza=portal --pg1-path="$rdir/data" \
    --type=time --target="$target" --target-action=promote --delta restore
  # The restored cluster is a standalone one: no archiving into the topology's repository, no replication.
  cat >>"$rdir/data/postgresql.auto.conf" <<EOF
port = $restore_pg_port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$rdir'
archive_mode = off
synchronous_standby_names = ''
EOF
  launch restored-pg setpriv --reuid=postgres --regid=postgres --init-groups env HOME="$rdir" \
    $pg_bin/postgres -D "$rdir/data" -c config_file="$rdir/data/postgresql.conf" -c hba_file="$rdir/data/pg_hba.conf"
  wait_for 120 "the restored cluster out of recovery" \
    bash -c "[ \"\$(PGPASSWORD=$(secret postgres) $pg_bin/psql -h 127.0.0.1 -p $restore_pg_port -U postgres -d postgres -qAt -c 'SELECT pg_is_in_recovery()')\" = f ]"
  say "portal on the restored cluster: :$restore_portal_port"
  (cd "$root" && set -a && . "$dir/etc/portal.env" && set +a && \
    export DATABASE_URL="postgres://portal:$(secret portal)@127.0.0.1:$restore_pg_port/portal" \
           PUBLIC_BASE_URL="http://127.0.0.1:$restore_portal_port" && \
    launch restored-portal "$binary" serve --hostname 127.0.0.1 --port $restore_portal_port)
  wait_for 120 "the portal on the restored cluster" http_ok "http://127.0.0.1:$restore_portal_port/health/ready"
  say "restored: PostgreSQL :$restore_pg_port, portal http://127.0.0.1:$restore_portal_port"
}

stop_restore() {
  end restored-portal 30
  end restored-pg 30
}

case "${1:-}" in
  start) start_all ;;
  stop) stop_all ;;
  status) status ;;
  leader) leader ;;
  env) cat "$dir/etc/portal.env" ;;
  instance)
    case "${3:-}" in
      start) start_instance "$2" ;;
      term) term_instance "$2" ;;
      kill) kill_instance "$2" ;;
      *) die "instance N start|term|kill" ;;
    esac ;;
  node)
    case "${3:-}" in
      start) start_node "$2" ;;
      stop) end "patroni$2" 60 ;;
      kill) kill_node "$2" ;;
      *) die "node N start|stop|kill" ;;
    esac ;;
  backup) pgbackrest_leader --type="${2:-incr}" backup ;;
  check) pgbackrest_leader check ;;   # switches to a new WAL segment and waits until it is archived
  info) as_postgres pgbackrest --config="$dir/etc/pgbackrest.conf" --stanza=portal info ;;
  secret) secret "$2" ;;
  restore) [ -n "${2:-}" ] || die "restore TIME (e.g. '2026-12-01 09:30:00+00')"; restore_to "$2" ;;
  restore-stop) stop_restore ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
esac
