import { describe, expect, it } from "vitest";
import {
  addDays,
  addMonths,
  monthDays,
  monthTitle,
  movedWallTime,
  startOfWeek,
  weekDays,
  weekday,
} from "./calendar";

describe("calendar math", () => {
  it("adds days across months and years", () => {
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
  });
  it("adds months to the first of the month", () => {
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-01");
    expect(addMonths("2026-01-15", -1)).toBe("2025-12-01");
  });
  it("starts weeks on Monday", () => {
    expect(weekday("2026-03-02")).toBe(1);
    expect(weekday("2026-03-08")).toBe(7);
    expect(startOfWeek("2026-03-08")).toBe("2026-03-02");
    expect(weekDays("2026-03-04").map((d) => d.date)).toEqual([
      "2026-03-02",
      "2026-03-03",
      "2026-03-04",
      "2026-03-05",
      "2026-03-06",
      "2026-03-07",
      "2026-03-08",
    ]);
  });
  it("shows whole weeks around a month", () => {
    const days = monthDays("2026-03-15");
    expect(days.length % 7).toBe(0);
    expect(days[0]?.date).toBe("2026-02-23");
    expect(days.at(-1)?.date).toBe("2026-04-05");
    expect(days.filter((d) => d.inMonth)).toHaveLength(31);
  });
  it("keeps the time of day when a post moves to another day", () => {
    expect(movedWallTime("2026-03-05", "09:30")).toBe("2026-03-05 09:30");
  });
  it("titles a month", () => {
    expect(monthTitle("2026-03-15")).toBe("March 2026");
  });
});
