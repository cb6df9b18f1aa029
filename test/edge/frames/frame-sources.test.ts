import { copyFileSync, mkdirSync } from 'node:fs';
import { after } from 'node:test';
import { FfmpegSource } from '../../../src/edge/frames/ffmpeg-source.ts';
import { ImageSource } from '../../../src/edge/frames/image-source.ts';
import { frameSourceContract } from './frame-source-contract.ts';
import { ffmpeg, makeVideo, tempDir } from './media.ts';

// Media are made at load time: the contract's tests are declared per implementation below.
const tmp = tempDir('contract');
after(() => tmp.remove());
const clip = makeVideo(tmp.file('clip.mp4'), 'testsrc=size=128x72:rate=25', { frames: 12, codec: 'libx264' });
const folder = tmp.file('shots');
mkdirSync(folder);
ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=72x128', '-frames:v', '1', tmp.file('one.png')]);
for (let i = 0; i < 6; i++) copyFileSync(tmp.file('one.png'), `${folder}/${i}.png`);

frameSourceContract('ffmpeg source (video file)', () => new FfmpegSource({ input: clip }), 12);
frameSourceContract('image source (folder)', () => new ImageSource({ path: folder }), 6);
