/**
 * The PEM files named by the --ssl-* flags, read once per backend (never per connection) into
 * the material wire/net/tls_connect.ts connects with; an unusable file is the run's error.
 */
import type { TlsOptions } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import type { TlsMaterial } from "../../wire/net/tls_connect.ts";

/** Verification on, Deno's roots, no client certificate: an https:// URL without flags. */
export const DEFAULT_TLS: TlsOptions = { verifyPeer: true, verifyHost: true };

function readPem(path: string, what: string, readText: (p: string) => string): string {
  let text: string;
  try {
    text = readText(path);
  } catch (e) {
    throw new RunError(`cannot read ${what} '${path}': ${(e as Error).message}`);
  }
  if (!text.includes("-----BEGIN ")) {
    throw new RunError(
      `${what} '${path}' is not PEM (no '-----BEGIN' line); convert a DER file with ` +
        "`openssl x509 -inform DER` (certificates) or `openssl pkey -inform DER` (keys)",
    );
  }
  return text;
}

/** Reads the files of `tls` once; RunError naming the file when one is unusable. */
export function loadTls(
  tls: TlsOptions,
  serverName: string,
  url: string,
  readText: (p: string) => string = Deno.readTextFileSync,
): TlsMaterial {
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new RunError(
      "a TLS client certificate needs both its certificate file and its private key file",
    );
  }
  return {
    caCerts: tls.caFile === undefined ? [] : [readPem(tls.caFile, "CA certificate file", readText)],
    cert: tls.certFile === undefined
      ? undefined
      : readPem(tls.certFile, "client certificate file", readText),
    key: tls.keyFile === undefined ? undefined : readPem(tls.keyFile, "private key file", readText),
    verifyPeer: tls.verifyPeer,
    verifyHost: tls.verifyHost,
    serverName,
    url,
  };
}
