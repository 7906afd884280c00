import { describe, expect, it } from "vitest";
import { runs } from "./highlight";
import type { UrlRange } from "./bindings";

const kinds = (text: string, urls: UrlRange[] = []) => runs(text, urls).map((r) => [r.kind, r.text]);
/** The range of `part` in `text`, as core's count reports it (UTF-16, end exclusive). */
const at = (text: string, part: string): UrlRange => {
  const start = text.indexOf(part);
  return { start, end: start + part.length };
};

describe("preview highlighting", () => {
  it("links exactly the ranges core counted, mentions and hashtags by pattern", () => {
    const t = "Visit acme.example.com now @acme #launch";
    expect(kinds(t, [at(t, "acme.example.com")])).toEqual([
      ["text", "Visit "],
      ["link", "acme.example.com"],
      ["text", " now "],
      ["mention", "@acme"],
      ["text", " "],
      ["hashtag", "#launch"],
    ]);
  });
  it("links a TLD no short list has, because core counts it as a URL", () => {
    const t = "Shop at example.xyz today";
    // Core's count for this text: example.xyz weighs 23, at 8..19.
    expect(kinds(t, [{ start: 8, end: 19 }])).toEqual([
      ["text", "Shop at "],
      ["link", "example.xyz"],
      ["text", " today"],
    ]);
  });
  it("links nothing core did not count", () => {
    expect(kinds("See https://x.com/acme and f.io")).toEqual([["text", "See https://x.com/acme and f.io"]]);
  });
  it("keeps a mention inside a link part of the link", () => {
    const t = "https://x.com/@acme #tag";
    expect(kinds(t, [at(t, "https://x.com/@acme")])).toEqual([
      ["link", "https://x.com/@acme"],
      ["text", " "],
      ["hashtag", "#tag"],
    ]);
  });
  it("counts ranges in UTF-16 units of the NFC text, as core does", () => {
    // "e" + combining acute is one unit once NFC; 🌱 is two.
    const t = "Cafe\u0301 🌱 example.com";
    expect(kinds(t, [{ start: 8, end: 19 }])).toEqual([
      ["text", "Café 🌱 "],
      ["link", "example.com"],
    ]);
  });
  it("leaves out a range from an older, longer text", () => {
    expect(kinds("short", [{ start: 2, end: 40 }])).toEqual([["text", "short"]]);
  });
  it("does not take an email address for a mention", () => {
    expect(runs("mail me@acme").every((r) => r.kind !== "mention")).toBe(true);
  });
  it("keeps emoji and CJK as text", () => {
    expect(kinds("春のコレクション 🌱")).toEqual([["text", "春のコレクション 🌱"]]);
  });
  it("does not tag a number", () => {
    expect(kinds("#1 pick")).toEqual([["text", "#1 pick"]]);
  });
  it("rebuilds the text exactly", () => {
    const t = "a @b #c https://d.com/e $ACME f.io";
    expect(
      runs(t, [at(t, "https://d.com/e"), at(t, "f.io")])
        .map((r) => r.text)
        .join(""),
    ).toBe(t);
  });
});
