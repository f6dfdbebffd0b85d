/**
 * Kumar–Ross lower bound on the time to get F bytes from one seed (upload u_s) to
 * N peers (uploads u_i, slowest download d_min): the seed must send every byte
 * once, the slowest peer must receive F, and the N·F bytes received need the
 * upload capacity of everyone together. Rates in bytes/s, result in seconds.
 */
export function kumarRossBound(fileBytes: number, seedUpload: number, peerUploads: number[], minDownload: number): number {
  const total = seedUpload + peerUploads.reduce((a, b) => a + b, 0);
  return Math.max(fileBytes / seedUpload, fileBytes / minDownload, (peerUploads.length * fileBytes) / total);
}
