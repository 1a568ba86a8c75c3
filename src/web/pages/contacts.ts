// Placeholder: filled in by the dashboard's contacts pages.
import type { FastifyInstance } from 'fastify';
import type { WebContext } from '../context.js';

export function contactPages(_app: FastifyInstance, _context: WebContext): void {}
