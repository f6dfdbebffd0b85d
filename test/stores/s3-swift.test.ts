import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Store } from '../../src/stores/s3/s3-store.js';
import { startSwift } from '../helpers/swift-aio.js';
import { describeConformance } from './conformance.js';

describeConformance('s3 on Swift s3api', async () => {
  const swift = await startSwift();
  await swift.createContainer('conformance');
  const options = { bucket: 'conformance', endpoint: swift.s3Endpoint, region: swift.region, accessKeyId: swift.s3AccessKey, secretAccessKey: swift.s3Secret };
  const store = new S3Store('swift-s3', { ...options, partSize: 5 * 1024 * 1024 });
  const raw = new S3Client({ region: swift.region, endpoint: swift.s3Endpoint, forcePathStyle: true, credentials: { accessKeyId: swift.s3AccessKey, secretAccessKey: swift.s3Secret } });
  return {
    store,
    // Objects, pending multipart uploads, and the parts s3api keeps in the `+segments` container.
    leftovers: async () => {
      const keys = [];
      for await (const e of store.list('')) keys.push(e.key);
      const uploads = await raw.send(new ListMultipartUploadsCommand({ Bucket: 'conformance' }));
      for (const u of uploads.Uploads ?? []) keys.push(`upload:${u.Key}`);
      const segments = await fetch(`${swift.storageUrl}/conformance+segments?format=json`, { headers: { 'X-Auth-Token': await swift.token() } });
      if (segments.status === 200) for (const s of (await segments.json()) as Array<{ name: string }>) keys.push(`segment:${s.name}`);
      return keys;
    },
    teardown: async () => {
      raw.destroy();
      await store.close();
      await swift.stop();
    },
  };
});
