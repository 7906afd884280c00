// X's own counter (twitter-text 3.1, parseTweet with its default v3 configuration) reading what
// `countersign count --lines` reads, one JSON string per line, and printing what it prints, so
// the two can be compared line for line and timed as whole processes.
import { createInterface } from "node:readline";
import twitter from "twitter-text";

const out = [];
const flush = () => {
  process.stdout.write(out.join(""));
  out.length = 0;
};
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  const r = twitter.parseTweet(JSON.parse(line));
  out.push(
    `{"weighted_length":${r.weightedLength},"valid":${r.valid},"permillage":${r.permillage},"valid_range_end":${r.validRangeEnd}}\n`,
  );
  if (out.length >= 1000) flush();
}
flush();
