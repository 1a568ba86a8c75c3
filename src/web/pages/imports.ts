// Placeholder: filled in by the dashboard's imports pages.
import type { FastifyInstance } from 'fastify';
import type { WebContext } from '../context.js';

export function importPages(_app: FastifyInstance, _context: WebContext): void {}
