// Splits post text into runs for the preview: links, @mentions, #hashtags and $cashtags are
// highlighted as X shows them. Display only; X's count comes from the core.

export type Run = { kind: "text" | "link" | "mention" | "hashtag" | "cashtag"; text: string };

// A URL with a scheme, or a bare domain with a common TLD (as X links them).
const URL_RE =
  /\bhttps?:\/\/[^\s<>"]+|\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|org|net|io|co|dev|app|ai|de|uk|fr|es|it|nl|eu|jp|cn|us|ca|au|info|biz|me|tv|example)(?:\/[^\s<>"]*)?/giu;
const MENTION_RE = /(?<![\p{L}\p{N}_@])@[A-Za-z0-9_]{1,15}\b/gu;
const HASHTAG_RE = /(?<![\p{L}\p{N}_&#])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*/gu;
const CASHTAG_RE = /(?<![\p{L}\p{N}_$])\$[A-Za-z]{1,6}(?:_[A-Za-z]{1,2})?\b/gu;

type Match = { start: number; end: number; kind: Run["kind"] };

function matches(text: string, re: RegExp, kind: Run["kind"]): Match[] {
  const out: Match[] = [];
  for (const m of text.matchAll(re)) {
    const start = m.index ?? 0;
    let value = m[0];
    if (kind === "link") value = value.replace(/[.,;:!?)\]]+$/u, "");
    out.push({ start, end: start + value.length, kind });
  }
  return out;
}

/** The runs of `text`, in order; links win over mentions and tags inside them. */
export function runs(text: string): Run[] {
  const all = [
    ...matches(text, URL_RE, "link"),
    ...matches(text, MENTION_RE, "mention"),
    ...matches(text, HASHTAG_RE, "hashtag"),
    ...matches(text, CASHTAG_RE, "cashtag"),
  ].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Run[] = [];
  let at = 0;
  for (const m of all) {
    if (m.start < at) continue;
    if (m.start > at) out.push({ kind: "text", text: text.slice(at, m.start) });
    out.push({ kind: m.kind, text: text.slice(m.start, m.end) });
    at = m.end;
  }
  if (at < text.length) out.push({ kind: "text", text: text.slice(at) });
  return out;
}
