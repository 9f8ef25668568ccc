"use client";

import { usePathname } from "next/navigation";
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { createSettledAnnouncer, type SettledAnnouncer } from "@/lib/forms/settled-announcer";

/**
 * The page's one polite status region. Components announce through it (useAnnounce) instead of
 * each rendering a role="status" of its own: a region that appears together with its text is
 * often not read at all, and many regions on one page compete.
 */
const AnnounceContext = createContext<(text: string) => void>(() => {});

/** Long enough for a screen reader to have queued the text; then the region is empty again. */
const CLEAR_AFTER_MS = 7000;
/** The region is emptied first, so the same text said twice is a change a screen reader notices. */
const REFILL_AFTER_MS = 50;

export function LiveRegionProvider({ children }: { children: ReactNode }) {
  const [text, setText] = useState("");
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);
  const pathname = usePathname();
  const [pageOf, setPageOf] = useState(pathname);
  // Announcements belong to the page they were made on: a new page starts with an empty region.
  if (pageOf !== pathname) {
    setPageOf(pathname);
    setText("");
  }

  const announce = useCallback((next: string) => {
    timers.current.forEach(clearTimeout);
    setText("");
    timers.current = [setTimeout(() => setText(next), REFILL_AFTER_MS), setTimeout(() => setText(""), CLEAR_AFTER_MS)];
  }, []);
  useEffect(() => () => timers.current.forEach(clearTimeout), []);

  return (
    <AnnounceContext.Provider value={announce}>
      {children}
      <div role="status" aria-live="polite" aria-atomic="true" className="sr-only" data-testid="live-region">
        {text}
      </div>
    </AnnounceContext.Provider>
  );
}

/** `announce(text)`: the page's status region says `text` politely, once. */
export function useAnnounce(): (text: string) => void {
  return useContext(AnnounceContext);
}

/**
 * Announces `message` once it has stayed the same for about a second, or at once when `flush`
 * is called (on the field's blur). Not the message the component started with: that was already
 * on the page. `key` (default: the message) says what counts as a change.
 */
export function useSettledAnnouncement(message: string | undefined, key: string | undefined = message): () => void {
  const announce = useAnnounce();
  const [announcer] = useState<SettledAnnouncer>(() => createSettledAnnouncer((text) => announce(text), { initialKey: key }));
  useEffect(() => {
    announcer.update(message, key);
  }, [announcer, message, key]);
  useEffect(() => () => announcer.dispose(), [announcer]);
  return announcer.flush;
}
