/**
 * "Test connection" for the console: log in with a channel's settings, report success or the reason
 * in words with the login round trip, and log out with TERMINATE. Never throws: every failure is an
 * answer for the operator.
 */
import { connect as netConnect } from "node:net";
import { performance } from "node:perf_hooks";
import { CmppSession } from "./link/session";
import { SocketTransport } from "./link/socket-transport";
import { silentLogger } from "./logger";
import type { CmppLoginError } from "./errors";
import type { CmppChannelSettings, CmppLogger } from "./types";

export type CmppTestSettings = Pick<CmppChannelSettings, "host" | "port" | "account" | "password" | "version"> & {
  /** For the TCP connect and for the login answer each (default 10 s). */
  timeoutMs?: number;
  /** The CONNECT timestamp's clock, minutes east of UTC (default 480, China Standard Time), as the pool's option. */
  timestampUtcOffsetMinutes?: number;
};

export interface CmppTestResult {
  ok: boolean;
  /** Login round trip (CONNECT → CONNECT_RESP) when the gateway answered; else time until failure. */
  latencyMs: number;
  detail: string;
}

export async function testCmppConnection(settings: CmppTestSettings, logger: CmppLogger = silentLogger): Promise<CmppTestResult> {
  const started = performance.now();
  const timeoutMs = settings.timeoutMs ?? 10_000;
  const where = `${settings.host}:${settings.port}`;
  const problem = checkSettings(settings);
  if (problem) return { ok: false, latencyMs: 0, detail: problem };

  return new Promise<CmppTestResult>((resolve) => {
    let loginError: CmppLoginError | null = null;
    let connected = false;
    let connectedAt = 0;
    let settled = false;
    const finish = (result: CmppTestResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      resolve(result);
    };
    const elapsed = () => Math.round(performance.now() - started);

    const socket = netConnect({ host: settings.host, port: settings.port });
    const transport = new SocketTransport(socket, settings.version, logger, { test: where });
    const session = new CmppSession(
      transport,
      {
        account: settings.account,
        password: settings.password,
        version: settings.version,
        windowSize: 1,
        requestTimeoutMs: timeoutMs,
        maxTries: 1,
        activeTestIntervalMs: 10 * timeoutMs,
        loginTimeoutMs: timeoutMs,
        drainTimeoutMs: timeoutMs,
        terminateTimeoutMs: Math.min(timeoutMs, 5_000),
        verifyIsmgAuthenticator: true,
        timestampUtcOffsetMinutes: settings.timestampUtcOffsetMinutes ?? 480,
        logger,
      },
      {
        onLoginFailed: (error) => {
          loginError = error;
        },
        onReady: () => {
          const latencyMs = Math.round(session.loginLatencyMs);
          const tcpMs = Math.round(connectedAt - started);
          void session.close().then(() => {
            const logout = session.closedBecause.includes("TERMINATE answered") ? "logged out" : "logout not acknowledged (closed anyway)";
            finish({
              ok: true,
              latencyMs,
              detail:
                session.version === settings.version
                  ? `Logged in to ${where} as ${settings.account} with CMPP ${settings.version}: TCP connect ${tcpMs} ms, login ${latencyMs} ms; ${logout}.`
                  : `Logged in to ${where} as ${settings.account}, but the gateway answered as a CMPP ${session.version} gateway (set the channel to ${session.version}): TCP connect ${tcpMs} ms, login ${latencyMs} ms; ${logout}.`,
            });
          });
        },
        onClosed: (reason) => {
          if (!connected) {
            finish({ ok: false, latencyMs: elapsed(), detail: explainNetwork(reason, where, timeoutMs) });
          } else if (loginError) {
            finish({ ok: false, latencyMs: loginError.status !== null ? Math.round(session.loginLatencyMs) : elapsed(), detail: explainLogin(loginError, where) });
          }
        },
      },
    );
    transport.attach({
      onPdu: (pdu) => session.handlePdu(pdu),
      onInvalid: (frame) => session.handleInvalid(frame),
      onClose: (reason) => session.handleTransportClosed(reason),
    });
    const connectTimer = setTimeout(() => transport.destroy("TCP connect timed out"), timeoutMs);
    socket.once("connect", () => {
      connected = true;
      connectedAt = performance.now();
      clearTimeout(connectTimer);
      session.start();
    });
  });
}

function checkSettings(s: CmppTestSettings): string | null {
  if (!s.host) return "No host is configured.";
  if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) return `Port ${s.port} is not a valid TCP port.`;
  if (s.account.length < 1 || s.account.length > 6) return "The account (SP_Id) must be 1 to 6 characters: CMPP's Source_Addr has 6 octets.";
  if (s.version !== "2.0" && s.version !== "3.0") return `CMPP version ${String(s.version)} is not supported (2.0 or 3.0).`;
  return null;
}

function explainLogin(error: CmppLoginError, where: string): string {
  switch (error.failure) {
    case "rejected":
      return `The gateway at ${where} refused the login: ${error.message.replace(/^CMPP login refused \(status \d+\): /, "")} (status ${error.status}).`;
    case "bad_authenticator":
      return `The gateway at ${where} accepted the login, but its AuthenticatorISMG does not match our password: it may not be the gateway you expect.`;
    case "timeout":
      return `The gateway at ${where} accepted the TCP connection but did not answer the login in time.`;
    case "network":
      return `The gateway at ${where} closed the connection during the login (often: our IP address is not on its allow list). ${error.message}.`;
  }
}

function explainNetwork(reason: string, where: string, timeoutMs: number): string {
  if (reason.startsWith("ECONNREFUSED")) return `Connection refused by ${where}: nothing listens on that port, or a firewall rejects us.`;
  if (reason.startsWith("ENOTFOUND") || reason.startsWith("EAI_AGAIN")) return `The host name in ${where} could not be resolved.`;
  if (reason.startsWith("EHOSTUNREACH") || reason.startsWith("ENETUNREACH")) return `${where} is unreachable from this server (no route).`;
  if (reason.includes("timed out") || reason.startsWith("ETIMEDOUT")) {
    return `No TCP connection to ${where} within ${Math.round(timeoutMs / 1000)} s: the host is unreachable or the port is filtered (the gateway may need this server's IP on its allow list).`;
  }
  return `Could not connect to ${where}: ${reason}.`;
}
