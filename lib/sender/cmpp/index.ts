/**
 * The CMPP 2.0 / 3.0 engine: codec, session, pool, receipts, test connection and gateway
 * simulator. See README.md in this folder for the API and the delivery guarantee.
 */
export type { CmppChannelSettings, CmppLogger, CmppVersion } from "./types";
export { silentLogger, stderrLogger } from "./logger";

// Pool: what the dispatcher uses
export { createCmppPool, type CmppPool } from "./pool/pool";
export type {
  CmppConnectionStatus,
  CmppDestinationResult,
  CmppLateSubmitResp,
  CmppLoginRefusal,
  CmppPoolCounters,
  CmppPoolOptions,
  CmppPoolStatus,
  CmppReceipt,
  CmppReply,
  CmppSessionEvent,
  CmppSubmitRequest,
  CmppSubmitResult,
} from "./pool/pool-types";
export { CmppLoginError, CmppSubmitError, type CmppLoginFailure, type CmppSubmitFailure } from "./errors";

// Console "test connection"
export { testCmppConnection, type CmppTestResult, type CmppTestSettings } from "./test-connection";

// Receipt codes and response codes
export { DEFAULT_CMPP_STAT_CODES, CMPP_STAT_PREFIX_RULES, classifyStat, compileStatDictionary, normalizeStat } from "./receipts/stat-codes";
export { REFUSED_LOGIN_STATUSES, describeConnectStatus, describeSubmitResult, submitResultCategory } from "./receipts/result-codes";

// Messages
export { segmentText, countSegments, TextTooLongError, type SegmentedText } from "./message/segmenter";
export { chooseMsgFmt, decodeMessageContent, decodeUcs2Be, encodeUcs2Be, isAscii } from "./message/text-encoding";
export { parseUserData, concatHeader, type ConcatInfo } from "./message/udh";

// Protocol layers, for tools and tests
export { CmppFramer, type FramingError } from "./codec/framer";
export { decodePdu, encodePdu, pduLength, writePdu } from "./codec/codec";
export type { InvalidFrame } from "./codec/invalid-frame";
export type * from "./codec/pdu";
export { CommandId, MAX_FRAME_LENGTH, MsgFmt } from "./codec/constants";
export { authenticatorIsmg, authenticatorSource, cmppTimestamp, verifyAuthenticatorIsmg } from "./codec/auth";
export { composeMsgId, isMsgId, msgIdFromBigInt, msgIdRange, msgIdToBigInt, msgIdToDecimal, parseMsgId, ZERO_MSG_ID } from "./codec/msg-id";
export { encodeStatusReport, parseStatusReport, type StatusReport } from "./codec/status-report";
export { CmppSession, type SessionHooks, type SessionOptions, type SessionState } from "./link/session";

// Gateway simulator
export { startCmppSimulator, type CmppSimulator } from "./simulator/simulator";
export type { CmppSimulatorFaults, CmppSimulatorOptions, SimulatorAccount, SimulatorReplyRequest } from "./simulator/simulator-types";
export type { CmppSimulatorStats, SimulatorSubmitCopy } from "./simulator/simulator-stats";
