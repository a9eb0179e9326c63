import { createHash } from 'node:crypto'
import type { validateFindOptions } from '@acta/core'
import { fieldExpression, pathLiteral } from './document-schema.js'
import type { PostgresQuery } from './pool.js'

type Checked = ReturnType<typeof validateFindOptions>

/**
 * Equality as `matchesWhere` defines it: `data #> path = value::jsonb` compares JSON values of
 * the same type only (1 = 1.0, never '1'), a missing field is SQL NULL and matches nothing, and
 * the left side is the index expression.
 */
export function whereSql(where: Checked['where'], values: unknown[]): string {
  if (where.length === 0) return ''
  const clauses = where.map(([field, value]) => {
    values.push(JSON.stringify(value))
    return `${fieldExpression(field)} = $${values.length}::jsonb`
  })
  return ` WHERE ${clauses.join(' AND ')}`
}

/**
 * The order of `compareValues`: per key a type rank (missing and null, booleans, numbers,
 * strings, objects and arrays), then the value of its type (strings under COLLATE "C", which is
 * code point order in UTF-8), and finally the id (a "C" column).
 */
export function orderSql(orderBy: Checked['orderBy']): string {
  const keys = orderBy.flatMap(({ field, direction }) => {
    const dir = direction === 'desc' ? ' DESC' : ''
    const value = fieldExpression(field)
    const type = `jsonb_typeof${value}`
    return [
      `CASE ${type} WHEN 'boolean' THEN 1 WHEN 'number' THEN 2 WHEN 'string' THEN 3 ` +
        `WHEN 'object' THEN 4 WHEN 'array' THEN 4 ELSE 0 END${dir}`,
      `CASE WHEN ${type} = 'boolean' THEN ${value}::boolean END${dir}`,
      `CASE WHEN ${type} = 'number' THEN ${value}::numeric END${dir}`,
      `(CASE WHEN ${type} = 'string' THEN data #>> ${pathLiteral(field)} END) COLLATE "C"${dir}`,
    ]
  })
  return ` ORDER BY ${[...keys, 'id'].join(', ')}`
}

export function findQuery(table: string, options: Checked): PostgresQuery {
  const values: unknown[] = []
  let text = `SELECT data::text AS data FROM ${table}${whereSql(options.where, values)}${orderSql(options.orderBy)}`
  if (options.limit !== undefined) {
    values.push(options.limit)
    text += ` LIMIT $${values.length}`
  }
  if (options.offset > 0) {
    values.push(options.offset)
    text += ` OFFSET $${values.length}`
  }
  return { text, values }
}

export function countQuery(table: string, where: Checked['where']): PostgresQuery {
  const values: unknown[] = []
  return { text: `SELECT count(*)::float8 AS count FROM ${table}${whereSql(where, values)}`, values }
}

/** A prepared statement's name, derived from its text (node-postgres refuses one name for two texts). */
const named = (text: string): { name: string; text: string } => ({
  name: `acta_doc_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`,
  text,
})

/** The fixed statements of one collection table, prepared on each connection that runs them. */
export function collectionStatements(table: string) {
  return {
    get: named(`SELECT data::text AS data FROM ${table} WHERE id = $1`),
    /** One row, or (transactions) a batch: ids and JSON texts as parallel arrays. */
    upsert: named(
      `INSERT INTO ${table} (id, data) SELECT * FROM unnest($1::text[], $2::jsonb[])
       ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
    ),
    /** Shallow merge in one statement: jsonb `||` keeps the keys of both, the right one winning. */
    patch: named(`UPDATE ${table} SET data = data || $2::jsonb WHERE id = $1 RETURNING data::text AS data`),
    delete: named(`DELETE FROM ${table} WHERE id = ANY($1::text[]) RETURNING 1`),
    clear: { text: `DELETE FROM ${table}` },
  }
}
