/** Error assertions: the class AND the message, never a bare toThrow(). */
import { expect } from 'vitest';

export type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Asserts that `fn` throws an instance of `cls`, named after it (so a sibling subclass does not pass), whose message is exactly
 * `message`, or matches it when a RegExp is given.
 */
export function expectError(fn: () => unknown, cls: ErrorClass, message: string | RegExp): void {
  let caught: unknown = undefined;
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
    caught = e;
  }
  expect(threw, `expected a ${cls.name} with message ${String(message)}, but nothing was thrown`).toBe(true);
  expect(caught).toBeInstanceOf(cls);
  expect((caught as Error).name).toBe(cls.name);
  if (typeof message === 'string') expect((caught as Error).message).toBe(message);
  else expect((caught as Error).message).toMatch(message);
}
