"""A python3-libtorrent peer for tests, driven by test/helpers/libtorrent.ts.

Prints one JSON object per line on stdout: tracker replies and errors, progress,
`finished`, and final byte counts. Stops (sending its `stopped` announce) on
SIGTERM or when its parent process goes away.
"""
import argparse, json, os, signal, sys, time
import libtorrent as lt

p = argparse.ArgumentParser()
p.add_argument('--torrent', required=True)
p.add_argument('--save', required=True)
p.add_argument('--port', type=int, required=True)
p.add_argument('--tracker', action='append', default=[], help='use only these announce URLs')
p.add_argument('--exit-when-done', action='store_true')
args = p.parse_args()

parent = os.getppid()
stopping = False
def on_term(*_):
    global stopping
    stopping = True
signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)

def emit(kind, **fields):
    fields['type'] = kind
    sys.stdout.write(json.dumps(fields) + '\n')
    sys.stdout.flush()

ses = lt.session({
    'listen_interfaces': '127.0.0.1:%d' % args.port,
    'outgoing_interfaces': '127.0.0.1',
    'enable_dht': False,
    'enable_lsd': False,
    'enable_upnp': False,
    'enable_natpmp': False,
    'allow_multiple_connections_per_ip': True,
    'announce_to_all_trackers': True,
    'announce_to_all_tiers': True,
    'alert_mask': lt.alert.category_t.status_notification | lt.alert.category_t.tracker_notification | lt.alert.category_t.error_notification | lt.alert.category_t.storage_notification,
})
ti = lt.torrent_info(args.torrent)
atp = lt.add_torrent_params()
atp.ti = ti
atp.save_path = args.save
if args.tracker:
    # Added paused, so nothing is announced to the torrent's own trackers before they are replaced.
    atp.flags = (atp.flags | lt.torrent_flags.paused) & ~lt.torrent_flags.auto_managed
handle = ses.add_torrent(atp)
if args.tracker:
    handle.replace_trackers([lt.announce_entry(u) for u in args.tracker])
    handle.resume()
emit('started', port=args.port, infohash=str(ti.info_hash()), trackers=[t['url'] for t in handle.trackers()])

finished = False
seeding = False
last_progress = 0.0
while not stopping:
    if os.getppid() != parent:
        break
    for a in ses.pop_alerts():
        if isinstance(a, lt.tracker_error_alert):
            emit('tracker_error', url=a.tracker_url(), message=a.message(), failure=a.failure_reason() if hasattr(a, 'failure_reason') else '')
        elif isinstance(a, lt.tracker_reply_alert):
            emit('tracker_reply', url=a.tracker_url(), peers=a.num_peers)
        elif isinstance(a, lt.tracker_warning_alert):
            emit('tracker_warning', url=a.tracker_url(), message=a.message())
        elif isinstance(a, lt.torrent_finished_alert) and not finished:
            finished = True
            s = handle.status()
            emit('finished', downloaded=s.total_payload_download, uploaded=s.total_payload_upload)
        elif isinstance(a, (lt.torrent_error_alert, lt.file_error_alert)):
            emit('error', message=a.message())
    s = handle.status()
    if s.is_seeding and not seeding:
        seeding = True
        emit('seeding', uploaded=s.total_payload_upload)
    if s.progress - last_progress >= 0.1 or (s.progress == 1.0 and last_progress < 1.0):
        last_progress = s.progress
        emit('progress', progress=s.progress, peers=s.num_peers, downloaded=s.total_payload_download, uploaded=s.total_payload_upload)
    if finished and args.exit_when_done:
        break
    time.sleep(0.05)

s = handle.status()
emit('stopping', downloaded=s.total_payload_download, uploaded=s.total_payload_upload, seeding=s.is_seeding)
# Let the `stopped` announce go out before the session ends.
ses.pause()
deadline = time.time() + 3
while time.time() < deadline:
    if any(isinstance(a, (lt.tracker_reply_alert, lt.tracker_error_alert)) for a in ses.pop_alerts()):
        break
    time.sleep(0.05)
del ses
emit('stopped')
