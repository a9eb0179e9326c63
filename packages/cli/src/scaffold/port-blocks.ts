import type { Project } from '../project.js'

/** Ports are handed out in blocks of this many, so a unit can grow a few replicas in place. */
export const portBlock = 10

/** Where unit ports start: just above the gateway's, or 4001 when the gateway takes any free port. */
export function firstUnitPort(project: Project): number {
  return project.gateway.port > 0 ? project.gateway.port + 1 : 4001
}

/** Units of `project` (other than `except`) whose ports overlap `[port, port + replicas)`, and the gateway's. */
export function portConflicts(project: Project, port: number, replicas: number, except?: string): string[] {
  const conflicts: string[] = []
  const overlaps = (start: number, count: number) => start < port + replicas && port < start + count
  if (project.gateway.port > 0 && overlaps(project.gateway.port, 1)) conflicts.push('the gateway')
  for (const [name, unit] of Object.entries(project.services))
    if (name !== except && overlaps(unit.port, unit.replicas)) conflicts.push(name)
  return conflicts
}

/**
 * The first port of the next free block for a unit of `replicas` replicas.
 *
 * @example
 * nextFreePort(project, 1) // 8081 for a new project whose gateway listens on 8080, then 8091, …
 */
export function nextFreePort(project: Project, replicas: number): number {
  const width = Math.ceil(replicas / portBlock) * portBlock
  for (let port = firstUnitPort(project); port + width - 1 <= 65_535; port += portBlock)
    if (portConflicts(project, port, width).length === 0) return port
  throw new RangeError('No free block of ports is left above the gateway port')
}
