/**
 * The tests' own certificate (test/support/test-certificate.ts) must always parse: one whose
 * random serial started with a 0x00 byte was non-minimal DER, which OpenSSL rejects, and then
 * the browser projects' TLS server failed to start in about 1 run of 256.
 */
import { X509Certificate } from "node:crypto";
import { describe, expect, test } from "vitest";
import { createTestCertificate } from "../support/test-certificate.js";

describe("createTestCertificate", () => {
  test("1,000 fresh certificates all parse, with a positive serial and 127.0.0.1 in their names", () => {
    const failures: string[] = [];
    let last: X509Certificate | undefined;
    for (let i = 0; i < 1000; i++) {
      try {
        last = new X509Certificate(createTestCertificate().cert);
      } catch (error) {
        failures.push(String(error));
      }
    }
    expect(failures).toEqual([]);
    expect(last?.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(last?.serialNumber).toMatch(/^[4-7]/);
  });
});
