import { describe, expect, it } from "vitest";
import { CoreError } from "./api";
import { askedFold, fail, needsPassphrase, session } from "./session.svelte";

describe("a time that happens twice", () => {
  const twice = () =>
    new CoreError({ code: "ambiguous_time", message: "2026-11-01 01:30 happens twice in America/New_York" });

  it("is offered as a choice with core's message instead of the banner", () => {
    const e = fail(twice());
    expect(session.error).toBe(e);
    expect(askedFold(e)).toBe("2026-11-01 01:30 happens twice in America/New_York");
    expect(session.error).toBe(null);
  });
  it("is told apart by core's code, not its text", () => {
    const other = fail(new CoreError({ code: "schedule_in_past", message: "happens twice" }));
    expect(askedFold(other)).toBe(null);
    expect(session.error).toBe(other);
  });
});

describe("the passphrase rule", () => {
  it("is core's", () => {
    session.passphraseRule = { required_for: ["admin"], min_chars: 12 };
    expect(needsPassphrase("admin")).toBe(true);
    expect(needsPassphrase("approver")).toBe(false);
    session.passphraseRule = null;
    expect(needsPassphrase("admin")).toBe(false);
  });
});
