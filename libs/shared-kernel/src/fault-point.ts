/**
 * The one fault point this process was started to die at, for the crash tests:
 * TESSERA_FAULT_POINT names it. Read once at start; never armed in production,
 * where the configuration refuses the variable outright (see envSchema).
 */
const armedFaultPoint = process.env.NODE_ENV === 'production' ? undefined : process.env.TESSERA_FAULT_POINT;

/**
 * Marks a step of a process that touches two contexts: the process is killed
 * here, as by SIGKILL, when TESSERA_FAULT_POINT names `name`. The code after
 * each fault point says what recovers from a crash at that very place.
 */
export function faultPoint(name: string): void {
  if (armedFaultPoint === name) process.kill(process.pid, 'SIGKILL');
}
