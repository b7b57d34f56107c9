/** Adds missing platform-specific optional entries to a parsed package-lock; returns what it added. */
export function completeLockfile(lock: unknown): string[];
