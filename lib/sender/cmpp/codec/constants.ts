/**
 * Numbers fixed by the specification (QB-GF-028-2003, sections 8.3, 8.4 and 8.7.1) and the widths
 * that differ between CMPP 2.0 and 3.0 (section 12, items 1–7 and 16).
 */
import type { CmppVersion } from "../types";

export const HEADER_LENGTH = 12;

export const CommandId = {
  CONNECT: 0x00000001,
  CONNECT_RESP: 0x80000001,
  TERMINATE: 0x00000002,
  TERMINATE_RESP: 0x80000002,
  SUBMIT: 0x00000004,
  SUBMIT_RESP: 0x80000004,
  DELIVER: 0x00000005,
  DELIVER_RESP: 0x80000005,
  QUERY: 0x00000006,
  QUERY_RESP: 0x80000006,
  CANCEL: 0x00000007,
  CANCEL_RESP: 0x80000007,
  ACTIVE_TEST: 0x00000008,
  ACTIVE_TEST_RESP: 0x80000008,
} as const;

/** The Version octet: high nibble major, low nibble minor. */
export const VERSION_OCTET: Record<CmppVersion, number> = { "2.0": 0x20, "3.0": 0x30 };

/** Field widths that change between versions. Everything else is the same in both. */
export interface VersionLayout {
  /** CONNECT_RESP Status, SUBMIT_RESP / DELIVER_RESP Result, CANCEL_RESP Success_Id. */
  statusWidth: 1 | 4;
  /** SUBMIT Fee_terminal_Id, Dest_terminal_Id; DELIVER Src_terminal_Id; report Dest_terminal_Id. */
  terminalIdWidth: 21 | 32;
  /** 3.0 adds Fee_terminal_type, Dest_terminal_type and Src_terminal_type (one octet each). */
  hasTerminalType: boolean;
  /** 2.0 ends SUBMIT and DELIVER with Reserve (8), 3.0 with LinkID (20). */
  trailerWidth: 8 | 20;
}

export const LAYOUT: Record<CmppVersion, VersionLayout> = {
  "2.0": { statusWidth: 1, terminalIdWidth: 21, hasTerminalType: false, trailerWidth: 8 },
  "3.0": { statusWidth: 4, terminalIdWidth: 32, hasTerminalType: true, trailerWidth: 20 },
};

/** "接收信息的用户数量(小于 100 个用户)": DestUsr_tl is 1–99. */
export const MAX_DESTINATIONS = 99;
/** Msg_Length is one octet. */
export const MAX_MSG_LENGTH = 255;

/** SUBMIT body before the destination list (Msg_Id … DestUsr_tl). */
export function submitFixedLength(version: CmppVersion): number {
  const l = LAYOUT[version];
  // Msg_Id 8, Pk_total 1, Pk_number 1, Registered_Delivery 1, Msg_level 1, Service_Id 10,
  // Fee_UserType 1, Fee_terminal_Id, [Fee_terminal_type 1], TP_pId 1, TP_udhi 1, Msg_Fmt 1,
  // Msg_src 6, FeeType 2, FeeCode 6, ValId_Time 17, At_Time 17, Src_Id 21, DestUsr_tl 1
  return 8 + 1 + 1 + 1 + 1 + 10 + 1 + l.terminalIdWidth + (l.hasTerminalType ? 1 : 0) + 1 + 1 + 1 + 6 + 2 + 6 + 17 + 17 + 21 + 1;
}

/** Whole SUBMIT frame length for `destinations` numbers and `contentLength` octets of content. */
export function submitFrameLength(version: CmppVersion, destinations: number, contentLength: number): number {
  const l = LAYOUT[version];
  return (
    HEADER_LENGTH +
    submitFixedLength(version) +
    destinations * l.terminalIdWidth +
    (l.hasTerminalType ? 1 : 0) + // Dest_terminal_type
    1 + // Msg_Length
    contentLength +
    l.trailerWidth
  );
}

/** DELIVER body without Msg_Content (Msg_Id … Msg_Length, plus the trailer). */
export function deliverFrameLength(version: CmppVersion, contentLength: number): number {
  const l = LAYOUT[version];
  // Msg_Id 8, Dest_Id 21, Service_Id 10, TP_pid 1, TP_udhi 1, Msg_Fmt 1, Src_terminal_Id,
  // [Src_terminal_type 1], Registered_Delivery 1, Msg_Length 1, Msg_Content, trailer
  return HEADER_LENGTH + 8 + 21 + 10 + 1 + 1 + 1 + l.terminalIdWidth + (l.hasTerminalType ? 1 : 0) + 1 + 1 + contentLength + l.trailerWidth;
}

/**
 * The largest frame either side may legally send: a 3.0 SUBMIT to 99 numbers with 255 octets of
 * content (3,586 octets). The framer refuses any length field above this before allocating.
 */
export const MAX_FRAME_LENGTH = submitFrameLength("3.0", MAX_DESTINATIONS, MAX_MSG_LENGTH);

/** Status report (DELIVER with Registered_Delivery=1) content: 60 octets in 2.0, 71 in 3.0. */
export function statusReportLength(version: CmppVersion): number {
  return 8 + 7 + 10 + 10 + LAYOUT[version].terminalIdWidth + 4;
}

/** Msg_Fmt values (SUBMIT and DELIVER). */
export const MsgFmt = {
  ASCII: 0,
  WRITE_CARD: 3,
  BINARY: 4,
  UCS2: 8,
  GBK: 15,
} as const;
