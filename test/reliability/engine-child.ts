// Runs one harness-engine operation in its own process, so the crash test can kill it (and the
// program and provider host it starts) at a chosen point. Reads the EngineOptions (without
// callbacks) as JSON from the file named by argv[2]; prints one JSON line per step on stdout;
// exits 1 with the error message on stderr when the operation fails.
import { readFileSync } from "node:fs";
import { runEngine, type EngineOptions } from "../harness/engine";

const opts = JSON.parse(readFileSync(process.argv[2], "utf8")) as EngineOptions;
runEngine({ ...opts, onStep: (e) => process.stdout.write(`${JSON.stringify(e)}\n`) }).then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  },
);
