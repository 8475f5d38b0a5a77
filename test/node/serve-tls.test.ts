/**
 * `serve({ tls })`: HTTPS with HTTP/2 and HTTP/1.1 chosen by ALPN, so browsers get HTTP/2 and
 * every stream of a page shares one connection (SPEC H6). Real TLS on 127.0.0.1 with a
 * certificate made at test time.
 */
import { createClient } from "@connectrpc/connect";
import * as node from "@connectrpc/connect-node";
import { StateChangeSubscription } from "react-submatview/gen";
import { afterEach, describe, expect, test } from "vitest";
import {
  healthRequest,
  StreamReader,
  startTestServer,
  type TestServer,
} from "../support/server.js";
import { createTestCertificate } from "../support/test-certificate.js";

const certificate = createTestCertificate();
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("SPEC H6: serve({ tls }) speaks HTTP/2 and HTTP/1.1 over TLS", () => {
  test.each([
    ["HTTP/2", "2"],
    ["HTTP/1.1", "1.1"],
  ] as const)(
    "a Connect stream over %s gets its snapshot and live events",
    async (_, httpVersion) => {
      server = await startTestServer({}, { tls: certificate });
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      server.catalog.register({ node: "n1", service: "web", id: "web-1" });
      const transport = node.createConnectTransport({
        baseUrl: server.url,
        httpVersion,
        nodeOptions: { ca: certificate.cert },
      });
      const reader = new StreamReader(
        createClient(StateChangeSubscription, transport),
        healthRequest("web"),
      );
      const snapshot = await reader.snapshot();
      expect(snapshot.at(-1)?.Payload.case).toBe("EndOfSnapshot");
      server.catalog.register({ node: "n2", service: "web", id: "web-2" });
      expect((await reader.next()).Payload.case).toBe("ServiceHealth");
      reader.close();
    },
    15_000,
  );

  test("dropConnections() cuts TLS streams (a retryable failure) and close() drains", async () => {
    server = await startTestServer({}, { tls: certificate });
    const transport = node.createConnectTransport({
      baseUrl: server.url,
      httpVersion: "2",
      nodeOptions: { ca: certificate.cert },
    });
    const reader = new StreamReader(
      createClient(StateChangeSubscription, transport),
      healthRequest("web"),
    );
    await reader.snapshot();
    server.server.dropConnections();
    await expect(reader.next()).rejects.toThrow();
    await server.close();
    server = undefined;
  }, 15_000);
});
