/* hqd web UI: a small single-page app over /api/v1. No framework, no build step.
 * Every piece of data is inserted with textContent (never innerHTML) so plan text and report
 * text cannot inject markup. */
'use strict';

const S = { me: null, plans: [], plan: null };

/* ------------------------------------------------------------ helpers */

function h(tag, attrs, ...kids) {
  const svg = ['svg', 'rect', 'text', 'g', 'line', 'title'].includes(tag);
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag)
                 : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || ('请求失败（' + status + '）'));
    this.status = status;
    this.field = body && body.error && body.error.field;
  }
}

async function api(method, path, body, raw) {
  const opt = { method, headers: {}, credentials: 'same-origin' };
  if (raw) { opt.body = raw.data; opt.headers['Content-Type'] = raw.type || 'application/octet-stream'; }
  else if (body !== undefined) { opt.body = JSON.stringify(body); opt.headers['Content-Type'] = 'application/json'; }
  const res = await fetch(path, opt);
  let data = null;
  try { data = await res.json(); } catch (_) { data = null; }
  if (res.status === 401 && S.me && path !== '/api/v1/session') { S.me = null; renderLogin('登录已失效，请重新登录。'); throw new ApiError(401, data); }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) p.set(k, v);
  const s = p.toString();
  return s ? '?' + s : '';
}

function chip(light, label) { return h('span', { class: 'chip ' + light }, label); }
function lightChip(t) { return chip(t.light, t.light_label || { green: '绿灯', yellow: '黄灯', red: '红灯' }[t.light]); }
function msg(kind, text) { return h('div', { class: 'msg ' + kind, role: kind === 'err' ? 'alert' : 'status' }, text); }
function progressBar(p) {
  if (p === null || p === undefined) return h('span', { class: 'hint' }, '未报');
  return h('span', {}, h('span', { class: 'bar' }, h('i', { class: 'w' + Math.round(p / 5) * 5 })), p + '%');
}
const roleLabel = { lead: '牵头', co: '配合', collective: '各相关部门' };

function setMain(...kids) {
  const main = document.querySelector('.main');
  main.replaceChildren(...kids.filter((k) => k !== null && k !== undefined && k !== false));
  main.scrollTop = 0;
}

/* ------------------------------------------------------------ login and shell */

function renderLogin(note) {
  const err = h('div');
  const name = h('input', { type: 'text', id: 'login-name', autocomplete: 'username', required: true });
  const pw = h('input', { type: 'password', id: 'login-password', autocomplete: 'current-password', required: true });
  const btn = h('button', { type: 'submit', id: 'login-submit' }, '登录');
  const form = h('form', { class: 'login', onsubmit: async (ev) => {
      ev.preventDefault();
      btn.disabled = true;
      err.replaceChildren();
      try {
        const r = await api('POST', '/api/v1/session', { name: name.value.trim(), password: pw.value });
        S.me = r.user;
        await start();
      } catch (e) { err.replaceChildren(msg('err', e.message)); btn.disabled = false; }
    } },
    h('h1', {}, '高质量综合服务平台'),
    h('p', { class: 'sub' }, '工作方案台账 · 督查督办 · 进展报送'),
    note ? msg('err', note) : null, err,
    h('label', { for: 'login-name' }, '账号'), name,
    h('label', { for: 'login-password' }, '密码'), pw, btn);
  document.getElementById('app').replaceChildren(h('div', { class: 'login-wrap' }, form));
  name.focus();
}

function navLinks() {
  const r = S.me.role;
  if (r === 'enterprise') return [['#/entitled', '我能享受什么'], ['#/policy', '我的申请'], ['#/account', '修改密码']];
  const links = [['#/dashboard', '首页'], ['#/tasks', '任务台账'], ['#/notices', '督查督办'], ['#/bulletins', '通报'], ['#/assess', '考核']];
  if (r !== 'dept') links.push(['#/policy', '政策兑现'], ['#/matches', '免申即享名单'], ['#/entitled', '享受查询'], ['#/rules', '政策规则与主体']);
  if (r === 'office' || r === 'admin') links.push(['#/settings', '报送设置']);
  if (r === 'admin') links.push(['#/admin/users', '账号管理'], ['#/admin/depts', '部门目录']);
  links.push(['#/account', '修改密码']);
  return links;
}

function renderShell() {
  const plan = S.plan;
  const nav = h('nav', { class: 'nav', 'aria-label': '导航' },
    navLinks().map(([href, label]) => h('a', { href, 'data-nav': href }, h('span', {}, label),
      href === '#/tasks' ? h('span', { class: 'count', id: 'nav-red', hidden: true }) : null,
      href === '#/notices' ? h('span', { class: 'count', id: 'nav-inbox', hidden: true }) : null,
      href === '#/policy' ? h('span', { class: 'count', id: 'nav-overdue', hidden: true }) : null)));
  const top = h('header', { class: 'top' },
    h('span', { class: 'name' }, '高质量综合服务平台'),
    h('span', { class: 'plan', title: plan ? plan.title : '' },
      S.me.role === 'enterprise' ? '惠企政策兑现' : plan ? (plan.doc_number ? plan.doc_number + ' ' : '') + plan.title : '尚未导入方案'),
    h('span', { class: 'who', id: 'who' }, S.me.name + '（' + S.me.role_label + (S.me.dept ? ' · ' + S.me.dept : '') + (S.me.entity ? ' · ' + S.me.entity : '') + '）'),
    h('button', { onclick: logout, id: 'logout' }, '退出'));
  document.getElementById('app').replaceChildren(
    h('div', { class: 'shell' }, top, nav, h('main', { class: 'main' })));
}

async function logout() {
  try { await api('DELETE', '/api/v1/session'); } catch (_) { /* already gone */ }
  S.me = null;
  renderLogin();
}

async function start() {
  const ent = S.me.role === 'enterprise';
  if (!S.today) S.today = (await api('GET', '/api/v1/me')).today;
  if (!ent) {
    const p = await api('GET', '/api/v1/plans');
    S.plans = p.plans;
    S.plan = S.plans[0] || null;
  }
  renderShell();
  if (!location.hash || location.hash === '#/' || location.hash === '#') location.hash = ent ? '#/entitled' : '#/dashboard';
  route();
}

async function refreshInbox() {
  try {
    const c = await api('GET', '/api/v1/inbox');
    const el = document.getElementById('nav-inbox');
    if (el) { el.textContent = c.todo; el.hidden = !c.todo; }
    /* 惠企政策 applications past their 兑现时限 */
    const od = document.getElementById('nav-overdue');
    if (od) { od.textContent = c.applications_overdue; od.title = `${c.applications_overdue} 件申请超过兑现时限仍未办结`; od.hidden = !c.applications_overdue; }
  } catch (_) { /* the count is a hint */ }
}

function route() {
  if (!S.me) return;
  const ent = S.me.role === 'enterprise';
  if (!ent) refreshInbox();
  const hash = location.hash || '#/dashboard';
  const [path, query] = hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  document.querySelectorAll('.nav a').forEach((a) => {
    const target = a.getAttribute('data-nav').slice(1);
    a.classList.toggle('on', path === target || (target !== '/' && path.startsWith(target + '/')));
  });
  const policyPaths = ['/policy', '/entitled', '/account'];
  if (ent && !policyPaths.includes(path) && !path.startsWith('/policy/')) { location.hash = '#/entitled'; return; }
  /* 惠企政策 needs no plan */
  const planless = [...policyPaths, '/matches', '/rules'];
  if (!S.plan && !ent && !path.startsWith('/admin') && !planless.includes(path) && !path.startsWith('/policy/')) {
    setMain(h('h2', {}, '还没有方案'),
      h('div', { class: 'panel empty' }, '请管理员先用 hqd plan import 导入工作方案。'));
    return;
  }
  const m = path.match(/^\/tasks\/(\d+)$/);
  const ma = path.match(/^\/policy\/applications\/(\d+)$/);
  const views = {
    '/dashboard': () => viewDashboard(params),
    '/tasks': () => viewTasks(params),
    '/notices': () => viewNotices(params),
    '/bulletins': () => viewBulletins(params),
    '/assess': () => viewAssess(params),
    '/settings': () => viewSettings(),
    '/admin/users': () => viewUsers(),
    '/admin/depts': () => viewDepts(),
    '/account': () => viewAccount(),
    '/policy': () => viewPolicy(params),
    '/entitled': () => viewEntitled(params),
    '/matches': () => viewMatches(params),
    '/rules': () => viewRules(),
  };
  const fn = m ? () => viewTask(m[1], params) : ma ? () => viewApplication(ma[1]) : views[path];
  if (!fn) { setMain(h('div', { class: 'panel empty' }, '页面不存在。')); return; }
  fn().catch((e) => { if (e.status !== 401) setMain(msg('err', e.message)); });
}

/* ------------------------------------------------------------ dashboard */

function deptChart(rows) {
  if (!rows.length) return h('div', { class: 'empty' }, '暂无数据');
  rows = rows.slice().sort((a, b) => (b.red - a.red) || (b.yellow - a.yellow) || ((b.green + b.yellow + b.red) - (a.green + a.yellow + a.red)));
  const max = Math.max(...rows.map((r) => r.green + r.yellow + r.red), 1);
  const labelW = 150, barW = 360, rowH = 24, w = labelW + barW + 40;
  const svg = h('svg', { class: 'chart', width: w, height: rows.length * rowH + 8,
    viewBox: `0 0 ${w} ${rows.length * rowH + 8}`, role: 'img', 'aria-label': '各部门牵头任务灯色' });
  rows.forEach((r, i) => {
    const y = i * rowH + 4;
    svg.append(h('text', { x: labelW - 8, y: y + 15, 'text-anchor': 'end' }, r.dept));
    let x = labelW;
    for (const [k, cls] of [['green', 'g'], ['yellow', 'y'], ['red', 'r']]) {
      const wd = (r[k] / max) * barW;
      if (wd > 0) {
        svg.append(h('rect', { x, y: y + 3, width: wd.toFixed(1), height: rowH - 8, class: cls },
          h('title', {}, `${r.dept}：${{ green: '绿灯', yellow: '黄灯', red: '红灯' }[k]} ${r[k]} 项`)));
        x += wd;
      }
    }
    svg.append(h('text', { x: x + 6, y: y + 15 }, String(r.green + r.yellow + r.red)));
  });
  return svg;
}

/* 惠企政策 at a glance for those who run or read it: the year's applications, what was paid,
 * what waits, what is past its 兑现时限 and the on-time rate (the applications list's totals). */
async function policyCards() {
  if (!['admin', 'office', 'leader'].includes(S.me.role)) return null;
  const year = thisYear();
  const [all, pending] = await Promise.all([api('GET', '/api/v1/applications' + qs({ year, limit: 1 })),
    api('GET', '/api/v1/applications' + qs({ year, status: 'submitted', limit: 1 }))]);
  const card = (cls, k, v, extra, href) => h('a', { class: 'card ' + cls, href }, h('div', { class: 'k' }, k), h('div', { class: 'v' }, v, extra ? h('small', {}, extra) : null));
  const t = all.timing;
  return h('div', { class: 'cards', id: 'dash-policy' },
    card('', `惠企政策申请（${year} 年）`, all.total, `已兑付 ${yuan(all.paid_fen)} 元`, '#/policy'),
    card('yellow', '待审批', pending.total, `申请 ${yuan(pending.amount_fen)} 元`, '#/policy?status=submitted'),
    card('red', '超过兑现时限未办结', all.overdue, '', '#/policy?overdue=1'),
    card('green', '按时办结率', t.on_time_rate !== null ? t.on_time_rate + '%' : '—', t.on_time + t.late ? `${t.on_time}/${t.on_time + t.late} 件` : '尚无办结', '#/policy'));
}

async function viewDashboard(params) {
  const period = params.get('period') || '';
  const [d, policy] = await Promise.all([api('GET', '/api/v1/dashboard' + qs({ plan: S.plan.id, period })), policyCards()]);
  const redNav = document.getElementById('nav-red');
  if (redNav) { redNav.textContent = d.lights.red; redNav.hidden = !d.lights.red; }
  const per = h('input', { type: 'text', value: d.period, id: 'dash-period', size: 9, 'aria-label': '报告期' });
  const card = (cls, k, v, extra) => h('div', { class: 'card ' + cls }, h('div', { class: 'k' }, k), h('div', { class: 'v' }, v, extra ? h('small', {}, extra) : null));
  const rp = d.reports;
  setMain(
    h('h2', {}, '首页', h('small', {}, `报告期 ${d.period}，报送截止 ${d.report_deadline}${d.closed ? '，已关账' : ''}`)),
    h('div', { class: 'filters' }, h('label', { for: 'dash-period' }, '报告期'), per,
      h('button', { class: 'plain', onclick: () => { location.hash = '#/dashboard?period=' + encodeURIComponent(per.value.trim()); } }, '查看')),
    h('div', { class: 'cards' },
      card('', '任务总数', d.tasks, S.me.role === 'dept' ? '本部门可见' : ''),
      card('green', '绿灯', d.lights.green),
      card('yellow', '黄灯', d.lights.yellow),
      card('red', '红灯', d.lights.red)),
    h('div', { class: 'cards' },
      card('', '本期应报', rp.due), card('', '已报送', rp.submitted),
      card('yellow', '逾期报送', rp.late), card('red', '尚未报送', rp.missing)),
    policy,
    h('div', { class: 'two' },
      h('section', { class: 'panel' }, h('h3', {}, '各部门牵头任务灯色'),
        h('div', { class: 'legend' }, h('span', {}, h('i', { class: 'dot green' }), '绿灯'),
          h('span', {}, h('i', { class: 'dot yellow' }), '黄灯'), h('span', {}, h('i', { class: 'dot red' }), '红灯')),
        deptChart(d.by_dept)),
      h('section', { class: 'panel' }, h('h3', {}, '红灯任务'),
        d.red_tasks.length ? h('table', { class: 'grid' },
          h('thead', {}, h('tr', {}, h('th', { class: 'w-path' }, '条目'), h('th', {}, '原因'))),
          h('tbody', {}, d.red_tasks.map((t) => h('tr', { class: 'click', onclick: () => { location.hash = '#/tasks/' + t.id; } },
            h('td', {}, t.path, h('div', { class: 'hint' }, t.lead)), h('td', {}, t.reason)))))
          : h('div', { class: 'empty' }, '本期没有红灯任务。'))));
}

/* ------------------------------------------------------------ ledger */

let deptCache = null;
async function departments() {
  if (!deptCache) deptCache = (await api('GET', '/api/v1/departments')).departments;
  return deptCache;
}

async function viewTasks(params) {
  const f = { plan: S.plan.id, dept: params.get('dept') || '', light: params.get('light') || '',
    section: params.get('section') || '', q: params.get('q') || '', page: params.get('page') || '1',
    period: params.get('period') || '', mine: params.get('mine') || '' };
  const data = await api('GET', '/api/v1/tasks' + qs(f));
  const go = (over) => { const n = Object.assign({}, f, over); delete n.plan; location.hash = '#/tasks' + qs(n); };
  const q = h('input', { type: 'text', id: 'f-q', value: f.q, placeholder: '搜索条目、任务内容、部门', 'aria-label': '搜索' });
  const light = h('select', { id: 'f-light', 'aria-label': '灯色', onchange: () => go({ light: light.value, page: 1 }) },
    h('option', { value: '' }, '全部灯色'), ['green', 'yellow', 'red'].map((l) =>
      h('option', { value: l, selected: f.light === l }, { green: '绿灯', yellow: '黄灯', red: '红灯' }[l])));
  const sections = ['一', '二', '三', '四', '五', '六'];
  const section = h('select', { id: 'f-section', 'aria-label': '章节', onchange: () => go({ section: section.value, page: 1 }) },
    h('option', { value: '' }, '全部章节'), sections.map((s) => h('option', { value: s, selected: f.section === s }, s + '、')));
  const controls = [q, h('button', { class: 'plain', id: 'f-search', onclick: () => go({ q: q.value.trim(), page: 1 }) }, '搜索'), light, section];
  if (S.me.role !== 'dept') {
    const depts = (await departments()).filter((d) => !d.alias_of && d.kind !== 'collective');
    const dept = h('select', { id: 'f-dept', 'aria-label': '部门', onchange: () => go({ dept: dept.value, page: 1 }) },
      h('option', { value: '' }, '全部部门'), depts.map((d) => h('option', { value: d.name, selected: f.dept === d.name }, d.name)));
    controls.unshift(dept);
  } else {
    const mine = h('select', { id: 'f-mine', 'aria-label': '范围', onchange: () => go({ mine: mine.value, page: 1 }) },
      h('option', { value: '' }, '本部门可见'), h('option', { value: '1', selected: !!f.mine }, '本部门牵头或配合'));
    controls.unshift(mine);
  }
  q.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') go({ q: q.value.trim(), page: 1 }); });
  const pages = Math.max(1, Math.ceil(data.total / data.per_page));
  const body = data.tasks.length ? h('table', { class: 'grid', id: 'ledger' },
    h('colgroup', {}, h('col', { width: '52' }), h('col', { width: '120' }), h('col'), h('col', { width: '150' }),
      h('col', { width: '170' }), h('col', { width: '96' }), h('col', { width: '130' }), h('col', { width: '70' })),
    h('thead', {}, h('tr', {}, ['序号', '条目', '重点任务 / 具体措施', '牵头单位', '配合单位', '完成时限', '进度', '灯色'].map((t) => h('th', {}, t)))),
    h('tbody', {}, data.tasks.map((t) => h('tr', { class: 'click', 'data-task': t.id, onclick: () => { location.hash = '#/tasks/' + t.id; } },
      h('td', { class: 'num' }, t.seq),
      h('td', {}, t.path, t.my_role ? h('div', {}, chip('gray', roleLabel[t.my_role])) : null),
      h('td', {}, h('div', {}, h('b', {}, t.item_title)), h('div', { class: 'clip hint' }, t.text)),
      h('td', {}, t.lead || '—'), h('td', {}, h('div', { class: 'clip' }, t.co || '—')),
      h('td', {}, t.due_on, h('div', { class: 'hint' }, t.due_source === 'plan' ? '方案' : t.due_source === 'office' ? '督查室' : '默认')),
      h('td', {}, progressBar(t.progress), h('div', { class: 'hint' }, '序时 ' + t.expected + '%')),
      h('td', { title: t.light_reason }, lightChip(t))))))
    : h('div', { class: 'empty' }, '没有符合条件的任务。');
  setMain(
    h('h2', {}, '任务台账', h('small', {}, `报告期 ${data.period} · 共 ${data.total} 项`)),
    h('div', { class: 'filters' }, controls),
    h('div', { class: 'panel' }, body,
      h('div', { class: 'pager' }, `第 ${data.page} / ${pages} 页`,
        h('button', { class: 'plain', disabled: data.page <= 1, onclick: () => go({ page: data.page - 1 }) }, '上一页'),
        h('button', { class: 'plain', disabled: data.page >= pages, onclick: () => go({ page: data.page + 1 }) }, '下一页'))));
}

/* ------------------------------------------------------------ task detail */

/* The files of a report or notice, fetched when shown, each a download link. */
function fileLinks(listUrl, downloadBase) {
  const el = h('div', { class: 'files hint' }, '附件加载中…');
  api('GET', listUrl).then(({ attachments }) => el.replaceChildren('附件：', ...attachments.map((a, i) =>
    h('span', {}, i ? '、' : '', h('a', { href: downloadBase + a.id, download: a.name, title: `SHA-256 ${a.sha256}` },
      `${a.name}（${Math.max(1, Math.round(a.size / 1024))} KB）`)))))
    .catch((e) => el.replaceChildren(msg('err', e.message)));
  return el;
}

function reportForm(t, onDone) {
  const lead = t.my_role === 'lead';
  const out = h('div');
  const period = h('input', { type: 'text', id: 'r-period', value: t.period, size: 10, required: true });
  const progress = lead ? h('input', { type: 'number', id: 'r-progress', min: 0, max: 100, value: t.progress ?? '', required: true }) : null;
  const done = h('textarea', { id: 'r-done', required: true, placeholder: lead ? '本期工作完成情况' : '本部门配合开展的工作' });
  const problems = h('textarea', { id: 'r-problems', placeholder: '存在的问题和困难（可不填）' });
  const next = h('textarea', { id: 'r-next', placeholder: '下一步工作打算（可不填）' });
  const file = h('input', { type: 'file', id: 'r-file' });
  const btn = h('button', { type: 'submit', id: 'r-submit' }, '提交报告');
  const form = h('form', { class: 'panel', id: 'report-form', onsubmit: async (ev) => {
      ev.preventDefault();
      btn.disabled = true;
      out.replaceChildren();
      try {
        const body = { period: period.value.trim(), done: done.value, problems: problems.value, next: next.value };
        if (lead) body.progress = progress.value === '' ? null : Number(progress.value);
        const r = await api('POST', `/api/v1/tasks/${t.id}/reports`, body);
        if (file.files.length) {
          const f = file.files[0];
          await api('POST', `/api/v1/reports/${r.report.id}/attachments?name=${encodeURIComponent(f.name)}`, undefined,
            { data: f, type: f.type || 'application/octet-stream' });
        }
        out.replaceChildren(msg('ok', `已提交（第 ${r.report.version} 版${r.report.late ? '，逾期报送' : ''}）。` +
          (r.light ? `本期灯色：${r.light.light_label}。` : '')));
        setTimeout(onDone, 400);
      } catch (e) { out.replaceChildren(msg('err', e.message)); btn.disabled = false; }
    } },
    h('h3', {}, lead ? '报送进展（牵头单位）' : '报送配合情况（配合单位）'),
    h('div', { class: 'form-row' }, h('label', { for: 'r-period' }, '报告期'),
      h('div', {}, period, h('span', { class: 'hint' }, `  截止 ${t.report_deadline}，截止前可修改`))),
    lead ? h('div', { class: 'form-row' }, h('label', { for: 'r-progress' }, '完成进度 %'), h('div', {}, progress, h('span', { class: 'hint' }, `  序时进度 ${t.expected}%`))) : null,
    h('div', { class: 'form-row' }, h('label', { for: 'r-done' }, lead ? '完成情况' : '配合情况'), done),
    h('div', { class: 'form-row' }, h('label', { for: 'r-problems' }, '存在问题'), problems),
    h('div', { class: 'form-row' }, h('label', { for: 'r-next' }, '下步打算'), next),
    h('div', { class: 'form-row' }, h('label', { for: 'r-file' }, '附件'), h('div', {}, file, h('div', { class: 'hint' }, 'PDF、图片、Office 文档、压缩包，10 MB 以内'))),
    h('div', { class: 'form-row' }, h('span'), h('div', {}, btn)), out);
  return form;
}

function reopenForm(t, onDone) {
  const out = h('div');
  const note = h('input', { type: 'text', id: 'reopen-note', placeholder: '重新打开的理由', required: true });
  return h('form', { class: 'panel', onsubmit: async (ev) => {
      ev.preventDefault();
      try { await api('POST', `/api/v1/tasks/${t.id}/reopen`, { note: note.value }); onDone(); }
      catch (e) { out.replaceChildren(msg('err', e.message)); }
    } }, h('h3', {}, '重新打开（督查室）'), h('div', { class: 'filters' }, note, h('button', { type: 'submit' }, '重新打开')), out);
}

function datesForm(t, onDone) {
  const out = h('div');
  const start = h('input', { type: 'date', id: 'd-start', value: t.start_on });
  const due = h('input', { type: 'date', id: 'd-due', value: t.due_on });
  return h('form', { class: 'panel', onsubmit: async (ev) => {
      ev.preventDefault();
      try { await api('PUT', `/api/v1/tasks/${t.id}/dates`, { start_on: start.value, due_on: due.value }); onDone(); }
      catch (e) { out.replaceChildren(msg('err', e.message)); }
    } },
    h('h3', {}, '设定起止日期（督查室）'),
    h('div', { class: 'filters' }, h('label', { for: 'd-start' }, '开始'), start, h('label', { for: 'd-due' }, '完成时限'), due,
      h('button', { type: 'submit' }, '保存')), out);
}

async function viewTask(id, params) {
  const period = params.get('period') || '';
  const [{ task: t }, { reports }, { notices }, { closures }] = await Promise.all([
    api('GET', `/api/v1/tasks/${id}` + qs({ period })), api('GET', `/api/v1/tasks/${id}/reports`),
    api('GET', `/api/v1/tasks/${id}/notices`), api('GET', `/api/v1/tasks/${id}/closures`)]);
  const reload = () => viewTask(id, params).catch((e) => setMain(msg('err', e.message)));
  const noticeOut = h('div');
  const timeline = reports.length ? h('ul', { class: 'timeline', id: 'timeline' }, reports.map((r) => h('li', {},
      h('div', { class: 'meta' }, `${r.period} · ${r.dept}（${roleLabel[r.role]}）· 第 ${r.version} 版 · ${r.submitted_by} · ${r.submitted_at.replace('T', ' ').replace('Z', ' UTC')}`,
        r.late ? ' ' : null, r.late ? chip('yellow', '逾期报送') : null),
      h('div', { class: 'body' },
        r.progress !== null ? h('p', {}, '进度：', progressBar(r.progress)) : null,
        h('p', {}, h('b', {}, r.role === 'lead' ? '完成情况：' : '配合情况：'), r.done),
        r.problems ? h('p', {}, h('b', {}, '存在问题：'), r.problems) : null,
        r.next ? h('p', {}, h('b', {}, '下步打算：'), r.next) : null,
        r.attachments ? fileLinks(`/api/v1/reports/${r.id}/attachments`, '/api/v1/attachments/') : null))))
    : h('div', { class: 'empty' }, '还没有报告。');
  const history = t.light_history.length ? h('div', { class: 'history' }, t.light_history.map((l) =>
      h('span', { title: l.light_reason }, chip(l.light, `${l.period} ${l.light_label}${l.frozen ? '' : '（暂定）'}`))))
    : h('span', { class: 'hint' }, '尚无记录');
  const canReport = S.me.role === 'dept' && (t.my_role === 'lead' || t.my_role === 'co' || t.my_role === 'collective') && !t.closed;
  if (canReport && t.my_role === 'collective') t.my_role = 'co';
  setMain(
    h('h2', {}, h('a', { href: '#/tasks' }, '任务台账'), ' / ', t.path),
    h('section', { class: 'panel' },
      h('div', { class: 'detail-head' }, h('h3', {}, t.item_title), lightChip(t), h('span', { class: 'hint', id: 'light-reason' }, t.light_reason)),
      h('dl', { class: 'kv' },
        h('dt', {}, '具体措施'), h('dd', {}, t.text),
        h('dt', {}, '牵头单位'), h('dd', {}, t.lead || '—'),
        h('dt', {}, '配合单位'), h('dd', {}, t.co || '—'),
        h('dt', {}, '起止日期'), h('dd', {}, `${t.start_on} 至 ${t.due_on}`, t.deadline_text ? `（方案：${t.deadline_text}）` : ''),
        h('dt', {}, '报告期'), h('dd', {}, `${t.period}，报送截止 ${t.report_deadline}`),
        h('dt', {}, '进度'), h('dd', {}, progressBar(t.progress), h('span', { class: 'hint' }, `　序时进度 ${t.expected}%`)),
        h('dt', {}, '灯色记录'), h('dd', {}, history)),
      h('h3', { class: 'gap' }, '方案原文'), h('div', { class: 'clause' }, t.clause || '')),
    canReport ? reportForm(t, reload) : null,
    S.me.role === 'office' && !t.closed ? issueForm(t, reload) : null,
    S.me.role === 'office' ? datesForm(t, reload) : null,
    S.me.role === 'office' && t.closed ? reopenForm(t, reload) : null,
    S.me.role === 'dept' && t.my_role === 'lead' && !t.closed && !closures.some((c) => c.status === 'requested') ? closureForm(t, reload) : null,
    h('section', { class: 'panel' }, h('h3', {}, '督办单'), noticeOut, noticeTable(notices, reload, noticeOut, false)),
    closures.length ? h('section', { class: 'panel' }, h('h3', {}, '销号记录'), h('ul', { class: 'timeline' }, closures.map((c) =>
      h('li', {}, h('div', { class: 'meta' }, `${c.requested_at.replace('T', ' ').replace('Z', '')} · ${c.dept} · ${c.requested_by}`),
        h('div', {}, chip(c.status === 'approved' ? 'green' : c.status === 'requested' ? 'yellow' : 'gray',
          { requested: '待审核', approved: '已批准', rejected: '已驳回', reopened: '已重新打开' }[c.status]), ' ', c.evidence),
        c.note ? h('div', { class: 'hint' }, c.note) : null)))) : null,
    h('section', { class: 'panel' }, h('h3', {}, '进展报告'), timeline));
}

/* ------------------------------------------------------------ 督查督办 */

const levelClass = { remind: 'blue', urge: 'yellow', supervise: 'red' };
const statusLabel = { open: '待签收', signed: '已签收', answered: '已反馈', accepted: '已办结', returned: '已退回', escalated: '已升级' };

function noticeActions(n, onDone, out) {
  const act = async (method, path, body) => {
    try { await api(method, path, body); onDone(); } catch (e) { out.replaceChildren(msg('err', e.message)); }
  };
  const role = S.me.role;
  if (role === 'dept' && (n.status === 'open' || n.status === 'returned' || n.status === 'signed')) {
    const text = h('textarea', { class: 'answer-text', placeholder: '反馈内容：办理情况、整改措施、完成时间' });
    const file = h('input', { type: 'file', class: 'answer-file', title: '佐证材料（可不传）' });
    return h('div', { class: 'notice-act' },
      n.status === 'open' ? h('button', { class: 'plain sign-btn', onclick: () => act('POST', `/api/v1/notices/${n.id}/sign`) }, '签收') : null,
      text, file, h('button', { class: 'answer-btn', onclick: async () => {
        if (!text.value.trim()) { out.replaceChildren(msg('err', '请填写反馈内容。')); return; }
        try {
          if (file.files.length) {
            const f = file.files[0];
            await api('POST', `/api/v1/notices/${n.id}/attachments?name=${encodeURIComponent(f.name)}`, undefined,
              { data: f, type: f.type || 'application/octet-stream' });
          }
        } catch (e) { out.replaceChildren(msg('err', '附件上传失败：' + e.message)); return; }
        act('POST', `/api/v1/notices/${n.id}/answer`, { text: text.value });
      } }, '反馈'));
  }
  if (role === 'office' && n.status === 'answered') {
    const note = h('input', { type: 'text', class: 'return-note', placeholder: '退回理由' });
    return h('div', { class: 'notice-act' },
      h('button', { class: 'accept-btn', onclick: () => act('POST', `/api/v1/notices/${n.id}/accept`) }, '认可办结'),
      note, h('button', { class: 'plain return-btn', onclick: () => {
        if (!note.value.trim()) { out.replaceChildren(msg('err', '请填写退回理由。')); return; }
        act('POST', `/api/v1/notices/${n.id}/return`, { note: note.value });
      } }, '退回'));
  }
  return null;
}

function noticeTable(list, onDone, out, withTask) {
  if (!list.length) return h('div', { class: 'empty' }, '没有督办单。');
  return h('table', { class: 'grid notices' },
    h('thead', {}, h('tr', {}, (withTask ? ['任务'] : []).concat(['级别', '单位', '事由', '时限', '状态', '办理']).map((t) => h('th', {}, t)))),
    h('tbody', {}, list.map((n) => h('tr', { 'data-notice': n.id },
      withTask ? h('td', {}, h('a', { href: '#/tasks/' + n.task_id }, n.task_path)) : null,
      h('td', {}, chip(levelClass[n.level], n.level_label), n.origin === 'auto' ? h('div', { class: 'hint' }, '自动') : null),
      h('td', {}, n.dept),
      h('td', {}, n.reason, n.answer ? h('div', { class: 'hint' }, '反馈：' + n.answer) : null,
        n.attachments ? fileLinks(`/api/v1/notices/${n.id}/attachments`, '/api/v1/notice-attachments/') : null,
        n.decision_note ? h('div', { class: 'hint' }, '退回：' + n.decision_note) : null),
      h('td', {}, n.due_on, h('div', { class: 'hint' }, n.limit_wd + ' 个工作日')),
      h('td', {}, chip(n.status === 'accepted' ? 'green' : n.status === 'escalated' ? 'gray' : 'yellow', statusLabel[n.status]),
        n.accountable ? h('div', {}, chip('red', '约谈候选')) : null),
      h('td', {}, noticeActions(n, onDone, out) || '—')))));
}

async function viewNotices(params) {
  const all = params.get('all') === '1';
  const out = h('div');
  const reload = () => viewNotices(params).catch((e) => setMain(msg('err', e.message)));
  const { notices } = await api('GET', '/api/v1/notices' + qs({ all: all ? 1 : '' }));
  let closures = [];
  if (S.me.role !== 'dept') closures = (await api('GET', '/api/v1/closures')).closures;
  const runBtn = S.me.role === 'office' ? h('button', { class: 'plain', id: 'run-rules', onclick: async () => {
      try { const r = await api('POST', '/api/v1/supervise/run' + qs({ plan: S.plan.id }));
        out.replaceChildren(msg('ok', `红灯催办 ${r.urged} 件，逾期升级 ${r.escalated} 件，约谈候选 ${r.accountable} 件。`)); setTimeout(reload, 600); }
      catch (e) { out.replaceChildren(msg('err', e.message)); }
    } }, '执行自动督办规则') : null;
  setMain(
    h('h2', {}, '督查督办', h('small', {}, S.me.role === 'dept' ? '发给本部门的督办单' : '全部督办单')),
    h('div', { class: 'filters' },
      h('a', { href: all ? '#/notices' : '#/notices?all=1' }, all ? '只看未办结' : '含已办结'), runBtn), out,
    h('section', { class: 'panel' }, noticeTable(notices, reload, out, true)),
    S.me.role !== 'dept' ? h('section', { class: 'panel' }, h('h3', {}, '待审核的销号申请'),
      closures.length ? h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, ['任务', '申请单位', '依据', '申请人', ''].map((t) => h('th', {}, t)))),
        h('tbody', {}, closures.map((c) => h('tr', {},
          h('td', {}, h('a', { href: '#/tasks/' + c.task_id }, c.task_path)), h('td', {}, c.dept), h('td', {}, c.evidence),
          h('td', {}, c.requested_by, h('div', { class: 'hint' }, c.requested_at.replace('T', ' ').replace('Z', ''))),
          h('td', {}, S.me.role === 'office' ? closureActions(c, reload, out) : '—')))))
        : h('div', { class: 'empty' }, '没有待审核的销号申请。')) : null);
}

function closureActions(c, onDone, out) {
  const note = h('input', { type: 'text', placeholder: '驳回理由' });
  const act = async (path, body) => { try { await api('POST', path, body); onDone(); } catch (e) { out.replaceChildren(msg('err', e.message)); } };
  return h('div', { class: 'notice-act' },
    h('button', { onclick: () => act(`/api/v1/closures/${c.id}/approve`) }, '批准销号'), note,
    h('button', { class: 'plain', onclick: () => { if (!note.value.trim()) { out.replaceChildren(msg('err', '请填写驳回理由。')); return; } act(`/api/v1/closures/${c.id}/reject`, { note: note.value }); } }, '驳回'));
}

function issueForm(t, onDone) {
  const out = h('div');
  const level = h('select', { id: 'n-level' }, [['remind', '提醒'], ['urge', '催办'], ['supervise', '督办']].map(([v, l]) => h('option', { value: v }, l)));
  const reason = h('input', { type: 'text', id: 'n-reason', placeholder: '督办事由', required: true });
  const limit = h('input', { type: 'number', id: 'n-limit', min: 1, max: 60, placeholder: '默认' });
  const co = h('input', { type: 'checkbox', id: 'n-co' });
  return h('form', { class: 'panel', id: 'issue-form', onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        await api('POST', `/api/v1/tasks/${t.id}/notices`, { level: level.value, reason: reason.value,
          limit_wd: limit.value ? Number(limit.value) : null, include_co: co.checked });
        onDone();
      } catch (e) { out.replaceChildren(msg('err', e.message)); }
    } }, h('h3', {}, '发督办单（督查室）'),
    h('div', { class: 'filters' }, h('label', { for: 'n-level' }, '级别'), level, reason,
      h('label', { for: 'n-limit' }, '时限（工作日）'), limit, h('label', {}, co, ' 同时发给配合单位'),
      h('button', { type: 'submit', id: 'n-submit' }, '发出')), out);
}

function closureForm(t, onDone) {
  const out = h('div');
  const ev = h('textarea', { id: 'c-evidence', placeholder: '完成依据：验收情况、成果文件、数据' });
  return h('form', { class: 'panel', onsubmit: async (e2) => {
      e2.preventDefault();
      try { await api('POST', `/api/v1/tasks/${t.id}/closure`, { evidence: ev.value }); out.replaceChildren(msg('ok', '已提交销号申请，等待督查室审核。')); setTimeout(onDone, 600); }
      catch (e) { out.replaceChildren(msg('err', e.message)); }
    } }, h('h3', {}, '申请销号（牵头单位）'), ev, h('div', { class: 'filters' }, h('button', { type: 'submit' }, '提交申请')), out);
}

/* ------------------------------------------------------------ 通报 */

function bulletinView(c) {
  const hd = c.headline;
  const card = (cls, k, v) => h('div', { class: 'card ' + cls }, h('div', { class: 'k' }, k), h('div', { class: 'v' }, v));
  const taskTable = (list, empty) => list.length ? h('table', { class: 'grid' },
    h('thead', {}, h('tr', {}, ['条目', '重点任务', '牵头单位', '序时', '原因'].map((t) => h('th', {}, t)))),
    h('tbody', {}, list.map((t) => h('tr', {}, h('td', {}, h('a', { href: '#/tasks/' + t.id }, t.path)), h('td', {}, t.title),
      h('td', {}, t.lead), h('td', {}, t.expected + '%'), h('td', {}, t.reason))))) : h('div', { class: 'empty' }, empty);
  return h('div', { id: 'bulletin-view' },
    h('div', { class: 'cards' }, card('', '任务', hd.tasks), card('green', '绿灯', hd.green), card('yellow', '黄灯', hd.yellow), card('red', '红灯', hd.red)),
    h('section', { class: 'panel' }, h('h3', {}, '一、总体情况'), c.sentences.map((x) => h('p', { class: 'sentence' }, x))),
    h('section', { class: 'panel' }, h('h3', {}, '二、各部门推进情况'), h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, ['部门', '牵头', '应报', '按时', '逾期', '未报', '按时率', '平均进度', '平均序时', '红灯', '黄灯', '未办结督办'].map((t) => h('th', {}, t)))),
      h('tbody', {}, c.departments.map((d) => h('tr', {}, h('td', {}, d.dept), h('td', {}, d.led), h('td', {}, d.due), h('td', {}, d.on_time),
        h('td', {}, d.late), h('td', {}, d.missing), h('td', {}, d.on_time_rate + '%'), h('td', {}, d.avg_progress + '%'),
        h('td', {}, d.avg_expected + '%'), h('td', {}, d.red), h('td', {}, d.yellow), h('td', {}, d.open_notices)))))),
    h('section', { class: 'panel' }, h('h3', {}, '三、红灯任务'), taskTable(c.red_tasks, '本期无红灯任务。')),
    h('section', { class: 'panel' }, h('h3', {}, '四、黄灯任务'), taskTable(c.yellow_tasks, '本期无黄灯任务。')),
    h('section', { class: 'panel' }, h('h3', {}, '五、表扬'), h('p', { class: 'hint' }, c.praise_rule), h('p', {}, c.praise.length ? c.praise.join('、') : '本期无。')),
    h('section', { class: 'panel' }, h('h3', {}, '六、通报批评'), h('p', { class: 'hint' }, c.critic_rule),
      c.critic.length ? h('ul', {}, c.critic.map((x) => h('li', {}, x.dept + '：' + x.reason))) : h('p', {}, '本期无。')));
}

async function viewBulletins(params) {
  const id = params.get('id');
  const out = h('div');
  const reload = (q) => { location.hash = '#/bulletins' + (q || ''); };
  if (id) {
    const { bulletin: b, content: c } = await api('GET', `/api/v1/bulletins/${id}`);
    const published = b.status === 'published';
    setMain(h('h2', {}, h('a', { href: '#/bulletins' }, '通报'), ` / ${b.period}`, h('small', {}, published ? `第${b.number}期 · ${b.published_at.replace('T', ' ').replace('Z', '')} 发布` : '草稿')),
      h('div', { class: 'filters' },
        ['html', 'xlsx', 'docx'].map((f) => h('a', { class: 'download', href: `/api/v1/bulletins/${b.id}/export?format=${f}`, 'data-format': f }, { html: '网页', xlsx: 'Excel', docx: 'Word' }[f] + '下载')),
        S.me.role === 'office' && !published ? h('button', { id: 'publish', onclick: async () => {
          if (!confirm('发布后通报冻结，不能修改或重新生成。确认发布？')) return;
          try { await api('POST', `/api/v1/bulletins/${b.id}/publish`); viewBulletins(params); } catch (e) { out.replaceChildren(msg('err', e.message)); }
        } }, '发布') : null,
        S.me.role === 'office' && !published ? h('button', { class: 'plain', onclick: async () => {
          try { await api('POST', '/api/v1/bulletins', { plan_id: S.plan.id, period: b.period }); viewBulletins(params); } catch (e) { out.replaceChildren(msg('err', e.message)); }
        } }, '按最新数据重新生成') : null,
        published ? h('span', { class: 'hint' }, 'SHA-256 ' + b.sha256.docx.slice(0, 16) + '…') : null),
      out, bulletinView(c));
    return;
  }
  const { bulletins } = await api('GET', '/api/v1/bulletins' + qs({ plan: S.plan.id }));
  const per = h('input', { type: 'text', id: 'b-period', value: S.plan.reporting_period, size: 10 });
  setMain(h('h2', {}, '通报', h('small', {}, `共 ${bulletins.length} 期`)),
    S.me.role === 'office' ? h('form', { class: 'panel', onsubmit: async (ev) => {
        ev.preventDefault();
        try { const r = await api('POST', '/api/v1/bulletins', { plan_id: S.plan.id, period: per.value.trim() }); reload('?id=' + r.id); }
        catch (e) { out.replaceChildren(msg('err', e.message)); }
      } }, h('h3', {}, '生成通报草稿'), h('div', { class: 'filters' }, h('label', { for: 'b-period' }, '报告期'), per, h('button', { type: 'submit', id: 'b-generate' }, '生成')), out) : null,
    h('section', { class: 'panel' }, bulletins.length ? h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, ['报告期', '期号', '状态', '生成', '发布'].map((t) => h('th', {}, t)))),
      h('tbody', {}, bulletins.map((b) => h('tr', { class: 'click', onclick: () => reload('?id=' + b.id) },
        h('td', {}, b.period), h('td', {}, b.number ? `第${b.number}期` : '—'),
        h('td', {}, b.status === 'published' ? chip('green', '已发布') : chip('yellow', '草稿')),
        h('td', {}, b.generated_at.replace('T', ' ').replace('Z', '')), h('td', {}, b.published_at ? b.published_at.replace('T', ' ').replace('Z', '') : '—')))))
      : h('div', { class: 'empty' }, '还没有通报。')));
}

/* ------------------------------------------------------------ 考核 */

const ruleLabels = { timeliness: '按时报送', progress: '进度与序时进度', completion: '按期完成', notices: '督办办理',
  accountability: '督办逾期未反馈（每次）', closed_early: '提前销号（每项）', missing_report: '未报送进展（每次）' };
const fmtPts = (c) => (c < 0 ? '-' : '') + (Math.abs(c) / 100).toFixed(2);

async function viewAssess(params) {
  const id = params.get('id');
  const out = h('div');
  if (id) {
    const { assessment: a } = await api('GET', `/api/v1/assessments/${id}`);
    setMain(h('h2', {}, h('a', { href: '#/assess' }, '考核'), ` / ${a.period}`,
      h('small', {}, `规则第 ${a.rules_version} 版 · ${a.status === 'published' ? '已发布' : '草稿'}`)),
      h('div', { class: 'filters' }, S.me.role === 'office' && a.status !== 'published' ? h('button', { id: 'assess-publish', onclick: async () => {
        if (!confirm('发布后考核结果冻结。确认发布？')) return;
        try { await api('POST', `/api/v1/assessments/${a.id}/publish`); viewAssess(params); } catch (e) { out.replaceChildren(msg('err', e.message)); }
      } }, '发布') : null), out,
      h('section', { class: 'panel' }, a.results.length ? h('table', { class: 'grid', id: 'scores' },
        h('colgroup', {}, h('col', { width: '60' }), h('col', { width: '200' }), h('col', { width: '90' }), h('col')),
        h('thead', {}, h('tr', {}, ['名次', '部门', '得分', '得分明细'].map((t) => h('th', {}, t)))),
        h('tbody', {}, a.results.map((r) => h('tr', {}, h('td', { class: 'num' }, r.rank), h('td', {}, r.dept),
          h('td', { class: 'num' }, h('b', {}, r.score_text)),
          h('td', {}, h('ul', { class: 'lines' }, r.lines.map((l) => h('li', {}, `${l.label}：${l.facts}，`, h('b', {}, fmtPts(l.points) + ' 分')))))))))
        : h('div', { class: 'empty' }, '没有可考核的部门。')));
    return;
  }
  const [{ versions }, { assessments }] = await Promise.all([
    api('GET', '/api/v1/assessment/rules' + qs({ plan: S.plan.id })), api('GET', '/api/v1/assessments' + qs({ plan: S.plan.id }))]);
  const cur = versions[0];
  const editable = S.me.role === 'office' || S.me.role === 'admin';
  const inputs = {};
  const ruleRows = ['timeliness', 'progress', 'completion', 'notices'].map((k) => [k, 'weights', cur.rules.weights[k] || 0])
    .concat(['accountability', 'closed_early', 'missing_report'].map((k) => [k, 'adjust', (cur.rules.adjust || {})[k] || 0]));
  const per = h('input', { type: 'text', id: 'a-period', placeholder: '2020-Q2 或 2020', size: 10 });
  setMain(h('h2', {}, '考核', h('small', {}, `规则第 ${cur.version} 版，公开给所有人`)), out,
    h('form', { class: 'panel', onsubmit: async (ev) => {
        ev.preventDefault();
        const rules = { weights: {}, adjust: {} };
        for (const [k, kind] of ruleRows) rules[kind][k] = kind === 'weights' ? Number(inputs[k].value) : Math.round(Number(inputs[k].value) * 100);
        try { const r = await api('POST', '/api/v1/assessment/rules', { plan_id: S.plan.id, rules }); out.replaceChildren(msg('ok', `已发布规则第 ${r.version} 版。`)); setTimeout(() => viewAssess(params), 600); }
        catch (e) { out.replaceChildren(msg('err', e.message)); }
      } }, h('h3', {}, '考核规则'),
      h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, h('th', {}, '项目'), h('th', {}, '分值'))),
        h('tbody', {}, ruleRows.map(([k, kind, v]) => {
          inputs[k] = h('input', { type: 'number', step: kind === 'weights' ? 1 : 0.01, value: kind === 'weights' ? v : v / 100, disabled: !editable, id: 'rule-' + k });
          return h('tr', {}, h('td', {}, ruleLabels[k] + (kind === 'weights' ? '（权重）' : '（加减分）')), h('td', {}, inputs[k]));
        }))),
      editable ? h('div', { class: 'filters' }, h('button', { type: 'submit' }, '发布新版规则'), h('span', { class: 'hint' }, '权重之和须为 100；已发布的考核结果不受影响')) : null),
    S.me.role === 'office' ? h('form', { class: 'panel', onsubmit: async (ev) => {
        ev.preventDefault();
        try { const r = await api('POST', '/api/v1/assessments', { plan_id: S.plan.id, period: per.value.trim() }); location.hash = '#/assess?id=' + r.id; }
        catch (e) { out.replaceChildren(msg('err', e.message)); }
      } }, h('h3', {}, '计算考核'), h('div', { class: 'filters' }, h('label', { for: 'a-period' }, '考核期'), per, h('button', { type: 'submit', id: 'a-run' }, '计算'))) : null,
    h('section', { class: 'panel' }, assessments.length ? h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, ['考核期', '规则版本', '状态', '计算时间'].map((t) => h('th', {}, t)))),
      h('tbody', {}, assessments.map((a) => h('tr', { class: 'click', onclick: () => { location.hash = '#/assess?id=' + a.id; } },
        h('td', {}, a.period), h('td', {}, '第 ' + a.rules_version + ' 版'),
        h('td', {}, a.status === 'published' ? chip('green', '已发布') : chip('yellow', '草稿')), h('td', {}, a.created_at.replace('T', ' ').replace('Z', ''))))))
      : h('div', { class: 'empty' }, '还没有考核结果。')));
}

/* ------------------------------------------------------------ settings, admin, account */

async function viewSettings() {
  const p = S.plan, s = p.settings, out = h('div');
  const cadence = h('select', { id: 's-cadence' }, [['monthly', '每月'], ['weekly', '每周'], ['quarterly', '每季度']].map(([v, l]) =>
    h('option', { value: v, selected: s.cadence === v }, l)));
  const num = (id, v) => h('input', { type: 'number', id, value: v, min: 1, max: 100 });
  const due = num('s-due', s.report_due_wd), yb = num('s-yellow', s.yellow_behind), rb = num('s-red', s.red_behind), mr = num('s-missing', s.missing_red);
  const start = h('input', { type: 'date', id: 's-start', value: s.start_on }), end = h('input', { type: 'date', id: 's-end', value: s.end_on });
  const row = (label, el, hint) => h('div', { class: 'form-row' }, h('label', {}, label), h('div', {}, el, hint ? h('span', { class: 'hint' }, '  ' + hint) : null));
  setMain(h('h2', {}, '报送设置', h('small', {}, p.title)),
    h('form', { class: 'panel', onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          const r = await api('PUT', `/api/v1/plans/${p.id}/settings`, { cadence: cadence.value, report_due_wd: Number(due.value),
            yellow_behind: Number(yb.value), red_behind: Number(rb.value), missing_red: Number(mr.value), start_on: start.value, end_on: end.value });
          p.settings = r.settings;
          out.replaceChildren(msg('ok', '已保存。'));
        } catch (e) { out.replaceChildren(msg('err', e.message)); }
      } },
      row('报送周期', cadence), row('报送截止', due, '期末后第几个工作日（含法定节假日与调休）'),
      row('方案开始', start), row('方案结束', end, '未设完成时限的任务以此为限'),
      row('黄灯阈值', yb, '落后序时进度的百分点'), row('红灯阈值', rb, '落后超过此值为红灯'),
      row('连续未报', mr, '连续几期未报送为红灯'), row('', h('button', { type: 'submit' }, '保存')), out),
    superviseSettingsForm(p),
    h('section', { class: 'panel' }, h('h3', {}, '关账'),
      h('p', { class: 'hint' }, '关账后该期灯色冻结，之后修改报告不再改变历史。'),
      closeForm()));
}

/* 督办设置: automatic 催办 and the time limit of each level, in working days. */
function superviseSettingsForm(p) {
  const out = h('div');
  const auto = h('input', { type: 'checkbox', id: 'ss-auto' });
  const num = (id) => h('input', { type: 'number', id, min: 1, max: 60 });
  const remind = num('ss-remind'), urge = num('ss-urge'), sup = num('ss-supervise');
  const fill = (s) => { auto.checked = s.auto_urge; remind.value = s.remind_wd; urge.value = s.urge_wd; sup.value = s.supervise_wd; };
  api('GET', `/api/v1/plans/${p.id}/supervise-settings`).then((r) => fill(r.settings)).catch((e) => out.replaceChildren(msg('err', e.message)));
  const row = (label, el, hint) => h('div', { class: 'form-row' }, h('label', { for: el.id }, label), h('div', {}, el, hint ? h('span', { class: 'hint' }, '  ' + hint) : null));
  return h('form', { class: 'panel', id: 'supervise-settings', onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const r = await api('PUT', `/api/v1/plans/${p.id}/supervise-settings`, { auto_urge: auto.checked,
          remind_wd: Number(remind.value), urge_wd: Number(urge.value), supervise_wd: Number(sup.value) });
        fill(r.settings);
        out.replaceChildren(msg('ok', '督办设置已保存。'));
      } catch (e) { out.replaceChildren(msg('err', e.message)); }
    } },
    h('h3', {}, '督办设置'),
    row('自动催办', auto, '执行自动督办规则时，对红灯任务自动发催办单'),
    row('提醒时限', remind, '个工作日'), row('催办时限', urge, '个工作日'), row('督办时限', sup, '个工作日；逾期未反馈逐级升级'),
    row('', h('button', { type: 'submit' }, '保存督办设置')), out);
}

function closeForm() {
  const per = h('input', { type: 'text', id: 'close-period', value: S.plan.reporting_period, size: 10 });
  const out = h('div');
  return h('form', { onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const r = await api('POST', `/api/v1/periods/${encodeURIComponent(per.value.trim())}/close` + qs({ plan: S.plan.id }));
        out.replaceChildren(msg('ok', `已关账 ${r.period}，冻结 ${r.tasks} 项任务的灯色。`));
      } catch (e) { out.replaceChildren(msg('err', e.message)); }
    } }, h('div', { class: 'filters' }, h('label', { for: 'close-period' }, '报告期'), per, h('button', { type: 'submit' }, '关账')), out);
}

async function viewUsers() {
  const { users } = await api('GET', '/api/v1/users');
  const depts = (await departments()).filter((d) => !d.alias_of && d.kind !== 'collective');
  const out = h('div');
  const name = h('input', { type: 'text', id: 'u-name', required: true });
  const role = h('select', { id: 'u-role' }, [['dept', '部门'], ['office', '督查室'], ['leader', '领导'], ['admin', '管理员']].map(([v, l]) => h('option', { value: v }, l)));
  const dept = h('select', { id: 'u-dept' }, depts.map((d) => h('option', { value: d.name }, d.name)));
  const pw = h('input', { type: 'password', id: 'u-password', required: true, minlength: 8, autocomplete: 'new-password' });
  setMain(h('h2', {}, '账号管理', h('small', {}, `共 ${users.length} 个`)),
    h('form', { class: 'panel', onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          await api('POST', '/api/v1/users', { name: name.value.trim(), role: role.value, dept: role.value === 'dept' ? dept.value : null, password: pw.value });
          viewUsers();
        } catch (e) { out.replaceChildren(msg('err', e.message)); }
      } }, h('h3', {}, '新建账号'),
      h('div', { class: 'filters' }, h('label', { for: 'u-name' }, '账号'), name, h('label', { for: 'u-role' }, '角色'), role,
        h('label', { for: 'u-dept' }, '部门'), dept, h('label', { for: 'u-password' }, '初始密码'), pw, h('button', { type: 'submit' }, '创建')), out),
    h('section', { class: 'panel' }, users.length ? h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, ['账号', '角色', '部门', '状态', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, users.map((u) => h('tr', {}, h('td', {}, u.name), h('td', {}, u.role_label), h('td', {}, u.dept || '—'),
        h('td', {}, u.disabled ? chip('gray', '已停用') : chip('green', '正常')),
        h('td', {}, u.disabled || u.name === S.me.name ? '' : h('button', { class: 'plain', onclick: async () => {
          if (!confirm(`停用账号 ${u.name}？其会话与令牌将立即失效。`)) return;
          try { await api('POST', `/api/v1/users/${encodeURIComponent(u.name)}/disable`); viewUsers(); } catch (e) { out.replaceChildren(msg('err', e.message)); }
        } }, '停用'))))))
      : h('div', { class: 'empty' }, '还没有账号。')));
}

async function viewDepts() {
  deptCache = null;
  const depts = await departments();
  const out = h('div');
  const alias = h('input', { type: 'text', id: 'a-alias', required: true, placeholder: '如 区科技局' });
  const canon = h('select', { id: 'a-canonical' }, depts.filter((d) => !d.alias_of).map((d) => h('option', { value: d.name }, d.name)));
  setMain(h('h2', {}, '部门目录', h('small', {}, `共 ${depts.length} 个名称`)),
    h('form', { class: 'panel', onsubmit: async (ev) => {
        ev.preventDefault();
        try { await api('POST', '/api/v1/departments/aliases', { alias: alias.value.trim(), canonical: canon.value }); viewDepts(); }
        catch (e) { out.replaceChildren(msg('err', e.message)); }
      } }, h('h3', {}, '合并名称'),
      h('div', { class: 'filters' }, h('label', { for: 'a-alias' }, '别名'), alias, h('label', { for: 'a-canonical' }, '并入'), canon, h('button', { type: 'submit' }, '合并')), out),
    h('section', { class: 'panel' }, depts.length ? h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, ['名称', '类别', '别名指向', '牵头任务', '配合任务'].map((t) => h('th', {}, t)))),
      h('tbody', {}, depts.map((d) => h('tr', {}, h('td', {}, d.name), h('td', {}, d.kind_label), h('td', {}, d.alias_of || ''),
        h('td', { class: 'num' }, d.alias_of ? '' : d.lead_tasks), h('td', { class: 'num' }, d.alias_of ? '' : d.co_tasks)))))
      : h('div', { class: 'empty' }, '部门目录为空，导入方案后自动填充。')));
}

async function viewAccount() {
  const out = h('div');
  const old = h('input', { type: 'password', id: 'p-old', autocomplete: 'current-password', required: true });
  const nw = h('input', { type: 'password', id: 'p-new', autocomplete: 'new-password', required: true, minlength: 8 });
  setMain(h('h2', {}, '修改密码'),
    h('form', { class: 'panel', onsubmit: async (ev) => {
        ev.preventDefault();
        try { await api('POST', '/api/v1/me/password', { old_password: old.value, new_password: nw.value }); S.me = null; renderLogin('密码已修改，请用新密码登录。'); }
        catch (e) { out.replaceChildren(msg('err', e.message)); }
      } },
      h('div', { class: 'form-row' }, h('label', { for: 'p-old' }, '原密码'), old),
      h('div', { class: 'form-row' }, h('label', { for: 'p-new' }, '新密码'), h('div', {}, nw, h('span', { class: 'hint' }, '  至少 8 位'))),
      h('div', { class: 'form-row' }, h('span'), h('div', {}, h('button', { type: 'submit' }, '修改'))), out));
}

/* ------------------------------------------------------------ 政策兑现 */

/* Fen as yuan with separators, exactly (no floating point on money). */
function yuan(fen) {
  const neg = fen < 0;
  let s = String(Math.abs(fen)).padStart(3, '0');
  const cents = s.slice(-2);
  s = s.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + s + '.' + cents;
}
const appStatus = { submitted: ['yellow', '待审批'], approved: ['green', '已批准'], rejected: ['gray', '已驳回'] };
let clauseCache = null;
let prefill = null; /* {clause, uscc, inputs: {name: {value, self_declared}}} from 享受查询 to the form */
async function policyClauses() {
  if (!clauseCache) clauseCache = await api('GET', '/api/v1/policy/clauses');
  return clauseCache;
}
/* A clause's title and its inputs' labels, for showing names people read. */
function clauseInfo(pack, id) {
  const c = pack.clauses.find((x) => x.id === id);
  const labels = {};
  if (c) for (const v of c.vars) labels[v.name] = v.label;
  return { title: c ? c.title : id, label: (n) => labels[n] || n, deadline: c ? c.deadline : null };
}
function shownValue(v) { return v === 'true' ? '是' : v === 'false' ? '否' : v; }

/* The application form of a clause: one field per input the clause reads. */
/* A USCC box that also finds an entity by name: what is typed is looked up (after a pause),
 * the matches offered by name; picking one fills in its code, whose name shows beside. */
function entityPicker(input) {
  const list = h('datalist', { id: input.id + '-list' });
  const name = h('span', { class: 'hint picked' });
  const known = new Map();
  input.setAttribute('list', list.id);
  input.setAttribute('autocomplete', 'off');
  let timer = null;
  const show = () => { name.textContent = known.has(input.value.trim().toUpperCase()) ? '  ' + known.get(input.value.trim().toUpperCase()) : ''; };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    show();
    const q = input.value.trim();
    if (!q || /^[0-9A-Za-z]{18}$/.test(q)) return;
    timer = setTimeout(async () => {
      try {
        const r = await api('GET', '/api/v1/entities/search' + qs({ q, limit: 20 }));
        for (const e of r.entities) known.set(e.uscc, e.name);
        list.replaceChildren(...r.entities.map((e) => h('option', { value: e.uscc, label: e.name }, e.name)));
      } catch (e) { /* a lookup that fails leaves the box as typed */ }
    }, 250);
  });
  return h('span', { class: 'picker' }, input, list, name);
}

function applicationForm(pack, preset, onDone) {
  const out = h('div');
  const ent = S.me.role === 'enterprise';
  const uscc = h('input', { type: 'text', id: 'ap-uscc', required: true, maxlength: 40, placeholder: '统一社会信用代码，或输入名称查找', value: ent ? S.me.entity : (preset.uscc || '') });
  if (ent) uscc.readOnly = true;
  const clause = h('select', { id: 'ap-clause' }, pack.clauses.map((c) => h('option', { value: c.id }, `${c.title}（${c.id}）`)));
  if (preset.clause) clause.value = preset.clause;
  const on = h('input', { type: 'date', id: 'ap-on', value: preset.on || '' });
  const fields = h('div');
  const cite = h('p', { class: 'hint' });
  /* 快申快享: the registry's facts fill the form; the self-declared ones are marked for checking. */
  const filled = (name) => (preset.inputs && clause.value === preset.clause ? preset.inputs[name] : undefined);
  const asBool = (v) => (['是', 'true', 'yes', '1'].includes(v) ? 'true' : ['否', 'false', 'no', '0'].includes(v) ? 'false' : '');
  const draw = () => {
    const c = pack.clauses.find((x) => x.id === clause.value);
    /* what the clause promises: its 兑现时限, counted from the day it is filed */
    cite.textContent = `${c.cite}：${c.quote}` + (c.deadline ? `（兑现时限：${c.deadline.label}）` : '');
    fields.replaceChildren(...c.vars.filter((v) => !v.param).map((v) => {
      const id = 'ap-in-' + v.name;
      const input = v.type === 'bool'
        ? h('select', { id, 'data-name': v.name }, h('option', { value: '' }, '（未提供）'), h('option', { value: 'true' }, '是'), h('option', { value: 'false' }, '否'))
        : v.type === 'enum'
        ? h('select', { id, 'data-name': v.name }, h('option', { value: '' }, '（未提供）'), (v.options || []).map((o) => h('option', { value: o }, o)))
        : h('input', { id, 'data-name': v.name, type: v.type === 'date' ? 'date' : 'text', inputmode: v.type === 'money' || v.type === 'count' ? 'decimal' : null,
            placeholder: v.type === 'money' ? '元，至多两位小数' : v.type === 'count' ? '件数' : '' });
      const f = filled(v.name);
      if (f !== undefined) input.value = v.type === 'bool' ? asBool(f.value) : f.value;
      const note = f === undefined ? null : h('span', { class: 'hint prefill' }, f.self_declared ? '  自行申报的数据，请核对并上传证明材料' : '  来自主管部门数据');
      return h('div', { class: 'form-row' }, h('label', { for: id }, v.label + (v.required || v.name === c.matter_key ? ' *' : '')), h('div', {}, input, note));
    }));
  };
  clause.addEventListener('change', draw);
  draw();
  return h('form', { class: 'panel', id: 'ap-form', onsubmit: async (ev) => {
      ev.preventDefault();
      const inputs = {};
      fields.querySelectorAll('[data-name]').forEach((el) => { if (el.value !== '') inputs[el.getAttribute('data-name')] = el.value; });
      try {
        const r = await api('POST', '/api/v1/applications', { uscc: uscc.value.trim(), clause: clause.value, inputs, on: on.value || undefined });
        onDone(r);
      } catch (e) { out.replaceChildren(msg('err', (e.field ? e.field + '：' : '') + e.message)); }
    } },
    h('h3', {}, ent ? '提交申请' : '受理申请'),
    h('div', { class: 'form-row' }, h('label', { for: 'ap-uscc' }, '统一社会信用代码'), ent ? uscc : entityPicker(uscc)),
    h('div', { class: 'form-row' }, h('label', { for: 'ap-clause' }, '政策条款'), clause),
    cite, fields,
    h('div', { class: 'form-row' }, h('label', { for: 'ap-on' }, '受理日期'), h('div', {}, on, h('span', { class: 'hint' }, '  不填为今天'))),
    h('div', { class: 'form-row' }, h('span'), h('div', {}, h('button', { type: 'submit', id: 'ap-submit' }, '提交并计算'))), out);
}

/* 预算执行: per clause, the year's envelope, what is paid and pending, and what is left. */
function budgetPanel(b, years, status, office) {
  const preview = h('div', { id: 'batch-preview' });
  /* 试算 a pro-rata batch: the shares now, or under another envelope; nothing is written. */
  const tryBatch = async (c) => {
    const v = prompt(`“${c.title}” ${b.year} 年批次试算：年度预算（元）`, yuan(c.budget_fen).replace(/,/g, ''));
    if (v === null) return;
    try {
      const r = await api('POST', '/api/v1/policy/batches', { clause: c.clause, year: b.year, dry_run: true, budget: v.trim().replace(/,/g, '') });
      preview.replaceChildren(msg('ok', `试算（未写入）：年度预算 ${yuan(r.budget_fen)} 元，已兑付 ${yuan(r.used_fen)} 元，待审申请合计 ${yuan(r.demand_fen)} 元，` +
        `${r.allocation === 'fcfs' ? '按受理顺序依次审批' : r.demand_fen <= r.avail_fen ? '全额兑付' : r.priority ? `按${r.priority}依次优先、同类按比例核减` : '按比例核减'}，共 ${yuan(r.paid_fen)} 元。`),
      h('table', { class: 'grid', id: 'batch-shares' }, h('thead', {}, h('tr', {}, ['申请', '主体', '申请金额（元）', '分配（元）', '说明'].map((t) => h('th', {}, t)))),
        h('tbody', {}, r.shares.map((x) => h('tr', {}, h('td', {}, x.application_id), h('td', {}, x.entity_name),
          h('td', { class: 'num' }, yuan(x.claim_fen)), h('td', { class: 'num' }, x.eligible ? yuan(x.share_fen) : (x.note ? '不予批准' : '不符合条件')),
          h('td', { class: 'hint' }, x.note || ''))))));
    } catch (e) { preview.replaceChildren(msg('err', e.message)); }
  };
  const pick = h('div', { class: 'filters' }, h('span', { class: 'hint' }, '年度：'),
    ...years.map((y) => h('a', { href: '#/policy' + qs({ status, year: y }), class: y === b.year ? 'on' : null }, String(y))));
  const left = (c) => {
    if (c.budget_fen === null) return c.note ? h('span', { class: 'hint', title: c.note }, '预算未定') : '—';
    const cell = [yuan(c.remaining_fen)];
    /* pro-rata: pending claims share what is left at batch close (display only, not money) */
    if (c.allocation === 'pro-rata' && c.pending_fen > c.remaining_fen && c.pending_fen > 0)
      cell.push(h('div', { class: 'hint' }, `申请超出，批次时约按 ${Math.floor(c.remaining_fen * 1000 / c.pending_fen) / 10}% 兑现`));
    if (office && c.budget_fen !== null && c.pending)
      cell.push(h('div', {}, h('button', { class: 'plain', 'data-try': c.clause, onclick: () => tryBatch(c) }, c.allocation === 'pro-rata' ? '批次试算' : '试算')));
    return cell;
  };
  const alloc = { fcfs: '先到先得', 'pro-rata': '按比例' };
  return h('section', { class: 'panel', id: 'budget' },
    h('h3', {}, `${b.year} 年预算执行`, h('small', {}, ` 已兑付 ${yuan(b.paid_fen)} 元 · 待审 ${yuan(b.pending_fen)} 元`)),
    h('div', { class: 'filters' }, ...pick.childNodes,
      h('a', { class: 'download', id: 'payouts-xlsx', href: '/api/v1/payouts' + qs({ year: b.year, format: 'xlsx' }) }, `导出 ${b.year} 年兑付台账（Excel）`)),
    h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, ['条款', '年度预算（元）', '已兑付（元）', '追回（元）', '笔数 / 主体', '待审', '剩余（元）'].map((t) => h('th', {}, t)))),
      h('tbody', {}, b.clauses.map((c) => h('tr', { 'data-clause': c.clause },
        h('td', {}, c.title),
        h('td', { class: 'num' }, c.budget_fen === null ? '—' : [yuan(c.budget_fen), h('div', { class: 'hint' }, (alloc[c.allocation] || '') + (c.priority ? `（按${c.priority}优先）` : ''))]),
        h('td', { class: 'num' }, yuan(c.paid_fen)),
        h('td', { class: 'num' }, c.recovered_fen ? yuan(c.recovered_fen) : '—'),
        h('td', { class: 'num' }, `${c.payouts} / ${c.entities}`),
        h('td', { class: 'num' }, c.pending ? `${c.pending} 件 ${yuan(c.pending_fen)}` : '—'),
        h('td', { class: 'num' }, left(c)))))), preview);
}

/* The server's year (its clock decides periods and deadlines), else the browser's. */
function thisYear() { return S.today ? Number(S.today.slice(0, 4)) : new Date().getFullYear(); }

/* 兑现时限 as a chip: days left, due today, overdue, or how the decision kept it. */
function deadlineChip(a) {
  const d = a.deadline;
  if (!d) return '';
  const c = { open: d.workdays ? [d.workdays <= 3 ? 'yellow' : 'gray', `剩 ${d.workdays} 个工作日`] : ['yellow', '今日到期'],
    overdue: ['red', `超期 ${d.workdays} 个工作日`], on_time: ['green', '按时办结'],
    late: ['yellow', `超期 ${d.workdays} 个工作日办结`] }[d.state];
  const x = chip(...c);
  x.title = d.text;
  x.dataset.deadline = d.state;
  return x;
}

async function viewPolicy(params) {
  const PAGE = 100;
  const status = params.get('status') || '';
  const overdue = params.get('overdue') === '1' ? '1' : '';
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const cl = params.get('cl') || ''; /* the list's clause ("clause" opens the form on one) */
  const [{ applications, total, amount_fen, paid_fen, overdue: late, timing }, pack] = await Promise.all([
    api('GET', '/api/v1/applications' + qs({ status, overdue, clause: cl, limit: PAGE, offset })), policyClauses()]);
  const pageLink = (o) => '#/policy' + qs({ status, overdue, cl, offset: o });
  const pages = total > PAGE ? h('div', { class: 'filters', id: 'ap-pages' },
    offset > 0 ? h('a', { href: pageLink(Math.max(0, offset - PAGE)) }, '上一页') : null,
    h('span', { class: 'hint' }, `第 ${offset + 1}–${Math.min(offset + PAGE, total)} 件，共 ${total} 件`),
    offset + PAGE < total ? h('a', { href: pageLink(offset + PAGE) }, '下一页') : null) : null;
  const office = S.me.role === 'office';
  const ent = S.me.role === 'enterprise';
  let budget = null;
  if (['admin', 'office', 'leader'].includes(S.me.role)) {
    const years = [...new Set([thisYear(), ...applications.map((a) => Number(a.applied_on.slice(0, 4)))])].sort((x, y) => y - x);
    const year = Number(params.get('year')) || (applications.length ? Number(applications[0].applied_on.slice(0, 4)) : years[0]);
    if (!years.includes(year)) years.push(year);
    budget = budgetPanel(await api('GET', '/api/v1/policy/budget' + qs({ year })), years, status, S.me.role === 'office');
  }
  const out = h('div');
  const want = params.get('clause') || '';
  const fill = prefill && prefill.clause === want ? prefill : null;
  prefill = null;
  const form = office || ent ? applicationForm(pack, { clause: want, uscc: fill ? fill.uscc : params.get('uscc') || '', inputs: fill ? fill.inputs : null },
    (r) => { location.hash = '#/policy/applications/' + r.id; }) : null;
  const tools = [];
  if (office || S.me.role === 'admin') {
    tools.push(h('button', { class: 'plain', id: 'ledger-verify', onclick: async () => {
      try {
        /* the ledger, then whether each paid application still says what it was paid on */
        const v = await api('GET', '/api/v1/ledger/verify?applications=1');
        const a = v.applications;
        const ok = v.ok && a && a.ok;
        out.replaceChildren(msg(ok ? 'ok' : 'err', !v.ok ? `第 ${v.bad_line} 行有问题：${v.problem}`
          : `兑付账本完好：${v.lines} 行逐行重算与哈希链校验通过，合计 ${yuan(v.total_fen)} 元。` +
            (a.ok ? `申请记录核对：${a.lines} 笔兑付的申请仍与兑付时一致。` : `申请记录核对：第 ${a.bad_line} 行，${a.problem}`)),
        /* the head, to be written down outside hqd: later it shows lines cut off the end */
        ...(v.ok && v.head ? [h('p', { class: 'hint', id: 'ledger-head' }, '末行（抄录备查，日后在此核对）：',
          h('code', {}, `${v.head.id}:${v.head.hash}`))] : []));
      } catch (e) { out.replaceChildren(msg('err', e.message)); }
    } }, '校验兑付账本'));
    /* a head written down earlier (an anchor): is that line still there, unchanged? */
    const anchor = h('input', { id: 'anchor-text', placeholder: '抄录的末行 行号:哈希', 'aria-label': '抄录的末行', size: 24 });
    tools.push(h('form', { class: 'inline', id: 'anchor', onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const v = await api('GET', '/api/v1/ledger/verify?anchor=' + encodeURIComponent(anchor.value.trim()));
        out.replaceChildren(msg(v.anchor.ok && v.ok ? 'ok' : 'err', !v.anchor.ok ? `锚点核对：${v.anchor.problem}`
          : v.ok ? `锚点核对：抄录的第 ${anchor.value.trim().split(':')[0]} 行仍在账本中，哈希未变；账本现有 ${v.lines} 行，校验通过。`
            : `锚点相符，但第 ${v.bad_line} 行有问题：${v.problem}`));
      } catch (e) { out.replaceChildren(msg('err', e.message)); }
    } }, anchor, h('button', { type: 'submit', class: 'plain' }, '核对锚点')));
  }
  if (office) {
    /* 免申即享: file the applications certified facts already prove, for one clause. */
    const pc = h('select', { id: 'propose-clause', 'aria-label': '免申即享条款' }, pack.clauses.map((c) => h('option', { value: c.id }, c.title)));
    tools.push(h('form', { class: 'inline', id: 'propose', onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const r = await api('POST', '/api/v1/policy/proposals', { clause: pc.value });
        const why = [[r.self_declared, '依据自行申报数据（快申快享，由企业申请）'], [r.incomplete, '缺少事项编号'],
          [r.duplicates, '已有申请'], [r.nothing_left, '无可兑付金额'], [r.superseded, '同一事项适用更高的条款（就高不就低）']].filter(([k]) => k).map(([k, t]) => `${t} ${k} 个`);
        out.replaceChildren(msg('ok', `免申即享：生成 ${r.filed} 件申请，合计 ${yuan(r.amount_fen)} 元，待审批。` +
          (why.length ? `未生成：${why.join('，')}。` : '')),
        /* every entity left out, named: the office follows each up (a long list starts folded) */
        ...(r.skipped.length ? [h('details', { id: 'propose-skipped', open: r.skipped.length <= 20 },
          h('summary', {}, `未生成申请的主体（${r.skipped.length} 个）`),
          h('ul', { class: 'hint' }, r.skipped.map((k) => h('li', {}, `${k.uscc} ${k.name}：${k.text}`))))] : []));
        if (r.filed) setTimeout(() => route(), 1200);
      } catch (e) { out.replaceChildren(msg('err', e.message)); }
    } }, pc, h('button', { type: 'submit', class: 'plain' }, '免申即享：生成申请')));
    /* 批量审批: a clause's pending applications, tried first, then approved in 受理 order */
    const ac = h('select', { id: 'approve-all-clause', 'aria-label': '批量审批条款' },
      pack.clauses.filter((x) => !(x.budget && x.budget.allocation === 'pro-rata')).map((c) => h('option', { value: c.id }, c.title)));
    const ay = h('input', { type: 'number', id: 'approve-all-year', value: thisYear(), min: 2000, max: 2100, 'aria-label': '年度', style: 'width:6em' });
    const ap = h('input', { type: 'checkbox', id: 'approve-all-proposed' });
    const runAll = async (dry) => {
      const body = { clause: ac.value, year: Number(ay.value), proposed_only: ap.checked, dry_run: dry };
      const r = await api('POST', '/api/v1/policy/approvals', body);
      const rows = h('table', { class: 'grid', id: 'approve-all-result' },
        h('thead', {}, h('tr', {}, ['申请', '主体', '申请金额（元）', '批准（元）', '说明'].map((t) => h('th', {}, t)))),
        h('tbody', {}, r.shares.map((x) => h('tr', { 'data-app': x.application_id },
          h('td', {}, h('a', { href: '#/policy/applications/' + x.application_id }, x.application_id)), h('td', {}, x.entity_name),
          h('td', { class: 'num' }, yuan(x.claim_fen)), h('td', { class: 'num' }, x.eligible ? yuan(x.share_fen) : '未批准'), h('td', {}, x.note)))));
      const said = `${dry ? '试算（未写入）：' : '已批准：'}按受理顺序批准 ${r.approved} 件，兑付 ${yuan(r.paid_fen)} 元；${r.skipped} 件未批准，仍待审。`;
      const go = dry && r.approved ? h('button', { id: 'approve-all-confirm', onclick: async () => {
        try { await runAll(false); setTimeout(() => route(), 1500); } catch (e) { out.replaceChildren(msg('err', e.message)); }
      } }, `确认批准这 ${r.approved} 件`) : null;
      out.replaceChildren(msg('ok', said), rows, go);
    };
    tools.push(h('form', { class: 'inline', id: 'approve-all', onsubmit: async (ev) => {
      ev.preventDefault();
      try { await runAll(true); } catch (e) { out.replaceChildren(msg('err', e.message)); }
    } }, ac, ay, h('label', {}, ap, '仅免申即享'), h('button', { type: 'submit', class: 'plain' }, '批量审批（先试算）')));
    for (const c of pack.clauses.filter((x) => x.budget && x.budget.allocation === 'pro-rata')) {
      tools.push(h('button', { class: 'plain', onclick: async () => {
        const year = prompt(`结束“${c.title}”哪一年的批次？`, String(thisYear()));
        if (!year) return;
        try {
          const b = await api('POST', '/api/v1/policy/batches', { clause: c.id, year: Number(year) });
          out.replaceChildren(msg('ok', `批准 ${b.approved} 件，申请合计 ${yuan(b.demand_fen)} 元，预算余额 ${yuan(b.avail_fen)} 元，兑付 ${yuan(b.paid_fen)} 元。`));
        } catch (e) { out.replaceChildren(msg('err', e.message)); }
      } }, `结束批次：${c.title}`));
    }
  }
  const clSel = h('select', { id: 'ap-filter-clause', 'aria-label': '按条款筛选', onchange: () => { location.hash = '#/policy' + qs({ status, overdue, cl: clSel.value }); } },
    h('option', { value: '' }, '全部条款'), pack.clauses.map((c) => h('option', { value: c.id, selected: c.id === cl ? '' : null }, c.title)));
  const filter = h('div', { class: 'filters' }, [['', '全部'], ['submitted', '待审批'], ['approved', '已批准'], ['rejected', '已驳回']].map(([v, l]) =>
    h('a', { href: '#/policy' + qs({ status: v, cl }), class: v === status && !overdue ? 'on' : null }, l)),
    h('a', { href: '#/policy' + qs({ overdue: '1', cl }), id: 'filter-overdue', class: overdue ? 'on' : null }, '超过兑现时限'), clSel,
    h('a', { class: 'download', id: 'applications-xlsx', href: '/api/v1/applications' + qs({ status, overdue, clause: cl, format: 'xlsx' }) }, '导出申请台账'), ...tools);
  setMain(h('h2', {}, ent ? '我的申请' : '政策兑现', h('small', {}, `${total} 件 · 申请 ${yuan(amount_fen)} 元 · 已兑付 ${yuan(paid_fen)} 元` +
    (late ? ` · ${late} 件超过兑现时限未办结` : '') +
    (timing.on_time_rate !== null ? ` · 按时办结率 ${timing.on_time_rate}%（${timing.on_time}/${timing.on_time + timing.late}）` : ''))),
    h('p', { class: 'hint' }, `${pack.pack}（版本 ${pack.version}，SHA-256 ${pack.sha256.slice(0, 12)}…）`),
    budget, filter, out,
    h('section', { class: 'panel' }, applications.length ? h('table', { class: 'grid', id: 'applications' },
      h('thead', {}, h('tr', {}, ['编号', '主体', '条款', '受理日期', '金额（元）', '已兑付（元）', '状态', '兑现时限'].map((t) => h('th', {}, t)))),
      h('tbody', {}, applications.map((a) => h('tr', { class: 'click', 'data-app': a.id, onclick: () => { location.hash = '#/policy/applications/' + a.id; } },
        h('td', {}, a.id), h('td', {}, a.entity_name), h('td', {}, clauseInfo(pack, a.clause).title), h('td', {}, a.applied_on),
        h('td', { class: 'num' }, yuan(a.amount_fen)), h('td', { class: 'num' }, yuan(a.paid_fen)),
        h('td', {}, chip(...appStatus[a.status])), h('td', {}, deadlineChip(a))))))
      : h('div', { class: 'empty' }, overdue ? '没有超过兑现时限仍未办结的申请。' : '还没有申请。')),
    pages, form);
}

async function viewApplication(id) {
  const [a, pack] = await Promise.all([api('GET', '/api/v1/applications/' + id), policyClauses()]);
  const info = clauseInfo(pack, a.clause);
  const office = S.me.role === 'office';
  const ent = S.me.role === 'enterprise';
  const out = h('div');
  const reload = () => viewApplication(id);
  const actions = [];
  if (office && a.status === 'submitted') {
    const note = h('input', { type: 'text', id: 'ap-note', placeholder: '驳回理由' });
    actions.push(h('div', { class: 'filters' },
      h('button', { id: 'ap-approve', onclick: async () => {
        try { await api('POST', `/api/v1/applications/${id}/approve`); reload(); } catch (e) { out.replaceChildren(msg('err', e.message)); }
      } }, '批准并记入兑付账本'),
      note,
      h('button', { class: 'plain', id: 'ap-reject', onclick: async () => {
        try { await api('POST', `/api/v1/applications/${id}/reject`, { note: note.value.trim() }); reload(); } catch (e) { out.replaceChildren(msg('err', e.message)); }
      } }, '驳回')));
  }
  if ((office || ent) && a.status === 'submitted') {
    const file = h('input', { type: 'file', id: 'ap-file' });
    /* Which of the clause's 证明材料 the file is (or none of them). */
    const kind = a.evidence.length ? h('select', { id: 'ap-evidence', 'aria-label': '材料类别' },
      a.evidence.map((x) => h('option', { value: x.label }, x.label)), h('option', { value: '' }, '其他材料')) : null;
    actions.push(h('div', { class: 'filters' }, h('label', { for: 'ap-file' }, '补充证明材料'), kind, file,
      h('button', { class: 'plain', id: 'ap-upload', onclick: async () => {
        const f = file.files[0];
        if (!f) return;
        try {
          await api('POST', `/api/v1/applications/${id}/files` + qs({ name: f.name, evidence: kind ? kind.value : '' }), undefined, { data: f, type: f.type || 'application/octet-stream' });
          reload();
        } catch (e) { out.replaceChildren(msg('err', e.message)); }
      } }, '上传')));
  }
  /* the same inputs filed again by the entity under the clause: a possible second claim */
  const same = (a.same_inputs || []).length ? h('div', { class: 'msg err', role: 'alert', id: 'ap-same' },
    ...a.same_inputs.map((x, i) => h('span', {}, i ? '、' : '注意：与', h('a', { href: '#/policy/applications/' + x }, `第 ${x} 号申请`))),
    '的输入完全相同（同一主体、同一条款），请核实是否重复申请。') : null;
  setMain(h('h2', {}, h('a', { href: '#/policy' }, ent ? '我的申请' : '政策兑现'), ` / 第 ${a.id} 号申请`, h('small', {}, chip(...appStatus[a.status]))),
    same,
    h('section', { class: 'panel' },
      h('dl', { class: 'facts' },
        h('dt', {}, '主体'), h('dd', {}, `${a.entity_name}（${a.uscc}）`),
        h('dt', {}, '条款'), h('dd', {}, `${info.title}（${a.clause}）`),
        h('dt', {}, '受理日期'), h('dd', {}, a.applied_on),
        a.deadline ? h('dt', {}, '兑现时限') : null,
        a.deadline ? h('dd', { id: 'ap-deadline' }, `自受理之日起 ${a.deadline.limit_workdays} 个工作日，${a.deadline.due_on} 前办结 `, deadlineChip(a)) : null,
        h('dt', {}, '金额'), h('dd', { id: 'ap-amount' }, yuan(a.amount_fen) + ' 元'),
        h('dt', {}, '已兑付'), h('dd', {}, yuan(a.paid_fen) + ' 元'),
        a.note ? h('dt', {}, '审批意见') : null, a.note ? h('dd', {}, a.note) : null),
      h('h3', {}, '计算与依据'), h('p', { class: 'explain', id: 'ap-explanation' }, a.explanation),
      h('h3', {}, '申报信息'), h('table', { class: 'grid' }, h('tbody', {}, Object.entries(a.inputs).map(([k, v]) => h('tr', {}, h('td', {}, info.label(k)), h('td', {}, shownValue(v)))))),
      h('h3', {}, '证明材料'),
      a.evidence.length ? h('ul', { id: 'ap-evidence-list', class: 'checklist' }, a.evidence.map((x) => h('li', { 'data-done': x.file_ids.length ? '1' : '0' },
        x.file_ids.length ? chip('green', '已提交') : chip(a.origin === 'proposed' ? 'gray' : 'yellow', a.origin === 'proposed' ? '免申即享，免提交' : '待提交'), ' ', x.label,
        x.file_ids.length ? h('span', { class: 'hint' }, '  ' + a.files.filter((f) => x.file_ids.includes(f.id)).map((f) => f.name).join('、')) : null))) : null,
      a.files.length ? h('ul', { id: 'ap-files' }, a.files.map((f) => h('li', {},
        h('a', { href: '/api/v1/application-files/' + f.id, download: f.name, title: `SHA-256 ${f.sha256}` }, `${f.name}（${Math.max(1, Math.round(f.size / 1024))} KB）`)))) : h('p', { class: 'hint' }, '无'),
      a.payouts.length ? h('h3', {}, '兑付记录') : null,
      a.payouts.length ? h('table', { class: 'grid', id: 'ap-payouts' },
        h('thead', {}, h('tr', {}, ['账本行', '金额（元）', '时间', '经办', '哈希', ''].map((t) => h('th', {}, t)))),
        h('tbody', {}, a.payouts.map((p) => h('tr', {}, h('td', {}, p.id), h('td', { class: 'num' }, yuan(p.amount_fen)),
          h('td', {}, p.created_at.replace('T', ' ').replace('Z', '')), h('td', {}, p.created_by), h('td', { class: 'hint' }, p.hash.slice(0, 12) + '…'),
          h('td', {}, office && !p.reversed && !p.reverses && p.amount_fen > 0 ? h('button', { class: 'plain', onclick: async () => {
            const note = prompt('追回理由');
            if (!note) return;
            try { await api('POST', `/api/v1/payouts/${p.id}/reverse`, { note }); reload(); } catch (e) { out.replaceChildren(msg('err', e.message)); }
          } }, '追回') : p.reversed ? '已追回' : p.reverses ? `追回第 ${p.reverses} 行` : ''))))) : null),
    ...actions, out);
}

/* The rule pack in force (its clauses, the parameters the office sets) and the registry of
 * entities with their facts, with CSV import. */
/* 与上一版本比较: what the last parameter change (or pack load) changed, and what it moves. */
function diffPanel(d, title, id) {
  const changed = d.clauses.filter((c) => c.change !== 'same');
  const word = { added: '新增', removed: '删除', changed: '修改' };
  const delta = (c) => c.new.total_fen - c.old.total_fen;
  return h('section', { class: 'panel', id: id || 'pack-diff' },
    h('h3', {}, title || `与上一版本比较`, h('small', {}, title ? ' 与现行版本比较；金额按主体名录测算，未计已兑付'
      : ` 第 ${d.from.id} 版 → 第 ${d.to.id} 版（现行）；金额按主体名录测算，未计已兑付`)),
    changed.length ? h('table', { class: 'grid auto' },
      h('thead', {}, h('tr', {}, ['条款', '改动', '符合项（主体·合同）', '测算金额（元）', '变化（元）'].map((t) => h('th', {}, t)))),
      h('tbody', {}, changed.map((c) => h('tr', { 'data-clause': c.clause },
        h('td', {}, c.title, h('div', { class: 'hint' }, word[c.change])),
        h('td', {}, h('pre', { class: 'diff' }, c.lines)),
        h('td', { class: 'num' }, `${c.old.pairs} → ${c.new.pairs}`),
        h('td', { class: 'num' }, `${yuan(c.old.total_fen)} → ${yuan(c.new.total_fen)}`),
        h('td', { class: 'num' }, (delta(c) > 0 ? '+' : '') + yuan(delta(c)))))))
      : h('div', { class: 'empty' }, '两个版本的条款没有改动。'));
}

/* A clause's boundary cases, computed by the server: where a floor or cap starts to bind, the
 * plan's own figure, tiers, half a fen, the yearly cap's last unit, each condition's edge, the
 * dates. What an office reads against the plan's sentence. */
async function showCases(c, panel, trial = {}) {
  /* the clause's params, to try values for (those the office has not set first of all) */
  const params = c.vars.filter((v) => v.param);
  const inputs = Object.fromEntries(params.map((v) => [v.name, h('input', { type: 'text', 'data-param': v.name,
    value: trial[v.name] || '', placeholder: v.set ? '现行 ' + v.value : (v.type === 'rate' ? '如 50%' : '元') })]));
  const tryForm = params.length ? h('div', { class: 'filters', id: 'cases-trial' }, h('span', { class: 'hint' }, '试设参数：'),
    ...params.flatMap((v) => [h('span', {}, v.label.replace(/（.*$/, '')), inputs[v.name]]),
    h('button', { type: 'button', class: 'plain', onclick: () => showCases(c, panel,
      Object.fromEntries(params.map((v) => [v.name, inputs[v.name].value.trim()]))) }, '按试设值列出')) : null;
  try {
    const r = await api('GET', `/api/v1/policy/clauses/${encodeURIComponent(c.id)}/cases` + qs(trial));
    const note = (k) => !k.eligible ? (k.explanation.includes('不在条款有效期') ? '不在有效期' : '不符合')
      : k.capped_by === 'item' ? '受每项上限' : k.capped_by ? '受每年上限' : k.floored ? '按保底计' : '';
    const input = (k) => Object.entries(k.inputs).map(([n, v]) => `${n}=${v}`).join(' ') +
      (k.year_awarded_fen ? ` 本年已获 ${yuan(k.year_awarded_fen)}` : '') + ` 受理日期 ${k.on}`;
    panel.replaceChildren(h('h4', {}, `边界情形：${c.title}（${r.cases.length} 个）`,
      h('a', { class: 'download', id: 'cases-xlsx', href: `/api/v1/policy/clauses/${encodeURIComponent(c.id)}/cases` + qs({ ...trial, format: 'xlsx' }) }, ' 导出 Excel')), tryForm,
      h('table', { class: 'grid auto', id: 'cases' },
        h('thead', {}, h('tr', {}, ['情形', '输入', '金额（元）', '说明'].map((t) => h('th', {}, t)))),
        h('tbody', {}, r.cases.map((k) => h('tr', { title: k.explanation }, h('td', {}, k.what), h('td', { class: 'hint' }, input(k)),
          h('td', { class: 'num' }, yuan(k.amount_fen)), h('td', {}, note(k)))))));
  } catch (e) { panel.replaceChildren(h('h4', {}, `边界情形：${c.title}`), msg('err', e.message), tryForm); }
}

async function viewRules() {
  clauseCache = null;
  const [pack, { entities, total }] = await Promise.all([policyClauses(), api('GET', '/api/v1/entities')]);
  let diff = null;
  try { diff = diffPanel(await api('GET', '/api/v1/policy/diff')); } catch (e) { diff = null; /* one version only */ }
  const office = S.me.role === 'office';
  const canImport = office || S.me.role === 'admin';
  const out = h('div');
  const casesPanel = h('div', { id: 'clause-cases' });
  const trial = h('div', { id: 'param-trial' });
  const params = [];
  for (const c of pack.clauses) {
    for (const v of c.vars.filter((x) => x.param)) params.push({ c, v });
    /* the 兑现时限 the plan leaves to the office: set like a parameter (none: no limit) */
    params.push({ c, v: { name: 'deadline', label: '兑现时限（工作日）', type: 'count', set: !!c.deadline, value: c.deadline ? String(c.deadline.workdays) : null } });
  }
  const paramRows = params.map(({ c, v }) => {
    const id = `pr-${c.id}-${v.name}`;
    const input = h('input', { type: 'text', id, placeholder: v.type === 'rate' ? '如 50%' : v.type === 'count' ? '工作日数' : '元' });
    return h('tr', { 'data-param': `${c.id}.${v.name}` }, h('td', {}, c.title), h('td', {}, v.label),
      h('td', {}, v.set ? chip('green', '现行 ' + v.value) : v.name === 'deadline' ? chip('gray', '未定时限') : chip('yellow', '待设定')),
      h('td', {}, office ? h('span', {}, input, ' ', h('button', { class: 'plain', 'data-trial': '1', onclick: async () => {
        /* 试算: the value's effect over the registry before it is set */
        try {
          const d = await api('PUT', '/api/v1/policy/params', { clause: c.id, name: v.name, value: input.value.trim(), dry_run: true });
          trial.replaceChildren(diffPanel(d, `试算（未存入）：${c.title} ${v.label} = ${input.value.trim()}`, 'param-trial-diff'));
        } catch (e) { trial.replaceChildren(msg('err', e.message)); }
      } }, '试算'), ' ', h('button', { class: 'plain', onclick: async () => {
        try {
          const r = await api('PUT', '/api/v1/policy/params', { clause: c.id, name: v.name, value: input.value.trim() });
          clauseCache = null;
          await viewRules();
          document.querySelector('.main').prepend(msg('ok', `已设定，存为规则包第 ${r.pack_id} 版。`));
        } catch (e) { out.replaceChildren(msg('err', e.message)); }
      } }, '设定')) : ''));
  });
  const file = h('input', { type: 'file', id: 'ent-file', accept: '.csv,text/csv' });
  const importForm = canImport ? h('div', { class: 'filters' }, h('label', { for: 'ent-file' }, '导入主体或事实 CSV'), file,
    h('button', { class: 'plain', id: 'ent-import', onclick: async () => {
      const f = file.files[0];
      if (!f) return;
      try {
        const r = await api('POST', '/api/v1/entities/import?name=' + encodeURIComponent(f.name), undefined, { data: f, type: 'text/csv' });
        await viewRules();
        document.querySelector('.main').prepend(msg('ok', `已导入 ${r.rows} 行：主体 ${r.entities} 个，事实 ${r.facts} 条。`));
      } catch (e) { out.replaceChildren(msg('err', e.message)); }
    } }, '导入'),
    h('div', { class: 'hint', id: 'import-formats' }, '主体：统一社会信用代码,名称,类别,区内,行业；事实：统一社会信用代码,事实,值,来源,日期[,事项]；' +
      '宽表：统一社会信用代码,来源,日期,事实名…，有按事项兑现的编号列（如 contract_no）时每行是一个事项（一份合同）。整个文件要么全部导入，要么不导入。')) : null;
  setMain(h('h2', {}, '政策规则与主体', h('small', {}, `${pack.pack} · 版本 ${pack.version} · SHA-256 ${pack.sha256.slice(0, 12)}…`)),
    out,
    h('section', { class: 'panel' }, h('h3', {}, '条款'), h('table', { class: 'grid auto', id: 'clauses' },
      h('thead', {}, h('tr', {}, ['条款', '依据', '计算规则（金额、保底、上限、预算、条件、有效期）', '申请主体'].map((t) => h('th', {}, t)))),
      h('tbody', {}, pack.clauses.map((c) => h('tr', { 'data-clause': c.id }, h('td', {}, `${c.title}（${c.id}）`,
          h('div', {}, h('button', { type: 'button', class: 'plain', onclick: () => showCases(c, casesPanel) }, '边界情形'))),
        h('td', { class: 'explain' }, `${c.cite}：${c.quote}`),
        h('td', { class: 'explain' }, c.rule),
        h('td', {}, c.applicants.map((k) => ({ enterprise: '企业', institution: '机构', fund: '基金' })[k]).join('、')))))),
      casesPanel),
    params.length ? h('section', { class: 'panel' }, h('h3', {}, '交由管委会确定的参数'),
      h('table', { class: 'grid auto', id: 'params' }, h('thead', {}, h('tr', {}, ['条款', '参数', '状态', office ? '设定新值（存为新版本）' : ''].map((t) => h('th', {}, t)))),
        h('tbody', {}, paramRows)), trial) : null,
    diff,
    h('section', { class: 'panel' }, h('h3', {}, `主体名录（${total} 个）`,
      total > entities.length ? h('small', {}, ` 列出前 ${entities.length} 个；查某一主体请用“享受查询”`) : null), importForm,
      entities.length ? h('table', { class: 'grid auto', id: 'entities' },
        h('thead', {}, h('tr', {}, ['统一社会信用代码', '名称', '类别', '区内', '行业', '最新事实'].map((t) => h('th', {}, t)))),
        h('tbody', {}, entities.map((e) => h('tr', {}, h('td', {}, h('a', { href: '#/entitled' + qs({ uscc: e.uscc }) }, e.uscc)),
          h('td', {}, e.name), h('td', {}, ({ enterprise: '企业', institution: '机构', fund: '基金' })[e.kind]), h('td', {}, e.in_zone ? '是' : '否'),
          h('td', {}, e.industry), h('td', { class: 'hint' }, Object.entries(e.facts).map(([k, f]) => `${k}=${f.value}（${f.as_of}）`).join('；'),
            (e.matters || []).map((m) => h('div', { class: 'matter' }, `事项 ${m.key}=${m.value}：` +
              Object.entries(m.facts).filter(([k]) => k !== m.key).map(([k, f]) => `${k}=${f.value}（${f.as_of}）`).join('；'))))))))
        : h('div', { class: 'empty' }, '主体名录为空：导入主体 CSV（统一社会信用代码,名称,类别,区内,行业）。')));
}

/* 免申即享名单: every entity against every clause, counted against the ledger (what a matter
 * already received, the application already filed), filtered and a page at a time; the whole
 * filtered list downloads as a workbook. */
async function viewMatches(params, said) {
  const PAGE = 100;
  const state = params.get('state') || '', clause = params.get('clause') || '', q = params.get('q') || '';
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const [r, pack] = await Promise.all([api('GET', '/api/v1/policy/matches' + qs({ state, clause, q, limit: PAGE, offset })), policyClauses()]);
  const t = r.totals;
  const states = [['', '全部'], ['qualifies', '符合'], ['received', '已享受'], ['near', '接近'], ['awaiting', '待定参数']];
  const chips = { qualifies: ['green', '符合'], received: ['blue', '已享受'], near: ['yellow', '接近'], awaiting: ['gray', '待定参数'] };
  const go = (o) => { location.hash = '#/matches' + qs(Object.assign({ state, clause, q }, o)); };
  const sel = h('select', { id: 'mt-clause', 'aria-label': '条款' }, h('option', { value: '' }, '全部条款'),
    pack.clauses.map((c) => h('option', { value: c.id, selected: c.id === clause ? '' : null }, c.title)));
  const box = h('input', { type: 'text', id: 'mt-q', value: q, placeholder: '主体名称或统一社会信用代码', 'aria-label': '主体' });
  const filters = h('form', { class: 'filters', id: 'mt-filters', onsubmit: (ev) => { ev.preventDefault(); go({ clause: sel.value, q: box.value.trim() }); } },
    ...states.map(([v, l]) => h('a', { href: '#/matches' + qs({ state: v, clause, q }), class: v === state ? 'on' : null }, l)),
    sel, box, h('button', { type: 'submit' }, '查询'),
    h('a', { class: 'download', id: 'matches-xlsx', href: '/api/v1/policy/matches' + qs({ state, clause, q, format: 'xlsx' }) }, '导出 Excel'));
  /* with a clause chosen, the office files the 免申即享 applications from here (award propose);
   * the list is then read again, with what was filed said above it */
  const out = h('div', {}, said ? msg('ok', said) : null);
  const propose = S.me.role === 'office' && clause ? h('button', { class: 'plain', id: 'mt-propose', onclick: async () => {
    try {
      const p = await api('POST', '/api/v1/policy/proposals', { clause });
      viewMatches(params, `免申即享：生成 ${p.filed} 件申请，合计 ${yuan(p.amount_fen)} 元，待审批；未生成 ${p.skipped.length} 个（见政策兑现页）。`);
    } catch (e) { out.replaceChildren(msg('err', e.message)); }
  } }, `免申即享：为“${clauseInfo(pack, clause).title}”生成申请`) : null;
  if (propose) filters.append(propose);
  const pages = r.matched > PAGE ? h('div', { class: 'filters', id: 'mt-pages' },
    offset > 0 ? h('a', { href: '#/matches' + qs({ state, clause, q, offset: Math.max(0, offset - PAGE) }) }, '上一页') : null,
    h('span', { class: 'hint' }, `第 ${offset + 1}–${Math.min(offset + PAGE, r.matched)} 行，共 ${r.matched} 行`),
    offset + PAGE < r.matched ? h('a', { href: '#/matches' + qs({ state, clause, q, offset: offset + PAGE }) }, '下一页') : null) : null;
  setMain(h('h2', {}, '免申即享名单', h('small', {}, `${r.on} · ${t.entities} 个主体 · ${pack.pack}（版本 ${pack.version}）`)),
    h('p', { class: 'hint', id: 'mt-totals' }, `符合 ${t.qualifies} 项（免申即享 ${t.automatic} 项，快申快享 ${t.qualifies - t.automatic} 项），合计 ${yuan(t.total_fen)} 元；` +
      `已享受 ${t.received} 项；接近 ${t.near} 项；待管委会设定参数 ${t.awaiting} 项。金额已扣除本年度已兑付的和同一事项已获的兑付。`),
    /* each clause's part, against what its yearly envelope has left */
    t.clauses.length ? h('details', { class: 'panel', id: 'mt-clauses', open: t.clauses.some((c) => c.warning) ? '' : null },
      h('summary', {}, '按条款汇总'),
      h('table', { class: 'grid auto' },
        h('thead', {}, h('tr', {}, ['政策', '符合', '金额合计（元）', '年度资金余额（元）', '说明'].map((x) => h('th', {}, x)))),
        h('tbody', {}, t.clauses.map((c) => h('tr', { 'data-clause': c.clause, class: c.warning ? 'warn' : null },
          h('td', {}, c.title), h('td', { class: 'num' }, c.qualifies), h('td', { class: 'num' }, yuan(c.total_fen)),
          h('td', { class: 'num' }, c.budget ? yuan(c.budget.left_fen) : '—'),
          h('td', { class: 'explain' }, c.warning ? chip('red', '资金缺口 ' + yuan(c.budget.short_fen) + ' 元') : '',
            c.warning ? h('div', { class: 'hint' }, c.warning)
              : c.budget ? h('span', { class: 'hint' }, c.budget.allocation === 'fcfs' ? '先到先得，余额足够' : '批次结算，余额足够')
                : h('span', { class: 'hint' }, '无年度资金限额'))))))) : null,
    filters, out,
    h('section', { class: 'panel' }, r.rows.length ? h('table', { class: 'grid auto', id: 'matches' },
      h('thead', {}, h('tr', {}, ['主体', '政策', '事项', '状态', '金额（元）', '说明', ''].map((x) => h('th', {}, x)))),
      h('tbody', {}, r.rows.map((x) => h('tr', { 'data-uscc': x.uscc, 'data-clause': x.clause, 'data-matter': x.matter || '' },
        h('td', {}, h('a', { href: '#/entitled' + qs({ uscc: x.uscc }) }, x.name), h('div', { class: 'hint' }, x.uscc)),
        h('td', {}, x.title),
        h('td', {}, x.matter ? `${clauseInfo(pack, x.clause).label(x.matter_key)} ${x.matter}` : ''),
        h('td', {}, chip(...chips[x.state]), x.route_text ? h('div', { class: 'hint route' }, x.route_text) : null),
        h('td', { class: 'num' }, x.state === 'qualifies' ? yuan(x.payable_fen) : ''),
        h('td', { class: 'explain wide' }, x.why, h('details', {}, h('summary', {}, '计算与依据'), h('div', { class: 'hint' }, x.explanation))),
        h('td', { class: 'num' }, x.application ? h('a', { href: '#/policy/applications/' + x.application.id }, `申请 ${x.application.id}`) : '')))))
      : h('div', { class: 'empty' }, state || clause || q ? '没有符合筛选条件的行。' : '没有主体符合或接近任何条款：先在“政策规则与主体”导入主体名录与事实。')),
    pages);
}

/* 我能享受什么: every clause for one entity, what it qualifies for now and what is missing. */
async function viewEntitled(params) {
  const ent = S.me.role === 'enterprise';
  const uscc = ent ? S.me.entity : (params.get('uscc') || '');
  /* a code opens the entity; anything else is looked up by name in the 免申即享名单 */
  const pick = ent ? null : h('form', { class: 'filters', onsubmit: (ev) => {
    ev.preventDefault();
    const v = box.value.trim();
    location.hash = /^[0-9A-Za-z]{18}$/.test(v) ? '#/entitled' + qs({ uscc: v.toUpperCase() }) : '#/matches' + qs({ q: v });
  } },
    h('label', { for: 'en-uscc' }, '统一社会信用代码或名称'), entityPicker(h('input', { type: 'text', id: 'en-uscc', value: uscc, maxlength: 80 })), h('button', { type: 'submit' }, '查询'));
  const box = pick ? pick.querySelector('#en-uscc') : null;
  if (!uscc) { setMain(h('h2', {}, '享受查询'), pick, h('div', { class: 'panel empty' }, '输入主体的统一社会信用代码，查看它符合哪些政策、还差什么；输入名称中的字，在免申即享名单中查找。')); return; }
  const [r, pack] = await Promise.all([api('GET', '/api/v1/entitlements' + qs({ uscc: ent ? '' : uscc })), policyClauses()]);
  const state = { qualifies: ['green', '符合'], received: ['blue', '已享受'], near: ['yellow', '接近'], awaiting: ['gray', '待定参数'], no: ['gray', '不符合'] };
  const order = { qualifies: 0, received: 1, near: 2, awaiting: 3, no: 4 };
  // an application already filed for it: open that one rather than file it again
  const pending = (c) => c.application && c.application.status === 'submitted';
  const rows = r.clauses.slice().sort((a, b) => order[a.state] - order[b.state]);
  setMain(h('h2', {}, ent ? '我能享受什么' : '享受查询', h('small', {}, `${r.uscc} · ${r.on} · 可享受合计 ${yuan(r.total_fen)} 元`)),
    pick,
    h('p', { class: 'hint' }, '按主体名录中的最新事实逐条计算，已扣除本年度已兑付的金额和同一事项已获的兑付；“接近”表示只差所列事项。'),
    h('section', { class: 'panel' }, h('table', { class: 'grid auto', id: 'entitled' },
      h('thead', {}, h('tr', {}, ['政策', '状态', '金额（元）', '本年已获（元）', '计算与依据', '还差', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, rows.map((c) => h('tr', { 'data-clause': c.clause, 'data-matter': c.matter || '' },
        h('td', {}, c.title, c.matter ? h('div', { class: 'hint matter' }, `${clauseInfo(pack, c.clause).label(c.matter_key)} ${c.matter}`) : null,
          clauseInfo(pack, c.clause).deadline ? h('div', { class: 'hint deadline' }, `受理后 ${clauseInfo(pack, c.clause).deadline.workdays} 个工作日内办结`) : null),
        h('td', {}, chip(...state[c.state]), c.route ? h('div', { class: 'hint route' },
          c.route === '免申即享' ? '免申即享：数据已由主管部门核验'
            : '快申快享：' + [c.self_declared.length ? '请确认' + c.self_declared.map(clauseInfo(pack, c.clause).label).join('、') : '',
              c.matter_missing ? '请填写' + clauseInfo(pack, c.clause).label(c.matter_missing) : ''].filter(Boolean).join('；')) : null),
        h('td', { class: 'num' }, c.state === 'qualifies' ? yuan(c.payable_fen) : ''),
        h('td', { class: 'num' }, yuan(c.received_fen)),
        h('td', { class: 'explain wide' }, c.explanation, c.superseded_by ? h('div', { class: 'hint superseded' },
          `同一事项就高不就低：按“${clauseInfo(pack, c.superseded_by).title}”兑现，本条款不再重复享受，不计入合计。`) : null,
          c.standing ? h('div', { class: 'hint standing' }, c.standing) : null),
        h('td', {}, c.missing.map(clauseInfo(pack, c.clause).label).join('、')),
        h('td', { class: 'num' }, pending(c) ? h('a', { href: '#/policy/applications/' + c.application.id }, `申请 ${c.application.id}`)
          : (ent || S.me.role === 'office') && (c.state === 'qualifies' || c.state === 'near') ? h('a', { href: '#/policy' + qs({ clause: c.clause, uscc: r.uscc }), onclick: () => {
          const inputs = {};
          for (const [k, v] of Object.entries(c.inputs || {})) inputs[k] = { value: v, self_declared: (c.self_declared || []).includes(k) };
          prefill = { clause: c.clause, uscc: r.uscc, inputs };
        } }, c.route === '快申快享' ? '快申快享' : '去申请') : '')))))));
}

/* ------------------------------------------------------------ boot */

window.addEventListener('hashchange', route);
(async () => {
  try {
    const r = await api('GET', '/api/v1/me');
    S.me = r.user;
    S.today = r.today;
    await start();
  } catch (e) {
    renderLogin(e.status === 401 ? null : e.message);
  }
})();
