import { useCallback, useState } from "react";

export type Layout = "cards" | "compact";

export const LAYOUT_STORAGE_KEY = "talent-match.layout";

function stored(): Layout {
  try {
    return window.localStorage.getItem(LAYOUT_STORAGE_KEY) === "compact" ? "compact" : "cards";
  } catch {
    return "cards"; // storage blocked: the default
  }
}

/** The chosen match-list layout, kept in localStorage so it survives reloads and sign-ins. */
export function useLayout(): [Layout, (layout: Layout) => void] {
  const [layout, setLayout] = useState<Layout>(stored);
  const choose = useCallback((next: Layout) => {
    setLayout(next);
    try {
      window.localStorage.setItem(LAYOUT_STORAGE_KEY, next);
    } catch {
      // storage blocked: the choice lasts for this page only
    }
  }, []);
  return [layout, choose];
}

/** "Layout: Cards / Compact" radio buttons for a match list. */
export function LayoutToggle({ value, onChange }: { value: Layout; onChange: (layout: Layout) => void }) {
  return (
    <fieldset className="radio-group">
      <legend>Layout</legend>
      <label>
        <input type="radio" name="match-layout" checked={value === "cards"} onChange={() => onChange("cards")} />
        Cards
      </label>
      <label>
        <input type="radio" name="match-layout" checked={value === "compact"} onChange={() => onChange("compact")} />
        Compact
      </label>
    </fieldset>
  );
}
