//! HTML building blocks: the layout and its view model (`templates/layout.html`,
//! checked at compile time, escaping on), escaping for the bodies still built
//! in handlers, tables. Server-rendered, no front-end build; a few lines of
//! plain JS (`static/app.js`) sort tables and upload files.

use askama::Template;

use crate::access::{Caller, Role};

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

/// What the layout (`templates/layout.html`) shows around every page: the
/// static files' version and, for a signed-in caller, the navigation of its role.
pub struct Layout {
    pub version: &'static str,
    pub nav: Option<Nav>,
}

/// The header of a signed-in page: links for the role, who is signed in, sign-out.
pub struct Nav {
    pub links: Vec<(&'static str, &'static str)>,
    pub username: String,
    pub role: &'static str,
    pub scope: String,
    pub csrf: String,
}

impl Layout {
    pub fn new(who: Option<(&Caller, &str)>) -> Layout {
        let nav = who.map(|(c, csrf)| {
            let mut links = Vec::new();
            if c.role != Role::Base {
                links.extend([("/overview", "概览"), ("/at-risk", "风险基地")]);
            }
            links.push(("/bases", "基地列表"));
            if c.role == Role::Province {
                links.extend([
                    ("/imports", "数据导入"),
                    ("/outbox", "发件箱"),
                    ("/jobs", "定时任务"),
                    ("/rectification", "整改管理"),
                ]);
            }
            Nav {
                links,
                username: c.username.clone(),
                role: c.role.name_zh(),
                scope: c.scope_name.clone(),
                csrf: csrf.to_string(),
            }
        });
        Layout {
            version: super::assets::version(),
            nav,
        }
    }
}

/// A page whose body is built by its handler (every value escaped there).
#[derive(Template)]
#[template(path = "page.html")]
struct PageView<'a> {
    title: &'a str,
    layout: Layout,
    body: &'a str,
}

/// The page a browser gets for an error: the status and the message (the
/// same message the API gives as JSON).
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorView<'a> {
    title: &'a str,
    layout: Layout,
    message: &'a str,
    status: u16,
}

/// Render a template; a failure (a bug) becomes a plain message.
pub fn render(t: &impl Template) -> String {
    t.render().unwrap_or_else(|e| {
        tracing::error!("template: {e}");
        "服务器内部错误 (internal error)".into()
    })
}

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
    render(&ErrorView {
        title,
        layout: Layout::new(None),
        message,
        status: status.as_u16(),
    })
}

/// A whole page: the layout with the navigation for the caller's role, then `body`.
pub fn page(title: &str, who: Option<(&Caller, &str)>, body: &str) -> String {
    render(&PageView {
        title,
        layout: Layout::new(who),
        body,
    })
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
