// SIGTERM on the demo (`npm start`) drains: an open gRPC stream receives the publisher's
// "server is shutting down" error (SPEC S7), not a dropped connection, and the process exits 0.

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { StateChangeSubscription } from "react-submatview/gen";
import { afterAll, expect, test } from "vitest";
import { healthRequest, StreamReader } from "../support/server.js";

let child: ChildProcess | undefined;

afterAll(() => {
  if (child?.pid && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

test("SIGTERM: an open stream gets Unavailable 'server is shutting down', then the demo exits 0", async () => {
  child = spawn(
    process.execPath,
    ["--import", "tsx", "demo/main.ts", "--port", "0", "--rate", "0"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const exited = once(child, "exit");
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
  const client = createClient(StateChangeSubscription, createGrpcTransport({ baseUrl: url! }));
  const reader = new StreamReader(client, healthRequest("service-00"));
  await reader.snapshot();
  child.kill("SIGTERM");
  const error = await reader.next().then(
    () => new Error("the stream yielded an event instead of failing"),
    (reason: unknown) => ConnectError.from(reason),
  );
  expect(error).toBeInstanceOf(ConnectError);
  expect((error as ConnectError).code).toBe(Code.Unavailable);
  expect((error as ConnectError).rawMessage).toMatch(/server is shutting down/);
  const [code] = await exited;
  expect(code).toBe(0);
  reader.close();
}, 30_000);
