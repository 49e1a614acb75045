import { isUtf8 } from 'node:buffer';
import express, { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors';
import { sendError } from './error-response';
import { findJsonShapeProblem } from './json-shape';

const JSON_TYPE = /^application\/json\s*(?:;|$)/i;

/** Far deeper than any request of this API; deeper bodies are refused before anything walks them. */
const MAX_DEPTH = 32;

/**
 * The API's body rules, in the contract's order: size (413), then UTF-8 and JSON object (400),
 * then content type (415); then what no handler could store or walk (NUL, unpaired surrogates,
 * absurd nesting: 400). Paths for which `skip` answers true (the Stripe ingestion route, which
 * reads its raw bytes itself after checking the integration and header) are left unread.
 */
export function jsonBodyMiddleware(limitBytes: number, skip: (req: Request) => boolean) {
  const readRaw = express.raw({ type: () => true, limit: limitBytes });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (skip(req)) return next();
    readRaw(req, res, (err?: unknown) => {
      if (err) {
        const e = err as { type?: string; status?: number };
        if (e.type === 'entity.too.large' || e.status === 413) {
          return sendError(
            req,
            res,
            new AppError('payload_too_large', `body must be at most ${limitBytes / 1024} KiB`),
          );
        }
        return sendError(req, res, new AppError('validation_failed', 'body could not be read'));
      }
      const raw: unknown = req.body;
      if (!Buffer.isBuffer(raw) || raw.length === 0) {
        req.body = undefined;
        return next();
      }
      const bad = (message: string) =>
        sendError(req, res, new AppError('validation_failed', message, [{ field: 'body', message }]));
      if (!isUtf8(raw)) return bad('body must be valid UTF-8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        return bad('body must be valid JSON');
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return bad('body must be a JSON object');
      }
      if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) {
        return sendError(
          req,
          res,
          new AppError('unsupported_media_type', 'content-type must be application/json'),
        );
      }
      const problem = findJsonShapeProblem(parsed, MAX_DEPTH);
      if (problem) {
        return sendError(
          req,
          res,
          new AppError('validation_failed', problem.message, [
            { field: problem.path, message: problem.message },
          ]),
        );
      }
      req.body = parsed;
      next();
    });
  };
}

/** A NUL in the path or query can be neither stored nor matched: refused before any route sees it. */
export function rejectNulInUrl(req: Request, res: Response, next: NextFunction): void {
  if (/%00/i.test(req.url)) {
    const message = 'the URL must not contain NUL characters';
    return sendError(req, res, new AppError('validation_failed', message, [{ field: 'url', message }]));
  }
  next();
}
