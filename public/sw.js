// cocreate's service worker: keeps the app shell so that a board reloaded without a
// network still opens, with the edits the page keeps in this browser (local storage).
//
// - The app's files (/pkg/, hashed names that never change) and its symbols are taken from
//   the cache when there, otherwise fetched and kept.
// - A participant's board page (/board/ID?token=...) is fetched from the network first and
//   kept; only when the network fails is the kept copy shown. What the server answers
//   replaces the kept copy: once a link is revoked, its refusal is what stays.
// - Nothing else is kept: not the console, not the API, not exports.
// Kept board pages are limited to the last few; the app's files to the current set.

const SHELL = 'cocreate-shell-v1';
const PAGES = 'cocreate-pages-v1';
const KEEP_PAGES = 8;
const KEEP_FILES = 40;
// A participant's board page (not its history, not the console).
const BOARD = /^\/board\/[^/]+$/;

const SYMBOLS = ['target', 'tools', 'handshake', 'heart', 'idea', 'people', 'star', 'question', 'book', 'home', 'tick', 'minus']
  .map((s) => `/symbols/${s}.svg`);

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    await cache.addAll(SYMBOLS).catch(() => {});
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== SHELL && name !== PAGES) await caches.delete(name);
    }
    await self.clients.claim();
    await keepOpenBoards();
  })());
});

// The board pages open when this worker starts were loaded before it: keep them and the
// app's files they name now, so that even the first visit can be reloaded offline.
async function keepOpenBoards() {
  for (const win of await self.clients.matchAll({ type: 'window' })) {
    const url = new URL(win.url);
    if (url.origin !== self.location.origin || !BOARD.test(url.pathname)) continue;
    try {
      const page = await boardPage(new Request(url.href));
      if (!page.ok) continue;
      const html = await page.text();
      for (const file of new Set(html.match(/\/pkg\/[A-Za-z0-9._-]+/g) || [])) {
        await shellFile(new Request(file));
      }
    } catch (_) {
      // Offline already: kept next time.
    }
  }
}

// Drop the oldest entries of a cache beyond `keep` (keys come back in insertion order).
async function trim(cache, keep) {
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - keep))) await cache.delete(old);
}

// A file whose name carries a content hash (`cocreate.HASH.wasm`) never changes.
const HASHED = /\.[A-Za-z0-9_-]{10,}\.(js|wasm|css)$/;

async function shellFile(request, later) {
  if (HASHED.test(new URL(request.url).pathname)) {
    const kept = await (await caches.open(SHELL)).match(request);
    if (kept) return kept;
  }
  // A file without a hash in its name is fetched again when online, kept for offline.
  return networkFirst(SHELL, KEEP_FILES, request, later);
}

const boardPage = (request, later) => networkFirst(PAGES, KEEP_PAGES, request, later);

// From the network, kept (newest last, so trimming drops what was used longest ago); the
// kept copy only when the network fails. A refusal replaces nothing but drops the copy.
// The response goes to the page at once; keeping it is handed to `later` (the fetch
// event's waitUntil), so the page never waits for the cache.
async function networkFirst(name, keep, request, later = (p) => p) {
  const cache = await caches.open(name);
  let response;
  try {
    response = await fetch(request);
  } catch (offline) {
    const kept = await cache.match(request);
    if (kept) return kept;
    throw offline;
  }
  const copy = response.ok ? response.clone() : null;
  await later((async () => {
    await cache.delete(request);
    if (copy) {
      await cache.put(request, copy);
      await trim(cache, keep);
    }
  })());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Keeping a copy may outlive the response: the worker stays up until it is kept.
  const later = (p) => { event.waitUntil(p); };
  if (url.pathname.startsWith('/pkg/') || url.pathname.startsWith('/symbols/')) {
    event.respondWith(shellFile(request, later));
  } else if (request.mode === 'navigate' && BOARD.test(url.pathname)) {
    event.respondWith(boardPage(request, later));
  }
});
