import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

// Linux only: CPU time from /proc, so each figure can be put per request
const tick = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

/** CPU seconds (user + system) the processes have used so far; processes that are gone count 0. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // the process ended
    }
  }
  return ticks / tick
}

/** Ids of the running processes whose command name is one of `names` (e.g. postgres, beam.smp). */
export function processesNamed(names: readonly string[]): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (names.includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) pids.push(Number(entry))
    } catch {
      // the process ended
    }
  }
  return pids
}

/** CPU seconds the whole machine has been busy (all cores, everything but idle and iowait). */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
  return (user + nice + system + irq + softirq + steal) / tick
}

/** CPU used by groups of processes (and the whole machine) between `start()` and `stop()`. */
export function cpuMeter(groups: Readonly<Record<string, readonly number[]>>) {
  const read = () => ({
    machine: machineBusySeconds(),
    self: process.cpuUsage(),
    groups: Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, cpuSeconds(pids)])),
  })
  const before = read()
  return {
    /** Seconds of CPU per group, `load generator` (this process) and `machine`. */
    stop(): Record<string, number> {
      const after = read()
      const self = process.cpuUsage(before.self)
      const out: Record<string, number> = {
        machine: after.machine - before.machine,
        'load generator': (self.user + self.system) / 1e6,
      }
      for (const name of Object.keys(groups)) out[name] = after.groups[name]! - before.groups[name]!
      return out
    },
  }
}
