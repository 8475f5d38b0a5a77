/**
 * A throwaway certificate authority for TLS tests, made with the `openssl` CLI in a temp dir
 * (Node has no certificate API): a CA, a server certificate for 127.0.0.1 and
 * `server.dc1.consul` (the name Consul issues its servers), and a client certificate.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPki {
  readonly dir: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** Paths of the same files, for the CLI's `--ca`, `--cert`, `--key`. */
  readonly paths: { ca: string; clientCert: string; clientKey: string };
  dispose(): void;
}

/** Whether `openssl` runs here (tests that need it are skipped otherwise). */
export function opensslAvailable(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "relay-pki-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ecKey = (name: string) =>
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name);

  ecKey("ca.key");
  openssl(
    ...["req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "1"],
    ...["-subj", "/CN=Test Consul Agent CA", "-out", "ca.pem"],
  );
  const issue = (name: string, cn: string, extensions: string) => {
    ecKey(`${name}.key`);
    openssl("req", "-new", "-key", `${name}.key`, "-subj", `/CN=${cn}`, "-out", `${name}.csr`);
    writeFileSync(file(`${name}.ext`), extensions);
    openssl(
      ...["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key"],
      ...["-CAcreateserial", "-days", "1", "-sha256", "-extfile", `${name}.ext`],
      ...["-out", `${name}.pem`],
    );
  };
  issue(
    "server",
    "server.dc1.consul",
    "subjectAltName=DNS:server.dc1.consul,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n",
  );
  issue("client", "relay.dc1.consul", "extendedKeyUsage=clientAuth\n");
  const read = (name: string) => readFileSync(file(name), "utf8");
  return {
    dir,
    ca: read("ca.pem"),
    serverCert: read("server.pem"),
    serverKey: read("server.key"),
    clientCert: read("client.pem"),
    clientKey: read("client.key"),
    paths: { ca: file("ca.pem"), clientCert: file("client.pem"), clientKey: file("client.key") },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
