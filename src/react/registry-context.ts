import { createContext, useContext } from "react";
import type { MaterializerRegistry } from "../core/index.js";

export const RegistryContext = createContext<MaterializerRegistry | null>(null);

/**
 * The registry of the nearest {@link MaterializerProvider}. Throws when there is none, with
 * the fix in the message.
 */
export function useMaterializerRegistry(): MaterializerRegistry {
  const registry = useContext(RegistryContext);
  if (!registry) {
    throw new Error(
      "useMaterializerRegistry: no MaterializerProvider above this component. Wrap your tree in " +
        "<MaterializerProvider transport={createConnectTransport({ baseUrl })}> (react-submatview).",
    );
  }
  return registry;
}
