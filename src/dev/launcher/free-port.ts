import net from 'node:net';

// Below Linux's ephemeral range (32768–60999): a port the OS hands to outgoing connections can be
// taken between picking it and binding it, which made parallel test runs collide.
const LOW = 20_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    // 0.0.0.0 covers what servers bound to all interfaces (the worker's metrics) need as well.
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** A TCP port nothing listens on now, not handed out before by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found between ${LOW} and ${HIGH}`);
}

/**
 * Two neighbouring free ports, p and p + 1: SANDBOX_PORT, whose local second Epay gateway
 * (`epay-backup`) listens on the port after it.
 */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW - 1));
    if (handedOut.has(port) || handedOut.has(port + 1) || !(await bindable(port)) || !(await bindable(port + 1))) continue;
    handedOut.add(port);
    handedOut.add(port + 1);
    return port;
  }
  throw new Error(`no two neighbouring free ports found between ${LOW} and ${HIGH}`);
}
