/**
 * The message states, for the server and the browser alike (no imports): the state machine
 * (message-state.ts) changes them, the pages show them.
 */
export const MESSAGE_STATES = ["queued", "submitting", "submitted", "delivered", "failed", "expired", "unknown", "cancelled"] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

/** States a message never leaves. */
export const FINAL_MESSAGE_STATES = ["delivered", "failed", "expired", "unknown", "cancelled"] as const satisfies readonly MessageState[];
export const IN_FLIGHT_STATES = ["queued", "submitting", "submitted"] as const satisfies readonly MessageState[];

const FINAL = new Set<string>(FINAL_MESSAGE_STATES);

export function isFinalState(state: string): boolean {
  return FINAL.has(state);
}
