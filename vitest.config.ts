import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // test/slurm/ needs a real Slurm cluster (root, Debian packages): `npm run test:slurm`.
    exclude: [...configDefaults.exclude, "test/slurm/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
