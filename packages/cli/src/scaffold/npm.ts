import { spawn } from 'node:child_process'

/** The npm command of this platform. */
export const npmCommand = process.platform === 'win32' ? 'npm.cmd' : 'npm'

/**
 * Runs npm with `args` in `cwd`, its output on this terminal, and resolves with its exit code
 * (a signal counts as 1).
 *
 * @example
 * const code = await runNpm(['install', 'zod'], 'services/todo-write')
 */
export function runNpm(args: readonly string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(npmCommand, [...args], { cwd, stdio: 'inherit', shell: process.platform === 'win32' })
    child.once('error', reject)
    child.once('exit', (code) => resolve(code ?? 1))
  })
}
