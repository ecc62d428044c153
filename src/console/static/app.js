// The elasticache-local console: polls /api/state once a second and renders it. Plain DOM, no framework,
// so it works offline; histories for the plots live here (the server keeps none).
'use strict';
(() => {
  const BASE = '/_elasticache-local/console';
  const POLL_MS = 1000;
  const HISTORY = 180; // samples per node: three minutes at one a second
  const $ = (sel) => document.querySelector(sel);
  const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const params = new URLSearchParams(location.search);
  let tab = params.get('tab') || 'groups';
  let state = null;
  let lastHtml = '';

  function allNodes() {
    const map = new Map();
    for (const g of state.groups) for (const s of g.shards) for (const n of s.nodes) map.set(n.name, n);
    for (const c of state.clusters) for (const n of c.nodes) map.set(n.name, n);
    return map;
  }
  const history = new Map(); // node name -> { ops: [], mem: [], hits, misses }

  const scope = () => ({ account: $('#account').value.trim(), region: $('#region').value.trim() });

  async function post(path, body) {
    const res = await fetch(BASE + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...scope(), ...body }) });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(json.error || res.statusText);
    return json;
  }

  async function fault(body) {
    const res = await fetch('/_elasticache-local/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...scope(), ...body }) });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(json.error || res.statusText);
    return json;
  }

  function fmtBytes(n) {
    if (n == null) return '';
    const u = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return `${n.toFixed(n < 10 && i > 0 ? 1 : 0)} ${u[i]}`;
  }

  function record(node) {
    if (!node.stats) return;
    let h = history.get(node.name);
    if (!h) history.set(node.name, (h = { ops: [], mem: [] }));
    h.ops.push(node.stats.opsPerSec);
    h.mem.push(node.stats.usedMemory);
    if (h.ops.length > HISTORY) { h.ops.shift(); h.mem.shift(); }
  }

  // A row's structure (name, role, port, up) is rebuilt only when it changes; its figures are updated in place
  // every poll, which keeps a page of 300 nodes cheap.
  function nodeRow(n) {
    const actions = [
      `<button class="small" data-act="reboot" data-node="${esc(n.name)}">reboot</button>`,
      `<button class="small" data-act="crash" data-node="${esc(n.name)}">crash</button>`,
      `<button class="small" data-act="latency" data-node="${esc(n.name)}">+latency</button>`,
      n.role === 'replica' ? `<button class="small" data-act="cut" data-node="${esc(n.name)}">cut repl</button>` : '',
      n.engine === 'redis' ? `<button class="small" data-act="browse" data-node="${esc(n.name)}">keys</button>` : '',
    ].join(' ');
    return `<tr data-node="${esc(n.name)}" data-role="${esc(n.role)}" data-up="${n.up}">
      <td>${esc(n.name)}</td>
      <td class="role-${esc(n.role)}">${esc(n.role)} <span class="f-link"></span></td>
      <td>${n.up ? esc(n.port) : `<span class="down">down</span> ${esc(n.port)}`}</td>
      <td>${esc(n.az)}</td>
      <td><span class="f-ops"></span> <svg class="spark" viewBox="0 0 90 18"><polyline class="p-ops"/></svg></td>
      <td><span class="bar"><i></i></span> <span class="f-mem"></span> <svg class="spark" viewBox="0 0 90 18"><polyline class="p-mem"/></svg></td>
      <td class="f-keys"></td>
      <td class="f-clients"></td>
      <td class="f-hits"></td>
      <td>${actions}</td>
    </tr>`;
  }

  function points(values, max) {
    if (!values || values.length < 2) return '';
    let top = Math.max(max || 0, 1);
    for (const v of values) if (v > top) top = v;
    const step = 90 / (HISTORY - 1);
    const offset = 90 - (values.length - 1) * step;
    let out = '';
    for (let i = 0; i < values.length; i++) out += `${(offset + i * step).toFixed(1)},${(17 - (values[i] / top) * 16).toFixed(1)} `;
    return out;
  }

  function updateFigures(nodes) {
    for (const row of document.querySelectorAll('#view tr[data-node]')) {
      const n = nodes.get(row.dataset.node);
      const s = n && n.stats;
      const h = (n && history.get(n.name)) || { ops: [], mem: [] };
      const pct = s && n.maxmemory ? Math.min(100, (s.usedMemory / n.maxmemory) * 100) : 0;
      const lookups = s ? s.hits + s.misses : 0;
      row.querySelector('.f-ops').textContent = s ? s.opsPerSec : '';
      row.querySelector('.p-ops').setAttribute('points', points(h.ops));
      const bar = row.querySelector('.bar i');
      bar.style.width = `${pct.toFixed(1)}%`;
      bar.classList.toggle('hot', pct > 90);
      row.querySelector('.f-mem').textContent = s ? fmtBytes(s.usedMemory) : '';
      row.querySelector('.f-mem').title = n ? `of ${fmtBytes(n.maxmemory)}` : '';
      row.querySelector('.p-mem').setAttribute('points', points(h.mem, n && n.maxmemory));
      // A replica trailing its primary (a replication fault) says by how much, and whether its link is up.
      const link = s && s.link;
      const linkText = !link ? '' : !link.up ? 'link down' : link.behind > 0 ? `${link.behind} behind` : '';
      const linkCell = row.querySelector('.f-link');
      linkCell.textContent = linkText;
      linkCell.className = linkText ? 'f-link down' : 'f-link';
      linkCell.title = link ? `offset ${link.behind} behind the primary; last I/O ${link.lastIoSeconds} s ago` : '';
      row.querySelector('.f-keys').textContent = s ? s.keys : '';
      row.querySelector('.f-clients').textContent = s ? s.clients : '';
      row.querySelector('.f-hits').textContent = s && lookups > 0 ? `${((s.hits / lookups) * 100).toFixed(0)}%` : '';
    }
  }

  const NODE_HEAD = '<tr><th>node</th><th>role</th><th>port</th><th>AZ</th><th>ops/s</th><th>memory</th><th>keys</th><th>clients</th><th>hits</th><th></th></tr>';

  function renderGroups() {
    if (state.groups.length === 0) return '<p class="muted">No replication groups in this account and region.</p>';
    const host = state.endpointHost;
    return state.groups.map((g) => {
      const ep = Object.entries(g.endpoints).filter(([, p]) => p).map(([k, p]) => `${k} <code>${esc(host)}:${esc(p)}</code>`).join(' · ');
      const shards = g.shards.map((s) => `
        <tr data-shard="${esc(s.id)}" data-slots="${esc(s.slots)}"><th colspan="10">shard ${esc(s.id)}${s.slots ? ` · slots ${esc(s.slots)}` : ''}
          <button class="small" data-act="failover" data-group="${esc(g.id)}" data-shard="${esc(s.id)}">TestFailover</button></th></tr>
        ${s.nodes.map((n) => nodeRow(n)).join('')}`).join('');
      return `<div class="card" data-group="${esc(g.id)}">
        <h3>${esc(g.id)} <span class="status ${esc(g.status)}">${esc(g.status)}</span>
          <span class="muted">${g.clusterMode ? 'cluster mode' : ''} ${g.automaticFailover ? 'automatic failover' : ''}</span>
          <button class="small" data-act="snapshot" data-group="${esc(g.id)}">snapshot</button></h3>
        <div class="muted">${ep}</div>
        <table>${NODE_HEAD}${shards}</table></div>`;
    }).join('');
  }

  function renderClusters() {
    if (state.clusters.length === 0) return '<p class="muted">No cache clusters.</p>';
    const rows = state.clusters.map((c) => `<tr data-cluster="${esc(c.id)}"><td>${esc(c.id)}</td><td>${esc(c.engine)} ${esc(c.engineVersion)}</td><td>${esc(c.nodeType)}</td>
      <td><span class="status ${esc(c.status)}">${esc(c.status)}</span></td><td>${esc(c.replicationGroupId || '')}</td>
      <td>${c.configEndpointPort ? `<code>${esc(state.endpointHost)}:${esc(c.configEndpointPort)}</code>` : ''}</td></tr>`).join('');
    const standalone = state.clusters.filter((c) => c.nodes.length > 0);
    const nodes = standalone.length ? `<div class="card"><h3>Nodes of clusters outside groups</h3><table>${NODE_HEAD}${standalone.flatMap((c) => c.nodes.map((n) => nodeRow(n))).join('')}</table></div>` : '';
    return `<div class="card"><table><tr><th>cluster</th><th>engine</th><th>node type</th><th>status</th><th>group</th><th>configuration endpoint</th></tr>${rows}</table></div>${nodes}`;
  }

  const simpleTable = (items, cols, empty) =>
    items.length === 0 ? `<p class="muted">${empty}</p>` :
      `<div class="card"><table><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>${items.map((i) => `<tr>${cols.map((c) => `<td>${esc(i[c])}</td>`).join('')}</tr>`).join('')}</table></div>`;

  function renderFaults() {
    const list = simpleTable(state.faults.map((f) => ({ ...f, nodes: f.nodes.join(' '), options: JSON.stringify(f.options) })), ['id', 'action', 'target', 'nodes', 'options', 'expiresAt', 'remaining'], 'No faults in force.');
    return `<div class="card"><h3>Inject a fault</h3><div class="row">
      <select id="fault-action">${['crash-node', 'stop-node', 'lose-az', 'cut-replication', 'delay-replication', 'add-latency', 'drop-connections', 'fill-memory', 'api-error'].map((a) => `<option>${a}</option>`).join('')}</select>
      <input id="fault-target" placeholder="target" size="18"><input id="fault-options" placeholder='{"durationMs": 5000}' size="22">
      <button data-act="inject">inject</button><button data-act="clear-faults">clear all</button></div></div>${list}`;
  }

  function render() {
    if (!state) return;
    const views = {
      groups: renderGroups,
      clusters: renderClusters,
      serverless: () => simpleTable(state.serverless, ['name', 'engine', 'status', 'endpointPort'], 'No serverless caches.'),
      snapshots: () => simpleTable(state.snapshots, ['name', 'source', 'status', 'of'], 'No snapshots.'),
      users: () => simpleTable(state.users, ['id', 'userName', 'engine', 'status'], 'No users.'),
      events: () => simpleTable(state.events, ['date', 'sourceType', 'sourceId', 'message'], 'No events.'),
      faults: renderFaults,
    };
    // Keep what the user is typing in the fault form across refreshes.
    const keep = ['fault-action', 'fault-target', 'fault-options'].map((id) => [id, document.getElementById(id)?.value]);
    const focused = document.activeElement?.id;
    const html = views[tab]();
    if (html !== lastHtml) {
      $('#view').innerHTML = html;
      lastHtml = html;
    }
    updateFigures(allNodes());
    for (const [id, v] of keep) if (v !== undefined && document.getElementById(id)) document.getElementById(id).value = v;
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
    for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('active', b.dataset.tab === tab);
  }

  function refreshNodeChoices() {
    const select = $('#key-node');
    const names = [];
    for (const g of state.groups) for (const s of g.shards) for (const n of s.nodes) if (n.engine === 'redis') names.push(n.name);
    for (const c of state.clusters) for (const n of c.nodes) if (n.engine === 'redis') names.push(n.name);
    const current = select.value;
    if (select.dataset.names === names.join(',')) return;
    select.dataset.names = names.join(',');
    select.innerHTML = names.map((n) => `<option>${esc(n)}</option>`).join('');
    if (names.includes(current)) select.value = current;
  }

  async function poll() {
    try {
      const q = new URLSearchParams(scope());
      const res = await fetch(`${BASE}/api/state?${q}`);
      state = await res.json();
      if (!$('#account').value) $('#account').value = state.account;
      if (!$('#region').value) $('#region').value = state.region;
      for (const g of state.groups) for (const s of g.shards) for (const n of s.nodes) record(n);
      for (const c of state.clusters) for (const n of c.nodes) record(n);
      refreshNodeChoices();
      render();
      $('#status').textContent = `updated ${new Date().toLocaleTimeString()}`;
      $('#status').classList.remove('error');
    } catch (err) {
      $('#status').textContent = `emulator unreachable: ${err.message}`;
      $('#status').classList.add('error');
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  // --- key browser ---
  let cursor = '0';
  const command = async (...args) => (await post('/api/command', { node: $('#key-node').value, args })).reply;

  async function scan(fresh) {
    if (fresh) { cursor = '0'; $('#key-list tbody').innerHTML = ''; }
    const [next, keys] = await command('SCAN', cursor, 'MATCH', $('#key-pattern').value || '*', 'COUNT', '200');
    cursor = next;
    $('#key-more').disabled = cursor === '0';
    const rows = [];
    for (const key of keys) {
      const [type, pttl] = await Promise.all([command('TYPE', key), command('PTTL', key)]);
      const ttl = pttl === -1 ? 'none' : pttl < 0 ? '' : `${(pttl / 1000).toFixed(1)} s`;
      rows.push(`<tr data-key="${esc(key)}"><td>${esc(key)}</td><td>${esc(type)}</td><td>${esc(ttl)}</td></tr>`);
    }
    $('#key-list tbody').insertAdjacentHTML('beforeend', rows.join(''));
  }

  const VALUE_COMMANDS = {
    string: (k) => ['GETRANGE', k, '0', '65535'],
    list: (k) => ['LRANGE', k, '0', '199'],
    hash: (k) => ['HSCAN', k, '0', 'COUNT', '200'],
    set: (k) => ['SSCAN', k, '0', 'COUNT', '200'],
    zset: (k) => ['ZRANGE', k, '0', '199', 'WITHSCORES'],
    stream: (k) => ['XRANGE', k, '-', '+', 'COUNT', '50'],
  };

  async function showKey(key) {
    const type = await command('TYPE', key);
    const read = VALUE_COMMANDS[type];
    let value = read ? await command(...read(key)) : null;
    if (type === 'hash' || type === 'set') value = value[1];
    const text = typeof value === 'string' ? value : JSON.stringify(value, null, 1);
    $('#key-value').innerHTML = `<h2>${esc(key)} <span class="muted">${esc(type)}</span>
      <button class="small" data-act="delete-key" data-key="${esc(key)}">delete</button></h2><pre id="key-value-text">${esc(text)}</pre>`;
  }

  // --- actions ---
  async function act(el) {
    const a = el.dataset.act;
    const node = el.dataset.node;
    const [clusterId, nodeId] = (node || '').split('/');
    try {
      if (a === 'failover') await post('/api/action', { action: 'TestFailover', input: { ReplicationGroupId: el.dataset.group, NodeGroupId: el.dataset.shard } });
      else if (a === 'reboot') await post('/api/action', { action: 'RebootCacheCluster', input: { CacheClusterId: clusterId, CacheNodeIdsToReboot: [nodeId] } });
      else if (a === 'snapshot') await post('/api/action', { action: 'CreateSnapshot', input: { ReplicationGroupId: el.dataset.group, SnapshotName: `${el.dataset.group}-${Date.now()}` } });
      else if (a === 'crash') await fault({ action: 'crash-node', target: node });
      else if (a === 'latency') await fault({ action: 'add-latency', target: node, latencyMs: 100, durationMs: 60000 });
      else if (a === 'cut') await fault({ action: 'cut-replication', target: node, durationMs: 60000 });
      else if (a === 'browse') { $('#key-node').value = node; await scan(true); }
      else if (a === 'delete-key') { await command('DEL', el.dataset.key); $('#key-value').innerHTML = ''; await scan(true); }
      else if (a === 'inject') {
        const options = $('#fault-options').value.trim();
        await fault({ action: $('#fault-action').value, target: $('#fault-target').value.trim(), ...(options ? JSON.parse(options) : {}) });
      } else if (a === 'clear-faults') await fetch('/_elasticache-local/faults', { method: 'DELETE' });
      $('#status').textContent = `${a}: done`;
    } catch (err) {
      $('#status').textContent = `${a}: ${err.message}`;
      $('#status').classList.add('error');
    }
  }

  document.addEventListener('click', (e) => {
    const tabButton = e.target.closest('#tabs button');
    if (tabButton) { tab = tabButton.dataset.tab; lastHtml = ''; render(); return; }
    const row = e.target.closest('#key-list tr[data-key]');
    if (row) { showKey(row.dataset.key).catch((err) => { $('#key-value').textContent = err.message; }); return; }
    const actor = e.target.closest('[data-act]');
    if (actor) act(actor);
  });
  $('#key-scan').addEventListener('click', () => scan(true).catch((err) => { $('#key-value').textContent = err.message; }));
  $('#key-more').addEventListener('click', () => scan(false).catch((err) => { $('#key-value').textContent = err.message; }));
  $('#key-pattern').addEventListener('keydown', (e) => { if (e.key === 'Enter') $('#key-scan').click(); });
  if (params.get('account')) $('#account').value = params.get('account');
  if (params.get('region')) $('#region').value = params.get('region');
  poll();
})();
