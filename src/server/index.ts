/**
 * `react-submatview/server`: an in-memory port of Consul's event publisher and its
 * `StateChangeSubscription` service (SPEC section 2). Framework- and Node-free: it runs in Node
 * behind connect-node and in a browser behind Connect's router transport.
 */

export { acceptSubscription, flushHeadersKey, SUBSCRIBED_HEADER } from "./accepted-header.js";
export type {
  CatalogTransaction,
  HealthCatalogOptions,
  HealthStatus,
  InstanceSpec,
  SimulationOptions,
} from "./catalog-types.js";
export { BufferItem, EventBuffer } from "./event-buffer.js";
export { EventPublisher } from "./event-publisher.js";
export { HealthCatalog, instanceId } from "./health-catalog.js";
export { seededRandom } from "./random.js";
export { requestSubject, subjectKey, WILDCARD } from "./subjects.js";
export { createSubscribeService, wireEvent } from "./subscribe-service.js";
export type { EventFilter } from "./subscription.js";
export { FORCE_CLOSED_MESSAGE, SHUTTING_DOWN_MESSAGE, Subscription } from "./subscription.js";
export type {
  Authorizer,
  EventPayload,
  EventPublisherOptions,
  PublishEvent,
  PublisherStats,
  SnapshotEvent,
  SnapshotFunc,
  Timers,
  TopicOptions,
} from "./types.js";
export { MAX_INDEX, NO_DC_PATH_MESSAGE } from "./validation.js";
