import assert from "node:assert/strict";
import {
  countSockets,
  overloadLines,
  type OverloadRow,
  overloadTargets,
  tcpInodesToPort,
} from "./bench_overload.ts";

const row: OverloadRow = {
  capacity: 400,
  capacityRuns: [390, 410],
  offered: 800,
  achieved: 392,
  ratio: 0.98,
  latenessP99Us: 15_000_000,
  latenessMaxUs: 15_500_000,
  latePct: 99.5,
  dropped: 0,
  loadConnections: 127,
  maxServerConnections: 128,
  maxSockets: 134,
  peakRssMb: 99.4,
  command: "deno run ...",
};

Deno.test("the overload row states capacity, rates, drops, connections to the server and sockets", () => {
  const lines = overloadLines(row, overloadTargets(row));
  assert.match(
    lines[0],
    /capacity alone \(concurrency 4, before and after\) 390\.0 and 410\.0 infer\/s/,
  );
  assert.equal(
    lines[1],
    "  offered 800/s -> achieved 392.0 infer/s (98.0 % of capacity), lateness p99 15000.0 ms " +
      "max 15500.0 ms, 99.5 % late, 0 dropped, peak RSS 99 MB",
  );
  assert.equal(
    lines[2],
    "  connections to the server: 128 at most, 1 of them control (the report's Load line: 127 " +
      "for requests); 134 sockets in all",
  );
  assert.deepEqual(lines.slice(4), [
    "  PASS  overload at 2× capacity: achieved infer/s off the capacity measured alone: 2 % " +
    "(<= 5 %)",
    "  PASS  overload at 2× capacity: client peak RSS: 99.4 MB (< 200 MB)",
    "  PASS  overload at 2× capacity: TCP connections to the server open at once (load and " +
    "control): 128 connections (<= 128)",
  ]);
});

Deno.test("the overload targets fail above the capacity as below it, at 200 MB and at 129 connections", () => {
  const [achieved, rss, connections] = overloadTargets({
    ...row,
    ratio: 1.06,
    peakRssMb: 200,
    maxServerConnections: 129,
  });
  assert.equal(achieved.pass, false);
  assert.equal(rss.pass, false);
  assert.equal(connections.pass, false);
});

Deno.test("tcpInodesToPort picks the rows whose remote port is the server's, IPv4 and IPv6", () => {
  const tcp = [
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    "   0: 0100007F:A4C3 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1",
    "   1: 0100007F:D2F0 0100007F:A4C3 01 00000000:00000000 00:00000000 00000000     0        0 1002 1",
    "   2: 0100007F:A4C3 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 1003 1",
    "",
  ].join("\n");
  const tcp6 = [
    "  sl  local_address                         remote_address                        st",
    "   0: 00000000000000000000000001000000:D2F1 00000000000000000000000001000000:A4C3 01 " +
    "00000000:00000000 00:00000000 00000000     0        0 2002 1",
  ].join("\n");
  // 0xA4C3 = 42179: the listener (1001) and the server's end of a connection (1003) are not it.
  assert.deepEqual([...tcpInodesToPort(tcp, 42179)], ["1002"]);
  assert.deepEqual([...tcpInodesToPort(tcp6, 42179)], ["2002"]);
  assert.deepEqual([...tcpInodesToPort(tcp, 8000)], []);
});

Deno.test("countSockets counts this process's connections to a port apart from its other sockets", async () => {
  const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const other = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const clients: Deno.Conn[] = [];
  try {
    const before = countSockets(Deno.pid, server.addr.port);
    assert.equal(before.toServer, 0);
    for (let i = 0; i < 3; i++) {
      clients.push(await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port }));
      accepted.push(await server.accept());
    }
    clients.push(await Deno.connect({ hostname: "127.0.0.1", port: other.addr.port }));
    accepted.push(await other.accept());
    const now = countSockets(Deno.pid, server.addr.port);
    // Three connections to the port; their accepted ends and the other pair are sockets only.
    assert.equal(now.toServer, 3);
    assert.equal(now.sockets - before.sockets, 8);
  } finally {
    for (const c of [...clients, ...accepted]) c.close();
    server.close();
    other.close();
  }
});
