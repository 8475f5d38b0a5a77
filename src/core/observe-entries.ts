/**
 * The key of the registry's devtools hook, in a module of its own so that
 * `react-submatview/devtools` can use it without bundling the registry class (a class with a
 * computed member is kept whole by bundlers). Internal: no entry exports it.
 */

/** `registry[OBSERVE_ENTRIES](observer)`; `Symbol.for`, so two copies of the module agree. */
export const OBSERVE_ENTRIES: unique symbol = Symbol.for("react-submatview.observeEntries");
