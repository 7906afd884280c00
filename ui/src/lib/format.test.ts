import { describe, expect, it } from "vitest";
import type { Count } from "./bindings";
import {
  countShown,
  dateInZone,
  instantOf,
  isWallTime,
  sameZone,
  slug,
  timeInZone,
  wallTime,
  wallTimeIn,
} from "./format";

describe("times in a zone", () => {
  it("shows an instant as the wall time of the zone", () => {
    expect(wallTime("2026-03-02T08:00:00Z", "Europe/Berlin")).toBe("2026-03-02 09:00");
    expect(wallTime("2026-07-02T08:00:00Z", "Europe/Berlin")).toBe("2026-07-02 10:00");
    expect(wallTime("2026-03-02T08:00:00Z", "America/New_York")).toBe("2026-03-02 03:00");
  });
  it("splits date and time, across midnight", () => {
    expect(dateInZone("2026-03-01T23:30:00Z", "Europe/Berlin")).toBe("2026-03-02");
    expect(timeInZone("2026-03-01T23:30:00Z", "Europe/Berlin")).toBe("00:30");
  });
  it("is empty for garbage", () => {
    expect(wallTime("not a time", "UTC")).toBe("");
  });
  it("rounds a time some minutes ahead up to the minute", () => {
    const now = new Date("2026-03-02T08:00:30Z");
    expect(wallTimeIn(1, "UTC", now)).toBe("2026-03-02 08:02");
    expect(wallTimeIn(1, "UTC", new Date("2026-03-02T08:00:00Z"))).toBe("2026-03-02 08:01");
  });
  it("recognises wall times", () => {
    expect(isWallTime("2026-03-02 09:00")).toBe(true);
    expect(isWallTime("2026-03-02T09:00")).toBe(false);
    expect(isWallTime("tomorrow")).toBe(false);
  });
});

describe("instants of wall times", () => {
  it("finds the instant of a wall time in a zone, across DST", () => {
    expect(instantOf("2026-03-02 00:00", "Europe/Berlin")).toBe("2026-03-01T23:00:00.000Z");
    expect(instantOf("2026-07-02 00:00", "Europe/Berlin")).toBe("2026-07-01T22:00:00.000Z");
    expect(instantOf("2026-03-29 12:00", "Europe/Berlin")).toBe("2026-03-29T10:00:00.000Z");
    expect(instantOf("2026-03-02 09:00", "UTC")).toBe("2026-03-02T09:00:00.000Z");
    expect(instantOf("nonsense", "UTC")).toBe("");
  });
});

describe("zones", () => {
  it("treats aliases as one zone and different clocks as two", () => {
    expect(sameZone("UTC", "Etc/UTC")).toBe(true);
    expect(sameZone("Europe/Berlin", "Europe/Berlin")).toBe(true);
    expect(sameZone("Europe/Berlin", "Europe/London")).toBe(false);
  });
});

describe("the counter", () => {
  const count = (weighted: number, remaining: number, invalid: Count["invalid"] = null): Count => ({
    weighted_length: weighted,
    permillage: 0,
    valid: invalid === null,
    display_range_start: 0,
    display_range_end: 0,
    valid_range_start: 0,
    valid_range_end: 0,
    remaining,
    invalid,
    urls: [],
  });
  it("says counting until core's count arrives", () => {
    expect(countShown(undefined)).toEqual({ label: "counting…", level: "counting", weighted: null, limit: null });
  });
  it("shows core's count against the limit the count carries", () => {
    expect(countShown(count(42, 238)).label).toBe("42 / 280");
    expect(countShown(count(283, -3, "too_long")).label).toBe("283 / 280");
    expect(countShown(count(42, 3958)).label).toBe("42 / 4000");
  });
  it("warns near the limit, and marks what core found invalid", () => {
    expect(countShown(count(100, 180)).level).toBe("ok");
    expect(countShown(count(260, 20)).level).toBe("near");
    expect(countShown(count(280, 0)).level).toBe("near");
    expect(countShown(count(281, -1, "too_long")).level).toBe("over");
    expect(countShown(count(3, 277, "invalid_character")).level).toBe("over");
    expect(countShown(count(0, 280, "empty")).level).toBe("ok");
  });
});

describe("slugs", () => {
  it("make stable test ids from names", () => {
    expect(slug("Ana Lima")).toBe("ana-lima");
    expect(slug("  Sam O'Kafor ")).toBe("sam-o-kafor");
    expect(slug("José")).toBe("jose");
  });
});
