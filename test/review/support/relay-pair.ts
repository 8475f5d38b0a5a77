/**
 * Two relays on one upstream (the package's own server on 127.0.0.1) for the relay reviews:
 * one whose Subscribe requests take the direct path, one whose requests all stay on
 * connect-node's handler (a custom `clientId` keeps them there). `both` sends the same raw
 * request to each and returns the fields a client reads, to be compared (SPEC P2, L3).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Relay, type RunningServer, serve } from "react-submatview/server/node";
import { startTestServer, type TestServer } from "../../support/server.js";
import { type RawAnswer, rawCall } from "./relay-raw.js";

/** An upstream message with a percent sign, non-ASCII and a control character to encode. */
export const DENIED = "denied: 100% sure — ü\tend";

export interface Wire {
  readonly http: "1.1" | "2";
  readonly contentType: string;
}

export const wires: Record<string, Wire> = {
  "gRPC (h2c)": { http: "2", contentType: "application/grpc" },
  "gRPC-web (HTTP/1.1)": { http: "1.1", contentType: "application/grpc-web+proto" },
  "gRPC-web (h2c)": { http: "2", contentType: "application/grpc-web+proto" },
  "Connect (HTTP/1.1)": { http: "1.1", contentType: "application/connect+proto" },
  "Connect (h2c)": { http: "2", contentType: "application/connect+proto" },
};

export type Meaningful = ReturnType<typeof meaningful>;

/**
 * The fields of an answer a client reads, in a comparable form. A gRPC status sent
 * trailers-only (in the headers, no body) reads as the same status sent in trailers: both are
 * valid gRPC and every client reads them alike.
 */
export function meaningful(answer: RawAnswer) {
  const pick = (h: Record<string, string>, names: RegExp) =>
    Object.fromEntries(Object.entries(h).filter(([name]) => names.test(name)));
  return {
    status: answer.status,
    headers: pick(answer.headers, /^(content-type|connect-|submatview-)/),
    trailers: {
      ...pick(answer.headers, /^grpc-(status|message)/),
      ...pick(answer.trailers, /^(grpc-|connect-)/),
    },
    frames: answer.frames.map((f) =>
      f.flags === 0 ? `data:${f.payload.toString("hex")}` : `${f.flags}:${f.payload.toString()}`,
    ),
    rest: answer.rest.length,
  };
}

/** The status code an answer ends with (gRPC status, gRPC-web trailer, Connect end-stream). */
export function codeOf(answer: Meaningful): Code | undefined {
  const grpc = answer.trailers["grpc-status"];
  if (grpc !== undefined) return Number(grpc) as Code;
  const last = answer.frames.at(-1) ?? "";
  const web = /^128:.*grpc-status: ?(\d+)/s.exec(last);
  if (web) return Number(web[1]) as Code;
  const connect = /^2:(.*)$/s.exec(last);
  if (!connect) return undefined;
  const code = (JSON.parse(connect[1]!) as { error?: { code?: string } }).error?.code;
  const snake = (name: string) =>
    name.replace(/[A-Z]/g, (c, i) => (i ? "_" : "") + c.toLowerCase());
  const found = Object.entries(Code).find(
    ([name, value]) => typeof value === "number" && snake(name) === code,
  );
  return found ? (found[1] as Code) : undefined;
}

/** An answer without its status message: the status, headers and frame kinds. */
export function shape(answer: Meaningful) {
  return {
    status: answer.status,
    headers: answer.headers,
    trailers: Object.keys(answer.trailers).sort(),
    frames: answer.frames.map((frame) => frame.split(":")[0]),
  };
}

export interface RelayPair {
  readonly upstream: TestServer;
  readonly direct: { relay: Relay; server: RunningServer };
  readonly handler: { relay: Relay; server: RunningServer };
  /** The same request to both relays; `maxFrames` data frames end (reset) a call early. */
  both(
    wire: Wire,
    body: Buffer,
    maxFrames?: number,
    contentType?: string,
    onFrames?: (count: number) => void,
  ): Promise<{ direct: Meaningful; handler: Meaningful }>;
  close(): Promise<void>;
}

/** Starts the upstream (token "denied" gets PermissionDenied `DENIED`) and both relays. */
export async function startRelayPair(): Promise<RelayPair> {
  const upstream = await startTestServer({
    authorizer: (token) => {
      if (token === "denied") throw new ConnectError(DENIED, Code.PermissionDenied);
      return () => true;
    },
  });
  const start = async (clientId?: () => undefined) => {
    const relay = new Relay({
      upstream: createGrpcTransport({ baseUrl: upstream.url }),
      ...(clientId ? { clientId } : {}),
    });
    return { relay, server: await serve({ server: relay }) };
  };
  const direct = await start();
  const handler = await start(() => undefined);
  return {
    upstream,
    direct,
    handler,
    async both(wire, body, maxFrames, contentType, onFrames) {
      const call = {
        http: wire.http,
        headers: {
          "content-type": contentType ?? wire.contentType,
          ...(wire.http === "2" ? { te: "trailers" } : {}),
        },
        body,
        ...(maxFrames === undefined ? {} : { maxFrames }),
        ...(onFrames ? { onFrames } : {}),
      };
      const [fromDirect, fromHandler] = await Promise.all([
        rawCall(direct.server.url, call),
        rawCall(handler.server.url, call),
      ]);
      return { direct: meaningful(fromDirect), handler: meaningful(fromHandler) };
    },
    async close() {
      await direct.server.close();
      await handler.server.close();
      await upstream.close();
    },
  };
}
