/**
 * Tells a fault a retry will fix (Postgres or Redis unreachable, restarting, overloaded) from a bug.
 * Those answer 503 with retry-after, so clients, and Stripe, come back.
 */
const PG_TRANSIENT_CODES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);
const MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Connection is closed',
  "Stream isn't writeable",
  'enableOfflineQueue',
  'Reached the max retries per request limit',
  'Client has encountered a connection error',
  'connect ECONNREFUSED',
  'the database system is',
  'Cannot use a pool after calling end',
  'timed out waiting for redis',
];

export function isTransientInfraError(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 3) return false;
  const err = e as {
    code?: unknown;
    message?: unknown;
    name?: unknown;
    driverError?: unknown;
    cause?: unknown;
  };
  if (typeof err.code === 'string' && (PG_TRANSIENT_CODES.has(err.code) || NET_CODES.has(err.code)))
    return true;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  if (typeof err.message === 'string' && MESSAGES.some((m) => (err.message as string).includes(m)))
    return true;
  return isTransientInfraError(err.driverError, depth + 1) || isTransientInfraError(err.cause, depth + 1);
}
