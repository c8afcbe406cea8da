/**
 * HTTP/1.1 request heads every HTTP service kind builds the same way: our headers merged with
 * the user's -H headers, and the control-plane GET/POST requests.
 */
import { RunError } from "../../core/errors.ts";

const utf8 = new TextEncoder();

/** Headers we compute; a -H with one of these names would corrupt the framing. */
const FRAMING = new Set(["content-length", "inference-header-content-length", "transfer-encoding"]);

/**
 * A control-plane request with the same Host and -H headers: a GET (metadata, config, stats)
 * or, with a JSON body, a POST (shared-memory registration).
 */
export function encodeControlRequest(
  path: string,
  hostHeader: string,
  headers: [string, string][],
  postBody?: string,
): Uint8Array {
  const ours: [string, string][] = [["Host", hostHeader], ["Accept", "application/json"]];
  const body = postBody === undefined ? new Uint8Array(0) : utf8.encode(postBody);
  if (postBody !== undefined) {
    ours.push(["Content-Type", "application/json"], ["Content-Length", String(body.length)]);
  }
  ours.push(["Connection", "keep-alive"]);
  const method = postBody === undefined ? "GET" : "POST";
  const head = utf8.encode(
    `${method} ${path} HTTP/1.1\r\n${headerBlock({ headers }, ours)}\r\n`,
  );
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

/**
 * Our headers then the user's. A user header replaces ours of the same name (e.g. Host for a
 * proxy), except the framing headers, which are always ours.
 */
export function headerBlock(
  enc: { readonly headers: [string, string][] },
  ours: [string, string][],
): string {
  const user = new Map<string, [string, string]>();
  for (const [name, value] of enc.headers) {
    if (/[\r\n:]/.test(name) || name.trim() === "" || /[\r\n]/.test(value)) {
      throw new RunError(`invalid HTTP header '${name}: ${value}'`);
    }
    const key = name.trim().toLowerCase();
    if (!FRAMING.has(key)) user.set(key, [name.trim(), value.trim()]);
  }
  let text = "";
  for (const [name, value] of ours) {
    if (!user.has(name.toLowerCase())) text += `${name}: ${value}\r\n`;
  }
  for (const [name, value] of user.values()) text += `${name}: ${value}\r\n`;
  return text;
}
