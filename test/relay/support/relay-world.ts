/**
 * A relay between the package's own server (upstream: `serve()` + `HealthCatalog` on
 * 127.0.0.1) and test clients (downstream: the relay behind `serve({ server: relay })`), all
 * over real sockets. The relay reaches upstream with connect-node's gRPC transport (h2c).
 */
import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { StateChangeSubscription } from "react-submatview/gen";
import type { EventPublisherOptions } from "react-submatview/server";
import { Relay, type RelayOptions, type RunningServer, serve } from "react-submatview/server/node";
import {
  createTestTransport,
  type Protocol,
  type RequestInit,
  StreamReader,
  startTestServer,
  type TestServer,
} from "../../support/server.js";

export interface RelayWorld {
  readonly upstream: TestServer;
  readonly relay: Relay;
  readonly server: RunningServer;
  /** A client of the relay. */
  client(protocol?: Protocol): Client<typeof StateChangeSubscription>;
  /** A stream through the relay, closed by `close()`. */
  open(request: RequestInit, protocol?: Protocol): StreamReader;
  /** A stream straight to the upstream, for comparison, closed by `close()`. */
  direct(request: RequestInit): StreamReader;
  close(): Promise<void>;
}

export async function startRelayWorld(
  relayOptions: Omit<RelayOptions, "upstream"> = {},
  upstreamOptions: EventPublisherOptions = {},
): Promise<RelayWorld> {
  const upstream = await startTestServer(upstreamOptions);
  const relay = new Relay({
    upstream: createGrpcTransport({ baseUrl: upstream.url }),
    ...relayOptions,
  });
  const server = await serve({ server: relay });
  const readers: StreamReader[] = [];
  const clients = new Map<Protocol, Client<typeof StateChangeSubscription>>();
  const client = (protocol: Protocol = "connect-h2") => {
    let existing = clients.get(protocol);
    if (!existing) {
      existing = createClient(StateChangeSubscription, createTestTransport(server.url, protocol));
      clients.set(protocol, existing);
    }
    return existing;
  };
  return {
    upstream,
    relay,
    server,
    client,
    open(request, protocol) {
      const reader = new StreamReader(client(protocol), request);
      readers.push(reader);
      return reader;
    },
    direct(request) {
      const reader = new StreamReader(upstream.client("grpc"), request);
      readers.push(reader);
      return reader;
    },
    async close() {
      for (const reader of readers) reader.close();
      await server.close();
      await upstream.close();
    },
  };
}
