export { actaProgram, runCli } from './program.js'
export { CliError, exitCodes } from './output.js'
export {
  findProjectRoot,
  loadProject,
  projectFile,
  projectRouteTable,
  projectSchema,
  projectUrls,
  saveProject,
  unitUpstreams,
} from './project.js'
export type { LoadedProject, Project, ProjectRoute, ProjectUnit } from './project.js'
