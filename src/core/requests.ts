import { create, type MessageInitShape, toJsonString } from "@bufbuild/protobuf";
import type { CheckServiceNode, Event, SubscribeRequest } from "../gen/index.js";
import { SubscribeRequestSchema, Topic } from "../gen/index.js";
import { type KeyedChange, type KeyedResult, KeyedView } from "./keyed-view.js";
import { type ServiceHealthResult, ServiceHealthView } from "./service-health-view.js";
import { type ServiceListResult, ServiceListView } from "./service-list-view.js";
import { tokenHash } from "./token-hash.js";
import type { MaterializedRequest, View } from "./types.js";

type RequestInit = MessageInitShape<typeof SubscribeRequestSchema>;

export interface ServiceHealthRequestOptions {
  readonly service: string;
  /** ACL token; part of the registry key as a hash only (SPEC R1). */
  readonly token?: string;
  readonly datacenter?: string;
  /** The connect view (`ServiceHealthConnect`): proxies and Connect-native instances. */
  readonly connect?: boolean;
  readonly peer?: string;
  readonly namespace?: string;
  readonly partition?: string;
  /** Every tag must be present (case-insensitive). */
  readonly tags?: readonly string[];
  /** Every key/value must match the node's meta. */
  readonly nodeMeta?: Readonly<Record<string, string>>;
  /** A predicate over instances; needs `filterKey`, which names it in the registry key. */
  readonly filter?: (node: CheckServiceNode) => boolean;
  /** A stable name for `filter`: requests with the same `filterKey` share one view. */
  readonly filterKey?: string;
  /**
   * `false` keeps the decoded messages as they are (mutable, about 3.8 KB per instance)
   * instead of the default compact copies (about 1.1 KB, with shared frozen parts): for code
   * that must mutate what it is given. Part of the registry key.
   */
  readonly compact?: boolean;
}

/**
 * A request for the health of one service's instances (Consul's `/v1/health/service/:name`
 * backed by a stream). Its key holds the view type, datacenter, a hash of the token, the
 * canonical subscribe request and the view options (SPEC R1).
 */
export function serviceHealthRequest(
  options: ServiceHealthRequestOptions,
): MaterializedRequest<ServiceHealthResult> {
  if (!options.service)
    throw new Error("serviceHealthRequest: `service` is required (the service name to watch)");
  if (options.filter && options.filterKey === undefined) {
    throw new Error(
      "serviceHealthRequest: `filter` needs a `filterKey` — a string naming the filter, so that requests " +
        "sharing it share one stream (a function has no stable identity across renders)",
    );
  }
  return memo("service-health", options, () => buildServiceHealthRequest(options));
}

function buildServiceHealthRequest(
  options: ServiceHealthRequestOptions,
): MaterializedRequest<ServiceHealthResult> {
  const init: RequestInit = {
    Topic: options.connect ? Topic.ServiceHealthConnect : Topic.ServiceHealth,
    Datacenter: options.datacenter ?? "",
    Subject: namedSubject({ key: options.service, ...options }),
  };
  const tags = [...(options.tags ?? [])].map((t) => t.toLowerCase()).sort();
  const meta = Object.entries(options.nodeMeta ?? {}).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const viewKey = JSON.stringify(
    options.compact === false
      ? { tags, meta, filter: options.filterKey ?? null, compact: false }
      : { tags, meta, filter: options.filterKey ?? null },
  );
  return materializedRequest(
    "service-health",
    init,
    options.token ?? "",
    viewKey,
    () => new ServiceHealthView(options),
  );
}

export interface ServiceListRequestOptions {
  readonly token?: string;
  readonly datacenter?: string;
  readonly namespace?: string;
  readonly partition?: string;
}

/** A request for the list of services (the `ServiceList` topic, wildcard subject). */
export function serviceListRequest(
  options: ServiceListRequestOptions = {},
): MaterializedRequest<ServiceListResult> {
  return memo("service-list", options, () => buildServiceListRequest(options));
}

function buildServiceListRequest(
  options: ServiceListRequestOptions,
): MaterializedRequest<ServiceListResult> {
  const init: RequestInit = {
    Topic: Topic.ServiceList,
    Datacenter: options.datacenter ?? "",
    Namespace: options.namespace ?? "",
    Partition: options.partition ?? "",
    Subject: { case: "WildcardSubject", value: true },
  };
  return materializedRequest(
    "service-list",
    init,
    options.token ?? "",
    "",
    () => new ServiceListView(),
  );
}

export interface KeyedRequestOptions<TItem> {
  /** Names the view type in keys (requests of different views never share). */
  readonly viewType: string;
  readonly topic: Topic;
  /** A named subject, or `"*"` for a wildcard subscription. */
  readonly subject:
    | string
    | {
        readonly key: string;
        readonly peer?: string;
        readonly namespace?: string;
        readonly partition?: string;
      };
  readonly token?: string;
  readonly datacenter?: string;
  readonly apply: (event: Event) => KeyedChange<TItem>;
  readonly compare: (a: TItem, b: TItem) => number;
  /** Names `apply`/`compare` when they depend on options (part of the key). */
  readonly optionsKey?: string;
}

/** A request for any topic, materialized by a {@link KeyedView} (SPEC V3). */
export function keyedRequest<TItem>(
  options: KeyedRequestOptions<TItem>,
): MaterializedRequest<KeyedResult<TItem>> {
  return memo("keyed", options, () => buildKeyedRequest(options));
}

function buildKeyedRequest<TItem>(
  options: KeyedRequestOptions<TItem>,
): MaterializedRequest<KeyedResult<TItem>> {
  const subject = typeof options.subject === "string" ? { key: options.subject } : options.subject;
  const init: RequestInit = {
    Topic: options.topic,
    Datacenter: options.datacenter ?? "",
    Subject: subject.key === "*" ? { case: "WildcardSubject", value: true } : namedSubject(subject),
  };
  return materializedRequest(
    `keyed:${options.viewType}`,
    init,
    options.token ?? "",
    options.optionsKey ?? "",
    () => new KeyedView({ apply: options.apply, compare: options.compare }),
  );
}

/**
 * Recently built requests by their options (bounded: oldest out first). Requests are
 * immutable and hold no resources, so sharing them is safe; the bound keeps a long-running
 * page from accumulating every token and service it ever asked for.
 */
const recent = new Map<string, MaterializedRequest<unknown>>();
const RECENT_LIMIT = 256;

/**
 * Builders run on every render: equal options answer with the same request object, so the
 * protobuf canonicalization runs once per distinct request. The fingerprint is the options'
 * JSON (unambiguous, so two tokens never share one); functions are left out of it, which is
 * why `filter` needs a `filterKey` and `keyedRequest` an `optionsKey`.
 */
function memo<TOptions, TResult>(
  kind: string,
  options: TOptions,
  build: () => MaterializedRequest<TResult>,
): MaterializedRequest<TResult> {
  const fingerprint = kind + JSON.stringify(options);
  const hit = recent.get(fingerprint);
  if (hit) return hit as MaterializedRequest<TResult>;
  const request = build();
  if (recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value as string);
  recent.set(fingerprint, request as MaterializedRequest<unknown>);
  return request;
}

function namedSubject(subject: {
  readonly key: string;
  readonly peer?: string;
  readonly namespace?: string;
  readonly partition?: string;
}): RequestInit["Subject"] {
  return {
    case: "NamedSubject",
    value: {
      Key: subject.key,
      PeerName: subject.peer ?? "",
      Namespace: subject.namespace ?? "",
      Partition: subject.partition ?? "",
    },
  };
}

function materializedRequest<TResult>(
  viewType: string,
  init: RequestInit,
  token: string,
  viewKey: string,
  createView: () => View<TResult>,
): MaterializedRequest<TResult> {
  // Canonical: protobuf JSON omits defaults and lists fields in proto order (STYLE 4).
  const canonical = toJsonString(SubscribeRequestSchema, create(SubscribeRequestSchema, init));
  const key = `${viewType}|${init.Datacenter ?? ""}|${tokenHash(token)}|${canonical}|${viewKey}`;
  return {
    key,
    viewType,
    subscribeRequest: (index: bigint): SubscribeRequest =>
      create(SubscribeRequestSchema, { ...init, Token: token, Index: index }),
    createView,
  };
}
