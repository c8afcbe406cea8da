/**
 * Test certificates made with `openssl` at test time in a temp dir: a CA, a server certificate
 * for 127.0.0.1/localhost (SAN), one for a different name, a second unrelated CA, and a client
 * certificate for mutual TLS. Nothing is checked in, so nothing expires in the repository.
 * P-256 keys: an order of magnitude faster to generate than RSA, and rustls takes them.
 */

export interface TestCerts {
  dir: string;
  ca: string;
  otherCa: string;
  serverCert: string;
  serverKey: string;
  /** Signed by `ca` for DNS:other.example only: a name mismatch for 127.0.0.1. */
  wrongNameCert: string;
  wrongNameKey: string;
  clientCert: string;
  clientKey: string;
  remove(): void;
}

/** True when the openssl binary can be run (tests skip with a message otherwise). */
export function haveOpenssl(): boolean {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

function openssl(dir: string, args: string[]): void {
  const out = new Deno.Command("openssl", { args, cwd: dir, stdout: "piped", stderr: "piped" })
    .outputSync();
  if (!out.success) {
    throw new Error(`openssl ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

function ca(dir: string, name: string, cn: string): void {
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=${cn}`,
  ]);
}

/** A leaf certificate signed by ca.pem with the given extensions. */
function leaf(dir: string, name: string, cn: string, ext: string): void {
  openssl(dir, [
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${cn}`,
  ]);
  Deno.writeTextFileSync(`${dir}/${name}.ext`, `basicConstraints=CA:FALSE\n${ext}\n`);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-set_serial",
    String(Math.floor(Math.random() * 1e9)),
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
}

export function makeTestCerts(): TestCerts {
  const dir = Deno.makeTempDirSync({ prefix: "pa_tls_" });
  try {
    ca(dir, "ca", "Test CA");
    ca(dir, "other_ca", "Unrelated CA");
    leaf(
      dir,
      "server",
      "localhost",
      "subjectAltName=DNS:localhost,IP:127.0.0.1\n" +
        "extendedKeyUsage=serverAuth",
    );
    leaf(
      dir,
      "wrong_name",
      "other.example",
      "subjectAltName=DNS:other.example\n" +
        "extendedKeyUsage=serverAuth",
    );
    leaf(dir, "client", "perf client", "extendedKeyUsage=clientAuth");
  } catch (e) {
    Deno.removeSync(dir, { recursive: true });
    throw e;
  }
  const p = (f: string) => `${dir}/${f}`;
  return {
    dir,
    ca: p("ca.pem"),
    otherCa: p("other_ca.pem"),
    serverCert: p("server.pem"),
    serverKey: p("server.key"),
    wrongNameCert: p("wrong_name.pem"),
    wrongNameKey: p("wrong_name.key"),
    clientCert: p("client.pem"),
    clientKey: p("client.key"),
    remove: () => Deno.removeSync(dir, { recursive: true }),
  };
}
