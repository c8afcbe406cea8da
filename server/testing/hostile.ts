/** What the hostile-client tests of both front ends share: a compression bomb and a memory gauge. */

/** `mib` MiB of zeros, gzip-compressed as a stream (about 1 KB per MiB; never whole in memory). */
export async function gzipBomb(mib: number): Promise<Uint8Array<ArrayBuffer>> {
  const zeros = new Uint8Array(1 << 20);
  let left = mib;
  const source = new ReadableStream<BufferSource>({
    pull(controller) {
      if (left-- > 0) controller.enqueue(zeros);
      else controller.close();
    },
  });
  const body = source.pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/** Resident memory of this process in MiB. */
export function rssMib(): number {
  return Deno.memoryUsage().rss / (1 << 20);
}
