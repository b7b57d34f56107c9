// `npm run sandbox`: starts the MOSIP sandbox on SANDBOX_PORT (default 8090) and prints what to put
// in a stack config to use it.
import { startSandbox } from "./server";

async function main(): Promise<void> {
  const port = Number(process.env.SANDBOX_PORT ?? 8090);
  const sandbox = await startSandbox({ port });
  const o = sandbox.context.options;
  process.stdout.write(
    [
      `MOSIP sandbox listening on ${sandbox.url}`,
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
      "",
      `Control: ${sandbox.url}/__sandbox/{requests,faults,state,seed}`,
      "",
    ].join("\n"),
  );
  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

void main();
