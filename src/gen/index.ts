/**
 * `react-submatview/gen`: the protobuf-es schemas generated from `proto/` (Consul's
 * `subscribe` package and the health payload subset). The files under `pb/` are produced by
 * `npm run generate` and never edited by hand.
 */

export type { EnterpriseMeta, Locality, RaftIndex } from "./pb/private/pbcommon/common_pb.js";
export {
  EnterpriseMetaSchema,
  file_private_pbcommon_common,
  LocalitySchema,
  RaftIndexSchema,
} from "./pb/private/pbcommon/common_pb.js";
export type { HealthCheck } from "./pb/private/pbservice/healthcheck_pb.js";
export {
  file_private_pbservice_healthcheck,
  HealthCheckSchema,
} from "./pb/private/pbservice/healthcheck_pb.js";
export type { CheckServiceNode, Node, NodeService } from "./pb/private/pbservice/node_pb.js";
export {
  CheckServiceNodeSchema,
  file_private_pbservice_node,
  NodeSchema,
  NodeServiceSchema,
} from "./pb/private/pbservice/node_pb.js";
export type { ServiceAddress, Weights } from "./pb/private/pbservice/service_pb.js";
export {
  file_private_pbservice_service,
  ServiceAddressSchema,
  WeightsSchema,
} from "./pb/private/pbservice/service_pb.js";
export type {
  ConfigEntryUpdate,
  Event,
  EventBatch,
  NamedSubject,
  ServiceHealthUpdate,
  ServiceListUpdate,
  SubscribeRequest,
} from "./pb/private/pbsubscribe/subscribe_pb.js";
export {
  CatalogOp,
  CatalogOpSchema,
  ConfigEntryUpdate_UpdateOp,
  ConfigEntryUpdate_UpdateOpSchema,
  ConfigEntryUpdateSchema,
  EventBatchSchema,
  EventSchema,
  file_private_pbsubscribe_subscribe,
  NamedSubjectSchema,
  ServiceHealthUpdateSchema,
  ServiceListUpdateSchema,
  StateChangeSubscription,
  SubscribeRequestSchema,
  Topic,
  TopicSchema,
} from "./pb/private/pbsubscribe/subscribe_pb.js";
