/** The worker thread's entry point (piscina): run one unit task on shared buffers. */
import { runTask, type UnitTask } from "./unit-tasks.js";

export default function run(task: UnitTask): ReturnType<typeof runTask> {
  return runTask(task);
}
