// createWebSocketStream: piping a connection.
import { pipeline } from 'node:stream';
import WebSocket, { createWebSocketStream } from 'uws';

const ws = new WebSocket('ws://localhost:8080');
const duplex = createWebSocketStream(ws, { encoding: 'utf8' });

duplex.on('error', console.error);
pipeline(process.stdin, duplex, process.stdout, (err) => {
  if (err) console.error(err);
});

const objects = createWebSocketStream(new WebSocket('ws://localhost:8080'), {
  readableObjectMode: true,
  allowHalfOpen: false
});
objects.on('data', (message: string | Buffer) => console.log(message));
objects.write(Buffer.from('hello'));
objects.end();
