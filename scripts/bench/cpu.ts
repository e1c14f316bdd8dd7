import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';

const cores = cpus().length;

/**
 * Where the CPU goes during a load run, from /proc: the server under test, every PostgreSQL
 * process, the load generator (this process) and the whole machine, each as a percentage of
 * one core. On a 2-core machine this tells which of them a figure is bound by.
 */
let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // keep the Linux default
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * CPU ticks of the PostgreSQL processes that serve `database` (its backends) or the whole
 * server (postmaster, WAL writer, checkpointer…), by pid. Other databases' backends (say,
 * someone's test run) are left out: they count as "other".
 */
function postgresTicks(database: string): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const backend =
        /^postgres: \S+: (?!checkpointer|background writer|walwriter|autovacuum launcher|logical replication launcher|archiver|startup|stats)/.test(title);
      if (backend && !title.includes(` ${database} `)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks;
}

/** Ticks spent between two snapshots by the processes alive at the second (a new one counts whole). */
function postgresDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ticks] of after) total += Math.max(0, ticks - (before.get(pid) ?? 0));
  return total;
}

function machineTicks(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = values.map(Number);
  const idle = n[3] + (n[4] ?? 0);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuSnapshot {
  at: bigint;
  server: number;
  postgres: Map<number, number>;
  driverUs: number;
  machine: { busy: number; total: number };
}

export interface CpuUse {
  /** Percent of one core. */
  server: number;
  postgres: number;
  driver: number;
  /** Percent of the whole machine (all cores). */
  machine: number;
  /** Percent of one core used by anything else (other processes, kernel work not charged to a process). */
  other: number;
}

export function cpuSnapshot(serverPid: number, database: string): CpuSnapshot {
  const usage = process.cpuUsage();
  return {
    at: process.hrtime.bigint(),
    server: processTicks(serverPid),
    postgres: postgresTicks(database),
    driverUs: usage.user + usage.system,
    machine: machineTicks(),
  };
}

export function cpuSince(before: CpuSnapshot, serverPid: number, database: string): CpuUse {
  const after = cpuSnapshot(serverPid, database);
  const seconds = Number(after.at - before.at) / 1e9;
  const pct = (ticks: number) => (100 * ticks) / ticksPerSecond / seconds;
  const machineTotal = after.machine.total - before.machine.total;
  const server = pct(after.server - before.server);
  const postgres = pct(postgresDelta(before.postgres, after.postgres));
  const driver = (100 * (after.driverUs - before.driverUs)) / 1e6 / seconds;
  const machine = machineTotal > 0 ? (100 * (after.machine.busy - before.machine.busy)) / machineTotal : Number.NaN;
  return { server, postgres, driver, machine, other: Math.max(0, machine * cores - server - postgres - driver) };
}
