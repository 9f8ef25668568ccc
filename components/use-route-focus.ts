"use client";

import { usePathname } from "next/navigation";
import { useEffect, useRef } from "react";

/**
 * After a client-side navigation, focus moves to the new page's heading (the h1 in <main>), so a
 * keyboard or screen-reader user starts reading the page they asked for instead of staying on the
 * link they left. The first load is left alone: the browser starts at the top, before the skip link.
 */
export function useFocusHeadingOnNavigation() {
  const pathname = usePathname();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    // The new page has committed with the path; wait a frame for a client component's heading.
    const frame = requestAnimationFrame(() => {
      const main = document.getElementById("main");
      const heading = main?.querySelector<HTMLElement>("h1") ?? main;
      if (!heading) return;
      if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: false });
    });
    return () => cancelAnimationFrame(frame);
  }, [pathname]);
}
