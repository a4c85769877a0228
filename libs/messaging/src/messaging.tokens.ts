export const TOPOLOGY = Symbol('TOPOLOGY');
export const IN_PROCESS_BROKER = Symbol('IN_PROCESS_BROKER');
