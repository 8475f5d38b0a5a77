/**
 * The large form of the fault soak and the leak churn (issue 7 items 1 and 3): runs
 * `test/reliability/fault-soak.test.tsx` with many more cases (and `leaks.test.tsx` with more
 * rounds) under vitest, which provides jsdom for the mounted components, and prints their
 * figures. `SOAK_FAULT_CASES` (default 300), `SOAK_FAULT_STEPS` (default 40),
 * `SOAK_FAULT_SEED` (or `SOAK_SEED`) and `SOAK_LEAK_ROUNDS` (default 240) size it.
 */
import { spawn } from "node:child_process";

function vitest(file: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn("npx", ["vitest", "run", file], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

const figuresLine = (out: string, tag: string) => {
  const line = out.split("\n").find((l) => l.includes(tag));
  return line?.slice(line.indexOf(tag) + tag.length + 1);
};

export async function runFaultSoak(): Promise<number> {
  const cases = process.env.SOAK_FAULT_CASES ?? "300";
  const seed = process.env.SOAK_FAULT_SEED ?? process.env.SOAK_SEED;
  const fault = await vitest("test/reliability/fault-soak.test.tsx", {
    FAULT_SOAK_CASES: cases,
    FAULT_SOAK_STEPS: process.env.SOAK_FAULT_STEPS ?? "40",
    // About 2 s a case on a loaded 2-core machine; the budget bounds shrinking too.
    FAULT_SOAK_BUDGET_MS: String(Number(cases) * 6_000),
    ...(seed ? { FAULT_SOAK_SEED: seed } : {}),
  });
  const leaks = await vitest("test/reliability/leaks.test.tsx", {
    LEAK_ROUNDS: process.env.SOAK_LEAK_ROUNDS ?? "240",
  });
  console.log(`fault soak: ${figuresLine(fault.out, "FAULT_SOAK_FIGURES") ?? "no figures"}`);
  console.log(`leak churn: ${figuresLine(leaks.out, "LEAK_FIGURES") ?? "no figures"}`);
  return (fault.code === 0 ? 0 : 1) + (leaks.code === 0 ? 0 : 1);
}
