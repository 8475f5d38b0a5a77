import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { StateChangeSubscription } from "react-submatview/gen";
import { afterAll, expect, test } from "vitest";
import { healthRequest, StreamReader } from "../support/server.js";

let child: ChildProcess | undefined;

afterAll(async () => {
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  }
});

test("the demo (`npm start`) serves the subscribe endpoint: a snapshot, then live churn", async () => {
  // What `npm start` runs (tsx demo/main.ts), as one process so the test can stop it cleanly
  // (npm and the tsx CLI each add a parent process that a signal would not reach through).
  child = spawn(
    process.execPath,
    ["--import", "tsx", "demo/main.ts", "--port", "0", "--rate", "50"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  // Keep reading stdout to the end: closing the pipe early would kill the demo with EPIPE.
  const url = await new Promise<string | undefined>((resolve) => {
    const lines = createInterface({ input: child!.stdout! });
    lines.on("line", (line) => {
      const found = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (found) resolve(found);
    });
    lines.on("close", () => resolve(undefined));
  });
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const client = createClient(StateChangeSubscription, createConnectTransport({ baseUrl: url! }));
  const reader = new StreamReader(client, healthRequest("service-00"));
  const snapshot = await reader.snapshot();
  const end = snapshot.at(-1)!;
  expect(snapshot.length).toBeGreaterThanOrEqual(2); // at least one instance, then EndOfSnapshot
  // Churn touches service-00 sooner or later; a live event comes after the snapshot index.
  const live = await reader.next();
  expect(live.Index).toBeGreaterThan(end.Index);
  reader.close();
}, 30_000);
