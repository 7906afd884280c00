// Formatting for people: times in a zone, counts, names. Pure functions (unit-tested).
import type { Count } from "./bindings";

/** "2026-03-02 09:00" for an instant in an IANA zone. */
export function wallTime(iso: string, zone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}`;
}

/** The calendar date ("YYYY-MM-DD") of an instant in a zone. */
export function dateInZone(iso: string, zone: string): string {
  return wallTime(iso, zone).slice(0, 10);
}

/** "HH:MM" of an instant in a zone. */
export function timeInZone(iso: string, zone: string): string {
  return wallTime(iso, zone).slice(11, 16);
}

/** The zone this machine is in. */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** A short abbreviation such as "CET" or "GMT+1" for a zone at an instant. */
export function zoneAbbreviation(zone: string, at: Date = new Date()): string {
  const p = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "short" })
    .formatToParts(at)
    .find((x) => x.type === "timeZoneName");
  return p?.value ?? zone;
}

/** What a part's counter shows, all from core's count (`count_text`): "42 / 280" (the limit
 *  is the count's weighted length plus what remains), and its colour; a neutral "counting…"
 *  until core's count has arrived. Whether the text fits is the count's `valid`. */
export type CountShown = {
  label: string;
  level: "counting" | "ok" | "near" | "over";
  weighted: number | null;
  limit: number | null;
};

export function countShown(c: Count | null | undefined): CountShown {
  if (!c) return { label: "counting…", level: "counting", weighted: null, limit: null };
  const limit = c.weighted_length + c.remaining;
  const level = !c.valid && c.invalid !== "empty" ? "over" : c.remaining <= 20 ? "near" : "ok";
  return { label: `${c.weighted_length} / ${limit}`, level, weighted: c.weighted_length, limit };
}

/** The wall time `minutes` from `now` in `zone`, rounded up to the minute. */
export function wallTimeIn(minutes: number, zone: string, now: Date = new Date()): string {
  const t = new Date(now.getTime() + minutes * 60_000);
  if (t.getSeconds() > 0 || t.getMilliseconds() > 0) {
    t.setSeconds(0, 0);
    t.setTime(t.getTime() + 60_000);
  }
  return wallTime(t.toISOString(), zone);
}

/** Whether `s` looks like "YYYY-MM-DD HH:MM". */
export function isWallTime(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(s.trim());
}

/** A stable id fragment for a name: "Ana Lima" → "ana-lima". */
export function slug(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** "in review" for "in_review". */
export function statusLabel(status: string): string {
  return status.replace(/_/g, " ");
}

/** "3 parts" / "1 part". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Whether two zone names keep the same clocks (e.g. "UTC" and "Etc/UTC"), judged over a year. */
export function sameZone(a: string, b: string, at: Date = new Date()): boolean {
  if (a === b) return true;
  const probes = [0, 91, 182, 273].map((d) => new Date(at.getTime() + d * 86_400_000).toISOString());
  try {
    return probes.every((p) => wallTime(p, a) === wallTime(p, b));
  } catch {
    return false;
  }
}

/** The instant a wall time ("YYYY-MM-DD HH:MM") happens in `zone` (the earlier one when it
 *  happens twice; a time in a spring-forward gap moves forward by the gap). For filters only:
 *  scheduling always sends the wall time to the core, which decides. */
export function instantOf(wall: string, zone: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(wall.trim());
  if (!m) return "";
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
  const offset = (t: number) => {
    const w = wallTime(new Date(t).toISOString(), zone);
    const [d, hm] = w.split(" ");
    const [y, mo, da] = (d ?? "").split("-").map(Number);
    const [h, mi] = (hm ?? "").split(":").map(Number);
    return Date.UTC(y ?? 1970, (mo ?? 1) - 1, da ?? 1, h ?? 0, mi ?? 0) - t;
  };
  let t = asUtc - offset(asUtc);
  t = asUtc - offset(t);
  return new Date(t).toISOString();
}
