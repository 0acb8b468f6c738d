// The protocol module: every incoming frame validated, with a reason and whatever id could be read.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_STATUS, decodeClientMessage, decodeServerMessage } from '../../bridge-server/src/protocol/index.ts';

describe('protocol v1', () => {
  it('accepts well-formed client messages', () => {
    const hello = { type: 'hello', protocol: 1, client: { name: 'figma', version: '1.0.0' }, token: 't' };
    expect(decodeClientMessage(JSON.stringify(hello))).toEqual({ ok: true, message: hello });
    const upscale = { type: 'upscale', id: 'j1', model: 'bicubic', scale: 2.5, tile: 128, colorFix: 'wavelet' };
    expect(decodeClientMessage(JSON.stringify(upscale))).toEqual({ ok: true, message: upscale });
  });

  it('refuses malformed frames with a reason, keeping type and id when readable', () => {
    expect(decodeClientMessage('nope')).toMatchObject({ ok: false, reason: 'frame is not valid JSON' });
    expect(decodeClientMessage('[1]')).toMatchObject({ ok: false });
    expect(decodeClientMessage('{"type":"launch"}')).toMatchObject({ ok: false, type: 'launch' });
    const extra = decodeClientMessage('{"type":"cancel","id":"a","extra":1}');
    expect(extra).toMatchObject({ ok: false, type: 'cancel', id: 'a' });
    const badModel = decodeClientMessage('{"type":"upscale","id":"b","model":"../etc","scale":2}');
    expect(badModel).toMatchObject({ ok: false, id: 'b' });
    expect(!badModel.ok && badModel.reason).toContain('/model');
  });

  it('decodes server messages for clients', () => {
    expect(decodeServerMessage('{"type":"accepted","id":"a","position":0}').ok).toBe(true);
    expect(decodeServerMessage('{"type":"error","code":"no_such_code","message":""}').ok).toBe(false);
  });

  it('gives every error code an HTTP status', () => {
    for (const code of ERROR_CODES) expect(ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
    expect(ERROR_CODES).toEqual(expect.arrayContaining(['unauthorized', 'forbidden_origin', 'not_an_image', 'bad_image', 'too_many_pixels',
      'unknown_model', 'bad_scale', 'body_too_large', 'bad_request', 'queue_full', 'cancelled', 'version_mismatch', 'internal']));
  });
});
