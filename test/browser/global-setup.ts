/**
 * globalSetup of the browser project: starts the package's own server (`serve()` from
 * react-submatview/server/node, CORS included) on 127.0.0.1, one per test file's concern —
 * plain HTTP/1.1, and HTTPS with HTTP/2 on a certificate made now — finds a port that refuses
 * connections, and provides their URLs to the tests (`inject("browserServers")`).
 */
import { EventPublisher, HealthCatalog } from "react-submatview/server";
import { serve } from "react-submatview/server/node";
import type { TestProject } from "vitest/node";
import { refusedPort } from "../support/refused-port.js";
import { createTestCertificate } from "../support/test-certificate.js";
import { type BrowserServerUrls, SERVER_NAMES, type StartServer, serverPool } from "./servers.js";

const start: StartServer = async (options = {}) => {
  const publisher = new EventPublisher();
  const catalog = new HealthCatalog(publisher);
  const server = await serve({ closeGraceMs: 200, ...options, publisher });
  return { publisher, catalog, server, changes: 0 };
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pool = serverPool();
  pool.start = start;
  const certificate = createTestCertificate();
  const urls: Partial<BrowserServerUrls> = {};
  for (const name of SERVER_NAMES) {
    const entry = await start(name === "limitH2" ? { tls: certificate } : {});
    pool.servers.set(name, entry);
    urls[name] = entry.server.url;
  }
  project.provide("browserServers", {
    ...(urls as Omit<BrowserServerUrls, "refused">),
    refused: `http://127.0.0.1:${await refusedPort()}`,
  });
  return async () => {
    await Promise.all([...pool.servers.values()].map((entry) => entry.server.close()));
    pool.servers.clear();
    pool.start = undefined;
  };
}
