import { describe, expect, it } from 'vitest';
import { BadGatewayError } from '../../src/core/errors.js';
import { CorruptDataError } from '../../src/seeder/errors.js';
import { CorruptPieces } from '../../src/seeder/verify/corrupt-pieces.js';

describe('CorruptPieces', () => {
  it('refuses ranges that need a piece found corrupt, until the memory expires', () => {
    let now = 1000;
    const corrupt = new CorruptPieces(() => now, 60_000);
    const bad = new CorruptDataError('Piece 3 of image x does not match its hash', { piece: 3 });
    corrupt.note('sha', bad);
    expect(() => corrupt.check('sha', 0, 2)).not.toThrow();
    expect(() => corrupt.check('sha', 4, 9)).not.toThrow();
    expect(() => corrupt.check('sha', 3, 3)).toThrow(bad);
    expect(() => corrupt.check('sha', 0, 9)).toThrow(bad);
    expect(() => corrupt.check('other', 0, 9)).not.toThrow();
    now += 59_999;
    expect(() => corrupt.check('sha', 3, 3)).toThrow(bad);
    now += 1;
    expect(() => corrupt.check('sha', 3, 3)).not.toThrow();
  });

  it('takes a finding without a piece as the whole image, ignores errors that are not about the bytes, and forgets on request', () => {
    const corrupt = new CorruptPieces(() => 0, 1000);
    corrupt.note('sha', new BadGatewayError('the store failed'));
    corrupt.note('sha', new Error('reset'));
    expect(() => corrupt.check('sha', 0, 0)).not.toThrow();
    const whole = new CorruptDataError('Image x does not match its SHA-256', {});
    corrupt.note('sha', whole);
    expect(() => corrupt.check('sha', 7, 7)).toThrow(whole);
    corrupt.forget('sha');
    expect(() => corrupt.check('sha', 7, 7)).not.toThrow();
  });

  it('remembers nothing with a memory of 0', () => {
    const corrupt = new CorruptPieces(() => 5, 0);
    corrupt.note('sha', new CorruptDataError('Piece 0 bad', { piece: 0 }));
    expect(() => corrupt.check('sha', 0, 0)).not.toThrow();
  });
});
