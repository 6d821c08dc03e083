import { defineConfig } from "vitest/config";

// `npm run test:slurm`: integration tests against a throwaway single-node Slurm cluster
// (scripts/slurm/cluster.sh). Each test file starts its own cluster on fixed loopback ports
// with one node named after this machine, so files must run one at a time, in one fork.
export default defineConfig({
  test: {
    include: ["test/slurm/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
    maxWorkers: 1,
  },
});
