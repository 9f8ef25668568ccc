/** What the simulator counts, so tests and the benchmark can assert on what the gateway saw. */

export interface CmppSimulatorStats {
  connectionsAccepted: number;
  connectionsOpen: number;
  loginsAccepted: number;
  loginsRefused: number;
  /** CONNECT_RESP Status → count. */
  loginStatuses: Record<number, number>;
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
  reportsSent: number;
  reportsAcknowledged: number;
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
    reportsSent: 0,
    reportsAcknowledged: 0,
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
  const { texts, ...rest } = stats;
  let count = 0;
  for (const list of texts.values()) count += list.length;
  return {
    ...rest,
    textsReceived: count,
    destinations: texts.size,
    ...(withTexts ? { texts: Object.fromEntries(texts) } : {}),
  };
}
