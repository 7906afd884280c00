// Editing a thread in Compose: parts added, removed and reordered. Pure functions returning new
// arrays (unit-tested); the core checks the result again when it is saved. What a file is,
// which media a part may carry and how many parts a thread has are core's to say
// (`stage_media`, `check_media_mix`, `content_limits`).
import type { MediaKind } from "./bindings";

/** A file attached in Compose: staged (just picked) or stored (already in the post). */
export type DraftMedia = {
  key: string;
  source: "staged" | "stored";
  /** The staging token or the content hash. */
  ref: string;
  name: string;
  altText: string;
  /** What the thumbnail shows: a blob: URL or an asset URL. */
  preview: string;
  /** As core sorted the file (from its bytes). */
  kind: MediaKind;
};

export type DraftPart = { key: string; text: string; media: DraftMedia[] };

let counter = 0;
/** A key for a new part or attachment, unique within this page. */
export function newKey(prefix = "k"): string {
  counter += 1;
  return `${prefix}${counter}`;
}

export function emptyPart(): DraftPart {
  return { key: newKey("p"), text: "", media: [] };
}

/** Whether another part fits in a thread of at most `maxParts` parts (core's
 *  `ContentLimits.max_parts`); none while the limit is not known yet. */
export function canAddPart(parts: DraftPart[], maxParts: number | null): boolean {
  return maxParts !== null && parts.length < maxParts;
}

/** Adds an empty part after `index` (at the end when omitted), if `canAddPart`. */
export function addPart(parts: DraftPart[], maxParts: number | null, index = parts.length - 1): DraftPart[] {
  if (!canAddPart(parts, maxParts)) return parts;
  const next = parts.slice();
  next.splice(Math.min(index + 1, parts.length), 0, emptyPart());
  return next;
}

/** Removes the part at `index`; a thread keeps at least one part. */
export function removePart(parts: DraftPart[], index: number): DraftPart[] {
  if (parts.length <= 1 || index < 0 || index >= parts.length) return parts;
  return parts.filter((_, i) => i !== index);
}

/** Moves the part at `index` by `delta` places (-1 up, +1 down), if it can move. */
export function movePart(parts: DraftPart[], index: number, delta: number): DraftPart[] {
  const to = index + delta;
  if (index < 0 || index >= parts.length || to < 0 || to >= parts.length) return parts;
  const next = parts.slice();
  const [moved] = next.splice(index, 1);
  if (moved) next.splice(to, 0, moved);
  return next;
}

/** Replaces one part's text. */
export function setText(parts: DraftPart[], index: number, text: string): DraftPart[] {
  return parts.map((p, i) => (i === index ? { ...p, text } : p));
}

/** A media grid's layout class for n items, as X lays them out. */
export function gridClass(n: number): string {
  return `grid-${Math.min(Math.max(n, 1), 4)}`;
}
