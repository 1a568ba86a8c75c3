// Placeholder: filled in by the dashboard's jobs pages.
import type { FastifyInstance } from 'fastify';
import type { WebContext } from '../context.js';

export function jobPages(_app: FastifyInstance, _context: WebContext): void {}
