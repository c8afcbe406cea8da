import assert from "node:assert/strict";
import { systemClock } from "../../core/clock.ts";
import { type HttpReplies, serverErrorText } from "./http_channel.ts";
import { HttpLinks } from "./http_links.ts";
import { sent } from "./testing/send.ts";

class Prepared {
  constructor(readonly bytes: Uint8Array) {}
}

const REPLIES: HttpReplies<Prepared> = {
  backend: "test",
  prepared: Prepared,
  ok: (status) => status === 200,
  errorText: serverErrorText,
};

// No server is needed: a closed channel fails its sends before connecting.
const TARGET = { hostname: "127.0.0.1", port: 1, hostHeader: "127.0.0.1:1" };
const REQUEST = new Prepared(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));

Deno.test("HttpLinks: closeChannels() closes the open channels, close() the later ones", async () => {
  const links = new HttpLinks(TARGET, { headers: [] }, systemClock);
  const chs = [links.channel(REPLIES), links.channel(REPLIES)];
  links.closeChannels();
  for (const ch of chs) {
    const rec = await sent(ch, REQUEST);
    assert.equal(rec.outcome, "cancelled");
    assert.equal(rec.error, "channel closed");
  }
  // A channel opened after is not closed; it reaches for the (absent) server.
  const later = links.channel(REPLIES);
  assert.equal((await sent(later, REQUEST)).outcome, "transport_error");
  links.close();
  assert.equal((await sent(later, REQUEST)).outcome, "cancelled");
});
