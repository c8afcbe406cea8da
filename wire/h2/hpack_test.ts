import assert from "node:assert/strict";
import { encodeHeaders, HeaderListTooLarge, HpackDecoder, HpackError } from "./hpack.ts";
import { huffmanCode, huffmanDecode } from "./huffman.ts";

const hex = (h: string) =>
  Uint8Array.from(h.replace(/\s/g, "").match(/../g)!, (x) => parseInt(x, 16));

Deno.test("Huffman table: codes match RFC 7541 Appendix B across the whole range", () => {
  // [symbol, code, bits] sampled from every length the table uses.
  const rows: [number, number, number][] = [
    [0, 0x1ff8, 13],
    [1, 0x7fffd8, 23],
    [9, 0xffffea, 24],
    [10, 0x3ffffffc, 30],
    [22, 0x3ffffffe, 30],
    [31, 0xffffffb, 28],
    [32, 0x14, 6],
    [36, 0x1ff9, 13],
    [60, 0x7ffc, 15],
    [88, 0xfc, 8],
    [92, 0x7fff0, 19],
    [96, 0x7ffd, 15],
    [97, 0x3, 5],
    [122, 0x7b, 7],
    [124, 0x7fc, 11],
    [125, 0x3ffd, 14],
    [126, 0x1ffd, 13],
    [127, 0xffffffc, 28],
    [128, 0xfffe6, 20],
    [153, 0x1fffdc, 21],
    [176, 0x1fffe0, 21],
    [192, 0x3ffffe0, 26],
    [195, 0x7fff1, 19],
    [199, 0x1ffffec, 25],
    [203, 0x7ffffde, 27],
    [220, 0xffffffd, 28],
    [230, 0x1fffe8, 21],
    [241, 0x7ffffe6, 27],
    [249, 0xffffffe, 28],
    [254, 0x7fffff0, 27],
    [255, 0x3ffffee, 26],
    [256, 0x3fffffff, 30],
  ];
  for (const [symbol, code, bits] of rows) {
    assert.deepEqual(huffmanCode(symbol), { code, bits }, `symbol ${symbol}`);
  }
  const text = (h: string) => new TextDecoder().decode(huffmanDecode(hex(h)));
  assert.equal(text("f1e3c2e5f23a6ba0ab90f4ff"), "www.example.com");
  assert.equal(text("a8eb10649cbf"), "no-cache");
  assert.equal(text("25a849e95bb8e8b4bf"), "custom-value");
  // Padding longer than 7 bits, or not all ones, is an error.
  assert.throws(() => huffmanDecode(hex("a8eb10649cbfff")), /padding/);
  assert.throws(() => huffmanDecode(hex("a8eb10649cbe")), /padding/);
});

Deno.test("HPACK decoder: RFC 7541 C.3 and C.4 request sequences, dynamic table kept", () => {
  for (
    const blocks of [
      [
        "828684410f7777772e6578616d706c652e636f6d",
        "828684be58086e6f2d6361636865",
        "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
      ],
      [
        "828684418cf1e3c2e5f23a6ba0ab90f4ff",
        "828684be5886a8eb10649cbf",
        "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
      ],
    ]
  ) {
    const d = new HpackDecoder();
    const base: [string, string][] = [[":method", "GET"], [":scheme", "http"], [":path", "/"]];
    assert.deepEqual(d.decode(hex(blocks[0])), [...base, [":authority", "www.example.com"]]);
    assert.deepEqual(d.decode(hex(blocks[1])), [
      ...base,
      [":authority", "www.example.com"],
      ["cache-control", "no-cache"],
    ]);
    assert.deepEqual(d.decode(hex(blocks[2])), [
      [":method", "GET"],
      [":scheme", "https"],
      [":path", "/index.html"],
      [":authority", "www.example.com"],
      ["custom-key", "custom-value"],
    ]);
  }
});

Deno.test("HPACK: encoder output decodes back; long strings use multi-byte lengths", () => {
  const long = "x".repeat(300);
  const headers: [string, string][] = [
    [":status", "200"],
    ["content-type", "application/grpc"],
    ["grpc-message", long],
    [long, ""],
  ];
  const block = encodeHeaders(headers);
  assert.equal(block[0], 0x88);
  assert.deepEqual(new HpackDecoder().decode(block), headers);
  const d = new HpackDecoder(64);
  assert.throws(() => d.decode(hex("ff00")), HpackError);
  assert.throws(() => d.decode(hex("3fe11f")), /table size update 4096/);
  assert.throws(() => d.decode(hex("0085f1e3")), /truncated/);
});

Deno.test("HPACK encoder: a request block uses static indices and never the dynamic table", () => {
  const headers: [string, string][] = [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", "/inference.GRPCInferenceService/ModelInfer"],
    ["te", "trailers"],
  ];
  const block = encodeHeaders(headers);
  assert.deepEqual([...block.subarray(0, 3)], [0x83, 0x86, 0x00]);
  const decoder = new HpackDecoder();
  // Decoding the same block twice gives the same list: nothing was added to a table.
  assert.deepEqual(decoder.decode(block), headers);
  assert.deepEqual(decoder.decode(block), headers);
  assert.deepEqual(decoder.decode(encodeHeaders([[":method", "GET"]])), [[":method", "GET"]]);
});

Deno.test("HpackDecoder: a list above maxListSize (RFC 7541 §4.1 sizes) is refused", () => {
  // Each field counts name + value + 32: two of 10 + 10 + 32 fit in 104, three do not.
  const field: [string, string] = ["aaaaaaaaaa", "bbbbbbbbbb"];
  const decoder = new HpackDecoder(4096, 104);
  assert.deepEqual(decoder.decode(encodeHeaders([field, field])), [field, field]);
  assert.throws(
    () => decoder.decode(encodeHeaders([field, field, field])),
    (e: unknown) => e instanceof HeaderListTooLarge && e.limit === 104,
  );
});
