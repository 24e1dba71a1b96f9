/** Display helpers shared by the views. */

export function formatScore(score: number): string {
  return String(Math.round(score));
}

/** "+4.2", "−1.3" (a real minus sign), "0.0". */
export function formatImpact(impact: number): string {
  const rounded = Math.round(impact * 10) / 10;
  if (rounded > 0) return `+${rounded.toFixed(1)}`;
  if (rounded < 0) return `\u2212${Math.abs(rounded).toFixed(1)}`;
  return "0.0";
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A metric value from a free-form metrics object: numbers to 3 decimals, else "—". */
export function formatMetric(value: unknown, digits = 3): string {
  if (typeof value === "number" && Number.isFinite(value)) return value.toFixed(digits);
  return "—";
}

function oneDecimal(value: number): string {
  return value.toFixed(1).replace(/\.0$/, "");
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${oneDecimal(seconds / 3600)} h`;
  return `${oneDecimal(seconds / 86400)} d`;
}

export function clampScore(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(100, Math.max(0, value));
}
