// A plugin that works on the instance it is registered on, not in a scope of
// its own: its hooks, parsers and handlers apply to the whole app. This is
// what fastify-plugin does, by the hidden property fastify reads
// (Reference/Plugins.md, "Handle the scope").
import type { FastifyPluginAsync, FastifyPluginOptions, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

export type AppPlugin<Options extends FastifyPluginOptions = Record<never, never>> = FastifyPluginAsync<
  Options,
  RawServerDefault,
  TypeBoxTypeProvider
>;

/** `plugin`, marked to run on the instance it is registered on, under `name` (fastify's plugin listing). */
export function appWide<Options extends FastifyPluginOptions>(name: string, plugin: AppPlugin<Options>): AppPlugin<Options> {
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: name });
}
