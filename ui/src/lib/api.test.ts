import { describe, expect, it } from "vitest";
import { CoreError, toCoreError } from "./api";

describe("errors from Rust", () => {
  it("keep core's code and message", () => {
    const e = toCoreError({ code: "self_approval", message: "Sam wrote this post" });
    expect(e).toBeInstanceOf(CoreError);
    expect(e.code).toBe("self_approval");
    expect(e.message).toBe("Sam wrote this post");
  });
  it("turn anything else into invalid_input, never a bare string", () => {
    const e = toCoreError("invalid args `id` for command `post`");
    expect(e.code).toBe("invalid_input");
    expect(e.message).toContain("invalid args");
    expect(toCoreError(new Error("boom")).code).toBe("invalid_input");
  });
  it("pass a CoreError through", () => {
    const e = new CoreError({ code: "busy", message: "try again" });
    expect(toCoreError(e)).toBe(e);
  });
});
