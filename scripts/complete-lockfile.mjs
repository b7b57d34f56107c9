// Adds package-lock entries for platform-specific optional dependencies that the registry this
// lock was generated against does not serve (e.g. @rollup/rollup-android-arm-eabi). npm 11's
// `npm ci` refuses a lock that lacks an entry for any optional dependency it names, while each
// platform installs only the build matching its os/cpu/libc. Run after `npm install`:
//   node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from "node:fs";

const PLATFORM = [
  [/android/, { os: ["android"] }],
  [/darwin/, { os: ["darwin"] }],
  [/freebsd/, { os: ["freebsd"] }],
  [/openbsd/, { os: ["openbsd"] }],
  [/openharmony/, { os: ["openharmony"] }],
  [/netbsd/, { os: ["netbsd"] }],
  [/sunos/, { os: ["sunos"] }],
  [/aix/, { os: ["aix"] }],
  [/win32/, { os: ["win32"] }],
  [/linux/, { os: ["linux"] }],
];
const CPU = [
  [/arm64|aarch64/, "arm64"],
  [/arm(?!64)/, "arm"],
  [/x64|amd64/, "x64"],
  [/ia32/, "ia32"],
  [/loong64/, "loong64"],
  [/ppc64/, "ppc64"],
  [/riscv64/, "riscv64"],
  [/s390x/, "s390x"],
];

export function completeLockfile(lock) {
  const added = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
      const key = `node_modules/${name}`;
      const nested = `${path}/node_modules/${name}`;
      if (lock.packages[key] || lock.packages[nested]) continue;
      const base = name.split("/").pop();
      const os = PLATFORM.find(([re]) => re.test(base))?.[1].os;
      const cpu = CPU.find(([re]) => re.test(base))?.[1];
      if (!os || !cpu) continue;
      const libc = /musl/.test(base)
        ? ["musl"]
        : /gnu/.test(base) && os[0] === "linux"
          ? ["glibc"]
          : undefined;
      lock.packages[key] = {
        version,
        ...(entry.dev ? { dev: true } : {}),
        optional: true,
        os,
        cpu: [cpu],
        ...(libc ? { libc } : {}),
      };
      added.push(`${name}@${version}`);
    }
  }
  return added;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = "package-lock.json";
  const lock = JSON.parse(readFileSync(file, "utf8"));
  const added = completeLockfile(lock);
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  process.stdout.write(
    `complete-lockfile: added ${added.length} entries${added.length ? `: ${added.join(", ")}` : ""}\n`,
  );
}
