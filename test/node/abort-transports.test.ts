// SPEC S8 over the node:http-based test transports: aborting a client stream ends the server's
// handler and releases its subscription. (connect-web over Node's fetch does not: undici keeps
// the connection open after an abort, so the server never learns of it — see README.)

import { afterEach, expect, test } from "vitest";
import {
  healthRequest,
  type Protocol,
  StreamReader,
  startTestServer,
  type TestServer,
} from "../support/server.js";

let server: TestServer;
afterEach(() => server.close());

for (const protocol of ["connect", "connect-h2", "grpc-web", "grpc-web-h2", "grpc"] as Protocol[]) {
  test(`${protocol}: an aborted stream releases its server subscription`, async () => {
    server = await startTestServer();
    server.catalog.populate({ services: 1, instancesPerService: 1, seed: 1 });
    const reader = new StreamReader(server.client(protocol), healthRequest("service-00"));
    await reader.snapshot();
    expect(server.publisher.stats().subscribers).toBe(1);
    reader.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve("the server never saw the abort"), 3000);
    });
    const idle = server.publisher.idle().then(() => "released");
    expect(await Promise.race([idle, deadline])).toBe("released");
    clearTimeout(timer);
    expect(server.publisher.stats()).toEqual({ subscribers: 0, buffers: 0, cachedSnapshots: 0 });
  });
}
