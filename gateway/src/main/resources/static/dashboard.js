// WMB ops dashboard: polls /ops/overview and renders it. Plain DOM, no build step. Everything that comes
// from a server is put on the page with textContent, never parsed as HTML.
'use strict';

(function () {
  const POLL_MS = 1500;
  const COLORS = { unicom: '#2b6cb0', telecom: '#c05621', north: '#38a169', south: '#805ad5' };
  const DATACENTERS = ['unicom', 'telecom'];
  const built = {};
  let last = null;

  const tokenInput = document.getElementById('token');
  tokenInput.value = sessionStorage.getItem('wmb-token') || '';
  tokenInput.addEventListener('input', () => sessionStorage.setItem('wmb-token', tokenInput.value));

  /** Creates an element; strings among the children become text nodes. */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([key, value]) => {
      if (key === 'text') { node.textContent = value; }
      else if (key === 'className') { node.className = value; }
      else if (key.startsWith('on')) { node.addEventListener(key.substring(2), value); }
      else { node.setAttribute(key, value); }
    });
    children.forEach((child) => node.append(child));
    return node;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function fmt(number, digits) {
    return (typeof number === 'number') ? number.toFixed(digits === undefined ? 1 : digits) : String(number);
  }

  function showMessage(text, isError) {
    const box = document.getElementById('message');
    box.textContent = text;
    box.className = isError ? 'message error' : 'message';
    box.hidden = false;
    clearTimeout(showMessage.timer);
    showMessage.timer = setTimeout(() => { box.hidden = true; }, isError ? 8000 : 3000);
  }

  /** Sends an operator action; the answer's problem detail is shown when it fails. */
  async function send(method, path, body, done) {
    const headers = { Accept: 'application/json' };
    if (tokenInput.value) { headers.Authorization = 'Bearer ' + tokenInput.value.trim(); }
    if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
    try {
      const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      let data = null;
      try { data = JSON.parse(text); } catch (ignored) { data = null; }
      if (!response.ok) {
        showMessage((data && (data.detail || data.title)) || ('HTTP ' + response.status), true);
        return;
      }
      showMessage(done, false);
      refresh();
    } catch (error) {
      showMessage('Request failed: ' + error, true);
    }
  }

  function percentControl(id, label, apply) {
    const input = el('input', { id, type: 'number', min: '0', max: '100', step: '1' });
    const button = el('button', { id: id + '-apply', type: 'button', text: 'Apply',
      onclick: () => {
        const value = Number(input.value);
        input.dataset.dirty = '';
        apply(value);
      } });
    input.addEventListener('input', () => { input.dataset.dirty = 'yes'; });
    return { node: el('div', { className: 'actions' }, el('label', { text: label + ' ' }, input), button), input };
  }

  function setIfIdle(input, value) {
    if (document.activeElement !== input && input.dataset.dirty !== 'yes') { input.value = String(value); }
  }

  function badge(status, id) {
    const props = { className: 'badge ' + status, text: status };
    if (id) { props.id = id; }
    return el('span', props);
  }

  // ---- regions -------------------------------------------------------------------------------------
  function renderRegions(overview) {
    const root = document.getElementById('region-rows');
    overview.regions.forEach((region) => {
      const key = 'region-' + region.id;
      if (!built[key]) {
        const other = region.home === 'unicom' ? 'telecom' : 'unicom';
        const current = el('strong', { id: 'shift-' + region.id + '-current' });
        const rate = el('span', { id: 'region-' + region.id + '-rps' });
        const bar = el('div', { className: 'split' }, el('div', { className: region.home }), el('div', { className: other }));
        const control = percentControl('shift-' + region.id, 'Shift to ' + other + ' (%)', (value) =>
          send('PUT', '/ops/regions/' + encodeURIComponent(region.id) + '/shift', { percent: value },
            region.id + ': ' + value + '% now goes to ' + other));
        root.append(el('div', {},
          el('h3', { text: region.id + ' (home: ' + region.home + ')' }),
          el('div', { className: 'row' }, el('span', { text: 'Shifted to ' + other }), current),
          bar,
          el('div', { className: 'row' }, el('span', { text: 'Requests/s' }), rate),
          control.node));
        built[key] = { current, rate, bar, input: control.input };
      }
      const view = built[key];
      view.current.textContent = fmt(region.shiftPercent, 0) + '%';
      view.rate.textContent = fmt(region.requestsPerSecond);
      view.bar.children[0].style.width = (100 - region.shiftPercent) + '%';
      view.bar.children[1].style.width = region.shiftPercent + '%';
      setIfIdle(view.input, region.shiftPercent);
    });
  }

  // ---- datacenters ---------------------------------------------------------------------------------
  function buildDatacenter(id) {
    const root = document.getElementById('datacenter-' + id);
    const status = el('span');
    const drainedBadge = el('span');
    const gateway = el('span', { className: 'muted' });
    const rate = el('strong', { id: 'datacenter-' + id + '-rps' });
    const spark = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    spark.setAttribute('class', 'spark');
    spark.setAttribute('viewBox', '0 0 100 22');
    spark.setAttribute('preserveAspectRatio', 'none');
    const drain = el('button', { id: 'drain-' + id, type: 'button' });
    drain.addEventListener('click', () => {
      const drained = drain.dataset.drained === 'true';
      send('PUT', '/ops/datacenters/' + id + '/drain', { drained: !drained },
        id + (drained ? ' is back in rotation' : ' is drained'));
    });
    const upstreams = el('tbody');
    const weight = percentControl('remote-weight-' + id, 'Weight of the other datacenter (%)', (value) =>
      send('PUT', '/ops/datacenters/' + id + '/remote-weight', { percent: value },
        id + ' gateway now sends ' + value + '% across'));
    const replication = el('div');
    const reconciler = el('div');
    const writes = el('span', { id: 'datacenter-' + id + '-writes' });
    root.append(
      el('h2', {}, id + ' ', status, ' ', drainedBadge),
      el('div', { className: 'row' }, el('span', { text: 'Gateway' }), gateway),
      el('div', { className: 'row' }, el('span', { text: 'Writes entering here' }), writes),
      el('div', { className: 'row' }, el('span', { text: 'Requests/s at the edge' }), el('span', {}, spark, ' ', rate)),
      el('div', { className: 'actions' }, drain),
      el('h3', { text: 'Upstreams (Nginx role)' }),
      el('table', { className: 'list' }, el('thead', {}, el('tr', {},
        el('th', { text: 'upstream' }), el('th', { text: 'health' }), el('th', { text: 'weight' }),
        el('th', { text: 'req/s' }))), upstreams),
      weight.node,
      el('h3', { text: 'Replication (reship / collector)' }), replication,
      el('h3', { text: 'Reconciler' }), reconciler);
    return { status, drainedBadge, gateway, rate, spark, drain, upstreams, weight: weight.input, replication, reconciler,
      writes };
  }

  function renderDatacenter(dc, series) {
    const view = built['dc-' + dc.id] || (built['dc-' + dc.id] = buildDatacenter(dc.id));
    view.status.replaceWith(view.status = badge(dc.status, 'datacenter-' + dc.id + '-status'));
    view.drainedBadge.replaceWith(view.drainedBadge = dc.drained ? badge('drained') : el('span'));
    if (dc.drained) { view.drainedBadge.className = 'badge drained'; }
    view.gateway.textContent = dc.gateway;
    renderWrites(view.writes, dc);
    view.rate.textContent = fmt(dc.requestsPerSecond);
    view.drain.textContent = dc.drained ? 'Undrain ' + dc.id : 'Drain ' + dc.id;
    view.drain.dataset.drained = String(dc.drained);
    drawLine(view.spark, [{ values: series, color: COLORS[dc.id] }], 100, 22);

    clear(view.upstreams);
    if (Array.isArray(dc.upstreams)) {
      dc.upstreams.forEach((upstream) => view.upstreams.append(el('tr', {},
        el('td', { text: upstream.id }), el('td', {}, badge(upstream.status)),
        el('td', { text: upstream.weightPercent === null ? '-' : fmt(upstream.weightPercent, 0) + '%' }),
        el('td', { text: fmt(upstream.requestsPerSecond) }))));
    } else {
      view.upstreams.append(el('tr', {}, el('td', { colspan: '4', className: 'unavailable',
        text: 'gateway unavailable: ' + ((dc.upstreams && dc.upstreams.error) || '') })));
    }
    if (dc.settings && typeof dc.settings.remoteWeightPercent === 'number') {
      setIfIdle(view.weight, dc.settings.remoteWeightPercent);
    }

    clear(view.replication);
    ['reship', 'collector'].forEach((part) => {
      const source = dc[part];
      if (!source || source.available === false) {
        view.replication.append(el('div', { className: 'row' }, el('span', { text: part }),
          el('span', { className: 'unavailable', text: 'unavailable' })));
        return;
      }
      const shown = source.metrics.map(describeMetric).filter((metric) => metric !== null);
      if (shown.length === 0) {
        view.replication.append(el('div', { className: 'row' }, el('span', { text: part }),
          el('span', { className: 'muted', text: 'no lag or backlog figures yet' })));
      }
      shown.forEach((metric) => {
        const key = dc.id + ':' + metric.label;
        const history = (trends[key] = (trends[key] || []).concat([metric.value]).slice(-40));
        const row = el('div', { className: 'row' }, el('span', { text: part + ' · ' + metric.label }));
        const value = el('span', {});
        if (metric.trend) {
          const spark = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
          spark.setAttribute('class', 'spark');
          spark.setAttribute('viewBox', '0 0 100 22');
          spark.setAttribute('preserveAspectRatio', 'none');
          drawLine(spark, [{ values: history, color: COLORS[dc.id] }], 100, 22);
          value.append(spark, ' ');
        }
        value.append(el('strong', { text: fmt(metric.value, metric.digits) }));
        row.append(value);
        view.replication.append(row);
      });
    });

    clear(view.reconciler);
    const status = dc.reconciler;
    if (!status || status.available === false) {
      view.reconciler.append(el('div', { className: 'unavailable', text: 'unavailable' }));
    } else {
      Object.entries(status).filter(([key, value]) => value !== null && key !== 'datacenter' && key !== 'instanceId')
        .slice(0, 13).forEach(([key, value]) => view.reconciler.append(
          el('div', { className: 'row' }, el('span', { text: key }), el('span', { text: display(value) }))));
    }
  }

  // Short names for the figures the overview picks from reship's and the collector's Prometheus pages.
  const METRICS = {
    wmb_reship_outbox_depth: { label: 'outbox backlog', digits: 0, trend: true },
    wmb_reship_outbox_oldest_age_seconds: { label: 'oldest unshipped (s)', digits: 2 },
    wmb_reship_inflight_batches: { label: 'batches in flight', digits: 0 },
    wmb_reship_writes_accepted_total: { label: 'writes accepted', digits: 0 },
    wmb_reship_writes_acknowledged_total: { label: 'writes acknowledged', digits: 0 },
    wmb_collector_replication_lag_seconds_max: { label: 'lag max (s)', digits: 3, trend: true },
    wmb_collector_replication_lag_seconds_mean: { label: 'lag mean (s)', digits: 3 },
    wmb_collector_writes_total: { label: 'writes', digits: 0 }
  };
  const trends = {};

  function describeMetric(metric) {
    const known = METRICS[metric.name];
    if (!known) {
      return { label: metric.name + metric.labels, value: metric.value, digits: 2 };
    }
    if (metric.name === 'wmb_collector_writes_total') {
      const outcome = /outcome="([^"]*)"/.exec(metric.labels);
      // Outcomes that never happened are noise on a small panel.
      if (!metric.value || !outcome) { return null; }
      return { label: 'writes ' + outcome[1], value: metric.value, digits: 0 };
    }
    return { label: known.label, value: metric.value, digits: known.digits, trend: known.trend };
  }

  function display(value) {
    if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value)) {
      return new Date(value).toLocaleTimeString();
    }
    return (typeof value === 'object') ? JSON.stringify(value) : String(value);
  }

  // ---- dead letters, link, audit -------------------------------------------------------------------
  function deadLetterItems(source) {
    if (Array.isArray(source)) { return source; }
    if (source && typeof source === 'object') {
      for (const key of ['deadLetters', 'items', 'content', 'entries']) {
        if (Array.isArray(source[key])) { return source[key]; }
      }
    }
    return null;
  }

  function renderDeadLetters(overview) {
    const body = document.getElementById('dead-letters');
    clear(body);
    overview.datacenters.forEach((dc) => {
      const items = deadLetterItems(dc.deadLetters);
      if (items === null) {
        const why = (dc.deadLetters && dc.deadLetters.error) || 'reconciler unavailable';
        body.append(el('tr', {}, el('td', { text: dc.id }),
          el('td', { colspan: '3', className: 'unavailable', text: why })));
        return;
      }
      items.slice(0, 50).forEach((item) => {
        const requestId = String(item.requestId || item.id || '');
        const rest = Object.assign({}, item);
        delete rest.requestId;
        body.append(el('tr', {}, el('td', { text: dc.id }), el('td', { text: requestId }),
          el('td', { text: JSON.stringify(rest).substring(0, 200) }),
          el('td', {}, el('button', { type: 'button', text: 'Re-drive',
            onclick: () => send('POST', '/ops/reconcilers/' + dc.id + '/dead-letters/'
              + encodeURIComponent(requestId) + '/redrive', undefined, 'Re-drive of ' + requestId + ' requested') }))));
      });
      if (items.length === 0) {
        body.append(el('tr', {}, el('td', { text: dc.id }), el('td', { colspan: '3', className: 'muted', text: 'none' })));
      }
    });
  }

  // Whether this datacenter takes writes: in master-slave mode the slave's writes cross to the master, and
  // are refused (503) while the master cannot be reached.
  function renderWrites(node, dc) {
    const writes = dc.writes;
    if (!writes || writes.available === false) {
      node.textContent = 'unknown (gateway unavailable)';
      node.className = 'unavailable';
      return;
    }
    const remote = writes.topology === 'master-slave' && writes.master !== dc.id;
    if (writes.acceptsWrites) {
      node.textContent = remote ? 'ACCEPTED, sent to the master (' + writes.master + ')' : 'ACCEPTED here';
      node.className = 'badge UP';
    } else {
      node.textContent = remote ? 'REFUSED (503): master ' + writes.master + ' unreachable; reads served here'
        : 'REFUSED (503): no processor available';
      node.className = 'badge DOWN';
    }
  }

  function renderTopology(topology) {
    const node = document.getElementById('topology');
    if (!topology) { return; }
    node.textContent = topology.mode === 'master-slave' ? 'master-slave (master: ' + topology.master + ')'
      : 'independent (both datacenters take writes)';
  }

  function renderLink(link) {
    const state = document.getElementById('link-state');
    const rtt = document.getElementById('link-rtt');
    if (!link || link.available === false) {
      state.textContent = 'unavailable';
      state.className = 'unavailable';
      rtt.textContent = '-';
      return;
    }
    const cut = link.cut === true || link.state === 'cut' || link.state === 'CUT';
    state.textContent = cut ? 'CUT' : 'connected';
    state.className = cut ? 'badge DOWN' : 'badge UP';
    const millis = link.roundTripMs !== undefined ? link.roundTripMs : link.rttMs;
    rtt.textContent = (millis !== undefined) ? String(millis) + ' ms' : JSON.stringify(link).substring(0, 120);
  }

  async function refreshAudit() {
    try {
      const response = await fetch('/ops/audit?limit=10');
      const entries = await response.json();
      const body = document.getElementById('audit');
      clear(body);
      entries.reverse().forEach((entry) => body.append(el('tr', {},
        el('td', { text: new Date(entry.at).toLocaleTimeString() }), el('td', { text: entry.operator }),
        el('td', { text: entry.address }), el('td', { text: entry.setting }),
        el('td', { text: String(entry.from) }), el('td', { text: String(entry.to) }))));
    } catch (ignored) {
      // The overview shows the edge's health; a failed audit read is simply retried next round.
    }
  }

  // ---- charts --------------------------------------------------------------------------------------
  function sumSeries(series, matches) {
    let result = null;
    Object.entries(series).forEach(([name, values]) => {
      if (!matches(name)) { return; }
      result = result || values.map(() => 0);
      values.forEach((value, i) => { result[i] += value; });
    });
    return result || new Array(60).fill(0);
  }

  function drawLine(svg, lines, width, height, dashed) {
    clear(svg);
    const max = Math.max(1, ...lines.flatMap((line) => line.values));
    lines.forEach((line) => {
      const step = width / Math.max(1, line.values.length - 1);
      const points = line.values.map((value, i) => (i * step).toFixed(1) + ',' + (height - 2 - (value / max) * (height - 6)).toFixed(1));
      const path = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
      path.setAttribute('points', points.join(' '));
      path.setAttribute('fill', 'none');
      path.setAttribute('stroke', line.color);
      path.setAttribute('stroke-width', line.dashed ? '1.2' : '2');
      if (line.dashed) { path.setAttribute('stroke-dasharray', '4 3'); }
      path.setAttribute('vector-effect', 'non-scaling-stroke');
      svg.append(path);
    });
    return max;
  }

  function renderChart(overview) {
    const series = overview.traffic.series;
    const lines = [
      { name: 'unicom', values: sumSeries(series, (n) => n.endsWith('>unicom')), color: COLORS.unicom },
      { name: 'telecom', values: sumSeries(series, (n) => n.endsWith('>telecom')), color: COLORS.telecom },
      { name: 'north', values: sumSeries(series, (n) => n.startsWith('north>')), color: COLORS.north, dashed: true },
      { name: 'south', values: sumSeries(series, (n) => n.startsWith('south>')), color: COLORS.south, dashed: true }];
    const max = drawLine(document.getElementById('chart'), lines, 600, 160);
    const legend = document.getElementById('legend');
    clear(legend);
    lines.forEach((line) => {
      const item = el('span', { text: line.name + (line.dashed ? ' (region)' : ' (datacenter)') });
      item.style.setProperty('--c', line.color);
      legend.append(item);
    });
    legend.append(el('span', { className: 'muted', text: 'peak ' + max + ' req/s' }));
    return lines;
  }

  // ---- polling -------------------------------------------------------------------------------------
  async function refresh() {
    try {
      const headers = { Accept: 'application/json' };
      // Dead letters are for operators only: the edge fetches them when the token is valid.
      if (tokenInput.value) { headers.Authorization = 'Bearer ' + tokenInput.value.trim(); }
      const response = await fetch('/ops/overview', { headers });
      if (!response.ok) { throw new Error('HTTP ' + response.status); }
      last = await response.json();
      const lines = renderChart(last);
      renderRegions(last);
      last.datacenters.forEach((dc) => renderDatacenter(dc, lines.find((line) => line.name === dc.id).values));
      renderDeadLetters(last);
      renderLink(last.link);
      renderTopology(last.topology);
      document.getElementById('updated').textContent = 'updated ' + new Date(last.at).toLocaleTimeString();
    } catch (error) {
      document.getElementById('updated').textContent = 'edge unavailable (' + error.message + ')';
    }
    refreshAudit();
  }

  document.getElementById('link-cut').addEventListener('click', () => send('POST', '/ops/link/cut', undefined, 'Link cut'));
  document.getElementById('link-heal').addEventListener('click', () => send('POST', '/ops/link/heal', undefined, 'Link healed'));

  async function loop() {
    await refresh();
    setTimeout(loop, POLL_MS);
  }
  DATACENTERS.forEach((id) => { built['dc-' + id] = buildDatacenter(id); });
  loop();
}());
