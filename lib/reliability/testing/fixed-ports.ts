/**
 * The ports the long tests give their own servers (console processes, a private PostgreSQL), in one
 * place so no two collide. All below the kernel's ephemeral range (Linux: 32768–60999), from which
 * every outgoing connection takes its local port: a fixed port inside it is now and then held by
 * some client's socket, and the server cannot bind it (seen: a private PostgreSQL refused
 * 127.0.0.1:43010, "Address already in use", with nothing listening there).
 */
export const FIXED_PORTS = {
  crashWeb: 21001,
  crashEmbedded: 21002,
  crashWorker: 21003,
  scaleOutWeb1: 21011,
  scaleOutWeb2: 21012,
  postgresRestart: 23010,
  /** The secrets scan's console on PGlite; +10 on PostgreSQL. */
  secrets: 26010,
  soak: 27010,
} as const;
