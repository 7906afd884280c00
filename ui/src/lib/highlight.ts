// Splits post text into runs for the preview: links, @mentions, #hashtags and $cashtags are
// highlighted as X shows them. Links come from core's count (the URLs it weighed at 23, found
// with twitter-text's full TLD list), so the preview links exactly what X counts as a link;
// mentions and tags are display only and weigh nothing special.
import type { UrlRange } from "./bindings";

export type Run = { kind: "text" | "link" | "mention" | "hashtag" | "cashtag"; text: string };

const MENTION_RE = /(?<![\p{L}\p{N}_@])@[A-Za-z0-9_]{1,15}\b/gu;
const HASHTAG_RE = /(?<![\p{L}\p{N}_&#])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*/gu;
const CASHTAG_RE = /(?<![\p{L}\p{N}_$])\$[A-Za-z]{1,6}(?:_[A-Za-z]{1,2})?\b/gu;

type Match = { start: number; end: number; kind: Run["kind"] };

function matches(text: string, re: RegExp, kind: Run["kind"]): Match[] {
  const out: Match[] = [];
  for (const m of text.matchAll(re)) {
    const start = m.index ?? 0;
    out.push({ start, end: start + m[0].length, kind });
  }
  return out;
}

/**
 * The runs of `text`, in order, rebuilding its NFC form (what X receives). `urls` are core's
 * `Count.urls` for this text: UTF-16 ranges into that NFC form. Links win over mentions and
 * tags inside them; a range outside the text (a count for an older text) is left out.
 */
export function runs(text: string, urls: readonly UrlRange[] = []): Run[] {
  const nfc = text.normalize("NFC");
  const links: Match[] = urls
    .filter((u) => u.start < u.end && u.end <= nfc.length)
    .map((u) => ({ start: u.start, end: u.end, kind: "link" }));
  const all = [
    ...links,
    ...matches(nfc, MENTION_RE, "mention"),
    ...matches(nfc, HASHTAG_RE, "hashtag"),
    ...matches(nfc, CASHTAG_RE, "cashtag"),
  ].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Run[] = [];
  let at = 0;
  for (const m of all) {
    if (m.start < at) continue;
    if (m.start > at) out.push({ kind: "text", text: nfc.slice(at, m.start) });
    out.push({ kind: m.kind, text: nfc.slice(m.start, m.end) });
    at = m.end;
  }
  if (at < nfc.length) out.push({ kind: "text", text: nfc.slice(at) });
  return out;
}
