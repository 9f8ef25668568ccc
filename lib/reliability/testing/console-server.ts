import path from "node:path";
import { ExitedBeforeReady, startConsoleProcess, type ConsoleProcess } from "../harness/console-process";

export { ensureConsoleBuild, repositoryRoot } from "../harness/console-process";

/**
 * The console's production web server (what `npm start` runs) in a child process, for tests that
 * watch it from outside as an operator's browser, another system or Jiguang would: one process of
 * the crash harness (harness/console-process.ts), started on the first free port of a few. The
 * build must exist (`ensureConsoleBuild`).
 */
export type ConsoleServer = ConsoleProcess & { readonly url: string };

export interface ConsoleServerOptions {
  /** The first port to try: on a busy machine a port can be in use (an outgoing connection's), so the next ones are tried. */
  port: number;
  /** How many ports from `port` on may be tried (default 5). */
  ports?: number;
  /** The server's environment, or a function of the port it gets (for PUBLIC_URL). */
  env: Record<string, string> | ((port: number) => Record<string, string>);
  /** Its stdout and stderr, both. */
  logFile: string;
  startTimeoutMs?: number;
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const tries = options.ports ?? 5;
  for (let i = 0; ; i++) {
    const port = options.port + i;
    try {
      const server = await startConsoleProcess({
        kind: "web",
        name: path.basename(options.logFile, ".log"),
        logDir: path.dirname(options.logFile),
        port,
        env: typeof options.env === "function" ? options.env(port) : options.env,
        readyTimeoutMs: options.startTimeoutMs ?? 120_000,
      });
      return server as ConsoleServer;
    } catch (error) {
      const portInUse = error instanceof ExitedBeforeReady && /EADDRINUSE/.test(error.startLog);
      if (!portInUse || i + 1 >= tries) throw error;
    }
  }
}
