#!/usr/bin/env bash
# A throwaway single-node Slurm cluster on loopback, for the integration tests in test/slurm/.
#
#   scripts/slurm/cluster.sh start  [STATE_DIR]   # (re)create the cluster; prints `export SLURM_CONF=...`
#   scripts/slurm/cluster.sh status [STATE_DIR]   # sinfo + squeue
#   scripts/slurm/cluster.sh stop   [STATE_DIR]   # kill its daemons and remove STATE_DIR
#
# STATE_DIR defaults to $SLURM_TEST_DIR, else /tmp/fits2idia-slurm. Everything lives there: the
# munge key, socket and log, slurm.conf, the controller's state, slurmd's spool, logs and pid
# files, and an `env` file to source. Nothing under /etc is read or written, so the machine's
# own Slurm/munge setup (if any) is left alone: the daemons and commands find the config through
# SLURM_CONF, and slurm.conf's AuthInfo=socket=... points them at our munged.
#
# Needs root (slurmd must run as root to launch jobs) and the packages from install-packages.sh.
# Daemons are started by hand in the background (no systemd needed).
#
# Environment knobs: SLURM_TEST_DIR, SLURM_TEST_CTLD_PORT (default 26817), SLURM_TEST_SLURMD_PORT
# (default 26818), SLURM_TEST_START_TIMEOUT (seconds, default 60).
set -euo pipefail

cmd=${1:-}
STATE_DIR=${2:-${SLURM_TEST_DIR:-/tmp/fits2idia-slurm}}
CTLD_PORT=${SLURM_TEST_CTLD_PORT:-26817}
SLURMD_PORT=${SLURM_TEST_SLURMD_PORT:-26818}
START_TIMEOUT=${SLURM_TEST_START_TIMEOUT:-60}

# Every daemon we start carries this variable in its environment (and slurmd passes it on to
# the slurmstepd processes it forks), so `stop` can find strays even when pid files are gone.
MARKER=FITS2IDIA_SLURM_STATE
# File that marks a folder as ours, so that stop removes nothing else.
STAMP=.fits2idia-slurm-state

usage() {
  echo "usage: $0 start|stop|status [STATE_DIR]" >&2
  exit 2
}

log() { echo "cluster.sh: $*" >&2; }

# Absolute, normalised state dir (it is embedded in slurm.conf and compared with markers).
abs_state_dir() {
  case "$STATE_DIR" in
    /*) ;;
    *) STATE_DIR="$PWD/$STATE_DIR" ;;
  esac
  STATE_DIR=$(realpath -m "$STATE_DIR")
  if [[ "$STATE_DIR" == "/" ]]; then
    log "refusing to use / as the state folder"
    exit 2
  fi
}

# ---------------------------------------------------------------------------------------------
# stopping

# pid in FILE if that process is still alive and is the named program (guards against the pid
# having been reused by something else since).
pid_from_file() {
  local file=$1 name=$2 pid
  [[ -r "$file" ]] || return 1
  pid=$(tr -dc '0-9' <"$file")
  [[ -n "$pid" ]] && is_alive "$pid" || return 1
  [[ "$(cat /proc/"$pid"/comm 2>/dev/null)" == "$name"* ]] || return 1
  echo "$pid"
}

# pids of processes whose environment has MARKER=<dir> (any dir when no argument), except us.
marked_pids() {
  local pattern f p
  if [[ -n "${1:-}" ]]; then pattern="$MARKER=$1"; else pattern="$MARKER=.*"; fi
  # /proc/PID/environ is NUL-separated: -z makes each variable a line, -x matches it whole.
  # Kernel threads and processes that exit meanwhile are unreadable: -s ignores them.
  grep -lszx -e "$pattern" /proc/[0-9]*/environ 2>/dev/null | while read -r f; do
    p=${f#/proc/}
    p=${p%/environ}
    [[ $p -ne $$ && $p -ne $BASHPID ]] && echo "$p"
  done || true
}

# The state folder recorded in the marker of process $1.
marker_of() {
  { tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null | grep -m1 "^$MARKER=" | cut -d= -f2- || true
}

# True while process $1 exists and is not a zombie (our daemons are orphans, reparented to
# init, which may be slow to reap them).
is_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ "${stat:0:1}" != Z ]]
}

# SIGTERM the pids, wait up to 10 s for them to exit, then SIGKILL what is left.
terminate() {
  local pids=("$@") p alive i
  [[ ${#pids[@]} -gt 0 ]] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    alive=()
    for p in "${pids[@]}"; do is_alive "$p" && alive+=("$p"); done
    [[ ${#alive[@]} -eq 0 ]] && return 0
    sleep 0.1
  done
  log "still running after SIGTERM, sending SIGKILL: ${alive[*]}"
  kill -KILL "${alive[@]}" 2>/dev/null || true
}

# Stop the cluster rooted at $1 (default STATE_DIR) and remove the folder.
stop_cluster() {
  local dir=${1:-$STATE_DIR} pid
  # Cancel jobs first so slurmd tears their steps down properly; otherwise killing slurmd
  # leaves slurmstepd and the job's processes running.
  if [[ -f "$dir/slurm.conf" ]] && pid_from_file "$dir/run/slurmctld.pid" slurmctld >/dev/null; then
    if SLURM_CONF="$dir/slurm.conf" timeout 10 scancel --quiet --user="$(id -un)" >/dev/null 2>&1; then
      for ((i = 0; i < 50; i++)); do
        [[ -z "$(SLURM_CONF="$dir/slurm.conf" timeout 5 squeue -h -o %i 2>/dev/null || echo x)" ]] && break
        sleep 0.2
      done
    fi
  fi
  # Daemons in dependency order: slurmd (and its steps), then the controller, then munged.
  if pid=$(pid_from_file "$dir/run/slurmd.pid" slurmd); then terminate "$pid"; fi
  if pid=$(pid_from_file "$dir/run/slurmctld.pid" slurmctld); then terminate "$pid"; fi
  if pid=$(pid_from_file "$dir/munge/munged.pid" munged); then terminate "$pid"; fi
  # Anything else that still carries our marker (slurmstepd, a daemon whose pid file is gone).
  mapfile -t strays < <(marked_pids "$dir")
  if [[ ${#strays[@]} -gt 0 ]]; then
    log "stopping leftover processes of $dir: ${strays[*]}"
    terminate "${strays[@]}"
  fi
  # Only delete what is recognisably a state folder of ours (a typo'd argument must not
  # wipe something else).
  if [[ -e "$dir/$STAMP" ]] || { [[ -d "$dir" ]] && [[ -z "$(ls -A "$dir")" ]]; }; then
    rm -rf -- "$dir"
  elif [[ -e "$dir" ]]; then
    log "not removing $dir: it has no $STAMP, so it is not a cluster.sh state folder"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# starting

dump_logs() {
  local f
  for f in "$STATE_DIR"/munge/munged.log "$STATE_DIR"/log/*; do
    [[ -f "$f" ]] || continue
    echo "----- tail of $f -----" >&2
    tail -n 30 "$f" >&2 || true
  done
}

fail_start() {
  log "start failed: $*"
  dump_logs
  log "daemons started so far are still running: $0 stop $STATE_DIR"
  exit 1
}

write_slurm_conf() {
  local host cpus mem_kb real_mem
  # slurmctld insists that SlurmctldHost names this machine (short hostname); the address in
  # parentheses means no DNS or /etc/hosts entry is needed to reach it.
  host=$(hostname -s)
  cpus=$(nproc)
  mem_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
  # slurmd drains a node whose RealMemory is above what it measures, so stay ~10% below.
  real_mem=$((mem_kb * 9 / 10 / 1024))

  cat >"$STATE_DIR/slurm.conf" <<EOF
# Generated by scripts/slurm/cluster.sh for a throwaway single-node test cluster.
ClusterName=fits2idia-test
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=${CTLD_PORT}
SlurmdPort=${SLURMD_PORT}
SlurmUser=root
SlurmdUser=root

AuthType=auth/munge
CredType=cred/munge
# Our own munged (also used by cred/munge), not the system one at /run/munge.
AuthInfo=socket=${STATE_DIR}/munge/munge.socket

StateSaveLocation=${STATE_DIR}/ctld
SlurmdSpoolDir=${STATE_DIR}/spool
SlurmctldPidFile=${STATE_DIR}/run/slurmctld.pid
SlurmdPidFile=${STATE_DIR}/run/slurmd.pid
SlurmctldLogFile=${STATE_DIR}/log/slurmctld.log
SlurmdLogFile=${STATE_DIR}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# An empty SPANK config, so the machine's /etc/slurm/plugstack.conf is not involved.
PlugStackConfig=${STATE_DIR}/plugstack.conf

# No cgroups (no systemd, maybe no writable cgroup fs): track processes by parentage.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd: sacct does not work; use scontrol show job (kept for MinJobAge seconds).
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=3600
MpiDefault=none
MailProg=/bin/true

# Cores and memory are consumable, so --cpus-per-task and --mem are real requests that
# limit how many array tasks run at once.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a default, a job that does not ask for memory would get the whole node.
DefMemPerCPU=256
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1,sched_min_interval=0

# A node that was down (e.g. slurmd restarted) becomes usable as soon as it registers.
ReturnToService=2
SlurmdTimeout=60
# Time limits: SIGTERM, then SIGKILL 10 s later.
KillWait=10
InactiveLimit=0

NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${real_mem} State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
EOF
  : >"$STATE_DIR/plugstack.conf"
  printf 'export SLURM_CONF=%q\n' "$STATE_DIR/slurm.conf" >"$STATE_DIR/env"
}

start_munged() {
  local mdir=$STATE_DIR/munge sock=$STATE_DIR/munge/munge.socket runas=() user=root
  # sockaddr_un.sun_path is 108 bytes; munged also creates "<socket>.lock".
  if [[ ${#sock} -gt 100 ]]; then
    fail_start "munge socket path too long (${#sock} > 100 chars): $sock; use a shorter state folder"
  fi
  # munged refuses a socket whose folder, or any folder above it, is not searchable by all
  # (clients must reach it): a state folder under /root or a 0700 TMPDIR cannot work.
  local d=$STATE_DIR
  while [[ "$d" != / ]]; do
    if [[ "$(( $(stat -c '0%a' "$d") & 01 ))" -eq 0 && "$d" != "$STATE_DIR" ]]; then
      fail_start "$d is not searchable by all users, which munged requires of its socket's path; use a state folder under /tmp"
    fi
    d=$(dirname "$d")
  done
  # munged also refuses a key (or key/log folder) that anyone but its own user could read or
  # write: the key is created here, owned by the user munged runs as (Debian's `munge`).
  if id munge >/dev/null 2>&1; then
    user=munge
    runas=(runuser -u munge --)
  fi
  mkdir -p "$mdir"
  dd if=/dev/urandom of="$mdir/munge.key" bs=1024 count=1 status=none
  chown -R "$user:" "$mdir"
  # munged wants its socket folder searchable by all (clients must reach the socket) and not
  # writable by others.
  chmod 0755 "$mdir"
  chmod 0400 "$mdir/munge.key"
  # --origin: do not depend on the hostname resolving (we only talk over loopback).
  env "$MARKER=$STATE_DIR" "${runas[@]}" munged \
    --socket="$sock" --key-file="$mdir/munge.key" --pid-file="$mdir/munged.pid" \
    --log-file="$mdir/munged.log" --seed-file="$mdir/munged.seed" \
    --origin=127.0.0.1 \
    </dev/null >"$STATE_DIR/log/munged.out" 2>&1 ||
    fail_start "munged did not start"
  # munged forks only once it listens, but check a credential round trip anyway.
  munge -n -S "$sock" | unmunge -S "$sock" >/dev/null 2>&1 ||
    fail_start "munge credential round trip failed on $sock"
}

wait_node_idle() {
  local host state deadline
  host=$(hostname -s)
  deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    state=$(timeout 5 sinfo -h -N -n "$host" -o %T 2>/dev/null || true)
    # Exactly "idle": "idle*" (not responding) or "unknown" mean slurmd has not registered yet.
    [[ "$state" == "idle" ]] && return 0
    if ! pid_from_file "$STATE_DIR/run/slurmctld.pid" slurmctld >/dev/null; then
      fail_start "slurmctld is not running"
    fi
    if ! pid_from_file "$STATE_DIR/run/slurmd.pid" slurmd >/dev/null; then
      fail_start "slurmd is not running"
    fi
    if ((SECONDS >= deadline)); then
      timeout 5 scontrol show node "$host" >&2 || true
      fail_start "node $host not idle after ${START_TIMEOUT}s (state: '${state:-unknown}')"
    fi
    sleep 0.3
  done
}

start_cluster() {
  local other_dirs d p
  for c in munged munge unmunge slurmctld slurmd sinfo sbatch scontrol; do
    command -v "$c" >/dev/null || { log "$c not found; run scripts/slurm/install-packages.sh"; exit 1; }
  done
  if [[ $(id -u) -ne 0 ]]; then
    log "must run as root (slurmd launches jobs as their submitting user)"
    exit 1
  fi

  # A cluster left behind here, or in another state folder (a killed test run), holds the
  # ports and node name we need: stop it first.
  stop_cluster "$STATE_DIR"
  mapfile -t other_dirs < <(for p in $(marked_pids); do marker_of "$p"; done | sort -u)
  for d in "${other_dirs[@]}"; do
    [[ -n "$d" ]] || continue
    log "stopping a cluster left behind in $d"
    stop_cluster "$d"
  done

  # mkdtemp-style folders are 0700; munged (as user munge) must be able to reach its folder.
  mkdir -p "$STATE_DIR"
  : >"$STATE_DIR/$STAMP"
  mkdir -p "$STATE_DIR"/{ctld,spool,log,run}
  chmod 0755 "$STATE_DIR"

  write_slurm_conf
  export SLURM_CONF=$STATE_DIR/slurm.conf

  start_munged

  # Both daemonise and write their own pid files; early errors go to log/*.out.
  # -i: ignore unreadable state files (there are none; harmless).
  env "$MARKER=$STATE_DIR" slurmctld -i -f "$SLURM_CONF" \
    </dev/null >"$STATE_DIR/log/slurmctld.out" 2>&1 || fail_start "slurmctld exited with $?"
  env "$MARKER=$STATE_DIR" slurmd -f "$SLURM_CONF" -N "$(hostname -s)" \
    </dev/null >"$STATE_DIR/log/slurmd.out" 2>&1 || fail_start "slurmd exited with $?"

  wait_node_idle
  log "cluster up in $STATE_DIR ($(nproc) CPUs, node $(hostname -s))"
  cat "$STATE_DIR/env"
}

status_cluster() {
  if [[ ! -f "$STATE_DIR/slurm.conf" ]]; then
    log "no cluster in $STATE_DIR"
    exit 1
  fi
  export SLURM_CONF=$STATE_DIR/slurm.conf
  sinfo
  squeue
}

abs_state_dir
case "$cmd" in
  start) start_cluster ;;
  stop) stop_cluster "$STATE_DIR" ;;
  status) status_cluster ;;
  *) usage ;;
esac
