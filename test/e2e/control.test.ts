// The demo's control endpoint without a browser (issue 9 item 1): each fault does to a real
// Subscribe stream what its button promises, over HTTP against `npm start`'s process.
// Aborted resets (SPEC S7, P5), NewSnapshotToFollow on the next resume (S6), and a restore to a
// lower index whose snapshot reports it (P5, M8).

import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { classifyFailure } from "react-submatview/core";
import { StateChangeSubscription } from "react-submatview/gen";
import { afterAll, expect, test } from "vitest";
import { healthRequest, StreamReader } from "../support/server.js";
import { type DemoProcess, serverState, startDemo } from "./demo-process.js";

let demo: DemoProcess | undefined;
afterAll(async () => {
  await demo?.stop();
});

const post = async (url: string, action: string) => {
  const response = await fetch(`${url}/control/${action}`, { method: "POST" });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

/** The stream's end: the error it failed with. */
const failure = (reader: StreamReader): Promise<ConnectError> =>
  reader.next().then(
    (event) => {
      throw new Error(`expected the stream to end, got an event at ${event.Index}`);
    },
    (reason: unknown) => ConnectError.from(reason),
  );

test("POST /control/<fault> does what the button says to a real stream; GET /control/state is the catalog", async () => {
  demo = await startDemo(["--rate", "0"]); // no churn: every index below is exact
  const { url } = demo;
  const client = createClient(
    StateChangeSubscription,
    createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: true }),
  );

  const state = await serverState(url);
  expect(state).toMatchObject({ index: "20", churning: false });
  expect(state.services).toHaveLength(20);
  expect(state.health["service-00"]).toHaveLength(5);

  // reset: every stream ends with Aborted; a new one gets a full snapshot at the same index.
  let reader = new StreamReader(client, healthRequest("service-00"));
  expect((await reader.snapshot()).at(-1)?.Index).toBe(20n);
  expect((await post(url, "reset")).body).toMatchObject({ action: "reset", index: "20" });
  const aborted = await failure(reader);
  expect(aborted.code).toBe(Code.Aborted);
  expect(classifyFailure(aborted)).toBe("reset"); // a status the server sent

  // new-snapshot: the connection is cut and resuming at 20 is refused: NewSnapshotToFollow.
  reader = new StreamReader(client, healthRequest("service-00"));
  const snapshot = await reader.snapshot();
  expect((await post(url, "new-snapshot")).status).toBe(200);
  // A cut connection (connect-node reads ECONNRESET as Aborted, with a cause): a retry.
  expect(classifyFailure(await failure(reader))).toBe("retry");
  reader = new StreamReader(client, healthRequest("service-00", { Index: 20n }));
  const resumed = await reader.snapshot();
  expect(resumed[0]?.Payload.case).toBe("NewSnapshotToFollow");
  expect(resumed.length).toBe(snapshot.length + 1);

  // restore: a lower index; open streams end with Aborted; the snapshot reports the lower index.
  const restored = await post(url, "restore");
  expect(classifyFailure(await failure(reader))).toBe("reset");
  const index = BigInt(restored.body.index as string);
  expect(index).toBeGreaterThan(0n);
  expect(index).toBeLessThan(20n);
  reader = new StreamReader(client, healthRequest("service-00"));
  const after = await reader.snapshot();
  expect(after.at(-1)?.Index).toBe(index);
  expect((await serverState(url)).index).toBe(index.toString());
  expect((await post(url, "resume-churn")).body).toMatchObject({ churning: true });
  expect((await post(url, "stop-churn")).body).toMatchObject({ churning: false });
  reader.close();

  // Misuse answers with JSON errors; the page itself is served from the same process.
  expect((await post(url, "explode")).status).toBe(404);
  expect((await fetch(`${url}/control/reset`)).status).toBe(405);
  const page = await fetch(`${url}/`);
  expect(page.headers.get("content-type")).toMatch(/text\/html/);
  expect(await page.text()).toContain('<div id="root">');
  expect(await demo.stop()).toBe(0);
}, 60_000);
