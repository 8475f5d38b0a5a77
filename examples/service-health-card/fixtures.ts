// Shared by the card's tests and stories: the same data and scenarios in both.
import { register, scenarios } from "react-submatview/testing";

export const web1 = { node: "node-1", service: "web", id: "web-1" };
export const web2 = { node: "node-2", service: "web", id: "web-2" };
export const twoInstances = [register(web1), register(web2)];

export const live = scenarios.live({ index: 10, events: twoInstances });
export const reconnecting = scenarios.reconnecting({ events: twoInstances });
export const aclDenied = scenarios.failed();
export const resnapshot = scenarios.resnapshot({ events: twoInstances });
