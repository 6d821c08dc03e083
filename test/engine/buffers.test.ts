import { describe, expect, test } from "vitest";
import { fastBuffers, MAX_WINDOW_SLOTS, pipelineSlots, slowBuffers, verifyBuffers, type WindowPlan } from "../../src/engine/buffers.js";
import { WINDOW_BYTES } from "../../src/engine/defaults.js";
import type { Shape4 } from "../../src/schema/layout.js";

const shapes: Shape4[] = [
  { naxis: 2, width: 700, height: 500, depth: 1, stokes: 1 },
  { naxis: 3, width: 1030, height: 520, depth: 9, stokes: 1 },
  { naxis: 3, width: 300, height: 2000, depth: 400, stokes: 1 },
  { naxis: 4, width: 1500, height: 1300, depth: 64, stokes: 2 },
];

/** Every pixel of the plane in exactly one window (a naive count per pixel). */
function expectCover(plan: WindowPlan, width: number, height: number): void {
  const hits = new Uint8Array(width * height);
  for (const w of plan.windows) {
    expect(w.width * w.height).toBeLessThanOrEqual(plan.capacity);
    for (let y = w.y; y < w.y + w.height; y++) for (let x = w.x; x < w.x + w.width; x++) hits[y * width + x]!++;
  }
  expect(hits.every((n) => n === 1)).toBe(true);
}

describe("the passes' buffer plans", () => {
  test("verify's windows in flight are slow mode's: one per thread and one more, at most MAX_WINDOW_SLOTS", () => {
    const cube = shapes[1]!;
    for (const threads of [1, 2, 3, 4, 8, 16, 64]) {
      const slow = slowBuffers(cube, threads).windows!;
      const verify = verifyBuffers(cube, threads, WINDOW_BYTES).windows!;
      expect(verify.slots).toBe(slow.slots);
      expect(slow.slots).toBe(Math.min(threads + 1, MAX_WINDOW_SLOTS));
    }
  });

  test("windows cover each plane once and fit their budgets; images without depth have no window pass", () => {
    for (const shape of shapes) {
      for (const threads of [1, 3, 16]) {
        const fast = fastBuffers(shape, threads, 2 ** 24);
        const slow = slowBuffers(shape, threads);
        const verify = verifyBuffers(shape, threads, 2 ** 25);
        expect(fast.planeSlots).toBe(2 * threads + 2);
        expect(slow.planeSlots).toBe(pipelineSlots(threads) + 1);
        expect(verify.planeSlots).toBe(slow.planeSlots);
        if (shape.depth === 1) {
          expect([fast.windows, slow.windows, verify.windows]).toEqual([undefined, undefined, undefined]);
          continue;
        }
        for (const plan of [fast.windows!, slow.windows!, verify.windows!]) expectCover(plan, shape.width, shape.height);
        // Fast mode's strips: whole columns, their values at most half a batch (or one column).
        expect(fast.windows!.windows.every((w) => w.y === 0 && w.height === shape.height)).toBe(true);
        expect(fast.strip === 1 || fast.windows!.capacity * shape.depth * 4 <= 2 ** 23).toBe(true);
        expect(fast.windows!.slots).toBe(pipelineSlots(threads));
        // The windows read back share their budget.
        expect(verify.windows!.slots * verify.windows!.capacity * shape.depth * 4).toBeLessThanOrEqual(2 ** 25);
        const s = slow.windows!;
        // (A window of one row is the least, whatever the budget.)
        expect(s.capacity === Math.min(512, shape.width) || s.slots * s.capacity * shape.depth * 4 <= WINDOW_BYTES).toBe(true);
      }
    }
  });

  test("a forced tile size gives slow mode square windows of that size", () => {
    const plan = slowBuffers(shapes[3]!, 2, 256).windows!;
    expect(plan.capacity).toBe(256 * 256);
    expectCover(plan, 1500, 1300);
  });
});
