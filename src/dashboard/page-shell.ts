// The dashboard page's HTML and CSS: a shell without data (served without a token) that the
// bundled script (page/main.ts) fills. Kept as text here rather than files beside the code, so a
// build that bundles vfnet into one executable serves them too.

const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vfnet dashboard</title>
@DEFAULT_TOKEN@<link rel="stylesheet" href="/dashboard/app.css">
<script src="/dashboard/app.js" defer></script>
</head>
<body>
<header>
  <h1>vfnet <span class="sub">SR-IOV VFs and who holds them</span></h1>
  <div id="summary" class="summary"></div>
  <div id="status" class="status" data-state="starting">starting</div>
  <form id="token-form" class="token" autocomplete="off">
    <label>Token <input id="token" type="password" placeholder="X-Auth-Token" autocomplete="off"></label>
    <button type="submit">Use</button>
    <button type="button" id="token-forget">Forget</button>
  </form>
</header>
<main>
  <section id="trees" class="trees" aria-label="resource provider trees">
    <p class="note" id="no-script">This page needs its script (/dashboard/app.js), which this build of vfnet does not serve.</p>
  </section>
  <aside class="side">
    <h2>Allocation candidates</h2>
    <form id="candidates-form" class="candidates" autocomplete="off">
      <label>resources <input name="resources" value="SRIOV_NET_VF:1" spellcheck="false"></label>
      <label>required traits <input name="required" placeholder="CUSTOM_PHYSNET_PUBLIC" spellcheck="false"></label>
      <label>granular groups <textarea name="groups" rows="3" placeholder="1 SRIOV_NET_VF:1 CUSTOM_PHYSNET_PUBLIC&#10;2 SRIOV_NET_VF:1 CUSTOM_PHYSNET_INTRANET" spellcheck="false"></textarea></label>
      <label>group_policy <select name="groupPolicy"><option value="">(none given)</option><option>none</option><option>isolate</option></select></label>
      <label>limit <input name="limit" inputmode="numeric" placeholder="all"></label>
      <label>can_split <input name="canSplit" placeholder="SRIOV_NET_VF" spellcheck="false"></label>
      <div class="buttons"><button type="submit">Ask Placement</button><button type="button" id="candidates-clear">Clear</button></div>
    </form>
    <div id="candidates-result" class="result"></div>
  </aside>
</main>
</body>
</html>
`;

/**
 * The page; `defaultToken` is the token the page uses until one is typed in: only for noauth2,
 * where a token names the caller and is no secret ("admin"), so `npm start`'s page just works.
 */
export function pageHtml(defaultToken: string | null): string {
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const meta = defaultToken === null ? '' : `<meta name="vfnet-noauth-token" content="${esc(defaultToken)}">\n`;
  return PAGE_HTML.replace('@DEFAULT_TOKEN@', meta);
}

export const PAGE_CSS = `
:root { --fg: #1d232b; --muted: #5b6673; --line: #d5dbe2; --bg: #f5f7f9; --card: #fff;
  --used: #2f6fd0; --reserved: #9aa5b1; --free: #e6ebf0; --mark: #f0a020; --bad: #b3261e; --good: #1f7a3a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 16px; padding: 8px 16px; background: #18324f; color: #fff; flex-wrap: wrap; }
header h1 { font-size: 18px; margin: 0; }
header .sub { font-weight: normal; font-size: 13px; opacity: .8; }
.summary { font-size: 13px; opacity: .9; }
.status { margin-left: auto; font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #5b6673; }
.status[data-state="live"] { background: var(--good); }
.status[data-state="refused"], .status[data-state="error"] { background: var(--bad); }
.token { display: flex; gap: 6px; align-items: center; font-size: 12px; }
.token input { width: 150px; }
main { display: grid; grid-template-columns: 1fr 330px; gap: 12px; padding: 12px 16px; align-items: start; }
.trees { display: flex; flex-direction: column; gap: 12px; min-width: 0; }
.note { color: var(--muted); }
.refusal { background: #fdecea; border: 1px solid var(--bad); color: var(--bad); padding: 8px 12px; border-radius: 6px; white-space: pre-wrap; }
.host { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.node-head { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.kind { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; }
.name { font-weight: 600; }
.uuid { font: 11px ui-monospace, "DejaVu Sans Mono", monospace; color: var(--muted); }
.children { margin: 6px 0 0 14px; padding-left: 10px; border-left: 2px solid var(--line); display: flex; flex-direction: column; gap: 6px; }
.node { padding: 4px 0; }
.pf { background: #fbfcfd; border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; }
.pf.marked { border-color: var(--mark); box-shadow: 0 0 0 2px var(--mark) inset; background: #fff8ec; }
.pf.dim { opacity: .55; }
.traits { display: flex; flex-wrap: wrap; gap: 4px; margin: 3px 0; }
.trait { font: 11px ui-monospace, "DejaVu Sans Mono", monospace; background: #eef1f4; border-radius: 3px; padding: 0 4px; }
.trait.physnet { background: #dff0e4; color: #145a2a; font-weight: 600; }
details.more > summary { font-size: 11px; color: var(--muted); cursor: pointer; }
.bar-row { display: grid; grid-template-columns: 120px 1fr 140px; gap: 8px; align-items: center; font-size: 12px; margin: 2px 0; }
.bar { position: relative; height: 12px; background: var(--free); border-radius: 3px; overflow: hidden; display: flex; }
.bar .used { background: var(--used); }
.bar .reserved { background: repeating-linear-gradient(45deg, var(--reserved), var(--reserved) 3px, #c4ccd4 3px, #c4ccd4 6px); }
.bar-label { font-variant-numeric: tabular-nums; color: var(--muted); }
.holders { list-style: none; margin: 4px 0 0; padding: 0; font-size: 12px; }
.holders li { display: flex; gap: 6px; align-items: baseline; flex-wrap: wrap; padding: 1px 0; }
.holder-kind { font-size: 10px; text-transform: uppercase; border-radius: 3px; padding: 0 4px; color: #fff; background: #6b5bd0; }
.holder-kind.instance { background: #a0522d; }
.holder-kind.other { background: #5b6673; }
.mono { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
.badges { display: inline-flex; gap: 4px; }
.badge { font-size: 11px; background: var(--mark); color: #3a2500; border-radius: 8px; padding: 0 6px; font-weight: 600; }
.side { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; position: sticky; top: 12px; }
.side h2 { font-size: 15px; margin: 0 0 8px; }
.candidates { display: flex; flex-direction: column; gap: 6px; font-size: 12px; }
.candidates label { display: flex; flex-direction: column; gap: 2px; color: var(--muted); }
.candidates ::placeholder { color: #a7b0ba; font-style: italic; }
.candidates input, .candidates textarea, .candidates select { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; padding: 3px 5px; border: 1px solid var(--line); border-radius: 4px; color: var(--fg); }
.buttons { display: flex; gap: 6px; }
button { font: inherit; font-size: 12px; padding: 3px 10px; border-radius: 4px; border: 1px solid #8896a5; background: #fff; cursor: pointer; }
.result { margin-top: 10px; font-size: 12px; }
.result .error { color: var(--bad); white-space: pre-wrap; }
.result ol { padding-left: 20px; margin: 4px 0; }
.result li { cursor: pointer; padding: 2px 0; }
.result li.selected { font-weight: 600; color: #7a4a00; }
`;
