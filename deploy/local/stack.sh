#!/usr/bin/env bash
# Starts (or stops) the local stack the services and tests need, on a machine without Docker:
# a single-node Apache Kafka broker in KRaft mode built from Maven Central artifacts, and a Redis
# server. A Redis that already answers is reused and never stopped by `down`.
#
#   deploy/local/stack.sh up      start what is not running, wait until ready, print endpoints
#   deploy/local/stack.sh down    stop what `up` started
#   deploy/local/stack.sh status  print what runs
#
# Environment: STACK_DIR (default .stack), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
# REDIS_PORT (6379).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/deploy/local"
stack_dir=${STACK_DIR:-$root/.stack}
kafka_port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-9093}
redis_port=${REDIS_PORT:-6379}
kafka_home="$stack_dir/kafka"
redis_home="$stack_dir/redis"

log() { printf 'stack: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

redis_answers() {
  local reply
  reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$redis_port" && printf 'PING\r\n' >&3 && timeout 2 head -c 7 <&3) 2>/dev/null || true)
  [[ $reply == "+PONG"* ]]
}

pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_until() {
  local what=$1 seconds=$2 check=$3
  for ((i = 0; i < seconds * 5; i++)); do
    if eval "$check"; then return 0; fi
    sleep 0.2
  done
  die "$what not ready after ${seconds}s"
}

ensure_redis_server() {
  command -v redis-server >/dev/null && return
  log "installing redis-server from Debian packages"
  [[ $(id -u) == 0 ]] || die "redis-server is missing; install it (apt-get install redis-server) or set REDIS_URL"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
}

redis_up() {
  if redis_answers; then
    log "redis: reusing the server on 127.0.0.1:$redis_port"
    return
  fi
  ensure_redis_server
  mkdir -p "$redis_home"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
    --dir "$redis_home" --pidfile "$redis_home/redis.pid" --logfile "$redis_home/redis.log"
  wait_until redis 20 redis_answers
  log "redis: started on 127.0.0.1:$redis_port"
}

kafka_libs() {
  local libs="$kafka_home/libs"
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

kafka_up() {
  if pid_alive "$kafka_home/kafka.pid"; then
    log "kafka: already running on 127.0.0.1:$kafka_port"
    return
  fi
  if port_open "$kafka_port"; then
    log "kafka: reusing the broker that answers on 127.0.0.1:$kafka_port"
    return
  fi
  local classpath
  classpath=$(kafka_libs)
  mkdir -p "$kafka_home"
  sed -e "s|@KAFKA_PORT@|$kafka_port|g" -e "s|@CONTROLLER_PORT@|$controller_port|g" \
    -e "s|@DATA_DIR@|$kafka_home/data|g" "$here/kafka/server.properties.template" >"$kafka_home/server.properties"
  local java_opts=(-Xms256m -Xmx1g -XX:+UseG1GC -Dlog4j.configuration="file:$here/kafka/log4j.properties")
  local tool_opts=(-Dlog4j.configuration="file:$here/kafka/tools-log4j.properties")
  if [[ ! -f $kafka_home/data/meta.properties ]]; then
    local cluster_id
    cluster_id=$(java -cp "$classpath" "${tool_opts[@]}" kafka.tools.StorageTool random-uuid)
    java -cp "$classpath" "${tool_opts[@]}" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$kafka_home/server.properties" >"$kafka_home/format.log"
  fi
  : >"$kafka_home/kafka.log"
  nohup java -cp "$classpath" "${java_opts[@]}" kafka.Kafka "$kafka_home/server.properties" \
    >>"$kafka_home/kafka.log" 2>&1 &
  echo $! >"$kafka_home/kafka.pid"
  wait_until kafka 90 "grep -q 'Kafka Server started' '$kafka_home/kafka.log' || { pid_alive '$kafka_home/kafka.pid' || { tail -n 30 '$kafka_home/kafka.log' >&2; die 'kafka exited'; }; false; }"
  log "kafka: started on 127.0.0.1:$kafka_port (log: $kafka_home/kafka.log)"
}

stop_pid() {
  local name=$1 pidfile=$2
  if pid_alive "$pidfile"; then
    local pid
    pid=$(cat "$pidfile")
    kill "$pid"
    for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "$name: stopped"
  fi
  rm -f "$pidfile"
}

case ${1:-up} in
  up)
    redis_up
    kafka_up
    echo "KAFKA_BROKERS=127.0.0.1:$kafka_port"
    echo "REDIS_URL=redis://127.0.0.1:$redis_port"
    ;;
  down)
    stop_pid kafka "$kafka_home/kafka.pid"
    stop_pid redis "$redis_home/redis.pid"
    ;;
  status)
    pid_alive "$kafka_home/kafka.pid" && echo "kafka: running (started here)" || { port_open "$kafka_port" && echo "kafka: answering (not started here)" || echo "kafka: down"; }
    redis_answers && echo "redis: answering on $redis_port" || echo "redis: down"
    ;;
  *)
    die "usage: stack.sh up|down|status"
    ;;
esac
