/** disk_format by file extension, for images imported without one. */
const DISK_FORMAT_BY_EXTENSION: Record<string, string> = {
  qcow2: 'qcow2',
  img: 'raw',
  raw: 'raw',
  iso: 'iso',
  vmdk: 'vmdk',
  vdi: 'vdi',
  vhd: 'vhd',
  vhdx: 'vhdx',
  ami: 'ami',
  ari: 'ari',
  aki: 'aki',
  ploop: 'ploop',
};

/** The formats an imported file suggests: archives (tar, tar.gz, zip, ova) are containers, the rest bare disks (raw when unknown). */
export function formatsFor(fileName: string, asTar: boolean): { disk_format: string; container_format: string } {
  if (asTar) return { disk_format: 'raw', container_format: 'tar' };
  const lower = fileName.toLowerCase();
  if (/\.(tar\.gz|tgz)$/.test(lower)) return { disk_format: 'raw', container_format: 'tar.gz' };
  const ext = /\.([a-z0-9]+)$/.exec(lower)?.[1] ?? '';
  if (ext === 'tar' || ext === 'zip') return { disk_format: 'raw', container_format: ext };
  if (ext === 'ova') return { disk_format: 'vmdk', container_format: 'ova' };
  return { disk_format: DISK_FORMAT_BY_EXTENSION[ext] ?? 'raw', container_format: 'bare' };
}
