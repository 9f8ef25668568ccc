/**
 * The simulator is strict like a real gateway: these tests speak to it with hand-made frames over
 * a raw socket and check the answers a gateway must give.
 */
import { afterEach, describe, expect, it } from "vitest";
import { connect, type Socket } from "node:net";
import { authenticatorIsmg, authenticatorSource, cmppTimestamp } from "../codec/auth";
import { decodePdu, encodePdu } from "../codec/codec";
import { CommandId } from "../codec/constants";
import { CmppFramer } from "../codec/framer";
import type { InvalidFrame } from "../codec/invalid-frame";
import type { CmppPdu, SubmitPdu } from "../codec/pdu";
import { parseStatusReport } from "../codec/status-report";
import { concatHeader } from "../message/udh";
import { ACCESS_NUMBER, ACCOUNT, PASSWORD, closeSimulators, simulator, sleep, waitFor } from "../testing/fixtures";
import { SimulatorCore } from "./simulator-core";
import type { CmppVersion } from "../types";
import { sampleSubmit } from "../testing/pdus";

afterEach(closeSimulators);

class RawClient {
  readonly received: Array<CmppPdu | InvalidFrame> = [];
  closed = false;
  private readonly framer = new CmppFramer();

  constructor(
    readonly socket: Socket,
    private readonly version: CmppVersion,
  ) {
    socket.on("data", (chunk) => this.framer.push(chunk, (f) => this.received.push(decodePdu(f, this.version))));
    socket.on("close", () => (this.closed = true));
    socket.on("error", () => {});
  }

  static async open(port: number, version: CmppVersion = "3.0"): Promise<RawClient> {
    const socket = connect({ host: "127.0.0.1", port });
    await new Promise((r) => socket.once("connect", r));
    return new RawClient(socket, version);
  }

  send(pdu: CmppPdu): void {
    this.socket.write(encodePdu(pdu, this.version));
  }

  async next<C extends CmppPdu["command"]>(command: C): Promise<Extract<CmppPdu, { command: C }>> {
    await waitFor(() => this.received.some((p) => p.command === command), command, 2_000);
    const i = this.received.findIndex((p) => p.command === command);
    return this.received.splice(i, 1)[0] as Extract<CmppPdu, { command: C }>;
  }

  async login(account = ACCOUNT, password = PASSWORD, versionOctet = this.version === "3.0" ? 0x30 : 0x20, timestamp = cmppTimestamp(new Date(), 480)): Promise<number> {
    const source = authenticatorSource(account, password, timestamp);
    this.send({ command: "connect", sequenceId: 1, sourceAddr: account, authenticatorSource: source, version: versionOctet, timestamp });
    const resp = await this.next("connect_resp");
    if (resp.status === 0) expect(resp.authenticatorIsmg).toEqual(authenticatorIsmg(0, source, password, this.version));
    return resp.status;
  }

  async submit(overrides: Partial<SubmitPdu>, sequenceId = 2): Promise<{ result: number; msgId: string }> {
    this.send(submit({ ...overrides, sequenceId }));
    const resp = await this.next("submit_resp");
    expect(resp.sequenceId).toBe(sequenceId);
    return resp;
  }
}

function submit(overrides: Partial<SubmitPdu> = {}): SubmitPdu {
  return sampleSubmit({ sequenceId: 2, serviceId: "TEST", msgSrc: ACCOUNT, srcId: ACCESS_NUMBER, msgContent: Buffer.from("hello"), ...overrides });
}

describe("simulator login", () => {
  it("accepts a good login with a correct AuthenticatorISMG, in either version", async () => {
    const sim = await simulator();
    expect(await (await RawClient.open(sim.port)).login()).toBe(0);
    expect(await (await RawClient.open(sim.port, "2.0")).login()).toBe(0);
    expect(sim.stats.loginsAccepted).toBe(2);
  });

  it("answers 2 for an unknown account, 3 for a bad password, 4 for a version too high", async () => {
    const sim = await simulator({ version: "2.0" });
    expect(await (await RawClient.open(sim.port, "2.0")).login("999999")).toBe(2);
    expect(await (await RawClient.open(sim.port, "2.0")).login(ACCOUNT, "bad")).toBe(3);
    const tooNew = await RawClient.open(sim.port, "2.0"); // a 2.0 gateway answers in its 2.0 layout
    expect(await tooNew.login(ACCOUNT, PASSWORD, 0x30)).toBe(4);
    await waitFor(() => tooNew.closed, "the refused connection to close");
    expect(sim.stats.loginStatuses).toEqual({ 2: 1, 3: 1, 4: 1 });
  });

  it("closes a connection that sends anything but CONNECT first", async () => {
    const sim = await simulator();
    const client = await RawClient.open(sim.port);
    client.send(submit());
    await waitFor(() => client.closed, "the connection to close");
    expect(sim.stats.submits).toBe(0);
  });

  it("closes a connection whose length field is impossible, and keeps serving others", async () => {
    const sim = await simulator();
    const bad = await RawClient.open(sim.port);
    bad.socket.write(Buffer.from("7fffffff0000000400000001", "hex"));
    await waitFor(() => bad.closed, "the broken connection to close");
    expect(await (await RawClient.open(sim.port)).login()).toBe(0);
  });
});

describe("simulator SUBMIT checks", () => {
  async function loggedIn(options: Parameters<typeof simulator>[0] = {}) {
    const sim = await simulator({ reports: { enabled: false }, ...options });
    const client = await RawClient.open(sim.port);
    expect(await client.login()).toBe(0);
    return { sim, client };
  }

  it("accepts a good SUBMIT with a Msg_Id carrying this gateway's code", async () => {
    const { sim, client } = await loggedIn({ gatewayId: 0x1234 });
    const resp = await client.submit({});
    expect(resp.result).toBe(0);
    expect(Number((BigInt("0x" + resp.msgId) >> 16n) & 0x3fffffn)).toBe(0x1234);
    expect(sim.stats.texts.get("13800138000")).toEqual(["hello"]);
  });

  it.each<[string, Partial<SubmitPdu>, number]>([
    ["a destination that is not a mobile number", { destTerminalIds: ["1380013800a"] }, 13],
    ["Src_Id outside the access number", { srcId: "10691234" }, 10],
    ["Msg_src other than the account", { msgSrc: "900002" }, 11],
    ["Service_Id other than the account's", { serviceId: "OTHER" }, 7],
    ["Pk_number beyond Pk_total", { pkTotal: 2, pkNumber: 3 }, 1],
    ["Pk_total 2 without a concatenation header", { pkTotal: 2, pkNumber: 1 }, 1],
    ["a header whose total disagrees with Pk_total", { pkTotal: 3, pkNumber: 1, tpUdhi: 1, msgContent: Buffer.concat([concatHeader(1, 2, 1), Buffer.from("x")]) }, 1],
    ["UCS2 content of odd length", { msgFmt: 8, msgContent: Buffer.from("abc") }, 1],
    ["UCS2 content over 140 octets", { msgFmt: 8, msgContent: Buffer.alloc(142, 0x41) }, 6],
    ["an unknown Msg_Fmt", { msgFmt: 9 }, 1],
    ["FeeType 05, dropped in 3.0", { feeType: "05" }, 5],
    ["Fee_UserType 3 without a charged number", { feeUserType: 3 }, 12],
    ["Registered_Delivery 2", { registeredDelivery: 2 }, 1],
  ])("refuses %s (Result %i)", async (_name, overrides, result) => {
    const { client, sim } = await loggedIn({ accounts: [{ account: ACCOUNT, password: PASSWORD, accessNumber: ACCESS_NUMBER, serviceId: "TEST" }], account: undefined });
    expect((await client.submit(overrides)).result).toBe(result);
    expect(sim.stats.submitsAccepted).toBe(0);
  });

  it("answers Result 4 when Total_Length and Msg_Length disagree", async () => {
    const { client } = await loggedIn();
    const frame = encodePdu(submit(), "3.0");
    const longer = Buffer.concat([frame, Buffer.from([0, 0])]);
    longer.writeUInt32BE(longer.length, 0);
    client.socket.write(longer);
    expect(await client.next("submit_resp")).toMatchObject({ sequenceId: 2, result: 4, msgId: "0000000000000000" });
  });

  it("reassembles a concatenated message from its parts, in any order", async () => {
    const { sim, client } = await loggedIn();
    const part = (n: number, text: string) =>
      submit({ pkTotal: 2, pkNumber: n, tpUdhi: 1, msgContent: Buffer.concat([concatHeader(7, 2, n), Buffer.from(text)]) });
    expect((await client.submit(part(2, "world"), 3)).result).toBe(0);
    expect(sim.stats.texts.size).toBe(0);
    expect((await client.submit(part(1, "hello "), 4)).result).toBe(0);
    expect(sim.stats.texts.get("13800138000")).toEqual(["hello world"]);
  });

  it("answers Result 8 above the flow-control rate, counting each number of a group submit", async () => {
    const { client } = await loggedIn({ faults: { flowControlAboveTps: 3 } });
    expect((await client.submit({ destTerminalIds: ["13800138000", "13800138001"] }, 2)).result).toBe(0);
    expect((await client.submit({}, 3)).result).toBe(0);
    expect((await client.submit({}, 4)).result).toBe(8);
  });
});

describe("simulator reports and faults", () => {
  it("sends a status report per number with the submit's Msg_Id range, and resends it until answered", async () => {
    const sim = await simulator({ deliverTimeoutMs: 100, reports: { mix: { UNDELIV: 1 } } });
    const client = await RawClient.open(sim.port);
    await client.login();
    const { msgId } = await client.submit({ destTerminalIds: ["13800138000", "13800138001"] });
    const first = await client.next("deliver");
    const second = await client.next("deliver");
    const reports = [first, second].map((d) => parseStatusReport(d.msgContent));
    expect(reports.map((r) => r?.stat)).toEqual(["UNDELIV", "UNDELIV"]);
    expect(reports.map((r) => r?.msgId)).toEqual([msgId, (BigInt("0x" + msgId) + 1n).toString(16).padStart(16, "0")]);
    expect(first).toMatchObject({ registeredDelivery: 1, srcTerminalId: "13800138000", destId: ACCESS_NUMBER });
    expect(first.msgContent).toHaveLength(71);
    client.send({ command: "deliver_resp", sequenceId: first.sequenceId, msgId: first.msgId, result: 0 });
    // The unanswered one comes again.
    const again = await client.next("deliver");
    expect(again.sequenceId).toBe(second.sequenceId);
  });

  it("can send the report before the SUBMIT_RESP", async () => {
    const sim = await simulator({ faults: { reportBeforeResponse: true } });
    const client = await RawClient.open(sim.port);
    await client.login();
    client.send(submit());
    await waitFor(() => client.received.length >= 2, "report and response");
    expect(client.received.map((p) => p.command)).toEqual(["deliver", "submit_resp"]);
  });

  it("drops a connection at its Nth frame without answering it", async () => {
    const sim = await simulator({ faults: { dropAfterFrames: 3 } });
    const client = await RawClient.open(sim.port);
    await client.login();
    expect((await client.submit({}, 2)).result).toBe(0);
    client.send(submit({ sequenceId: 3 }));
    await waitFor(() => client.closed, "the drop");
    expect(client.received.filter((p) => p.command === "submit_resp")).toHaveLength(0);
    expect(sim.stats.droppedConnections).toBe(1);
  });

  it("answers QUERY with its counters", async () => {
    const sim = await simulator({ reports: { enabled: false } });
    const client = await RawClient.open(sim.port);
    await client.login();
    await client.submit({});
    client.send({ command: "query", sequenceId: 9, time: "20241021", queryType: 0, queryCode: "", reserve: "" });
    expect(await client.next("query_resp")).toMatchObject({ sequenceId: 9, mtTlMsg: 1, mtScs: 1 });
    expect(sim.stats.submits).toBe(1);
  });
});

/** A CONNECT timestamp `minutes` away from now on the gateway's UTC+8 clock. */
const cstTimestamp = (minutes: number) => cmppTimestamp(new Date(Date.now() + minutes * 60_000), 480);

describe("simulator: what real gateways refuse", () => {
  it("drops a connection that leaves more than 16 requests unanswered", async () => {
    const sim = await simulator({ faults: { responseDelayMs: 2_000 }, reports: { enabled: false } });
    const client = await RawClient.open(sim.port);
    await client.login();
    for (let i = 0; i < 17; i++) client.send(submit({ sequenceId: 10 + i }));
    await waitFor(() => client.closed, "the drop");
    expect(sim.stats.windowExceeded).toBe(1);
    expect(sim.stats.submitsAccepted).toBe(16);
  });

  it("answers Result 8 instead, with windowExceeded: flow_control", async () => {
    const sim = await simulator({ faults: { responseDelayMs: 2_000 }, reports: { enabled: false }, windowExceeded: "flow_control", maxUnanswered: 2 });
    const client = await RawClient.open(sim.port);
    await client.login();
    for (let i = 0; i < 3; i++) client.send(submit({ sequenceId: 10 + i }));
    expect(await client.next("submit_resp")).toMatchObject({ sequenceId: 12, result: 8 });
    expect(client.closed).toBe(false);
  });

  it("refuses a CONNECT timestamp more than 10 minutes off its UTC+8 clock (Status 3)", async () => {
    const sim = await simulator();
    const login = async (minutes: number) => (await RawClient.open(sim.port)).login(ACCOUNT, PASSWORD, 0x30, cstTimestamp(minutes));
    expect(await login(11)).toBe(3);
    expect(await login(-11)).toBe(3);
    expect(await login(9)).toBe(0);
    expect(await login(-9)).toBe(0);
    expect(sim.stats.loginsRefusedForClock).toBe(2);
    // The host's own clock on a UTC machine is eight hours off.
    expect(await (await RawClient.open(sim.port)).login(ACCOUNT, PASSWORD, 0x30, cmppTimestamp(new Date(), 0))).toBe(3);
  });

  it("compares timestamps across New Year, and not at all with timestampToleranceMs 0", async () => {
    const core = new SimulatorCore({ account: ACCOUNT, password: PASSWORD });
    const newYear = Date.UTC(2025, 11, 31, 16, 0, 30); // 2026-01-01 00:00:30 in UTC+8
    expect(core.timestampAcceptable(1231235959, newYear)).toBe(true);
    expect(core.timestampAcceptable(1231234959, newYear)).toBe(false);
    expect(core.timestampAcceptable(1399000000, newYear)).toBe(false);
    const sim = await simulator({ timestampToleranceMs: 0 });
    expect(await (await RawClient.open(sim.port)).login(ACCOUNT, PASSWORD, 0x30, 1021080510)).toBe(0);
  });
});

describe("simulator: misbehaviour on demand", () => {
  it("as a 2.0-only gateway that downgrades, answers a 3.0 login in 2.0 with Version 0x20", async () => {
    const sim = await simulator({ version: "2.0", versionTooHigh: "downgrade" });
    const client = await RawClient.open(sim.port);
    const timestamp = cstTimestamp(0);
    const source = authenticatorSource(ACCOUNT, PASSWORD, timestamp);
    client.send({ command: "connect", sequenceId: 1, sourceAddr: ACCOUNT, authenticatorSource: source, version: 0x30, timestamp });
    const resp = await client.next("connect_resp");
    expect(resp).toMatchObject({ status: 0, version: 0x20 });
    expect(resp.authenticatorIsmg).toEqual(authenticatorIsmg(0, source, PASSWORD, "2.0"));
    // It now reads 2.0 SUBMITs.
    client.socket.write(encodePdu(submit({ sequenceId: 2 }), "2.0"));
    expect(await client.next("submit_resp")).toMatchObject({ sequenceId: 2 });
    expect(sim.stats.submitsAccepted).toBe(1);
  });

  it("refuses logins for a while, then accepts (refuseAuthTimes)", async () => {
    const sim = await simulator({ faults: { refuseAuthTimes: 2 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push(await (await RawClient.open(sim.port)).login());
    expect(statuses).toEqual([3, 3, 0]);
  });

  it("answers Result 8 for a while, then accepts (flowControlSubmits)", async () => {
    const sim = await simulator({ faults: { flowControlSubmits: 2 }, reports: { enabled: false } });
    const client = await RawClient.open(sim.port);
    await client.login();
    const results: number[] = [];
    for (let i = 0; i < 3; i++) results.push((await client.submit({}, 10 + i)).result);
    expect(results).toEqual([8, 8, 0]);
  });

  it("drops a connection after accepting a SUBMIT it never answers, and reports it on the next login", async () => {
    const sim = await simulator({ faults: { dropAfterSubmits: 2, dropTimes: 1 } });
    const client = await RawClient.open(sim.port);
    await client.login();
    expect((await client.submit({ destTerminalIds: ["13800138001"] }, 2)).result).toBe(0);
    client.send(submit({ sequenceId: 3, destTerminalIds: ["13800138002"] }));
    await waitFor(() => client.closed, "the drop");
    expect(client.received.filter((p) => p.command === "submit_resp" && p.sequenceId === 3)).toEqual([]);
    expect(sim.stats.texts.get("13800138002")).toEqual(["hello"]);
    // Neither report was acknowledged on the dropped connection: both come on the next one.
    const next = await RawClient.open(sim.port);
    await next.login();
    const reports: string[] = [];
    for (let i = 0; i < 2; i++) reports.push(parseStatusReport((await next.next("deliver")).msgContent)?.destTerminalId ?? "");
    expect(reports.sort()).toEqual(["13800138001", "13800138002"]);
  });

  it("keeps reports for an account with no connection until one logs in", async () => {
    const sim = await simulator({ reports: { delayMs: 100 } });
    const first = await RawClient.open(sim.port);
    await first.login();
    const { msgId } = await first.submit({});
    first.socket.destroy();
    await waitFor(() => sim.connectionCount() === 0, "no connection");
    await sleep(150);
    expect(sim.stats.reportsSent).toBe(0);
    const second = await RawClient.open(sim.port);
    await second.login();
    expect(parseStatusReport((await second.next("deliver")).msgContent)?.msgId).toBe(msgId);
  });

  it("sends a report on another connection of the account (reportsOnOtherConnection)", async () => {
    const sim = await simulator({ faults: { reportsOnOtherConnection: true } });
    const a = await RawClient.open(sim.port);
    const b = await RawClient.open(sim.port);
    await a.login();
    await b.login();
    const { msgId } = await a.submit({});
    expect(parseStatusReport((await b.next("deliver")).msgContent)?.msgId).toBe(msgId);
    expect(a.received.filter((p) => p.command === "deliver")).toEqual([]);
  });

  it("sends ACCEPTD first, then the final report (acceptdFirst)", async () => {
    const sim = await simulator({ faults: { acceptdFirst: true } });
    const client = await RawClient.open(sim.port);
    await client.login();
    await client.submit({});
    const first = await client.next("deliver");
    const second = await client.next("deliver");
    expect([first, second].map((d) => parseStatusReport(d.msgContent)?.stat)).toEqual(["ACCEPTD", "DELIVRD"]);
  });

  it("uses one Msg_Id for every number of a multi-destination SUBMIT (oneMsgIdPerSubmit)", async () => {
    const sim = await simulator({ faults: { oneMsgIdPerSubmit: true } });
    const client = await RawClient.open(sim.port);
    await client.login();
    const { msgId } = await client.submit({ destTerminalIds: ["13800138000", "13800138001"] });
    const reports = [await client.next("deliver"), await client.next("deliver")].map((d) => parseStatusReport(d.msgContent));
    expect(reports.map((r) => [r?.msgId, r?.destTerminalId])).toEqual([
      [msgId, "13800138000"],
      [msgId, "13800138001"],
    ]);
  });

  it("does not answer TERMINATE (ignoreTerminates)", async () => {
    const sim = await simulator({ faults: { ignoreTerminates: true } });
    const client = await RawClient.open(sim.port);
    await client.login();
    client.send({ command: "terminate", sequenceId: 5 });
    await sleep(150);
    expect(client.received.some((p) => p.command === "terminate_resp")).toBe(false);
    expect(client.closed).toBe(false);
    expect(sim.stats.terminatesReceived).toBe(1);
  });

  it("sends waiting DELIVERs before the CONNECT_RESP (deliverBeforeConnectResp)", async () => {
    const sim = await simulator({ faults: { deliverBeforeConnectResp: true } });
    sim.sendReply({ from: "13800138009", text: "early" });
    const client = await RawClient.open(sim.port);
    await client.login();
    expect(client.received.map((p) => p.command)).toEqual(["deliver"]);
  });

  it("sends an undecodable DELIVER (malformedDelivers) and records the Result it is answered with", async () => {
    const sim = await simulator({ faults: { malformedDelivers: 1 }, deliverTimeoutMs: 50 });
    const client = await RawClient.open(sim.port);
    await client.login();
    await client.submit({});
    await waitFor(() => client.received.some((p) => p.command === "invalid"), "the broken DELIVER");
    const broken = client.received.find((p): p is InvalidFrame => p.command === "invalid");
    expect(broken?.commandId).toBe(CommandId.DELIVER);
    client.send({ command: "deliver_resp", sequenceId: broken?.sequenceId ?? 0, msgId: broken?.msgId ?? "0000000000000000", result: 1 });
    await waitFor(() => sim.stats.deliverResults[1] === 1, "the Result 1");
    await sleep(150); // past the resend timeout: answered, so not sent again
    expect(client.received.filter((p) => p.command === "invalid" || p.command === "deliver")).toHaveLength(1);
    expect(sim.stats.malformedDeliversSent).toBe(1);
  });

  it("counts the copies of each message part it accepted", async () => {
    const sim = await simulator({ reports: { enabled: false } });
    const client = await RawClient.open(sim.port);
    await client.login();
    await client.submit({}, 2);
    await client.submit({}, 3); // the same message again, as a resend after a lost answer would be
    await client.submit({ msgContent: Buffer.from("other") }, 4);
    expect(sim.duplicateSubmits()).toEqual([{ dest: "13800138000", segment: 1, segments: 1, text: "hello", count: 2 }]);
    expect(sim.submitCopies()).toHaveLength(2);
  });

  it("counts logged-in connections per account and the most at once", async () => {
    const sim = await simulator({ maxConnections: 3 });
    const clients = await Promise.all([1, 2, 3].map(() => RawClient.open(sim.port)));
    for (const c of clients) expect(await c.login()).toBe(0);
    expect(await (await RawClient.open(sim.port)).login()).toBe(5);
    clients[0].socket.destroy();
    await waitFor(() => sim.connectionCount(ACCOUNT) === 2, "one fewer");
    expect(sim.peakConnectionCount(ACCOUNT)).toBe(3);
    expect(sim.peakConnectionCount()).toBe(3);
    sim.resetStats();
    expect(sim.peakConnectionCount()).toBe(2);
  });
});
