/**
 * The one registry of queues and their job payloads, so producers and consumers meet here without
 * importing each other. Jobs carry ids only: never secrets or bodies.
 */
export const QUEUES = {
  delivery: 'webhook-delivery',
  stripeNormalization: 'stripe-normalization',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface JobPayloads {
  [QUEUES.delivery]: { deliveryId: string; workspaceId: string };
  [QUEUES.stripeNormalization]: { archivedEventId: string; workspaceId: string };
}

/** Completed jobs are dropped so Redis memory stays flat; failed ones are kept briefly for inspection. */
export const DEFAULT_JOB_OPTIONS = {
  removeOnComplete: true,
  removeOnFail: 1000,
} as const;

/** Bull's queue.add can hang while Redis is away (ioredis queues offline commands): bound it. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out waiting for redis: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
