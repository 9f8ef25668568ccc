import fs from "node:fs";

/**
 * A process as its kernel knows it: `<boot id>/<pid namespace>/<pid>`, so that another process can
 * tell for certain that it is gone. Both read the same kernel boot and the same pid namespace: if
 * that namespace is the same, `kill(pid, 0)` is the truth; if its identifier was reused, the old
 * namespace and every process in it are gone. Null where /proc does not tell (not Linux).
 *
 * Used for dispatcher leases (lib/messages/dispatcher/worker-lease.ts): a console restarted after a
 * crash sees that its predecessor is dead and takes its claims and connections back at once,
 * rather than after the predecessor's lease lapses (30 s).
 */
export type HostProcess = string;

let here: { kernel: string; pid: number } | null | undefined;

function kernelHere(): { kernel: string; pid: number } | null {
  if (here !== undefined) return here;
  try {
    const boot = fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const namespace = /\[(\d+)\]/.exec(fs.readlinkSync("/proc/self/ns/pid"))?.[1];
    here = boot && namespace ? { kernel: `${boot}/${namespace}`, pid: process.pid } : null;
  } catch {
    here = null;
  }
  return here;
}

/** This process, or null where it cannot be told. */
export function thisHostProcess(): HostProcess | null {
  const k = kernelHere();
  return k ? `${k.kernel}/${k.pid}` : null;
}

/** The prefix shared by every process this one can judge (same boot, same pid namespace). */
export function hostProcessPrefix(): string | null {
  const k = kernelHere();
  return k ? `${k.kernel}/` : null;
}

/**
 * True only when `other` certainly no longer runs: same kernel boot and pid namespace, not this
 * process (several dispatchers may share one), and no process with its pid. A pid that was reused
 * since counts as alive: the lease then lapses the slow way.
 */
export function isGoneProcess(other: HostProcess | null): boolean {
  const k = kernelHere();
  if (!k || !other || !other.startsWith(`${k.kernel}/`)) return false;
  const pid = Number(other.slice(k.kernel.length + 1));
  if (!Number.isInteger(pid) || pid <= 0 || pid === k.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: it exists, another user's.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
