import { afterEach } from 'vitest';

/**
 * One macrotask turn after every test.
 *
 * A vitest worker reports each finished test to the runner over RPC and waits for the reply with a fixed 60 s
 * timeout. tfjs on wasm/cpu computes synchronously and its promises resolve as microtasks, so a file of long tests
 * can keep the worker's event loop from ever reaching its I/O phase: the reply sits unread, and once 60 s have passed
 * Node runs the expired timer before reading it — "[vitest-worker]: Timeout calling 'onTaskUpdate'", a failed run
 * whose tests all passed (vitest-dev/vitest#6479, #8164; seen here on a loaded 2-core machine). Yielding to
 * `setImmediate` after each test lets the worker read the replies in time.
 */
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
