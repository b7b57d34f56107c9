import { describe, expect, it } from "vitest";
import { findDrift, renderReport } from "../../scripts/drift-report";

const urn = (type: string, name: string) => `urn:pulumi:dev::mosip-crvs::${type}::${name}`;

describe("drift report", () => {
  it("lists objects whose live outputs differ, by property name only", () => {
    const drift = findDrift({
      steps: [
        { op: "same", urn: urn("pulumi:pulumi:Stack", "mosip-crvs-dev") },
        {
          op: "refresh",
          urn: urn("pulumi-nodejs:dynamic/mosip:PolicyGroup", "opencrvs-group"),
          oldState: { outputs: { description: "CRVS", name: "g", __provider: "x" } },
          newState: { outputs: { description: "edited by hand", name: "g", __provider: "y" } },
        },
        {
          op: "refresh",
          urn: urn("pulumi-nodejs:dynamic/mosip:Partner", "opencrvs"),
          oldState: { outputs: { a: { b: 1, c: 2 } } },
          newState: { outputs: { a: { c: 2, b: 1 } } },
        },
        { op: "delete", urn: urn("keycloak:openid/client:Client", "crvs-client") },
      ],
    });
    expect(drift).toEqual([
      {
        op: "drifted",
        type: "pulumi-nodejs:dynamic/mosip:PolicyGroup",
        name: "opencrvs-group",
        properties: ["description"],
      },
      { op: "delete", type: "keycloak:openid/client:Client", name: "crvs-client", properties: [] },
    ]);
  });

  it("never prints property values", () => {
    const drift = findDrift({
      steps: [
        {
          op: "update",
          urn: urn("pulumi-nodejs:dynamic/mosip:ApiKey", "key"),
          oldState: { outputs: { apiKey: "s3cr3t-old" } },
          newState: { outputs: { apiKey: "s3cr3t-new" } },
          detailedDiff: { apiKey: { kind: "update" } },
        },
      ],
    });
    const md = renderReport("dev", drift);
    expect(md).toContain("| key | `pulumi-nodejs:dynamic/mosip:ApiKey` | update | apiKey |");
    expect(md).not.toContain("s3cr3t");
  });

  it("says so when nothing drifted", () => {
    expect(renderReport("dev", findDrift({ steps: [] }))).toContain("none");
  });
});
