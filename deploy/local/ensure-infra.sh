#!/usr/bin/env bash
# Make sure PostgreSQL, RabbitMQ and Redis answer on their ports: start the local services that are down,
# or, where a Docker engine runs and a service is not installed, start it with docker compose.
set -uo pipefail

PG_PORT=${PG_PORT:-5432}
AMQP_PORT=${AMQP_PORT:-5672}
REDIS_PORT=${REDIS_PORT:-6379}
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

open_port() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local name=$1 port=$2
  for _ in $(seq 1 90); do
    open_port "$port" && { echo "  $name is up on :$port"; return 0; }
    sleep 1
  done
  echo "  $name did not come up on :$port" >&2
  return 1
}

have_docker() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

start_postgres() {
  if ls /etc/postgresql >/dev/null 2>&1 && command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  elif have_docker; then
    docker compose -f "$root/docker-compose.yml" up -d postgres
  else
    echo "  PostgreSQL is not installed and no Docker engine runs: install PostgreSQL 15+" >&2; return 1
  fi
}

start_rabbitmq() {
  if command -v rabbitmq-server >/dev/null; then
    rabbitmq-server -detached
  elif have_docker; then
    docker compose -f "$root/docker-compose.yml" up -d rabbitmq
  else
    echo "  RabbitMQ is not installed and no Docker engine runs: install RabbitMQ 3.13+" >&2; return 1
  fi
}

start_redis() {
  if command -v redis-server >/dev/null; then
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir /tmp --logfile /tmp/vitrine-redis.log
  elif have_docker; then
    docker compose -f "$root/docker-compose.yml" up -d redis
  else
    echo "  Redis is not installed and no Docker engine runs (optional: the gateway falls back to in-memory limits)" >&2
  fi
}

# ai-service's offline provider reads label photos with Tesseract (OCR) when it is installed; without it
# the provider measures colours only and says so. Installed from the OS packages when we are root.
TESSERACT_PACKAGES="tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-deu tesseract-ocr-ita tesseract-ocr-spa"
ensure_tesseract() {
  if command -v tesseract >/dev/null 2>&1; then
    echo "  Tesseract is installed ($(tesseract --version 2>&1 | head -1))"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "  Tesseract is missing (label OCR off): sudo apt-get install -y --no-install-recommends $TESSERACT_PACKAGES"
    return 0
  fi
  echo "  Tesseract is missing, installing it"
  # shellcheck disable=SC2086
  if DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $TESSERACT_PACKAGES >/dev/null; then
    echo "  Tesseract is installed ($(tesseract --version 2>&1 | head -1))"
  else
    echo "  Tesseract could not be installed (label OCR off): apt-get install -y --no-install-recommends $TESSERACT_PACKAGES" >&2
  fi
}

status=0
echo "Checking infrastructure:"
open_port "$PG_PORT" || { echo "  PostgreSQL down, starting it"; start_postgres; }
wait_port PostgreSQL "$PG_PORT" || status=1
open_port "$AMQP_PORT" || { echo "  RabbitMQ down, starting it"; start_rabbitmq; }
wait_port RabbitMQ "$AMQP_PORT" || status=1
open_port "$REDIS_PORT" || { echo "  Redis down, starting it"; start_redis; }
wait_port Redis "$REDIS_PORT" || true
ensure_tesseract
exit $status
