/** Calls `attempt` every `intervalMs` until it gives a value; throws naming `what` if none comes within `timeoutMs`. */
export async function poll<T>(
  what: string,
  timeoutMs: number,
  attempt: () => T | undefined | Promise<T | undefined>,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await attempt();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}
