#!/usr/bin/env bash
# Run a command against a containerised emulator, then always remove the container.
#
#   scripts/compose-run.sh [--build] SERVICE -- CMD [ARG...]
#   scripts/compose-run.sh --usable SERVICE    exit 0 if SERVICE could run here, else say why, 3
#
#   SERVICE   localstack (needs LOCALSTACK_AUTH_TOKEN) or ministack (free, no account)
#   --build   build the service's image here (scripts/build-emulator-image.sh; ministack only)
#             and never pull one: for engines that reach no image registry
#   CMD       runs with HARNESS_ENDPOINT_URL=http://localhost:4566 (and HARNESS_TARGET, if
#             unset: localstack -> localstack, ministack -> embedded, i.e. MiniStack's
#             capabilities on an already-running endpoint)
#
# e.g. scripts/compose-run.sh localstack -- make test-local TARGET=localstack
#      scripts/docker-engine.sh run -- scripts/compose-run.sh --build ministack -- make test-local
# `make test-local TARGET=localstack` asks `--usable` first and, where no Docker engine answers
# (or LocalStack has no token), has the harness run LocalStack as a host process instead.
#
# Checks the prerequisites (docker; Compose: the v2 plugin, else the standalone v1
# `docker-compose`; a reachable engine; the token), builds the image with --build, `up -d`,
# waits (COMPOSE_RUN_TIMEOUT s, default 300) for /_localstack/health on loopback only, runs
# CMD niced below the emulator (COMPOSE_RUN_NICE, default 10; a signal to this script is passed
# on to it at once), and `down -v` on every exit path. Exit: CMD's; 2 bad usage, 3 a
# prerequisite is missing, 4 the emulator is not healthy (or listens beyond loopback).
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
usage: scripts/compose-run.sh [--build] SERVICE -- CMD [ARG...]
       scripts/compose-run.sh --usable SERVICE
  SERVICE: localstack | ministack
  e.g.   scripts/compose-run.sh ministack -- make test-local
EOF
  exit 2
}

USABLE_ONLY=0
BUILD=0
if [[ "${1:-}" == "--build" ]]; then
  BUILD=1
  shift
fi
if [[ $# -eq 2 && "$1" == "--usable" ]] && ((!BUILD)); then
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
if ((BUILD)) && [[ "${SERVICE}" != ministack ]]; then
  say "error: --build builds the ministack image only (LocalStack's needs an auth token)"
  usage
fi
readonly SERVICE DEFAULT_TARGET BUILD
CMD=("$@")
NICENESS="${COMPOSE_RUN_NICE:-10}"
if ! [[ "${NICENESS}" =~ ^[0-9]+$ ]] || ((NICENESS > 19)); then
  say "error: COMPOSE_RUN_NICE must be a niceness from 0 to 19, got '${NICENESS}'"
  exit 2
fi

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
  # Compose v2 (the plugin) where it exists, else the standalone v1 `docker-compose` (1.28 or
  # later reads profiles; Debian bookworm packages 1.29 and no plugin).
  if docker compose version >/dev/null 2>&1; then
    COMPOSE_CLI=(docker compose)
  elif docker-compose version >/dev/null 2>&1; then
    COMPOSE_CLI=(docker-compose)
  else
    problems+=("\`docker compose\` is not available: the Docker Compose v2 plugin is missing. \
Install it (Debian/Ubuntu with Docker's apt repository: \`sudo apt-get install \
docker-compose-plugin\`; see https://docs.docker.com/compose/install/linux/); Docker Desktop \
includes it. (The standalone \`docker-compose\` 1.29, e.g. Debian's package, works too.)")
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
COMPOSE=("${COMPOSE_CLI[@]}" --file "${COMPOSE_FILE}" --project-directory "${ROOT}"
  --project-name sqs-lambda-harness --profile "${SERVICE}")
COMPOSE_NAME="${COMPOSE_CLI[*]}"
readonly COMPOSE COMPOSE_NAME

# Run a command as a job of its own process group and pass INT/TERM on to it: a signal sent to
# this script alone (CI cancelling, `kill PID`) reaches the command at once, not after it ends,
# and the group's Ctrl-C reaches it once. Returns the command's status.
run_forwarding() {
  local child status=0
  set -m
  "$@" &
  child=$!
  set +m
  # shellcheck disable=SC2064  # the pid is fixed now
  trap "forwarded=1; kill -INT -- -${child} 2>/dev/null || true" INT
  # shellcheck disable=SC2064
  trap "forwarded=1; kill -TERM -- -${child} 2>/dev/null || true" TERM
  while :; do
    forwarded=0
    status=0
    wait "${child}" || status=$?
    ((forwarded)) || break
  done
  trap 'exit 130' INT
  trap 'exit 143' TERM
  return "${status}"
}

# shellcheck disable=SC2329  # invoked by the EXIT trap
teardown() {
  local status=$?
  trap - EXIT INT TERM
  say "removing the ${SERVICE} container and its volumes (${COMPOSE_NAME} down -v)"
  if ! "${COMPOSE[@]}" down -v --remove-orphans --timeout 20 >&2; then
    say "warning: \`${COMPOSE_NAME} --profile ${SERVICE} down -v\` failed; remove the \
container by hand (\`docker ps -a\`)."
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

# The container's state ("running", "exited", ... and its health), v1 and v2 alike.
container_state() {
  local id
  id="$("${COMPOSE[@]}" ps -a -q "${SERVICE}" 2>/dev/null | head -n 1)" || true
  [[ -n "${id}" ]] || return 0
  docker inspect --format '{{.State.Status}}{{if .State.Health}} ({{.State.Health.Status}}){{end}}' \
    "${id}" 2>/dev/null || true
}

# Addresses the emulator's port listens on that are not loopback (empty: loopback only).
non_loopback_listeners() {
  ss -Hltn "sport = :${PORT}" 2>/dev/null | awk '{print $4}' |
    grep -vE '^(127\.[0-9.]+|\[::1\]|::1):[0-9]+$' || true
}

UP=(up -d)
if ((BUILD)); then
  say "building the ${SERVICE} image here (scripts/build-emulator-image.sh); nothing is pulled"
  run_forwarding "${ROOT}/scripts/build-emulator-image.sh" "${SERVICE}"
  # `up` pulls an image it does not find (Compose v1 whatever pull_policy says): make sure it
  # finds it, and forbid the pull where Compose can (v2).
  image="$("${COMPOSE[@]}" config 2>/dev/null | sed -n "/^  ${SERVICE}:/,/^  [^ ]/s/^    image: //p")"
  if [[ -z "${image}" ]] || ! docker image inspect "${image}" >/dev/null 2>&1; then
    say "error: the ${SERVICE} image ${image:-?} is not in the engine after the build"
    exit 3
  fi
  if "${COMPOSE[@]}" up --help 2>/dev/null | grep -q -- '--pull'; then
    UP+=(--pull never)
  fi
fi

say "starting ${SERVICE} (${COMPOSE_NAME} --profile ${SERVICE} ${UP[*]} ${SERVICE})"
"${COMPOSE[@]}" "${UP[@]}" "${SERVICE}"

timeout_s="${COMPOSE_RUN_TIMEOUT:-300}"
started=${SECONDS}
next_report=0
until healthy; do
  waited=$((SECONDS - started))
  state="$(container_state)"
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
if command -v ss >/dev/null 2>&1; then
  exposed="$(non_loopback_listeners)"
  if [[ -n "${exposed}" ]]; then
    say "error: port ${PORT} listens beyond loopback (${exposed//$'\n'/, }): an emulator takes \
any credentials; bind it to 127.0.0.1 (BIND_HOST, or ports: 127.0.0.1:${PORT}:${PORT})."
    exit 4
  fi
fi

export HARNESS_ENDPOINT_URL="${ENDPOINT}"
export HARNESS_TARGET="${HARNESS_TARGET:-${DEFAULT_TARGET}}"
# The command runs niced below the emulator: on a small machine the tests' own Terraform and
# workers otherwise take the CPU the one emulator process needs for its mapping poller and the
# functions it starts (measured on 2 cores, MiniStack in compose: a retry after a 6 s visibility
# timeout reached the function 9.07 s after the failed receive with the suite beside it at the
# same priority, its init excluded). AWS's pollers never share a CPU with the caller's machine.
say "running (nice ${NICENESS}): ${CMD[*]}"
status=0
run_forwarding nice -n "${NICENESS}" "${CMD[@]}" || status=$?
say "command exited with status ${status}"
exit "${status}"
