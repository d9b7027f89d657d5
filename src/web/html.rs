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

/// The stylesheet and script of every page, served from `/static/` (see
/// `web::assets`): no inline style or script, so the CSP can forbid both.
pub const STYLE: &str = include_str!("static/app.css");
pub const SCRIPT: &str = include_str!("static/app.js");

/// The page a browser gets for an error: the status and the message (the
/// same message the API gives as JSON).
pub fn error_page(status: actix_web::http::StatusCode, message: &str) -> String {
    let title = match status.as_u16() {
        404 => "未找到",
        403 => "无权访问",
        400 | 422 => "请求有误",
        408 => "请求超时",
        409 => "操作不被允许",
        413 => "文件过大",
        429 => "请求过于频繁",
        _ => "出错了",
    };
    let body = format!(
        r#"<section class="panel"><p class="error">{}</p><p class="muted">HTTP {}</p><p><a href="/">返回首页</a></p></section>"#,
        esc(message),
        status.as_u16()
    );
    page(title, None, &body)
}

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
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>{t} · 科创中原创新基地监测</title><link rel="stylesheet" href="/static/app.css?v={v}"></head><body><header><strong>科创中原创新基地监测</strong>{nav}</header><main><h1>{t}</h1>{body}</main><script src="/static/app.js?v={v}"></script></body></html>"#,
        t = esc(title),
        v = super::assets::version()
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
