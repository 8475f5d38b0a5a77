/**
 * Helpers for the quiet-resume tests (SPEC P5 "Resume", M4, M6, M7): the shared materializer
 * for service "web" over a real transport lives in test/support/web-materializer.ts.
 */
export * from "../support/web-materializer.js";
