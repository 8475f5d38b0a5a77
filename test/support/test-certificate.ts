/**
 * A self-signed TLS certificate made at test time with node:crypto alone (no openssl, no
 * dependency): an EC P-256 key and a minimal X.509 v3 certificate for 127.0.0.1 and
 * localhost, DER-encoded by hand. For `serve({ tls })` in tests: Chromium accepts it because
 * the test browser ignores certificate errors; Node clients pass it as their `ca`.
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";

/** One DER element: tag, length (short or long form), content. */
function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  const length =
    n < 0x80
      ? Buffer.from([n])
      : n < 0x100
        ? Buffer.from([0x81, n])
        : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

const sequence = (...content: Buffer[]) => der(0x30, ...content);

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return der(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, "").slice(2, 14).concat("Z");
  return der(0x17, Buffer.from(text, "ascii"));
}

const name = (commonName: string) =>
  sequence(der(0x31, sequence(oid("2.5.4.3"), der(0x0c, Buffer.from(commonName, "utf8")))));

const ECDSA_WITH_SHA256 = sequence(oid("1.2.840.10045.4.3.2"));

export interface TestCertificate {
  /** PEM private key (PKCS#8). */
  readonly key: string;
  /** PEM certificate, valid for a day, for IP 127.0.0.1 and DNS localhost. */
  readonly cert: string;
}

/** Creates a fresh self-signed certificate for 127.0.0.1 and localhost. */
export function createTestCertificate(commonName = "react-submatview test"): TestCertificate {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const now = Date.now();
  // A positive serial in minimal DER: top bit clear (positive) and the next one set, so the
  // first byte is never 0x00 — a leading zero byte before one < 0x80 is padding that OpenSSL
  // rejects (ERR_OSSL_ASN1_ILLEGAL_PADDING), which made about 1 run in 256 fail to start.
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  const subjectAltName = sequence(
    der(0x87, Buffer.from([127, 0, 0, 1])), // iPAddress
    der(0x82, Buffer.from("localhost", "ascii")), // dNSName
  );
  const extensions = der(
    0xa3,
    sequence(
      sequence(oid("2.5.29.17"), der(0x04, subjectAltName)),
      // basicConstraints: CA (so Node clients may trust it as its own issuer).
      sequence(oid("2.5.29.19"), der(0x04, sequence(der(0x01, Buffer.from([0xff]))))),
    ),
  );
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))), // version 3
    der(0x02, serial),
    ECDSA_WITH_SHA256,
    name(commonName),
    sequence(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 24 * 3_600_000))),
    name(commonName),
    spki,
    extensions,
  );
  const signature = sign("sha256", tbs, privateKey);
  const certificate = sequence(tbs, ECDSA_WITH_SHA256, der(0x03, Buffer.from([0]), signature));
  const base64 = certificate.toString("base64").replace(/.{64}/g, "$&\n");
  return {
    key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    cert: `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`,
  };
}
