#!/usr/bin/env bash
# Run a command against a containerised emulator, then always remove the container.
#
#   scripts/compose-run.sh SERVICE -- CMD [ARG...]
#   scripts/compose-run.sh --usable SERVICE    exit 0 if SERVICE could run here, else say why, 3
#
#   SERVICE   localstack (needs LOCALSTACK_AUTH_TOKEN) or ministack (free, no account)
#   CMD       runs with HARNESS_ENDPOINT_URL=http://localhost:4566 (and HARNESS_TARGET, if
#             unset: localstack -> localstack, ministack -> embedded, i.e. MiniStack's
#             capabilities on an already-running endpoint)
#
# Examples:
#   scripts/compose-run.sh localstack -- make test-local TARGET=localstack
#   scripts/compose-run.sh ministack -- make test-local
#
# `make test-local TARGET=localstack` asks `--usable` first and, where no Docker engine answers
# (or LocalStack has no token), has the harness run LocalStack as a host process instead.
#
# Steps: check the prerequisites (docker, the compose plugin, a reachable engine, the token)
# and stop with a clear message if one is missing; `docker compose --profile SERVICE up -d
# SERVICE`; wait (bounded, COMPOSE_RUN_TIMEOUT seconds, default 300) for /_localstack/health;
# run CMD; `docker compose --profile SERVICE down -v` on every exit path (success, failure,
# Ctrl-C, SIGTERM). The exit status is CMD's (2: bad usage, 3: a prerequisite is missing,
# 4: the emulator did not become healthy).
set -euo pipefail

readonly ENDPOINT="http://localhost:4566"
readonly HEALTH_PATH="/_localstack/health"
readonly PORT=4566
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly COMPOSE_FILE="${ROOT}/docker-compose.yml"

say() { printf '[compose-run] %s\n' "$*" >&2; }

usage() {
  cat >&2 <<'EOF'
usage: scripts/compose-run.sh SERVICE -- CMD [ARG...]
       scripts/compose-run.sh --usable SERVICE
  SERVICE: localstack | ministack
  e.g.   scripts/compose-run.sh ministack -- make test-local
EOF
  exit 2
}

USABLE_ONLY=0
if [[ $# -eq 2 && "$1" == "--usable" ]]; then
  USABLE_ONLY=1
  SERVICE="$2"
  shift 2
elif [[ $# -lt 3 || "$2" != "--" ]]; then
  usage
else
  SERVICE="$1"
  shift 2
fi
case "${SERVICE}" in
  localstack) DEFAULT_TARGET=localstack ;;
  ministack) DEFAULT_TARGET=embedded ;;
  *)
    say "error: unknown service '${SERVICE}' (expected localstack or ministack)"
    usage
    ;;
esac
readonly SERVICE DEFAULT_TARGET
CMD=("$@")

# ------------------------------------------------------------------ prerequisites
# All missing prerequisites are reported together, so one read tells the whole story.
problems=()
no_docker_hint="Without Docker, let the harness run the emulator as a host process: \
\`make test-local\` (MiniStack) or \`make test-local TARGET=localstack\` (LocalStack; its \
Lambda scenarios skip) need no Docker at all."

if ! command -v docker >/dev/null 2>&1; then
  problems+=("the \`docker\` command is not installed. Install Docker Engine \
(https://docs.docker.com/engine/install/) or Docker Desktop, which include the compose plugin.")
else
  if ! docker compose version >/dev/null 2>&1; then
    problems+=("\`docker compose\` is not available: the Docker Compose v2 plugin is missing. \
Install it (Debian/Ubuntu with Docker's apt repository: \`sudo apt-get install \
docker-compose-plugin\`; see https://docs.docker.com/compose/install/linux/); Docker Desktop \
includes it.")
  fi
  info_cmd=(docker info)
  if command -v timeout >/dev/null 2>&1; then
    info_cmd=(timeout 20 docker info)
  fi
  if ! engine_error="$("${info_cmd[@]}" 2>&1 >/dev/null)"; then
    engine_error="$(printf '%s' "${engine_error}" | grep -m1 -iE 'cannot connect|error|denied' \
      || true)"
    problems+=("the Docker engine is not reachable (\`docker info\` failed${engine_error:+: \
${engine_error}}). Start it (\`sudo systemctl start docker\`, or start Docker Desktop), check \
DOCKER_HOST / \`docker context ls\`, and that your user may use the socket (the \`docker\` group).")
  fi
fi

if [[ "${SERVICE}" == localstack && -z "${LOCALSTACK_AUTH_TOKEN:-}" ]]; then
  problems+=("LOCALSTACK_AUTH_TOKEN is not set; the pinned LocalStack image does not start \
without it. Get a token (a free account works for non-commercial use; use a CI Auth Token in CI) \
at https://app.localstack.cloud/workspace/auth-tokens and \`export LOCALSTACK_AUTH_TOKEN=...\`. \
Never commit it. No account? Use \`scripts/compose-run.sh ministack -- ...\` instead.")
fi

if ((USABLE_ONLY)); then
  if [[ ${#problems[@]} -gt 0 ]]; then
    say "docker compose cannot run '${SERVICE}' here: ${problems[0]%%. *}."
    exit 3
  fi
  exit 0
fi

if [[ ${#problems[@]} -gt 0 ]]; then
  say "error: cannot start the '${SERVICE}' emulator:"
  for problem in "${problems[@]}"; do
    printf '  - %s\n' "${problem}" >&2
  done
  printf '  %s\n' "${no_docker_hint}" >&2
  exit 3
fi

# An emulator already listening on the port would answer the health check in place of ours.
if (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null; then
  say "error: 127.0.0.1:${PORT} is already in use (another emulator, or a stale container?)."
  say "  find it with \`docker ps\` / \`ss -ltnp 'sport = :${PORT}'\` and stop it, then retry."
  exit 3
fi

# ------------------------------------------------------------------ up / run / down
COMPOSE=(docker compose --file "${COMPOSE_FILE}" --project-directory "${ROOT}" --profile
  "${SERVICE}")

# shellcheck disable=SC2329  # invoked by the EXIT trap
teardown() {
  local status=$?
  trap - EXIT INT TERM
  say "removing the ${SERVICE} container and its volumes (docker compose down -v)"
  if ! "${COMPOSE[@]}" down -v --remove-orphans --timeout 20 >&2; then
    say "warning: \`docker compose --profile ${SERVICE} down -v\` failed; remove the container \
by hand (\`docker ps -a\`)."
  fi
  exit "${status}"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

healthy() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 3 -o /dev/null "${ENDPOINT}${HEALTH_PATH}" 2>/dev/null
  else
    python3 - "${ENDPOINT}${HEALTH_PATH}" <<'EOF' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=3)
EOF
  fi
}

say "starting ${SERVICE} (docker compose --profile ${SERVICE} up -d ${SERVICE})"
"${COMPOSE[@]}" up -d "${SERVICE}"

timeout_s="${COMPOSE_RUN_TIMEOUT:-300}"
started=${SECONDS}
next_report=0
until healthy; do
  waited=$((SECONDS - started))
  state="$("${COMPOSE[@]}" ps --all --format '{{.State}}' "${SERVICE}" 2>/dev/null || true)"
  if [[ "${state}" == exited* || "${state}" == dead* ]]; then
    say "error: the ${SERVICE} container stopped before it became healthy (${state}); its log:"
    "${COMPOSE[@]}" logs --no-color --tail 60 "${SERVICE}" >&2 || true
    exit 4
  fi
  if ((waited >= timeout_s)); then
    say "error: ${ENDPOINT}${HEALTH_PATH} did not answer within ${timeout_s}s; the log:"
    "${COMPOSE[@]}" logs --no-color --tail 60 "${SERVICE}" >&2 || true
    say "  a slow image pull or machine may need COMPOSE_RUN_TIMEOUT=600."
    exit 4
  fi
  if ((waited >= next_report)); then
    say "waiting for ${ENDPOINT}${HEALTH_PATH} (${waited}s of at most ${timeout_s}s, \
container ${state:-starting})"
    next_report=$((waited + 10))
  fi
  sleep 2
done
say "${SERVICE} is healthy at ${ENDPOINT} after $((SECONDS - started))s"

export HARNESS_ENDPOINT_URL="${ENDPOINT}"
export HARNESS_TARGET="${HARNESS_TARGET:-${DEFAULT_TARGET}}"
say "running: ${CMD[*]}"
status=0
"${CMD[@]}" || status=$?
say "command exited with status ${status}"
exit "${status}"
