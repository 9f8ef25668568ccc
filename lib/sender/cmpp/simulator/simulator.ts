/**
 * A CMPP 2.0/3.0 gateway (ISMG) on a real TCP port, strict the way carriers' gateways are, with
 * fault switches for the ways they misbehave. For tests, the e2e suite, the benchmark, and for
 * trying the console without a carrier account (`npm run cmpp:simulator`).
 */
import { createServer, type Server, type Socket } from "node:net";
import { GatewayConnection } from "./gateway-connection";
import { SimulatorCore } from "./simulator-core";
import type { CmppSimulatorStats, SimulatorSubmitCopy } from "./simulator-stats";
import { createSimulatorStats } from "./simulator-stats";
import type { CmppSimulatorFaults, CmppSimulatorOptions, SimulatorReplyRequest } from "./simulator-types";

export interface CmppSimulator {
  readonly host: string;
  readonly port: number;
  /** Live counters (the same object throughout; see resetStats). */
  readonly stats: CmppSimulatorStats;
  /** The current fault switches. */
  readonly faults: CmppSimulatorFaults;
  /** Changes fault switches at run time (merged into the current ones). */
  setFaults(faults: Partial<CmppSimulatorFaults>): void;
  /** Sends a mobile-originated message (split when long); returns its DELIVER Msg_Ids. */
  sendReply(request: SimulatorReplyRequest): string[];
  /** Logged-in connections now (all accounts, or one). */
  connectionCount(account?: string): number;
  /** The most connections of `account` (default: the first account) logged in at once, since the start or resetStats(). */
  peakConnectionCount(account?: string): number;
  /**
   * Every message part the gateway accepted, per (number, segment, content), with how many
   * SUBMITs carried it: count > 1 means the handset gets it that many times. Kept when recordTexts is.
   */
  submitCopies(): SimulatorSubmitCopy[];
  /** The submitCopies() received more than once. */
  duplicateSubmits(): SimulatorSubmitCopy[];
  /** Drops every connection at once, as a gateway restart would. */
  dropAll(): void;
  /** Zeroes every counter and forgets recorded texts. */
  resetStats(): void;
  close(): Promise<void>;
}

export async function startCmppSimulator(options: CmppSimulatorOptions): Promise<CmppSimulator> {
  const core = new SimulatorCore(options);
  const connections = new Set<GatewayConnection>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    core.stats.connectionsAccepted++;
    sockets.add(socket);
    const connection = new GatewayConnection(socket, core, core.stats.connectionsAccepted);
    connections.add(connection);
    socket.once("close", () => {
      sockets.delete(socket);
      connections.delete(connection);
      core.stats.connectionsOpen = core.openConnections();
    });
  });
  const tickMs = core.options.reportDelayMs > 0 ? Math.max(1, Math.min(10, core.options.reportDelayMs / 4)) : 20;
  const timer = setInterval(() => core.tick(connections), tickMs);
  timer.unref();

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;

  return {
    host,
    port,
    get stats() {
      return core.stats;
    },
    get faults() {
      return core.faults;
    },
    setFaults(faults) {
      Object.assign(core.faults, faults);
    },
    sendReply: (request) => core.sendReply(request),
    connectionCount(account) {
      if (account === undefined) return core.openConnections();
      return core.accounts.get(account)?.connections.size ?? 0;
    },
    peakConnectionCount(account) {
      const name = account ?? core.accounts.keys().next().value ?? "";
      return core.stats.peakConnections[name] ?? 0;
    },
    submitCopies: () => core.submitCopies(),
    duplicateSubmits: () => core.submitCopies().filter((copy) => copy.count > 1),
    dropAll() {
      for (const connection of connections) connection.close();
    },
    resetStats() {
      Object.assign(core.stats, createSimulatorStats());
      core.stats.connectionsOpen = core.openConnections();
      for (const [name, state] of core.accounts) core.stats.peakConnections[name] = state.connections.size;
    },
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
