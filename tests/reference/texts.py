"""Deterministic post-like texts for timing and comparing counters: `python3 texts.py N [SEED]`
prints N JSON strings, one per line. Each mixes what X weighs differently: Latin words, CJK,
emoji (single, skin tones, ZWJ families, flags, keycaps), combining marks, URLs and bare domains,
mentions and hashtags, at lengths around and over the 280 limit."""
import json
import random
import sys

WORDS = "launch spring menu coffee team thanks event webinar product summer offer story design " \
        "customer support hiring podcast live new free shipping store city music festival".split()
CJK = "新しい季節のメニューをお届けします春夏秋冬東京大阪한국어메뉴커피봄여름中文菜单咖啡春天"
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🇯🇵", "🇫🇷", "1️⃣", "❤️", "❤️‍🔥", "🧑‍💻", "🏳️‍🌈", "☕", "🌱", "✨", "🙏🏿"]
COMBINING = ["e\u0301", "a\u0308", "n\u0303", "o\u0302\u0323", "\u0915\u094d\u0937"]
URLS = ["https://example.com/spring?utm=1", "http://acme.co/a/b", "example.com", "shop.acme.io/menu",
        "www.example.org", "https://t.co/abc123", "acme.coffee", "xn--bcher-kva.de/x"]
TAGS = ["@acme", "#SpringMenu", "$ACME", "@coffee_lover"]


def piece(rng):
    r = rng.random()
    if r < 0.55:
        return rng.choice(WORDS)
    if r < 0.70:
        return "".join(rng.choice(CJK) for _ in range(rng.randint(1, 8)))
    if r < 0.82:
        return "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3)))
    if r < 0.88:
        return rng.choice(COMBINING)
    if r < 0.95:
        return rng.choice(URLS)
    return rng.choice(TAGS)


def text(rng):
    target = rng.choice([40, 100, 180, 260, 300, 400])
    parts, n = [], 0
    while n < target:
        p = piece(rng)
        parts.append(p)
        n += len(p) + 1
    sep = rng.choice([" ", " ", " ", "\n", ", "])
    return sep.join(parts)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 15)
    out = sys.stdout
    for _ in range(n):
        out.write(json.dumps(text(rng), ensure_ascii=False))
        out.write("\n")


if __name__ == "__main__":
    main()
