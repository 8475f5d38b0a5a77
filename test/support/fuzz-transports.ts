/**
 * The transports the malformed-input fuzzer runs over real HTTP, each with the raw server's
 * HTTP version: Connect on node:http (HTTP/1.1), gRPC on h2c, and Connect on Node's fetch
 * (connect-web, as a browser talks to the server).
 */
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import * as web from "@connectrpc/connect-web";

export interface FuzzTransport {
  readonly name: string;
  readonly httpVersion: "1.1" | "2";
  make(baseUrl: string): Transport;
}

export const fuzzTransports: readonly FuzzTransport[] = [
  {
    name: "Connect over HTTP/1.1",
    httpVersion: "1.1",
    make: (baseUrl) =>
      createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true }),
  },
  {
    name: "gRPC over h2c",
    httpVersion: "2",
    make: (baseUrl) => createGrpcTransport({ baseUrl }),
  },
  {
    name: "Connect over fetch (connect-web)",
    httpVersion: "1.1",
    make: (baseUrl) => web.createConnectTransport({ baseUrl, useBinaryFormat: true }),
  },
];
