/**
 * Announces a message once it has stopped changing, so a screen reader hears a warning that
 * depends on what is typed (the CMPP port's) once the operator pauses, not at every keystroke.
 * Messages are compared by key (the message itself unless given), so a counter can announce
 * only when what matters changes. The message shown when the page opened is not news: give it
 * as `initial` and it is not announced.
 */
export interface SettledAnnouncer {
  /** The message now (undefined: none). Starts the wait, or cancels it when nothing new is pending. */
  update(message: string | undefined, key?: string): void;
  /** The operator left the field: say the pending message now. */
  flush(): void;
  /** Stop any pending announcement (the component is going away). */
  dispose(): void;
}

export const SETTLE_DELAY_MS = 1000;

export function createSettledAnnouncer(
  announce: (text: string) => void,
  { delayMs = SETTLE_DELAY_MS, initialKey }: { delayMs?: number; initialKey?: string } = {},
): SettledAnnouncer {
  // The key the listener last heard (or saw when the page opened); undefined once the message went away.
  let heard = initialKey;
  let pending: { message: string; key: string } | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const stop = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  const fire = () => {
    stop();
    if (pending === null) return;
    announce(pending.message);
    heard = pending.key;
    pending = null;
  };

  return {
    update(message, key = message) {
      stop();
      if (message === undefined || key === undefined) {
        heard = undefined;
        pending = null;
        return;
      }
      if (key === heard) {
        pending = null;
        return;
      }
      pending = { message, key };
      timer = setTimeout(fire, delayMs);
    },
    flush: fire,
    dispose() {
      stop();
      pending = null;
    },
  };
}
