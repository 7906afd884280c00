import { describe, expect, it } from "vitest";
import { runs } from "./highlight";

const kinds = (text: string) => runs(text).map((r) => [r.kind, r.text]);

describe("preview highlighting", () => {
  it("highlights links, bare domains, mentions and hashtags", () => {
    expect(kinds("Visit acme.example.com now @acme #launch")).toEqual([
      ["text", "Visit "],
      ["link", "acme.example.com"],
      ["text", " now "],
      ["mention", "@acme"],
      ["text", " "],
      ["hashtag", "#launch"],
    ]);
  });
  it("keeps trailing punctuation out of links", () => {
    expect(kinds("See https://x.com/acme.")).toEqual([
      ["text", "See "],
      ["link", "https://x.com/acme"],
      ["text", "."],
    ]);
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
    expect(runs(t).map((r) => r.text).join("")).toBe(t);
  });
});
