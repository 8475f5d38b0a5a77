// Review of the health catalog (SPEC S3, S5, P1): a registration whose message cannot be
// encoded on the wire must be refused by its transaction. Accepted, it enters the catalog's
// state, ends every live stream of its subjects and fails every later snapshot of them.
import { Code, ConnectError } from "@connectrpc/connect";
import type { InstanceSpec } from "react-submatview/server";
import { describe, expect, test } from "vitest";
import {
  countSubscriptions,
  healthRequest,
  type StreamReader,
  describe as show,
} from "../support/server.js";
import { serverStreams } from "../support/server-streams.js";

const streams = serverStreams();

function open(service = "web"): StreamReader {
  return streams.open(healthRequest(service));
}

/** The next event's description, or the error that ended the stream (never hangs on a bug). */
const nextOutcome = (reader: StreamReader) =>
  reader.next().then(show, (error: unknown) => {
    const e = ConnectError.from(error);
    return `${Code[e.code]}: ${e.rawMessage}`;
  });

const web = (n: number, extra: Partial<InstanceSpec> = {}): InstanceSpec => ({
  node: `node-${n}`,
  service: "web",
  id: `web-${n}`,
  ...extra,
});

describe("review: an unencodable registration is refused (SPEC S3, S5, P1)", () => {
  test.each([
    ["a fractional port", 8080.5],
    ["a port beyond int32", 2 ** 31],
    ["NaN", Number.NaN],
  ])(
    "SPEC S3: %s throws, changes nothing and leaves streams and snapshots working",
    async (_name, port) => {
      // No snapshot cache: the fresh snapshot below is built from the catalog's state.
      const server = await streams.start({ snapshotCacheTtlMs: 0 });
      const { catalog } = server;
      catalog.register(web(1));
      const opened = countSubscriptions(server.publisher);
      const live = open();
      await live.snapshot();
      await opened(1);
      const before = catalog.index;

      expect(() => catalog.register(web(2, { port }))).toThrow(/port/);
      expect(catalog.index).toBe(before);
      expect(catalog.instances("web").map((n) => n.Service?.ID)).toEqual(["web-1"]);

      // The live stream goes on: the next event is the next valid transaction.
      const index = catalog.register(web(3, { port: 8080 }));
      expect(await nextOutcome(live)).toBe(`${index}:reg:web-3`);
      // A fresh snapshot still encodes.
      const fresh = open();
      expect((await fresh.snapshot()).map(show)).toEqual([
        `${index}:reg:web-1`,
        `${index}:reg:web-3`,
        `${index}:EndOfSnapshot`,
      ]);
    },
    10_000,
  );
});
