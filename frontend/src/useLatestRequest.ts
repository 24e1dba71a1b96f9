import { useCallback, useEffect, useRef } from "react";

/**
 * Guards async state updates: `begin()` returns a ticket; `isCurrent(ticket)` is true only for
 * the newest request of a still-mounted component, so a slow old response never overwrites a
 * newer one.
 */
export function useLatestRequest() {
  const counter = useRef(0);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const begin = useCallback(() => ++counter.current, []);
  const isCurrent = useCallback((ticket: number) => mounted.current && ticket === counter.current, []);
  return { begin, isCurrent };
}
