/**
 * Sample PDUs for the tests: one SUBMIT and one DELIVER with every field set, which each test
 * overrides where it cares. The defaults are those of the byte vectors in codec.test.ts.
 */
import type { DeliverPdu, SubmitPdu } from "../codec/pdu";

export function sampleSubmit(overrides: Partial<SubmitPdu> = {}): SubmitPdu {
  return {
    command: "submit",
    sequenceId: 7,
    msgId: "0000000000000000",
    pkTotal: 1,
    pkNumber: 1,
    registeredDelivery: 1,
    msgLevel: 1,
    serviceId: "MSG",
    feeUserType: 2,
    feeTerminalId: "",
    feeTerminalType: 0,
    tpPid: 0,
    tpUdhi: 0,
    msgFmt: 0,
    msgSrc: "900001",
    feeType: "01",
    feeCode: "000000",
    validTime: "",
    atTime: "",
    srcId: "10690001",
    destTerminalIds: ["13800138000"],
    destTerminalType: 0,
    msgContent: Buffer.from("Hi"),
    linkId: "",
    ...overrides,
  };
}

export function sampleDeliver(overrides: Partial<DeliverPdu> = {}): DeliverPdu {
  return {
    command: "deliver",
    sequenceId: 9,
    msgId: "0000000000000001",
    destId: "10690001",
    serviceId: "MSG",
    tpPid: 0,
    tpUdhi: 0,
    msgFmt: 0,
    srcTerminalId: "13800138000",
    srcTerminalType: 0,
    registeredDelivery: 1,
    msgContent: Buffer.alloc(71, 0x30),
    linkId: "",
    ...overrides,
  };
}
