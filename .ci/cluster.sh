#!/usr/bin/env bash
# The cluster test (issue 17, docs/cluster.md): a one-node SLURM cluster in a temporary folder runs
# `dln sweep --slurm 4`, and the merged results must equal a whole local run byte for byte; then one array task
# is cancelled mid-way, the merge must not run, and rerunning the same command must finish the sweep
# identically without recomputing the cancelled task's finished points. Run as root (slurmd starts jobs as
# their user); installs slurm-wlm and munge with apt-get when they are missing. Stops the daemons it started
# by their pid files. `npm run test:cluster`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# Every dln run bounded in time too (the longest takes ~30 s on a loaded 2-core machine).
DLN=(timeout 300 "$(command -v node)" "$ROOT/bin/dln.js")
t0=$(date +%s%N)
elapsed() { echo $((($(date +%s%N) - t0) / 1000000)); }
log() { printf '[%6.1f s] %s\n' "$(($(elapsed) / 100))e-1" "$*"; }

passed=0
failed=0
check() {
  local what=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    log "ok: $what"
  else
    failed=$((failed + 1))
    log "FAIL: $what"
  fi
}

if [ "$(id -u)" != 0 ]; then
  echo "cluster test: needs root (slurmd, munged); 0 passed, 1 failed" >&2
  exit 1
fi

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  log "installing slurm-wlm and munge"
  # Another apt-get on the machine holds the dpkg lock for a while at most: wait for it rather than fail.
  apt-get -o DPkg::Lock::Timeout=120 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq slurm-wlm munge >/dev/null
  log "installed"
fi

T=$(mktemp -d /tmp/dln-cluster.XXXXXX)
# munged refuses a socket in a directory that not everyone can enter.
chmod 755 "$T"
mkdir -p "$T/munge-key" "$T/munge" "$T/state" "$T/spool" "$T/log"
chmod 700 "$T/munge-key"
export SLURM_CONF=$T/slurm.conf

# Waits (up to $1 s) for the process of pid file $2 to end after a TERM; KILL if it does not.
stop_daemon() {
  local timeout=$1 file=$2 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq $((timeout * 10))); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local code=$?
  set +e
  if [ -s "$T/slurmctld.pid" ]; then
    # Jobs first (this cluster's only: SLURM_CONF is ours), so that no job step outlives slurmd.
    scancel --quiet --user=root 2>/dev/null
    for _ in $(seq 100); do
      [ -z "$(squeue --noheader 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
  stop_daemon 10 "$T/slurmd.pid"
  stop_daemon 10 "$T/slurmctld.pid"
  stop_daemon 10 "$T/munge/munged.pid"
  if [ "$failed" != 0 ] || [ "$code" != 0 ]; then
    for f in "$T"/log/*.log; do
      echo "--- last lines of $f"
      tail -n 15 "$f"
    done
  fi
  rm -rf "$T"
  exit "$code"
}
trap cleanup EXIT
# A signal ends the script through its EXIT trap, so the daemons stop on Ctrl-C or a CI timeout too.
trap 'exit 130' INT
trap 'exit 143' TERM

# ——— the cluster ———
dd if=/dev/urandom of="$T/munge-key/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge-key/munge.key"
munged --key-file="$T/munge-key/munge.key" --socket="$T/munge/munge.socket" --pid-file="$T/munge/munged.pid" \
  --log-file="$T/log/munged.log" --seed-file="$T/munge-key/munged.seed"

HOST=$(hostname -s)
# slurmd -C reports the machine (CPUs, RealMemory). The node offers at most 2 CPUs, so that on any machine at
# most two of the 1-CPU tasks run at once and the others wait: the test holds one of those (fewer CPUs than
# configured would drain the node; more are fine).
HW=$(slurmd -C | head -n 1)
CPUS=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$HW")
CPUS=$((CPUS < 2 ? CPUS : 2))
MEM=$(sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p' <<<"$HW")
# Ports of our own, away from a system SLURM's 6817/6818.
PORT=$((20000 + ($$ % 4000) * 2))
cat >"$SLURM_CONF" <<EOF
ClusterName=dlnci
SlurmctldHost=$HOST
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 300); do
  [ "$(sinfo --noheader --nodes="$HOST" --format=%t 2>/dev/null)" = idle ] && break
  sleep 0.1
done
check "a one-node cluster ($CPUS CPUs) is up and idle" test "$(sinfo --noheader --nodes="$HOST" --format=%t)" = idle
[ "$failed" = 0 ] || exit 1

# The state of a job (array task: ID_TASK): PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, …
job_state() { scontrol show job --oneliner "$1" 2>/dev/null | sed -n 's/.* JobState=\([A-Z_]*\).*/\1/p' | head -n 1; }
job_field() { scontrol show job --oneliner "$1" 2>/dev/null | sed -n "s/.* $2=\([^ ]*\).*/\1/p" | head -n 1; }
# Waits (up to $2 s) until job $1 has ended; prints its final state.
wait_job() {
  local state
  for _ in $(seq $(($2 * 5))); do
    state=$(job_state "$1")
    case $state in PENDING | RUNNING | CONFIGURING | COMPLETING | SUSPENDED | REQUEUED | "") sleep 0.2 ;; *) break ;; esac
  done
  job_state "$1"
}
# Whether every file of a whole run ($1) is in $2, byte for byte (results, points, manifest, plots).
same_outputs() {
  local f n=0
  for f in "$1"/*; do
    [ -f "$f" ] || continue
    cmp -s "$f" "$2/$(basename "$f")" || { log "differs: $(basename "$f")"; return 1; }
    n=$((n + 1))
  done
  log "$n files equal"
  [ "$n" -ge 4 ]
}
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# ——— 1. the example sweep in 4 array tasks equals a whole local run ———
"${DLN[@]}" sweep examples/sweep-quick.json --out "$T/A" --no-progress >/dev/null
log "whole local run of examples/sweep-quick.json done"
out=$("${DLN[@]}" sweep examples/sweep-quick.json --out "$T/B" --slurm 4 --no-progress)
echo "$out" | sed 's/^/    /'
merge=$(tail -n 1 <<<"$out")
check "the last line of stdout is the merge job's id ($merge)" grep -qE '^[0-9]+$' <<<"$merge"
state=$(wait_job "$merge" 90)
check "the merge job ran after the array and completed (state $state, exit $(job_field "$merge" ExitCode))" test "$state" = COMPLETED
check "B/results.csv, results.json, points.jsonl, sweep.json and the plots equal the whole run's" same_outputs "$T/A" "$T/B"
check "B/results.csv has the whole run's rows" test "$(lines "$T/B/results.csv")" = "$(lines "$T/A/results.csv")"
check "each task logged its shard" test "$(cat "$T"/B/slurm/logs/task-*.out | grep -c 'shard [1-4]/4, 24 points (0 resumed, 24 run, 0 failed)')" = 4

# ——— 2. a task cancelled mid-way, the command rerun: the sweep completes identically ———
# A sweep whose tasks take seconds (twolayer flows, ~0.05 s a point): time to cancel one while it runs.
cat >"$T/long.json" <<'EOF'
{ "name": "cluster-cancel", "engine": "twolayer", "seed": 17, "seeds": 20, "time": 100,
  "fixed": { "width": 30, "target": 3 }, "axes": { "rank": [1, 2, 5, 10], "sigma": [0.3, 1, 2] },
  "measures": ["kernelAlignment", "weightChange"] }
EOF
"${DLN[@]}" sweep "$T/long.json" --out "$T/AL" --no-progress >/dev/null
log "whole local run of the 240-point sweep done"
out=$("${DLN[@]}" sweep "$T/long.json" --out "$T/C" --slurm 4 --no-progress)
echo "$out" | sed 's/^/    /'
merge1=$(tail -n 1 <<<"$out")
array=$(sed -n 's/.*submitted job array \([0-9]*\).*/\1/p' <<<"$out")
points2=$T/C/shards/2/points.jsonl
for _ in $(seq 600); do
  [ "$(lines "$points2")" -ge 5 ] && break
  sleep 0.05
done
scancel "${array}_2"
log "cancelled task ${array}_2 with $(lines "$points2") of its 60 points on disk"
state2=$(wait_job "${array}_2" 60)
kept=$(lines "$points2")
check "task 2 was cancelled mid-way (state $state2, $kept of 60 points kept)" test "$state2" = CANCELLED -a "$kept" -ge 5 -a "$kept" -lt 60
for t in 1 3 4; do wait_job "${array}_$t" 90 >/dev/null; done
check "the other tasks completed" test "$(job_state "${array}_1")$(job_state "${array}_3")$(job_state "${array}_4")" = COMPLETEDCOMPLETEDCOMPLETED
reason=
for _ in $(seq 50); do
  reason=$(job_field "$merge1" Reason)
  [ "$reason" = DependencyNeverSatisfied ] && break
  sleep 0.2
done
check "the merge job will never run ($(job_state "$merge1"), reason $reason) and C has no results" \
  test "$(job_state "$merge1")" = PENDING -a "$reason" = DependencyNeverSatisfied -a ! -e "$T/C/results.csv"
# As if the task had been killed outright on another node: its lock left behind, naming its SLURM job.
printf '{"pid":999999,"host":"gone.invalid","started":"earlier","slurmJob":"%s"}\n' "${array}_2" >"$T/C/shards/2/sweep.lock"

out=$("${DLN[@]}" sweep "$T/long.json" --out "$T/C" --slurm 4 --no-progress)
echo "$out" | sed 's/^/    /'
merge2=$(tail -n 1 <<<"$out")
check "the rerun finds shards 1, 3 and 4 complete" grep -q "3 of 4 shards already complete: 1,3-4" <<<"$out"
check "  … resubmits task 2 only" grep -q "submitted job array [0-9]* (tasks 2)" <<<"$out"
check "  … and replaces the stuck merge job $merge1" grep -q "cancelled the earlier merge job(s) $merge1" <<<"$out"
state=$(wait_job "$merge2" 120)
check "the new merge job completed (state $state)" test "$state" = COMPLETED
check "the earlier merge job is cancelled ($(job_state "$merge1"))" test "$(job_state "$merge1")" = CANCELLED
relog=$(ls "$T"/C/slurm/logs/task-*_2.out | grep -v "task-${array}_2.out" | head -n 1)
check "the resubmitted task took over the dead job's lock" grep -q "was locked by SLURM job ${array}_2 .*which is no longer running: taking the lock over" "$relog"
check "the resubmitted task resumed its $kept points and ran only the other $((60 - kept))" grep -q "shard 2/4, 60 points ($kept resumed, $((60 - kept)) run, 0 failed)" "$relog"
check "C equals the whole local run, byte for byte" same_outputs "$T/AL" "$T/C"
check "C/results.csv has the whole run's rows" test "$(lines "$T/C/results.csv")" = "$(lines "$T/AL/results.csv")"

# ——— 3. the command rerun while tasks are still queued: nothing is submitted twice ———
out=$("${DLN[@]}" sweep examples/sweep-quick.json --out "$T/D" --slurm 4 --no-progress)
merge1=$(tail -n 1 <<<"$out")
array=$(sed -n 's/.*submitted job array \([0-9]*\).*/\1/p' <<<"$out")
# Task 4 waits behind tasks 1 and 2 (2 CPUs); held, it is surely still queued when the command is rerun.
scontrol hold "${array}_4"
out=$("${DLN[@]}" sweep examples/sweep-quick.json --out "$T/D" --slurm 4 --no-progress)
echo "$out" | sed 's/^/    /'
merge2=$(tail -n 1 <<<"$out")
check "the rerun submits no task" test -z "$(grep 'submitted job array' <<<"$out")"
check "  … waits for the held task ${array}_4" grep -q "still queued from an earlier submission: .*${array}_4" <<<"$out"
dependency=$(job_field "$merge2" Dependency)
check "  … in its merge job's dependency ($dependency)" grep -q "afterok:${array}_4" <<<"$dependency"
scontrol release "${array}_4"
state=$(wait_job "$merge2" 90)
check "the merge job completed (state $state); the first one is cancelled ($(job_state "$merge1"))" test "$state" = COMPLETED -a "$(job_state "$merge1")" = CANCELLED
check "each shard ran once" test "$(ls "$T"/D/slurm/logs/task-*.out | wc -l)" = 4
check "D equals the whole local run, byte for byte" same_outputs "$T/A" "$T/D"

ms=$(elapsed)
log "cluster test took $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s"
echo "cluster test: $passed passed, $failed failed"
[ "$failed" = 0 ]
