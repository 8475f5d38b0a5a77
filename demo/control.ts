/**
 * The demo's HTTP routes next to the RPCs: the page (from memory), `POST /control/<action>`
 * (the fault buttons) and `GET /control/state` (the catalog as JSON, which the end-to-end test
 * compares with what the page shows).
 */
import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { DemoDatacenter } from "./demo-datacenter.js";
import type { StaticApp } from "./static-app.js";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

export interface ControlOptions {
  readonly datacenter: DemoDatacenter;
  /** The page, once loaded (requests for it wait). */
  readonly app: Promise<StaticApp>;
  /** Destroys every open connection (`serve()`'s `dropConnections`). */
  readonly dropConnections: () => void;
}

/** The fault actions, by the name in `POST /control/<name>`. */
export const ACTIONS = [
  "drop",
  "reset",
  "new-snapshot",
  "restore",
  "stop-churn",
  "resume-churn",
] as const;
export type Action = (typeof ACTIONS)[number];

/** The `fallback` of `serve()`: every request that is not an RPC. */
export function controlRoutes(options: ControlOptions) {
  const { datacenter } = options;
  /** Cuts connections once this response is on its way (it travels on one of them). */
  const afterResponse = (res: Response, fault: () => void) =>
    res.once("finish", () => setTimeout(fault, 50));

  const act = (action: Action, res: Response): string => {
    switch (action) {
      case "drop":
        afterResponse(res, options.dropConnections);
        return "every connection dropped: views keep their data and resume";
      case "reset":
        datacenter.reset();
        return "every stream ended with Aborted: views resnapshot";
      case "new-snapshot":
        datacenter.releaseBuffers();
        afterResponse(res, options.dropConnections);
        return "buffers released and connections dropped: resumes get NewSnapshotToFollow";
      case "restore":
        return `restored from an older snapshot at index ${datacenter.restore()}`;
      case "stop-churn":
        datacenter.stopChurn();
        return "churn stopped";
      case "resume-churn":
        datacenter.resumeChurn();
        return `churn resumed at ${datacenter.rate} changes/s`;
    }
  };

  return (req: Request, res: Response): void => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/control/state" && req.method === "GET") {
      json(res, 200, datacenter.state());
      return;
    }
    const action = /^\/control\/([a-z-]+)$/.exec(path)?.[1];
    if (action !== undefined) {
      if (req.method !== "POST") {
        json(res, 405, { error: "use POST" });
        return;
      }
      if (!(ACTIONS as readonly string[]).includes(action)) {
        json(res, 404, { error: `unknown action ${action}`, actions: ACTIONS });
        return;
      }
      const message = act(action as Action, res);
      console.log(`  fault: ${message}`);
      const { index, churning } = datacenter.state();
      json(res, 200, { action, message, index, churning });
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      json(res, 405, { error: "GET only" });
      return;
    }
    options.app.then(
      (app) => {
        const file = app.get(path);
        if (!file) {
          json(res, 404, { error: `no such page: ${path}` });
          return;
        }
        res.writeHead(200, {
          "content-type": file.type,
          "cache-control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
        });
        if (req.method === "HEAD") res.end();
        else res.end(file.body);
      },
      (error: unknown) => {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end(`the demo page failed to build:\n${String(error)}\n`);
      },
    );
  };
}

function json(res: Response, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}
