// `npm run bench -- --json --offices 1` end to end: the document's shape, and that its counts agree
// with each other (timings are not checked: they depend on the machine).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { attributeWrites, type BenchPoint } from "../../scripts/bench";

const ROOT = join(__dirname, "../..");
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

describe("npm run bench -- --json", () => {
  it("measures converge, no-op and baseline for one office, with consistent counts", () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/bench.ts", "--json", "--offices", "1"],
      { cwd: ROOT, encoding: "utf8", timeout: 840_000, maxBuffer: 64 * 1024 * 1024 },
    );
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      machine: { cpus: number };
      notInBaseline: string[];
      points: BenchPoint[];
      failures: unknown[];
    };
    expect(doc.failures).toEqual([]);
    expect(doc.machine.cpus).toBeGreaterThan(0);
    expect(doc.points).toHaveLength(1);
    const p = doc.points[0];
    expect(p.offices).toBe(1);

    // Objects: by type adds up, and the state's per-type table covers the same objects.
    expect(p.managedObjects).toBeGreaterThan(0);
    expect(sum(p.objectsByType)).toBe(p.managedObjects);
    expect(
      sum(Object.fromEntries(Object.entries(p.state.byType).map(([k, v]) => [k, v.count]))),
    ).toBe(p.managedObjects);
    if (p.objectsByType.RegistrationCentre !== undefined)
      expect(p.objectsByType.RegistrationCentre).toBe(1);

    for (const run of [p.converge, p.noop]) {
      expect(sum(run.requests.byMethod)).toBe(run.requests.total);
      expect(run.requests.writes + run.requests.reads).toBe(run.requests.total);
      expect(run.perObject.requests).toBeCloseTo(run.requests.total / p.managedObjects, 1);
      expect(run.perObject.writes).toBeCloseTo(run.requests.writes / p.managedObjects, 1);
      expect(run.seconds).toBeGreaterThan(0);
      expect(run.peakMemoryMB.bench).toBeGreaterThan(0);
    }
    // Converging from nothing writes; every managed object was created by it.
    expect(p.converge.requests.writes).toBeGreaterThan(0);
    expect(p.converge.steps.create).toBeGreaterThanOrEqual(p.managedObjects);
    expect(p.noop.steps.create ?? 0).toBe(0);
    // The verdicts are what the counts say.
    expect(p.noop.zeroWrites).toBe(p.noop.requests.writes === 0);
    expect(p.noop.atMostOneReadPerObject).toBe(p.noop.requests.reads <= p.managedObjects);

    // Writes per type: every converge write is attributed to exactly one type, each type's calls
    // add up to its writes, objects match the state's, and excess is observed minus minimum.
    const w = p.convergeWritesByType;
    expect(w.unattributed).toEqual([]);
    expect(w.attributed).toBe(p.converge.requests.writes);
    const types = Object.entries(w.byType);
    expect(types.reduce((a, [, t]) => a + t.writes, 0)).toBe(w.attributed);
    expect(types.reduce((a, [, t]) => a + t.objects, 0)).toBe(p.managedObjects);
    for (const [type, t] of types) {
      expect(t.objects, type).toBe(p.objectsByType[type] ?? 0);
      expect(sum(t.calls), type).toBe(t.writes);
      if (t.writes > 0)
        expect(t.objects, `${type} wrote but the state has none`).toBeGreaterThan(0);
      if (t.minimum === null) expect(t.excess).toBeNull();
      else {
        // Every object needs a write, but a properties file already as declared needs no push.
        if (type === "ConfigProperties") expect(t.minimum).toBeLessThanOrEqual(t.objects);
        else expect(t.minimum, type).toBeGreaterThanOrEqual(t.objects);
        expect(t.excess, type).toBe(t.writes - t.minimum);
        expect(t.reason, type).toMatch(/§\d/);
      }
      // An excess always carries its cause; none may be unexplained.
      expect(t.excessCause === null, type).toBe(
        !((t.excess ?? 0) > 0 || (t.minimum === null && t.writes > 0)),
      );
      expect(t.excessCause ?? "", type).not.toMatch(/^UNEXPLAINED/);
    }
    // The centre: one POST, a PUT per other language, one activation (the stack has 3 languages).
    const centre = w.byType.RegistrationCentre;
    if (centre) {
      expect(centre.minimumPerObject).toBe(4);
      expect(centre.writes).toBe(4);
    }

    // State: the total covers the resources and their providers.
    expect(p.state.totalBytes).toBeGreaterThan(p.state.providerBytes);
    expect(p.state.perResourceBytes).toBe(Math.round(p.state.totalBytes / p.managedObjects));

    // Baseline: measured in the same run, ratio from the two timings.
    expect(p.baseline.covers.length).toBeGreaterThan(0);
    expect(p.baseline.writes).toBeGreaterThan(0);
    expect(p.baseline.requests).toBeGreaterThanOrEqual(p.baseline.writes);
    expect(p.baseline.ratio).toBeCloseTo(p.converge.seconds / p.baseline.seconds, 1);
    expect(doc.notInBaseline.length).toBeGreaterThan(0);
  }, 900_000);

  it("attributes writes by path, splits role mappings by user kind, and lists what no rule claims", () => {
    const kc = "/auth/admin/realms/mosip";
    const served = [
      { method: "POST", path: `${kc}/users/sa-1/role-mappings/realm` },
      { method: "POST", path: `${kc}/users/u-1/role-mappings/realm` },
      { method: "DELETE", path: `${kc}/users/u-1/role-mappings/realm` },
      { method: "POST", path: "/v1/masterdata/registrationcenters" },
      { method: "PUT", path: "/v1/masterdata/registrationcenters/language" },
      { method: "PATCH", path: "/v1/masterdata/registrationcenters" },
      { method: "POST", path: "/v1/masterdata/registrationcenters/search" },
      { method: "GET", path: "/v1/masterdata/registrationcenters/10001/all" },
      { method: "POST", path: "/v1/policymanager/policies/p1/group/g1/publish" },
      { method: "POST", path: "/v1/keymanager/somethingelse" },
    ];
    const objects = [
      { type: "keycloak:index/userRoles:UserRoles", inputs: {} },
      {
        type: "keycloak:index/clientServiceAccountRealmRole:ClientServiceAccountRealmRole",
        inputs: {},
      },
      {
        type: "pulumi-nodejs:dynamic/mosip:RegistrationCentre",
        inputs: { localized: { eng: {}, fra: {} } },
      },
    ];
    const w = attributeWrites(served, objects, 3, new Set(["sa-1"]));
    expect(w.unattributed).toEqual(["POST /v1/keymanager/somethingelse"]);
    expect(w.attributed).toBe(7);
    expect(w.byType.ClientServiceAccountRealmRole.writes).toBe(1);
    expect(w.byType.UserRoles).toMatchObject({ objects: 1, writes: 2, minimum: 1, excess: 1 });
    expect(w.byType.UserRoles.excessCause).toMatch(/default-roles/);
    // Two languages declared: POST + one PUT + PATCH; search and GET are reads.
    expect(w.byType.RegistrationCentre).toMatchObject({
      writes: 3,
      minimumPerObject: 3,
      excess: 0,
    });
    expect(w.byType.RegistrationCentre.excessCause).toBeNull();
    // A policy written with no Policy in the state is an excess nobody explains.
    expect(w.byType.Policy).toMatchObject({ objects: 0, writes: 1, minimum: null });
    expect(w.byType.Policy.excessCause).toMatch(/^UNEXPLAINED/);
    expect(w.byType.Policy.calls).toEqual({
      "POST /v1/policymanager/policies/{id}/group/{id}/publish": 1,
    });

    // Config pushes: the minimum is the commits the run added (files that needed a change).
    const push = { method: "POST", path: "/git/mosip-config.git/git-receive-pack" };
    const cfg = { type: "pulumi-nodejs:dynamic/mosip:ConfigProperties", inputs: {} };
    const c = attributeWrites([push, push, push], [cfg, cfg], 3, new Set(), 1);
    expect(c.byType.ConfigProperties).toMatchObject({
      objects: 2,
      writes: 3,
      minimum: 1,
      excess: 2,
    });
    expect(c.byType.ConfigProperties.excessCause).toMatch(/lost the race/);
  });
});
