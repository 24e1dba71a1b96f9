/** The 0-100 "Minimum score" input of the talent and company views (clamped, steps of 5). */
export function MinScoreField({
  value,
  onChange,
}: {
  value: number;
  onChange: (value: number) => void;
}) {
  return (
    <label className="field">
      <span>Minimum score</span>
      <input
        type="number"
        min={0}
        max={100}
        step={5}
        value={value}
        onChange={(e) => onChange(Math.min(100, Math.max(0, Number(e.target.value) || 0)))}
      />
    </label>
  );
}
