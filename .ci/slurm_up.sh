#!/usr/bin/env bash
# A one-node Slurm cluster on this machine (munge, slurmctld, slurmd), so that tests/mpi_test.ts
# runs the README's sbatch recipe for real. Best effort: prints why and exits 0 when it cannot
# (the test then says it is skipped). `slurm_up.sh stop` stops the daemons it started.
set -uo pipefail
state=/tmp/pa-ci-slurm
if [ "${1:-}" = stop ]; then
  [ -f "$state/pids" ] && xargs -r kill <"$state/pids" 2>/dev/null
  rm -rf "$state"
  exit 0
fi
need=()
command -v munged >/dev/null 2>&1 || need+=(munge)
command -v slurmctld >/dev/null 2>&1 || need+=(slurmctld)
command -v slurmd >/dev/null 2>&1 || need+=(slurmd)
command -v sbatch >/dev/null 2>&1 || need+=(slurm-client)
if [ "${#need[@]}" -gt 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") \
    >/dev/null 2>&1 </dev/null || { echo "slurm: could not install ${need[*]}"; exit 0; }
fi
if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then exit 0; fi
mkdir -p "$state" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
host=$(hostname -s)
cat >/etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
CONF
[ -s /etc/munge/munge.key ] || (command -v mungekey >/dev/null && mungekey --create) >/dev/null 2>&1
chown -R munge:munge /run/munge /etc/munge 2>/dev/null
runuser -u munge -- munged 2>/dev/null || munged --force 2>/dev/null
pgrep -x munged >>"$state/pids"
slurmctld -c && pgrep -x slurmctld >>"$state/pids"
slurmd -c && pgrep -x slurmd >>"$state/pids"
for _ in $(seq 1 30); do
  if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then exit 0; fi
  sleep 1
done
echo "slurm: the node did not come up (see /var/log/slurm/); the sbatch test will be skipped"
exit 0
