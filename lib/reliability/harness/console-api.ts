/**
 * The REST API (README "REST API") as another system calls it: Basic auth with an API key, JSON
 * in and out. Every call that does not answer what the contract says throws with the status
 * and body, so a failing run says what the console answered.
 */
export interface SendView {
  sendId: string;
  status: string;
  total: number;
  counts: Record<"queued" | "submitting" | "submitted" | "delivered" | "failed" | "expired" | "unknown" | "cancelled", number>;
  uncertain: number;
}

export interface OverviewTotals {
  sent: number;
  delivered: number;
  failed: number;
  expired: number;
  unknown: number;
  queued: number;
  submitting: number;
  submitted: number;
  cancelled: number;
}

export interface ConsoleApi {
  readonly baseUrl: string;
  call<T>(method: string, path: string, body?: unknown, expected?: number): Promise<T>;
  createCmppChannel(settings: { name: string; port: number; account: string; password: string; accessNumber: string; connections: number; tpsPerConnection?: number; reportDeadlineSeconds?: number }): Promise<string>;
  /** Upserts `count` users `${prefix}-${i}` with phone `phoneOf(i)` as their number on every channel, 1,000 a call. */
  upsertUsers(prefix: string, count: number, phoneOf: (i: number) => string): Promise<void>;
  sendToEveryone(channelKey: string, text: string, idempotencyKey: string): Promise<{ sendId: string; accepted: number }>;
  getSend(sendId: string): Promise<SendView>;
  overview(): Promise<{ totals: OverviewTotals; channels: Array<{ channelKey: string } & Record<string, unknown>> }>;
}

export function consoleApi(baseUrl: string, credentials: string): ConsoleApi {
  const authorization = `Basic ${Buffer.from(credentials).toString("base64")}`;
  const api: ConsoleApi = {
    baseUrl,
    async call<T>(method: string, path: string, body?: unknown, expected = 200): Promise<T> {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status !== expected) throw new Error(`${method} ${path} answered ${response.status} (expected ${expected}): ${text.slice(0, 500)}`);
      return (text ? JSON.parse(text) : null) as T;
    },
    async createCmppChannel(s) {
      const channel = await api.call<{ channelKey: string }>(
        "POST",
        "/api/v1/channels",
        {
          type: "cmpp",
          name: s.name,
          provider: "china_mobile",
          host: "127.0.0.1",
          port: s.port,
          account: s.account,
          password: s.password,
          accessNumber: s.accessNumber,
          connections: s.connections,
          tpsPerConnection: s.tpsPerConnection ?? 10_000,
          ...(s.reportDeadlineSeconds === undefined ? {} : { reportDeadlineSeconds: s.reportDeadlineSeconds }),
        },
        201,
      );
      return channel.channelKey;
    },
    async upsertUsers(prefix, count, phoneOf) {
      const calls: Array<() => Promise<void>> = [];
      for (let from = 0; from < count; from += 1_000) {
        const items = Array.from({ length: Math.min(1_000, count - from) }, (_, k) => ({ userid: `${prefix}-${from + k}`, phone: { all: phoneOf(from + k) } }));
        calls.push(async () => {
          const answer = await api.call<{ failed: unknown[] }>("POST", "/api/v1/users", items);
          if (answer.failed.length > 0) throw new Error(`users refused: ${JSON.stringify(answer.failed.slice(0, 3))}`);
        });
      }
      // Two at a time: the machine has two cores.
      for (let i = 0; i < calls.length; i += 2) await Promise.all(calls.slice(i, i + 2).map((c) => c()));
    },
    async sendToEveryone(channelKey, text, idempotencyKey) {
      return api.call<{ sendId: string; accepted: number }>("POST", "/api/v1/messages", { channelKey, audience: "everyone", text, idempotencyKey }, 202);
    },
    getSend: (sendId) => api.call<SendView>("GET", `/api/v1/sends/${sendId}`),
    overview: () => api.call("GET", "/api/v1/stats/overview"),
  };
  return api;
}
