/**
 * Issue 7 item 4, SPEC R1/Q1: a token never appears anywhere observable. A run over real HTTP
 * with faults — a dropped connection, Aborted twice in a row, PermissionDenied, Unauthenticated,
 * ACL not found, a server shutdown — captures every logger call, every console call, every
 * published state and error (message, `String`, cause chain, metadata, stack), every blocking
 * `get` result, `stats()`, `dehydrate()`, the inspector snapshot (`inspectRegistry(registry)`),
 * every TanStack query key, hash and error, and the server's stats and errors; the token is searched for raw,
 * URI-encoded, in hex and in base64 (every alignment, url-safe too).
 */
import { toBinary } from "@bufbuild/protobuf";
import { QueryClient } from "@tanstack/react-query";
import {
  type MaterializedRequest,
  MaterializerRegistry,
  type MaterializerState,
  type ServiceHealthResult,
  serviceHealthRequest,
  serviceListRequest,
} from "react-submatview/core";
import { inspectRegistry } from "react-submatview/devtools";
import { SubscribeRequestSchema } from "react-submatview/gen";
import { materializedViewQueryOptions } from "react-submatview/tanstack";
import { afterEach, expect, test, vi } from "vitest";
import { within } from "../react/tanstack-support.js";
import { type AclServer, startAclServer } from "../support/acl-server.js";
import { dump, findToken } from "../support/token-scan.js";
import { seededRandom } from "../support/virtual-clock.js";

const TOKEN = "tok-Secret-9f8e7d6c5b4a3210";

let server: AclServer | undefined;
let registry: MaterializerRegistry | undefined;
let queryClient: QueryClient | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  queryClient?.clear();
  registry?.dispose();
  await server?.close();
  server = undefined;
  registry = undefined;
  queryClient = undefined;
});

const web = () => serviceHealthRequest({ service: "web", token: TOKEN });
const api = () => serviceHealthRequest({ service: "api", token: TOKEN });
const list = () => serviceListRequest({ token: TOKEN });

test("the scanner finds the token in the forms it looks for (control)", () => {
  const bytes = toBinary(SubscribeRequestSchema, web().subscribeRequest(7n));
  const places = new Map([
    ["request bytes", dump(bytes)],
    ["request base64url", Buffer.from(bytes).toString("base64url")],
    ["error cause", dump(new Error("outer", { cause: new Error(`bad ${TOKEN}`) }))],
    ["uri", `?token=${encodeURIComponent(TOKEN)}`],
  ]);
  const found = findToken(places, TOKEN);
  for (const place of places.keys()) expect(found.some((f) => f.startsWith(place))).toBe(true);
});

test("SPEC R1: no trace of the token in logs, errors, stats, dehydrated state, inspector, query keys or server output, through every fault", {
  timeout: 30_000,
}, async () => {
  server = await startAclServer(() => () => true);
  const s = server;
  s.catalog.register({ node: "n1", service: "web", id: "web-1" });
  s.catalog.register({ node: "n1", service: "api", id: "api-1" });

  const places = new Map<string, string>();
  let seq = 0;
  const keep = (place: string, value: unknown) => places.set(`${place} #${++seq}`, dump(value));
  const logger = {
    debug: (message: string, details?: Record<string, unknown>) =>
      keep("logger.debug", [message, details]),
    warn: (message: string, details?: Record<string, unknown>) =>
      keep("logger.warn", [message, details]),
    error: (message: string, details?: Record<string, unknown>) =>
      keep("logger.error", [message, details]),
  };
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) =>
      keep(`console.${level}`, args),
    );
  }
  // The server side: every token resolution's outcome, every subscription error.
  const authorize = s.publisher.authorize.bind(s.publisher);
  s.publisher.authorize = async (token) => {
    try {
      return await authorize(token);
    } catch (error) {
      keep("server authorize error", error);
      throw error;
    }
  };

  registry = new MaterializerRegistry({
    transport: s.transport("connect"),
    logger,
    idleTtlMs: 60_000,
    retry: { factorMs: 1, random: seededRandom(1) },
    baseUrl: s.url,
  });
  const r = registry;
  const errors: Error[] = [];
  /** Holds `request` with notify, keeping every state; `until` waits (bounded) for one. */
  function watch<T>(request: MaterializedRequest<T>) {
    let waiter: { pred: (s: MaterializerState<T>) => boolean; resolve: () => void } | undefined;
    const stop = r.notify(request, (state) => {
      keep("state", state);
      if (state.error) errors.push(state.error);
      if (waiter?.pred(state)) waiter.resolve();
    });
    return {
      stop,
      until(pred: (s: MaterializerState<T>) => boolean, what: string): Promise<void> {
        return within(new Promise<void>((resolve) => (waiter = { pred, resolve })), what, 10_000);
      },
    };
  }
  const ids = (state: MaterializerState<ServiceHealthResult>) =>
    state.value?.nodes.map((n) => n.Service?.ID).join(",");

  // Live, then a dropped connection (retry, resume) and a live update.
  const health = watch(web());
  const services = watch(list());
  await Promise.all([
    health.until((st) => st.status === "live", "web live"),
    services.until((st) => st.status === "live", "list live"),
  ]);
  let dropped = health.until((st) => st.error !== undefined, "the drop's error");
  s.server.dropConnections();
  await dropped;
  s.catalog.register({ node: "n2", service: "web", id: "web-2" });
  await health.until((st) => st.status === "live" && ids(st) === "web-1,web-2", "web-2 live");

  // Aborted twice in a row: a StreamResetError (with the Aborted as its cause), then live.
  s.setVerdict(TOKEN, "aborted");
  dropped = health.until((st) => st.error?.name === "StreamResetError", "a stream reset error");
  s.publisher.forceCloseToken(TOKEN);
  await dropped;
  s.setVerdict(TOKEN, "allow");
  await health.until((st) => st.status === "live" && st.error === undefined, "live after resets");

  // PermissionDenied: both views fail; a blocking get and a TanStack query see it too.
  s.setVerdict(TOKEN, "permission-denied");
  const denied = Promise.all([
    health.until((st) => st.status === "failed", "web denied"),
    services.until((st) => st.status === "failed", "list denied"),
  ]);
  s.publisher.forceCloseToken(TOKEN);
  await denied;
  keep("get result", await r.get(web(), { timeoutMs: 1_000 }));
  queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const qc = queryClient;
  keep(
    "query error",
    await qc
      .fetchQuery(materializedViewQueryOptions(web(), { registry: r }))
      .catch((e: unknown) => e),
  );
  health.stop();
  services.stop();

  // ACL not found, then Unauthenticated: each a fresh request (R5) that fails.
  for (const verdict of ["acl-not-found", "unauthenticated"] as const) {
    s.setVerdict(TOKEN, verdict);
    const w = watch(web());
    await w.until((st) => st.status === "failed", verdict);
    keep(
      "query error",
      await qc
        .fetchQuery(materializedViewQueryOptions(api(), { registry: r }))
        .catch((e: unknown) => e),
    );
    keep("stats while failed", r.stats());
    w.stop();
  }

  // Allowed again: live views, cached queries, a dehydrated state, the inspector.
  s.setVerdict(TOKEN, "allow");
  const again = watch(web());
  await again.until((st) => st.status === "live", "live again");
  await qc.refetchQueries();
  keep("query data", await qc.fetchQuery(materializedViewQueryOptions(api(), { registry: r })));
  keep("get result", await r.get(api(), { minIndex: 0n }));
  const dehydrated = r.dehydrate();
  expect(dehydrated.entries.length).toBeGreaterThan(0);
  keep("dehydrate()", JSON.stringify(dehydrated));
  keep("dehydrate() object", dehydrated);
  keep("stats()", JSON.stringify(r.stats()));
  keep("inspectRegistry()", JSON.stringify(inspectRegistry(r).getSnapshot()));
  for (const query of qc.getQueryCache().getAll()) {
    keep("query key", JSON.stringify(query.queryKey));
    keep("query hash", query.queryHash);
    keep("query state", query.state);
  }
  keep("server stats", s.publisher.stats());

  // The server shuts down: the live view gets its "shutting down" error.
  const down = again.until((st) => st.error !== undefined, "the shutdown error");
  await s.close();
  await down;
  again.stop();
  keep("stats after", JSON.stringify(r.stats()));
  for (const error of errors) {
    keep("error", error);
    keep("String(error)", String(error));
    keep("error.cause", (error as { cause?: unknown }).cause);
  }

  // Not vacuous: the faults happened and were logged and surfaced.
  const all = [...places.values()].join("\n");
  for (const seen of [
    "permission denied",
    "unauthenticated",
    "ACL not found",
    "StreamResetError",
    "shutting down",
    "subscribe stream failed",
  ]) {
    expect(all).toContain(seen);
  }
  expect(s.attempts(TOKEN)).toBeGreaterThanOrEqual(8);
  const found = findToken(places, TOKEN);
  expect(found, `the token appeared in ${found.join(", ")}`).toEqual([]);
  const kinds = new Map<string, number>();
  for (const place of places.keys()) {
    const kind = place.replace(/ #\d+$/, "");
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  process.stdout.write(
    `token-leak: ${places.size} captures (${all.length} chars), ${s.attempts(TOKEN)} subscribe attempts: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}\n`,
  );
});
