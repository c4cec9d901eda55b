/** The shape of @kassa/contracts' Clock (config depends on no other package). */
interface Clock {
  now(): Date;
}

/** What a test sends a process over its IPC channel to move its clock. */
export interface TestClockMessage {
  kassaTestClock: string;
}

export interface TestClock extends Clock {
  /** Called after each move, with the new time (the settlement worker closes days then). */
  onMove(listener: (now: Date) => void | Promise<void>): void;
}

/**
 * A process's clock in end-to-end tests that span days: KASSA_TEST_CLOCK (an ISO 8601 time)
 * starts the clock there, and it runs on from it; a test moves it with an IPC message
 * `{ kassaTestClock: '<ISO time>' }`, answered with `{ kassaTestClockMoved: '<ISO time>' }` once
 * the listeners have run. The clock is injected like any other (every process takes a Clock);
 * this only lets a test set it across a process boundary. Refused in production.
 */
export function testClockFromEnv(
  setting: string | undefined,
  nodeEnv: string,
): TestClock | undefined {
  if (setting === undefined) return undefined;
  if (nodeEnv === 'production')
    throw new Error('KASSA_TEST_CLOCK is for tests: it is refused when NODE_ENV is production.');
  const start = Date.parse(setting);
  if (Number.isNaN(start))
    throw new Error(`KASSA_TEST_CLOCK "${setting}" is not an ISO 8601 time.`);
  let offset = start - Date.now();
  const listeners: Array<(now: Date) => void | Promise<void>> = [];
  const clock: TestClock = {
    now: () => new Date(Date.now() + offset),
    onMove: (listener) => {
      listeners.push(listener);
    },
  };
  process.on('message', (message: unknown) => {
    const to = (message as Partial<TestClockMessage> | null)?.kassaTestClock;
    if (typeof to !== 'string' || Number.isNaN(Date.parse(to))) return;
    offset = Date.parse(to) - Date.now();
    void (async () => {
      for (const listener of listeners) await listener(clock.now());
      process.send?.({ kassaTestClockMoved: to });
    })();
  });
  return clock;
}
