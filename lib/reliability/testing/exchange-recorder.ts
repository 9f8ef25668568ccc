import type { BrowserContext } from "@playwright/test";

/**
 * Every answer the console gave during a test, as the client received it (status, headers, body),
 * whether a browser page, the console's own fetches, or a REST call made it: what a secret scan
 * searches.
 */
export interface RecordedExchange {
  /** What the test was doing ("browser", "rest", "error path", …). */
  label: string;
  method: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  json?: unknown;
  /** A raw body (with its content type in `headers`). */
  body?: string | Buffer;
  form?: URLSearchParams;
  multipart?: FormData;
}

export class ExchangeRecorder {
  readonly exchanges: RecordedExchange[] = [];
  private readonly pending: Promise<void>[] = [];

  constructor(private readonly baseUrl: string) {}

  /** One HTTP call to the console, recorded. */
  async call(label: string, method: string, path: string, options: RequestOptions = {}): Promise<RecordedExchange> {
    const headers: Record<string, string> = { ...options.headers };
    let body: BodyInit | undefined;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = options.form.toString();
    } else if (options.multipart) body = options.multipart;
    else if (options.body !== undefined) body = typeof options.body === "string" ? options.body : new Uint8Array(options.body);
    const url = new URL(path, this.baseUrl).toString();
    const response = await fetch(url, { method, headers, body, redirect: "manual" });
    const exchange: RecordedExchange = {
      label,
      method,
      url,
      status: response.status,
      headers: Object.fromEntries(
        [...response.headers.entries(), ...response.headers.getSetCookie().map((c) => ["set-cookie", c] as [string, string])],
      ),
      body: Buffer.from(await response.arrayBuffer()),
    };
    this.exchanges.push(exchange);
    return exchange;
  }

  /** Records every answer the browser context receives from the console (pages, RSC payloads, server actions, fetches). */
  watch(context: BrowserContext): void {
    context.on("response", (response) => {
      if (!response.url().startsWith(this.baseUrl)) return;
      this.pending.push(
        (async () => {
          const headers = await response.allHeaders().catch(() => response.headers());
          // A redirect has no body to read.
          const body = await response.body().catch(() => Buffer.alloc(0));
          this.exchanges.push({ label: "browser", method: response.request().method(), url: response.url(), status: response.status(), headers, body });
        })(),
      );
    });
  }

  /** Waits for the bodies of browser answers still being read. */
  async settle(): Promise<void> {
    while (this.pending.length > 0) await Promise.all(this.pending.splice(0));
  }
}

export function json<T = unknown>(exchange: RecordedExchange): T {
  try {
    return JSON.parse(exchange.body.toString("utf8")) as T;
  } catch {
    throw new Error(`${exchange.method} ${exchange.url} answered ${exchange.status} with a body that is not JSON: ${exchange.body.toString("utf8").slice(0, 300)}`);
  }
}
