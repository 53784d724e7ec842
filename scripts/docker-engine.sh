#!/usr/bin/env bash
# A private Docker engine for the compose path, on machines where none runs (CI, sandboxes).
#
#   scripts/docker-engine.sh start         start it (idempotent); print its DOCKER_HOST
#   scripts/docker-engine.sh stop          stop it and everything it started (idempotent)
#   scripts/docker-engine.sh status        exit 0 if it answers, else 1
#   scripts/docker-engine.sh run -- CMD..  start it, run CMD with DOCKER_HOST set, stop it on
#                                          every exit path (if this call started it)
#
# The engine is `dockerd` as root with no bridge, no iptables, no NAT and no forwarding:
# containers can only use the host's network (`network_mode: host`), so nothing but loopback
# addresses is ever contacted. Its socket is private (a 0700 directory, group root), so it never
# replaces or touches a system Docker at /var/run/docker.sock. Images live in a data root under
# the harness's cache (HARNESS_CACHE_DIR, else ~/.cache/sqs-lambda-harness), so an image built
# once is reused by the next run. Run as root; where `dockerd`, `docker-compose` or
# `debootstrap` is missing, it installs the Debian packages with apt (services not started).
#
# Exit status: CMD's for `run`; 3 when the engine cannot be had here (not root, no apt, dockerd
# failed: the message says why); 2 on bad usage.
set -euo pipefail

CACHE_ROOT="${HARNESS_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME}/.cache}/sqs-lambda-harness}"
readonly STATE_DIR="${CACHE_ROOT}/docker"
readonly DATA_ROOT="${STATE_DIR}/data"
# The exec root holds sockets, whose paths are limited to 108 bytes: keep it short and apart.
readonly EXEC_ROOT="${STATE_DIR}/run"
readonly SOCKET="${EXEC_ROOT}/docker.sock"
readonly PIDFILE="${STATE_DIR}/dockerd.pid"
readonly LOG="${STATE_DIR}/dockerd.log"
readonly DOCKER_HOST_URL="unix://${SOCKET}"
readonly START_TIMEOUT_S="${DOCKER_ENGINE_START_TIMEOUT:-60}"
readonly STOP_TIMEOUT_S=30
readonly PACKAGES=(docker.io docker-compose debootstrap)

say() { printf '[docker-engine] %s\n' "$*" >&2; }
fail() {
  say "error: $*"
  exit 3
}

usage() {
  cat >&2 <<'EOF'
usage: scripts/docker-engine.sh start | stop | status | run -- CMD [ARG...]
EOF
  exit 2
}

# Alive and not a zombie (an exited daemon stays one until whatever adopted it reaps it).
running() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "${state}" && "${state}" != Z ]]
}

answers() {
  [[ -S "${SOCKET}" ]] && timeout 10 docker --host "${DOCKER_HOST_URL}" version >/dev/null 2>&1
}

daemon_pid() {
  local pid
  [[ -f "${PIDFILE}" ]] || return 1
  pid="$(<"${PIDFILE}")"
  [[ -n "${pid}" ]] && running "${pid}" || return 1
  # A reused pid is not ours: it must be a dockerd using our exec root.
  tr '\0' ' ' <"/proc/${pid}/cmdline" | grep -qF -- "--exec-root=${EXEC_ROOT}" || return 1
  printf '%s\n' "${pid}"
}

# The processes this engine started: dockerd, its containerd and the shims (all name our exec
# root in their command line) and the containers' processes (in a cgroup named by the id of one
# of our containers).
engine_processes() {
  local proc cmdline ids
  ids="$(find "${DATA_ROOT}/containers" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null |
    paste -sd '|' || true)"
  for proc in /proc/[0-9]*; do
    # A process may end between the glob and the read: that is no error.
    cmdline="$({ tr '\0' ' ' <"${proc}/cmdline"; } 2>/dev/null)" || continue
    if [[ "${cmdline}" == *"${EXEC_ROOT}"* ]] ||
      { [[ -n "${ids}" ]] && grep -qE "${ids}" "${proc}/cgroup" 2>/dev/null; }; then
      printf '%s\n' "${proc#/proc/}"
    fi
  done
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 ||
    missing+=(docker-compose)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  ((${#missing[@]} == 0)) && return 0
  command -v apt-get >/dev/null 2>&1 ||
    fail "${missing[*]} missing and no apt-get to install them; install Docker Engine \
(https://docs.docker.com/engine/install/) and debootstrap."
  say "installing ${missing[*]} with apt (about 20-50 s; no service is started)"
  # Without a policy, the docker.io package starts the system daemon with a bridge network.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [[ ! -e "${policy}" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"${policy}"
    chmod 755 "${policy}"
    made_policy=1
  fi
  local status=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >"${STATE_DIR}/apt.log" 2>&1 ||
    { apt-get update -q >>"${STATE_DIR}/apt.log" 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" \
        >>"${STATE_DIR}/apt.log" 2>&1; } || status=$?
  ((made_policy)) && rm -f "${policy}"
  ((status == 0)) || fail "apt-get install ${missing[*]} failed; see ${STATE_DIR}/apt.log"
}

start() {
  if answers; then
    printf '%s\n' "${DOCKER_HOST_URL}"
    return 0
  fi
  [[ "$(id -u)" == 0 ]] || fail "dockerd needs root: run this as root (e.g. \`sudo -E $0 start\`)."
  mkdir -p "${STATE_DIR}"
  install_packages
  # A daemon that no longer answers (killed, or a crash) leaves state behind: clear it first.
  stop_quietly
  mkdir -p "${DATA_ROOT}" "${EXEC_ROOT}"
  chmod 700 "${STATE_DIR}" "${EXEC_ROOT}"
  printf '{}\n' >"${STATE_DIR}/daemon.json"
  local started=${SECONDS}
  # setsid: the daemon outlives this call (that is the point of `start`) and takes no Ctrl-C
  # meant for a test run; `stop` ends it.
  setsid dockerd \
    --config-file="${STATE_DIR}/daemon.json" \
    --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --storage-driver=overlay2 --data-root="${DATA_ROOT}" --exec-root="${EXEC_ROOT}" \
    --pidfile="${PIDFILE}" --group=root -H "${DOCKER_HOST_URL}" \
    </dev/null >"${LOG}" 2>&1 &
  local pid=$!
  until answers; do
    if ! running "${pid}"; then
      tail -n 20 "${LOG}" >&2 || true
      fail "dockerd exited while starting; its log: ${LOG}"
    fi
    if ((SECONDS - started >= START_TIMEOUT_S)); then
      tail -n 20 "${LOG}" >&2 || true
      stop_quietly
      fail "dockerd did not answer within ${START_TIMEOUT_S}s; its log: ${LOG}"
    fi
    sleep 0.2
  done
  say "engine up in $((SECONDS - started))s (pid ${pid}, ${DOCKER_HOST_URL}, data ${DATA_ROOT})"
  printf '%s\n' "${DOCKER_HOST_URL}"
}

# Stop the daemon (it stops its containers and its containerd), then anything of ours left.
stop_quietly() {
  local pid waited=0
  if pid="$(daemon_pid)"; then
    if answers; then
      # Containers first, with their own stop timeout, so the daemon's exit is quick.
      local ids
      ids="$(timeout 20 docker --host "${DOCKER_HOST_URL}" ps -q 2>/dev/null || true)"
      if [[ -n "${ids}" ]]; then
        # shellcheck disable=SC2086  # one id per word
        timeout 40 docker --host "${DOCKER_HOST_URL}" stop --time 10 ${ids} >/dev/null 2>&1 || true
      fi
    fi
    kill -TERM "${pid}" 2>/dev/null || true
    while running "${pid}" && ((waited < STOP_TIMEOUT_S * 5)); do
      sleep 0.2
      waited=$((waited + 1))
    done
    wait "${pid}" 2>/dev/null || true # reap it if it is our child (`run`)
  fi
  local leftovers
  leftovers="$(engine_processes)"
  if [[ -n "${leftovers}" ]]; then
    say "killing what the engine left running: $(tr '\n' ' ' <<<"${leftovers}")"
    # shellcheck disable=SC2086  # one pid per word
    kill -KILL ${leftovers} 2>/dev/null || true
  fi
  # Mounts under the exec root (container rootfs, netns) would outlive the daemon.
  if command -v findmnt >/dev/null 2>&1; then
    local mounts
    mounts="$(findmnt -rn -o TARGET | grep -F "${EXEC_ROOT}/" | sort -r || true)"
    while read -r mount; do
      [[ -n "${mount}" ]] && umount -l "${mount}" 2>/dev/null || true
    done <<<"${mounts}"
  fi
  rm -rf "${EXEC_ROOT}" "${PIDFILE}"
}

stop() {
  if [[ ! -d "${STATE_DIR}" ]]; then
    return 0
  fi
  local started=${SECONDS}
  stop_quietly
  say "engine stopped ($((SECONDS - started))s)"
}

# Run CMD as a job of its own process group and forward INT/TERM to it, so a signal sent to this
# script alone (CI cancelling, `kill PID`) reaches the command at once instead of after it ends.
run_forwarding() {
  local child status=0
  set -m
  "$@" &
  child=$!
  set +m
  FORWARDED=0
  # shellcheck disable=SC2064  # the pid is fixed now
  trap "FORWARDED=1; kill -INT -- -${child} 2>/dev/null || true" INT
  # shellcheck disable=SC2064
  trap "FORWARDED=1; kill -TERM -- -${child} 2>/dev/null || true" TERM
  while :; do
    FORWARDED=0
    status=0
    wait "${child}" || status=$?
    ((FORWARDED)) || break
  done
  trap - INT TERM
  return "${status}"
}

run() {
  local was_running=0 status=0
  answers && was_running=1
  # Not in a subshell: the daemon is this script's child, reaped when `stop` ends it.
  start >/dev/null
  export DOCKER_HOST="${DOCKER_HOST_URL}"
  if ((!was_running)); then
    # shellcheck disable=SC2329  # invoked by the EXIT trap
    on_exit() {
      local code=$?
      trap - EXIT
      stop
      exit "${code}"
    }
    trap on_exit EXIT
  fi
  run_forwarding "$@" || status=$?
  exit "${status}"
}

[[ $# -ge 1 ]] || usage
case "$1" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  run)
    [[ $# -ge 3 && "$2" == "--" ]] || usage
    shift 2
    run "$@"
    ;;
  *) usage ;;
esac
