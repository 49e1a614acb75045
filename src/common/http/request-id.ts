import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const CLIENT_ID = /^[A-Za-z0-9._-]{1,128}$/;

// Request ids need to be unique, not secret: a random per-process prefix and a counter, so no
// request pays for fresh random bytes.
const PREFIX = `req_${randomBytes(6).toString('base64url')}`;
let counter = 0;

/** Echoes a well-formed client x-request-id, else makes one; every response carries it. */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const sent = req.headers['x-request-id'];
  const id =
    typeof sent === 'string' && CLIENT_ID.test(sent)
      ? sent
      : `${PREFIX}${(counter++).toString(36).padStart(6, '0')}`;
  (req as Request & { id: string }).id = id;
  res.setHeader('x-request-id', id);
  next();
}
