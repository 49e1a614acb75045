/** The public ingestion route's prefix: its body is read raw by the route itself, never by the JSON parser. */
export const STRIPE_WEBHOOK_PATH_PREFIX = '/v1/integrations/stripe/webhook/';
