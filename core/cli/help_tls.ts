/** --help entries of the --ssl-* options (core/cli/tls.ts), with Deno's TLS limits spelled out. */
import type { HelpEntry } from "./help_table.ts";

export const TLS_HELP: readonly HelpEntry[] = [
  {
    id: "ssl-grpc-use-ssl",
    flags: "--ssl-grpc-use-ssl",
    def: "off",
    text: "gRPC over TLS (ALPN h2), server certificate verified against Deno's roots plus " +
      "--ssl-grpc-root-certifications-file; the name checked is the -u host as written.",
  },
  {
    id: "ssl-grpc-root-certifications-file",
    flags: "--ssl-grpc-root-certifications-file <pem>",
    def: "",
    text: "gRPC: PEM CA certificates trusted for the server (needs --ssl-grpc-use-ssl).",
  },
  {
    id: "ssl-grpc-private-key-file",
    flags: "--ssl-grpc-private-key-file <pem>",
    def: "",
    text: "gRPC: PEM private key of the client certificate (mutual TLS).",
  },
  {
    id: "ssl-grpc-certificate-chain-file",
    flags: "--ssl-grpc-certificate-chain-file <pem>",
    def: "",
    text: "gRPC: PEM client certificate chain (mutual TLS; with the private key file).",
  },
  {
    id: "ssl-https-verify-peer",
    flags: "--ssl-https-verify-peer <0|1>",
    def: "1",
    text: "HTTPS: 0 = do not verify the server's certificate chain. Deno can only skip that " +
      "process-wide: run `deno run --unsafely-ignore-certificate-errors=HOST ...`; without it " +
      "an untrusted server still fails, with that hint.",
  },
  {
    id: "ssl-https-verify-host",
    flags: "--ssl-https-verify-host <0|1|2>",
    def: "2",
    text: "HTTPS: 0 = do not check the certificate's name against the -u host (1 = 2, as in " +
      "curl).",
  },
  {
    id: "ssl-https-ca-certificates-file",
    flags: "--ssl-https-ca-certificates-file <pem>",
    def: "",
    text: "HTTPS: PEM CA bundle trusted for the server, added to Deno's roots.",
  },
  {
    id: "ssl-https-client-certificate-file",
    flags: "--ssl-https-client-certificate-file <pem>",
    def: "",
    text: "HTTPS: PEM client certificate (mutual TLS; with --ssl-https-private-key-file).",
  },
  {
    id: "ssl-https-client-certificate-type",
    flags: "--ssl-https-client-certificate-type <PEM>",
    def: "PEM",
    text: "HTTPS: PEM only; DER is refused with the openssl command that converts it.",
  },
  {
    id: "ssl-https-private-key-file",
    flags: "--ssl-https-private-key-file <pem>",
    def: "",
    text: "HTTPS: PEM private key of the client certificate.",
  },
  {
    id: "ssl-https-private-key-type",
    flags: "--ssl-https-private-key-type <PEM>",
    def: "PEM",
    text: "HTTPS: PEM only; DER is refused with the openssl command that converts it.",
  },
];
