// `npm run sandbox`: starts the MOSIP sandbox on SANDBOX_PORT (default 8090) and prints what to put
// in a stack config to use it.
import { join } from "node:path";
import { CallbackReceiver } from "../../scripts/e2e/callback-receiver";
import { stackConfig, stackRelease } from "../../scripts/harness";
import { startSandbox } from "./server";

interface LocalSystem {
  partnerId: string;
  callbacks?: { credentialIssued?: string; packetStatus?: string };
}

/**
 * The adapter's stand-in for `pulumi up --stack local`: the local stack's callbacks point at
 * 127.0.0.1:<SANDBOX_CALLBACK_PORT>, where the hub's intent verification must be answered. It
 * confirms the credential topic of each CRVS system and any packet-status topic; deliveries are
 * refused (403) because it does not know the stack's hub secrets.
 */
async function startReceiver(config: Record<string, unknown>): Promise<CallbackReceiver> {
  const port = Number(process.env.SANDBOX_CALLBACK_PORT ?? 8091);
  const receiver = await CallbackReceiver.start({ port });
  const systems = (config["mosip-crvs:crvsSystems"] as LocalSystem[] | undefined) ?? [];
  const local = (u: string | undefined) => {
    if (!u) return undefined;
    const url = new URL(u);
    return url.hostname === "127.0.0.1" ? url.pathname : undefined;
  };
  for (const s of systems) {
    const credential = local(s.callbacks?.credentialIssued);
    if (credential) receiver.route({ path: credential, topic: `${s.partnerId}/CREDENTIAL_ISSUED` });
    const status = local(s.callbacks?.packetStatus);
    if (status) receiver.route({ path: status, topic: () => true });
  }
  return receiver;
}

async function main(): Promise<void> {
  const port = Number(process.env.SANDBOX_PORT ?? 8090);
  // Seeded as the release Pulumi.local.yaml targets, unless SANDBOX_MOSIP_RELEASE says otherwise.
  const local = stackConfig(join(__dirname, "..", ".."), "local").config;
  const release = process.env.SANDBOX_MOSIP_RELEASE ? undefined : stackRelease(local);
  const sandbox = await startSandbox({ port, ...(release ? { release } : {}) });
  const receiver = await startReceiver(local);
  const o = sandbox.context.options;
  process.stdout.write(
    [
      `MOSIP sandbox (release ${o.release}) listening on ${sandbox.url}`,
      `Adapter stand-in answering the hub at ${receiver.url} (the local stack's callbacks)`,
      "",
      "Use it from a stack (Pulumi.local.yaml is already set up for the default port):",
      `  mosip-crvs:mosip.apiBaseUrl     ${sandbox.url}`,
      `  mosip-crvs:keycloak.url         ${sandbox.url}/auth`,
      `  mosip-crvs:websub.hubUrl        ${sandbox.url}/hub`,
      `  mosip-crvs:configServer.url     ${sandbox.url}/config`,
      "",
      "Credentials (seeded; override with SANDBOX_* environment variables):",
      `  MOSIP_CLIENT_ID=${o.adminClientId}`,
      `  MOSIP_CLIENT_SECRET=<SANDBOX_ADMIN_CLIENT_SECRET>`,
      `  KEYCLOAK_ADMIN_USER=${o.keycloakAdminUser}`,
      `  admin portal login (realm mosip): ${o.globalAdminUser} / <SANDBOX_GLOBAL_ADMIN_PASSWORD>`,
      "",
      `Control: ${sandbox.url}/__sandbox/{requests,faults,state,seed}`,
      "",
    ].join("\n"),
  );
  const stop = () => {
    void Promise.all([sandbox.close(), receiver.close()]).then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

void main();
