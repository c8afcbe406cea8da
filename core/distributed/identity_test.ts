import assert from "node:assert/strict";
import { rankFromEnvironment, resolveIdentity } from "./identity.ts";
import { segmentText } from "./segment.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("rank from the engines' variables, Open MPI first (mpirun inside sbatch sets both)", () => {
  assert.equal(rankFromEnvironment(env({})), undefined);
  assert.deepEqual(
    rankFromEnvironment(env({
      OMPI_COMM_WORLD_RANK: "2",
      OMPI_COMM_WORLD_SIZE: "4",
      SLURM_PROCID: "0",
      SLURM_NTASKS: "1",
    })),
    {
      engine: "mpi",
      rank: 2,
      size: 4,
      vars: { OMPI_COMM_WORLD_RANK: "2", OMPI_COMM_WORLD_SIZE: "4" },
    },
  );
  assert.equal(rankFromEnvironment(env({ PMI_RANK: "1", PMI_SIZE: "2" }))?.engine, "mpi");
  assert.equal(rankFromEnvironment(env({ SLURM_PROCID: "3", SLURM_NTASKS: "8" }))?.rank, 3);
  assert.deepEqual(rankFromEnvironment(env({ JOB_COMPLETION_INDEX: "5" })), {
    engine: "k8s",
    rank: 5,
    size: undefined,
    vars: { JOB_COMPLETION_INDEX: "5" },
  });
  assert.throws(() => rankFromEnvironment(env({ SLURM_PROCID: "x", SLURM_NTASKS: "2" })), /x/);
  assert.throws(() => rankFromEnvironment(env({ PMI_RANK: "1" })), /PMI_SIZE is not/);
});

Deno.test("identity: flags win over the environment; each source checked", () => {
  const mpi = env({ OMPI_COMM_WORLD_RANK: "1", OMPI_COMM_WORLD_SIZE: "3" });
  const flags = resolveIdentity({ workerIndex: 0, workerCount: 2 }, mpi);
  assert.equal(segmentText(flags.segmentation), "0:1/2");
  assert.equal(flags.engine, "flags");
  const fromEnv = resolveIdentity({}, mpi);
  assert.equal(segmentText(fromEnv.segmentation), "1/3:2/3");
  assert.equal(fromEnv.count, 3);
  assert.throws(() => resolveIdentity({ workerCount: 4 }, mpi), /--worker-count 4 disagrees/);
  const k8s = env({ JOB_COMPLETION_INDEX: "2" });
  assert.throws(() => resolveIdentity({}, k8s), /add --worker-count/);
  assert.equal(resolveIdentity({ workerCount: 4 }, k8s).segmentation.index, 2);
  assert.throws(() => resolveIdentity({ workerCount: 2 }, k8s), /outside 0\.\.1/);
  assert.throws(() => resolveIdentity({}, env({})), /which worker this is/);
  const seg = resolveIdentity({ segment: "1/2:1", sequence: "0,1/4,1/2,1" }, env({}));
  assert.equal(seg.count, 3);
  assert.equal(seg.segmentation.index, 2);
});
