/** What the simulator counts, so tests and the benchmark can assert on what the gateway saw. */

/** One message part as the gateway accepted it, and how many times. */
export interface SimulatorSubmitCopy {
  dest: string;
  /** Pk_number and Pk_total. */
  segment: number;
  segments: number;
  /** The part's text (without its concatenation header). */
  text: string;
  /** Accepted SUBMITs carrying this part to this number: more than 1 is a duplicate on the handset. */
  count: number;
}

export interface CmppSimulatorStats {
  connectionsAccepted: number;
  connectionsOpen: number;
  loginsAccepted: number;
  loginsRefused: number;
  /** CONNECT_RESP Status → count. */
  loginStatuses: Record<number, number>;
  /** Logins refused (Status 3) because the CONNECT timestamp was too far from the gateway's clock. */
  loginsRefusedForClock: number;
  /** Account → most connections logged in at once. */
  peakConnections: Record<string, number>;
  framesReceived: number;
  invalidFrames: number;
  /** SUBMIT PDUs received (each segment is one; resends count again). */
  submits: number;
  /** SUBMITs received per connection (by the order connections were accepted, from 1). */
  submitsByConnection: Record<number, number>;
  /** SUBMITs answered with Result 0. */
  submitsAccepted: number;
  /** Accepted (segment, destination) pairs: the SMS the gateway would send. */
  segments: number;
  /** SUBMIT_RESP Result → count. */
  results: Record<number, number>;
  flowControlled: number;
  duplicateSequenceIds: number;
  /** Most SUBMITs received on one connection and not yet answered (the client's window). */
  maxInFlight: number;
  /** Destination → texts reassembled from accepted segments, in completion order. */
  texts: Map<string, string[]>;
  /** (number, segment, content) → accepted copies; kept when texts are (see simulator.submitCopies()). */
  copies: Map<string, SimulatorSubmitCopy>;
  /** Connections dropped (or SUBMITs answered Result 8) for exceeding maxUnanswered. */
  windowExceeded: number;
  reportsSent: number;
  reportsAcknowledged: number;
  /** DELIVER_RESP Result → count (non-zero: the client could not read the DELIVER). */
  deliverResults: Record<number, number>;
  malformedDeliversSent: number;
  repliesSent: number;
  activeTestsReceived: number;
  activeTestsSent: number;
  activeTestResponsesReceived: number;
  terminatesReceived: number;
  droppedConnections: number;
  idleDisconnects: number;
}

export function createSimulatorStats(): CmppSimulatorStats {
  return {
    connectionsAccepted: 0,
    connectionsOpen: 0,
    loginsAccepted: 0,
    loginsRefused: 0,
    loginStatuses: {},
    loginsRefusedForClock: 0,
    peakConnections: {},
    framesReceived: 0,
    invalidFrames: 0,
    submits: 0,
    submitsByConnection: {},
    submitsAccepted: 0,
    segments: 0,
    results: {},
    flowControlled: 0,
    duplicateSequenceIds: 0,
    maxInFlight: 0,
    texts: new Map(),
    copies: new Map(),
    windowExceeded: 0,
    reportsSent: 0,
    reportsAcknowledged: 0,
    deliverResults: {},
    malformedDeliversSent: 0,
    repliesSent: 0,
    activeTestsReceived: 0,
    activeTestsSent: 0,
    activeTestResponsesReceived: 0,
    terminatesReceived: 0,
    droppedConnections: 0,
    idleDisconnects: 0,
  };
}

/** A JSON-safe copy (texts as an object of arrays, or only their counts). */
export function snapshotStats(stats: CmppSimulatorStats, withTexts = false): Record<string, unknown> {
  const { texts, copies, ...rest } = stats;
  let count = 0;
  for (const list of texts.values()) count += list.length;
  let duplicates = 0;
  for (const copy of copies.values()) if (copy.count > 1) duplicates += copy.count - 1;
  return {
    ...rest,
    textsReceived: count,
    destinations: texts.size,
    duplicateCopies: duplicates,
    ...(withTexts ? { texts: Object.fromEntries(texts) } : {}),
  };
}
