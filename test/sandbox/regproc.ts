// Placeholder: this service is being written; see the sandbox section of README.md.
import type { SandboxContext } from "./types";

export function register(_sb: SandboxContext): void {}
