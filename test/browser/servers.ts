/**
 * The servers the browser tests talk to (Node side). globalSetup starts them and keeps them
 * in a pool on `globalThis` (it runs in the vitest process, like the browser commands, but
 * loads its modules apart from the config); the commands let a test in Chromium change the
 * catalog, read the server's state and cut connections. Each test file has its own server,
 * so one file's faults never touch another's streams.
 */
import type { BrowserCommand } from "vitest/node";
import type { RunningServer, ServeOptions } from "../../src/node/index.js";
import type { EventPublisher, HealthCatalog, HealthStatus } from "../../src/server/index.js";
import { rowsOf } from "./support/rows.js";

/** One server per concern: HTTP/1.1 (plain `http:`) except `limitH2`, HTTPS with HTTP/2. */
export const SERVER_NAMES = ["offline", "hidden", "limitH1", "limitH2"] as const;
/** `unreachable` is started by a test, on the `refused` port, once it saw the errors. */
export type ServerName = (typeof SERVER_NAMES)[number] | "unreachable";

/** What globalSetup provides to the tests (`inject("browserServers")`). */
export type BrowserServerUrls = Record<(typeof SERVER_NAMES)[number], string> & {
  /** A 127.0.0.1 port with nothing listening: every connection is refused. */
  readonly refused: string;
};

/** How globalSetup starts a server (kept in the pool, so commands can start one too). */
export type StartServer = (options?: Omit<ServeOptions, "publisher">) => Promise<PooledServer>;

export interface PooledServer {
  readonly publisher: EventPublisher;
  readonly catalog: HealthCatalog;
  readonly server: RunningServer;
  /** Changes made by `serverChange`, to vary them. */
  changes: number;
}

const POOL = Symbol.for("react-submatview.browser-test-servers");

interface Pool {
  readonly servers: Map<ServerName, PooledServer>;
  start?: StartServer;
}

/** The pool shared by globalSetup and the commands (one vitest process). */
export function serverPool(): Pool {
  const global = globalThis as { [POOL]?: Pool };
  global[POOL] ??= { servers: new Map() };
  return global[POOL];
}

function pooled(name: ServerName): PooledServer {
  const entry = serverPool().servers.get(name);
  if (!entry) throw new Error(`no browser test server "${name}": is globalSetup running?`);
  return entry;
}

const STATUSES: readonly HealthStatus[] = ["critical", "warning", "passing"];

/**
 * `count` catalog transactions on `service`: even ones register a new instance, odd ones flip
 * the first instance's check. Returns the catalog's index (decimal).
 */
const serverChange: BrowserCommand<[name: ServerName, service: string, count?: number]> = (
  _context,
  name,
  service,
  count = 1,
) => {
  const entry = pooled(name);
  for (let i = 0; i < count; i++) {
    const n = entry.changes++;
    const first = entry.catalog.instances(service)[0];
    if (n % 2 === 0 || !first?.Service || !first.Node) {
      entry.catalog.register({ node: `node-${n % 3}`, service, id: `${service}-${n}` });
    } else {
      const status = STATUSES[n % STATUSES.length] ?? "passing";
      entry.catalog.setStatus(first.Node.Node, first.Service.ID, status);
    }
  }
  return entry.catalog.index.toString();
};

/** The server's rows for `service` and its index, to compare with a view. */
const serverState: BrowserCommand<[name: ServerName, service: string]> = (
  _context,
  name,
  service,
) => {
  const entry = pooled(name);
  return { index: entry.catalog.index.toString(), rows: rowsOf(entry.catalog.instances(service)) };
};

/** Destroys every open connection of the server (a network fault); it keeps listening. */
const serverDrop: BrowserCommand<[name: ServerName]> = (_context, name) => {
  pooled(name).server.dropConnections();
};

/** Subscriptions open on the server right now. */
const serverSubscribers: BrowserCommand<[name: ServerName]> = (_context, name) =>
  pooled(name).publisher.stats().subscribers;

/** Starts the `unreachable` server on the `refused` URL's port: the view's retries reach it. */
const serverListen: BrowserCommand<[name: "unreachable", url: string]> = async (
  _context,
  name,
  url,
) => {
  const pool = serverPool();
  if (!pool.start) throw new Error("no browser test server factory: is globalSetup running?");
  const entry = await pool.start({ port: Number(new URL(url).port) });
  pool.servers.set(name, entry);
};

export const serverCommands = {
  serverChange,
  serverState,
  serverDrop,
  serverSubscribers,
  serverListen,
};

declare module "vitest/browser" {
  interface BrowserCommands {
    serverChange(name: ServerName, service: string, count?: number): Promise<string>;
    serverState(name: ServerName, service: string): Promise<{ index: string; rows: string[] }>;
    serverDrop(name: ServerName): Promise<void>;
    serverSubscribers(name: ServerName): Promise<number>;
    serverListen(name: "unreachable", url: string): Promise<void>;
  }
}

declare module "vitest" {
  interface ProvidedContext {
    browserServers: BrowserServerUrls;
  }
}
