import assert from "node:assert/strict";
import ranks from "gpt-tokenizer/bpeRanks/o200k_base";
import packed from "./o200k_base.ts";
import { packRanks, type Ranks, unpackRanks } from "./packed.ts";

Deno.test("the packed o200k_base is gpt-tokenizer's rank list, token for token", () => {
  const unpacked = unpackRanks(packed);
  // Ranks are positions: a token moved or lost would shift every rank after it.
  assert.equal(unpacked.length, ranks.length);
  assert.equal(unpacked.length, 199_998);
  assert.deepEqual(
    unpacked,
    ranks,
    "the packed vocabulary differs from the pinned gpt-tokenizer's: run deno run -A scripts/pack_vocabulary.ts",
  );
});

Deno.test("packing keeps byte tokens, escapes and characters outside the BMP", () => {
  const sample: Ranks = ["!", '"', "\\", "\n", " é", "😀", [0xe2, 0x80], [255], ""];
  assert.deepEqual(unpackRanks(packRanks(sample)), sample);
  assert.match(packRanks(sample), /^[A-Za-z0-9+/]+=*$/, "base64, ASCII only");
});
