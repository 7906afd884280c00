import { describe, expect, it } from "vitest";
import {
  countLabel,
  countLevel,
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
  it("shows weighted length over the limit", () => {
    expect(countLabel(42, 280)).toBe("42 / 280");
    expect(countLabel(283, 280)).toBe("283 / 280");
  });
  it("warns near the limit and past it", () => {
    expect(countLevel(100, 280)).toBe("ok");
    expect(countLevel(260, 280)).toBe("near");
    expect(countLevel(280, 280)).toBe("near");
    expect(countLevel(281, 280)).toBe("over");
  });
});

describe("slugs", () => {
  it("make stable test ids from names", () => {
    expect(slug("Ana Lima")).toBe("ana-lima");
    expect(slug("  Sam O'Kafor ")).toBe("sam-o-kafor");
    expect(slug("José")).toBe("jose");
  });
});
