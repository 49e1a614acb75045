/** Sent in the user-agent of every delivery. Kept in step with package.json. */
export const VERSION = '0.1.0';
