/** A loopback peer for timeout tests: it accepts connections, reads everything, never answers. */
export function silentPeer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        const buf = new Uint8Array(4096);
        try {
          while (await conn.read(buf) !== null) { /* hold the call */ }
        } catch { /* closed below */ }
      })();
    }
  })().catch(() => {});
  return {
    port: listener.addr.port,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* the client closed it first */ }
      }
      await accepting;
    },
  };
}
