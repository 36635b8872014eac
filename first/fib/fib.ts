// The original blueprint's hot path, kept deliberately naive so that CPU profiles show _one → _two → _fibo → fibo.
// Every call below is followed by real work: JavaScriptCore eliminates tail calls, and a frame that was
// tail-called away never appears in a profile.

export interface Fibonacci {
  n: number;
  fibonacci: number;
}

export function fibo(n: number): number {
  return n < 2 ? n : fibo(n - 1) + fibo(n - 2);
}

/**
 * Like the original, first computes fibo(i) for i in 1..n-2 (extra CPU on purpose). Their sum is F(n) - 1,
 * which makes the extra work a self-check of the answer instead of discarded results.
 */
export function _fibo(n: number): number {
  let warmUp = 0;
  for (let i = 1; i <= n - 2; i++) warmUp += fibo(i);
  const value = fibo(n);
  if (n >= 2 && warmUp !== value - 1) throw new Error(`fibonacci self-check failed for n=${n}`);
  return value;
}

export function _two(n: number): number {
  const value = _fibo(n);
  if (!Number.isSafeInteger(value)) throw new RangeError(`F(${n}) is beyond exact integer precision`);
  return value;
}

export function _one(n: number): Fibonacci {
  const fibonacci = _two(n);
  return { n, fibonacci };
}
