/**
 * Play-function helpers: the rows a story's table shows, the same rows as the datacenter's
 * catalog holds them, and a bounded wait until the two agree (the view converged).
 */
import type { Datacenter } from "react-submatview/testing";
import { expect, waitFor } from "storybook/test";

/** Long enough for a loaded 2-core CI machine; a view that never converges still fails. */
export const CONVERGE_MS = 8_000;

/** `node instance tags status` of each table row in `root`, sorted. */
export function shownRows(root: ParentNode): string[] {
  return Array.from(root.querySelectorAll<HTMLTableRowElement>("[data-testid=row]"), (row) => {
    const [node, instance, , tags, status] = Array.from(row.cells, (c) => c.textContent ?? "");
    return `${node} ${instance} ${tags} ${status}`;
  }).sort();
}

/** The catalog's instances of `service`, as {@link shownRows} prints them. */
export function catalogRows(datacenter: Datacenter, service: string): string[] {
  return datacenter.catalog
    .specs()
    .filter((spec) => spec.service === service)
    .map(
      (s) => `${s.node} ${s.id ?? s.service} ${(s.tags ?? []).join(", ")} ${s.status ?? "passing"}`,
    )
    .sort();
}

/** Waits until `root` shows exactly the catalog's instances of `service`, live. */
export async function expectConverged(
  root: HTMLElement,
  datacenter: Datacenter,
  service: string,
): Promise<void> {
  await waitFor(
    () => {
      expect(shownRows(root)).toEqual(catalogRows(datacenter, service));
      for (const status of root.querySelectorAll("[data-testid=status]")) {
        expect(status.getAttribute("data-status")).toMatch(/^(live|success)$/);
      }
    },
    { timeout: CONVERGE_MS },
  );
}

/** Records whether `predicate(root)` ever held while the DOM under `root` changed. */
export function watchDom(root: HTMLElement, predicate: (root: HTMLElement) => boolean) {
  let seen = predicate(root);
  const observer = new MutationObserver(() => {
    seen ||= predicate(root);
  });
  observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
  return {
    /** Stops watching; whether the predicate held at any point. */
    stop(): boolean {
      observer.disconnect();
      return seen;
    },
  };
}
