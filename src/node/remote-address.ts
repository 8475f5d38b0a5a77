/**
 * The peer address of an RPC's connection, as a Connect context value: `serve()` sets it on
 * every request, so a handler (the relay's per-client limit) can tell clients apart.
 */
import { createContextKey } from "@connectrpc/connect";

/** `context.values.get(remoteAddressKey)`: the client's IP address ("" when unknown). */
export const remoteAddressKey = createContextKey<string>("", {
  description: "remote address of the client connection",
});
