#!/usr/bin/env bash
# Usage: deploy/local/stack.sh [up|down|status]   (npm run stack:up, npm run stack:down)
#
# Starts (or stops) the local stack the services and tests need, on a machine without Docker:
# Apache Kafka in KRaft mode built from Maven Central artifacts, and Redis.
#
# By default: one Kafka node and one Redis server; a Redis that already answers is reused and
# never stopped by `down`. To prove scale-out on real engines:
#   KAFKA_NODES=3       three Kafka nodes, each broker and controller (a 3-voter quorum)
#   REDIS_MODE=cluster  a Redis Cluster of three primaries and three replicas
# The two can be combined. deploy/local/README.md describes ports, folders and pid files.
#
#   up      start what is not running, wait until ready, print endpoints (the default)
#   down    stop what `up` started in the same mode
#   status  list every node with its address, pid and whether it answers
#   --help  show this help, and do nothing else
#
# Environment: STACK_DIR (.stack), KAFKA_NODES (1 or 3), KAFKA_PORT (9092),
# KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP (1g for one node, 512m per node of three),
# REDIS_MODE (standalone or cluster), REDIS_PORT (6379), REDIS_CLUSTER_PORT (7000),
# REDIS_CLUSTER_NODE_TIMEOUT (5000 ms).
set -euo pipefail

# The help is the comment above, printed without its "# ".
usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }

# A --help anywhere wins, before any setting is checked or anything is started or stopped.
for arg; do
  if [[ $arg == --help || $arg == -h ]]; then
    usage
    exit 0
  fi
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/deploy/local"
stack_dir=${STACK_DIR:-$root/.stack}
kafka_nodes=${KAFKA_NODES:-1}
kafka_port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-9093}
redis_mode=${REDIS_MODE:-standalone}
redis_port=${REDIS_PORT:-6379}
redis_cluster_port=${REDIS_CLUSTER_PORT:-7000}
redis_cluster_node_timeout=${REDIS_CLUSTER_NODE_TIMEOUT:-5000}

# One Kafka node keeps the original layout ($STACK_DIR/kafka, which also holds the jars both
# modes share); the nodes of a cluster live in $STACK_DIR/kafka-3/node-<n>.
kafka_libs_dir="$stack_dir/kafka/libs"
if [[ $kafka_nodes == 1 ]]; then kafka_root="$stack_dir/kafka"; else kafka_root="$stack_dir/kafka-$kafka_nodes"; fi
# Three nodes share two cores and the tests: 512 MB of heap each is plenty for test traffic.
if [[ $kafka_nodes == 1 ]]; then kafka_heap=${KAFKA_HEAP:-1g}; else kafka_heap=${KAFKA_HEAP:-512m}; fi
redis_home="$stack_dir/redis"
redis_cluster_root="$stack_dir/redis-cluster"
redis_cluster_size=6
redis_cluster_primaries=3

log() { printf 'stack: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

redis_answers() {
  local reply
  reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'PING\r\n' >&3 && timeout 2 head -c 7 <&3) 2>/dev/null || true)
  [[ $reply == "+PONG"* ]]
}

# A pid file counts only while its process runs and, where /proc tells, is still the process this
# script started (its command line holds the marker): a recycled pid is never signalled.
pid_alive() {
  local pidfile=$1 marker=$2 pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  kill -0 "$pid" 2>/dev/null || return 1
  [[ ! -r /proc/$pid/cmdline ]] || tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"
}

pid_or_dash() { if pid_alive "$1" "$2"; then cat "$1"; else echo -; fi; }

# Runs the command (a function and its arguments) until it succeeds.
wait_until() {
  local what=$1 seconds=$2
  shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  die "$what not ready after ${seconds}s"
}

check_config() {
  [[ $kafka_nodes == 1 || $kafka_nodes == 3 ]] || die "KAFKA_NODES must be 1 or 3, not '$kafka_nodes'"
  [[ $redis_mode == standalone || $redis_mode == cluster ]] ||
    die "REDIS_MODE must be standalone or cluster, not '$redis_mode'"
  local setting
  for setting in KAFKA_PORT="$kafka_port" KAFKA_CONTROLLER_PORT="$controller_port" REDIS_PORT="$redis_port" \
    REDIS_CLUSTER_PORT="$redis_cluster_port" REDIS_CLUSTER_NODE_TIMEOUT="$redis_cluster_node_timeout"; do
    [[ ${setting#*=} =~ ^[1-9][0-9]*$ ]] || die "${setting%%=*} must be a positive integer, not '${setting#*=}'"
  done
  # Every port this mode listens on, Redis Cluster bus ports (port + 10000) included, must be
  # distinct and valid: with bases too close together, two nodes would fight over one port.
  local ports=() port n
  for n in $(seq "$kafka_nodes"); do ports+=("$(kafka_node_port "$n")" "$(kafka_node_controller_port "$n")"); done
  if [[ $redis_mode == cluster ]]; then
    for port in $(redis_cluster_ports); do ports+=("$port" $((port + 10000))); done
  else
    ports+=("$redis_port")
  fi
  for port in "${ports[@]}"; do ((port <= 65535)) || die "port $port is out of range"; done
  [[ $(printf '%s\n' "${ports[@]}" | sort | uniq -d) == "" ]] ||
    die "ports overlap: $(printf '%s\n' "${ports[@]}" | sort -n | uniq -d | tr '\n' ' ')"
}

# --- Redis, one server -------------------------------------------------------------------------

ensure_redis_server() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return
  log "installing redis-server from Debian packages"
  [[ $(id -u) == 0 ]] || die "redis-server is missing; install it (apt-get install redis-server) or set REDIS_URL"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
}

redis_up() {
  if pid_alive "$redis_home/redis.pid" "127.0.0.1:$redis_port"; then
    log "redis: already running on 127.0.0.1:$redis_port"
    return
  fi
  if redis_answers "$redis_port"; then
    log "redis: reusing the server on 127.0.0.1:$redis_port"
    return
  fi
  ensure_redis_server
  mkdir -p "$redis_home"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
    "${redis_encoding[@]}" \
    --dir "$redis_home" --pidfile "$redis_home/redis.pid" --logfile "$redis_home/redis.log" >&2
  wait_until redis 20 redis_answers "$redis_port"
  log "redis: started on 127.0.0.1:$redis_port"
}

# A user's ratings stay in one compact listpack up to 2,048 of them: about 20 bytes a rating
# rather than about 90 in a hash table (docs/operations.md, "Redis settings").
redis_encoding=(--hash-max-listpack-entries 2048 --hash-max-listpack-value 64)

# --- Redis Cluster -----------------------------------------------------------------------------

redis_cluster_ports() { seq "$redis_cluster_port" $((redis_cluster_port + redis_cluster_size - 1)); }
redis_node_home() { printf '%s' "$redis_cluster_root/$1"; }
redis_node_alive() { pid_alive "$(redis_node_home "$1")/redis.pid" "127.0.0.1:$1"; }

redis_cluster_info() { redis-cli -p "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"; }

# Starts one node from its folder. A node that ran before reads its nodes.conf (its id, its
# peers, its slots or its primary) and rejoins the cluster as it was. The append-only file is on
# because a primary that returns before its replica has taken over keeps its slots: without the
# file it would serve them empty, and its replica would copy the emptiness.
redis_node_start() {
  local port=$1 home
  home=$(redis_node_home "$port")
  mkdir -p "$home"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" \
    --cluster-enabled yes --cluster-config-file nodes.conf \
    --cluster-node-timeout "$redis_cluster_node_timeout" \
    --appendonly yes --appendfsync everysec --save '' \
    "${redis_encoding[@]}" \
    --dir "$home" --pidfile "$home/redis.pid" --logfile "$home/redis.log" >&2
}

# Joins six new nodes into a cluster; nodes that already belong to one are left alone.
redis_cluster_create_if_new() {
  local port fresh=0 joined=0 addresses=()
  for port in $(redis_cluster_ports); do
    addresses+=("127.0.0.1:$port")
    if [[ $(redis_cluster_info "$port" cluster_known_nodes) == 1 &&
      $(redis_cluster_info "$port" cluster_slots_assigned) == 0 ]]; then
      fresh=$((fresh + 1))
    else
      joined=$((joined + 1))
    fi
  done
  ((fresh > 0)) || return 0
  ((joined == 0)) ||
    die "redis cluster: $fresh node(s) lost their nodes.conf while the others still form a cluster; run down and remove $redis_cluster_root to start over"
  log "redis: joining ${addresses[*]} into a cluster"
  # Every node is on one host, so redis-cli warns that replicas share it with their primaries;
  # its report is kept in a file and shown only if the join fails.
  redis-cli --cluster create "${addresses[@]}" --cluster-replicas 1 --cluster-yes \
    >"$redis_cluster_root/create.log" 2>&1 || {
    cat "$redis_cluster_root/create.log" >&2
    die "redis cluster: joining the nodes failed"
  }
}

# Every node sees a healthy cluster: state ok, all 16384 slots served, and the six nodes as three
# primaries and three replicas with no failure flag. A primary brought back after its replica
# took over counts only once it has turned into that replica's replica.
redis_cluster_converged() {
  local port
  for port in $(redis_cluster_ports); do
    [[ $(redis_cluster_info "$port" cluster_state) == ok ]] || return 1
    [[ $(redis_cluster_info "$port" cluster_slots_ok) == 16384 ]] || return 1
    redis-cli -p "$port" cluster nodes 2>/dev/null | awk -v want="$redis_cluster_primaries" '
      {
        n = split($3, flags, ",")
        for (i = 1; i <= n; i++) {
          if (flags[i] ~ /^(fail|fail\?|handshake|noaddr)$/) bad = 1
          else if (flags[i] == "master") primaries++
          else if (flags[i] == "slave") replicas++
        }
      }
      END { exit !(!bad && primaries == want && replicas == want) }' || return 1
  done
}

# The current primaries, by port: the seed nodes clients are given (any node would do).
redis_cluster_primary_ports() {
  redis-cli -p "$redis_cluster_port" cluster nodes | awk '$3 ~ /(^|,)master(,|$)/ { split($2, a, "[:@]"); print a[2] }' | sort -n
}

redis_missing=()

# Finds the nodes to start, and stops the script before anything starts if one of their ports
# is taken by a process this stack did not start.
redis_cluster_plan() {
  local port
  redis_missing=()
  for port in $(redis_cluster_ports); do
    redis_node_alive "$port" && continue
    if port_open "$port" || port_open $((port + 10000)); then
      die "redis: 127.0.0.1:$port or its bus port $((port + 10000)) is taken by a process this stack did not start; choose another REDIS_CLUSTER_PORT"
    fi
    redis_missing+=("$port")
  done
}

redis_cluster_up() {
  local port
  ((${#redis_missing[@]} == 0)) || ensure_redis_server
  for port in "${redis_missing[@]}"; do redis_node_start "$port"; done
  for port in $(redis_cluster_ports); do wait_until "redis node $port" 20 redis_answers "$port"; done
  redis_cluster_create_if_new
  wait_until "redis cluster" 90 redis_cluster_converged
  if ((${#redis_missing[@]} > 0)); then
    log "redis: cluster ready on 127.0.0.1:$redis_cluster_port-$((redis_cluster_port + redis_cluster_size - 1)) (started ${redis_missing[*]})"
  else
    log "redis: cluster already running on 127.0.0.1:$redis_cluster_port-$((redis_cluster_port + redis_cluster_size - 1))"
  fi
}

redis_cluster_url() {
  local port urls=()
  for port in $(redis_cluster_primary_ports); do urls+=("redis://127.0.0.1:$port"); done
  (IFS=,; printf '%s' "${urls[*]}")
}

# --- Kafka -------------------------------------------------------------------------------------

# Node n listens on KAFKA_PORT + 2(n - 1) and KAFKA_CONTROLLER_PORT + 2(n - 1): with the default
# bases the three nodes take 9092/9093, 9094/9095 and 9096/9097, and one node keeps 9092/9093.
kafka_node_port() { printf '%s' $((kafka_port + 2 * ($1 - 1))); }
kafka_node_controller_port() { printf '%s' $((controller_port + 2 * ($1 - 1))); }
kafka_node_home() { if [[ $kafka_nodes == 1 ]]; then printf '%s' "$kafka_root"; else printf '%s' "$kafka_root/node-$1"; fi; }
kafka_node_name() { if [[ $kafka_nodes == 1 ]]; then printf kafka; else printf 'kafka node-%s' "$1"; fi; }
kafka_node_alive() {
  local home
  home=$(kafka_node_home "$1")
  pid_alive "$home/kafka.pid" "$home/server.properties"
}

kafka_libs() {
  local libs=$kafka_libs_dir
  if [[ ! -f $libs/.complete ]]; then
    command -v java >/dev/null || die "java is missing: install a JDK 17+"
    command -v mvn >/dev/null || die "mvn is missing: install Apache Maven"
    log "kafka: resolving the broker from Maven Central (first run only)"
    rm -rf "$libs"
    mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$libs" >&2
    touch "$libs/.complete"
  fi
  printf '%s' "$libs/*"
}

kafka_voters() {
  local n voters=()
  for n in $(seq "$kafka_nodes"); do voters+=("$n@127.0.0.1:$(kafka_node_controller_port "$n")"); done
  (IFS=,; printf '%s' "${voters[*]}")
}

kafka_write_config() {
  local n=$1 home replication=1 min_isr=1
  home=$(kafka_node_home "$n")
  if [[ $kafka_nodes == 3 ]]; then replication=3 min_isr=2; fi
  mkdir -p "$home"
  sed -e "s|@NODE_ID@|$n|g" -e "s|@VOTERS@|$(kafka_voters)|g" \
    -e "s|@KAFKA_PORT@|$(kafka_node_port "$n")|g" -e "s|@CONTROLLER_PORT@|$(kafka_node_controller_port "$n")|g" \
    -e "s|@DATA_DIR@|$home/data|g" -e "s|@REPLICATION_FACTOR@|$replication|g" -e "s|@MIN_ISR@|$min_isr|g" \
    "$here/kafka/server.properties.template" >"$home/server.properties"
}

# Formats, side by side, the storage of the given nodes that have none yet. The nodes of one
# cluster must share its id, so it is kept in $kafka_root/cluster.id.
kafka_format() {
  local classpath=$1 n home pids=() pid
  shift
  local tool_opts=(-Dlog4j.configuration="file:$here/kafka/tools-log4j.properties")
  for n; do
    home=$(kafka_node_home "$n")
    [[ -f $home/data/meta.properties ]] && continue
    if [[ ! -s $kafka_root/cluster.id ]]; then
      java -cp "$classpath" "${tool_opts[@]}" kafka.tools.StorageTool random-uuid >"$kafka_root/cluster.id"
    fi
    java -cp "$classpath" "${tool_opts[@]}" kafka.tools.StorageTool format \
      -t "$(<"$kafka_root/cluster.id")" -c "$home/server.properties" >"$home/format.log" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || die "kafka: formatting the storage failed (see $kafka_root)"; done
}

kafka_launch() {
  local n=$1 classpath=$2 home
  home=$(kafka_node_home "$n")
  local java_opts=(-Xms256m "-Xmx$kafka_heap" -XX:+UseG1GC -Dlog4j.configuration="file:$here/kafka/log4j.properties")
  : >"$home/kafka.log"
  nohup java -cp "$classpath" "${java_opts[@]}" kafka.Kafka "$home/server.properties" \
    >>"$home/kafka.log" 2>&1 &
  echo $! >"$home/kafka.pid"
}

kafka_starting=()

# Finds the nodes to start, and stops the script before anything starts if one of their ports
# is taken by a process this stack did not start. One node keeps the original behaviour of
# reusing whatever broker answers on its port.
kafka_plan() {
  local n port
  kafka_starting=()
  for n in $(seq "$kafka_nodes"); do
    port=$(kafka_node_port "$n")
    if kafka_node_alive "$n"; then
      log "$(kafka_node_name "$n"): already running on 127.0.0.1:$port"
      continue
    fi
    if [[ $kafka_nodes == 1 ]] && port_open "$port"; then
      log "kafka: reusing the broker that answers on 127.0.0.1:$port"
      return
    fi
    if port_open "$port" || port_open "$(kafka_node_controller_port "$n")"; then
      local hint=
      pid_alive "$stack_dir/kafka/kafka.pid" "$stack_dir/kafka/server.properties" &&
        hint=" (the single-node broker of this stack: run stack.sh down first)"
      die "kafka: 127.0.0.1:$port or $(kafka_node_controller_port "$n") is taken by a process this stack did not start as node-$n$hint; choose other KAFKA_PORT and KAFKA_CONTROLLER_PORT"
    fi
    kafka_starting+=("$n")
  done
}

# Launches the planned nodes and returns at once; kafka_wait waits for them, so Redis starts
# while the JVMs boot.
kafka_start() {
  ((${#kafka_starting[@]} > 0)) || return 0
  local classpath n
  classpath=$(kafka_libs)
  for n in "${kafka_starting[@]}"; do kafka_write_config "$n"; done
  kafka_format "$classpath" "${kafka_starting[@]}"
  for n in "${kafka_starting[@]}"; do kafka_launch "$n" "$classpath"; done
}

# Succeeds once every given node has logged its start (which a broker does only after it has
# caught up with the metadata log and been unfenced); stops the script if one has exited.
kafka_started() {
  local n home
  for n; do
    home=$(kafka_node_home "$n")
    grep -q 'Kafka Server started' "$home/kafka.log" && continue
    if ! kafka_node_alive "$n"; then
      tail -n 30 "$home/kafka.log" >&2
      die "$(kafka_node_name "$n") exited (log: $home/kafka.log)"
    fi
    return 1
  done
}

# Every voter has persisted the same elected leader of the metadata quorum.
kafka_quorum_formed() {
  local n leader first=
  for n in $(seq "$kafka_nodes"); do
    leader=$(grep -o '"leaderId":[0-9]*' "$(kafka_node_home "$n")/data/__cluster_metadata-0/quorum-state" 2>/dev/null | cut -d: -f2) || return 1
    [[ -n $leader && (-z $first || $leader == "$first") ]] || return 1
    first=$leader
  done
}

kafka_wait() {
  ((${#kafka_starting[@]} > 0)) || return 0
  # Three JVMs booting at once on two cores take longer than one.
  wait_until kafka $((kafka_nodes == 1 ? 90 : 180)) kafka_started "${kafka_starting[@]}"
  if [[ $kafka_nodes == 1 ]]; then
    log "kafka: started on 127.0.0.1:$kafka_port (log: $kafka_root/kafka.log)"
    return
  fi
  wait_until "kafka metadata quorum" 60 kafka_quorum_formed
  local n
  for n in "${kafka_starting[@]}"; do
    log "kafka node-$n: started on 127.0.0.1:$(kafka_node_port "$n") (log: $(kafka_node_home "$n")/kafka.log)"
  done
}

kafka_brokers() {
  local n brokers=()
  for n in $(seq "$kafka_nodes"); do brokers+=("127.0.0.1:$(kafka_node_port "$n")"); done
  (IFS=,; printf '%s' "${brokers[*]}")
}

# --- Stopping ----------------------------------------------------------------------------------

stopping=()

# Sends SIGTERM, so Kafka shuts down cleanly and Redis writes its files, to a process this script
# started; stop_wait waits for every signalled process together.
stop_signal() {
  local name=$1 pidfile=$2 marker=$3
  if pid_alive "$pidfile" "$marker"; then
    local pid
    pid=$(<"$pidfile")
    kill "$pid"
    stopping+=("$pid:$name")
  fi
  rm -f "$pidfile"
}

stop_wait() {
  local deadline=$((SECONDS + 30)) entry pid
  for entry in "${stopping[@]}"; do
    pid=${entry%%:*}
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -9 "$pid"
      log "${entry#*:}: killed after 30 s"
    else
      log "${entry#*:}: stopped"
    fi
  done
  stopping=()
}

# --- Commands ----------------------------------------------------------------------------------

up() {
  kafka_plan
  if [[ $redis_mode == cluster ]]; then redis_cluster_plan; fi
  kafka_start
  if [[ $redis_mode == cluster ]]; then redis_cluster_up; else redis_up; fi
  kafka_wait
  echo "KAFKA_BROKERS=$(kafka_brokers)"
  if [[ $redis_mode == cluster ]]; then
    echo "REDIS_URL=$(redis_cluster_url)"
    echo "REDIS_CLUSTER=true"
  else
    echo "REDIS_URL=redis://127.0.0.1:$redis_port"
  fi
}

down() {
  local n port home
  for n in $(seq "$kafka_nodes"); do
    home=$(kafka_node_home "$n")
    stop_signal "$(kafka_node_name "$n")" "$home/kafka.pid" "$home/server.properties"
  done
  if [[ $redis_mode == cluster ]]; then
    for port in $(redis_cluster_ports); do
      stop_signal "redis node $port" "$(redis_node_home "$port")/redis.pid" "127.0.0.1:$port"
    done
  else
    stop_signal redis "$redis_home/redis.pid" "127.0.0.1:$redis_port"
  fi
  stop_wait
}

status_line() { printf '%-14s %-16s %-11s %s\n' "$@"; }

status() {
  local n port home pidfile marker state
  for n in $(seq "$kafka_nodes"); do
    port=$(kafka_node_port "$n")
    home=$(kafka_node_home "$n")
    pidfile=$home/kafka.pid marker=$home/server.properties
    if port_open "$port"; then state=answers; else state=down; fi
    pid_alive "$pidfile" "$marker" || [[ $state == down ]] || state="answers (not started here)"
    status_line "$(kafka_node_name "$n")" "127.0.0.1:$port" "pid $(pid_or_dash "$pidfile" "$marker")" "$state"
  done
  if [[ $redis_mode == cluster ]]; then
    for port in $(redis_cluster_ports); do
      pidfile=$(redis_node_home "$port")/redis.pid marker=127.0.0.1:$port
      if redis_answers "$port"; then
        state="answers $(redis-cli -p "$port" role | head -n 1)"
      else
        state=down
      fi
      status_line "redis node" "127.0.0.1:$port" "pid $(pid_or_dash "$pidfile" "$marker")" "$state"
    done
  else
    pidfile=$redis_home/redis.pid marker=127.0.0.1:$redis_port
    if redis_answers "$redis_port"; then state=answers; else state=down; fi
    pid_alive "$pidfile" "$marker" || [[ $state == down ]] || state="answers (not started here)"
    status_line redis "127.0.0.1:$redis_port" "pid $(pid_or_dash "$pidfile" "$marker")" "$state"
  fi
}

usage_error() {
  log "error: $*"
  log "usage: stack.sh [up|down|status]  (--help for more)"
  exit 2
}

(($# <= 1)) || usage_error "unexpected argument '$2'"
case ${1:-up} in
  up | down | status) ;;
  *) usage_error "unknown command '$1'" ;;
esac
check_config
case ${1:-up} in
  up) up ;;
  down) down ;;
  status) status ;;
esac
