/**
 * Looking for a token where it must never be (SPEC R1): the forms it could take (raw, URL,
 * hex, base64 at every byte alignment, so it is found inside a larger encoded blob too) and
 * a deep text dump of anything observable (errors with their causes, metadata and stack,
 * Headers, Maps, byte arrays, bigint), to search them in.
 */

const encoder = new TextEncoder();

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

/**
 * The substrings that any base64 encoding of a blob containing `bytes` must contain, at each
 * of the three byte alignments (the characters touched by neighbouring bytes are cut off).
 */
function base64Cores(bytes: Uint8Array): string[] {
  const cores: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const padded = new Uint8Array(pad + bytes.length);
    padded.set(bytes, pad);
    const encoded = base64(padded).replace(/=+$/, "");
    // Leading characters mix in the pad bytes; trailing ones may mix in whatever follows.
    const start = Math.ceil((pad * 8) / 6);
    const end = Math.floor(((pad + bytes.length) * 8) / 6);
    cores.push(encoded.slice(start, end));
  }
  return cores;
}

/** Every form of `token` to search for, labelled. */
export function tokenForms(token: string): Array<{ form: string; text: string }> {
  const bytes = encoder.encode(token);
  const hex = Buffer.from(bytes).toString("hex");
  const forms = [
    { form: "raw", text: token },
    { form: "uri", text: encodeURIComponent(token) },
    { form: "hex", text: hex },
    { form: "HEX", text: hex.toUpperCase() },
  ];
  for (const [i, core] of base64Cores(bytes).entries()) {
    forms.push({ form: `base64@${i}`, text: core });
    forms.push({ form: `base64url@${i}`, text: core.replace(/\+/g, "-").replace(/\//g, "_") });
  }
  return forms;
}

/** A deep, readable text of `value`: every string, number, key and nested part of it. */
export function dump(value: unknown, seen = new WeakSet<object>()): string {
  if (value === null || value === undefined) return String(value);
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "bigint":
    case "symbol":
      return String(value);
    case "function":
      return `[function ${value.name}]`;
  }
  const object = value as object;
  if (seen.has(object)) return "[seen]";
  seen.add(object);
  const parts: string[] = [];
  if (object instanceof Uint8Array) {
    const buffer = Buffer.from(object);
    return [buffer.toString("latin1"), buffer.toString("hex"), buffer.toString("base64")].join(" ");
  }
  if (object instanceof Error) {
    parts.push(object.name, object.message, String(object), object.stack ?? "");
    parts.push(dump((object as { cause?: unknown }).cause, seen));
  }
  if (typeof Headers !== "undefined" && object instanceof Headers) {
    for (const [k, v] of object) parts.push(`${k}: ${v}`);
    return parts.join("\n");
  }
  if (object instanceof Map) {
    for (const [k, v] of object) parts.push(dump(k, seen), dump(v, seen));
    return parts.join("\n");
  }
  if (object instanceof Set || Array.isArray(object)) {
    for (const v of object) parts.push(dump(v, seen));
    return parts.join("\n");
  }
  for (const key of Object.getOwnPropertyNames(object)) {
    let v: unknown;
    try {
      v = (object as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    parts.push(key, dump(v, seen));
  }
  return parts.join("\n");
}

/** Where (place and form) `token` appears among `places`; empty when nowhere. */
export function findToken(places: ReadonlyMap<string, string>, token: string): string[] {
  const forms = tokenForms(token);
  const found: string[] = [];
  for (const [place, text] of places) {
    for (const { form, text: needle } of forms) {
      if (text.includes(needle)) found.push(`${place} (${form})`);
    }
  }
  return found;
}
