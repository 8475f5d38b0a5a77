// The token's stand-in in keys, stats, query keys and logs (SPEC R1): the first 128 bits of the
// token's SHA-256. The package carries its own synchronous SHA-256 (keys are built during
// render, WebCrypto's digest is async), so it is checked here against Node's.
import { createHash } from "node:crypto";
import { tokenHash } from "react-submatview/core";
import { describe, expect, test } from "vitest";
import { sha256Hex } from "../../src/core/token-hash.js";

const reference = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

describe("tokenHash (SPEC R1)", () => {
  test("FIPS 180-4 test vectors", () => {
    const utf8 = (s: string) => new TextEncoder().encode(s);
    expect(sha256Hex(utf8(""))).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(sha256Hex(utf8("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(sha256Hex(utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  test("equals Node's SHA-256 for every length across block boundaries (0–300 bytes)", () => {
    let seed = 7;
    for (let length = 0; length <= 300; length++) {
      const data = new Uint8Array(length);
      for (let i = 0; i < length; i++) {
        seed = (seed * 1_103_515_245 + 12_345) >>> 0;
        data[i] = seed >>> 24;
      }
      expect(sha256Hex(data), `length ${length}`).toBe(reference(data));
    }
  });

  test("a token hashes to 32 hex characters of its UTF-8 SHA-256; no token reads 'anonymous'", () => {
    for (const token of ["s3cr3t", "b6a7c1f2-8a3e-4c1d-9e0f-123456789abc", "jeton-été-🔑"]) {
      const hash = tokenHash(token);
      expect(hash).toBe(reference(new TextEncoder().encode(token)).slice(0, 32));
      expect(hash).not.toContain(token);
    }
    expect(tokenHash("")).toBe("anonymous");
  });
});
