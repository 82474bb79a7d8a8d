// node_echo.js - the echo example of Node's net documentation, as the
// benchmark runs it (node20): every connection piped into itself. The error
// listener only keeps a reset peer from crashing the process. Listens on
// 127.0.0.1:PORT (argv[2], 0: any) and prints the port once listening.
'use strict';
const net = require('net');

const server = net.createServer((s) => {
  s.on('error', () => {});
  s.pipe(s);
});
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log(server.address().port);
});
