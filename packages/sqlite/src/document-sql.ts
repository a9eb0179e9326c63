import type { validateFindOptions } from '@acta/core'
import { extract, jsonPath } from './document-schema.js'

type Checked = ReturnType<typeof validateFindOptions>

export interface SqlPart {
  readonly sql: string
  readonly params: unknown[]
}

/**
 * Equality as `matchesWhere` defines it. `json_extract` turns JSON true into 1 and returns an
 * object's JSON text, so each comparison also checks `json_type`; the `json_extract` term comes
 * first and is spelled like the index expression, so a declared index is used.
 */
export function whereSql(where: Checked['where']): SqlPart {
  const clauses: string[] = []
  const params: unknown[] = []
  for (const [field, value] of where) {
    const type = `json_type(data, ${jsonPath(field)})`
    if (value === null) {
      clauses.push(`${type} = 'null'`)
    } else if (typeof value === 'boolean') {
      clauses.push(`${extract(field)} = ${value ? 1 : 0} AND ${type} = '${String(value)}'`)
    } else if (typeof value === 'number') {
      clauses.push(`${extract(field)} = ? AND ${type} IN ('integer', 'real')`)
      params.push(value)
    } else {
      clauses.push(`${extract(field)} = ? AND ${type} = 'text'`)
      params.push(value)
    }
  }
  return { sql: clauses.length === 0 ? '' : ` WHERE ${clauses.join(' AND ')}`, params }
}

/**
 * The order of `compareValues`: per key a type rank (missing and null, booleans, numbers,
 * strings, objects and arrays), then the value (TEXT compares by code point under BINARY), and
 * finally the id.
 */
export function orderSql(orderBy: Checked['orderBy']): string {
  const keys = orderBy.flatMap(({ field, direction }) => {
    const dir = direction === 'desc' ? ' DESC' : ''
    const type = `json_type(data, ${jsonPath(field)})`
    return [
      `CASE ${type} WHEN 'true' THEN 1 WHEN 'false' THEN 1 WHEN 'integer' THEN 2 WHEN 'real' THEN 2 ` +
        `WHEN 'text' THEN 3 WHEN 'object' THEN 4 WHEN 'array' THEN 4 ELSE 0 END${dir}`,
      `CASE WHEN ${type} IN ('object', 'array') THEN NULL ELSE ${extract(field)} END${dir}`,
    ]
  })
  return ` ORDER BY ${[...keys, 'id'].join(', ')}`
}

/** SELECT of the documents `find` returns; LIMIT -1 is SQLite's "no limit". */
export function findSql(table: string, options: Checked): SqlPart {
  const where = whereSql(options.where)
  return {
    sql: `SELECT data FROM ${table}${where.sql}${orderSql(options.orderBy)} LIMIT ? OFFSET ?`,
    params: [...where.params, options.limit ?? -1, options.offset],
  }
}

export function countSql(table: string, where: Checked['where']): SqlPart {
  const part = whereSql(where)
  return { sql: `SELECT count(*) FROM ${table}${part.sql}`, params: part.params }
}
