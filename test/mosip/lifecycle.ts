// The setup every MOSIP resource's provider-host test repeats: a sandbox, the resource's provider
// serialized as `pulumi up` serializes it, a provider host configured with the stack config the
// engine would send, and an admin MOSIP client for setup and for drift made "by hand".
import { createServer } from "node:net";
import { expect } from "vitest";
import { MosipClient } from "../../components/mosip/client";
import {
  findLeaks,
  serializeResourceProviders,
  startProviderHost,
  type ProviderHost,
  type ProviderHostOptions,
  type SerializedProvider,
} from "../provider-host/harness";
import { startSandbox, type Sandbox } from "../sandbox/server";

export const CLIENT_ID = "mosip-deployment-client";
export const APP_ID = "partner";
/** The secret stack-config key (wrapped as a secret in Configure, as the engine does). */
export const SECRET_KEYS = ["mosip-crvs:mosipClientSecret"];

/** Stack config as the engine sends it to Configure; `extra` goes into `mosip-crvs:mosip`. */
export function mosipStackConfig(
  apiBaseUrl: string,
  secret: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    "mosip-crvs:mosip": { apiBaseUrl, clientId: CLIENT_ID, appId: APP_ID, ...extra },
    "mosip-crvs:mosipClientSecret": secret,
  };
}

export interface MosipLifecycle {
  sandbox: Sandbox;
  /** The sandbox's admin client secret: what stack config holds. */
  secret: string;
  /** An admin client on the sandbox (no retries): the stack's own credential. */
  mosip: MosipClient;
  /**
   * The sandbox's human global admin (password login, same connection settings): an operator
   * working in the admin portal. MOSIP records another `createdBy`, so what it makes is not the
   * stack's.
   */
  operator: MosipClient;
  /** The serialized providers, in the order of `resources`. */
  providers: SerializedProvider[];
  /** The host the tests share, configured with the sandbox's stack config. */
  host: ProviderHost;
  /** Stops the host, the admin client and the sandbox. */
  close(): Promise<void>;
}

export interface LifecycleOptions {
  /** What to serialize (module relative to the project root, export, constructor args). */
  resources: { module: string; export: string; args?: Record<string, unknown> }[];
  /** Sandbox options (faults, ...). */
  sandbox?: Parameters<typeof startSandbox>[0];
  /** MOSIP setup the tests need; runs while the providers are serialized (that takes seconds). */
  setup?(l: Pick<MosipLifecycle, "sandbox" | "secret" | "mosip" | "operator">): Promise<void>;
  /** Environment of the shared host. @default { MOSIP_RETRY_DELAY_MS: "50" } */
  hostEnv?: Record<string, string>;
  /** Extra keys of `mosip-crvs:mosip` for the shared host; its `appId` is the admin client's too. */
  mosipConfig?: Record<string, unknown>;
}

/** Starts the sandbox, serializes the providers, runs `setup` and starts the shared host. */
export async function startLifecycle(o: LifecycleOptions): Promise<MosipLifecycle> {
  const sandbox = await startSandbox(o.sandbox);
  const secret = sandbox.context.options.adminClientSecret;
  const mosip = new MosipClient({
    apiBaseUrl: sandbox.url,
    credentials: {
      clientId: CLIENT_ID,
      secretKey: secret,
      appId: String(o.mosipConfig?.appId ?? APP_ID),
    },
    retries: 0,
  });
  const o2 = sandbox.context.options;
  const operator = mosip.asUser({
    userName: o2.globalAdminUser,
    password: o2.globalAdminPassword,
    appId: "admin",
  });
  let host: ProviderHost | undefined;
  try {
    const serialized = serializeResourceProviders(o.resources);
    // Not left unhandled while setup runs; awaited (and thrown) below.
    serialized.catch(() => undefined);
    await o.setup?.({ sandbox, secret, mosip, operator });
    const providers = await serialized;
    host = await startProviderHost({
      config: mosipStackConfig(sandbox.url, secret, o.mosipConfig),
      env: o.hostEnv ?? { MOSIP_RETRY_DELAY_MS: "50" },
      secretKeys: SECRET_KEYS,
    });
    const h = host;
    return {
      sandbox,
      secret,
      mosip,
      operator,
      providers,
      host: h,
      async close() {
        await h.close();
        await mosip.close();
        await operator.close();
        await sandbox.close();
      },
    };
  } catch (e) {
    await host?.close();
    await mosip.close();
    await operator.close();
    await sandbox.close();
    throw e;
  }
}

/** Runs `fn` with a provider host of its own (another secret, an unreachable MOSIP, ...). */
export async function withHost<T>(
  opts: ProviderHostOptions,
  fn: (h: ProviderHost) => Promise<T>,
): Promise<T> {
  const h = await startProviderHost({ secretKeys: SECRET_KEYS, ...opts });
  try {
    return await fn(h);
  } finally {
    await h.close();
  }
}

/** A loopback port nothing listens on (bound, then released). */
export function unusedPort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * What every serialized MOSIP provider must be: the resource's type token, none of `secrets` in
 * the text, and a reference to the installed provider package, not a copy of the code
 * (test/mosip/dynamic.test.ts measures every type's size).
 */
export function expectProviderReference(
  p: SerializedProvider,
  type: string,
  secrets: string[],
): void {
  expect(p.type).toBe(`pulumi-nodejs:dynamic/mosip:${type}`);
  expect(findLeaks(p.text, secrets)).toEqual([]);
  expect(p.text).toContain('require("@mosip-crvs/mosip-providers")');
  expect(p.text).toContain(`type: "${type}"`);
  expect(p.size).toBeLessThan(16 * 1024);
}
