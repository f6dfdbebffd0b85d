import { createHash } from 'node:crypto';
import { SwiftStore } from '../../src/stores/swift/swift-store.js';
import { startSwift } from '../helpers/swift-aio.js';
import { describeConformance } from './conformance.js';

describeConformance('swift (native API, tempauth)', async () => {
  const swift = await startSwift();
  await swift.createContainer('conformance');
  const store = new SwiftStore('swift', { auth: { type: 'tempauth', url: swift.authUrl, user: swift.user, key: swift.key }, container: 'conformance' });
  return {
    store,
    leftovers: async () => {
      const keys = [];
      for await (const e of store.list('')) keys.push(e.key);
      return keys;
    },
    etagOf: (data) => createHash('md5').update(data).digest('hex'),
    teardown: async () => {
      await store.close();
      await swift.stop();
    },
  };
});
