// A community plugin is a package named ladder-plugin-<name> whose default
// export is a factory returning { name, apply(ladder) }. Users list it by its
// short name: plugins: ['hello'] or [['hello', { greeting: 'Hi' }]].
const PLUGIN_NAME = 'hello';

export default function hello(options = {}) {
  const greeting = options.greeting ?? 'Hello';
  return {
    name: PLUGIN_NAME,
    apply(ladder) {
      ladder.hooks.commands.for('data hello').tap(PLUGIN_NAME, () => ({
        description: 'print a greeting and the run seed',
        async run(args, ctx) {
          ctx.print(`${greeting}, ${args[0] ?? 'ladder'}! (seed ${ctx.seed})`);
        },
      }));
    },
  };
}
