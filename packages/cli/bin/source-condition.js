// Module resolve hook: resolves workspace packages through their `@acta/source` export condition.
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('@acta/source')
    ? context.conditions
    : [...context.conditions, '@acta/source']
  return nextResolve(specifier, { ...context, conditions })
}
