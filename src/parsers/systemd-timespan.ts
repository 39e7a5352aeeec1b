/**
 * systemd time spans as `systemctl show -p TimeoutStartUSec --value` prints them: "1min 30s",
 * "45s", "500ms", "2h 5min", "infinity". Returns milliseconds; Infinity for "infinity";
 * undefined when the text is not a time span.
 */
const UNITS: Record<string, number> = {
  us: 0.001,
  usec: 0.001,
  µs: 0.001,
  ms: 1,
  msec: 1,
  s: 1_000,
  sec: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

export function parseSystemdTimespan(text: string): number | undefined {
  const t = text.trim();
  if (t === 'infinity') return Infinity;
  if (t === '') return undefined;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)\s*([a-zµ]*)\s*/gy;
  let consumed = 0;
  for (let m = re.exec(t); m !== null && m[0] !== ''; m = re.exec(t)) {
    const unit = m[2] === '' ? 's' : m[2]!;
    const factor = UNITS[unit];
    if (factor === undefined) return undefined;
    total += Number(m[1]) * factor;
    consumed = re.lastIndex;
  }
  return consumed === t.length ? total : undefined;
}
