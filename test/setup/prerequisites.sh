#!/usr/bin/env bash
# What `npm test` needs beyond npm packages, checked before anything runs: a JDK and Maven (the
# local Kafka broker comes from Maven Central), redis-server, and Chromium for the browser
# tests. As root on Debian, a missing package is installed; otherwise the script stops, naming
# what to install. Servers named by KAFKA_BROKERS and REDIS_URL, or a Docker engine, stand in
# for the JDK, Maven and redis-server; CHROMIUM_PATH names another Chromium.
set -euo pipefail

missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }

if [[ -z ${KAFKA_BROKERS:-} || -z ${REDIS_URL:-} ]] && ! docker info >/dev/null 2>&1; then
  need java default-jdk-headless
  need mvn maven
  need redis-server redis-server
fi
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
[[ -x $chromium ]] || missing+=(chromium)

((${#missing[@]} == 0)) && exit 0

if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1 && [[ -z ${CHROMIUM_PATH:-} || -x $chromium ]]; then
  printf 'test: installing %s from Debian packages\n' "${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  exit 0
fi
printf 'test: missing %s. Install the Debian packages: apt-get install %s' \
  "${missing[*]}" "${missing[*]}" >&2
[[ " ${missing[*]} " == *" chromium "* ]] && printf ' (or set CHROMIUM_PATH to a Chromium)' >&2
printf '\n' >&2
exit 1
