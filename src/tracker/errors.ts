import { GlanceError, type ErrorKind } from '../core/errors.js';

/** Why the tracker turned a request down; the label of the rejections metric. */
export type RejectionCode =
  | 'malformed'
  | 'passkey_missing'
  | 'passkey_invalid'
  | 'unregistered'
  | 'forbidden'
  | 'not_ready'
  | 'full_scrape'
  | 'udp_scrape'
  | 'connection_id';

const KIND: Record<RejectionCode, ErrorKind> = {
  malformed: 'invalid',
  passkey_missing: 'unauthorized',
  passkey_invalid: 'unauthorized',
  unregistered: 'not_found',
  forbidden: 'forbidden',
  not_ready: 'unavailable',
  full_scrape: 'forbidden',
  udp_scrape: 'invalid',
  connection_id: 'unauthorized',
};

/**
 * A request the tracker refuses. Its message is sent to the client as the
 * BitTorrent `failure reason`, so it says why in words a user can act on.
 */
export class TrackerRejection extends GlanceError {
  constructor(
    readonly code: RejectionCode,
    message: string,
  ) {
    super(KIND[code], message, { reason: code });
  }
}

/** The failure reasons, in one place so HTTP, UDP and the tests agree on the words. */
export const REASONS = {
  passkeyMissing: 'passkey missing: announce with the URL from the image\'s .torrent (…/announce?passkey=…); over UDP the client must send it as BEP 41 URL data',
  passkeyInvalid: 'passkey not valid for this tracker: download the .torrent again from the registry',
  unregistered: 'infohash not registered: this torrent is not an active image of this tracker\'s registry',
  forbidden: 'access denied: the principal of this passkey may not read this image',
  notReady: 'tracker not ready: the list of registered images has not been loaded from the registry yet',
  fullScrape: 'full scrape not allowed: name the info_hash values to scrape',
  udpScrape: 'scrape over UDP carries no passkey: use the HTTP scrape URL',
  connectionId: 'connection id expired or not issued by this tracker: connect again',
} as const;
