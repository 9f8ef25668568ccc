/**
 * The session state machine on its own, against a fake transport: no bytes, no sockets, time
 * advanced by calling sweep() with a later clock. (The same behaviours over real TCP are in
 * pool/pool.test.ts.)
 */
import { afterEach, describe, expect, it } from "vitest";
import { performance } from "node:perf_hooks";
import { CmppSession, type SessionHooks, type SessionOptions } from "./session";
import type { PduTransport } from "./socket-transport";
import { authenticatorIsmg } from "../codec/auth";
import { CommandId } from "../codec/constants";
import type { CmppPdu, ConnectPdu, DeliverPdu, SubmitPdu } from "../codec/pdu";
import { silentLogger } from "../logger";
import { sampleDeliver, sampleSubmit } from "../testing/pdus";
import type { CmppLoginError } from "../errors";
import type { CmppVersion } from "../types";

class FakeTransport implements PduTransport {
  sent: CmppPdu[] = [];
  ended = false;
  destroyed: string | null = null;
  version: CmppVersion | null = null;
  send(pdu: CmppPdu): void {
    this.sent.push(structuredClone(pdu));
  }
  setVersion(version: CmppVersion): void {
    this.version = version;
  }
  end(): void {
    this.ended = true;
  }
  destroy(reason: string): void {
    this.destroyed = reason;
  }
  take(): CmppPdu[] {
    const out = this.sent;
    this.sent = [];
    return out;
  }
}

const options: SessionOptions = {
  account: "900001",
  password: "888888",
  version: "3.0",
  windowSize: 3,
  requestTimeoutMs: 60_000,
  maxTries: 3,
  activeTestIntervalMs: 180_000,
  loginTimeoutMs: 30_000,
  drainTimeoutMs: 60_000,
  terminateTimeoutMs: 5_000,
  verifyIsmgAuthenticator: true,
  logger: silentLogger,
};

const submitPdu = (n: number): SubmitPdu =>
  sampleSubmit({ sequenceId: 0, serviceId: "", srcId: "1069", msgContent: Buffer.from(`m${n}`) });

interface Recorder {
  events: string[];
  responses: Array<{ ctx: number; result: number }>;
  timeouts: number[];
  late: Array<{ ctx: number; result: number; msgId: string }>;
  delivers: DeliverPdu[];
  closed: { reason: string; unanswered: number[] } | null;
  loginError: CmppLoginError | null;
}

const sessions: Array<CmppSession<number>> = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.handleTransportClosed("test over");
});

function open(overrides: Partial<SessionOptions> = {}): { session: CmppSession<number>; transport: FakeTransport; rec: Recorder } {
  const transport = new FakeTransport();
  const rec: Recorder = { events: [], responses: [], timeouts: [], late: [], delivers: [], closed: null, loginError: null };
  const hooks: SessionHooks<number> = {
    onReady: () => rec.events.push("ready"),
    onWindowOpen: () => rec.events.push("window"),
    onLoginFailed: (e) => (rec.loginError = e),
    onSubmitResponse: (ctx, r) => rec.responses.push({ ctx, result: r.result }),
    onSubmitTimeout: (ctx) => rec.timeouts.push(ctx),
    onDeliver: (p) => {
      rec.events.push(`deliver:${p.msgId}`);
      rec.delivers.push(p);
    },
    onLateSubmitResponse: (ctx, r) => rec.late.push({ ctx, result: r.result, msgId: r.msgId }),
    onClosed: (reason, unanswered) => (rec.closed = { reason, unanswered }),
  };
  const session = new CmppSession<number>(transport, { ...options, ...overrides }, hooks);
  sessions.push(session);
  session.start();
  return { session, transport, rec };
}

function login(session: CmppSession<number>, transport: FakeTransport, status = 0, password = "888888", answeredVersion: CmppVersion = "3.0"): void {
  const connect = transport.take()[0] as ConnectPdu;
  expect(connect.command).toBe("connect");
  session.handlePdu({
    command: "connect_resp",
    sequenceId: connect.sequenceId,
    status,
    authenticatorIsmg: status === 0 ? authenticatorIsmg(0, connect.authenticatorSource, password, answeredVersion) : Buffer.alloc(16),
    version: answeredVersion === "3.0" ? 0x30 : 0x20,
  });
}

describe("CmppSession", () => {
  it("logs in with a zero-padded account, MMDDHHMMSS timestamp and a verified AuthenticatorISMG", () => {
    const { session, transport, rec } = open();
    const connect = transport.sent[0] as ConnectPdu;
    expect(connect).toMatchObject({ command: "connect", sourceAddr: "900001", version: 0x30 });
    expect(String(connect.timestamp).padStart(10, "0")).toMatch(/^(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])([01]\d|2[0-3])[0-5]\d[0-5]\d$/);
    login(session, transport);
    expect(session.state).toBe("ready");
    expect(rec.events.slice(0, 2)).toEqual(["ready", "window"]);
  });

  it("refuses a gateway whose AuthenticatorISMG was made with another secret", () => {
    const { session, transport, rec } = open();
    login(session, transport, 0, "not-the-secret");
    expect(rec.loginError?.failure).toBe("bad_authenticator");
    expect(session.state).toBe("closed");
  });

  it("reports a refused login with its status", () => {
    const { session, transport, rec } = open();
    login(session, transport, 3);
    expect(rec.loginError).toMatchObject({ failure: "rejected", status: 3 });
    expect(rec.loginError?.message).toMatch(/authentication failed/);
    expect(transport.ended).toBe(true);
  });

  it("fails the login when no CONNECT_RESP comes in time", () => {
    const { session, rec } = open({ loginTimeoutMs: 1_000 });
    session.sweep(performance.now() + 1_001);
    expect(rec.loginError?.failure).toBe("timeout");
  });

  it("fills the window, refuses more, and reopens it on each response", () => {
    const { session, transport, rec } = open();
    login(session, transport);
    for (let i = 0; i < 3; i++) session.submit(submitPdu(i), i);
    expect(session.canSubmit()).toBe(false);
    expect(() => session.submit(submitPdu(3), 3)).toThrow(/cannot submit/);
    const sent = transport.take() as SubmitPdu[];
    expect(sent.map((p) => p.sequenceId)).toEqual([2, 3, 4]);
    // Answers may come in any order: matched by Sequence_Id.
    session.handlePdu({ command: "submit_resp", sequenceId: 4, msgId: "0000000000000009", result: 0 });
    expect(rec.responses).toEqual([{ ctx: 2, result: 0 }]);
    expect(session.canSubmit()).toBe(true);
    // An answer for nothing outstanding is ignored.
    session.handlePdu({ command: "submit_resp", sequenceId: 99, msgId: "0000000000000009", result: 0 });
    expect(rec.responses).toHaveLength(1);
  });

  it("wraps Sequence_Id from 2^32−1 to 1, skipping ids still outstanding", () => {
    const { session, transport } = open({ firstSequenceId: 0xfffffffe, windowSize: 16 });
    login(session, transport); // CONNECT took 0xfffffffe
    session.submit(submitPdu(0), 0);
    session.submit(submitPdu(1), 1);
    session.submit(submitPdu(2), 2);
    expect((transport.take() as SubmitPdu[]).map((p) => p.sequenceId)).toEqual([0xffffffff, 1, 2]);
  });

  it("resends an unanswered SUBMIT with the same Sequence_Id, then gives up after N tries", () => {
    const { session, transport, rec } = open({ requestTimeoutMs: 1_000 });
    login(session, transport);
    session.submit(submitPdu(0), 0);
    const first = transport.take()[0] as SubmitPdu;
    const t0 = performance.now();
    session.sweep(t0 + 500);
    expect(transport.take()).toEqual([]);
    session.sweep(t0 + 1_001);
    session.sweep(t0 + 2_002);
    const resent = transport.take() as SubmitPdu[];
    expect(resent.map((p) => p.sequenceId)).toEqual([first.sequenceId, first.sequenceId]);
    session.sweep(t0 + 3_003);
    expect(rec.timeouts).toEqual([0]);
    expect(session.windowUsed).toBe(0);
  });

  it("ignores a 'duplicate sequence' answer to its own resend and waits for the original's", () => {
    const { session, transport, rec } = open({ requestTimeoutMs: 1_000 });
    login(session, transport);
    session.submit(submitPdu(0), 0);
    const seq = (transport.take()[0] as SubmitPdu).sequenceId;
    session.sweep(performance.now() + 1_001);
    session.handlePdu({ command: "submit_resp", sequenceId: seq, msgId: "0000000000000000", result: 3 });
    expect(rec.responses).toEqual([]);
    session.handlePdu({ command: "submit_resp", sequenceId: seq, msgId: "0000000000000001", result: 0 });
    expect(rec.responses).toEqual([{ ctx: 0, result: 0 }]);
  });

  it("answers DELIVER with DELIVER_RESP before telling the caller, and ACTIVE_TEST at once", () => {
    const { session, transport, rec } = open();
    login(session, transport);
    session.handlePdu({
      command: "deliver",
      sequenceId: 77,
      msgId: "00000000000000aa",
      destId: "1069",
      serviceId: "",
      tpPid: 0,
      tpUdhi: 0,
      msgFmt: 0,
      srcTerminalId: "13800138000",
      srcTerminalType: 0,
      registeredDelivery: 0,
      msgContent: Buffer.from("hi"),
      linkId: "",
    });
    session.handlePdu({ command: "active_test", sequenceId: 78 });
    expect(transport.take()).toEqual([
      { command: "deliver_resp", sequenceId: 77, msgId: "00000000000000aa", result: 0 },
      { command: "active_test_resp", sequenceId: 78, reserved: 0 },
    ]);
    expect(rec.events).toContain("deliver:00000000000000aa");
  });

  it("sends ACTIVE_TEST after C idle and drops the link after N unanswered", () => {
    const { session, transport, rec } = open({ activeTestIntervalMs: 1_000, requestTimeoutMs: 500 });
    login(session, transport);
    const t0 = performance.now();
    session.sweep(t0 + 1_001);
    expect(transport.take().map((p) => p.command)).toEqual(["active_test"]);
    session.sweep(t0 + 1_502);
    session.sweep(t0 + 2_003);
    expect(transport.take().map((p) => p.command)).toEqual(["active_test", "active_test"]);
    session.sweep(t0 + 2_504);
    expect(transport.destroyed).toMatch(/ACTIVE_TEST/);
    expect(rec.closed?.reason).toMatch(/no answer to 3 ACTIVE_TESTs/);
  });

  it("keeps an answered heartbeat link open", () => {
    const { session, transport } = open({ activeTestIntervalMs: 1_000, requestTimeoutMs: 500 });
    login(session, transport);
    const t0 = performance.now();
    session.sweep(t0 + 1_001);
    const ping = transport.take()[0];
    session.handlePdu({ command: "active_test_resp", sequenceId: ping.sequenceId, reserved: 0 });
    session.sweep(t0 + 1_600);
    expect(transport.destroyed).toBeNull();
    expect(session.state).toBe("ready");
  });

  it("on close drains the window, then TERMINATEs, then closes on TERMINATE_RESP", async () => {
    const { session, transport, rec } = open();
    login(session, transport);
    session.submit(submitPdu(0), 0);
    const seq = (transport.take()[0] as SubmitPdu).sequenceId;
    const closed = session.close();
    expect(session.state).toBe("draining");
    expect(session.canSubmit()).toBe(false);
    expect(transport.take()).toEqual([]);
    session.handlePdu({ command: "submit_resp", sequenceId: seq, msgId: "0000000000000001", result: 0 });
    const terminate = transport.take();
    expect(terminate.map((p) => p.command)).toEqual(["terminate"]);
    session.handlePdu({ command: "terminate_resp", sequenceId: terminate[0].sequenceId });
    await closed;
    expect(transport.ended).toBe(true);
    expect(rec.closed).toEqual({ reason: "closed by us (TERMINATE answered)", unanswered: [] });
  });

  it("answers the gateway's TERMINATE and hands back unanswered submits", () => {
    const { session, transport, rec } = open();
    login(session, transport);
    session.submit(submitPdu(0), 10);
    session.submit(submitPdu(1), 11);
    transport.take();
    session.handlePdu({ command: "terminate", sequenceId: 5 });
    expect(transport.take()).toEqual([{ command: "terminate_resp", sequenceId: 5 }]);
    expect(rec.closed).toEqual({ reason: "gateway sent TERMINATE", unanswered: [10, 11] });
  });

  it("hands back unanswered submits when the connection drops", () => {
    const { session, transport, rec } = open();
    login(session, transport);
    session.submit(submitPdu(0), 1);
    session.handleTransportClosed("ECONNRESET");
    expect(rec.closed).toEqual({ reason: "ECONNRESET", unanswered: [1] });
  });
});

describe("CmppSession calls", () => {
  it("answers QUERY through call(), and rejects a call left unanswered", async () => {
    const { session, transport } = open({ requestTimeoutMs: 1_000, maxTries: 1 });
    login(session, transport);
    const answered = session.call({ command: "query", sequenceId: 0, time: "20241021", queryType: 0, queryCode: "", reserve: "" });
    const query = transport.take()[0];
    session.handlePdu({ command: "query_resp", sequenceId: query.sequenceId, time: "20241021", queryType: 0, queryCode: "", mtTlMsg: 5, mtTlUsr: 1, mtScs: 5, mtWt: 0, mtFl: 0, moScs: 0, moWt: 0, moFl: 0 });
    await expect(answered).resolves.toMatchObject({ mtTlMsg: 5 });
    const ignored = session.call({ command: "cancel", sequenceId: 0, msgId: "0000000000000001" });
    session.sweep(performance.now() + 1_001);
    await expect(ignored).rejects.toThrow(/no answer after 1 tries/);
  });
});

describe("CmppSession, what a dispatcher relies on", () => {
  it("stamps CONNECT in China Standard Time by default, whatever the host's zone", () => {
    const zone = process.env.TZ;
    process.env.TZ = "Europe/London";
    try {
      const { transport } = open();
      const sent = (transport.sent[0] as ConnectPdu).timestamp;
      // MMDDHHMMSS read as a UTC+8 wall clock in this year, against now.
      const year = new Date(Date.now() + 8 * 3_600_000).getUTCFullYear();
      const part = (div: number) => Math.floor(sent / div) % 100;
      const at = Date.UTC(year, part(100_000_000) - 1, part(1_000_000), part(10_000), part(100), sent % 100) - 8 * 3_600_000;
      expect(Math.abs(at - Date.now())).toBeLessThan(3_000);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("switches to 2.0 when the gateway answers the 3.0 login with Version 0x20", () => {
    const { session, transport } = open();
    login(session, transport, 0, "888888", "2.0");
    expect(session.state).toBe("ready");
    expect(session.version).toBe("2.0");
    expect(transport.version).toBe("2.0");
  });

  it("stays at 2.0 when it asked for 2.0 and a 3.0 gateway answers 0x30", () => {
    const { session, transport } = open({ version: "2.0" });
    const connect = transport.take()[0] as ConnectPdu;
    session.handlePdu({ command: "connect_resp", sequenceId: connect.sequenceId, status: 0, authenticatorIsmg: authenticatorIsmg(0, connect.authenticatorSource, "888888", "2.0"), version: 0x30 });
    expect(session.version).toBe("2.0");
    expect(transport.version).toBeNull();
  });

  it("holds a DELIVER that comes before CONNECT_RESP, answering and handing it on once logged in", () => {
    const { session, transport, rec } = open();
    const connect = transport.sent[0] as ConnectPdu;
    session.handlePdu(sampleDeliver({ sequenceId: 40, msgId: "00000000000000b1" }));
    expect(transport.sent).toHaveLength(1); // not answered yet
    expect(rec.delivers).toEqual([]);
    login(session, transport);
    expect(transport.take()).toEqual([{ command: "deliver_resp", sequenceId: 40, msgId: "00000000000000b1", result: 0 }]);
    expect(rec.delivers.map((d) => d.msgId)).toEqual(["00000000000000b1"]);
    expect(connect.command).toBe("connect");
  });

  it("leaves an early DELIVER unanswered when the login fails, so the gateway sends it again", () => {
    const { session, transport, rec } = open();
    session.handlePdu(sampleDeliver({ sequenceId: 41 }));
    login(session, transport, 3);
    expect(transport.take()).toEqual([]);
    expect(rec.delivers).toEqual([]);
  });

  it("answers a DELIVER that does not decode with Result 1", () => {
    const { session, transport } = open();
    login(session, transport);
    session.handleInvalid({ command: "invalid", commandId: CommandId.DELIVER, sequenceId: 42, result: 4, reason: "bad length", msgId: "00000000000000c3" });
    expect(transport.take()).toEqual([{ command: "deliver_resp", sequenceId: 42, msgId: "00000000000000c3", result: 1 }]);
  });

  it("writes no SUBMIT after close(), not even a resend that is due", () => {
    const { session, transport, rec } = open({ requestTimeoutMs: 1_000, maxTries: 5, drainTimeoutMs: 10_000 });
    login(session, transport);
    session.submit(submitPdu(0), 0);
    transport.take();
    void session.close();
    const t0 = performance.now();
    session.sweep(t0 + 1_001);
    session.sweep(t0 + 2_002);
    expect(transport.take()).toEqual([]);
    // Past the drain deadline: TERMINATE, and still no resend while it is under way.
    session.sweep(t0 + 10_001);
    expect(transport.take().map((p) => p.command)).toEqual(["terminate"]);
    session.sweep(t0 + 11_002);
    expect(transport.take()).toEqual([]);
    expect(rec.timeouts).toEqual([]);
  });

  it("reports no timeout and no resend without resendSubmits, and hands on the late answer", () => {
    const { session, transport, rec } = open({ requestTimeoutMs: 1_000, resendSubmits: false });
    login(session, transport);
    session.submit(submitPdu(0), 7);
    const seq = (transport.take()[0] as SubmitPdu).sequenceId;
    session.sweep(performance.now() + 1_001);
    expect(transport.take()).toEqual([]);
    expect(rec.timeouts).toEqual([7]);
    session.handlePdu({ command: "submit_resp", sequenceId: seq, msgId: "00000000000000d4", result: 0 });
    expect(rec.responses).toEqual([]);
    expect(rec.late).toEqual([{ ctx: 7, result: 0, msgId: "00000000000000d4" }]);
    // One answer was possible, and it came: a second one is noise.
    session.handlePdu({ command: "submit_resp", sequenceId: seq, msgId: "00000000000000d5", result: 0 });
    expect(rec.late).toHaveLength(1);
  });

  it("does not hand out a Sequence_Id whose late answer may still come", () => {
    const { session, transport } = open({ requestTimeoutMs: 1_000, maxTries: 1, firstSequenceId: 0xffffffff });
    login(session, transport); // CONNECT took 0xffffffff
    session.submit(submitPdu(0), 0); // 1
    transport.take();
    session.sweep(performance.now() + 1_001); // 1 timed out, its answer may still come
    for (let i = 0; i < 3; i++) session.submit(submitPdu(i), i);
    expect((transport.take() as SubmitPdu[]).map((p) => p.sequenceId)).toEqual([2, 3, 4]);
  });
});
