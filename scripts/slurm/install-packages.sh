#!/usr/bin/env bash
# Install the Debian packages that scripts/slurm/cluster.sh needs for a throwaway single-node
# Slurm cluster (slurmctld + slurmd + client commands + munge). Idempotent: does nothing when
# everything is already installed. Needs root (CI runs as root) and apt.
set -euo pipefail

PACKAGES=(slurmctld slurmd slurm-client munge)

missing=()
for pkg in "${PACKAGES[@]}"; do
  # dpkg-query prints "install ok installed" only for fully configured packages.
  if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-packages: ${PACKAGES[*]} already installed"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-packages: need root to install: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# The packages' maintainer scripts try to start munge/slurmd/slurmctld with the system's
# default configuration. We start our own daemons by hand (cluster.sh), so forbid that with a
# policy-rc.d returning 101 ("action forbidden") for the duration of the install, unless the
# machine already has one (Docker-style images do).
policy=/usr/sbin/policy-rc.d
added_policy=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\n# temporary, added by fits2idia-ts scripts/slurm/install-packages.sh\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
  added_policy=1
fi
cleanup() { if [[ $added_policy -eq 1 ]]; then rm -f "$policy"; fi; }
trap cleanup EXIT

# Refresh the package lists only when they are missing (a fresh image) or the install fails
# because they are stale.
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  apt-get update -q
fi
echo "install-packages: installing ${missing[*]}"
if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
