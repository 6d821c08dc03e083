/** The FitsError a promise rejects with; fails the test if it resolves or rejects otherwise. */
import { expect } from "vitest";
import { FitsError } from "../../src/fits/errors.js";

export async function fitsError(promise: Promise<unknown>): Promise<FitsError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FitsError);
    return error as FitsError;
  }
  return expect.fail("expected a FitsError");
}
