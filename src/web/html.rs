//! HTML building blocks: escaping, the page layout, tables. Server-rendered,
//! no front-end build; a few lines of plain JS sort tables and upload files.

use crate::access::Caller;

/// Escape text for HTML content and attribute values.
pub use crate::web_escape as esc;

/// Percent-encode a query value.
pub fn url(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

const STYLE: &str = r#"
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei","PingFang SC",sans-serif;margin:0;background:#f4f6f9;color:#1f2933}
header{background:#8b1a1a;color:#fff;padding:10px 24px;display:flex;align-items:center;gap:24px;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;margin-right:16px}
header .who{margin-left:auto;font-size:14px}
header form{display:inline}
header button{background:none;border:1px solid #fff;color:#fff;border-radius:4px;cursor:pointer}
main{padding:16px 24px;max-width:1280px;margin:auto}
h1{font-size:22px;margin:8px 0 16px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px}
section.panel{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 3px rgba(0,0,0,.08);overflow:auto}
section.panel.wide{grid-column:1/-1}
td a{white-space:nowrap}
section.panel h2{font-size:16px;margin:4px 0 10px;color:#8b1a1a}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border-bottom:1px solid #e4e7eb;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5;cursor:default}
table.sortable th{cursor:pointer}
table.paged th a{color:inherit;text-decoration:none;white-space:nowrap}
p.pager{margin:8px 0;color:#52606d;font-size:14px}
nav.tabs a{margin-right:16px}nav.tabs a.on{font-weight:bold;color:#8b1a1a}
.ok{color:#1e7b34}.bad{color:#b42318}.warn{color:#b54708}.muted{color:#7b8794}
.bar{background:#d9e2ec;border-radius:3px;height:14px;position:relative;min-width:120px}
.bar span{display:block;height:14px;background:#3e7cb1;border-radius:3px}
form.filters{display:flex;gap:8px;flex-wrap:wrap;margin-bottom:12px;align-items:center}
input,select,button{font-size:14px;padding:4px 6px}
.card-login{max-width:360px;margin:80px auto;background:#fff;padding:24px;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.1)}
.card-login label{display:block;margin:10px 0 4px}
.card-login input{width:100%;box-sizing:border-box}
.error{color:#b42318;margin:8px 0}
pre.report{background:#fff;padding:12px;border-radius:6px;white-space:pre-wrap}
svg{max-width:100%;height:auto}
"#;

const SORT_JS: &str = r#"
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){
    th.addEventListener('click',function(){
      var rows=Array.from(t.tBodies[0].rows),asc=th.dataset.asc!=='1';
      rows.sort(function(a,b){var x=a.cells[i].dataset.v||a.cells[i].innerText,y=b.cells[i].dataset.v||b.cells[i].innerText;
        var nx=parseFloat(x),ny=parseFloat(y);var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y,'zh');return asc?c:-c;});
      th.dataset.asc=asc?'1':'0';rows.forEach(function(r){t.tBodies[0].appendChild(r);});
    });
  });
});
"#;

/// A whole page: header with navigation for the caller's role, then `body`.
pub fn page(title: &str, who: Option<(&Caller, &str)>, body: &str) -> String {
    let nav = match who {
        None => String::new(),
        Some((c, csrf)) => {
            let mut links = String::new();
            match c.role {
                crate::access::Role::Base => {}
                _ => {
                    links.push_str(r#"<a href="/overview">概览</a><a href="/at-risk">风险基地</a>"#)
                }
            }
            links.push_str(r#"<a href="/bases">基地列表</a>"#);
            if c.role == crate::access::Role::Province {
                links.push_str(r#"<a href="/imports">数据导入</a><a href="/outbox">发件箱</a><a href="/jobs">定时任务</a><a href="/rectification">整改管理</a>"#);
            }
            format!(
                r#"<nav>{links}</nav><span class="who">{} · {}（{}）</span><form method="post" action="/logout"><input type="hidden" name="csrf" value="{}"><button type="submit">退出登录</button></form>"#,
                esc(&c.username),
                esc(c.role.name_zh()),
                esc(&c.scope_name),
                esc(csrf)
            )
        }
    };
    format!(
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>{t} · 科创中原创新基地监测</title><style>{STYLE}</style></head><body><header><strong>科创中原创新基地监测</strong>{nav}</header><main><h1>{t}</h1>{body}</main><script>{SORT_JS}</script></body></html>"#,
        t = esc(title)
    )
}

/// A table; cells are already HTML.
pub fn table(headers: &[&str], rows: &[Vec<String>], sortable: bool) -> String {
    let mut s = format!(
        "<table{}><thead><tr>",
        if sortable { r#" class="sortable""# } else { "" }
    );
    for h in headers {
        s.push_str(&format!("<th>{}</th>", esc(h)));
    }
    s.push_str("</tr></thead><tbody>");
    for r in rows {
        s.push_str("<tr>");
        for c in r {
            s.push_str(&format!("<td>{c}</td>"));
        }
        s.push_str("</tr>");
    }
    if rows.is_empty() {
        s.push_str(&format!(
            r#"<tr><td colspan="{}" class="muted">暂无数据</td></tr>"#,
            headers.len().max(1)
        ));
    }
    s.push_str("</tbody></table>");
    s
}

pub fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}
