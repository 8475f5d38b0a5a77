// A port on 127.0.0.1 that refuses connections, chosen so no other test can take it meanwhile.
import { createServer } from "node:net";

/**
 * A port nothing listens on. It is picked below Linux's ephemeral range (32768–60999), where
 * every `listen(0)` in the suite (and every outgoing connection) gets its port, so a server that
 * another test starts in parallel cannot land on it between this check and its use — a port
 * freed by `listen(0)` + `close()` was once reused that way and served a "refused" test.
 */
export async function refusedPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await isFree(port)) return port;
  }
  throw new Error("no free port below the ephemeral range on 127.0.0.1 after 50 tries");
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}
