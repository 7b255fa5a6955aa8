// The Redis online store against the shared online-store contract, on a real throwaway redis-server.
import { onlineStoreContract } from '../../testing/online-contract.ts';
import { type RedisServer, redisServerMissing, startRedis } from '../../testing/redis-server.ts';
import { RedisOnlineStore } from './redis-store.ts';

let server: Promise<RedisServer> | undefined;
const missing = redisServerMissing();

onlineStoreContract('Redis', {
  skipReason: () => missing,
  open: async (_fx, name) => {
    server ??= startRedis();
    // One server for the suite; a key prefix per test keeps their data apart.
    return RedisOnlineStore.connect({ url: (await server).url, prefix: `t-${name}` });
  },
  teardown: async () => {
    if (server) await (await server).stop();
  },
});
