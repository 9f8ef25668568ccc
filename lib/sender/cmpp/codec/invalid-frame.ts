/**
 * What a decoder returns instead of a PDU when a frame cannot be understood. An error value, not an
 * exception: a malformed frame from a peer is an expected event, and the caller decides whether to
 * answer it (the simulator answers Result 1/2/4 like a gateway), log it, or drop the link.
 */
export interface InvalidFrame {
  command: "invalid";
  commandId: number;
  sequenceId: number;
  /** The Result a gateway would answer: 1 bad structure, 2 unknown command, 4 bad length. */
  result: 1 | 2 | 4;
  reason: string;
  /** A DELIVER's Msg_Id when the frame is long enough to hold one (for its DELIVER_RESP). */
  msgId?: string;
}

export function invalidFrame(commandId: number, sequenceId: number, result: 1 | 2 | 4, reason: string, msgId?: string): InvalidFrame {
  const frame: InvalidFrame = { command: "invalid", commandId, sequenceId, result, reason };
  if (msgId !== undefined) frame.msgId = msgId;
  return frame;
}
