// Calendar math on plain dates ("YYYY-MM-DD"): the days of a week or a month view, and moving
// between them. No time zones here: posts are placed on the date they fall on in the brand's
// zone (see format.ts). Pure functions (unit-tested).

export type Day = { date: string; inMonth: boolean };

function parse(date: string): [number, number, number] {
  const [y, m, d] = date.split("-").map(Number);
  return [y ?? 1970, m ?? 1, d ?? 1];
}

function fmt(y: number, m: number, d: number): string {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.toISOString().slice(0, 10);
}

/** `date` plus `n` days. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = parse(date);
  return fmt(y, m, d + n);
}

/** `date` plus `n` months, on the first of that month. */
export function addMonths(date: string, n: number): string {
  const [y, m] = parse(date);
  return fmt(y, m + n, 1);
}

/** 1 = Monday … 7 = Sunday (ISO). */
export function weekday(date: string): number {
  const [y, m, d] = parse(date);
  const w = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return w === 0 ? 7 : w;
}

/** The Monday of the week `date` is in. */
export function startOfWeek(date: string): string {
  return addDays(date, 1 - weekday(date));
}

/** The seven days of the week `date` is in, Monday first. */
export function weekDays(date: string): Day[] {
  const start = startOfWeek(date);
  const month = date.slice(0, 7);
  return Array.from({ length: 7 }, (_, i) => {
    const d = addDays(start, i);
    return { date: d, inMonth: d.slice(0, 7) === month };
  });
}

/** The days a month view shows: whole weeks, Monday first, covering the month of `date`. */
export function monthDays(date: string): Day[] {
  const [y, m] = parse(date);
  const first = fmt(y, m, 1);
  const last = fmt(y, m + 1, 0);
  const start = startOfWeek(first);
  const end = addDays(startOfWeek(last), 6);
  const out: Day[] = [];
  for (let d = start; d <= end; d = addDays(d, 1)) {
    out.push({ date: d, inMonth: d.slice(0, 7) === first.slice(0, 7) });
  }
  return out;
}

/** The wall time for moving a post to `date`, keeping its time of day ("HH:MM"). */
export function movedWallTime(date: string, time: string): string {
  return `${date} ${time}`;
}

/** "March 2026" for a date. */
export function monthTitle(date: string): string {
  const [y, m] = parse(date);
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleString("en-US", {
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
}
