/**
 * The --ssl-grpc-* and --ssl-https-* options (docs/perf_analyzer.md §1.2, group SSL) and the rules
 * that tie them to a protocol. As in perf_analyzer, gRPC uses TLS when --ssl-grpc-use-ssl is given
 * and HTTP when -u is an https:// URL (curl decides by the scheme). Flags that would have no
 * effect (HTTPS flags on a plain http URL, gRPC file flags without --ssl-grpc-use-ssl, either
 * family with the other protocol) are usage errors rather than silently ignored.
 */
import type { TlsOptions } from "../backend.ts";
import type { RunConfig } from "./config.ts";
import type { ParseState } from "./apply.ts";
import { UsageError } from "../errors.ts";
import { parseChoice } from "./values.ts";

type Handler = (config: RunConfig, state: ParseState, value: string) => void;

/** The raw --ssl-* values, exactly as given (undefined = not given). */
export interface SslFlags {
  grpcUseSsl: boolean;
  grpcRootCerts?: string;
  grpcPrivateKey?: string;
  grpcCertChain?: string;
  httpsVerifyPeer?: 0 | 1;
  httpsVerifyHost?: 0 | 1 | 2;
  httpsCaFile?: string;
  httpsCertFile?: string;
  httpsCertType?: "PEM" | "DER";
  httpsKeyFile?: string;
  httpsKeyType?: "PEM" | "DER";
}

/** perf_analyzer checks that the file exists while parsing; so do we, for every file flag. */
function existingFile(flag: string, path: string): string {
  let isFile = false;
  try {
    isFile = Deno.statSync(path).isFile;
  } catch { /* reported below */ }
  if (!isFile) throw new UsageError(`${flag} must be a valid file path (got '${path}').`);
  return path;
}

/** DER would need a converter Deno lacks; the message gives the one-line openssl fix. */
function pemType(flag: string, value: string, tool: "x509" | "pkey"): "PEM" {
  const type = parseChoice(flag, value, ["PEM", "DER"] as const);
  if (type === "DER") {
    throw new UsageError(
      `${flag} DER is not supported: Deno's TLS takes PEM only. Convert with ` +
        `\`openssl ${tool} -inform DER -in FILE.der -out FILE.pem\` and pass the PEM file.`,
    );
  }
  return type;
}

export const TLS_HANDLERS = {
  "ssl-grpc-use-ssl": (c) => {
    c.ssl.grpcUseSsl = true;
  },
  "ssl-grpc-root-certifications-file": (c, _s, v) => {
    c.ssl.grpcRootCerts = existingFile("--ssl-grpc-root-certifications-file", v);
  },
  "ssl-grpc-private-key-file": (c, _s, v) => {
    c.ssl.grpcPrivateKey = existingFile("--ssl-grpc-private-key-file", v);
  },
  "ssl-grpc-certificate-chain-file": (c, _s, v) => {
    c.ssl.grpcCertChain = existingFile("--ssl-grpc-certificate-chain-file", v);
  },
  "ssl-https-verify-peer": (c, _s, v) => {
    if (v !== "0" && v !== "1") {
      throw new UsageError(`--ssl-https-verify-peer must be 0 or 1 (got '${v}').`);
    }
    c.ssl.httpsVerifyPeer = v === "0" ? 0 : 1;
  },
  "ssl-https-verify-host": (c, _s, v) => {
    if (v !== "0" && v !== "1" && v !== "2") {
      throw new UsageError(`--ssl-https-verify-host must be 0, 1, or 2 (got '${v}').`);
    }
    c.ssl.httpsVerifyHost = Number(v) as 0 | 1 | 2;
  },
  "ssl-https-ca-certificates-file": (c, _s, v) => {
    c.ssl.httpsCaFile = existingFile("--ssl-https-ca-certificates-file", v);
  },
  "ssl-https-client-certificate-file": (c, _s, v) => {
    c.ssl.httpsCertFile = existingFile("--ssl-https-client-certificate-file", v);
  },
  "ssl-https-client-certificate-type": (c, _s, v) => {
    c.ssl.httpsCertType = pemType("--ssl-https-client-certificate-type", v, "x509");
  },
  "ssl-https-private-key-file": (c, _s, v) => {
    c.ssl.httpsKeyFile = existingFile("--ssl-https-private-key-file", v);
  },
  "ssl-https-private-key-type": (c, _s, v) => {
    c.ssl.httpsKeyType = pemType("--ssl-https-private-key-type", v, "pkey");
  },
} satisfies Record<string, Handler>;

function given(ssl: SslFlags, prefix: "grpc" | "https"): boolean {
  return Object.entries(ssl).some(([k, v]) =>
    k.startsWith(prefix) && v !== undefined && v !== false
  );
}

/** Both halves of a client certificate, or neither. */
function pair(
  cert: string | undefined,
  key: string | undefined,
  certFlag: string,
  keyFlag: string,
) {
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? certFlag : keyFlag;
    throw new UsageError(
      `A TLS client certificate needs both ${certFlag} and ${keyFlag}; ${missing} is missing.`,
    );
  }
}

/** Cross-option rules; sets config.tls for the backend. Runs after -i and -u are known. */
export function finishTls(config: RunConfig): void {
  const ssl = config.ssl;
  const grpc = config.protocol === "grpc";
  const https = /^https:\/\//i.test(config.url.trim());
  if (given(ssl, "grpc") && !grpc) {
    throw new UsageError("The --ssl-grpc-* options are only allowed with gRPC protocol (-i grpc).");
  }
  if (given(ssl, "https") && grpc) {
    throw new UsageError(
      "The --ssl-https-* options are only allowed with HTTP protocol; for gRPC use --ssl-grpc-*.",
    );
  }
  if (grpc) {
    if (https) {
      throw new UsageError(
        `gRPC takes -u host:port, not '${config.url}'; add --ssl-grpc-use-ssl for TLS.`,
      );
    }
    const files = ssl.grpcRootCerts ?? ssl.grpcPrivateKey ?? ssl.grpcCertChain;
    if (files !== undefined && !ssl.grpcUseSsl) {
      throw new UsageError("The --ssl-grpc-*-file options require --ssl-grpc-use-ssl.");
    }
    pair(
      ssl.grpcCertChain,
      ssl.grpcPrivateKey,
      "--ssl-grpc-certificate-chain-file",
      "--ssl-grpc-private-key-file",
    );
    config.tls = ssl.grpcUseSsl ? grpcOptions(ssl) : undefined;
    return;
  }
  if (given(ssl, "https") && !https) {
    throw new UsageError(
      `The --ssl-https-* options need an https:// URL (got -u ${config.url}); ` +
        "use -u https://host:port.",
    );
  }
  pair(
    ssl.httpsCertFile,
    ssl.httpsKeyFile,
    "--ssl-https-client-certificate-file",
    "--ssl-https-private-key-file",
  );
  config.tls = given(ssl, "https") ? httpsOptions(ssl) : undefined;
}

function grpcOptions(ssl: SslFlags): TlsOptions {
  return {
    caFile: ssl.grpcRootCerts,
    certFile: ssl.grpcCertChain,
    keyFile: ssl.grpcPrivateKey,
    verifyPeer: true,
    verifyHost: true,
  };
}

/** curl: VERIFYHOST 1 has meant the same as 2 since 7.28.1; only 0 turns the check off. */
function httpsOptions(ssl: SslFlags): TlsOptions {
  return {
    caFile: ssl.httpsCaFile,
    certFile: ssl.httpsCertFile,
    keyFile: ssl.httpsKeyFile,
    verifyPeer: ssl.httpsVerifyPeer !== 0,
    verifyHost: ssl.httpsVerifyHost !== 0,
  };
}
