/**
 * The CMPP gateway simulator in a child process, for benchmarks: its CPU is then not the
 * measured process's, and it is driven over IPC ({type:"stats"|"reset"|"close"}).
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface SimulatorProcess {
  child: ChildProcess;
  port: number;
  stats(): Promise<Record<string, unknown>>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimulatorProcess(args: readonly string[]): Promise<SimulatorProcess> {
  const cli = fileURLToPath(new URL("../../lib/sender/cmpp/simulator/cli.ts", import.meta.url));
  // fork() reuses this process's execArgv, so the child runs under the same TypeScript loader (tsx).
  const child = fork(cli, ["--port", "0", ...args], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
    child.on("message", (m: { type?: string; port?: number }) => {
      if (m.type === "listening" && typeof m.port === "number") resolve(m.port);
    });
  });
  const ask = <T>(type: string, pick: (m: Record<string, unknown>) => T) =>
    new Promise<T>((resolve) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (m.type !== type) return;
        child.off("message", onMessage);
        resolve(pick(m));
      };
      child.on("message", onMessage);
      child.send({ type });
    });
  return {
    child,
    port,
    stats: () => ask("stats", (m) => m.stats as Record<string, unknown>),
    reset: () => ask("reset", () => undefined),
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners("exit");
        child.once("exit", () => resolve());
        child.send({ type: "close" });
      }),
  };
}
