/**
 * The per-test server of the server tests: `serverStreams()` registers an afterEach that closes
 * every stream reader the test opened and then the test's server, so a failing test leaks no
 * subscription into the next one (SPEC S8).
 */
import { afterEach } from "vitest";
import { type RequestInit, StreamReader, startTestServer, type TestServer } from "./server.js";

export interface ServerStreams {
  /** The running test's server (undefined before `start` and after the test). */
  readonly server: TestServer | undefined;
  /** Starts the test's server; it is closed after the test. */
  start(...options: Parameters<typeof startTestServer>): Promise<TestServer>;
  /** A stream of `request` on the test's server; it is closed after the test. */
  open(request: RequestInit): StreamReader;
}

/** Call once at the top level of a test file. */
export function serverStreams(): ServerStreams {
  let server: TestServer | undefined;
  const readers: StreamReader[] = [];
  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    await server?.close();
    server = undefined;
  });
  return {
    get server() {
      return server;
    },
    async start(...options) {
      server = await startTestServer(...options);
      return server;
    },
    open(request) {
      if (!server) throw new Error("start the server first");
      const reader = new StreamReader(server.client(), request);
      readers.push(reader);
      return reader;
    },
  };
}
