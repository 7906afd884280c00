import { describe, expect, it } from "vitest";
import {
  addPart,
  canAddPart,
  emptyPart,
  gridClass,
  movePart,
  removePart,
  setText,
  type DraftMedia,
  type DraftPart,
} from "./thread";

const part = (text: string): DraftPart => ({ ...emptyPart(), text });
const texts = (ps: DraftPart[]) => ps.map((p) => p.text);
const media = (kind: DraftMedia["kind"]): DraftMedia => ({
  key: kind,
  source: "staged",
  ref: "t",
  name: "f",
  altText: "",
  preview: "",
  kind,
});

describe("thread editing", () => {
  const three = [part("a"), part("b"), part("c")];

  it("adds a part after a given one, or at the end", () => {
    expect(texts(addPart(three, 25))).toEqual(["a", "b", "c", ""]);
    expect(texts(addPart(three, 25, 0))).toEqual(["a", "", "b", "c"]);
  });
  it("stops at the limit of parts core gives", () => {
    expect(addPart(three, 3)).toBe(three);
    expect(canAddPart(three, 3)).toBe(false);
    expect(canAddPart(three, 4)).toBe(true);
    expect(texts(addPart(three, 4))).toHaveLength(4);
  });
  it("adds no part before core's limit is known", () => {
    expect(canAddPart(three, null)).toBe(false);
    expect(addPart(three, null)).toBe(three);
  });
  it("removes a part but keeps one", () => {
    expect(texts(removePart(three, 1))).toEqual(["a", "c"]);
    expect(texts(removePart([part("only")], 0))).toEqual(["only"]);
    expect(removePart(three, 7)).toBe(three);
  });
  it("moves parts up and down within bounds", () => {
    expect(texts(movePart(three, 2, -1))).toEqual(["a", "c", "b"]);
    expect(texts(movePart(three, 0, 1))).toEqual(["b", "a", "c"]);
    expect(movePart(three, 0, -1)).toBe(three);
    expect(movePart(three, 2, 1)).toBe(three);
  });
  it("keeps keys when moving, so editors keep their focus", () => {
    const moved = movePart(three, 0, 1);
    expect(moved[1]?.key).toBe(three[0]?.key);
  });
  it("sets one part's text without touching the others", () => {
    const next = setText(three, 1, "B");
    expect(texts(next)).toEqual(["a", "B", "c"]);
    expect(next[0]).toBe(three[0]);
  });
});

describe("attachments", () => {
  it("lay out a grid like X's", () => {
    expect(gridClass(1)).toBe("grid-1");
    expect(gridClass(3)).toBe("grid-3");
    expect(gridClass(9)).toBe("grid-4");
  });
});
