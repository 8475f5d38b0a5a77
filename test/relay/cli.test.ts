/**
 * `react-submatview relay` as a process (issue 11 item 2): the upstream scheme picks the
 * transport (`http://` a subscribe server, `consul://` the RPC byte, `consul+tls://` with
 * `--ca --cert --key --servername`), it prints the URL it serves on (`--port 0` picks a free
 * port), and Ctrl-C drains: open streams end with "server is shutting down", exit code 0.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { StateChangeSubscription } from "react-submatview/gen";
import { afterEach, describe, expect, test } from "vitest";
import { healthRequest, StreamReader, startTestServer } from "../support/server.js";
import { startConsulRpcServer } from "./support/consul-rpc-server.js";
import { createTestPki, opensslAvailable } from "./support/openssl-ca.js";
import { type RelayProcess, startRelayProcess } from "./support/relay-process.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function relayTo(upstream: string, ...args: string[]): Promise<RelayProcess> {
  const relay = await startRelayProcess(["relay", "--upstream", upstream, "--port", "0", ...args]);
  cleanups.push(() => relay.stop());
  expect(relay.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  return relay;
}

function reader(url: string, service: string): StreamReader {
  const transport = createConnectTransport({ baseUrl: url, httpVersion: "1.1" });
  const stream = new StreamReader(
    createClient(StateChangeSubscription, transport),
    healthRequest(service),
  );
  cleanups.push(() => stream.close());
  return stream;
}

describe("react-submatview relay", () => {
  test("http:// upstream: serves Connect on the printed URL; Ctrl-C drains and exits 0", async () => {
    const upstream = await startTestServer();
    cleanups.push(() => upstream.close());
    upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const relay = await relayTo(upstream.url);
    expect(relay.output()).toContain(`upstream ${upstream.url}`);
    const stream = reader(relay.url, "web");
    expect((await stream.snapshot()).at(-1)?.Payload.case).toBe("EndOfSnapshot");
    const index = upstream.catalog.register({ node: "n2", service: "web", id: "web-2" });
    expect((await stream.next()).Index).toBe(index);
    const exit = relay.stop();
    const error = await stream.next().then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(error?.code).toBe(Code.Unavailable);
    expect(error?.rawMessage).toMatch(/shutting down/);
    expect(await exit).toBe(0);
  }, 30_000);

  test("consul:// upstream: the RPC byte to the servers' port", async () => {
    const consul = await startConsulRpcServer();
    cleanups.push(() => consul.close());
    consul.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const relay = await relayTo(`consul://${consul.address}`);
    expect((await reader(relay.url, "web").snapshot()).at(-1)?.Payload.case).toBe("EndOfSnapshot");
    expect(consul.connections).toEqual([[8]]);
  }, 30_000);

  test.skipIf(!opensslAvailable())(
    "consul+tls:// upstream with --ca --cert --key --servername",
    async () => {
      const pki = createTestPki();
      cleanups.push(() => pki.dispose());
      const consul = await startConsulRpcServer({
        tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca },
      });
      cleanups.push(() => consul.close());
      consul.catalog.register({ node: "n1", service: "web", id: "web-1" });
      const relay = await relayTo(
        `consul+tls://${consul.address}`,
        ...["--ca", pki.paths.ca, "--cert", pki.paths.clientCert, "--key", pki.paths.clientKey],
        ...["--servername", "server.dc1.consul"],
      );
      expect((await reader(relay.url, "web").snapshot()).at(-1)?.Payload.case).toBe(
        "EndOfSnapshot",
      );
      expect(consul.connections).toEqual([[3, 8]]);
    },
    30_000,
  );

  test("bad usage exits 2 with the usage text", async () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "src/node/cli.ts", "relay", "--port", "0"],
        { cwd: root },
        (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
      );
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--upstream is required");
    expect(result.stderr).toContain("usage: react-submatview relay --upstream URL");
  }, 30_000);
});
