'use strict';
// netspec shim for Node.js (and Bun / Deno through their Node compatibility layers).
//
// Implements harness/PROTOCOL.md, version 1: read one JSON request per line on stdin, drive the
// `net` module, write one JSON message per line on stdout (responses, events, callbacks).
// The shim adds no behaviour of its own; it only translates.
//
// Must run unmodified on Node 8.17.0 and later: no `?.`, `??`, object spread or class fields.

const fs = require('fs');
const net = require('net');

const SERVER_EVENTS = ['listening', 'connection', 'error', 'close'];
const SOCKET_EVENTS = ['lookup', 'connect', 'data', 'end', 'drain', 'timeout', 'error', 'close'];

// ---------------------------------------------------------------------------------------------
// Output. Every message is written synchronously, so messages appear exactly in the order things
// happen in JavaScript. fd 1 may be non-blocking (libuv can set O_NONBLOCK on a pipe shared with
// stdin), so retry on EAGAIN. Write at most PIPE_BUF bytes at a time: such a pipe write is
// all-or-nothing, which matters because Deno's writeSync throws EAGAIN after a partial write
// without saying how much it wrote.

const PIPE_BUF = 4096;

function writeLine(obj) {
  const buf = Buffer.from(JSON.stringify(obj) + '\n', 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(1, buf, off, Math.min(PIPE_BUF, buf.length - off));
    } catch (e) {
      if (e.code === 'EAGAIN') continue;
      fatal('cannot write to stdout', e); // harness went away: nothing sensible left to do
    }
  }
}

let seq = 0; // numbers every message after hello: 1, 2, 3, ... with no gap

// `fields` must already be encoded: encoding happens before the seq number is taken.
function send(type, fields) {
  const msg = { type: type, seq: ++seq };
  Object.keys(fields).forEach(k => { msg[k] = fields[k]; });
  writeLine(msg);
}

function fatal(what, err) {
  try { fs.writeSync(2, 'netspec node shim: ' + what + ': ' + ((err && err.stack) || err) + '\n'); } catch (_) { /* ignore */ }
  process.exit(70);
}

// ---------------------------------------------------------------------------------------------
// Handles: servers and sockets get ids "h1", "h2", ... the first time they cross the protocol,
// and are subscribed to every documented event of their class at that moment.

const idOf = new Map();   // object -> id
const objectOf = new Map(); // id -> object
let lastHandle = 0;

function register(obj) {
  if (idOf.has(obj)) return idOf.get(obj);
  const id = 'h' + (++lastHandle);
  idOf.set(obj, id);
  objectOf.set(id, obj);

  const isServer = obj instanceof net.Server;
  // An accepted socket of a pauseOnConnect server must stay paused; adding a 'data' listener can
  // start the flow, so remember whether it was paused and undo that afterwards. (Node 8, Node 20,
  // Bun 1.4 and Deno 2.9 already keep such a socket paused; the pause() is a cheap safeguard.)
  const srv = !isServer && obj.server;
  const wasPaused = !isServer &&
    ((srv && (srv.pauseOnConnect || srv._pauseOnConnect)) ||
     (typeof obj.isPaused === 'function' && obj.isPaused()));

  (isServer ? SERVER_EVENTS : SOCKET_EVENTS).forEach(event => {
    obj.on(event, function () {
      // Encoding a `connection` socket registers (and subscribes) it before this event is written.
      send('event', { target: id, event: event, args: encodeArgs(arguments) });
    });
  });
  if (wasPaused) obj.pause();
  return id;
}

function className(obj) {
  return obj === net ? 'net' : obj instanceof net.Server ? 'Server' : 'Socket';
}

// ---------------------------------------------------------------------------------------------
// Values (PROTOCOL.md section 5).

function encode(v) {
  if (v === undefined) return { $undefined: true };
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (v !== v) return { $number: 'NaN' };
    if (v === Infinity) return { $number: 'Infinity' };
    if (v === -Infinity) return { $number: '-Infinity' };
    if (v === 0 && 1 / v < 0) return { $number: '-0' };
    return v;
  }
  if (typeof v === 'function') return { $opaque: 'Function' };
  if (typeof v !== 'object') return { $opaque: typeof v === 'symbol' ? 'Symbol' : 'BigInt' };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (v instanceof Error) return { $error: encodeError(v) };
  if (v instanceof net.Server || v instanceof net.Socket) return { $handle: register(v) };
  if (Array.isArray(v)) return v.map(encode);
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const out = {};
    Object.keys(v).forEach(k => { out[k] = encode(v[k]); });
    return out;
  }
  return { $opaque: (proto && proto.constructor && proto.constructor.name) || 'Object' };
}

function encodeError(err) {
  const out = { name: String(err.name), message: String(err.message) };
  ['code', 'errno', 'syscall', 'address', 'port'].forEach(k => {
    if (err[k] !== undefined) out[k] = encode(err[k]);
  });
  return out;
}

// Listener and callback arguments. Used inside the implementation's own emit(), so it must never
// throw: a value the shim cannot encode is reported as opaque (and logged) instead.
function encodeArgs(args) {
  return Array.prototype.map.call(args, v => {
    try { return encode(v); } catch (e) {
      try { fs.writeSync(2, 'netspec node shim: cannot encode value: ' + e + '\n'); } catch (_) { /* ignore */ }
      return { $opaque: 'Unencodable' };
    }
  });
}

// A request the shim cannot carry out. Thrown by the shim's own code, never by the implementation.
class BadRequest {
  constructor(code, message) { this.code = code; this.message = message; }
}

const NUMBERS = { 'NaN': NaN, 'Infinity': Infinity, '-Infinity': -Infinity, '-0': -0 };

function decode(v) {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(decode);
  const keys = Object.keys(v);
  if (!keys.some(k => k[0] === '$')) {
    const out = {};
    keys.forEach(k => { out[k] = decode(v[k]); });
    return out;
  }
  const tag = keys[0];
  const x = v[tag];
  if (keys.length !== 1) throw new BadRequest('EBADARGS', 'tagged value with extra keys: ' + JSON.stringify(v));
  if (tag === '$undefined' && x === true) return undefined;
  if (tag === '$bytes' && typeof x === 'string') return Buffer.from(x, 'base64');
  if (tag === '$number' && Object.prototype.hasOwnProperty.call(NUMBERS, x)) return NUMBERS[x];
  if (tag === '$callback' && typeof x === 'string') return makeCallback(x);
  if (tag === '$handle' && typeof x === 'string') {
    if (!objectOf.has(x)) throw new BadRequest('EBADTARGET', 'unknown handle ' + x);
    return objectOf.get(x);
  }
  throw new BadRequest('EBADARGS', 'cannot decode ' + JSON.stringify(v));
}

function makeCallback(label) {
  return function () {
    send('callback', { callback: label, args: encodeArgs(arguments) });
  };
}

// ---------------------------------------------------------------------------------------------
// Requests (PROTOCOL.md section 2).

function target(t) {
  if (t === 'net') return net;
  if (typeof t === 'string' && objectOf.has(t)) return objectOf.get(t);
  throw new BadRequest('EBADTARGET', 'unknown target ' + JSON.stringify(t));
}

function args(req) {
  if (req.args === undefined) return [];
  if (!Array.isArray(req.args)) throw new BadRequest('EBADARGS', '"args" must be an array');
  return decode(req.args);
}

function name(req, field) {
  if (typeof req[field] !== 'string') throw new BadRequest('EBADARGS', '"' + field + '" must be a string');
  return req[field];
}

// Validates and decodes the request, and returns a thunk that performs the actual operation on
// the implementation. Everything before the thunk is shim machinery (-> bad_request); everything
// the thunk throws came from the implementation (-> threw).
function prepare(req) {
  switch (req.op) {
    case 'new': {
      const C = req.class === 'Server' ? net.Server : req.class === 'Socket' ? net.Socket : null;
      if (!C) throw new BadRequest('EBADARGS', 'unknown class ' + JSON.stringify(req.class));
      const a = args(req);
      return () => Reflect.construct(C, a);
    }
    case 'call': {
      const obj = target(req.target);
      const method = name(req, 'method');
      const ok = obj === net
        ? Object.prototype.hasOwnProperty.call(net, method) && typeof net[method] === 'function'
        : typeof obj[method] === 'function';
      if (!ok) throw new BadRequest('ENOMETHOD', className(obj) + " has no method '" + method + "'");
      const a = args(req);
      return () => obj[method].apply(obj, a);
    }
    case 'get': {
      const obj = target(req.target);
      const prop = name(req, 'prop');
      return () => obj[prop]; // an absent property reads as undefined, as in JavaScript
    }
    case 'set': {
      const obj = target(req.target);
      const prop = name(req, 'prop');
      const value = decode(req.value);
      return () => { obj[prop] = value; };
    }
    case 'detach':
      // Stop holding the process open: after this response stdin is no longer read, so the
      // process exits once the implementation has nothing ref'd left (server.unref() etc.).
      return () => { detachAfterResponse = true; };
    default:
      throw new BadRequest('EBADOP', 'unknown op ' + JSON.stringify(req.op));
  }
}

function badRequest(id, code, message) {
  send('response', { id: id, status: 'bad_request', code: code, message: message });
}

function handleLine(line) {
  let req;
  try { req = JSON.parse(line); } catch (e) {
    return badRequest(null, 'EBADJSON', 'not JSON: ' + e.message);
  }
  if (req === null || typeof req !== 'object' || Array.isArray(req)) {
    return badRequest(null, 'EBADJSON', 'request is not a JSON object');
  }
  if (!Number.isInteger(req.id)) return badRequest(null, 'EBADJSON', 'missing or non-integer "id"');

  let fields;
  try {
    const run = prepare(req);
    let result;
    let threw = false;
    try { result = run(); } catch (e) { threw = true; result = e; }
    fields = threw
      ? { id: req.id, status: 'threw', error: encode(result) }
      : { id: req.id, status: 'ok', value: encode(result) };
  } catch (e) {
    if (e instanceof BadRequest) return badRequest(req.id, e.code, e.message);
    return badRequest(req.id, 'EINTERNAL', 'shim error: ' + ((e && e.message) || e));
  }
  send('response', fields);
  if (detachAfterResponse) {
    process.stdin.pause();
    if (process.stdin.unref) process.stdin.unref();
    // Deno's node:process keeps a paused, unref'd stdin alive; closing it is what lets go.
    if (typeof Deno !== 'undefined') process.stdin.destroy(); // eslint-disable-line no-undef
  }
}

let detachAfterResponse = false;

// ---------------------------------------------------------------------------------------------
// Start: hello first, then requests line by line until stdin ends.

// An exception escaping the implementation is a real failure: report it and die visibly.
process.on('uncaughtException', err => fatal('uncaught exception', err));

function runtime() {
  if (process.versions.bun) return { name: 'bun', version: process.versions.bun };
  if (typeof Deno !== 'undefined') return { name: 'deno', version: Deno.version.deno }; // eslint-disable-line no-undef
  return { name: 'node', version: process.versions.node };
}

const rt = runtime();
writeLine({
  type: 'hello',
  protocol: 1,
  impl: { name: rt.name, version: rt.version, runtime: rt.name },
  capabilities: ['tcp', 'ipv6', 'pipe', 'detach'],
});

let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\n')) !== -1) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (line.trim() !== '') handleLine(line); // blank lines are not requests
  }
});
process.stdin.on('end', () => {
  if (pending.trim() !== '') handleLine(pending); // last request without a trailing newline
  process.exit(0); // whatever handles are still open
});
