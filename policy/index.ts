// The MOSIP policy pack: `pulumi preview --policy-pack policy` (or `pulumi up --policy-pack policy`)
// from the project directory. The Pulumi CLI starts this file in its own process with the stack's
// config in PULUMI_CONFIG; `mosip-crvs:environment` decides whether violations block the update
// (production, the default) or only warn (development). See rules.ts for the rules.
import { PolicyPack } from "@pulumi/policy";
import { buildPolicyPackArgs, PACK_NAME } from "./pack";
import { crvsSystemsOf, environmentOf, parseStackConfig } from "./rules";

const stackConfig = parseStackConfig(process.env.PULUMI_CONFIG);

new PolicyPack(
  PACK_NAME,
  buildPolicyPackArgs({
    environment: environmentOf(stackConfig),
    crvsSystems: crvsSystemsOf(stackConfig),
  }),
);
