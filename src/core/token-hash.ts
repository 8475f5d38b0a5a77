/**
 * A token's stand-in in keys, stats, query keys and logs (SPEC R1): the first 128 bits of its
 * SHA-256, hex. Synchronous (WebCrypto's digest is async and keys are built during render);
 * the empty token hashes to "anonymous". Every app ships this (request keys need it), so it is
 * written small: the constants are computed, not tabled (issue 10).
 */
export function tokenHash(token: string): string {
  // Hashed once per built request; request builders cache requests, not hashes.
  return token === "" ? "anonymous" : sha256Hex(new TextEncoder().encode(token)).slice(0, 32);
}

/** Round constants and initial hash values, built on first use. */
let constants: { readonly k: Int32Array; readonly h: Int32Array } | undefined;

/**
 * FIPS 180-4 §4.2.2 and §5.3.3: the first 32 bits of the fractional parts of the cube roots of
 * the first 64 primes (K) and of the square roots of the first 8 (H⁰). Doubles carry the ~50
 * fraction bits these roots (< 7) need; tests check the hash against Node's.
 */
function sha256Constants(): { readonly k: Int32Array; readonly h: Int32Array } {
  const k = new Int32Array(64);
  const h = new Int32Array(8);
  const fraction = (x: number) => (x - Math.floor(x)) * 2 ** 32;
  for (let n = 2, found = 0; found < 64; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) if (n % d === 0) prime = false;
    if (!prime) continue;
    if (found < 8) h[found] = fraction(Math.sqrt(n));
    k[found++] = fraction(Math.cbrt(n));
  }
  return { k, h };
}

/** SHA-256 (FIPS 180-4) of `data`, as lower-case hex. */
export function sha256Hex(data: Uint8Array): string {
  constants ??= sha256Constants();
  const { k } = constants;
  const hash = Array.from(constants.h);
  const length = data.length;
  // Big-endian words: the data, a 1 bit, zeros, and the bit length in the last 64 bits.
  const words = new Int32Array(((length + 72) >> 6) << 4);
  for (let i = 0; i < length; i++) words[i >> 2]! |= data[i]! << (24 - (i & 3) * 8);
  words[length >> 2]! |= 0x80 << (24 - (length & 3) * 8);
  words[words.length - 2] = length / 2 ** 29;
  words[words.length - 1] = length << 3;
  const w = new Int32Array(64);
  for (let block = 0; block < words.length; block += 16) {
    // The working variables a…h, shifted one place per round (h drops off the end).
    const s = hash.slice();
    for (let i = 0; i < 64; i++) {
      if (i < 16) w[i] = words[block + i]!;
      else {
        const x = w[i - 15]!;
        const y = w[i - 2]!;
        w[i] =
          w[i - 16]! +
          (ror(x, 7) ^ ror(x, 18) ^ (x >>> 3)) +
          w[i - 7]! +
          (ror(y, 17) ^ ror(y, 19) ^ (y >>> 10));
      }
      const a = s[0]!;
      const e = s[4]!;
      const choice = (e & s[5]!) ^ (~e & s[6]!);
      const t1 = s[7]! + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + choice + k[i]! + w[i]!;
      const t2 =
        (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & s[1]!) ^ (a & s[2]!) ^ (s[1]! & s[2]!));
      s.pop();
      s.unshift((t1 + t2) | 0);
      s[4] = (s[4]! + t1) | 0;
    }
    for (let i = 0; i < 8; i++) hash[i] = (hash[i]! + s[i]!) | 0;
  }
  return hash.map((x) => (x >>> 0).toString(16).padStart(8, "0")).join("");
}

function ror(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}
