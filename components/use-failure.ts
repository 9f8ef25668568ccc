"use client";

import { useCallback, useEffect, useRef, useState } from "react";

/**
 * A form's failure message (a server error, say) and a ref for the <Alert> that shows it: each
 * time a failure is set, the focus moves to the Alert, so a keyboard or screen reader user is
 * taken to the message rather than left on a button that seemingly did nothing. Setting the same
 * message again (a second try failing alike) moves the focus again.
 */
export function useFailure<T = string>() {
  // A fresh object per set, so the effect runs even when the value repeats.
  const [state, setState] = useState<{ value: T | null }>({ value: null });
  const alertRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (state.value !== null) alertRef.current?.focus();
  }, [state]);
  const setFailure = useCallback((value: T | null) => setState({ value }), []);
  return { failure: state.value, setFailure, alertRef };
}
