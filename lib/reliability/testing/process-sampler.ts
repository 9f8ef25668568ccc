import fs from "node:fs";

/**
 * A running process's resident memory and open file descriptors, read from /proc (Linux), as an
 * operator's `top` or `ls /proc/PID/fd` would see them: what a long run must keep flat.
 */
export interface ProcessSample {
  /** Date.now() when read. */
  at: number;
  /** VmRSS: resident memory now, MB. */
  rssMb: number;
  /** VmHWM: the most resident memory so far, MB. */
  hwmMb: number;
  /** Entries of /proc/PID/fd: files, sockets, pipes, event handles. */
  fds: number;
  /**
   * Of those, the embedded database's own files (under a `pglite/` directory). PostgreSQL keeps a
   * relation's file open once touched, up to max_files_per_process (1,000), and closes the least
   * used beyond: a cache that grows as more tables and indexes are read, bounded by design.
   */
  databaseFiles: number;
}

/** The embedded database's data directory in a descriptor's target. */
const DATABASE_FILE = /\/pglite\//;

function countDatabaseFiles(pid: number, fds: readonly string[]): number {
  let n = 0;
  for (const fd of fds) {
    try {
      if (DATABASE_FILE.test(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))) n += 1;
    } catch {
      // closed while listed
    }
  }
  return n;
}

function statusField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status);
  if (!match) throw new Error(`no ${name} in /proc status`);
  return Number(match[1]) / 1024;
}

export function readProcessSample(pid: number): ProcessSample {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const fds = fs.readdirSync(`/proc/${pid}/fd`);
  return {
    at: Date.now(),
    rssMb: statusField(status, "VmRSS"),
    hwmMb: statusField(status, "VmHWM"),
    fds: fds.length,
    databaseFiles: countDatabaseFiles(pid, fds),
  };
}

/**
 * What the open descriptors are, by kind (socket, pipe, anon_inode:…, or the file's directory),
 * for telling which kind grows when the count does.
 */
export function descriptorKinds(pid: number): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed while listed
    }
    const kind = target.startsWith("/") ? target.slice(0, target.lastIndexOf("/") + 1) : target.replace(/:\[?\d+\]?$/, "");
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

export interface ProcessSampler {
  readonly samples: readonly ProcessSample[];
  stop(): void;
}

/** Reads the process every `everyMs` until stopped (a process that is gone stops the sampling). */
export function sampleProcess(pid: number, everyMs: number): ProcessSampler {
  const samples: ProcessSample[] = [readProcessSample(pid)];
  const timer = setInterval(() => {
    try {
      samples.push(readProcessSample(pid));
    } catch {
      clearInterval(timer);
    }
  }, everyMs);
  return { samples, stop: () => clearInterval(timer) };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
