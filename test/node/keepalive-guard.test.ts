/**
 * The relay process survives connect-node's keepalive ping on a destroyed HTTP/2 session
 * (connect-es #1795) and only that: the error Node really throws from `ping()` on a destroyed
 * session, raised from a function named as connect-node's, is recognised; the same code from
 * elsewhere, or another error, is not.
 */
import { once } from "node:events";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { isKeepalivePingRace } from "../../src/node/keepalive-guard.js";

let server: http2.Http2Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

/** A client session to a local h2c server, destroyed: what the ping timer finds. */
async function destroyedSession(): Promise<http2.ClientHttp2Session> {
  server = http2.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const session = http2.connect(`http://127.0.0.1:${port}`);
  await once(session, "connect");
  session.destroy();
  return session;
}

function thrownBy(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("isKeepalivePingRace (SPEC L1: a relay process does not die of an upstream keepalive race)", () => {
  test("Node's ERR_HTTP2_INVALID_SESSION from connect-node's ping timer is recognised", async () => {
    const session = await destroyedSession();
    // Named as in connect-node's http2-session-manager.js.
    function commonPing() {
      session.ping(() => {});
    }
    const error = thrownBy(commonPing);
    expect((error as { code?: string }).code).toBe("ERR_HTTP2_INVALID_SESSION");
    expect(isKeepalivePingRace(error)).toBe(true);
  });

  test("the same code from anywhere else, and other errors, are not", async () => {
    const session = await destroyedSession();
    function sendRequest() {
      session.request({ ":path": "/" });
    }
    const elsewhere = thrownBy(sendRequest);
    expect((elsewhere as { code?: string }).code).toBe("ERR_HTTP2_INVALID_SESSION");
    expect(isKeepalivePingRace(elsewhere)).toBe(false);
    expect(isKeepalivePingRace(new Error("commonPing"))).toBe(false);
    expect(isKeepalivePingRace("ERR_HTTP2_INVALID_SESSION commonPing")).toBe(false);
  });
});
