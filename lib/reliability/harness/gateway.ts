import { silentLogger, startCmppSimulator, type CmppSimulator } from "@/lib/sender/cmpp";

/**
 * The carrier's gateway for a process-level run: the CMPP simulator in the test process, with
 * one account, status reports after `reportDelayMs` (so some fall due while a console process is
 * dead: the simulator keeps them until the account logs in again, and resends any DELIVER left
 * unanswered on a connection that closed), and an outcome per number that the test can predict:
 * numbers ending in 7 are UNDELIV, the rest DELIVRD. It records each number's reported Stat.
 */
export const GATEWAY_ACCOUNT = { account: "900001", password: "secret88", accessNumber: "1065" } as const;

export interface TestGateway {
  simulator: CmppSimulator;
  /** Number → the Stat the gateway reported (or will report) for it. */
  reported: Map<string, string>;
  statOf(phone: string): "DELIVRD" | "UNDELIV";
}

export async function startTestGateway(options: { maxConnections: number; reportDelayMs: number }): Promise<TestGateway> {
  const reported = new Map<string, string>();
  const statOf = (phone: string) => (phone.endsWith("7") ? "UNDELIV" : "DELIVRD") as "DELIVRD" | "UNDELIV";
  const simulator = await startCmppSimulator({
    ...GATEWAY_ACCOUNT,
    maxConnections: options.maxConnections,
    logger: silentLogger,
    reports: {
      delayMs: options.reportDelayMs,
      statFor: ({ dest }) => {
        const stat = statOf(dest);
        reported.set(dest, stat);
        return stat;
      },
    },
  });
  return { simulator, reported, statOf };
}

/** Delivered and failed as the gateway reported them, over distinct numbers. */
export function reportedOutcomes(gateway: TestGateway): { delivered: number; failed: number } {
  let delivered = 0;
  let failed = 0;
  for (const stat of gateway.reported.values()) {
    if (stat === "DELIVRD") delivered++;
    else failed++;
  }
  return { delivered, failed };
}

/** Distinct mainland mobile numbers for one run. */
export const phoneOf = (block: number, i: number) => `13${block % 10}${String(block).padStart(2, "0").slice(-2)}${String(i).padStart(6, "0")}`;
