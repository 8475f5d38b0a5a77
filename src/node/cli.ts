#!/usr/bin/env node
/** The `react-submatview` bin: `react-submatview relay --upstream URL` (see relay-cli.ts). */
import { main } from "./relay-cli.js";

await main(process.argv.slice(2));
