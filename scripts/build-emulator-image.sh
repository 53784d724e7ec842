#!/usr/bin/env bash
# Build docker-compose.yml's emulator image here instead of pulling it, for engines that reach no
# image registry (scripts/docker-engine.sh's, on CI machines and sandboxes).
#
#   scripts/build-emulator-image.sh ministack
#
# Builds ministackorg/ministack:<the version constraints.txt pins>, the compose file's tag, from
#   1. a base image: Debian bookworm `debootstrap --variant=minbase` plus python3, from the
#      Debian mirror apt uses (DEBIAN_MIRROR overrides), imported with `docker import`: built
#      once (needs root and debootstrap), then reused;
#   2. docker/ministack/Dockerfile on top, with the wheels downloaded on the host (pip, with the
#      pins of constraints.txt) and `--network none`: the build contacts nothing.
# A current image (its label holds a hash of what it was built from) is reused as it is.
# Talks to the engine DOCKER_HOST names. Exit status: 0 built or current; 2 bad usage; 3 a
# prerequisite is missing (the message says which).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly BASE_IMAGE="sqs-lambda-harness/bookworm-python3:minbase"
readonly SUITE=bookworm
readonly BASE_PACKAGES=python3,python3-venv
readonly LABEL=org.sqs-lambda-harness.inputs
CACHE_ROOT="${HARNESS_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME}/.cache}/sqs-lambda-harness}"
readonly BUILD_ROOT="${CACHE_ROOT}/docker/build"

say() { printf '[build-image] %s\n' "$*" >&2; }
fail() {
  say "error: $*"
  exit 3
}

[[ $# -eq 1 ]] || {
  echo "usage: scripts/build-emulator-image.sh ministack" >&2
  exit 2
}
[[ "$1" == ministack ]] || {
  say "error: only 'ministack' is built here (LocalStack's image needs an auth token anyway)"
  exit 2
}

VERSION="$(sed -n 's/^ministack==\([^[:space:]]*\).*/\1/p' "${ROOT}/constraints.txt")"
[[ -n "${VERSION}" ]] || fail "constraints.txt pins no ministack version"
readonly VERSION
readonly IMAGE="ministackorg/ministack:${VERSION}"
grep -qE "^[[:space:]]*image:[[:space:]]*${IMAGE}\$" "${ROOT}/docker-compose.yml" ||
  fail "docker-compose.yml's ministack service does not name ${IMAGE} (the constraints.txt pin)"
docker version >/dev/null 2>&1 || fail "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset}); \
start one: \`export DOCKER_HOST=\$(scripts/docker-engine.sh start)\`"

WORK=""
# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() {
  [[ -n "${WORK}" && -d "${WORK}" ]] || return 0
  # debootstrap mounts proc/sys (and may bind /dev) into its target: never delete through them.
  if command -v findmnt >/dev/null 2>&1; then
    local mounts
    mounts="$(findmnt -rn -o TARGET | grep -F "${WORK}/" | sort -r || true)"
    while read -r mount; do
      [[ -n "${mount}" ]] && umount -l "${mount}" 2>/dev/null || true
    done <<<"${mounts}"
  fi
  rm -rf --one-file-system "${WORK}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "${BUILD_ROOT}"
WORK="$(mktemp -d "${BUILD_ROOT}/work.XXXXXX")"

image_label() {
  docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

debian_mirror() {
  if [[ -n "${DEBIAN_MIRROR:-}" ]]; then
    printf '%s\n' "${DEBIAN_MIRROR}"
    return
  fi
  local mirror=""
  if command -v apt-get >/dev/null 2>&1; then
    mirror="$(apt-get indextargets --format '$(REPO_URI) $(CODENAME) $(COMPONENT)' 2>/dev/null |
      awk -v suite="${SUITE}" '$2 == suite && $3 == "main" {print $1; exit}')"
  fi
  printf '%s\n' "${mirror:-http://deb.debian.org/debian/}"
}

build_base() {
  [[ "$(id -u)" == 0 ]] || fail "building ${BASE_IMAGE} needs root (debootstrap); run as root once"
  command -v debootstrap >/dev/null 2>&1 ||
    fail "debootstrap is missing: \`apt-get install debootstrap\` (scripts/docker-engine.sh \
start installs it)"
  local mirror rootfs="${WORK}/rootfs" started=${SECONDS} python
  mirror="$(debian_mirror)"
  say "building ${BASE_IMAGE}: debootstrap --variant=minbase ${SUITE} + ${BASE_PACKAGES} from \
${mirror} (about a minute, once)"
  if ! debootstrap --variant=minbase --include="${BASE_PACKAGES}" "${SUITE}" "${rootfs}" \
    "${mirror}" >"${WORK}/debootstrap.log" 2>&1; then
    tail -n 20 "${WORK}/debootstrap.log" >&2 || true
    fail "debootstrap failed (the Debian mirror ${mirror} must be reachable; DEBIAN_MIRROR sets it)"
  fi
  python="$(chroot "${rootfs}" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  rm -rf --one-file-system "${rootfs}/var/cache/apt/archives/"*.deb "${rootfs}/var/lib/apt/lists/"*
  tar -C "${rootfs}" -c . | docker import \
    --change "LABEL org.sqs-lambda-harness.python=${python}" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["python3"]' - "${BASE_IMAGE}" >/dev/null
  say "${BASE_IMAGE} built in $((SECONDS - started))s (python ${python})"
}

# The wheels for the image's Python and machine, downloaded with the host's pip and its
# configuration (index, certificates), at the pins of constraints.txt.
download_wheels() {
  local python="$1" arch pyver
  arch="$(uname -m)"
  pyver="${python/./}"
  local host_python
  host_python="$(command -v python3)" || fail "python3 is needed on the host to download wheels"
  "${host_python}" -m pip download --quiet --dest "${WORK}/context/wheels" \
    --constraint "${ROOT}/constraints.txt" --only-binary=:all: \
    --python-version "${python}" --implementation cp --abi "cp${pyver}" \
    --platform "manylinux_2_17_${arch}" --platform "manylinux2014_${arch}" \
    --platform "manylinux_2_28_${arch}" --platform "linux_${arch}" \
    "ministack==${VERSION}" boto3 ||
    fail "pip could not download ministack==${VERSION} and boto3 for Python ${python} (${arch})"
}

inputs_hash() {
  {
    printf '%s\n' "${VERSION}" "$(docker image inspect --format '{{.Id}}' "${BASE_IMAGE}")"
    cat "${ROOT}/docker/ministack/Dockerfile" "${ROOT}/constraints.txt"
  } | sha256sum | cut -c1-16
}

started=${SECONDS}
if [[ -z "$(image_label "${BASE_IMAGE}" org.sqs-lambda-harness.python)" ]]; then
  build_base
fi
wanted="$(inputs_hash)"
if [[ "$(image_label "${IMAGE}" "${LABEL}")" == "${wanted}" ]]; then
  say "${IMAGE} is current (built here from ${BASE_IMAGE}; inputs ${wanted})"
  exit 0
fi

say "building ${IMAGE} (MiniStack ${VERSION} on ${BASE_IMAGE}, no network)"
mkdir -p "${WORK}/context/wheels"
cp "${ROOT}/docker/ministack/Dockerfile" "${WORK}/context/"
download_wheels "$(image_label "${BASE_IMAGE}" org.sqs-lambda-harness.python)"
# The legacy builder: it needs no buildx plugin and, with --network none and a local base, no
# registry (BuildKit would look up its Dockerfile frontend).
DOCKER_BUILDKIT=0 docker build --quiet --network none --pull=false \
  --build-arg "BASE_IMAGE=${BASE_IMAGE}" --build-arg "MINISTACK_VERSION=${VERSION}" \
  --label "${LABEL}=${wanted}" --tag "${IMAGE}" "${WORK}/context" >/dev/null
say "${IMAGE} built in $((SECONDS - started))s"
